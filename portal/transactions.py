"""Write transactions that take the database's write lock first (no Flask here).

On SQLite the engine listener in `database.py` reads the execution option and sends
`BEGIN IMMEDIATE`, so two writers never read the same state and both act on it. On PostgreSQL the
transaction is a plain one: the workflow's guarded UPDATEs and row locks keep it exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

WRITE_LOCK = "portal_write_lock"


def begin_write(session: Session) -> None:
    """End any read transaction and start one holding the write lock (BEGIN IMMEDIATE on SQLite)."""
    session.commit()
    session.connection(execution_options={WRITE_LOCK: True})


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """One write-locked transaction: committed when the block ends, rolled back on any error."""
    begin_write(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
