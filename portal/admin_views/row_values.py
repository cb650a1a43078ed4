"""A list page's rows read as plain values, not ORM objects.

Loading 50 cases with their applicant, scheme, TUK and asesor as ORM objects took 1.6 ms of a
10 ms page (100,000 cases, SQLite), whatever columns were deferred: it is the objects' and the
eager loads' bookkeeping. Selecting the values the list shows took 0.6 ms. `RowValues` selects
the attributes a list reads (`reg_number`, `applicant.full_name`: a column of the model, or of a
many-to-one relation of it) and gives each row as an object with those attributes, so the list's
formatters read it as they read a model (`row.status`, `row.applicant.full_name`); a relation
without a row (a case with no asesor yet) reads as None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased


class RowValues:
    """The SELECT of `names` (attributes of `model`, at most one relation deep) for given
    primary keys, and the rows it returns as attribute objects. Built once per view."""

    def __init__(self, model: type, names: Iterable[str]) -> None:
        self.pk = model.__mapper__.primary_key[0]
        columns: list[ColumnElement] = [self.pk]
        self.plain: list[tuple[str, int]] = []  # attribute, position in the row
        self.related: dict[str, tuple[int, list[tuple[str, int]]]] = {}  # relation: its pk, attrs
        targets: dict[str, Any] = {}  # relation: the aliased entity joined for it
        for name in dict.fromkeys(names):
            relation, _, attribute = name.rpartition(".")
            if not relation:
                self.plain.append((name, len(columns)))
                columns.append(_column(model, name))
                continue
            if relation not in targets:
                prop = getattr(model, relation).property
                if getattr(prop, "uselist", True):  # not a relation, or one to many
                    raise ValueError(f"{relation!r} is not a many-to-one relation of {model!r}")
                mapper = prop.mapper
                target = targets[relation] = aliased(mapper.class_)
                self.related[relation] = (len(columns), [])
                columns.append(getattr(target, mapper.primary_key[0].key))
            target = targets[relation]
            self.related[relation][1].append((attribute, len(columns)))
            columns.append(_column(target, attribute))
        statement = select(*columns).select_from(model)
        for relation, target in targets.items():
            statement = statement.outerjoin(getattr(model, relation).of_type(target))
        self.statement: Select = statement

    def fetch(self, session: Session, ids: Sequence[Any]) -> list[SimpleNamespace]:
        """The rows of these primary keys, in their order."""
        found = {row[0]: row for row in session.execute(self.statement.where(self.pk.in_(ids)))}
        return [self._row(found[i]) for i in ids if i in found]

    def _row(self, row: Any) -> SimpleNamespace:
        values = SimpleNamespace(**{name: row[n] for name, n in self.plain})
        setattr(values, self.pk.key, row[0])
        for relation, (key, attributes) in self.related.items():
            setattr(
                values,
                relation,
                None
                if row[key] is None
                else SimpleNamespace(**{name: row[n] for name, n in attributes}),
            )
        return values


def _column(entity: Any, name: str) -> ColumnElement:
    """A mapped column of `entity` (a relation or a property is not a value to select)."""
    attribute = getattr(entity, name)
    if not hasattr(attribute, "expression") or getattr(attribute.property, "mapper", None):
        raise ValueError(f"{name!r} is not a column of {entity!r}")
    return attribute.expression
