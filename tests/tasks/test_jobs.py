"""Running a job in this process: what the worker's task calls (services.job_run)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from dealtracker.deals.models import Party
from dealtracker.tasks import services
from dealtracker.tasks.models import Job
from dealtracker.tasks.services import job_enqueue, job_run

from . import slow_work

pytestmark = pytest.mark.django_db


def _queued(**params) -> Job:
    return job_enqueue(kind=slow_work.SLOW_WRITE, title="a write", params=params, by=None)


def _queue_rows(job: Job) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, status FROM procrastinate_jobs WHERE id = %s", [job.queue_id]
        )
        return cursor.fetchall()


def test_queueing_a_job_writes_its_row_and_the_queues_in_one_transaction():
    job = _queued(name="queued")
    assert job.status == Job.Status.QUEUED
    assert _queue_rows(job) == [("dealtracker.job_run", "todo")]


def test_a_request_that_rolls_back_queues_nothing():
    before = Job.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs")
        (queued_before,) = cursor.fetchone()
    with pytest.raises(RuntimeError), transaction.atomic():
        _queued(name="rolled-back")
        raise RuntimeError("the request failed after queueing")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs")
        assert cursor.fetchone() == (queued_before,)
    assert Job.objects.count() == before


def test_a_job_delivered_twice_does_its_work_once():
    job = _queued(name="once")
    job_run(job_id=job.pk)
    job_run(job_id=job.pk)  # a worker that died after its commit: the queue delivers again
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 1)
    assert Party.objects.filter(slug="once").count() == 1
    assert job.result_url == Party.objects.get(slug="once").get_absolute_url()


def test_refused_work_fails_at_once_with_its_reason_and_keeps_nothing():
    job = _queued(name="refused", refuse="The source was deleted meanwhile; nothing was saved.")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 1)
    assert job.outcome == "The source was deleted meanwhile; nothing was saved."
    assert job.finished_at is not None
    assert not Party.objects.filter(slug="refused").exists()


def test_a_passing_error_is_retried_then_the_job_fails_saying_so(monkeypatch):
    job = _queued(name="flaky")

    def broken(job):
        Party.objects.create(name="half", slug="half")
        raise ConnectionError("the database went away")

    monkeypatch.setattr(slow_work, "slow_write", broken)
    from dealtracker.tasks import work

    monkeypatch.setitem(
        work._KINDS, slow_work.SLOW_WRITE, work.Kind(slow_work.SLOW_WRITE, "flaky", broken)
    )
    for attempt in range(1, services.MAX_ATTEMPTS):
        with pytest.raises(ConnectionError):  # the queue retries it
            job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Job.Status.QUEUED, attempt)
        assert job.note.startswith(f"Attempt {attempt} failed (“ConnectionError: the database")
        assert job.note.endswith("it will be tried again.")
    job_run(job_id=job.pk)  # the last attempt: no exception, the job has failed
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, services.MAX_ATTEMPTS)
    assert "Failed in each of its 3 attempts" in job.outcome
    assert f"(job {job.pk})" in job.outcome
    assert not Party.objects.filter(slug="half").exists()


def test_a_job_whose_worker_died_each_time_is_given_up():
    job = _queued(name="killer")
    # Each attempt was left running by a worker that was killed.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=3)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.outcome.startswith("Stopped during each of its 3 attempts, with nothing kept.")
    assert not Party.objects.filter(slug="killer").exists()


def test_a_job_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no work of kind"):
        job_enqueue(kind="no-such-work", title="x", params={}, by=None)
