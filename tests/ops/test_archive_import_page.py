"""The admin's import page: an uploaded archive is imported by the task queue."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from dealtracker.ops.work import QUEUED_PREFIX
from dealtracker.sources.models import Source
from dealtracker.sources.services import document_storage, source_create
from dealtracker.tasks.models import Job
from dealtracker.tasks.services import job_run

from .test_archive import empty_the_desk, export


def _upload(admin_client, data: bytes, name: str = "desk.jsonl"):
    return admin_client.post("/admin/restore/import/", {"archive": SimpleUploadedFile(name, data)})


def test_the_import_page_is_for_admins_only(editor_client, admin_client):
    assert editor_client.get("/admin/restore/import/").status_code in (302, 403)
    page = admin_client.get("/admin/restore/import/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()


def test_an_uploaded_archive_is_queued_then_imported_by_the_job(admin_client, editor, tmp_path):
    source_create(text="The truce holds.", title="Truce", url="https://example.org/t", by=editor)
    path = export(tmp_path / "desk.jsonl")
    empty_the_desk(restart_ids=False)

    response = _upload(admin_client, path.read_bytes())

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.QUEUED and job.title == "Import of the archive desk.jsonl"
    assert not Source.objects.exists()  # nothing imported inside the request
    stored = job.params["file"]
    assert stored.startswith(QUEUED_PREFIX) and document_storage().exists(stored)

    job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.outcome
    assert job.outcome.startswith("2 rows imported, 0 already here")  # the source, its revision
    assert Source.objects.get().title == "Truce"
    page = admin_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Done" in page and "rows imported" in page


def test_a_bad_archive_fails_naming_its_line_and_imports_nothing(admin_client):
    _upload(admin_client, b'{"not": "an archive header"}\n', name="bad.jsonl")
    job = Job.objects.get()
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.outcome.startswith("bad.jsonl: line 1: ")
    assert job.outcome.endswith("nothing was imported. Correct the archive and upload it again.")
    assert not document_storage().exists(job.params["file"])
    page = admin_client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'role="alert"' in page and "line 1" in page


def test_an_upload_without_a_file_is_refused(admin_client):
    response = admin_client.post("/admin/restore/import/", {}, follow=True)
    assert response.redirect_chain == [("/admin/restore/import/", 302)]
    assert "Choose the archive file" in response.content.decode()
    assert not Job.objects.exists()
