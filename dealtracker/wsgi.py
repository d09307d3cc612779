"""WSGI entry point (gunicorn dealtracker.wsgi). DATABASE_URL must be set.

A request that builds many objects (tens of thousands of model instances, say)
leaves a worker holding their memory: Django's model instances refer to each
other in cycles, which only Python's oldest-generation collection frees, and
that runs seldom; once collected, the freed memory stays in the allocator's
heap. So when a request grows this process's resident memory by more than
RETURN_MEMORY_AFTER_MB, the cycles are collected and the C allocator is asked
to give its free pages back (glibc's malloc_trim) as soon as the response has
been sent. Measured on the scale-1 archive: a worker at 228 MB after four
/slipping/ requests comes back to 174 MB, where it stayed otherwise. What is
left is Python's own small-object arenas kept by a few survivors; gunicorn's
--max-requests (README, "Deployment") replaces a worker before that adds up.

What the worker holds once the application is loaded (modules, URL patterns,
settings: some 85,000 objects the collector tracks) is frozen out of the cyclic
collector's passes (freeze_loaded): every full collection walked it for nothing.
Measured in-process on the scale-1 archive (p10 of 30 renders, best of three
alternating rounds): home 11.5 -> 11.0 ms, a phase 16.1 -> 15.7, the claims feed
unchanged, slipping 10.7 -> 11.0 (within this machine's noise). Raising the young
generation's threshold as well (10,000 or 50,000 new objects rather than 700)
gained up to 0.6 ms more on some pages, but the bench's workers serving the
heaviest pages then kept 25-45 MB more (157-178 MB against 132): not done.
"""

import ctypes
import ctypes.util
import gc
import os
import threading

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application

# A request that grows the worker by more than this (resident memory) is followed by a
# collection and a trim: tens of milliseconds, after a request that took far longer.
RETURN_MEMORY_AFTER_MB = 32

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_at_start = threading.local()


def resident_bytes() -> int:
    """This process's resident memory (Linux; 0 where /proc/self/statm is missing)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_trim = _malloc_trim()


def return_memory() -> None:
    """Free what unreachable cycles hold and hand the allocator's free pages back."""
    gc.collect()
    if _trim is not None:
        _trim(0)


def freeze_loaded() -> None:
    """Keep what the loaded application holds out of the collector's passes."""
    gc.collect()
    gc.freeze()


def _note_start(**kwargs) -> None:
    _at_start.rss = resident_bytes()


def _return_if_grown(**kwargs) -> None:
    start = getattr(_at_start, "rss", 0)
    if start and resident_bytes() - start > RETURN_MEMORY_AFTER_MB * 2**20:
        return_memory()


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
application = get_wsgi_application()
freeze_loaded()
# Sent by Django's WSGI handler around each request (request_finished: when the server
# closes the response, after sending it). Connected here: only app servers measure.
request_started.connect(_note_start, dispatch_uid="dealtracker.wsgi.note_start")
request_finished.connect(_return_if_grown, dispatch_uid="dealtracker.wsgi.return_if_grown")
