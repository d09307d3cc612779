"""Admin-only pages: deleted claims and sources, each with a button that restores it;
importing an archive through the task queue.

They sit under /admin/restore/, behind the admin's own login (staff only), and
additionally require the Admins role and the model's add permission: restoring
recreates rows.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealtracker.accounts.roles import is_admin
from dealtracker.claims.undelete import RestoreRefused as ClaimRestoreRefused
from dealtracker.claims.undelete import claim_restore, deleted_claims
from dealtracker.sources.undelete import RestoreRefused as SourceRestoreRefused
from dealtracker.sources.undelete import deleted_sources, source_restore


def admin_required(perm: str):
    """The admin site's login (staff only), then the Admins role and `perm`, else 403."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not (is_admin(request.user) and request.user.has_perm(perm)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped = admin.site.admin_view(checked)
        wrapped.access = "admin"
        wrapped.permissions = (perm,)
        return wrapped

    return decorator


def _page(request: HttpRequest, records, template: str, title: str) -> HttpResponse:
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    context = {**admin.site.each_context(request), "title": title, "page": page}
    return render(request, template, context)


@admin_required("claims.add_claim")
@require_GET
def deleted_claim_list(request: HttpRequest) -> HttpResponse:
    return _page(request, deleted_claims(), "ops/deleted_claims.html", "Deleted claims")


@admin_required("claims.add_claim")
@require_POST
def claim_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        outcome = claim_restore(claim_id=pk, by=request.user)
    except ClaimRestoreRefused as exc:
        messages.error(request, str(exc))
        return redirect("ops:deleted-claims")
    text = (
        f"Claim {pk} restored with {len(outcome.evidence)} evidence links, "
        f"{outcome.verification_changes} verification notes and "
        f"{outcome.assessments_relinked} assessment citations."
    )
    if outcome.skipped:
        text += " Not restored: " + "; ".join(outcome.skipped) + "."
    messages.success(request, text)
    return redirect("ops:deleted-claims")


@admin_required("sources.add_source")
@require_GET
def deleted_source_list(request: HttpRequest) -> HttpResponse:
    return _page(request, deleted_sources(), "ops/deleted_sources.html", "Deleted sources")


@admin_required("sources.add_source")
@require_POST
def source_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        outcome = source_restore(source_id=pk, by=request.user)
    except SourceRestoreRefused as exc:
        messages.error(request, str(exc))
        return redirect("ops:deleted-sources")
    messages.success(
        request,
        f"Source {pk} restored with {outcome.revisions} revisions and {outcome.passages} passages.",
    )
    return redirect("ops:deleted-sources")


@admin_required("claims.add_claim")
@require_http_methods(["GET", "POST"])
def archive_import_view(request: HttpRequest) -> HttpResponse:
    """Upload an archive written by export_archive; the task queue imports it (as
    `manage.py import_archive` does) and the job's page says how it went."""
    from dealtracker.tasks.services import job_enqueue

    from .work import ARCHIVE_IMPORT, archive_keep

    if request.method == "POST":
        upload = request.FILES.get("archive")
        if upload is None or not upload.size:
            messages.error(
                request, "Choose the archive file (JSON Lines, as export_archive writes it)."
            )
            return redirect("ops:archive-import")
        name = archive_keep(upload)
        job = job_enqueue(
            kind=ARCHIVE_IMPORT,
            title=f"Import of the archive {upload.name}",
            params={"file": name, "filename": upload.name, "size": upload.size},
            by=request.user,
        )
        return redirect(job.get_absolute_url())
    context = {**admin.site.each_context(request), "title": "Import an archive"}
    return render(request, "ops/archive_import.html", context)
