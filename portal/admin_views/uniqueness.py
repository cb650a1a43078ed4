"""Unique constraints checked on the form, before saving: a value another row already holds is
an error beside its field, not an IntegrityError (a 500, or a flash of raw SQL).

One mechanism for every model view: each unique column and unique constraint of the view's
table is matched to the form's fields (a column, or the relationship that sets a foreign key),
and one query per constraint whose fields are all on the form asks whether another row holds
the same values. A race between two saves still ends in the database's own constraint, which
`SecureModelView.handle_view_exception` turns into a clear message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, UniqueConstraint, and_, inspect, select
from wtforms import Field, Form

from ..extensions import db


def unique_column_sets(table: Table) -> list[tuple[Column, ...]]:
    """Every set of columns the table declares unique: unique columns and unique constraints."""
    sets = [(column,) for column in table.columns if column.unique]
    sets += [
        tuple(constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return list(dict.fromkeys(sets))


def _field_value(model: type, form: Form, column: Column) -> tuple[Field, Any] | None:
    """The form field that sets the column and the value it would store, or None when absent."""
    if column.key in form and column.key in inspect(model).columns:
        field = form[column.key]
        return field, field.data
    for relationship in inspect(model).relationships:
        if column in relationship.local_columns and relationship.key in form:
            field = form[relationship.key]
            related = field.data
            if related is None:
                return field, None
            remote = next(r for local, r in relationship.local_remote_pairs if local is column)
            return field, getattr(related, remote.key)
    return None


def first_conflict(model: type, form: Form, own_id: Any) -> Field | None:
    """The first field whose value (with the other columns of its constraint) another row holds."""
    table = model.__table__
    (pk,) = inspect(model).primary_key
    for columns in unique_column_sets(table):
        matched = [_field_value(model, form, column) for column in columns]
        if any(item is None for item in matched):
            continue  # a column the form does not set: the database keeps the rule
        values = [value for _field, value in matched]
        if any(value is None or value == "" for value in values):
            continue  # NULLs never collide
        condition = and_(*(column == value for column, value in zip(columns, values, strict=True)))
        query = select(pk).where(condition)
        if own_id is not None:
            query = query.where(pk != own_id)
        if db.session.scalar(query.limit(1)) is not None:
            return matched[0][0]
    return None
