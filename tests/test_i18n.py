"""Bahasa Indonesia first: no English left on any page in `id`, every msgid translated, the
language remembered per user, dates and numbers the Indonesian way (issue 4)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat

import flask_admin
import pytest
import wtforms
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.helpers import prettify_name
from flask_babel import refresh
from sqlalchemy import select

from portal import clock
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.i18n import (
    admin_type_formatters,
    format_local_datetime,
    format_long_date,
    format_number,
)
from portal.models import Case, CaseUnit, Schedule, SchemeRequirement, Tuk, User
from portal.rules import vocabulary
from portal.rules.access import can_write
from tests.conftest import csrf_token, login, make_user

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"


def _compile_stale_catalogues() -> None:
    """Compile each .po whose .mo is missing or older, as `make i18n` would.

    This runs when pytest collects the module, before any test loads a catalogue: Flask-Babel
    caches catalogues for the whole process, so compiling later would come too late.
    """
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalogue)
        partial.replace(mo)


_compile_stale_catalogues()


# --- reading a page as a person sees it -------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a person can see or hear on a page: text nodes, tooltips, placeholders, button
    captions, the confirmation texts in `onclick`, the inline-form templates and the filter menu
    Flask-Admin's scripts build from JSON; not URLs, classes, scripts or stored codes."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-placeholder"}
    CAPTIONED_INPUTS = {"submit", "button", "reset"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0
        self._json_block: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        values = {name: value or "" for name, value in attrs}
        self._json_block = values.get("id") if values.get("id", "").endswith("-data") else None
        for name, value in values.items():
            if name in self.SHOWN_ATTRIBUTES:
                self.parts.append(value)
            elif name.startswith("on"):  # confirm('…') texts
                self.parts.extend(re.findall(r"'((?:[^'\\]|\\.)*)'", value))
        if values.get("id") == "widget-texts-data":  # the date pickers' and select2's texts
            self.parts.extend(
                self._shown_in_json("widget-texts-data", json.loads(values["data-texts"]))
            )
        if tag == "input" and values.get("type") in self.CAPTIONED_INPUTS:
            self.parts.append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        self._json_block = None
        if tag in {"script", "style"}:
            self._hidden_depth = max(0, self._hidden_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._json_block:  # a JSON block may be a <script type="application/json">
            self.parts.extend(self._shown_in_json(self._json_block, json.loads(data)))
        elif self._hidden_depth:
            return
        elif "<" in data and ">" in data:  # an escaped template, e.g. a new inline form
            self.parts.append(VisibleText.of(data))
        else:
            self.parts.append(data)

    @staticmethod
    def _shown_in_json(block: str, data: object) -> list[str]:
        """What Flask-Admin's scripts show from a JSON block: the filter menu's labels,
        operations and option labels, and action confirmations (not the stored values)."""
        if block == "filter-groups-data":
            shown = list(data)
            for filters in data.values():
                for flt in filters:
                    shown.append(flt["operation"])
                    shown.extend(label for _value, label in flt["options"] or ())
            return shown
        if block == "actions-confirmation-data":
            return list(data.values())
        if block == "widget-texts-data":  # the date pickers' and select2's texts
            texts = [v for k, v in data.items() if isinstance(v, str) and k != "locale"]
            return [t.replace("{n}", "2") for t in texts]
        return []

    @classmethod
    def of(cls, html: str) -> str:
        """The visible text of a page, one space between the pieces."""
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


# The list of Flask-Admin's English words, and the rest of Flask-Admin's own msgids.
ENGLISH_WORDS = [
    "Create",
    "Edit",
    "Delete",
    "Filter",
    "Search",
    "Save",
    "List",
    "Actions",
    "Export",
    "Details",
    "Next",
    "Previous",
    "Add Filter",
    "Select all",
    "Are you sure",
    "With selected",
    "Save and Add Another",
    "Save and Continue Editing",
    "Cancel",
    "Home",
    "Reset Filters",
    "This field is required",
    "Record was successfully",
]
# English that Flask-Admin's templates hard-code (an aria-label): only a template override helps.
HARD_CODED = ["Toggle navigation"]


def _admin_msgid_patterns() -> list[re.Pattern[str]]:
    """Flask-Admin's msgids as patterns (placeholders match any text), where `id` differs."""
    with (TRANSLATIONS / "id/LC_MESSAGES/admin.po").open("rb") as source:
        catalogue = read_po(source)
    patterns = []
    for message in catalogue:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        # "No" is also the Indonesian abbreviation of nomor ("No. pendaftaran").
        if not msgid or msgid == msgstr or msgid in {"No", "%(placeholder)s"}:
            continue
        parts = re.split(r"%\(\w+\)[sd]", msgid.replace("\\'", "'"))
        patterns.append(re.compile(r"(?<!\w)" + ".+?".join(map(re.escape, parts)) + r"(?!\w)"))
    return patterns


