"""A queued job's page: full page, HTMX status region, who may see it."""

from __future__ import annotations

import pytest

from dealtracker.accounts.services import user_create
from dealtracker.tasks.models import Job
from dealtracker.tasks.services import job_run
from tests.conftest import PASSWORD
from tests.tasks import slow_work


@pytest.fixture
def job(editor) -> Job:
    from dealtracker.tasks.services import job_enqueue

    return job_enqueue(
        kind=slow_work.SLOW_WRITE, title="Revision of “Truce”", params={"name": "p"}, by=editor
    )


def test_a_queued_job_polls_every_two_seconds_and_refreshes_without_javascript(editor_client, job):
    response = editor_client.get(f"/jobs/{job.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert "<h1>Revision of “Truce”</h1>" in page
    assert "Queued" in page and "waiting for a worker" in page
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "no-store" in response["Cache-Control"]


def test_the_status_region_alone_answers_htmx(editor_client, job):
    response = editor_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    part = response.content.decode()
    assert "<html" not in part
    assert part.lstrip().startswith('<section id="job-status"')
    assert 'hx-trigger="every 2s"' in part


def test_a_finished_job_stops_polling_and_links_to_its_result(editor_client, job):
    job_run(job_id=job.pk)
    full = editor_client.get(f"/jobs/{job.pk}/").content.decode()
    part = editor_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    for page in (full, part):
        assert "hx-trigger" not in page and "refresh" not in page
        assert "Done" in page and "Party p written." in page
        assert 'href="/parties/p/"' in page or "See the result" in page


def test_a_failed_job_says_why(editor_client, editor):
    from dealtracker.tasks.services import job_enqueue

    job = job_enqueue(
        kind=slow_work.SLOW_WRITE,
        title="t",
        params={"refuse": "The text was revised meanwhile; your text was not saved."},
        by=editor,
    )
    job_run(job_id=job.pk)
    page = editor_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Failed" in page
    assert 'role="alert">The text was revised meanwhile; your text was not saved.' in page


def test_another_editor_does_not_learn_of_the_job_but_an_admin_sees_it(client, job, admin_client):
    other = user_create(username="other", password=PASSWORD, role="editor", validate=False)
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert admin_client.get(f"/jobs/{job.pk}/").status_code == 200


def test_a_visitor_is_sent_to_log_in(client, job):
    response = client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
