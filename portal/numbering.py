"""Gap-free sequence numbers from counter rows, safe under concurrent writers.

A counter row is bumped with one UPDATE … RETURNING, never recomputed from max()+1: the UPDATE
takes the row lock (PostgreSQL) or runs inside the writer's BEGIN IMMEDIATE (SQLite), so two
writers can never receive the same number.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import NumberCounter


def reserve(session: Session, series: str, count: int = 1) -> range:
    """Reserve `count` consecutive numbers in a series and return them."""
    _ensure_series(session, series)
    last = session.execute(
        update(NumberCounter)
        .where(NumberCounter.series == series)
        .values(value=NumberCounter.value + count)
        .returning(NumberCounter.value)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def _ensure_series(session: Session, series: str) -> None:
    """Create the counter row if it is missing, without failing when another writer just did."""
    if session.scalar(select(NumberCounter.series).where(NumberCounter.series == series)):
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NumberCounter)
        .values(series=series, value=0)
        .on_conflict_do_nothing(index_elements=["series"])
    )
