"""Which database a query goes to: the primary, or a read replica for the reading pages.

Everything goes to the primary ("default") unless the request being served is a
reading page that may read from a replica (dealtracker/db/middleware.py decides):
then its reads go to the replica chosen for it, and its writes still go to the
primary. The choice lives in a context variable, so each thread (and each
asyncio task) serving a request has its own. Migrations run on the primary only;
the replicas receive them by streaming replication.

A replica that failed is left alone for REPLICA_RETRY_SECONDS (per process):
the pages read from the primary meanwhile, instead of waiting on it every time.
"""

from __future__ import annotations

import random
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA_PREFIX = "replica"

# The alias the current request reads from; None: the primary.
_reading_from: ContextVar[str | None] = ContextVar("dealtracker_reading_from", default=None)

_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def replica_aliases() -> list[str]:
    """The database aliases of the configured replicas (DATABASE_REPLICA_URLS)."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def reading_alias() -> str:
    """The alias the current request's reads go to."""
    return _reading_from.get() or DEFAULT_DB_ALIAS


def read_from(alias: str | None):
    """Send this context's reads to alias (None: the primary); returns a token for reset."""
    return _reading_from.set(alias)


def reset_reading(token) -> None:
    _reading_from.reset(token)


def mark_down(alias: str) -> None:
    """Leave a replica that did not answer alone for REPLICA_RETRY_SECONDS."""
    with _down_lock:
        _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS


def is_down(alias: str) -> bool:
    with _down_lock:
        until = _down_until.get(alias)
        if until is None:
            return False
        if time.monotonic() >= until:
            del _down_until[alias]  # time to try it again
            return False
        return True


def choose_replica() -> str | None:
    """A replica to read from (chosen at random among those answering), or None."""
    answering = [alias for alias in replica_aliases() if not is_down(alias)]
    return random.choice(answering) if answering else None


class PrimaryReplicaRouter:
    """Reads where the request's context says, writes and migrations on the primary."""

    def db_for_read(self, model, **hints) -> str:
        return reading_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replicas hold the primary's rows: an object read from one may point at one
        # read from another.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
