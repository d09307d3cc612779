"""The queue's tasks (procrastinate): thin calls into services.py.

Only the Job's id travels through the queue; everything else is in the Job row.
"""

from __future__ import annotations

from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import services

# The queue retries a job whose attempt raised; services.job_run counts the attempts
# (killed workers' too) and gives up first, so this only needs to be above its limit.
RETRY = RetryStrategy(max_attempts=services.MAX_ATTEMPTS + 2, wait=5)


@app.task(name="dealtracker.job_run", retry=RETRY)
def job_run_task(job_id: int) -> None:
    # The worker runs each sync task in a thread of its own pool: the connections the
    # thread keeps are checked the way a request checks them.
    close_old_connections()
    try:
        services.job_run(job_id=job_id)
    finally:
        close_old_connections()
