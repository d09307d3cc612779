"""A kind of work for the tests: writes a party, then (on its first attempt) waits inside
its transaction, so a test can kill the worker in the middle of it.

Registered in the test process by importing this module, and in a worker started
with `manage.py runworker --import tests.tasks.slow_work`.
"""

from __future__ import annotations

import time
from pathlib import Path

from dealtracker.deals.models import Party
from dealtracker.tasks.work import Done, Refused, work

SLOW_WRITE = "test-slow-write"


@work(SLOW_WRITE, "a test's slow write")
def slow_write(job) -> Done:
    params = job.params
    if params.get("refuse"):
        raise Refused(params["refuse"])
    party = Party.objects.create(name=params["name"], slug=params["name"])
    if job.attempts == 1 and params.get("first_wait"):
        # The row is written, not committed: tell the test, then wait to be killed.
        Path(params["marker"]).write_text(str(party.pk))
        time.sleep(params["first_wait"])
    return Done(f"Party {party.name} written.", party.get_absolute_url())
