"""Language and formatting: Indonesian first, English available (Flask-Babel).

Three gettext domains live in `translations/<lang>/LC_MESSAGES/`:

- `messages`: the portal's own strings (English msgids, extracted by `make i18n`);
- `admin`: Flask-Admin's built-in strings. Flask-Admin looks them up in its own Flask-Babel
  domain "admin": in `Admin(translations_path=...)` (our `translations/`) and in the catalogues
  it ships, which have no `id` (`init_app` makes the first apply outside admin views too);
- `wtforms`: WTForms' built-in validation messages. WTForms ships no `id` catalogue, and neither
  Flask-Admin's forms nor Flask-WTF's look outside WTForms' own locale folder, so `init_app`
  points both at a domain that reads WTForms' catalogues and then ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import flask_admin.babel
from babel import Locale
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import (
    Domain,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    refresh,
)
from flask_login import current_user
from markupsafe import Markup
from wtforms.i18n import messages_path

from .config import PROJECT_DIR
from .extensions import babel, db
from .rules import certificates, workflow
from .rules.meetings import ADDENDUM_EVENT, LOCKED_FIELD_LABELS
from .rules.schedules import SEAT_OVERRIDE
from .rules.vocabulary import (
    APPEAL_STATUS_LABELS,
    ATTACHMENT_KIND_LABELS,
    CASE_STATUS_LABELS,
    CERTIFICATE_STATUS_LABELS,
    CONFLICT_KIND_LABELS,
    JOB_FIT_LABELS,
    N_,
    PURPOSE_LABELS,
    ROLE_LABELS,
    TUK_TYPE_LABELS,
)

TRANSLATIONS_DIR = PROJECT_DIR / "translations"
DEFAULT_TIMEZONE = "Asia/Jakarta"

bp = Blueprint("i18n", __name__)


# --- language and time zone -----------------------------------------------------------------


def babel_languages() -> list[str]:
    """The configured languages, the default first."""
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The language to show.

    Staff: the language they chose (remembered per user), else the LSP's (`id`), whatever the
    browser says: an Indonesian office's browsers are often set to English. Visitors of public
    pages: the language chosen in this session, else the first of ours the browser accepts at
    all, `id` before `en`.
    """
    languages = babel_languages()
    if not has_request_context():  # CLI commands, PDF jobs: the LSP's language
        return languages[0]
    if current_user and current_user.is_authenticated:
        return current_user.locale if current_user.locale in languages else languages[0]
    if session.get("lang") in languages:
        return session["lang"]
    accepted = {value.split("-")[0].lower() for value, _quality in request.accept_languages}
    return next((lang for lang in languages if lang in accepted), languages[0])


def select_timezone() -> str:
    """The LSP's time zone: times are stored in UTC and shown in this zone."""
    return current_app.config.get("LSP_TIMEZONE") or DEFAULT_TIMEZONE


@bp.route("/lang/<code>", methods=["POST"])
def switch_language(code: str) -> Any:
    """Remember the chosen language (per user when logged in) and go back."""
    if code not in babel_languages():
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    refresh()
    from .auth import safe_next

    return redirect(safe_next(request.form.get("next")))


# --- WTForms' built-in messages -------------------------------------------------------------


