"""The secured base views: access is declared once, in `rules/access.py`, and enforced here."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.tools import get_query_for_ids
from flask_login import current_user

from ..extensions import db
from ..i18n import admin_type_formatters
from ..rules.access import can_read, can_write

LOOKUP_PAGE = 20  # the pickers ask for 10 at a time; a larger page would dump the table
LOOKUP_MAX_OFFSET = 100_000


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
    can_view_details = True
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    export_max_rows = 10_000
    column_type_formatters = admin_type_formatters()
    column_type_formatters_detail = admin_type_formatters(detail=True)

    def __init__(self, model: type, **kwargs: Any) -> None:
        kwargs.setdefault("endpoint", self.screen)
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
        return self.allow_export and current_user.is_authenticated

    allow_create = True
    allow_edit = True
    allow_delete = False  # records of the certification process are kept (RULES.md #15)
    allow_export = False

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        """Answer 403 (not Flask-Admin's silent redirect) to create/edit/delete that is not allowed."""
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

    def _get_filter_groups(self) -> Any:
        """Re-read filter options per list (LookupFilter options need the database)."""
        self._refresh_filters_cache()
        return super()._get_filter_groups()

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
        """The posted ids that the user may act on, in the order posted."""
        try:
            wanted = [int(i) for i in ids]
        except ValueError:
            return []
        rows = get_query_for_ids(self.get_query(), self.model, wanted).with_entities(
            self.get_pk_value_column()
        )
        allowed = {row[0] for row in rows}
        return [i for i in wanted if i in allowed]
