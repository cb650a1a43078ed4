"""Lists at scale: what a list page costs must not grow with the table.

Flask-Admin's defaults do not hold at 100,000 cases: an exact COUNT of every filtered list,
`CAST(column AS VARCHAR) ILIKE '%term%'` on every searchable column (no index can serve it), and
deep pages whose OFFSET drags the list's joins through every skipped row. The views in `base.py`
use these pieces instead:

- `count_rows`: an exact count up to `COUNT_CAP`, then "10.000+"; for a whole table, its exact
  count (SQLite, cheap) or the planner's estimate (PostgreSQL, when large).
- `is_number`, `prefix_match`, `contains_match`: a search word with a digit may be the start of
  an identifier (NIK, registration or certificate number), found through a B-tree index; any
  word may be part of a name, found through a trigram index on PostgreSQL and by a scan of the
  name's narrow index on SQLite.
- `ContainsThrough`: a "contains" filter on a referenced table's column, as a subquery.
- a page of a list that shows related rows reads its ids first, then those rows with their
  joins (`SecureModelView._fetch_page`).
- `FastListMixin` and `templates/admin/fast_list.html`: a page's rows are built in one call,
  not a block, macros and URL builds per row and a template call per cell; with
  `list_row_values` they are read as plain values, not ORM objects (`row_values.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any
from urllib.parse import quote

from babel.dates import format_date
from flask import request
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.sqla.filters import FilterLike
from flask_babel import get_locale, get_timezone
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Table,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import column as column_
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Query, Session

from ..i18n import format_number
from . import kept
from .row_values import RowValues

# Counted exactly up to here: the pager offers 400 pages of 25, more than anyone pages through;
# a larger result is narrowed by a filter (or opened at a page by its URL).
COUNT_CAP = 10_000

_PG_CLASS = sql_table("pg_class", column("oid"), column("reltuples"))


class ListCount(int):
    """A list's row count as shown: exact, at least (capped: `10.000+`) or about (`≈ 1.000.000`).

    An int, so that Flask-Admin computes the pages from it; `str()` and Jinja show it in the
    user's language with its qualifier.
    """

    capped: bool
    estimated: bool

    def __new__(cls, value: int, *, capped: bool = False, estimated: bool = False) -> ListCount:
        count = super().__new__(cls, value)
        count.capped, count.estimated = capped, estimated
        return count

    def __str__(self) -> str:
        text = format_number(int(self))
        if self.capped:
            return f"{text}+"
        return f"≈ {text}" if self.estimated else text

    __html__ = __str__  # a number and a sign: nothing to escape


def count_rows(session: Session, table: Table, query: Query) -> ListCount:
    """The count of a list's query (its paging and order ignored), cheap whatever the filter.

    Without a WHERE clause the query lists the whole table: `count_table`. Otherwise the rows are
    counted up to `COUNT_CAP` + 1 (`SELECT count(*) FROM (SELECT 1 … LIMIT 10001)`), so a filter
    or search that matches half the table costs no more than one matching 10,001 rows.
    """
    query = query.limit(None).offset(None).order_by(None)
    if query.whereclause is None:
        return count_table(session, table)
    rows = query.with_entities(literal_column("1")).limit(COUNT_CAP + 1).subquery()
    found = session.scalar(select(func.count()).select_from(rows))
    return ListCount(min(found, COUNT_CAP), capped=found > COUNT_CAP)


def count_table(session: Session, table: Table) -> ListCount:
    """The number of rows of a table: exact on SQLite (it counts an index's pages, ~1 ms per
    100,000 rows); on PostgreSQL the planner's estimate (`pg_class.reltuples`, kept by autovacuum)
    once it reaches `COUNT_CAP`, since an exact count there reads every row (~10 ms per 100,000).
    One query either way: the exact count in the CASE runs only for a small or unanalysed table.
    """
    exact = select(func.count()).select_from(table)
    if session.get_bind().dialect.name != "postgresql":
        return ListCount(session.scalar(exact))
    name = session.get_bind().dialect.identifier_preparer.format_table(table)
    estimate, counted = session.execute(
        select(
            _PG_CLASS.c.reltuples,
            case((_PG_CLASS.c.reltuples < COUNT_CAP, exact.scalar_subquery())),
        ).where(_PG_CLASS.c.oid == func.to_regclass(name))
    ).one()
    if counted is not None:
        return ListCount(counted)
    return ListCount(int(estimate), estimated=True)


def is_number(word: str) -> bool:
    """True when a search word may be (the start of) an identifier: it holds a digit.

    Every identifier searched here holds digits (NIK, APL-2026-000123, 00042/LSP-PUST/…), so a
    word without one is looked up among names only. An OR of the identifiers' conditions with a
    common name's is planned as a scan of every case on PostgreSQL (60 ms instead of 15 ms at
    100,000 cases); a word with a digit still matches names too, which seldom hold one.
    """
    return any(character.isdigit() for character in word)


def prefix_match(column: Any, term: str, dialect: str) -> ColumnElement[bool]:
    """Rows whose identifier starts with `term`, found through a B-tree index.

    Identifiers are stored in upper case, so the term is too. SQLite's LIKE ignores case and so
    cannot use an index: there the prefix is the range [term, next string) of its binary order,
    read from the column's unique index. PostgreSQL reads `LIKE 'TERM%'` from the column's
    pattern-order index (`prefix_index` in models.py), correct under any collation.
    """
    term = term.upper()
    if dialect == "sqlite":
        return and_(column >= term, column < term[:-1] + chr(ord(term[-1]) + 1))
    return column.startswith(term, autoescape=True)


def ids_matching(pk: Any, *conditions: ColumnElement[bool]) -> CompoundSelect:
    """The ids of the rows meeting any of the conditions, one SELECT per condition (UNION ALL).

    Each condition is read through its own index. An OR of them in one WHERE clause would make
    SQLite scan the whole table as soon as one of them (a substring) can use no index.
    """
    return union_all(*(select(pk).where(condition) for condition in conditions))


class ContainsThrough(FilterLike):
    """A "contains" filter on a column of a referenced table (a case's applicant's name), applied
    as `foreign_key IN (SELECT id FROM that table WHERE column contains …)`: read through that
    column's index, where Flask-Admin's join tested the name of every case's applicant (50 ms
    at 100,000 cases on SQLite, against 10 ms)."""

    def __init__(self, foreign_key: Any, column: Any, name: Any) -> None:
        super().__init__(foreign_key, name)  # filtering the foreign key: Flask-Admin joins nothing
        self.target = column

    def apply(self, query: Any, value: str, alias: Any = None) -> Any:
        dialect = query.session.get_bind().dialect.name
        rows = select(self.target.class_.id).where(contains_match(self.target, value, dialect))
        return query.filter(self.column.in_(rows))


def text_match(column: Any, fts_table: str, term: str, dialect: str) -> ColumnElement[bool]:
    """Rows whose free text holds `term`, through a text index on either database.

    PostgreSQL: `ILIKE '%term%'` from the column's pg_trgm index. SQLite: a word of the text
    that starts with the term, from the FTS5 table `fts_table` that indexes the column (its
    rowid is the row's id): a LIKE there reads every row, 200 ms at 700,000 audit events.
    """
    if dialect != "sqlite":
        return column.icontains(term, autoescape=True)
    return _fts_match(column, fts_table, _fts_phrase(term) + "*")  # a phrase, as a prefix


def substring_match(column: Any, fts_table: str, term: str, dialect: str) -> ColumnElement[bool]:
    """Rows whose text contains `term`, ignoring case, through a trigram index on either
    database: pg_trgm on PostgreSQL (`contains_match`); on SQLite the FTS5 trigram table
    `fts_table` that indexes the column, whose phrase query matches a substring of three
    letters or more (a shorter term is looked up by `contains_match`)."""
    if dialect != "sqlite" or len(term) < 3:
        return contains_match(column, term, dialect)
    return _fts_match(column, fts_table, _fts_phrase(term))


def _fts_phrase(term: str) -> str:
    """A search term as an FTS5 phrase: its quotes doubled, no operator obeyed."""
    return '"' + term.replace('"', '""') + '"'


def _fts_match(column: Any, fts_table: str, query: str) -> ColumnElement[bool]:
    """Rows of the column's table whose id is a rowid the FTS5 table finds for `query`."""
    fts = sql_table(fts_table, column_("rowid"))
    matches = select(fts.c.rowid).where(literal_column(fts_table).op("MATCH")(literal(query)))
    return column.table.c.id.in_(matches)


def contains_match(column: Any, term: str, dialect: str) -> ColumnElement[bool]:
    """Rows whose text contains `term`, ignoring case, wildcards in the term escaped.

    PostgreSQL answers `ILIKE '%term%'` from the column's pg_trgm index (terms of three letters
    or more). SQLite's own LIKE ignores case (ASCII), so it is used as it is, not on `lower()`
    (which tripled its cost); it scans the column's narrow index, about 6 ms per 100,000 names.
    """
    if dialect == "sqlite":
        return column.contains(term, autoescape=True)
    return column.icontains(term, autoescape=True)


def day_formatter(attribute: str):
    """A list-column formatter: the day of a datetime in the portal's timezone, in the user's
    language's medium style (`2 Des 2026`), as `flask_babel.format_date` shows it.

    Babel's formatting took a sixth of a list page's time (50 rows); a page shows few distinct
    days, so each day is formatted once per language and kept.
    """

    def format_value(view, context, model, name):  # noqa: ANN001
        value = getattr(model, attribute)
        if value is None:
            return ""
        if isinstance(value, datetime):  # stored in UTC; the day is the portal's timezone's
            value = value.replace(tzinfo=value.tzinfo or UTC).astimezone(get_timezone()).date()
        return _medium_day(value, str(get_locale()))

    return format_value


@lru_cache(maxsize=4096)
def _medium_day(day: date, locale: str) -> str:
    return format_date(day, "medium", locale=locale)


class FastListMixin:
    """A model view whose list table is rendered by `admin/fast_list.html`, its rows by one call
    per page (`list_rows`), the cells formatted as Flask-Admin's `get_list_value` does.

    Flask-Admin's template renders each row through a scoped block, each row action through a
    macro that builds its URL, and each cell through a template call whose value looks for its
    type formatter by trying every type: at 50 rows, most of the page's time, and a third of its
    HTML was indentation and attributes repeated per cell. Here the parts of a row that do not
    change are made once per page: the links are relative to the list (`details/?id=…`), the
    cells kept on one line are named once by the table (`nowrap-N`, styled in portal.css), and
    a value's formatter is found once per type. Editable cells are not offered.
    """

    list_template = "admin/fast_list.html"
    # Columns kept on one line (identifiers, dates): their positions are classes of the table.
    list_nowrap_columns: tuple[str, ...] = ()
    # None: a page's rows are ORM objects. A tuple: they are read as plain values (row_values.py):
    # the shown columns, the primary key and these attributes, which the formatters and
    # `list_row_editable` also read. Only for lists whose columns are all values of the model or
    # of a many-to-one relation (not a relation shown by its __str__).
    list_row_values: tuple[str, ...] | None = None

    def list_table_classes(self, actions: Any) -> str:
        """The table's `nowrap-N` classes: the positions of the `list_nowrap_columns` cells in a
        row, after its checkbox (shown with bulk actions) and its links."""
        first = 1 + bool(actions) + bool(self.column_display_actions)
        return " ".join(
            f"nowrap-{first + n}"
            for n, (name, _label) in enumerate(self._list_columns)
            if name in self.list_nowrap_columns
        )

    @pass_context
    def list_rows(
        self, context: Any, rows: Any, actions: Any, row_actions: Any, return_url: str
    ) -> Markup:
        """The table's rows: the checkbox (with bulk actions), the row's links and its cells."""
        title = escape(admin_gettext("Select record"))
        checkbox = '<td><input type="checkbox" name="rowid" class="action-checkbox" value="'
        checked = f'" title="{title}"></td>'
        links = self._row_links(row_actions, return_url) if self.column_display_actions else None
        cells = [self._cell_reader(context, name) for name, _label in self._list_columns]
        out = []
        for row in rows:
            pk = self.get_pk_value(row)
            html = "".join([f"<td>{escape(cell(row))}</td>" for cell in cells])
            if links is not None:
                html = self._row_links_cell(context, links, row, pk) + html
            if actions:
                html = f"{checkbox}{escape(pk)}{checked}{html}"
            out.append(f"<tr>{html}</tr>\n")
        return Markup("".join(out))

    def _fetch_page(self, query: Any) -> list[Any]:
        """A page's rows as plain values when `list_row_values` says so: its ids by the list's
        own query (filters, order, OFFSET), then their values (`RowValues`, built once)."""
        if self.list_row_values is None:
            return super()._fetch_page(query)
        pk = self.get_pk_value_column()
        ids = [row[0] for row in query.with_entities(pk)]
        names = (*(name for name, _label in self._list_columns), *self.list_row_values)
        reader = kept.kept(self._kept, "row values", lambda: RowValues(self.model, names))
        return reader.fetch(query.session, ids)

    def list_row_editable(self, row: Any) -> bool:
        """Whether a row shows its edit link (a view whose rows lock, e.g. a submitted case,
        says which may still be edited)."""
        return True

    def _row_links(self, row_actions: Any, return_url: str) -> list[tuple[Any, str, str]]:
        """Each row action with the HTML around a row's id in its link: the view and edit links
        are written here (relative to the list's own URL); any other action is left to its
        Flask-Admin macro (empty parts)."""
        here = request.script_root + request.path
        back = quote(return_url, safe="/")  # as Jinja's urlencode
        links = []
        for action in row_actions:
            icon = _ROW_ICONS.get(getattr(action, "template_name", None))
            if icon is None:
                links.append((action, "", ""))
                continue
            endpoint, css = icon
            url = self.get_url(endpoint)
            url = url[len(here) :] if url.startswith(here) else url
            title = escape(action.title or "")
            links.append(
                (
                    action,
                    f'<a href="{url}?id=',
                    f'&amp;url={back}" title="{title}"><span class="{css}"></span></a>',
                )
            )
        return links

    def _row_links_cell(
        self, context: Any, links: list[tuple[Any, str, str]], row: Any, pk: Any
    ) -> str:
        """The cell of a row's links; no edit link on a row that `list_row_editable` refuses."""
        parts = []
        for action, before, after in links:
            if not before:
                parts.append(action.render(context, pk, row))
            elif action.template_name != "row_actions.edit_row" or self.list_row_editable(row):
                parts.append(f"{before}{quote(pk, safe='')}{after}")
        return f'<td class="list-buttons-column">{"".join(parts)}</td>'

    def _cell_reader(self, context: Any, name: str) -> Callable[[Any], Any]:
        """What shows a row's value of column `name` as `BaseModelView._get_list_value` does:
        its formatter, else its value (`a.b` through relations) by its choices or its type's
        formatter, that formatter looked up by the value's type."""
        formatter = self.column_formatters.get(name)
        if formatter:
            read = lambda row: formatter(self, context, row, name)  # noqa: E731
        else:
            read = _attribute(name)
        choices = self._column_choices_map.get(name)
        if choices:
            return lambda row: choices.get(value := read(row)) or value
        types = self.column_type_formatters

        def cell(row: Any) -> Any:
            value = read(row)
            by_type = _type_formatter(types, type(value))
            return by_type(self, value, name) if by_type else value

        return cell


def _attribute(name: str) -> Callable[[Any], Any]:
    """A reader of the dotted attribute `name` (`applicant.full_name`), None where a step is
    None, as Flask-Admin's `rec_getattr`."""
    get = attrgetter(name)

    def read(row: Any) -> Any:
        try:
            return get(row)
        except AttributeError:
            return None

    return read


# The row actions whose links `FastListMixin` writes: their view and their icon.
_ROW_ICONS = {
    "row_actions.view_row": (".details_view", "fa fa-eye"),
    "row_actions.edit_row": (".edit_view", "fa fa-pencil"),
}

_NO_FORMATTER = object()
_type_formatters: dict[tuple[int, type], Any] = {}


def _type_formatter(formatters: dict, kind: type) -> Any:
    """The first formatter of `formatters` whose type `kind` is an instance of (as Flask-Admin
    chooses), remembered per formatter table and type."""
    key = (id(formatters), kind)
    found = _type_formatters.get(key, _NO_FORMATTER)
    if found is _NO_FORMATTER:
        found = next((f for t, f in formatters.items() if issubclass(kind, t)), None)
        _type_formatters[key] = found
    return found
