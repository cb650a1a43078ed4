"""Database wiring: SQLite pragmas and write locking, PostgreSQL without JIT, migrations."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import PROJECT_DIR
from .extensions import db, migrate
from .transactions import WRITE_LOCK

# PostgreSQL compiles a query to machine code (JIT) once its estimated cost passes
# `jit_above_cost`: worth it for a long analytical query, but for the portal's requests the
# compiling is most of the time. At 1,000,000 cases a query of the home page's waiting work spent
# 500 of its 690 ms compiling (bench/bench_scale.py): off for the portal's own connections.
POSTGRES_OPTIONS = "-c jit=off"


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate, and tune SQLite and PostgreSQL connections."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault(
            "connect_args", {"options": POSTGRES_OPTIONS}
        )
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault(
            "connect_args", {"timeout": 30, "check_same_thread": False}
        )
        if ":memory:" not in uri and uri != "sqlite://":
            path = uri.removeprefix("sqlite:///")
            (PROJECT_DIR / path).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and our own BEGIN so that write transactions can take the lock first.

    pysqlite's own transaction handling is switched off so that the BEGIN we send is the one
    used. Reads begin DEFERRED; a transaction started by `transactions.begin_write()`, and every
    transaction of a request that may write (`writing_request`), begins IMMEDIATE: two writers
    never read the same state and both act on it, and a read transaction is never upgraded to a
    write after another writer committed, which SQLite refuses at once, whatever the busy
    timeout ("database is locked"). Writers wait for each other up to the busy timeout.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        immediate = conn.get_execution_options().get(WRITE_LOCK, False) or writing_request()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    engine.dispose()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writing_request() -> bool:
    """True inside a request that may write: every method but GET, HEAD and OPTIONS (no GET
    writes, so a GET's transactions stay readers and never wait for the write lock)."""
    return has_request_context() and request.method not in SAFE_METHODS
