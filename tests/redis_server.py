"""The machine's Redis (127.0.0.1:6379) for the tests of the shared cache and the rate limits.

Without it those tests are skipped on a workstation, and fail when CI=true: CI must
prove what runs on many servers. Each test keeps its keys under a prefix of its own
(parallel runs share the Redis) and deletes them afterwards, never the whole database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

REDIS_SERVER = "redis://127.0.0.1:6379/0"


def require_redis() -> str:
    """The Redis URL; skips the test when Redis does not answer, or fails it under CI."""
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis at {REDIS_SERVER} does not answer ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the shared-cache tests", pytrace=False)
        pytest.skip(message)
    return REDIS_SERVER


@contextmanager
def own_key_prefix(url: str) -> Iterator[str]:
    """A key prefix for one test; its keys are deleted afterwards."""
    prefix = f"dealtracker-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
