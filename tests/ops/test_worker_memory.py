"""What an app server's worker keeps in memory is bounded, and workers are replaced.

- The page cache in a worker's memory is bounded in bytes (PAGE_CACHE_MB), the least
  recently read fragments leaving first, whatever the pages weigh.
- A request that grows the worker's memory a lot is followed by a collection and a trim
  (dealtracker/wsgi.py); an ordinary one is not.
- The gunicorn commands (the deployment's in README, the benchmark's, the soak's) replace
  workers with --max-requests and a jitter.
"""

from __future__ import annotations

import gc
import pickle
import re
import secrets
import sys
import weakref
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.utils.safestring import mark_safe

from dealtracker.desk.fragments import PageMemoryCache

ROOT = Path(__file__).resolve().parents[2]


def page_cache(max_bytes: int, max_entries: int = 10_000) -> PageMemoryCache:
    """A page cache of its own (a fresh LocMemCache name), as settings.py makes it."""
    return PageMemoryCache(
        f"test-pages-{secrets.token_hex(4)}",
        {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": max_entries}},
    )


def fragment(kilobytes: int) -> str:
    """A page fragment that compresses poorly, so that what is kept weighs about its size."""
    return mark_safe(secrets.token_urlsafe(kilobytes * 1024 * 3 // 4))  # noqa: S308 — test data


def stored_bytes(cache: PageMemoryCache) -> int:
    return sum(len(value) for value in cache._cache.values())


def test_the_settings_bound_the_memory_page_cache_in_bytes():
    cache = caches["pages"]  # the alias as settings.py configures it without REDIS_URL
    assert isinstance(cache, PageMemoryCache)
    assert 0 < cache.max_bytes <= 64 * 2**20


def test_the_page_cache_never_keeps_more_bytes_than_its_bound():
    cache = page_cache(max_bytes=100 * 1024)
    for i in range(200):
        cache.set(f"page-{i}", fragment(4), 3600)
        assert cache.kept_bytes == stored_bytes(cache) <= 100 * 1024
    # 4 KB fragments (about 3 KB compressed, base64 being 6 bits a byte): some 30 kept,
    # not 200, and the newest are the ones kept.
    assert 20 <= len(cache._cache) <= 40
    assert cache.get("page-199") is not None
    assert cache.get("page-0") is None


def test_the_least_recently_read_fragment_leaves_first():
    probe = page_cache(max_bytes=2**20)
    probe.set("one", fragment(8), 3600)
    cache = page_cache(max_bytes=int(4.5 * probe.kept_bytes))  # room for four
    for i in range(4):
        cache.set(f"page-{i}", fragment(8), 3600)
    assert cache.get("page-0") is not None  # read: now the most recent
    cache.set("page-4", fragment(8), 3600)
    cache.set("page-5", fragment(8), 3600)
    assert cache.get("page-0") is not None
    assert cache.get("page-1") is None


def test_a_fragment_larger_than_the_whole_bound_is_not_kept():
    cache = page_cache(max_bytes=16 * 1024)
    cache.set("small", fragment(4), 3600)
    cache.set("huge", fragment(64), 3600)
    assert cache.get("huge") is None
    assert cache.get("small") is not None
    assert cache.kept_bytes == stored_bytes(cache)


def test_replacing_deleting_culling_and_clearing_keep_the_count_right():
    cache = page_cache(max_bytes=10 * 2**20, max_entries=10)
    for _ in range(3):
        cache.set("same", fragment(8), 3600)
    assert len(cache._cache) == 1
    assert cache.kept_bytes == stored_bytes(cache)
    for i in range(25):  # past MAX_ENTRIES: LocMemCache culls a third at a time
        cache.set(f"page-{i}", fragment(1), 3600)
        assert cache.kept_bytes == stored_bytes(cache)
    assert len(cache._cache) <= 10
    cache.delete("page-24")
    assert cache.kept_bytes == stored_bytes(cache)
    cache.set("expired", fragment(1), -1)  # a timeout in the past: read as a miss, dropped
    assert cache.get("expired") is None
    assert cache.kept_bytes == stored_bytes(cache)
    cache.clear()
    assert cache.kept_bytes == 0


def test_the_page_cache_keeps_fragments_compressed():
    cache = page_cache(max_bytes=2**20)
    page = mark_safe("<li>the same claim, again</li>" * 1000)  # noqa: S308 — test data
    cache.set("page", page, 3600)
    assert cache.get("page") == page
    assert cache.kept_bytes < len(pickle.dumps(str(page))) / 10


# --- after a request that grew the worker -----------------------------------------------------


@pytest.fixture
def wsgi(monkeypatch):
    """dealtracker.wsgi, its signal handlers taken off again afterwards (tests share a process)."""
    import dealtracker.wsgi as wsgi

    yield wsgi
    gc.unfreeze()
    request_started.disconnect(dispatch_uid="dealtracker.wsgi.note_start")
    request_finished.disconnect(dispatch_uid="dealtracker.wsgi.return_if_grown")
    sys.modules.pop("dealtracker.wsgi", None)


@pytest.mark.parametrize(("grown_mb", "returned"), [(5, False), (100, True)])
def test_memory_is_returned_after_a_request_that_grew_the_worker(
    db, wsgi, monkeypatch, grown_mb, returned
):
    # db: Django's own receivers of these signals close the thread's stale connections,
    # which an earlier test of the same worker may have opened.
    resident = iter([200 * 2**20, (200 + grown_mb) * 2**20])
    monkeypatch.setattr(wsgi, "resident_bytes", lambda: next(resident))
    calls = []
    monkeypatch.setattr(wsgi, "return_memory", lambda: calls.append(True))
    request_started.send(sender=None, environ={})
    request_finished.send(sender=None)
    assert bool(calls) is returned


def test_return_memory_runs_here():
    import dealtracker.wsgi as wsgi

    try:
        wsgi.return_memory()  # a collection, and malloc_trim where the C library has it
        assert wsgi.resident_bytes() > 0 or not Path("/proc/self/statm").exists()
    finally:
        request_started.disconnect(dispatch_uid="dealtracker.wsgi.note_start")
        request_finished.disconnect(dispatch_uid="dealtracker.wsgi.return_if_grown")
        sys.modules.pop("dealtracker.wsgi", None)


# --- workers are replaced -----------------------------------------------------------------


def assert_replaces_workers(command: str) -> None:
    requests = re.search(r"--max-requests[ =](\d+)", command)
    jitter = re.search(r"--max-requests-jitter[ =](\d+)", command)
    assert requests and jitter, f"no --max-requests and jitter in: {command}"
    assert 100 <= int(requests.group(1)) <= 10_000
    assert 0 < int(jitter.group(1)) < int(requests.group(1))


def test_the_deployment_command_in_the_readme_replaces_workers():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(
        r"^ {4}gunicorn dealtracker\.wsgi:application(?:.*\\\n)*.*$", readme, flags=re.MULTILINE
    )
    assert commands, "README shows no gunicorn command for the app servers"
    for command in commands:
        assert_replaces_workers(command.replace("\\\n", " "))


def test_the_benchmark_and_soak_servers_replace_workers_as_deployed():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import servers
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert_replaces_workers(" ".join(servers.gunicorn_argv(8000)))
    soak = (ROOT / "bench" / "soak.py").read_text()
    standalone = soak[soak.index("def standalone") :]
    argv = " ".join(re.findall(r'^\s+"([^"]+)",$', standalone, flags=re.MULTILINE))
    assert_replaces_workers(argv)


def test_a_worker_freezes_what_it_loaded_and_still_collects_a_requests_cycles(wsgi):
    """Loading the application freezes what it holds out of the collector's passes;
    cycles made after (a request's model instances) are still collected."""
    assert gc.get_freeze_count() > 10_000

    class Cycle:
        pass

    collected = []
    first = Cycle()
    first.other = Cycle()
    first.other.other = first
    weakref.finalize(first, collected.append, True)
    del first
    gc.collect()
    assert collected == [True]