def _indonesian_words() -> set[str]:
    """Every word of the Indonesian catalogues."""
    words: set[str] = set()
    for domain in ("messages", "admin", "wtforms"):
        with (TRANSLATIONS / f"id/LC_MESSAGES/{domain}.po").open("rb") as source:
            for message in read_po(source):
                strings = [message.string] if isinstance(message.string, str) else message.string
                words.update(word.strip(".,:;()") for text in strings for word in text.split())
    return words


# The vocabularies whose stored codes are English words ("pending", "in_progress"): shown raw,
# they are English on the page. (The other vocabularies are coded in Indonesian.)
ENGLISH_CODED = (
    vocabulary.Role,
    vocabulary.CaseStatus,
    vocabulary.AttachmentKind,
    vocabulary.ConflictKind,
    vocabulary.CertificateStatus,
    vocabulary.AppealStatus,
    vocabulary.ComplaintStatus,
    vocabulary.DocumentKind,
)


def _made_up_patterns() -> list[re.Pattern[str]]:
    """English that no catalogue covers: the labels Flask-Admin makes up from column names when
    a view gives none ("Scheme Type", "Met Number"), Python's True/False, and English codes of
    the vocabularies shown raw ("in_progress", "upheld"); not words that are Indonesian too."""
    indonesian = _indonesian_words()
    names = {prettify_name(a.key) for m in db.Model.registry.mappers for a in m.attrs}
    names = {n for n in names if not set(n.split()) <= indonesian} | {"True", "False"}
    lower = {word.lower() for word in indonesian}  # "ijazah" (a code, a file name) is "Ijazah"
    codes = {m.value for enum in ENGLISH_CODED for m in enum if m.value not in lower}
    return [re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w-])") for text in sorted(names | codes)]


def _portal_msgids() -> list[str]:
    """The portal's msgids of several words that Indonesian says otherwise: such English on a
    page is a string that skipped the catalogue, e.g. a seeded requirement shown as stored."""
    with (TRANSLATIONS / "id/LC_MESSAGES/messages.po").open("rb") as source:
        return [
            m.id
            for m in read_po(source)
            if isinstance(m.id, str) and len(m.id.split()) >= 3 and "%(" not in m.id
            if m.string and m.string != m.id
        ]


ADMIN_MSGIDS = _admin_msgid_patterns()
MADE_UP = _made_up_patterns()
PORTAL_MSGIDS = _portal_msgids()


def english_on(html: str, everything: bool = True) -> list[str]:
    """The English in a page's visible text: Flask-Admin's words and texts, and (everything)
    what no catalogue can cover: hard-coded template text, made-up labels, raw codes."""
    text = VisibleText.of(html)
    words = ENGLISH_WORDS + HARD_CODED if everything else ENGLISH_WORDS
    patterns = ADMIN_MSGIDS + MADE_UP if everything else ADMIN_MSGIDS
    found = {w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)}
    found.update(m.group(0) for p in patterns if (m := p.search(text)))
    return sorted(found)


# --- the walk ---------------------------------------------------------------------------------