class WTFormsTranslations:
    """WTForms' messages in the request's language, from WTForms' catalogues and then ours."""

    # Later directories win, so our catalogue can also reword a language WTForms ships.
    domain = Domain([messages_path(), str(TRANSLATIONS_DIR)], domain="wtforms")

    def gettext(self, string: str) -> str:
        """Translate one message."""
        return self.domain.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a count."""
        return self.domain.get_translations().ungettext(singular, plural, n)

    # Flask-WTF calls the gettext-module spelling.
    ugettext = gettext
    ungettext = ngettext


wtforms_translations = WTFormsTranslations()


def _hook_library_translations() -> None:
    """Make Flask-Admin and the forms read our catalogues wherever they look a string up.

    Flask-Admin's `BaseForm` (every model, inline and action form) reads the module attribute
    `flask_admin.babel.wtforms_domain` on each call; Flask-WTF's `FlaskForm` reads the catalogue
    it caches on `request.wtforms_translations`, which `_start_request` fills first. Flask-Admin's
    own domain adds `translations_path` only inside an admin view yet caches one catalogue per
    language for the whole process, so our directory is also added to its base directories:
    the first lookup outside a view must not fix an `id` catalogue without our strings.
    """
    flask_admin.babel.wtforms_domain = WTFormsTranslations.domain
    admin_domain = flask_admin.babel.domain
    directories = list(admin_domain._translation_directories or [])
    if str(TRANSLATIONS_DIR) not in directories:
        admin_domain._translation_directories = [*directories, str(TRANSLATIONS_DIR)]


def _start_request() -> None:
    """Per request: choose the language afresh and give Flask-WTF our WTForms catalogue."""
    # Flask-Babel keeps the locale on `g`, which outlives a request when an app context is
    # already pushed (tests, CLI): choosing it per request keeps a language switch effective.
    refresh()
    request.wtforms_translations = wtforms_translations


# --- formatting -----------------------------------------------------------------------------


def format_long_date(value: date | datetime | None) -> str:
    """A date the long way, e.g. `24 November 2026` (a datetime is taken in the LSP's zone)."""
    if value is None:
        return ""
    return format_date(value, "long")


def format_local_datetime(value: datetime | None) -> str:
    """A stored (UTC) time in the LSP's zone, e.g. `24 November 2026 14.30 WIB`."""
    if value is None:
        return ""
    locale = get_locale() or Locale.parse(babel_languages()[0])
    day = locale.date_formats["long"].pattern
    time = locale.time_formats["short"].pattern
    return format_datetime(value, locale.datetime_formats["long"].format(f"{time} z", day))


def format_number(value: float | int | None) -> str:
    """A number with the language's separators, e.g. `1.234` or `1.234,5` in Indonesian."""
    if value is None:
        return ""
    return format_decimal(value)


def _admin_bool_icon(view: Any, value: Any, name: str) -> Markup:
    """Flask-Admin's yes/no icon, with a translated tooltip instead of `name: true`."""
    icon = "fa-check-circle" if value else "fa-minus-circle"
    return Markup('<span class="fa {}" title="{}"></span>').format(icon, _yes_no(value))


def _yes_no(value: Any) -> str:
    """Ya / Tidak."""
    return gettext("Yes") if value else gettext("No")


def admin_type_formatters(detail: bool = False) -> dict:
    """Flask-Admin type formatters that show dates, times and yes/no the portal's way.

    For a view: `column_type_formatters = admin_type_formatters()` and
    `column_type_formatters_detail = admin_type_formatters(detail=True)`. Exports keep
    Flask-Admin's ISO dates, which spreadsheets read.
    """
    from flask_admin.model import typefmt

    formatters = dict(typefmt.DETAIL_FORMATTERS if detail else typefmt.BASE_FORMATTERS)
    formatters[bool] = (lambda view, value, name: _yes_no(value)) if detail else _admin_bool_icon
    # Flask-Admin takes the first type that matches with isinstance: datetime before date.
    formatters[datetime] = lambda view, value, name: format_local_datetime(value)
    formatters[date] = lambda view, value, name: format_long_date(value)
    return formatters


def widget_texts() -> dict[str, Any]:
    """What the browser widgets show, in the user's language: the date pickers' labels, month
    and day names and first day of the week (moment.js order: Sunday first), and select2's
    messages. The page carries them as JSON; static/js/portal-admin.js hands them over."""
    locale = get_locale() or Locale.parse(babel_languages()[0])

    def sunday_first(names: Mapping[int, str]) -> list[str]:
        return [names[6], *(names[n] for n in range(6))]

    return {
        "locale": str(locale),
        "months": [locale.months["format"]["wide"][n] for n in range(1, 13)],
        "monthsShort": [locale.months["format"]["abbreviated"][n] for n in range(1, 13)],
        "weekdays": sunday_first(locale.days["format"]["wide"]),
        "weekdaysShort": sunday_first(locale.days["format"]["abbreviated"]),
        "weekdaysMin": sunday_first(locale.days["stand-alone"]["short"]),
        "firstDay": (locale.first_week_day + 1) % 7,
        "apply": gettext("Apply"),
        "cancel": gettext("Cancel"),
        "from": gettext("From"),
        "to": gettext("To"),
        "week": gettext("Wk"),
        "searching": gettext("Searching…"),
        "noMatches": gettext("No matches found"),
        "loadMore": gettext("Loading more results…"),
        "inputTooShort": gettext("Type %(n)s more characters", n="{n}"),
        "inputTooLong": gettext("Delete %(n)s characters", n="{n}"),
        "selectionTooBig": gettext("You can only select %(n)s items", n="{n}"),
        "ajaxError": gettext("Loading failed"),
    }


# --- coded values ---------------------------------------------------------------------------

# What an audit event's action code reads as: a workflow action or a certificate change.
ACTION_LABELS = {
    **{row.action.value: row.label for row in workflow.TRANSITIONS},
    **{row.action.value: row.label for row in certificates.LIFECYCLE},
    "attachment_upload": N_("Attachment uploaded"),
    "attachment_verdict": N_("Attachment judged"),
    "record_surveillance": N_("Surveillance report recorded"),
    "start_recertification": N_("Re-certification started"),
    "start_new_application": N_("New application started"),
    "start_online_application": N_("Application started online"),
    "online_draft_saved": N_("Application saved online"),
    "applicant_profile": N_("Personal data saved online"),
    SEAT_OVERRIDE: N_("Schedule's quota or deadline overridden"),
    ADDENDUM_EVENT: N_("Addendum added to the meeting's record"),
    "record_created": N_("Record created"),
    "record_updated": N_("Record changed"),
    "record_deleted": N_("Record deleted"),
}

LABELS = {
    "action": ACTION_LABELS,
    "case": CASE_STATUS_LABELS,
    "certificate": CERTIFICATE_STATUS_LABELS,
    "purpose": PURPOSE_LABELS,
    "role": ROLE_LABELS,
    "tuk": TUK_TYPE_LABELS,
    "attachment": ATTACHMENT_KIND_LABELS,
    "appeal": APPEAL_STATUS_LABELS,
    "job_fit": JOB_FIT_LABELS,
}


# The parameters of the rules' messages that carry a code: shown as the code's label.
PARAM_LABELS = {
    "status": {**CERTIFICATE_STATUS_LABELS, **CASE_STATUS_LABELS},
    "action": ACTION_LABELS,
    "kind": {**ATTACHMENT_KIND_LABELS, **CONFLICT_KIND_LABELS},  # no code is in both
    "fields": LOCKED_FIELD_LABELS,
}


def translate(message: Any) -> str:
    """A message of the rules (a `Refusal` or an identity `Message`) in the user's language,
    with labels for its coded parameters and dates the long way, never codes or ISO dates."""
    params = {name: _shown(name, value) for name, value in message.params.items()}
    return gettext(message.msgid, **params)


def _shown(name: str, value: Any) -> Any:
    """A message parameter as a person reads it."""
    if isinstance(value, date):
        return format_long_date(value)
    labels = PARAM_LABELS.get(name)
    if labels and isinstance(value, str):
        codes = value.split(", ")  # a rule lists several codes as "a, b"
        if all(code in labels for code in codes):
            return ", ".join(gettext(labels[code]) for code in codes)
    return value


def seeded(text: str | None) -> str:
    """A text the portal seeds as an English msgid (a basic requirement's description) in the
    user's language; text staff typed has no catalogue entry and stays as typed. Python's
    gettext returns plain text (the template escapes it) and formats nothing without params."""
    return gettext(text) if text else ""  # gettext("") would be the catalogue's header


def label(value: str | None, vocabulary: str) -> str:
    """The translated label of a coded value (a status, a purpose, a role …)."""
    if value is None:
        return ""
    text = LABELS[vocabulary].get(value)
    return gettext(text) if text else value


def _kept_per_language(build: Callable[[], Any]) -> Callable[[], Any]:
    """`build`'s value kept per language, for one application: the widget texts (Babel's month
    and day names and a dozen translations) cost a fifth of a millisecond on every admin page."""
    made: dict[str, Any] = {}

    def kept() -> Any:
        language = str(get_locale())
        if language not in made:
            made[language] = build()
        return made[language]

    return kept


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (Flask-Admin fails without it), the formatting filters and the switch."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    _hook_library_translations()
    app.before_request(_start_request)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["widget_texts"] = _kept_per_language(widget_texts)
    app.jinja_env.filters.update(
        longdate=format_long_date,
        localdatetime=format_local_datetime,
        number=format_number,
        translate=translate,  # a rule's Refusal or Message, e.g. why an action is disabled
        seeded=seeded,
    )
    app.register_blueprint(bp)
