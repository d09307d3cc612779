"""A queued job's page (dealtracker/tasks): where it stands and how it ended.

A bookmarkable full page; while the job is unfinished its status region asks
again every two seconds through HTMX (and the page refreshes itself without
JavaScript), and stops asking once the job is done or failed.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from dealtracker.accounts.roles import is_admin
from dealtracker.tasks import work
from dealtracker.tasks.models import Job

from ..access import permission_required
from ..answers import is_partial

# Seconds between two looks at an unfinished job.
POLL_SECONDS = 2


@require_GET
# Who queues work: editors (revisions) and admins (imports); within that, only their own.
@permission_required("sources.change_source")
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's status: the person who queued it and admins see it; nobody else learns
    that it exists."""
    job = Job.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or not (job.created_by_id == request.user.pk or is_admin(request.user)):
        raise Http404("No job of yours has this number.")
    kind = work.kind(job.kind)
    context = {
        "job": job,
        "kind_label": kind.label if kind else job.kind,
        "poll_seconds": POLL_SECONDS,
    }
    template = "desk/job_detail.html"
    if is_partial(request):
        template += "#job-status"
    response = render(request, template, context)
    if not job.is_finished():
        response["Cache-Control"] = "no-store"
    return response
