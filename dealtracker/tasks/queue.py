"""The queue's tasks (procrastinate): thin calls into services.py.

Only the Job's id travels through the queue; everything else is in the Job row.
"""

from __future__ import annotations

from django.db import close_old_connections, connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import services

# The queue retries a job whose attempt raised; services.job_run counts the attempts
# (killed workers' too) and gives up first, so this only needs to be above its limit.
RETRY = RetryStrategy(max_attempts=services.MAX_ATTEMPTS + 2, wait=5)


@app.task(name="dealtracker.job_run", retry=RETRY)
def job_run_task(job_id: int) -> None:
    # The worker runs each sync task in some thread of its pool: a connection that thread
    # kept is checked first, the way a request checks it, and closed after the job, so that
    # no idle thread holds one.
    close_old_connections()
    try:
        services.job_run(job_id=job_id)
    finally:
        connections.close_all()