PUBLIC_PAGES = [
    "/login",
    "/jadwal",
    "/verifikasi",
    "/verifikasi?nomor=TIDAK-ADA",
    "/tidak-ada",
    "/asesi/daftar",
    "/asesi/masuk",
    "/asesi/lupa-sandi",
    "/asesi/konfirmasi-ulang",
]


PERIOD_PAGES = {"documents.register"}
DOWNLOADS = {"documents.certificates_zip"}  # a ZIP, not a page; an empty period is refused


def _pages(app) -> list[str]:
    """The pages an administrator can open: every admin screen (list, search, create form, a
    record's details and edit form), every other page without URL arguments, an error page."""
    urls = ["/jadwal", "/verifikasi", "/verifikasi?nomor=TIDAK-ADA", "/tidak-ada"]
    period = "?from=2025-01-01&to=2025-12-31"  # pages that list a period need one
    urls += [
        rule.rule + (period if rule.endpoint in PERIOD_PAGES else "")
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith("/admin/")
        and not rule.endpoint.startswith("asesi.")  # the applicant's pages: walked as one
        and rule.endpoint not in DOWNLOADS
    ]
    with app.test_request_context():
        from flask import url_for

        for view in app.extensions["portal_admin"]._views:
            if not isinstance(view, ModelView):
                urls.append(view.url.rstrip("/") + "/")
                continue
            endpoint = view.endpoint
            urls.append(url_for(f"{endpoint}.index_view"))
            if view.column_searchable_list:
                urls.append(url_for(f"{endpoint}.index_view", search="x"))
            writable = can_write(view.screen, frozenset({"admin"}))
            if view.allow_create and writable:
                urls.append(url_for(f"{endpoint}.create_view"))
            row = db.session.scalar(select(view.model).limit(1))
            if row is not None:
                pk = view.get_pk_value(row)
                if view.can_view_details:
                    urls.append(url_for(f"{endpoint}.details_view", id=pk))
                if view.allow_edit and writable:
                    urls.append(url_for(f"{endpoint}.edit_view", id=pk))
        urls.append(url_for("admin.heads_view"))  # the heads' dashboard, beside the home page
    return list(dict.fromkeys(urls))


@pytest.fixture
def admin_client(client, catalogue):
    """A logged-in administrator; a draft case, an announced schedule, and enough TUKs for the
    TUK list to have two pages, so that every kind of screen has something to show."""
    scheme, tuk = catalogue["scheme"], catalogue["tuk"]
    soon = clock.today() + timedelta(days=30)
    db.session.add_all(
        Tuk(code=f"TUK-{n:02d}", name=f"TUK {n}", tuk_type="sewaktu", address="Jakarta")
        for n in range(2, 30)
    )
    db.session.add(
        Schedule(
            code="JDW-01",
            scheme=scheme,
            tuk=tuk,
            starts_on=soon,
            ends_on=soon,
            registration_deadline=soon - timedelta(days=7),
            quota=20,
        )
    )
    db.session.add(
        Case(
            reg_number="APL-2026-000001",
            applicant=catalogue["applicant"],
            scheme=scheme,
            tuk=tuk,
            units=[CaseUnit(unit=unit) for unit in catalogue["units"]],
        )
    )
    db.session.commit()
    make_user("pengelola", "admin")
    login(client, "pengelola")
    return client


def shown_language(html: str) -> str:
    """The language a page is in, read from the menu's switch, which offers the other one."""
    switch = re.search(r'class="[^"]*language-switch.*?</form>', html, re.S)
    assert switch, "no language switch on the page"
    return "id" if "English" in VisibleText.of(switch.group(0)) else "en"


def _set_language(client, code: str) -> None:
    """Choose a language with the menu's switch."""
    token = csrf_token(client, "/admin/")
    response = client.post(f"/lang/{code}", data={"csrf_token": token, "next": "/admin/"})
    assert response.status_code == 302


