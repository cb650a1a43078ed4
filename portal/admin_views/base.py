"""The secured base views: access is declared once, in `rules/access.py`, and enforced here."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.helpers import get_redirect_target
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import ColumnElement, false
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..casework import audit
from ..casework.tables import among
from ..extensions import db
from ..i18n import admin_type_formatters
from ..rules.access import SCREENS, can_read, can_write
from ..rules.vocabulary import Role
from . import export, kept
from .listing import contains_match, count_rows, ids_matching, is_number, prefix_match
from .uniqueness import first_conflict

LOOKUP_PAGE = 20  # the pickers ask for 10 at a time; a larger page would dump the table
LOOKUP_MAX_OFFSET = 100_000
MAX_POSTED_IDS = 1000  # a list page posts at most its page size; "all matching" goes by filter
MAX_PAGE = 100_000  # 2.5 million rows at 25 a page
MAX_ID = 2**63 - 1  # the largest id a database column holds; others are no row


class IdLoader(QueryAjaxModelLoader):
    """Flask-Admin's picker loader, taking only an id that can be a row: PostgreSQL answers any
    other posted value ("NaN", "1.5", 10**30) with an error, a 500, instead of "not a choice"."""

    def get_one(self, pk: Any) -> Any:
        text = str(pk)
        wanted = int(text) if text.isascii() and text.isdigit() else 0
        return super().get_one(wanted) if 0 < wanted <= MAX_ID else None


class IdLoaderConverter(InlineModelConverter):
    """Flask-Admin's inline-form builder, giving the inline forms' pickers an IdLoader too."""

    def process_ajax_refs(self, info: Any) -> dict[str, Any]:
        refs = super().process_ajax_refs(info)
        for loader in refs.values():
            loader.__class__ = IdLoader
        return refs


def _roles() -> frozenset[str]:
    """The roles of the logged-in user, or none for an anonymous visitor."""
    return current_user.roles if current_user.is_authenticated else frozenset()


def deny_access() -> Any:
    """Anonymous: to the login page (with a safe `next`); logged in without the role: 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


