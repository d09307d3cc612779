"""The task queue with real workers: jobs queued by the site, run by `manage.py runworker`."""

from __future__ import annotations

import os
import signal

import pytest

from dealtracker.deals.models import Party
from dealtracker.sources import services as sources
from dealtracker.sources.passages import passage_mark
from dealtracker.tasks.models import Job
from dealtracker.tasks.services import job_enqueue

from . import slow_work
from .workers import running_worker, start_worker, stop_worker, wait_for


def _finished(job: Job):
    job.refresh_from_db()
    return job if job.is_finished() else None


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_nothing_and_the_next_runs_the_job_once(editor, tmp_path):
    marker = tmp_path / "inside-the-transaction"
    log = tmp_path / "workers.log"
    job = job_enqueue(
        kind=slow_work.SLOW_WRITE,
        title="slow write",
        params={"name": "killed-midway", "first_wait": 60, "marker": str(marker)},
        by=editor,
    )
    first = start_worker(log)
    try:
        wait_for(marker.exists, seconds=30, what="the first attempt to write its row", log=log)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_worker(first)
    # The row the killed attempt wrote went with its transaction.
    assert not Party.objects.filter(slug="killed-midway").exists()

    with running_worker(log):
        wait_for(lambda: _finished(job), seconds=40, what="the job to be run again", log=log)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.outcome
    assert job.attempts == 2
    assert "stopped with its worker" in job.note
    assert Party.objects.filter(slug="killed-midway").count() == 1
    assert job.outcome == "Party killed-midway written."


@pytest.mark.django_db(transaction=True)
def test_a_large_revision_queued_from_the_revise_page_is_done_by_the_worker(
    editor, editor_client, settings, tmp_path
):
    settings.TASKS_QUEUE_PASSAGES = 2
    source = sources.source_create(
        text="The truce begins at noon. Crossings open on Monday. Aid enters daily.",
        title="Truce terms",
        url="https://example.org/terms",
        by=editor,
    )
    for quote in ("The truce begins at noon.", "Aid enters daily."):
        start = source.text.index(quote)
        passage_mark(source=source, start=start, end=start + len(quote), by=editor)
    new_text = "The truce begins at noon on Sunday. Crossings open on Monday. Aid enters daily."

    response = editor_client.post(
        f"/sources/{source.pk}/revise/", {"text": new_text, "base_revision": 1, "note": "fix"}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    page = editor_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Queued" in page

    log = tmp_path / "worker.log"
    with running_worker(log):
        wait_for(lambda: _finished(job), seconds=40, what="the revision job", log=log)
    assert job.status == Job.Status.DONE, job.outcome
    assert job.outcome.startswith("Revision 2 saved. Passages: ")
    assert job.result_url == f"/sources/{source.pk}/revisions/2/"
    source.refresh_from_db()
    assert source.text == new_text
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert "hx-trigger" not in page
    assert f'href="{job.result_url}"' in page


@pytest.mark.django_db(transaction=True)
def test_an_archive_uploaded_by_an_admin_is_imported_by_the_worker_while_readers_read(
    editor, admin_client, reader_client, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dealtracker.sources.models import Source
    from tests.ops.test_archive import empty_the_desk, export

    sources.source_create(
        text="The truce holds in the north.", title="Truce", url="https://example.org/n", by=editor
    )
    archive = export(tmp_path / "desk.jsonl").read_bytes()
    empty_the_desk(restart_ids=False)
    response = admin_client.post(
        "/admin/restore/import/", {"archive": SimpleUploadedFile("desk.jsonl", archive)}
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()

    log = tmp_path / "worker.log"
    with running_worker(log):

        def read_while_waiting():
            assert reader_client.get("/sources/").status_code == 200
            return _finished(job)

        wait_for(read_while_waiting, seconds=40, what="the import job", log=log)
    assert job.status == Job.Status.DONE, job.outcome
    assert job.outcome.startswith("2 rows imported, 0 already here")
    assert Source.objects.get().title == "Truce"
    assert "Truce" in reader_client.get("/sources/").content.decode()