def _walk(client, urls: list[str]) -> tuple[dict[str, str], dict[str, object]]:
    """Open each page as a browser would (following redirects): the HTML of each by URL, and
    the pages that did not open (an error page is expected only for /tidak-ada)."""
    pages, failed = {}, {}
    for url in urls:
        try:
            response = client.get(url, follow_redirects=True)
        except Exception as error:  # noqa: BLE001 - name every broken page, not only the first
            failed[url] = repr(error)
            continue
        expected = 404 if url == "/tidak-ada" else 200
        if response.status_code != expected:
            failed[url] = response.status_code
        if response.mimetype == "text/html":
            pages[url] = response.get_data(as_text=True)
    return pages, failed


def test_no_english_on_any_page_in_indonesian(app, admin_client):
    pages, failed = _walk(admin_client, _pages(app))
    with app.app_context():  # a visitor: a fresh `g`, or the admin's login would show through
        anonymous, failed_anonymous = _walk(app.test_client(), PUBLIC_PAGES)
    assert "/admin/tuk/" in pages and len(pages) > 30 and "/login" in anonymous
    assert shown_language(pages["/admin/tuk/"]) == shown_language(anonymous["/login"]) == "id"
    failed.update(failed_anonymous)
    english = {
        url: found
        for url, html in [*pages.items(), *anonymous.items()]
        if (found := english_on(html))
    }
    report = {"pages that do not open": failed, "English left in id": english}
    assert not failed and not english, pformat(report, width=100)


def test_no_english_on_the_applicants_pages_in_indonesian(app, catalogue):
    from tests.applicant_world import fill_profile, make_account, make_schedule, post, sign_in

    applicant = app.test_client()
    make_account("asesi@example.org")
    sign_in(applicant, "asesi@example.org")
    fill_profile(applicant)
    schedule = make_schedule(catalogue)
    page = f"/asesi/jadwal/{schedule.id}"
    case_page = post(applicant, page, page).headers["Location"]
    pages, failed = _walk(applicant, ["/asesi/", "/asesi/profil", page, case_page, "/jadwal"])
    english = {url: found for url, html in pages.items() if (found := english_on(html))}
    assert not failed and not english, pformat({"failed": failed, "English": english})


def test_no_english_on_the_verify_form_and_page_of_demo_cases(app):
    """The demo's basic requirements are seeded as msgids: the secretariat reads them (and the
    alternative a verified case met) in Indonesian; staff-typed descriptions stay as typed."""
    seed_demo(db.session, 26, app.config["UPLOAD_DIR"])
    submitted, verified = (
        db.session.scalar(select(Case.id).where(Case.status == status).limit(1))
        for status in ("submitted", "verified")
    )
    typed = db.session.scalar(
        select(SchemeRequirement)
        .join(Case, Case.scheme_id == SchemeRequirement.scheme_id)
        .where(Case.id == submitted)
        .order_by(SchemeRequirement.position.desc())
        .limit(1)
    )
    typed.description = "Sarjana arsip dengan minimal 12 bulan pengalaman"
    db.session.commit()
    client = app.test_client()
    assert login(client, "sekretariat", DEMO_PASSWORD).status_code == 302
    urls = [f"/admin/case/act/verify/?id={submitted}", f"/admin/case/details/?id={verified}"]
    pages, failed = _walk(client, urls)
    assert not failed, failed
    verify, details = (VisibleText.of(pages[url]) for url in urls)
    assert 'id="verify-requirements"' in pages[urls[0]]
    assert "D2 atau lebih tinggi di bidang ilmu perpustakaan" in verify
    assert typed.description in verify
    assert "Persyaratan dasar" in details
    english = {
        url: found
        for url in urls
        if (
            found := english_on(pages[url])
            + [msgid for msgid in PORTAL_MSGIDS if msgid in VisibleText.of(pages[url])]
        )
    }
    assert not english, pformat(english)


