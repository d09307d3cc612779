"""Suggested passages of a source revision, and the editors' decisions on them.

Suggestions are computed once per revision of a source's text (a
SuggestionRun marks that it was done, even when nothing was suggested) and
kept, so the reading view only reads them. An editor's decision (accepted,
dismissed) is kept on the row and carried to the same sentence in later
revisions, so a dismissed suggestion stays dismissed.

Not content tables of the page cache: no reading page shows suggestions (only
editors see them, and editors' pages are never cached), so dismissing one
does not invalidate everyone's cached pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from dealtracker.claims.models import ClaimCompliance, ClaimKind
from dealtracker.constraints import in_vocabulary
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.sources.models import Passage, Source, SourceRevision


class SuggestionRun(models.Model):
    """That a revision's suggestions were computed, with which version of the rules."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="suggestion_runs")
    revision = models.OneToOneField(
        SourceRevision, on_delete=models.CASCADE, related_name="suggestion_run"
    )
    rules_version = models.PositiveSmallIntegerField()
    suggested = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "-revision_id"]

    def __str__(self) -> str:
        return f"{self.revision}: {self.suggested} suggested (rules v{self.rules_version})"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "open"
    ACCEPTED = "accepted", "accepted"
    DISMISSED = "dismissed", "dismissed"


class Suggestion(models.Model):
    """One suggested sentence with what the rules guessed about it."""

    Status = SuggestionStatus

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="suggestions")
    revision = models.ForeignKey(
        SourceRevision, on_delete=models.CASCADE, related_name="suggestions"
    )
    # Code points into the revision's text, as passages count them.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    rank = models.PositiveIntegerField(help_text="1 is the best suggestion of its revision.")
    score = models.FloatField()
    # The guesses (a guess, never a claim: kept when what it names is deleted).
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parties: models.ManyToManyField[Party, SuggestedParty] = models.ManyToManyField(
        Party, through="SuggestedParty", related_name="+", blank=True
    )
    claimant = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ClaimKind.choices, default=ClaimKind.OTHER)
    compliance = models.CharField(max_length=12, choices=ClaimCompliance.choices, blank=True)
    statement = models.TextField(blank=True, help_text="A statement to start from.")
    attribution = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list, blank=True, help_text="Why, in words.")
    # The editor's decision.
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    passage = models.ForeignKey(
        Passage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The passage marked when it was accepted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["revision", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="suggestion_span_nonempty"
            ),
            models.CheckConstraint(
                condition=Exact(Length("sentence"), F("end") - F("start")),
                name="suggestion_sentence_matches_span",
            ),
            models.UniqueConstraint(
                fields=["revision", "start", "end"], name="suggestion_once_per_span"
            ),
            in_vocabulary("status", SuggestionStatus, "suggestion_status_valid"),
            in_vocabulary("kind", ClaimKind, "suggestion_kind_valid"),
            # As on claims: a compliance guess carries a compliance, nothing else does.
            models.CheckConstraint(
                condition=(
                    Q(kind="compliance", compliance__in=ClaimCompliance.values)
                    | (~Q(kind="compliance") & Q(compliance=""))
                ),
                name="suggestion_compliance_only_for_compliance_kind",
            ),
            # Decided means decided at some time; open means not decided yet.
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="suggestion_decided_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["revision", "status", "rank"], name="suggestion_list_idx"),
            # The decisions carried to a new revision are read by source.
            models.Index(
                fields=["source"], condition=~Q(status="open"), name="suggestion_decided_idx"
            ),
        ]

    def __str__(self) -> str:
        text = self.sentence if len(self.sentence) <= 70 else self.sentence[:67] + "…"
        return f"#{self.rank} “{text}” ({self.status})"


class SuggestedParty(models.Model):
    """A party a suggestion guessed, in order, with the words that named it."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="named")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    # The sentence's own spelling when it is not the party's name ("Isreal").
    written = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["suggestion", "position"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "party"], name="suggested_party_once"),
        ]

    def __str__(self) -> str:
        return f"{self.party} in {self.suggestion_id}"
