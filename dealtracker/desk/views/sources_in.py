"""The editors' sources side: the sources list, adding a source, revising its text,
its revisions, the passages to review after re-anchoring, and change history.

The reading view of one source (/sources/<id>/) is in views/annotate.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dealtracker.claims.models import Claim
from dealtracker.claims.queries import source_list_rows
from dealtracker.concurrency import Gone
from dealtracker.desk.htmx import is_partial
from dealtracker.desk.paging import paginate
from dealtracker.sources import queries as source_queries
from dealtracker.sources import services
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.documents import DOCUMENT_FORMATS
from dealtracker.sources.extract import ExtractError, format_for_filename
from dealtracker.sources.fetch import FetchError
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.tasks.models import Job
from dealtracker.tasks.services import job_enqueue

from .. import change_history, intake
from ..access import permission_required, reader_required
from ..answers import Confirm, ask, confirmed, error_page, gone_message
from ..camefrom import came_from
from ..forms.sources import SourceFilterForm, SourceNewForm, SourceReviseForm
from ..suggesting import suggest_after_save
from ..work import DOCUMENT_READ, READ_KINDS, SOURCE_FETCH, SOURCE_REVISE, revision_saved

SOURCES_PER_PAGE = 25
HISTORY_PER_PAGE = 50
OUTCOMES_PER_PAGE = 100

FROM_MARKUP = intake.FROM_MARKUP
DETAIL_FIELDS = ("title", "kind", "outlet", "author", "attribution", "published_on", "language")


# --- the sources list -------------------------------------------------------------


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def source_list(request: HttpRequest) -> HttpResponse:
    """Every source, newest first, filtered by kind, language, outlet and words."""
    form = SourceFilterForm(
        request.GET,
        languages=source_queries.source_languages(),
        outlets=source_queries.source_outlets(),
    )
    form.is_valid()
    filters = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    rows, sources = source_list_rows(
        user=request.user,
        kind=filters.get("kind"),
        language=filters.get("language"),
        outlet=filters.get("outlet"),
        q=filters.get("q"),
    )
    paging = paginate(request, rows, SOURCES_PER_PAGE, counted=sources)
    context = {
        "form": form,
        "paging": paging,
        "notices": [
            f"The filter “{name}” was ignored: {'; '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        ],
    }
    template = "desk/source_list.html"
    if is_partial(request):
        template += "#source-list"
    return render(request, template, context)


# --- adding a source --------------------------------------------------------------


def _document_from(form: SourceNewForm, action: str):
    """The extracted document for this request, or None when the text was pasted."""
    upload = form.cleaned_data.get("upload")
    if upload:
        return intake.file_document(
            intake.upload_read(upload),
            upload.name,
            declared_charset=getattr(upload, "charset", None),
        )
    url = form.cleaned_data.get("url")
    if _wants_fetch(form, action):
        if not url:
            raise ExtractError("Give the address (URL) to fetch.")
        return intake.url_document(url)
    return None


def _wants_fetch(form: SourceNewForm, action: str) -> bool:
    url = form.cleaned_data.get("url")
    return action == "fetch" or bool(url and not form.cleaned_data.get("text", "").strip())


def _prefilled(form: SourceNewForm, document) -> tuple[dict[str, Any], list[str]]:
    fields = {name: form.cleaned_data.get(name) for name in form.fields if name != "upload"}
    return intake.prefilled(fields, document)


def _render_new(
    request,
    form,
    *,
    status=200,
    duplicate=None,
    notice="",
    markup=(),
    refused=(),
    document=None,
) -> HttpResponse:
    context = {
        "form": form,
        "details": [form[name] for name in DETAIL_FIELDS],
        "duplicate": duplicate,
        "notice": notice,
        "max_bytes": settings.SOURCE_MAX_BYTES,
        "markup_found": list(markup),
        "markup_dropped": [r for r in refused if r],
        "came": came_from(request),
        "document_max_bytes": settings.DOCUMENT_MAX_BYTES,
        "document_max_pages": settings.DOCUMENT_MAX_PAGES,
        "document": document,
    }
    return render(request, "desk/source_new.html", context, status=status)


def _reading_queued(request: HttpRequest, form: SourceNewForm, action: str):
    """Queue the reading when it may outgrow the request; the job's page, or None to read
    inline.

    A PDF or Word file of more than TASKS_QUEUE_DOCUMENT_BYTES is read by a worker (its
    extraction may take up to DOCUMENT_EXTRACT_SECONDS); a URL is fetched by one when
    TASKS_QUEUE_FETCH is on. Smaller files and, by default, fetches stay inline: a fetch
    is bounded by SOURCE_FETCH_TIMEOUT (10 s), which a request bears, and the editor
    sees the text at once without a worker running. Either way, when done, the job's
    page leads to this form pre-filled (?job=<id>): nothing is saved until the editor
    confirms.
    """
    upload = form.cleaned_data.get("upload")
    fields = intake.json_values(
        {
            name: form.cleaned_data.get(name)
            for name in form.fields
            if name not in ("upload", "text", "document")
        }
    )
    if upload:
        if (
            format_for_filename(upload.name) not in DOCUMENT_FORMATS
            or upload.size <= settings.TASKS_QUEUE_DOCUMENT_BYTES
        ):
            return None
        kept = intake.upload_keep(upload, intake.upload_read(upload))
        job = job_enqueue(
            kind=DOCUMENT_READ,
            title=f"Reading “{upload.name}”",
            params={"file": kept, "filename": upload.name, "fields": fields},
            by=request.user,
        )
    elif settings.TASKS_QUEUE_FETCH and form.cleaned_data.get("url") and _wants_fetch(form, action):
        url = form.cleaned_data["url"]
        job = job_enqueue(
            kind=SOURCE_FETCH,
            title=f"Fetching {url}",
            params={"url": url, "fields": fields},
            by=request.user,
        )
    else:
        return None
    messages.info(
        request,
        "The reading is queued; this page shows how it goes, then leads to the text to check.",
    )
    return redirect(job.get_absolute_url())


def _render_read_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """The add-source form pre-filled with what a finished fetch or reading found; only
    for the editor who queued it."""
    job = (
        Job.objects.filter(
            pk=int(job_id) if job_id.isdigit() else 0,
            kind__in=READ_KINDS,
            status=Job.Status.DONE,
            created_by=request.user,
        ).first()
        if request.user.is_authenticated
        else None
    )
    if job is None:
        raise Http404("No finished reading of yours has this number.")
    data = dict(job.result.get("data") or {})
    if not data:
        # The file was already a source: the job's result is that source.
        return redirect(job.result_url or reverse("desk:source-new"))
    stored = None
    if data.get("document"):
        try:
            stored, _pages = intake.document_from_token(data["document"], data.get("text", ""))
        except ExtractError as exc:
            form = SourceNewForm(initial={"language": "en", **job.params.get("fields", {})})
            return _render_new(request, form, status=410, notice=str(exc))
    filled = job.result.get("filled", [])
    markup = [(label, data[name]) for name, label in FROM_MARKUP.items() if name in filled]
    return _render_found(
        request, data, markup=markup, refused=[job.result.get("refused", "")], stored=stored
    )


def _render_found(request: HttpRequest, data: dict, *, markup, refused, stored) -> HttpResponse:
    """What a fetch or a reading found, for the editor to check before saving, saying
    now whether it is already here."""
    duplicate = None
    if (data.get("text") or "").strip():
        duplicate = services.source_find_duplicate(
            url=data.get("url") or "", text_hash=text_hash(canonicalize(data["text"]))
        )
    return _render_new(
        request,
        SourceNewForm(initial=data),
        duplicate=duplicate,
        notice="Check the text and the details found in the document, then save.",
        markup=markup,
        refused=refused,
        document=stored,
    )


@require_http_methods(["GET", "POST"])
@permission_required("sources.add_source")
def source_new(request: HttpRequest) -> HttpResponse:
    """Add a source: paste, upload or fetch; check the pre-filled details; save."""
    if request.method == "GET":
        if "job" in request.GET:
            return _render_read_job(request, request.GET["job"])
        return _render_new(request, SourceNewForm(initial={"language": "en"}))
    came = came_from(request)

    form = SourceNewForm(request.POST, request.FILES)
    action = request.POST.get("action", "save")
    if not form.is_valid():
        status = 413 if form.too_large() else 422
        return _render_new(request, form, status=status)
    try:
        queued = _reading_queued(request, form, action)
        if queued is not None:
            return queued
        document = _document_from(form, action)
    except intake.SameFile as same:
        messages.info(request, f"This file is already here as source {same.source.pk}.")
        return redirect(same.source.get_absolute_url())
    except (ExtractError, FetchError) as exc:
        form.add_error("upload" if form.cleaned_data.get("upload") else "url", str(exc))
        status = 413 if "larger than the limit" in str(exc) else 422
        return _render_new(request, form, status=status)

    data, filled = _prefilled(form, document)
    markup = [(label, data[name]) for name, label in FROM_MARKUP.items() if name in filled]
    refused = [getattr(document, "refused_url", "")] if document is not None else []
    stored = getattr(document, "document", None)
    if stored is not None:
        data["document"] = intake.document_token(stored, document)
    if action in ("fetch", "read"):
        return _render_found(request, data, markup=markup, refused=refused, stored=stored)
    if markup:
        # A direct save of a file (or page) whose own markup named its address or
        # outlet: shown for the editor to confirm first, nothing stored yet.
        return _render_new(
            request,
            SourceNewForm(initial=data),
            notice="Not saved yet: check the details the document gave about itself, then save.",
            markup=markup,
            refused=refused,
            document=stored,
        )

    checked = SourceNewForm(data)
    checked.is_valid()
    if not data.get("text", "").strip():
        checked.add_error("text", "Paste the text, upload a file or give an address to fetch.")
    if not data.get("title"):
        checked.add_error("title", "A source needs a title.")
    if checked.errors:
        return _render_new(request, checked, status=413 if checked.too_large() else 422)

    page_starts: list[int] = []
    if data.get("document"):
        try:
            stored, page_starts = intake.document_from_token(data["document"], data["text"])
        except ExtractError as exc:
            checked.add_error("upload", str(exc))
            return _render_new(request, checked, status=422)
    copy_of = None
    if request.POST.get("copy_of", "").isdigit():
        copy_of = Source.objects.filter(pk=int(request.POST["copy_of"])).first()
    try:
        source = services.source_create(
            text=data["text"],
            title=data["title"],
            kind=data.get("kind") or Source.Kind.NEWS_REPORT,
            outlet=data.get("outlet") or "",
            author=data.get("author") or "",
            attribution=data.get("attribution") or "",
            url=data.get("url") or "",
            published_on=data.get("published_on"),
            language=data.get("language") or "en",
            copy_of=copy_of,
            document=stored,
            page_starts=page_starts,
            by=request.user,
        )
    except ValidationError as exc:
        checked.add_error("url" if exc.code == "bad_url" else "text", exc)
        return _render_new(request, checked, status=413 if "limit" in str(exc) else 422)
    except services.DuplicateSource as exc:
        duplicate = exc.duplicate
        if duplicate.kind == services.DuplicateKind.SAME:
            messages.info(request, duplicate.message)
            return redirect(duplicate.source.get_absolute_url())
        # Same URL with new text (offer a revision) or a wire copy (the editor decides).
        return _render_new(
            request, SourceNewForm(initial=data), status=409, duplicate=duplicate, document=stored
        )

    suggested = suggest_after_save(source)
    if source.duplicate_of_id:
        messages.success(
            request,
            f"Source added, flagged as a copy of source {source.duplicate_of_id}.{suggested}",
        )
    else:
        messages.success(request, f"Source added. Select a sentence to mark a passage.{suggested}")
    url = source.get_absolute_url()
    # The deal page the editor started from stays the context of the claims made here.
    return redirect(f"{url}?{urlencode({'from': came.path})}" if came else url)


# --- the original file ------------------------------------------------------------


@require_GET
@reader_required
def source_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF or Word file a source's text was read from, as it was uploaded.

    Readable by whoever may read the source (public visitors only in public-read
    mode). A PDF opens in the browser (so #page=3 works); a Word file downloads.
    """
    import base64

    from django.http import FileResponse

    source = get_object_or_404(Source.objects.only("id"), pk=pk)
    document = source_queries.original_document(source_id=source.pk)
    if document is None:
        raise Http404("This source has no original file.")
    try:
        handle = services.document_storage().open(document.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("The original file is missing from storage.") from None
    response = FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=not document.is_pdf,
        filename=document.filename,
    )
    response["Content-Length"] = str(document.size)
    # RFC 9530: the checksum shown on the source page, for whoever checks the download.
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- revising a source ------------------------------------------------------------