def test_the_same_walk_in_english_works_and_is_english(app, admin_client):
    _set_language(admin_client, "en")
    pages, failed = _walk(admin_client, _pages(app))
    assert not failed, pformat({"pages that do not open in en": failed}, width=100)
    assert shown_language(pages["/admin/tuk/"]) == "en"
    tuk_list = VisibleText.of(pages["/admin/tuk/"])
    for word in ("List", "Create", "Add Filter", "Search"):
        assert word in tuk_list
    certificate_list = VisibleText.of(pages["/admin/certificate/"])  # a list with bulk actions
    for word in ("With selected", "Select all records"):
        assert word in certificate_list
    assert "Save and Add Another" in VisibleText.of(pages["/admin/tuk/new/"])
    assert "Verify a certificate" in VisibleText.of(pages["/verifikasi"])
    with app.app_context():  # a visitor whose browser prefers English
        visitor = app.test_client()
        visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
        anonymous, failed = _walk(visitor, PUBLIC_PAGES)
    assert not failed, pformat({"public pages that do not open in en": failed})
    assert "Log in to the staff portal" in VisibleText.of(anonymous["/login"])


def test_pagination_filters_and_page_size_are_indonesian(admin_client):
    html = admin_client.get("/admin/tuk/?flt0_0=sewaktu").get_data(as_text=True)
    text = VisibleText.of(html)
    assert 'class="pagination' in html and "Tambah saringan" in text
    assert "Hapus saringan" in text and "25 baris" in text and "sama dengan" in text
    assert english_on(html, everything=False) == []


def test_validation_errors_and_flash_messages_are_indonesian(admin_client):
    token = csrf_token(admin_client, "/admin/tuk/new/")
    refused = admin_client.post("/admin/tuk/new/", data={"csrf_token": token})
    assert refused.status_code == 200
    assert "Isian ini wajib diisi." in VisibleText.of(refused.get_data(as_text=True))
    assert english_on(refused.get_data(as_text=True), everything=False) == []

    created = admin_client.post(
        "/admin/tuk/new/",
        data={
            "csrf_token": token,
            "code": "TUK-BARU",
            "name": "TUK Baru",
            "tuk_type": "mandiri",
            "address": "Bandung",
        },
        follow_redirects=True,
    )
    html = created.get_data(as_text=True)
    assert "Data berhasil ditambahkan." in VisibleText.of(html)
    assert english_on(html, everything=False) == []


def test_login_form_errors_are_indonesian(client, app):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert "Isian ini wajib diisi." in VisibleText.of(html)
    assert "This field is required" not in html


def test_flask_admin_strings_are_indonesian_outside_admin_views_too(app):
    import flask_admin.babel

    with app.test_request_context():
        assert flask_admin.babel.gettext("Save and Add Another") == "Simpan dan tambah lagi"
        assert flask_admin.babel.ngettext("25 item", "25 items", 25) == "25 baris"


def test_wtforms_messages_follow_the_language(app):
    from wtforms import Form, StringField
    from wtforms.validators import DataRequired

    from portal.i18n import wtforms_translations

    class Probe(Form):
        name = StringField(validators=[DataRequired()])

        class Meta:
            def get_translations(self, form):  # noqa: ANN001, ANN202
                return wtforms_translations

    for lang, text in (("id", "Isian ini wajib diisi."), ("en", "This field is required.")):
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()  # the fixture's app context outlives each request context
            form = Probe()
            form.validate()
            assert form.name.errors == [text]


# --- every msgid has an Indonesian translation --------------------------------------------------


def _extract(tmp_path: Path, name: str, mapping: Path, *sources: Path) -> Path:
    """Extract messages afresh with the same mapping as `make i18n`."""
    pot = tmp_path / f"{name}.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(mapping), "-o", str(pot)]
        + ["--ignore-dirs", ".* ._ instance static migrations", *map(str, sources)]
    )
    return pot


def _template(tmp_path: Path, domain: str) -> Path:
    """The msgids of a domain as they are in the code today."""
    if domain == "messages":
        return _extract(tmp_path, domain, ROOT / "babel.cfg", ROOT)
    if domain == "admin":
        package = Path(flask_admin.__file__).parent
        runtime = TRANSLATIONS / "flask_admin_runtime.py"
        return _extract(tmp_path, domain, TRANSLATIONS / "flask_admin.cfg", package, runtime)
    return Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]")


