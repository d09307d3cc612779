"""Queueing a job and running it: the one transaction the work and its "done" share."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import work as registry
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

# Attempts before a job is given up: a passing trouble (a lost connection, a worker
# stopped by a deploy) rarely strikes three times; a job that kills its worker each
# time (out of memory) must not run forever.
MAX_ATTEMPTS = 3


def job_enqueue(*, kind: str, title: str, params: dict[str, Any], by) -> Job:
    """Record the job and queue it, in the caller's transaction: a request that rolls
    back queues nothing, and the worker never sees a job whose row is not there."""
    from .queue import job_run_task

    if registry.kind(kind) is None:
        raise ValueError(f"no work of kind {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:300],
            params=params,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        job.queue_id = job_run_task.defer(job_id=job.pk)
        job.save(update_fields=["queue_id"])
    return job


def _start(job_id: int) -> Job | None:
    """Mark the job running (committed at once, for the editor to see), or None when there
    is nothing to run: done already, gone, or out of attempts."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished():
            return None
        if job.status == JobStatus.RUNNING:
            # Its last attempt's worker died: that attempt's transaction was rolled back.
            job.note = f"Attempt {job.attempts} stopped with its worker; nothing of it was kept."
        if job.attempts >= MAX_ATTEMPTS:
            _finish(
                job,
                JobStatus.FAILED,
                f"Stopped during each of its {job.attempts} attempts, with nothing kept. "
                f"Ask an administrator to look at the worker's log (job {job.pk}).",
            )
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "note"])
    return job


def _finish(
    job: Job, status: JobStatus, outcome: str, url: str = "", result: dict[str, Any] | None = None
) -> None:
    job.status = status
    job.outcome = outcome
    job.result_url = url
    job.result = result or {}
    job.finished_at = timezone.now()
    job.started_at = job.started_at or job.finished_at
    job.save(
        update_fields=["status", "outcome", "result_url", "result", "finished_at", "started_at"]
    )


def _record_failure(job_id: int, outcome: str, *, final: bool) -> None:
    if not connection.in_atomic_block:
        # A connection the error broke is replaced (the work's rollback ran on it already).
        connection.close_if_unusable_or_obsolete()
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.is_finished():
            return
        if final:
            _finish(job, JobStatus.FAILED, outcome)
        else:
            job.status = JobStatus.QUEUED
            job.note = outcome
            job.save(update_fields=["status", "note"])


def job_run(*, job_id: int) -> None:
    """Run a job's work once, whatever the queue delivers: called again for a job already
    done (a worker that died after its commit), it does nothing.

    The work and the row that says "done" are one transaction, with the job's row locked:
    a second worker handed the same job waits, then finds it done."""
    job = _start(job_id)
    if job is None:
        return
    kind = registry.kind(job.kind)
    try:
        if kind is None:
            raise registry.Refused(f"This worker does not know the work “{job.kind}”.")
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            if job.is_finished():
                return
            done = kind.run(job)
            _finish(job, JobStatus.DONE, done.outcome, done.url, done.result)
    except registry.Refused as refused:
        _record_failure(job_id, str(refused), final=True)
    except Exception as exc:
        logger.exception("job %s (%s), attempt %s", job_id, job.kind, job.attempts)
        error = f"{type(exc).__name__}: {exc}".strip()[:500]
        final = job.attempts >= MAX_ATTEMPTS
        if final:
            _record_failure(
                job_id,
                f"Failed in each of its {job.attempts} attempts, with nothing kept; the last "
                f"error was “{error}”. Ask an administrator to look at the worker's log "
                f"(job {job_id}).",
                final=True,
            )
            return
        _record_failure(
            job_id,
            f"Attempt {job.attempts} failed (“{error}”), with nothing kept; it will be tried again.",
            final=False,
        )
        raise


def worker_options() -> dict[str, Any]:
    """How the worker beats its heartbeat, when others take it for dead, what it keeps."""
    return {
        "update_heartbeat_interval": settings.TASKS_HEARTBEAT_SECONDS,
        "stalled_worker_timeout": settings.TASKS_STALLED_SECONDS,
        # The Job row keeps what the editor sees; the queue's own row of a job that
        # succeeded is of no further use.
        "delete_jobs": "successful",
    }


async def stalled_jobs_retry(app) -> int:
    """Queue again the jobs of workers whose heartbeat stopped (killed, or their machine
    gone); the number of jobs. Their work was rolled back with their connection."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.TASKS_STALLED_SECONDS
    )
    count = 0
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except Exception:  # noqa: BLE001 - another worker queued it again first
            logger.info("job %s of a stopped worker was already queued again", job.id)
            continue
        logger.warning("job %s of a stopped worker: queued again", job.id)
        count += 1
    return count


async def stalled_jobs_watch(app) -> None:
    """Look for stalled jobs now, then every TASKS_STALLED_SECONDS, until cancelled."""
    import asyncio

    while True:
        try:
            await stalled_jobs_retry(app)
        except Exception:  # noqa: BLE001 - the next look may succeed; the worker goes on
            logger.exception("looking for the jobs of stopped workers")
        await asyncio.sleep(settings.TASKS_STALLED_SECONDS)
