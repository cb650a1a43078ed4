"""The one Huey instance, its storage taken from the settings (no Flask import here).

BROKER_URL `sqlite:///path` is the embedded default (a file next to the database, no server);
`redis://host:port/db` is the production broker. BROKER_QUEUE names the queue (and prefixes the
Redis keys), so several portals or test runs can share one Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_ON_COMMIT = "worker_on_commit"  # Session.info: what to hand the worker once this commits

# In memory until `configure` runs (at app start): importing the tasks needs no broker.
huey = Huey("lsp-portal", storage_class=MemoryStorage, utc=True)


def configure(config: Mapping[str, Any]) -> None:
    """Point the Huey instance at the broker the settings name."""
    url: str = config["BROKER_URL"]
    if url.startswith(("redis://", "rediss://")):
        storage_class, kwargs = RedisStorage, {"url": url}
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        storage_class, kwargs = SqliteStorage, {"filename": str(path)}
    else:
        raise RuntimeError(f"BROKER_URL must start with redis:// or sqlite:/// (got {url!r}).")
    huey.name = config["BROKER_QUEUE"]
    huey.storage_class = storage_class
    huey.storage_kwargs = kwargs
    huey.storage = huey.create_storage()


def on_commit(session: Session, name: str, call: Callable[[], None]) -> None:
    """Run `call` (which hands work to the worker) once this session's transaction commits;
    never for a rolled-back one. One call per `name` per transaction."""
    session.info.setdefault(_ON_COMMIT, {})[name] = call


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    """The transaction is committed: hand its work to the worker. A nudge that fails is only
    late: the worker's periodic tasks find the work in the database."""
    for name, call in session.info.pop(_ON_COMMIT, {}).items():
        try:
            call()
        except Exception:
            log.exception("could not hand %s to the worker; its periodic task will", name)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """A rolled-back transaction changed nothing: nothing to hand over."""
    session.info.pop(_ON_COMMIT, None)


def kick() -> None:
    """Ask the worker to deliver the outbox now; a lost nudge only waits for the next sweep."""
    from .tasks import deliver

    try:
        deliver()
    except Exception:  # the broker is down: the committed messages wait for the sweep
        log.exception("could not nudge the worker; the outbox sweep will deliver")


def queue_size() -> int:
    """Tasks waiting in the broker (the admin's view of the queue's health)."""
    return huey.pending_count()


def scheduled_size() -> int:
    """Tasks waiting for their time (retries, delayed work)."""
    return huey.scheduled_count()