@pytest.mark.parametrize("domain", ["messages", "admin", "wtforms"])
def test_every_msgid_has_an_indonesian_translation(tmp_path, domain):
    with _template(tmp_path, domain).open("rb") as source:
        template = read_po(source)
    with (TRANSLATIONS / f"id/LC_MESSAGES/{domain}.po").open("rb") as source:
        catalogue = read_po(source)
    missing, broken = [], []
    for wanted in template:
        if not wanted.id:
            continue
        message = catalogue.get(wanted.id, wanted.context)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if message is None or message.fuzzy or not strings or not all(strings):
            missing.append(wanted.id)
            continue
        ids = (wanted.id,) if isinstance(wanted.id, str) else wanted.id
        allowed = {p for msgid in ids for p in PLACEHOLDER.findall(msgid)}
        if any(not set(PLACEHOLDER.findall(s)) <= allowed for s in strings) or (
            isinstance(wanted.id, str) and set(PLACEHOLDER.findall(strings[0])) != allowed
        ):
            broken.append(wanted.id)
    assert missing == [], (
        f"{len(missing)} msgid(s) of domain {domain!r} have no Indonesian translation: run "
        f"`make i18n`, then translate them in translations/id/LC_MESSAGES/{domain}.po"
    )
    assert broken == [], "translations whose %(placeholders)s differ from the msgid"


# --- the language switch and the browser's preference -------------------------------------------


def test_a_case_is_a_permohonan_on_every_screen():
    """One Indonesian word for a case: the seed's "permohonan (sertifikasi)", as the menu says,
    never "perkara" (a lawsuit) on some cards and "permohonan" on the rest (decisions.md)."""
    with (TRANSLATIONS / "id/LC_MESSAGES/messages.po").open("rb") as source:
        catalogue = read_po(source)
    other_words = {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str)
        and re.search(r"\bcases?\b", re.sub(r"%\(\w+\)[sd]", "", message.id), re.I)
        and "permohonan" not in message.string.lower()
    }
    assert not other_words, pformat(other_words)


def test_language_switch_is_remembered_per_user(app, client):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    assert shown_language(client.get("/admin/").get_data(as_text=True)) == "id"

    _set_language(client, "en")
    assert shown_language(client.get("/admin/").get_data(as_text=True)) == "en"
    assert db.session.scalar(select(User.locale).where(User.username == "sekretariat")) == "en"

    # Another browser: a fresh session (and a fresh `g`, which the fixture's app context would
    # otherwise share with the first browser): only the user record remembers the choice.
    with app.app_context():
        other_browser = app.test_client()
        login(other_browser, "sekretariat")
        html = other_browser.get("/admin/", headers={"Accept-Language": "id"}).get_data(
            as_text=True
        )
    assert shown_language(html) == "en"