def _current_revision(source: Source) -> SourceRevision:
    revision = source.revisions.current()
    if revision is None:
        raise Http404("This source has no text.")
    return revision


@require_http_methods(["GET", "POST"])
@permission_required(
    "sources.change_source", "sources.add_sourcerevision", "sources.change_passage"
)
def source_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct or replace the text; on save, show how every passage was re-anchored."""
    source = Source.objects.filter(pk=pk).first()
    if source is None:
        return _source_gone(request, pk)
    current = _current_revision(source)
    context: dict[str, Any] = {"source": source, "current": current, "conflict": None, "notice": ""}
    status = 200
    if request.method == "GET":
        form = SourceReviseForm(initial={"text": source.text, "base_revision": current.number})
    elif request.POST.get("load"):
        # Text brought from the add-source page (same URL, new text): shown, not saved yet.
        form = SourceReviseForm(
            initial={
                "text": request.POST.get("text", ""),
                "base_revision": current.number,
                "note": request.POST.get("note", ""),
            }
        )
        context["notice"] = (
            "This is the new text from the same address. Check it and save it as a revision."
        )
    else:
        form = SourceReviseForm(request.POST)
        if not form.is_valid():
            too_large = any(e.code == "too_large" for e in form.errors.as_data().get("text", []))
            status = 413 if too_large else 422
        elif form.cleaned_data["base_revision"] != current.number:
            status = 409
            context["conflict"] = current
        elif source.passages.count() >= settings.TASKS_QUEUE_PASSAGES:
            # Re-anchoring this many passages can outgrow a request: the worker does it
            # and the editor watches the job's page.
            job = job_enqueue(
                kind=SOURCE_REVISE,
                title=f"Revision of “{source.title}” (source {source.pk})",
                params={
                    "source": source.pk,
                    "base_revision": current.number,
                    "text": form.cleaned_data["text"],
                    "note": form.cleaned_data["note"],
                },
                by=request.user,
            )
            messages.info(request, "The revision is queued; this page shows how it goes.")
            return redirect(job.get_absolute_url())
        else:
            try:
                outcome = services.source_revise(
                    source=source,
                    new_text=form.cleaned_data["text"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except Gone:
                context["gone"] = gone_message(
                    Source, source.pk, "source", unsaved="your text was not saved"
                )
                context["form"] = form
                context["passage_count"] = 0
                return render(request, "desk/source_revise.html", context, status=410)
            except ValidationError as exc:
                form.add_error("text", exc)
                status = 413 if "limit" in str(exc) else 422
            else:
                if outcome.unchanged:
                    context["notice"] = (
                        "The text is unchanged (after canonicalisation); no revision was made."
                    )
                else:
                    messages.success(request, revision_saved(outcome=outcome, by=request.user))
                    return redirect(outcome.revision.get_absolute_url())
    context["form"] = form
    context["passage_count"] = source.passages.count()
    return render(request, "desk/source_revise.html", context, status=status)


@require_GET
@reader_required
def source_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One revision's text, with how the passages were re-anchored when it was made."""
    source = get_object_or_404(Source.objects.defer("text", "search_vector"), pk=pk)
    revision = get_object_or_404(
        SourceRevision.objects.select_related("created_by"), source=source, number=number
    )
    revisions = list(source_queries.revision_numbers(source=source))
    outcomes = source_queries.reanchoring_outcomes(revision=revision)
    counts = source_queries.reanchoring_counts(revision=revision)
    paging = paginate(request, outcomes, OUTCOMES_PER_PAGE)
    context = {
        "source": source,
        "revision": revision,
        "revisions": revisions,
        "is_current": revisions and revisions[-1].number == revision.number,
        "paging": paging,
        "counts": counts,
        "counted": sum(counts.values()),
        "show_who": request.user.is_authenticated,
    }
    return render(request, "desk/source_revision.html", context)


