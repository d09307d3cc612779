"""Parties, deals, phases and clauses: what was agreed, by whom, and when."""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from dealtracker.constraints import in_vocabulary, not_before
from dealtracker.db.loaded import LoadedRows
from dealtracker.db.url_templates import fast_reverse
from dealtracker.text import SingleLineFields

from . import deadlines
from .loose_dates import DatePrecision, format_loose_date, period_end, precision_field


class PartyKind(models.TextChoices):
    STATE = "state", "state"
    ARMED_GROUP = "armed_group", "armed group"
    MEDIATOR = "mediator", "mediator"
    INTERNATIONAL_BODY = "international_body", "international body"
    OTHER = "other", "other actor"


class Party(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("name", "short_name", "aliases")
    Kind = PartyKind

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "parties"
        constraints = [in_vocabulary("kind", PartyKind, "party_kind_valid")]
        indexes = [
            models.Index(fields=["kind"], name="party_kind_idx"),
            # The parties list's order: its first page read from here, not 20,000 names
            # sorted (the scale-10 archive) for every visit.
            models.Index(fields=["name", "id"], name="party_name_order_idx"),
            # Misspelled names are found by trigram similarity (pg_trgm).
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="party_name_trgm"),
            GinIndex(fields=["short_name"], opclasses=["gin_trgm_ops"], name="party_short_trgm"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:party-detail", kwargs={"slug": self.slug})

    @property
    def label(self) -> str:
        return self.short_name or self.name


class DealStatus(models.TextChoices):
    PROPOSED = "proposed", "proposed"
    AGREED = "agreed", "agreed"
    IN_FORCE = "in_force", "in force"
    SUSPENDED = "suspended", "suspended"
    COLLAPSED = "collapsed", "collapsed"
    CONCLUDED = "concluded", "concluded"
    SUPERSEDED = "superseded", "superseded"


# A deal in one of these is over: nothing more is expected of its parties, so its
# unmet terms are its record, not overdue (see Deal.is_over).
DEAL_OVER_STATUSES = (DealStatus.CONCLUDED, DealStatus.SUPERSEDED, DealStatus.COLLAPSED)


class DealPurpose(models.TextChoices):
    HUMANITARIAN = "humanitarian", "humanitarian"
    PEACE_PROCESS = "peace_process", "peace process"
    HOLIDAY = "holiday", "holiday"
    ELECTION = "election", "election"
    OTHER = "other", "other"


class DealStage(models.TextChoices):
    PRELIMINARY = "preliminary", "preliminary"
    DEFINITIVE = "definitive", "definitive"


class DealForm(models.TextChoices):
    WRITTEN = "written", "written"
    VERBAL = "verbal", "verbal"


class DealMechanism(models.TextChoices):
    MONITORING = "monitoring", "monitoring"
    VERIFICATION = "verification", "verification"
    SEPARATION_OF_FORCES = "separation_of_forces", "separation of forces"
    COMPLAINTS_PROCEDURE = "complaints_procedure", "complaints procedure"
    JOINT_COMMITTEE = "joint_committee", "joint committee"


class Deal(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("title",)
    Status = DealStatus

    Purpose = DealPurpose

    Stage = DealStage

    Form = DealForm

    Mechanism = DealMechanism

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    summary = models.TextField(blank=True)
    date_agreed = models.DateField(null=True, blank=True)
    date_agreed_precision = precision_field()
    parties: models.ManyToManyField[Party, DealParty] = models.ManyToManyField(
        Party, through="DealParty", related_name="deals"
    )
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    answers = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answered_by",
        help_text="The deal or proposal this one is a counter-proposal to.",
    )
    # The ceasefire facts conflict researchers code.
    purpose = models.CharField(max_length=15, choices=Purpose.choices, blank=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    form = models.CharField(max_length=8, choices=Form.choices, blank=True)
    mediated = models.BooleanField(null=True, blank=True)
    mechanisms = ArrayField(
        models.CharField(max_length=24, choices=Mechanism.choices), default=list, blank=True
    )
    declared_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # Internal: e.g. why a report's wording about this deal is ambiguous.
    editor_note = models.TextField(blank=True)
    language = models.CharField(max_length=12, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-date_agreed", "title", "id"]
        constraints = [
            in_vocabulary("status", DealStatus, "deal_status_valid"),
            models.CheckConstraint(
                condition=Q(purpose="")
                | Q(purpose__in=["humanitarian", "peace_process", "holiday", "election", "other"]),
                name="deal_purpose_valid",
            ),
            models.CheckConstraint(
                condition=Q(stage="") | Q(stage__in=["preliminary", "definitive"]),
                name="deal_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(form="") | Q(form__in=["written", "verbal"]), name="deal_form_valid"
            ),
            # Every mechanism is one of the vocabulary (array containment).
            models.CheckConstraint(
                condition=Q(
                    mechanisms__contained_by=[
                        "monitoring",
                        "verification",
                        "separation_of_forces",
                        "complaints_procedure",
                        "joint_committee",
                    ]
                ),
                name="deal_mechanisms_valid",
            ),
            in_vocabulary("date_agreed_precision", DatePrecision, "deal_date_precision_valid"),
            not_before("effective_on", "ended_on", "deal_ends_after_effect"),
            not_before("declared_on", "ended_on", "deal_ends_after_declared"),
            models.CheckConstraint(
                condition=~Q(supersedes=models.F("id")), name="deal_not_superseding_itself"
            ),
            models.CheckConstraint(
                condition=~Q(answers=models.F("id")), name="deal_not_answering_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="deal_status_idx"),
            models.Index(fields=["purpose"], name="deal_purpose_idx"),
            models.Index(fields=["stage"], name="deal_stage_idx"),
            models.Index(fields=["form"], name="deal_form_idx"),
            models.Index(fields=["mediated"], name="deal_mediated_idx"),
            GinIndex(fields=["mechanisms"], name="deal_mechanisms_gin"),
            models.Index(fields=["-date_agreed", "title", "id"], name="deal_order_idx"),
            models.Index(fields=["updated_at"], name="deal_updated_idx"),
            # The claims list's deal filter takes a title or slug in any case (iexact).
            models.Index(Upper("title"), name="deal_title_upper_idx"),
            models.Index(Upper("slug"), name="deal_slug_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return fast_reverse("desk:deal-detail", kwargs={"slug": self.slug})

    @property
    def date_agreed_display(self) -> str:
        return format_loose_date(self.date_agreed, self.date_agreed_precision)

    def is_over(self) -> bool:
        """Concluded, superseded or collapsed: its terms are no longer awaited, so none
        of them is overdue (the slipping list and the deal page agree on this)."""
        return self.status in DEAL_OVER_STATUSES


class DealPartyRole(models.TextChoices):
    SIGNATORY = "signatory", "signatory"
    MEDIATOR = "mediator", "mediator"
    GUARANTOR = "guarantor", "guarantor"
    OBSERVER = "observer", "observer"


class DealParty(LoadedRows, models.Model):
    Role = DealPartyRole

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="memberships")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.SIGNATORY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "role", "party__name"]
        verbose_name = "party to a deal"
        constraints = [
            models.UniqueConstraint(fields=["deal", "party", "role"], name="dealparty_unique_role"),
            in_vocabulary("role", DealPartyRole, "dealparty_role_valid"),
        ]
        indexes = [models.Index(fields=["party", "role"], name="dealparty_party_role_idx")]

    def __str__(self) -> str:
        return f"{self.party} — {self.get_role_display()} of {self.deal}"


class PhaseStatus(models.TextChoices):
    SCHEDULED = "scheduled", "scheduled"
    ACTIVE = "active", "active"
    COMPLETED = "completed", "completed"
    STALLED = "stalled", "stalled"
    ABANDONED = "abandoned", "abandoned"


class Phase(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("name",)
    Status = PhaseStatus

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    planned_start = models.DateField(null=True, blank=True)
    planned_start_precision = precision_field()
    planned_end = models.DateField(null=True, blank=True)
    planned_end_precision = precision_field()
    actual_start = models.DateField(null=True, blank=True)
    actual_start_precision = precision_field()
    actual_end = models.DateField(null=True, blank=True)
    actual_end_precision = precision_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "order"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "order"], name="phase_order_unique_in_deal"),
            models.CheckConstraint(condition=Q(order__gte=1), name="phase_order_positive"),
            in_vocabulary("status", PhaseStatus, "phase_status_valid"),
            not_before("planned_start", "planned_end", "phase_planned_end_after_start"),
            not_before("actual_start", "actual_end", "phase_actual_end_after_start"),
            in_vocabulary("planned_start_precision", DatePrecision, "phase_ps_precision_valid"),
            in_vocabulary("planned_end_precision", DatePrecision, "phase_pe_precision_valid"),
            in_vocabulary("actual_start_precision", DatePrecision, "phase_as_precision_valid"),
            in_vocabulary("actual_end_precision", DatePrecision, "phase_ae_precision_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="phase_status_idx")]

    def __str__(self) -> str:
        return f"{self.deal} — phase {self.order}: {self.name}"

    def get_absolute_url(self) -> str:
        return fast_reverse(
            "desk:phase-detail", kwargs={"slug": self.deal.slug, "order": self.order}
        )

    @property
    def start(self):
        """The start to reckon with: actual when known, else planned."""
        return self.actual_start or self.planned_start

    @property
    def end(self):
        return self.actual_end or self.planned_end

    def is_overdue(self, today: dt.date) -> bool:
        """Still open after its planned end: no actual end recorded, neither completed nor
        abandoned, and the last day of its planned end (a loose date lasts to the end of
        its period) is before today."""
        if self.actual_end is not None or self.planned_end is None:
            return False
        if self.status in (PhaseStatus.COMPLETED, PhaseStatus.ABANDONED):
            return False
        return period_end(self.planned_end, self.planned_end_precision) < today


class ClauseCategory(models.TextChoices):
    HOSTILITIES = "hostilities", "hostilities"
    WITHDRAWAL = "withdrawal", "withdrawal"
    HOSTAGES_PRISONERS = "hostages_prisoners", "hostages and prisoners"
    HUMANITARIAN = "humanitarian", "humanitarian access"
    GOVERNANCE = "governance", "governance"
    SECURITY = "security", "security and disarmament"
    NEGOTIATIONS = "negotiations", "negotiations"
    MONITORING = "monitoring", "monitoring"
    OTHER = "other", "other"


class ClauseDelayUnit(models.TextChoices):
    HOURS = "hours", "hours"
    DAYS = "days", "days"


class ClauseDelayAnchor(models.TextChoices):
    PHASE_START = "start", "after the start of"
    PHASE_END = "end", "after the end of"


class Clause(LoadedRows, SingleLineFields, models.Model):
    # Stored as one line, without control or bidi-override characters (dealtracker/text.py).
    single_line_fields = ("title",)
    Category = ClauseCategory

    DelayUnit = ClauseDelayUnit

    DelayAnchor = ClauseDelayAnchor

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="clauses")
    phase = models.ForeignKey(
        Phase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clauses",
        help_text="Empty for a deal-wide term.",
    )
    reference = models.CharField(max_length=20, help_text="e.g. 2.1 — letters, digits, . and -")
    position = models.PositiveIntegerField(default=0, help_text="Order within the deal.")
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    obliged_parties = models.ManyToManyField(Party, related_name="obligations", blank=True)
    # Deadline: a (loose) date, or a delay after the start or end of a phase.
    deadline_date = models.DateField(null=True, blank=True)
    deadline_date_precision = precision_field()
    deadline_delay = models.PositiveIntegerField(null=True, blank=True)
    deadline_delay_unit = models.CharField(max_length=5, choices=DelayUnit.choices, blank=True)
    deadline_anchor = models.CharField(max_length=5, choices=DelayAnchor.choices, blank=True)
    deadline_phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=12, default="en")
    search_vector = SearchVectorField(null=True, editable=False)
    # The last day of the due date (due_date().date), kept by the database's triggers
    # (deals/due_sql.py) when the clause or its phases change; null: never due. For
    # finding overdue terms in order (claims/slipping.py); pages show due_date().
    due_on = models.DateField(null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=["search_vector", "due_on"], m2m_fields=[obliged_parties]
    )

    class Meta:
        ordering = ["deal", "position", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "reference"], name="clause_reference_unique_in_deal"
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^[A-Za-z0-9.-]+$"), name="clause_reference_url_safe"
            ),
            in_vocabulary("category", ClauseCategory, "clause_category_valid"),
            in_vocabulary(
                "deadline_date_precision", DatePrecision, "clause_deadline_precision_valid"
            ),
            # Either no deadline, an absolute date, or a complete relative delay.
            models.CheckConstraint(
                condition=(
                    Q(
                        deadline_delay__isnull=True,
                        deadline_delay_unit="",
                        deadline_anchor="",
                        deadline_phase__isnull=True,
                    )
                    | Q(
                        deadline_date__isnull=True,
                        deadline_delay__isnull=False,
                        deadline_delay_unit__in=["hours", "days"],
                        deadline_anchor__in=["start", "end"],
                        deadline_phase__isnull=False,
                    )
                ),
                name="clause_deadline_date_or_delay",
            ),
        ]
        indexes = [
            models.Index(fields=["category"], name="clause_category_idx"),
            GinIndex(fields=["search_vector"], name="clause_search_gin"),
            # Overdue terms, most overdue first (claims/slipping.py).
            models.Index(
                fields=["due_on", "deal"],
                name="clause_due_on_idx",
                condition=Q(due_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return fast_reverse(
            "desk:clause-detail", kwargs={"slug": self.deal.slug, "ref": self.reference}
        )

    def due_date(self) -> deadlines.DueDate:
        """When the term falls due and on what it rests (deals/deadlines.py). Load
        `phase` and `deadline_phase` with the clause: this runs no query then."""
        return deadlines.clause_due_date(self)

    def is_due(self, on: dt.date) -> bool:
        """Whether the term has fallen due by that day (its due date is that day or earlier)."""
        return deadlines.is_due(self, on)