def test_language_switch_needs_the_csrf_token(client):
    assert client.post("/lang/en", data={"next": "/jadwal"}).status_code == 400


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "id"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("en;q=0.5,id;q=0.5", "id"),
        ("en-US,en;q=0.9,id;q=0.8", "id"),
        ("fr-FR,fr;q=0.9", "id"),
    ],
)
def test_public_pages_follow_the_browser_with_indonesian_first(client, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = client.get("/jadwal", headers=headers).get_data(as_text=True)
    assert f'lang="{expected}"' in html


def test_staff_see_indonesian_whatever_their_browser_says(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    html = client.get("/admin/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="id"' in html or "Dasbor" in html or "Permohonan" in html


# --- dates, times and numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "long_date", "number", "local_time"),
    [
        ("id", "24 November 2026", "1.234", "24 November 2026 14.30 WIB"),
        ("en", "November 24, 2026", "1,234", "November 24, 2026"),
    ],
)
def test_dates_numbers_and_times(app, lang, long_date, number, local_time):
    stored = datetime(2026, 11, 24, 7, 30)  # UTC, as the database keeps it
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert format_long_date(date(2026, 11, 24)) == long_date
        assert format_number(1234) == number
        assert format_local_datetime(stored).startswith(local_time)
        assert format_long_date(None) == format_number(None) == format_local_datetime(None) == ""
        rendered = render_template_string(
            "{{ d|longdate }}|{{ n|number }}|{{ t|localdatetime }}",
            d=date(2026, 11, 24),
            n=1234,
            t=stored,
        )
        assert rendered.split("|")[:2] == [long_date, number]


def test_indonesian_decimals_and_months(app):
    with app.test_request_context():
        assert format_number(1234567.5) == "1.234.567,5"
        months = [format_long_date(date(2026, m, 1)).split()[1] for m in (1, 5, 8, 12)]
        assert months == ["Januari", "Mei", "Agustus", "Desember"]


def test_times_are_shown_in_the_configured_zone(app, monkeypatch):
    monkeypatch.setitem(app.config, "LSP_TIMEZONE", "Asia/Makassar")
    with app.test_request_context():
        assert (
            format_local_datetime(datetime(2026, 11, 24, 23, 30)) == "25 November 2026 07.30 WITA"
        )
        assert format_long_date(datetime(2026, 11, 24, 23, 30)) == "25 November 2026"


@pytest.mark.parametrize("detail", [False, True])
def test_admin_type_formatters_show_dates_and_yes_no_in_indonesian(app, detail):
    formatters = admin_type_formatters(detail=detail)
    with app.test_request_context():
        assert formatters[date](None, date(2026, 11, 24), "d") == "24 November 2026"
        shown = formatters[datetime](None, datetime(2026, 11, 24, 7, 30), "t")
        assert shown == "24 November 2026 14.30 WIB"
        yes, no = formatters[bool](None, True, "active"), formatters[bool](None, False, "active")
        if detail:
            assert (yes, no) == ("Ya", "Tidak")
        else:
            assert 'title="Ya"' in yes and 'title="Tidak"' in no
        assert list(formatters).index(datetime) < list(formatters).index(date)


# --- widgets and messages (issue 15) -----------------------------------------------------------


def _widget_texts(client) -> dict:
    page = client.get("/admin/case/").get_data(as_text=True)
    block = re.search(r'id="widget-texts-data"[^>]*data-texts="([^"]*)"', page)
    return json.loads(unescape(block.group(1)))


def test_date_pickers_and_select2_speak_indonesian_with_monday_first(admin_client):
    texts = _widget_texts(admin_client)
    assert texts["firstDay"] == 1  # Monday (moment.js counts from Sunday)
    assert texts["weekdaysMin"][1] == "Sen" and texts["months"][0] == "Januari"
    assert (texts["apply"], texts["cancel"]) == ("Terapkan", "Batal")
    assert texts["noMatches"] == "Tidak ada yang cocok"
    assert texts["searching"] == "Mencari…"
    _set_language(admin_client, "en")
    assert _widget_texts(admin_client)["noMatches"] == "No matches found"


def test_one_date_widget_style_on_every_form(admin_client):
    page = admin_client.get("/admin/certificate/").get_data(as_text=True)
    assert 'type="date"' not in page and 'data-role="datepicker"' in page


@pytest.mark.parametrize(
    ("msgid", "params", "shown", "hidden"),
    [
        (
            "%(action)s is not possible for a case that is %(status)s.",
            {"action": "verify", "status": "ready_for_assessment"},
            "Verifikasi permohonan tidak dapat dilakukan untuk permohonan berstatus Siap diases.",
            "ready_for_assessment",
        ),
        (
            "The appeal window closed on %(date)s.",
            {"date": date(2026, 1, 2)},
            "2 Januari 2026",
            "2026-01-02",
        ),
        (
            "Required attachment missing: %(kind)s.",
            {"kind": "ijazah"},
            "Ijazah",
            ": ijazah",
        ),
    ],
)
def test_messages_show_labels_and_indonesian_dates_never_codes(app, msgid, params, shown, hidden):
    from portal.i18n import translate
    from portal.rules.workflow import Refusal

    with app.test_request_context("/"):
        text = translate(Refusal(msgid, **params))
    assert shown in text and hidden not in text