# --- deleting a source ------------------------------------------------------------


def _source_gone(request: HttpRequest, pk: int) -> HttpResponse:
    """410 for a source deleted (saying by whom), 404 for one that never was."""
    if not Source.history.filter(id=pk).exists():
        raise Http404("No source at this address.")
    return error_page(
        request,
        status=410,
        title="Deleted meanwhile",
        message=gone_message(Source, pk, "source"),
        back_url=reverse("desk:source-list"),
    )


@require_POST
@permission_required("sources.delete_source")
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a source with its passages and revisions, after the editor confirms;
    refused (409) while evidence rests on them."""
    source = Source.objects.defer("text", "search_vector").filter(pk=pk).first()
    if source is None:
        return _source_gone(request, pk)
    if not confirmed(request):
        return ask(
            request,
            Confirm(
                question=f"Delete the source “{source.title}”?",
                detail=(
                    "Its revisions and passages go with it; its history is kept. "
                    "It is refused while claims rest on its passages."
                ),
                action=reverse("desk:source-delete", args=[source.pk]),
                button="Delete the source",
                cancel_url=reverse("desk:source-revise", args=[source.pk]),
            ),
        )
    try:
        services.source_delete(source=source)
    except services.SourceInUse as exc:
        return error_page(request, status=409, title="This source is in use", message=str(exc))
    except Gone:
        return _source_gone(request, pk)
    messages.success(request, f"Source “{source.title}” deleted. Its history is kept.")
    return redirect(reverse("desk:source-list"))


# --- history ----------------------------------------------------------------------


def _render_history(
    request, *, title: str, back_url: str, back_label: str, entries, obj=None, revisions=()
) -> HttpResponse:
    paging = paginate(request, entries, HISTORY_PER_PAGE)
    context = {
        "title": title,
        "back_url": back_url,
        "back_label": back_label,
        "paging": paging,
        "object": obj,
        "revisions": revisions,
    }
    return render(request, "desk/history.html", context)


@require_GET
@permission_required("claims.change_claim")
def claim_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on a claim and its evidence links, and when (deleted claims too)."""
    entries = change_history.claim_history(claim_pk=pk)
    if not entries:
        raise Http404("No claim has ever had this number.")
    claim = Claim.objects.filter(pk=pk).first()
    return _render_history(
        request,
        title=f"History of claim {pk}",
        back_url=claim.get_absolute_url() if claim else "",
        back_label=str(claim) if claim else "deleted claim",
        entries=entries,
        obj=claim,
    )