class SecureIndexView(AdminIndexView):
    """The admin home page, open to every logged-in member of staff."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can_read("dashboard", _roles())

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny_access()


class SecureModelView(ModelView):
    """A model view whose screen, record edits and actions follow the access table.

    `screen` names the row of `rules.access.SCREENS`. Subclasses that scope `get_query` (an
    asesor sees only their own cases) are scoped everywhere: `get_one` and the actions' ids
    go through the same query, because Flask-Admin's own `get_one` ignores `get_query`.
    """

    screen: str = ""
    inline_model_form_converter = IdLoaderConverter
    can_view_details = True
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    # Lists at scale (see listing.py): Flask-Admin's exact COUNT is replaced by `count_rows`
    # in `get_list`; setting the simple pager only stops Flask-Admin from counting first.
    simple_list_pager = True
    # Searchable columns matched by prefix through their index (identifiers); the other
    # searchable columns are matched by substring.
    search_prefix_columns: tuple[str, ...] = ()
    # Exports stream every matching row (export.py), so they need no row limit.
    export_types = ("xlsx", "csv")
    export_labels: dict[str, dict] = {}
    details_template = "admin/record_details.html"  # the record's fields, then its history
    column_type_formatters = admin_type_formatters()
    column_type_formatters_detail = admin_type_formatters(detail=True)

    def __init__(self, model: type, **kwargs: Any) -> None:
        kwargs.setdefault("endpoint", self.screen)
        self._kept: dict = {}  # built once per process and key (kept.py)
        super().__init__(model, db, **kwargs)

    # --- who may do what -------------------------------------------------------------------

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can_read(self.screen, _roles())

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny_access()

    @property
    def writable(self) -> bool:
        """True when the logged-in user may create and edit on this screen."""
        return current_user.is_authenticated and can_write(self.screen, _roles())

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allow_create and self.writable

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allow_edit and self.writable

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allow_delete and self.writable

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        """Those who read the whole screen may export it. An asesor reads only the cases
        assigned to them, and needs no bulk copy of applicants' personal data (NIK, birth date)."""
        exporters = SCREENS[self.screen].read - {Role.ASSESSOR}
        return (
            self.allow_export
            and current_user.is_authenticated
            and bool(exporters.intersection(current_user.roles))
        )

    allow_create = True
    allow_edit = True
    allow_delete = False  # records of the certification process are kept (RULES.md #15)
    allow_export = False

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        """Answer 403 (not Flask-Admin's silent redirect or 404) to what the user may not do here:
        create, edit, delete, look rows up for a picker, export, or run the posted bulk action."""
        response = super()._handle_view(name, **kwargs)
        if response is not None:
            return response
        refused = {
            "create_view": not self.can_create,
            "edit_view": not self.can_edit,
            "delete_view": not self.can_delete,
            "ajax_update": not self.can_edit,
            # Lookups feed the pickers of the create and edit forms, and search whole tables.
            "ajax_lookup": not (self.can_create or self.can_edit),
            "export": not self.can_export,
            "action_view": not self._posted_action_allowed(),
        }
        if refused.get(name):
            abort(403)
        return None

    def edit_refusal(self, model: Any) -> str | None:
        """Why this record may not be edited now, or None: then its edit form is not shown and
        nothing posted to it is saved (`edit_view`)."""
        return None

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        """Flask-Admin's edit form, unless `edit_refusal` says the record may not be edited:
        then back to its page with why, rather than a form refused only when saved."""
        wanted = request.args.get("id", "")
        known = wanted.isascii() and wanted.isdigit() and int(wanted) <= MAX_ID
        model = self.get_one(wanted) if known else None
        refusal = self.edit_refusal(model) if model is not None else None
        if refusal:
            flash(refusal, "error")
            back = get_redirect_target() or url_for(".index_view")
            return redirect(url_for(".details_view", id=wanted, url=back))
        return super().edit_view()

    def _get_list_extra_args(self) -> Any:
        """The list's arguments, its page kept from 0 to MAX_PAGE: a negative or huge one would
        be a negative or overflowing OFFSET, which PostgreSQL answers with an error."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        return args

    def _create_ajax_loader(self, name: str, options: dict) -> IdLoader:
        """The view's own pickers take only ids too (see IdLoader)."""
        loader = super()._create_ajax_loader(name, options)
        loader.__class__ = IdLoader
        return loader

    def _posted_action_allowed(self) -> bool:
        """True when the bulk action posted from the list exists here and the user may run it."""
        name = request.form.get("action", "")
        return name in self._actions_data and self.is_action_allowed(name)

    @expose("/ajax/lookup/")
    def ajax_lookup(self) -> Any:
        """Flask-Admin's picker lookup, its paging kept in range (PostgreSQL refuses the rest)."""
        offset = request.args.get("offset", 0, type=int)
        limit = request.args.get("limit", LOOKUP_PAGE, type=int)
        if not (0 <= offset <= LOOKUP_MAX_OFFSET and 0 < limit <= LOOKUP_PAGE):
            abort(400)
        return super().ajax_lookup()

    # --- lists at scale (listing.py) ----------------------------------------------------------

    def get_list(  # type: ignore[override]
        self,
        page: int | None,
        sort_column: Any,
        sort_desc: bool,
        search: str | None,
        filters: Any,
        execute: bool = True,
        page_size: int | None = None,
    ) -> tuple[Any, Any]:
        """A page of rows and their count, in a constant number of queries whatever the page.

        Flask-Admin builds the filtered, sorted and paged query; the count comes from
        `count_rows` (capped or estimated) and the rows from `_fetch_page`.
        """
        _, query = super().get_list(
            page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
        )
        if not execute:
            return None, query
        return count_rows(db.session, self.model.__table__, query), self._fetch_page(query)

    def _fetch_page(self, query: Any) -> list[Any]:
        """The rows of a page. When the list shows related rows, the page's ids come first, by
        the list's own filters, order and OFFSET but without its joins; then those rows alone,
        with their joins. With the joins in one query the database joins every row it skips or
        sorts: page 1,000 of the case list took 90 ms so on PostgreSQL (3 ms for its ids), and a
        search matching 5,000 cases 80 ms on SQLite (10 ms)."""
        if not self._auto_joins:
            return query.all()
        pk = self.get_pk_value_column()
        ids = [row[0] for row in query.with_entities(pk)]
        joins = kept.kept(self._kept, "joins", lambda: [joinedload(p) for p in self._auto_joins])
        rows = self.get_query().options(*joins).filter(pk.in_(ids))
        position = {row_id: n for n, row_id in enumerate(ids)}
        return sorted(rows, key=lambda row: position[getattr(row, pk.key)])

    def _apply_search(
        self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str
    ) -> tuple[Any, Any, Any, Any]:
        """Every word of the search must match (as in Flask-Admin), by `search_condition`.

        Flask-Admin's own search is `CAST(column AS VARCHAR) ILIKE '%word%'` on every searchable
        column, through joins: no index serves it, and at 100,000 cases it scanned them all.
        """
        for word in search.split():
            condition = self.search_condition(word)
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def search_condition(self, word: str) -> ColumnElement[bool]:
        """The rows one search word matches: the text columns by substring, and when the word
        has a digit (`is_number`) the identifier columns (`search_prefix_columns`) by start."""
        dialect = db.session.get_bind().dialect.name
        pk = self.get_pk_value_column()
        conditions = [
            prefix_match(getattr(self.model, name), word, dialect)
            if name in self.search_prefix_columns
            else contains_match(getattr(self.model, name), word, dialect)
            for name in self.column_searchable_list
            if is_number(word) or name not in self.search_prefix_columns
        ]
        return pk.in_(ids_matching(pk, *conditions)) if conditions else false()

    @expose("/export/<export_type>/", methods=("GET", "POST"))
    def export(self, export_type: str) -> Any:
        """Every row the list shows with its filters, search and order, streamed (export.py)."""
        if export_type not in self.export_types:
            abort(404)
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        _, query = self.get_list(
            None,
            sort[0] if sort else None,
            bool(args.sort_desc),
            args.search,
            args.filters,
            execute=False,
            page_size=False,
        )
        if not export.needs_job(self, query):
            return export.response(self, query, export_type)
        if request.method == "GET":  # many rows: a job, started by a POST (it costs work)
            back = url_for(".index_view", **request.args)
            return self.render("admin/job_confirm.html", title=self.name, back=back)
        job = export.start_job(self, query, export_type)
        return redirect(url_for("jobs.show", job_id=job.id))

    def _get_filter_groups(self) -> Any:
        """The filters' labels and options in the user's language, kept for a minute (kept.py):
        Flask-Admin reads them once, at start (no database then, so no LookupFilter options)."""

        def build() -> Any:
            self._refresh_filters_cache()
            return super(SecureModelView, self)._get_filter_groups()

        return kept.kept(self._kept, ("filters", str(get_locale())), build, kept.FILTERS_TTL)

    def get_actions_list(self) -> tuple[list[Any], dict[Any, Any]]:
        """The bulk actions this user's roles may run, labelled in their language (kept.py)."""
        return kept.kept(self._kept, ("actions", *kept.user_key()), super().get_actions_list)

    def action_refusals(self) -> dict[str, str]:
        """The bulk actions of the menu that cannot succeed on what the list shows, each with
        why (shown disabled); none here."""
        return {}

    # --- unique values: an error beside the field, never an IntegrityError (uniqueness.py) -------

    def validate_form(self, form: Any) -> bool:
        """The form's own validators, then every unique constraint the form's values touch."""
        if not super().validate_form(form):
            return False
        own_id = request.args.get("id") or request.form.get("pk")
        field = first_conflict(self.model, form, self._coerce_pk(own_id) if own_id else None)
        if field is None:
            return True
        field.errors = [
            *field.errors,
            gettext("Another record already has this value; it must be unique. Choose another."),
        ]
        return False

    def handle_view_exception(self, exc: Exception) -> bool:
        """A unique or foreign-key constraint the form check could not see (two saves at once):
        a clear message, not the database's own text. The failed transaction is rolled back
        first: the message's language is read off the user, which would query the broken session."""
        if isinstance(exc, IntegrityError):
            db.session.rollback()
            flash(
                gettext(
                    "Nothing was saved: another record already holds one of these values, or "
                    "a record this one refers to is gone. Reload the page and try again."
                ),
                "error",
            )
            return True
        return super().handle_view_exception(exc)

    def create_form(self, obj: Any = None) -> Any:
        return _with_blank_text(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return _with_blank_text(super().edit_form(obj))

    # --- every edit audited (casework.audit) -------------------------------------------------

    def _on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """After the view's own checks, the one audit event of the create or update, written in
        the transaction Flask-Admin commits next (a refused change writes none). The checks
        run without autoflush: a query of theirs would flush the change and hide it."""
        with db.session.no_autoflush:
            super()._on_model_change(form, model, is_created)
        audit.record_edit(db.session, current_user.id, model, "create" if is_created else "update")

    def on_model_delete(self, model: Any) -> None:
        """The audit event of a delete, with the record's last values, before it goes."""
        super().on_model_delete(model)
        audit.record_edit(db.session, current_user.id, model, "delete")

    def render(self, template: str, **kwargs: Any) -> Any:
        """A record's page gets its history ("Riwayat") loaded here, not by the template."""
        model = kwargs.get("model")
        if template == self.details_template and model is not None and "history" not in kwargs:
            record_id = getattr(model, self._primary_key)
            kwargs["history"] = audit.history_of(db.session, self.model.__tablename__, record_id)
            kwargs["related"] = self.related(model)
        return super().render(template, **kwargs)

    def related(self, model: Any) -> Any:
        """The records related to this one that its page lists (read by the service), or None."""
        return None

    # --- object-level scoping -----------------------------------------------------------------

    def get_one(self, id: Any) -> Any:
        """Fetch one row through the scoped list query, so hidden rows stay hidden."""
        pk = self.get_pk_value_column()
        try:
            return self.get_query().filter(pk == self._coerce_pk(id)).one_or_none()
        except (TypeError, ValueError):
            return None

    def get_pk_value_column(self) -> Any:
        """The primary-key column of the model."""
        return getattr(self.model, self._primary_key)

    @staticmethod
    def _coerce_pk(value: Any) -> int:
        """Primary keys here are integers; anything else is not a row."""
        return int(value)

    def scoped_ids(self, ids: list[str]) -> list[int]:
        """The posted ids that the user may act on, each once, in the order posted."""
        if len(ids) > MAX_POSTED_IDS:
            abort(400)
        try:
            wanted = [i for i in dict.fromkeys(int(i) for i in ids) if 0 < i <= MAX_ID]
        except ValueError:
            return []
        pk = self.get_pk_value_column()
        rows = self.get_query().filter(among(db.session, pk, wanted)).with_entities(pk)
        allowed = {row[0] for row in rows}
        return [i for i in wanted if i in allowed]


def _with_blank_text(form: Any) -> Any:
    """Label the empty choice of optional selects; WTForms 3.3 would show its value, "__None"."""
    for field in form:
        if getattr(field, "allow_blank", False) and not getattr(field, "blank_text", None):
            field.blank_text = "–"
    return form
