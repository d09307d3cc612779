"""A piece of long work as the editor sees it: what, whose, where it stands, the outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dealtracker.constraints import in_vocabulary
from dealtracker.db.url_templates import fast_reverse


class JobStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    """One request for long work, run by a worker (dealtracker/tasks/services.py)."""

    Status = JobStatus

    # A kind registered in work.py, e.g. "source-revise": what the worker runs.
    kind = models.CharField(max_length=60)
    # What the editor reads: "Revision of “Truce text” (source 12)".
    title = models.CharField(max_length=300)
    # The work's arguments (ids, the text to save, a stored file's name).
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Attempts started so far; a worker killed mid-task leaves one that counts.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last word while it runs or waits for a retry ("Attempt 1 stopped: ...").
    note = models.TextField(blank=True)
    # Done: what was done. Failed: why, in words the editor can act on.
    outcome = models.TextField(blank=True)
    # Where the result is (the new revision, the imported rows' list).
    result_url = models.CharField(max_length=500, blank=True)
    # What the work found, for the page that shows it (a fetched page's text and details,
    # read back by the add-source form); empty for work whose result is saved rows.
    result = models.JSONField(default=dict, blank=True)
    # The queue's own job (procrastinate_jobs.id), for whoever looks at the worker's logs.
    queue_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            in_vocabulary("status", JobStatus, "job_status_valid"),
            # A finished job says when; an unfinished one does not.
            models.CheckConstraint(
                condition=Q(status__in=FINISHED, finished_at__isnull=False)
                | (~Q(status__in=FINISHED) & Q(finished_at__isnull=True)),
                name="job_finished_at_iff_finished",
            ),
            # No order of the times is enforced: the web server and the workers that write
            # them run on machines whose clocks may differ by a little.
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:job-detail", args=[self.pk])

    def is_finished(self) -> bool:
        return self.status in FINISHED
