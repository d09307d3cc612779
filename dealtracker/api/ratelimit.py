"""Rate limits of the read API, counted where every app process sees them.

Fixed windows of API_RATE_LIMIT_WINDOW seconds per client key ("t:<token id>",
"u:<user id>", "a:<address>"). The count is one atomic statement: an upsert into
an unlogged PostgreSQL table by default, or INCR in Redis when REDIS_URL is set
(falling back to PostgreSQL, with a warning, while Redis does not answer). Either
way two gunicorn workers, or two machines behind a load balancer, share it.
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Roughly one request in this many, starting a new window, clears counters of
# clients not seen for an hour (the table holds one row per recent client).
PURGE_ONE_IN = 200

_UPSERT = """
INSERT INTO api_ratewindow AS w (key, window_start, hits)
VALUES (%(key)s, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / %(window)s)
                              * %(window)s), 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.window_start = EXCLUDED.window_start THEN w.hits + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING w.hits,
    extract(epoch FROM w.window_start + make_interval(secs => %(window)s) - clock_timestamp())
"""


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # whole seconds until the window ends (at least 1)


def rate_limit_hit(key: str, *, limit: int, window: int | None = None) -> RateVerdict | None:
    """Count one request of `key`; None when its limit is off (0)."""
    if limit <= 0:
        return None
    window = window or settings.API_RATE_LIMIT_WINDOW
    hits, seconds_left = _count(key, window)
    reset = max(1, math.ceil(seconds_left))
    return RateVerdict(hits <= limit, limit, max(0, limit - hits), reset)


def _count(key: str, window: int) -> tuple[int, float]:
    if getattr(settings, "REDIS_URL", None):
        try:
            return _count_in_redis(key, window)
        except Exception as exc:  # a Redis outage must not take the API down
            logger.warning("rate limit: Redis did not answer (%s); counting in PostgreSQL", exc)
    return _count_in_database(key, window)


def _count_in_database(key: str, window: int) -> tuple[int, float]:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, {"key": key, "window": window})
        hits, seconds_left = cursor.fetchone()
        if hits == 1 and random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 — not security
            cursor.execute(
                "DELETE FROM api_ratewindow WHERE window_start < clock_timestamp() - interval '1 hour'"
            )
    return hits, float(seconds_left)


def _count_in_redis(key: str, window: int) -> tuple[int, float]:
    from django.core.cache import caches

    cache = caches["ratelimit"]
    now = time.time()
    start = int(now // window) * window
    name = f"api-rate:{key}:{start}"
    cache.add(name, 0, timeout=window + 5)
    hits = cache.incr(name)
    return hits, start + window - now
