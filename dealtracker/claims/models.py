"""Claims (what others say), evidence (the passages they rest on) and
assessments (what the newsroom itself concludes). The two are never mixed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dealtracker.constraints import in_vocabulary
from dealtracker.db.loaded import LoadedRows
from dealtracker.db.url_templates import fast_reverse
from dealtracker.deals.loose_dates import DatePrecision, format_loose_date, precision_field
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.history import ArchiveHistory
from dealtracker.identity import uid_field
from dealtracker.sources.models import Passage, Source
from dealtracker.text import SingleLineFields


class ClaimKind(models.TextChoices):
    COMPLIANCE = "compliance", "compliance"
    OFFER = "offer", "offer or position"
    DEMAND = "demand", "demand"
    FIGURE = "figure", "figure"
    OTHER = "other", "other"


class ClaimCompliance(models.TextChoices):
    COMPLIED = "complied", "complied"
    PARTLY = "partly", "partly complied"
    NOT_COMPLIED = "not_complied", "not complied"
    NOT_YET_DUE = "not_yet_due", "not yet due"
    UNCLEAR = "unclear", "unclear"


class ClaimVerification(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"
    CORROBORATED = "corroborated", "corroborated"
    DISPUTED = "disputed", "disputed"
    REFUTED = "refuted", "refuted"


class Claim(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("statement", "attribution")
    Kind = ClaimKind

    Compliance = ClaimCompliance

    Verification = ClaimVerification

    uid = uid_field()
    statement = models.TextField(help_text="What is claimed, in the editor's words.")
    claimant = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_made"
    )
    attribution = models.CharField(
        max_length=500, blank=True, help_text="Who says it, e.g. “a senior Palestinian official”."
    )
    subjects = models.ManyToManyField(Party, blank=True, related_name="claims_about")
    # No index of its own: the deal lists' indexes (migrations 0005 and later) start with it.
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    compliance = models.CharField(max_length=12, choices=Compliance.choices, blank=True)
    made_on = models.DateField(null=True, blank=True)
    made_on_precision = precision_field()
    verification = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=12, default="en")
    # Optimistic concurrency: a save must name the version it was read at.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)

    history = ArchiveHistory(excluded_fields=["search_vector"], m2m_fields=[subjects])

    class Meta:
        ordering = ["-made_on", "-id"]
        constraints = [
            in_vocabulary("kind", ClaimKind, "claim_kind_valid"),
            in_vocabulary("verification", ClaimVerification, "claim_verification_valid"),
            in_vocabulary("made_on_precision", DatePrecision, "claim_date_precision_valid"),
            # A compliance claim asserts a compliance; no other kind does.
            models.CheckConstraint(
                condition=(
                    Q(kind="compliance", compliance__in=ClaimCompliance.values)
                    | (~Q(kind="compliance") & Q(compliance=""))
                ),
                name="claim_compliance_only_for_compliance_kind",
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="claim_published_has_time",
            ),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_nonempty"),
        ]
        indexes = [
            models.Index(fields=["-made_on", "-id"], name="claim_order_idx"),
            models.Index(fields=["kind"], name="claim_kind_idx"),
            models.Index(fields=["compliance"], name="claim_compliance_idx"),
            models.Index(fields=["verification"], name="claim_verification_idx"),
            models.Index(
                fields=["is_published", "-made_on", "-id"], name="claim_published_order_idx"
            ),
            models.Index(fields=["updated_at"], name="claim_updated_idx"),
            GinIndex(fields=["search_vector"], name="claim_search_gin"),
        ]

    def __str__(self) -> str:
        text = self.statement if len(self.statement) <= 80 else self.statement[:77] + "…"
        return text

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:claim-detail", kwargs={"pk": self.pk})

    @property
    def made_on_display(self) -> str:
        return format_loose_date(self.made_on, self.made_on_precision)

    @property
    def claimed_by(self) -> str:
        """Who claims it, as a reader should see it."""
        # No query when claimant_id is None.
        claimant = self.claimant
        if claimant is not None and self.attribution:
            return f"{self.attribution} ({claimant.label})"
        if claimant is not None:
            return claimant.name
        return self.attribution or "unattributed"


class MatrixCount(LoadedRows, models.Model):
    """How many claims count in one cell of a compliance matrix (clause, party), by
    asserted compliance, published or draft, refuted or not, with the key of the latest
    one ("YYYY-MM-DD|claim id"). Kept by triggers (claims/matrix_sql.py), never written
    by the application: the matrix reads a few rows per cell instead of every claim."""

    clause_id = models.BigIntegerField()
    party_id = models.BigIntegerField()
    compliance = models.CharField(max_length=20)
    is_published = models.BooleanField()
    refuted = models.BooleanField()
    n = models.IntegerField()
    latest = models.CharField(max_length=24)

    class Meta:
        # One row per cell and kind of count: the triggers add to it (ON CONFLICT), and
        # its leading columns find a cell's rows.
        constraints = [
            models.UniqueConstraint(
                fields=["clause_id", "party_id", "compliance", "is_published", "refuted"],
                name="matrixcount_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clause_id}×{self.party_id} {self.compliance}: {self.n}"


class DealComplianceCount(LoadedRows, models.Model):
    """How many compliance claims count for one deal, by asserted compliance, published
    or draft, refuted or not. Kept by triggers (claims/deal_count_sql.py), never written
    by the application: the home page and the deals list read a few rows per deal
    instead of every claim of the deal."""

    deal_id = models.BigIntegerField()
    compliance = models.CharField(max_length=20)
    is_published = models.BooleanField()
    refuted = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deal_id", "compliance", "is_published", "refuted"],
                name="dealcompliancecount_key",
            )
        ]

    def __str__(self) -> str:
        return f"deal {self.deal_id} {self.compliance}: {self.n}"


class DealClaimActivity(LoadedRows, models.Model):
    """When a deal's claims last changed: the newest updated_at of its claims, and of its
    published ones (NULL when it has none). Kept by triggers (claims/activity_sql.py),
    never written by the application: the deal lists order by it without reading the
    claims of every deal."""

    # No foreign key constraint, so the triggers never wait on the deal's row. A deal is
    # deleted only without claims (PROTECT): its row here is left empty, and unread.
    deal = models.OneToOneField(
        Deal,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="claim_activity",
    )
    latest_change = models.DateTimeField(null=True)
    latest_published_change = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"deal {self.deal_id}: {self.latest_change}"


class EvidenceRelation(models.TextChoices):
    STATES = "states", "states"
    SUPPORTS = "supports", "supports"
    DISPUTES = "disputes", "disputes"
    CONTEXT = "context", "context"


class Evidence(LoadedRows, models.Model):
    """A claim resting on a passage."""

    Relation = EvidenceRelation

    # No index of its own: evidence_once_per_passage (claim, passage) serves it.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="evidence", db_index=False
    )
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="evidence")
    relation = models.CharField(max_length=10, choices=Relation.choices, default=Relation.STATES)
    note = models.TextField(blank=True, help_text="Internal: never shown to public visitors.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = ArchiveHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["claim", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["claim", "passage"], name="evidence_once_per_passage"),
            in_vocabulary("relation", EvidenceRelation, "evidence_relation_valid"),
        ]

    def __str__(self) -> str:
        # Readable where the admin lists what still rests on a passage.
        return f"{self.claim} — {self.get_relation_display()} — {self.passage}"

    def get_absolute_url(self) -> str:
        return (
            fast_reverse("desk:claim-detail", kwargs={"pk": self.claim_id}) + f"#evidence-{self.pk}"
        )


class VerificationChange(LoadedRows, models.Model):
    """A change of a claim's verification status, with the editor's short note."""

    uid = uid_field()
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verification_changes")
    from_status = models.CharField(max_length=12, choices=Claim.Verification.choices)
    to_status = models.CharField(max_length=12, choices=Claim.Verification.choices)
    note = models.TextField(help_text="Internal: never shown to public visitors.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    # Kept so that a deleted claim can be restored with its verification notes.
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "-changed_at", "-id"]
        constraints = [
            in_vocabulary("from_status", Claim.Verification, "verification_change_from_valid"),
            in_vocabulary("to_status", Claim.Verification, "verification_change_to_valid"),
            models.CheckConstraint(condition=~Q(note=""), name="verification_change_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class AssessmentLevel(models.TextChoices):
    NOT_STARTED = "not_started", "not started"
    MINIMAL = "minimal", "minimal"
    INTERMEDIATE = "intermediate", "intermediate"
    FULL = "full", "full"


class Assessment(LoadedRows, models.Model):
    """The newsroom's dated judgement of how far one party has carried out one clause."""

    Level = AssessmentLevel

    uid = uid_field()
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="assessments")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    level = models.CharField(max_length=12, choices=Level.choices)
    rationale = models.TextField()
    claims = models.ManyToManyField(Claim, blank=True, related_name="assessments")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[claims])

    class Meta:
        ordering = ["clause", "party", "-assessed_on", "-id"]
        constraints = [
            in_vocabulary("level", AssessmentLevel, "assessment_level_valid"),
            models.CheckConstraint(condition=~Q(rationale=""), name="assessment_has_rationale"),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="assessment_published_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clause", "party", "-assessed_on", "-id"], name="assessment_latest_idx"
            ),
            models.Index(fields=["party", "-assessed_on"], name="assessment_party_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.party} on {self.clause}: {self.get_level_display()} ({self.assessed_on})"

    def get_absolute_url(self) -> str:
        return self.clause.get_absolute_url() + f"#assessment-{self.pk}"


# --- agreements: a deal's own text, and its clauses anchored in it ---------------------
# Here, not in deals or sources: those two know nothing of each other.


class AgreementRole(models.TextChoices):
    SIGNED_TEXT = "signed_text", "signed text"
    TRANSLATION = "translation", "unofficial translation"
    AMENDMENT = "amendment", "amendment"
    SUMMARY = "summary", "summary (not the official text)"


class AgreementText(LoadedRows, models.Model):
    """A source that is (a version of) a deal's own text: the signed text, a translation, ..."""

    Role = AgreementRole

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="agreement_texts")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="agreement_texts")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.SIGNED_TEXT)
    position = models.PositiveIntegerField(default=0, help_text="Order among the deal's texts.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    single_line_fields = ("title",)

    class Meta:
        ordering = ["deal", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "source"], name="agreement_text_once_per_deal"),
            in_vocabulary("role", AgreementRole, "agreement_text_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.get_role_display()} — {self.source}"

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:deal-agreement", kwargs={"slug": self.deal.slug})


class ClauseAnchor(LoadedRows, models.Model):
    """A clause's verbatim text: a passage of the deal's agreement text.

    The passage is re-anchored through the source's revisions as evidence is;
    the clause's own text field is set to its quote when anchored.
    """

    clause = models.OneToOneField(Clause, on_delete=models.CASCADE, related_name="anchor")
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="clause_anchors")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["clause", "id"]

    def __str__(self) -> str:
        return f"{self.clause.reference} — {self.passage}"

    def get_absolute_url(self) -> str:
        return self.clause.get_absolute_url()


class ClauseProposalStatus(models.TextChoices):
    PENDING = "pending", "to review"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class ClauseProposal(LoadedRows, SingleLineFields, models.Model):
    """A clause proposed from an imported agreement's numbered article or paragraph.

    It becomes a clause only when an editor accepts it (after editing its
    reference and title if need be); its passage is marked at import, so it
    follows the text's revisions until then.
    """

    Status = ClauseProposalStatus

    uid = uid_field()
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="clause_proposals")
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="clause_proposals")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "position", "id"]
        constraints = [
            in_vocabulary("status", ClauseProposalStatus, "clause_proposal_status_valid"),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^[A-Za-z0-9.-]+$"),
                name="clause_proposal_reference_url_safe",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(clause__isnull=False),
                name="clause_proposal_accepted_has_clause",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deal", "position"],
                condition=Q(status="pending"),
                name="clause_proposal_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return (
            fast_reverse("desk:deal-agreement", kwargs={"slug": self.deal.slug})
            + f"#proposal-{self.pk}"
        )