@require_GET
@permission_required("sources.change_source")
def source_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on a source (its details; the text's changes are its revisions)."""
    entries = change_history.source_history(source_pk=pk)
    if not entries:
        raise Http404("No source has ever had this number.")
    source = Source.objects.defer("text", "search_vector").filter(pk=pk).first()
    return _render_history(
        request,
        title=f"History of source {pk}",
        back_url=source.get_absolute_url() if source else "",
        back_label=source.title if source else "deleted source",
        entries=entries,
        obj=source,
        # The text's changes are its revisions: listed with who saved them and why.
        revisions=list(source_queries.revisions_newest_first(source_id=pk)),
    )


@require_GET
@permission_required("sources.change_passage")
def passage_history(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Who marked, re-anchored, edited or linked a passage, and when."""
    entries = change_history.passage_history(passage_pk=passage_pk)
    passage = (
        Passage.objects.filter(pk=passage_pk)
        .only("id", "source_id", "number", "quote", "start", "end")
        .first()
    )
    if not entries or (passage is not None and passage.source_id != pk):
        raise Http404("No passage of this source has ever had this number.")
    return _render_history(
        request,
        title=f"History of {passage.label}" if passage else f"History of passage {passage_pk}",
        back_url=passage.get_absolute_url()
        if passage
        else reverse("desk:source-detail", args=[pk]),
        back_label=str(passage) if passage else f"source {pk}",
        entries=entries,
        obj=passage,
    )
