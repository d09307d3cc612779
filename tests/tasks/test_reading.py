"""Reading a new source in the task queue, with real workers: a URL fetched from a slow
site, a PDF's text extracted; the job's page, then the add-source form pre-filled from
the job's result, and nothing saved until the editor confirms."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dealtracker.accounts.services import user_create
from dealtracker.sources.models import Source
from dealtracker.tasks.models import Job
from tests import documents as files
from tests.conftest import PASSWORD
from tests.desk.test_documents_in import PAGES
from tests.desk.test_sources_in import HTML_PAGE

from .workers import running_worker, wait_for

NEW = reverse("desk:source-new")
# The site's delay: longer than a request should wait, shorter than SOURCE_FETCH_TIMEOUT.
SLOW_SECONDS = 2


def _finished(job: Job):
    job.refresh_from_db()
    return job if job.is_finished() else None


class _SlowPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        time.sleep(SLOW_SECONDS)
        body = HTML_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_site():
    """A loopback web server that answers after SLOW_SECONDS."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/article"
    server.shutdown()
    server.server_close()


def _form_values(response) -> dict[str, str]:
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields if name != "upload"}


@pytest.mark.django_db(transaction=True)
def test_a_queued_fetch_of_a_slow_site_prefills_the_form_for_its_editor_only(
    editor_client, settings, slow_site, tmp_path
):
    settings.TASKS_QUEUE_FETCH = True
    started = time.monotonic()
    response = editor_client.post(NEW, {"action": "fetch", "url": slow_site, "kind": "news_report"})
    assert time.monotonic() - started < SLOW_SECONDS  # the request did not wait for the site
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == "source-fetch" and job.params["url"] == slow_site
    assert "Queued" in editor_client.get(job.get_absolute_url()).content.decode()

    log = tmp_path / "worker.log"
    # The site is on loopback: this worker may fetch it (production refuses such hosts).
    with running_worker(log, SOURCE_FETCH_ALLOW_PRIVATE="true"):
        wait_for(lambda: _finished(job), seconds=40, what="the fetch job", log=log)
    assert job.status == Job.Status.DONE, job.outcome
    assert job.result_url == f"{NEW}?job={job.pk}"
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert f'href="{NEW}?job={job.pk}"' in page
    assert not Source.objects.exists()

    response = editor_client.get(job.result_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="La trêve vacille"' in html
    assert 'value="Claire Dupont"' in html
    assert "arrêt complet des hostilités" in html
    assert "Check the text and the details" in html
    assert not Source.objects.exists()
    # Another editor does not see what this one's job read.
    colleague = Client()
    colleague.force_login(
        user_create(username="colleague", password=PASSWORD, role="editor", validate=False)
    )
    assert colleague.get(job.result_url).status_code == 404

    response = editor_client.post(NEW, {**_form_values(response), "action": "save"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.title, source.url) == ("La trêve vacille", slow_site)


@pytest.mark.django_db(transaction=True)
def test_a_queued_fetch_that_is_refused_fails_at_once_with_its_reason(
    editor_client, settings, tmp_path
):
    settings.TASKS_QUEUE_FETCH = True
    response = editor_client.post(
        NEW, {"action": "fetch", "url": "http://127.0.0.1:9/report", "kind": "news_report"}
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()

    log = tmp_path / "worker.log"
    with running_worker(log):  # a worker as in production: private hosts refused
        wait_for(lambda: _finished(job), seconds=40, what="the fetch job", log=log)
    assert (job.status, job.attempts) == (Job.Status.FAILED, 1)
    assert "points at a private or local network address (127.0.0.1)" in job.outcome
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert "Failed" in page and "private or local network address" in page
    assert "?job=" not in page
    assert editor_client.get(f"{NEW}?job={job.pk}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_queued_pdf_is_read_by_the_worker_and_saved_with_its_pages_once_confirmed(
    editor_client, settings, tmp_path
):
    settings.TASKS_QUEUE_DOCUMENT_BYTES = 0  # every PDF goes to the queue
    data = files.pdf_report(PAGES, header="OCHA Gaza", title="Sitrep 12")
    response = editor_client.post(
        NEW,
        {
            "action": "read",
            "upload": SimpleUploadedFile("sitrep-12.pdf", data, "application/pdf"),
            "kind": "ngo_report",
            "language": "en",
        },
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == "document-read"

    log = tmp_path / "worker.log"
    with running_worker(log):
        wait_for(lambda: _finished(job), seconds=40, what="the reading job", log=log)
    assert job.status == Job.Status.DONE, job.outcome
    assert not Source.objects.exists()

    response = editor_client.get(job.result_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Sitrep 12"' in html
    assert "Netzarim corridor" in html
    values = _form_values(response)
    assert values["document"] and values["kind"] == "ngo_report"

    response = editor_client.post(NEW, {**values, "action": "save"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.title == "Sitrep 12"
    assert source.documents.get().page_count == 3
    revision = source.revisions.get()
    assert revision.page_at(source.text.index("Netzarim")) == 3


# --- in this process (services.job_run, as the worker's task calls it) ------------


def _pdf(data: bytes, name: str = "scan.pdf"):
    return SimpleUploadedFile(name, data, "application/pdf")


@pytest.mark.django_db
def test_a_queued_scan_without_text_fails_at_once_with_the_forms_message(editor_client, settings):
    from dealtracker.sources.services import document_storage
    from dealtracker.tasks.services import job_run

    data = files.pdf_scanned()
    inline = editor_client.post(NEW, {"action": "read", "upload": _pdf(data)})
    assert inline.status_code == 422
    message = inline.context["form"].errors["upload"][0]

    settings.TASKS_QUEUE_DOCUMENT_BYTES = 0
    editor_client.post(NEW, {"action": "read", "upload": _pdf(data)})
    job = Job.objects.get()
    kept = job.params["file"]
    assert document_storage().exists(kept)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.outcome) == (Job.Status.FAILED, 1, message)
    assert not document_storage().exists(kept)
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_a_passing_error_while_fetching_is_retried(editor_client, settings, monkeypatch):
    from dealtracker.desk import intake
    from dealtracker.tasks.services import job_run

    settings.TASKS_QUEUE_FETCH = True
    editor_client.post(NEW, {"action": "fetch", "url": "https://news.example/a"})
    job = Job.objects.get()

    def broken(url):
        raise ConnectionResetError("the documents storage went away")

    monkeypatch.setattr(intake, "url_document", broken)
    with pytest.raises(ConnectionResetError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.QUEUED, 1)
    assert job.note.endswith("it will be tried again.")
