"""Sources (the reports claims come from), every revision of their text, and passages.

Offsets are Unicode code points into a revision's canonical text (see
canonical.py), as the W3C TextPositionSelector and Python strings count.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from simple_history.models import HistoricalRecords

from dealtracker.constraints import in_vocabulary
from dealtracker.db.loaded import LoadedRows
from dealtracker.db.url_templates import fast_reverse
from dealtracker.history import ArchiveHistory
from dealtracker.identity import uid_field
from dealtracker.text import SingleLineFields

from .documents import page_at

# Characters of context kept before and after a quote (TextQuoteSelector).
CONTEXT_CHARS = 32

RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "yi", "ckb", "dv", "sd", "ug"}


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", "news report"
    OFFICIAL_STATEMENT = "official_statement", "official statement"
    AGREEMENT_TEXT = "agreement_text", "agreement text"
    NGO_REPORT = "ngo_report", "NGO report"
    TRANSCRIPT = "transcript", "transcript"
    SOCIAL_POST = "social_post", "social post"


class Source(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("title", "outlet", "author", "attribution")
    Kind = SourceKind

    uid = uid_field()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS_REPORT)
    title = models.CharField(max_length=500)
    outlet = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    # Who the report credits, e.g. "a senior Palestinian official, via The Times of Israel".
    attribution = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(
        max_length=12, default="en", help_text="BCP 47 code, e.g. en, ar, he"
    )
    # The current revision's canonical text, kept here for reading and search.
    text = models.TextField()
    text_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical text")
    # Flags a wire copy: the same text as another source under another URL.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The highest passage number given out on this source: labels (P1, P2, ...) are
    # never given twice, not even after a passage is deleted. Kept by the database
    # (migration 0007): it counts every writer, and it never goes down.
    last_passage_number = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    history = ArchiveHistory(excluded_fields=["search_vector", "updated_at", "last_passage_number"])

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            in_vocabulary("kind", SourceKind, "source_kind_valid"),
            # Same URL twice is a revision, never a second source.
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="source_text_nonempty"),
        ]
        indexes = [
            models.Index(fields=["text_hash"], name="source_text_hash_idx"),
            models.Index(fields=["kind"], name="source_kind_idx"),
            models.Index(fields=["language"], name="source_language_idx"),
            models.Index(fields=["-published_on", "-id"], name="source_order_idx"),
            models.Index(fields=["outlet"], name="source_outlet_idx"),
            GinIndex(fields=["search_vector"], name="source_search_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.outlet})" if self.outlet else self.title

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:source-detail", kwargs={"pk": self.pk})

    @property
    def is_rtl(self) -> bool:
        return self.language.split("-")[0].lower() in RTL_LANGUAGES


class SourceRevisionQuerySet(models.QuerySet):
    def current(self):
        """The current revision, the one whose text the source shows now: the highest
        number (None when there is none). The one lookup of it: chain it after
        `source.revisions` or `.only(...)`; `current_value` for one of its fields."""
        return self.order_by("-number").first()

    def current_value(self, field: str):
        """One field of the current revision (None when there is none)."""
        return self.order_by("-number").values_list(field, flat=True).first()


class SourceRevision(LoadedRows, models.Model):
    """One version of a source's canonical text. Revision 1 is the text as it came in."""

    # No index of its own: revision_number_unique (source, number) serves it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField()
    text = models.TextField()
    text_hash = models.CharField(max_length=64)
    note = models.TextField(blank=True, help_text="Why the text was revised.")
    # For text from a paged document (PDF, Word): the offset where page i + 1
    # begins, page_starts[0] == 0. Empty: the text has no pages.
    # db_default: rows written without it (COPY by the archive generator, raw SQL) have no pages.
    page_starts = ArrayField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        db_default=models.Value([], output_field=ArrayField(models.PositiveIntegerField())),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Kept so that a deleted source can be restored with every revision (claims' restore).
    history = ArchiveHistory()

    objects = SourceRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["source", "number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(page_starts=[]) | Q(page_starts__0=0),
                name="revision_pages_start_at_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} — revision {self.number}"

    def get_absolute_url(self) -> str:
        return fast_reverse(
            "desk:source-revision", kwargs={"pk": self.source_id, "number": self.number}
        )

    def page_at(self, offset: int) -> int | None:
        """The page of the original document the character at offset is on (None: no pages)."""
        return page_at(self.page_starts, offset)


class SourceDocument(LoadedRows, SingleLineFields, models.Model):
    """The original file (PDF, Word) a source's text was read from, kept as it came.

    Stored through Django's storage API (STORAGES["documents"]) under its
    SHA-256, so the same file uploaded twice is one file and one source.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="documents")
    # The revision whose text was read from this file.
    revision = models.ForeignKey(
        SourceRevision, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    storage_name = models.CharField(max_length=300, help_text="Name in the documents storage.")
    filename = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64, unique=True)
    page_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Kept so that a deleted source can be restored with its original.
    history = HistoricalRecords()
    # The uploaded file's name is shown on the source page.
    single_line_fields = ("filename",)

    class Meta:
        ordering = ["source", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_hex"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size:,} bytes)"

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:source-document", kwargs={"pk": self.source_id})

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class PassageAnchorStatus(models.TextChoices):
    ANCHORED = "anchored", "anchored"
    MOVED = "moved", "moved"
    CHANGED = "changed", "changed"
    ORPHANED = "orphaned", "orphaned"


def passage_label(number: int) -> str:
    """How a passage is named wherever it is shown (reading view, revision page, review
    queue, history): "P7". Passage.label; the number is fixed when it is marked."""
    return f"P{number}"


class Passage(LoadedRows, models.Model):
    AnchorStatus = PassageAnchorStatus

    uid = uid_field()
    # No index of its own: passage_number_unique and passage_span_idx start with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="passages", db_index=False
    )
    # Its label's number (P7): given by the database when the passage is inserted
    # (1 + the source's last_passage_number; 0 here means "not numbered yet") and never
    # changed, so no label moves when another passage is marked earlier in the text.
    number = models.PositiveIntegerField(db_default=0, editable=False)
    # Offsets into revision_anchored's text (for an orphaned passage: the last
    # revision it matched).
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    revision_made = models.ForeignKey(
        SourceRevision, on_delete=models.PROTECT, related_name="passages_made"
    )
    revision_anchored = models.ForeignKey(
        SourceRevision, on_delete=models.PROTECT, related_name="passages_anchored"
    )
    anchor_status = models.CharField(
        max_length=10, choices=AnchorStatus.choices, default=AnchorStatus.ANCHORED
    )
    # Set when re-anchoring was not certain (fuzzy match, changed words).
    needs_review = models.BooleanField(default=False)
    # The wording before the last re-anchoring changed it (for "changed").
    previous_quote = models.TextField(blank=True)
    note = models.TextField(blank=True, help_text="Internal: never shown to public visitors.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)

    history = ArchiveHistory(excluded_fields=["search_vector", "updated_at"])

    class Meta:
        ordering = ["source", "start", "end", "id"]
        constraints = [
            # end <= length of the revision's text is checked by a trigger
            # (it needs the revision row); see migration sources 0002.
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="passage_nonempty"
            ),
            models.CheckConstraint(
                condition=Exact(Length("quote"), F("end") - F("start")),
                name="passage_quote_matches_span",
            ),
            in_vocabulary("anchor_status", PassageAnchorStatus, "passage_anchor_status_valid"),
            # One label per passage of a source; a trigger (migration 0007) numbers new
            # passages and refuses to renumber one.
            models.UniqueConstraint(fields=["source", "number"], name="passage_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="passage_number_positive"),
        ]
        indexes = [
            models.Index(fields=["source", "start", "end"], name="passage_span_idx"),
            models.Index(fields=["anchor_status"], name="passage_status_idx"),
            models.Index(
                fields=["needs_review"], condition=Q(needs_review=True), name="passage_review_idx"
            ),
            GinIndex(fields=["search_vector"], name="passage_search_gin"),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:57] + "…"
        return f"“{quote}”"

    def get_absolute_url(self) -> str:
        return (
            fast_reverse("desk:source-detail", kwargs={"pk": self.source_id})
            + f"#passage-{self.pk}"
        )

    @property
    def label(self) -> str:
        """ "P7": the name the reading view, the revision page and the review queue show."""
        return passage_label(self.number)

    @property
    def is_detached(self) -> bool:
        """Orphaned and checked by an editor: taken off the text on purpose (review.py)."""
        return self.anchor_status == PassageAnchorStatus.ORPHANED and not self.needs_review

    @property
    def page(self) -> int | None:
        """The page of the original document the passage starts on (None: the text has no pages).

        Reads revision_anchored.page_starts: querysets that show pages select it
        (with its text deferred)."""
        return self.revision_anchored.page_at(self.start)


class Reanchoring(LoadedRows, models.Model):
    """The outcome of re-anchoring one passage when its source's text was revised."""

    uid = uid_field()
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="reanchorings")
    from_revision = models.ForeignKey(SourceRevision, on_delete=models.CASCADE, related_name="+")
    to_revision = models.ForeignKey(
        SourceRevision, on_delete=models.CASCADE, related_name="reanchorings"
    )
    status = models.CharField(max_length=10, choices=PassageAnchorStatus.choices)
    # How the anchoring module found it (exact, diff, fuzzy, ...) and how sure it was.
    method = models.CharField(max_length=40, blank=True)
    score = models.FloatField(default=0.0)
    needs_review = models.BooleanField(default=False)
    old_start = models.PositiveIntegerField()
    old_end = models.PositiveIntegerField()
    old_quote = models.TextField()
    new_start = models.PositiveIntegerField(null=True, blank=True)
    new_end = models.PositiveIntegerField(null=True, blank=True)
    new_quote = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["to_revision", "passage", "id"]
        constraints = [
            in_vocabulary("status", PassageAnchorStatus, "reanchoring_status_valid"),
            # An orphaned passage has no new span; every other outcome has one.
            models.CheckConstraint(
                condition=(
                    Q(status="orphaned", new_start__isnull=True, new_end__isnull=True)
                    | (
                        ~Q(status="orphaned")
                        & Q(new_start__isnull=False, new_end__gt=F("new_start"))
                    )
                ),
                name="reanchoring_span_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["passage", "-id"], name="reanchoring_passage_idx"),
        ]

    def __str__(self) -> str:
        return f"passage {self.passage_id}: {self.status} in revision {self.to_revision_id}"
