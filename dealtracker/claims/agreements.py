"""A deal's own text: its agreement sources, clauses anchored in them, and clauses proposed from them.

Deals and sources know nothing of each other, so the links live here: a deal's
agreement texts (AgreementText), a clause's verbatim words as a passage of one
of them (ClauseAnchor), and the clauses an import proposes from the text's
numbered articles and paragraphs (ClauseProposal) until an editor accepts them.

A clause's verbatim text is a Passage, so it is re-anchored through the
source's revisions exactly as evidence is; the clause's own `text` field is
set to the passage's words when anchored and kept in step after a revision
(clause_texts_sync).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from dealtracker.db.statements import compiled_first
from dealtracker.deals.models import Clause, Deal, Phase
from dealtracker.history import credit
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import passage_mark

from .models import AgreementText, ClauseAnchor, ClauseProposal

REFERENCE = re.compile(r"^[A-Za-z0-9.-]{1,20}$")


# --- reads ------------------------------------------------------------------------


def agreement_texts(*, deal: Deal) -> QuerySet[AgreementText]:
    return (
        AgreementText.objects.filter(deal=deal)
        .select_related("source")
        .defer("source__text", "source__search_vector")
        .order_by("position", "id")
    )


def agreement_deals(*, source: Source) -> list[Deal]:
    """The deals whose agreement text this source is."""
    return list(
        Deal.objects.filter(agreement_texts__source=source).order_by("title", "id").distinct()
    )


def clauses_with_anchor(*, deal: Deal) -> QuerySet[Clause]:
    """A deal's clauses with their anchored passage (its revision's text left out)."""
    return (
        deal.clauses.select_related(
            "phase", "anchor__passage__source", "anchor__passage__revision_anchored"
        )
        .defer(
            "search_vector",
            "anchor__passage__search_vector",
            "anchor__passage__source__text",
            "anchor__passage__source__search_vector",
            "anchor__passage__revision_anchored__text",
        )
        .order_by("position", "reference")
    )


def clause_verbatim(*, clause: Clause) -> ClauseAnchor | None:
    """The clause's anchor with its passage, source and (text-less) revision, or None."""
    return compiled_first("claims.clause_verbatim", _clause_verbatim, clause_id=clause.pk)


def _clause_verbatim(*, clause_id: int) -> QuerySet[ClauseAnchor]:
    return (
        ClauseAnchor.objects.filter(clause_id=clause_id)
        .select_related("passage__source", "passage__revision_anchored")
        .defer(
            "passage__search_vector",
            "passage__source__text",
            "passage__source__search_vector",
            "passage__revision_anchored__text",
        )
    )


def clause_anchor_of(clause: Clause) -> ClauseAnchor | None:
    try:
        return clause.anchor
    except ClauseAnchor.DoesNotExist:
        return None


def is_anchored(clause: Clause) -> bool:
    """Whether the clause's words stand, unquestioned, in its agreement's current text."""
    anchor = clause_anchor_of(clause)
    if anchor is None:
        return False
    passage = anchor.passage
    return passage.anchor_status != Passage.AnchorStatus.ORPHANED and not passage.needs_review


def unanchored_clauses(*, deal: Deal) -> list[Clause]:
    """Clauses with no verbatim text, or whose passage lost or changed its place: for editors."""
    return [c for c in clauses_with_anchor(deal=deal) if not is_anchored(c)]


def pending_proposals(*, deal: Deal) -> QuerySet[ClauseProposal]:
    return (
        ClauseProposal.objects.filter(deal=deal, status=ClauseProposal.Status.PENDING)
        .select_related("passage__revision_anchored")
        .defer("passage__revision_anchored__text", "passage__search_vector")
        .order_by("position", "id")
    )


# --- writes -----------------------------------------------------------------------


@transaction.atomic
def agreement_text_add(*, deal: Deal, source: Source, role: str, by=None) -> AgreementText:
    """Make a source (one of) the deal's agreement text(s); its kind becomes agreement text."""
    if role not in AgreementText.Role.values:
        raise ValidationError(f"Unknown role {role!r} for an agreement text.")
    if source.kind != Source.Kind.AGREEMENT_TEXT:
        source.kind = Source.Kind.AGREEMENT_TEXT
        credit(source, by)
        source.save(update_fields=["kind", "updated_at"])
    position = (
        AgreementText.objects.filter(deal=deal).aggregate(top=Max("position"))["top"] or 0
    ) + 1
    link, created = AgreementText.objects.get_or_create(
        deal=deal, source=source, defaults={"role": role, "position": position, "created_by": by}
    )
    if not created and link.role != role:
        link.role = role
        link.save(update_fields=["role"])
    return link


def _check_passage_in_agreement(deal: Deal, passage: Passage) -> None:
    if not AgreementText.objects.filter(deal=deal, source_id=passage.source_id).exists():
        raise ValidationError(
            "This passage is not in an agreement text of this deal: "
            "add the source as the deal's agreement text first."
        )


def _check_reference(deal: Deal, reference: str, *, clause: Clause | None = None) -> str:
    reference = (reference or "").strip()
    if not REFERENCE.match(reference):
        raise ValidationError(
            "A clause reference is 1 to 20 letters, digits, dots or dashes, e.g. 2.1 or G-3."
        )
    taken = Clause.objects.filter(deal=deal, reference=reference)
    if clause is not None:
        taken = taken.exclude(pk=clause.pk)
    if taken.exists():
        raise ValidationError(f"This deal already has a clause {reference}.")
    return reference


@transaction.atomic
def clause_anchor_set(*, clause: Clause, passage: Passage, by=None) -> ClauseAnchor:
    """Anchor a clause in its agreement's text: its verbatim words are now the passage's."""
    _check_passage_in_agreement(clause.deal, passage)
    anchor, created = ClauseAnchor.objects.select_for_update().get_or_create(
        clause=clause, defaults={"passage": passage, "created_by": by}
    )
    if not created and anchor.passage_id != passage.pk:
        anchor.passage = passage
        credit(anchor, by)
        anchor.save(update_fields=["passage", "updated_at"])
    if clause.text != passage.quote:
        clause.text = passage.quote
        credit(clause, by)
        clause.save(update_fields=["text"])
    return anchor


@transaction.atomic
def clause_anchor_remove(*, clause: Clause, by=None) -> None:
    ClauseAnchor.objects.filter(clause=clause).delete()


@transaction.atomic
def clause_from_passage(
    *,
    deal: Deal,
    passage: Passage,
    reference: str,
    title: str,
    category: str = Clause.Category.OTHER,
    phase: Phase | None = None,
    by=None,
) -> Clause:
    """A new clause whose verbatim text is the passage (an editor's selection in the agreement)."""
    _check_passage_in_agreement(deal, passage)
    reference = _check_reference(deal, reference)
    title = " ".join((title or "").split())[:300]
    if not title:
        raise ValidationError("A clause needs a title.")
    if phase is not None and phase.deal_id != deal.pk:
        raise ValidationError("That phase belongs to another deal.")
    if category not in Clause.Category.values:
        raise ValidationError(f"Unknown category {category!r}.")
    # Clauses taken from the text keep the text's order among the anchored ones.
    position = (deal.clauses.aggregate(top=Max("position"))["top"] or 0) + 1
    clause = Clause(
        deal=deal,
        reference=reference,
        title=title,
        text=passage.quote,
        category=category,
        phase=phase,
        position=position,
        language=(passage.source.language or deal.language or "en"),
    )
    credit(clause, by)
    clause.save()
    ClauseAnchor.objects.create(clause=clause, passage=passage, created_by=by)
    return clause


@transaction.atomic
def clause_texts_sync(*, source: Source, by=None) -> int:
    """After a revision of an agreement text: each anchored clause's text is its passage's words."""
    changed = 0
    anchors = ClauseAnchor.objects.filter(passage__source=source).select_related(
        "clause", "passage"
    )
    for anchor in anchors:
        passage = anchor.passage
        if passage.anchor_status == Passage.AnchorStatus.ORPHANED:
            continue
        if anchor.clause.text != passage.quote:
            anchor.clause.text = passage.quote
            credit(anchor.clause, by)
            anchor.clause.save(update_fields=["text"])
            changed += 1
    return changed


# --- proposals from a document's numbered articles and paragraphs --------------------


@dataclass(frozen=True)
class NumberedItem:
    reference: str  # as a clause reference: "3", "1.1", "3.a"
    label: str  # as printed: "Article 3", "1.1", "(a)"
    title: str
    start: int
    end: int


# "Article 3", "ARTICLE III", "Art. 3" (a heading), "المادة 3"
_ARTICLE = re.compile(
    r"^(?:article|art\.|المادة|البند)\s+([0-9]+|[ivxlcdm]+|[\u0660-\u0669]+)\b[.:)\-–—]?\s*(.*)$",
    re.IGNORECASE,
)
# "1.", "1.1", "1.1.2", "2)" at the start of a paragraph
_NUMBERED = re.compile(r"^((?:[0-9]+\.)*[0-9]+)(?:\.|\))?\s+(\S.*)$", re.S)
# "(a)", "a)", "(iv)"
_LETTERED = re.compile(r"^\(?([a-z]|[ivx]{1,4})\)\s+(\S.*)$", re.S)

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def _arabic_number(token: str) -> str:
    if token.isdigit():
        return str(int(token))
    if re.fullmatch(r"[\u0660-\u0669]+", token):
        return str(int("".join(str(ord(ch) - 0x0660) for ch in token)))
    total, previous = 0, 0
    for ch in reversed(token.lower()):
        value = _ROMAN[ch]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return str(total)


def _title_from(text: str) -> str:
    """A short title from a paragraph's first words: its first sentence, at most 12 words."""
    first = re.split(r"(?<=[.;:])\s", text.strip(), maxsplit=1)[0].rstrip(".;:")
    words = first.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def numbered_items(text: str) -> list[NumberedItem]:
    """The numbered articles and paragraphs of an agreement's canonical text, in order.

    A paragraph starting "Article 3" opens article 3 (its title is the rest of
    the line, or the next paragraph's first words); "1.", "1.1" or "2)" number
    a paragraph; "(a)" or "a)" a sub-paragraph of the last numbered one
    ("1.1.a"). Each item's span is its paragraph, label excluded.
    """
    items: list[NumberedItem] = []
    article = ""
    last_number = ""
    offset = 0
    for paragraph in text.split("\n\n"):
        start = offset
        offset += len(paragraph) + 2
        stripped = paragraph.strip()
        if not stripped:
            continue
        lead = len(paragraph) - len(paragraph.lstrip())
        first_line = stripped.split("\n", 1)[0]
        match = _ARTICLE.match(first_line)
        if match:
            article = _arabic_number(match.group(1).lower())
            last_number = article
            rest = match.group(2).strip()
            body_start = start + lead + (len(first_line) - len(rest)) if rest else None
            if rest and body_start is not None:
                items.append(
                    NumberedItem(
                        article,
                        first_line[: len(first_line) - len(rest)].strip(),
                        _title_from(rest),
                        body_start,
                        start + len(paragraph.rstrip()),
                    )
                )
            else:
                items.append(
                    NumberedItem(
                        article,
                        first_line.strip(),
                        f"Article {article}",
                        start + lead,
                        start + len(paragraph.rstrip()),
                    )
                )
            continue
        match = _NUMBERED.match(stripped)
        if match and len(match.group(1)) <= 12:
            number = match.group(1)
            # "1.1" under Article 3 is printed as is; a bare "2." inside an article is 3.2.
            reference = number if "." in number or not article else f"{article}.{number}"
            last_number = reference
            body = match.group(2)
            body_start = start + lead + (len(stripped) - len(body))
            items.append(
                NumberedItem(
                    reference,
                    stripped[: len(stripped) - len(body)].strip(),
                    _title_from(body),
                    body_start,
                    start + len(paragraph.rstrip()),
                )
            )
            continue
        match = _LETTERED.match(stripped)
        if match and last_number:
            letter = match.group(1)
            body = match.group(2)
            body_start = start + lead + (len(stripped) - len(body))
            items.append(
                NumberedItem(
                    f"{last_number}.{letter}",
                    stripped[: len(stripped) - len(body)].strip(),
                    _title_from(body),
                    body_start,
                    start + len(paragraph.rstrip()),
                )
            )
    # A reference printed twice (a renumbered annex) keeps its first use only.
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.reference in seen or not REFERENCE.match(item.reference):
            continue
        seen.add(item.reference)
        unique.append(item)
    return unique


@transaction.atomic
def clause_proposals_create(*, deal: Deal, source: Source, by=None) -> list[ClauseProposal]:
    """Propose a clause for each numbered article or paragraph of the deal's agreement text.

    Each proposal's words are marked as a passage now, so they follow the
    text's revisions until an editor accepts (or rejects) the proposal.
    References the deal already has are skipped (they are clauses already).
    """
    if not AgreementText.objects.filter(deal=deal, source=source).exists():
        raise ValidationError("The source is not an agreement text of this deal.")
    text = source.text
    existing = set(deal.clauses.values_list("reference", flat=True))
    proposed = set(
        ClauseProposal.objects.filter(deal=deal, passage__source=source).values_list(
            "reference", flat=True
        )
    )
    top = ClauseProposal.objects.filter(deal=deal).aggregate(top=Max("position"))["top"] or 0
    created = []
    for item in numbered_items(text):
        if item.reference in existing or item.reference in proposed:
            continue
        passage = passage_mark(source=source, start=item.start, end=item.end, by=by).passage
        top += 1
        created.append(
            ClauseProposal.objects.create(
                deal=deal,
                passage=passage,
                reference=item.reference,
                title=item.title[:300],
                position=top,
            )
        )
    return created


def _pending(proposal: ClauseProposal) -> ClauseProposal:
    """The proposal, locked, if no editor has decided on it yet."""
    proposal = ClauseProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ClauseProposal.Status.PENDING:
        raise ValidationError(f"This proposal was already {proposal.get_status_display()}.")
    return proposal


def _reviewed(proposal: ClauseProposal, status: str, by) -> None:
    proposal.status = status
    proposal.reviewed_by = by if by is not None and by.is_authenticated else None
    proposal.reviewed_at = timezone.now()
    proposal.save()


@transaction.atomic
def clause_proposal_accept(
    *,
    proposal: ClauseProposal,
    reference: str,
    title: str,
    category: str = Clause.Category.OTHER,
    phase: Phase | None = None,
    by=None,
) -> Clause:
    """The proposal becomes a clause (with the editor's reference and title), anchored in the text."""
    proposal = _pending(proposal)
    clause = clause_from_passage(
        deal=proposal.deal,
        passage=proposal.passage,
        reference=reference,
        title=title,
        category=category,
        phase=phase,
        by=by,
    )
    proposal.clause = clause
    proposal.reference = clause.reference
    proposal.title = clause.title
    _reviewed(proposal, ClauseProposal.Status.ACCEPTED, by)
    return clause


@transaction.atomic
def clause_proposal_reject(*, proposal: ClauseProposal, by=None) -> None:
    """Not a clause: the proposal is kept as rejected (a new import does not propose it again)."""
    proposal = _pending(proposal)
    _reviewed(proposal, ClauseProposal.Status.REJECTED, by)


def agreement_clause_counts(*, deal: Deal) -> dict[str, int]:
    clauses = list(clauses_with_anchor(deal=deal))
    anchored = sum(1 for c in clauses if is_anchored(c))
    return {
        "clauses": len(clauses),
        "anchored": anchored,
        "unanchored": len(clauses) - anchored,
        "proposals": ClauseProposal.objects.filter(
            Q(deal=deal) & Q(status=ClauseProposal.Status.PENDING)
        ).count(),
    }


# --- comparing two deals by their agreement texts -------------------------------------

# Below this similarity a paragraph of one text has no counterpart in the other.
COUNTERPART_THRESHOLD = 0.6
# Paragraphs shorter than this (headings, "Phase one") are not terms.
MIN_TERM_CHARS = 40


@dataclass(frozen=True)
class TextTerm:
    """A paragraph of an agreement text that no clause is anchored in."""

    source: Source
    start: int
    text: str
    page: int | None


@dataclass
class TextComparison:
    uses_text: bool
    left_clauses: list[Clause]
    right_clauses: list[Clause]
    left_only: list[TextTerm]
    right_only: list[TextTerm]


def _verbatim_clauses(deal: Deal) -> tuple[list[Clause], dict[int, Passage]]:
    """The deal's clauses, and the anchored passage of each clause that has one (by pk)."""
    clauses = list(clauses_with_anchor(deal=deal))
    verbatim: dict[int, Passage] = {}
    for clause in clauses:
        anchor = clause_anchor_of(clause)
        if anchor is not None and anchor.passage.anchor_status != Passage.AnchorStatus.ORPHANED:
            verbatim[clause.pk] = anchor.passage
    return clauses, verbatim


def _unclaimed_terms(deal: Deal, verbatim: dict[int, Passage]) -> list[TextTerm]:
    """Paragraphs of the deal's agreement texts that no clause's words lie in."""
    covered: dict[int, list[tuple[int, int]]] = {}
    for p in verbatim.values():
        covered.setdefault(p.source_id, []).append((p.start, p.end))
    terms = []
    for link in (
        AgreementText.objects.filter(deal=deal).select_related("source").order_by("position", "id")
    ):
        source = link.source
        revision = source.revisions.only("page_starts", "id").current()
        offset = 0
        for paragraph in source.text.split("\n\n"):
            start, end = offset, offset + len(paragraph)
            offset = end + 2
            if len(paragraph.strip()) < MIN_TERM_CHARS:
                continue
            if any(s < end and start < e for s, e in covered.get(source.pk, [])):
                continue
            page = revision.page_at(start) if revision is not None else None
            terms.append(TextTerm(source, start, paragraph.strip(), page))
    return terms


def _without_counterpart(terms: list[TextTerm], others: list[str]) -> list[TextTerm]:
    import difflib

    alone = []
    for term in terms:
        words = term.text.lower()
        if not any(
            difflib.SequenceMatcher(a=words, b=other.lower(), autojunk=False).ratio()
            >= COUNTERPART_THRESHOLD
            for other in others
        ):
            alone.append(term)
    return alone


def agreement_comparison(*, left: Deal, right: Deal) -> TextComparison:
    """Two deals' clauses for the compare page, by their anchored agreement texts when both have them.

    Then each clause's text is its verbatim words, and the paragraphs of either
    text that no clause is anchored in and that have no like paragraph in the
    other text are the terms present in one text only.
    """
    left_clauses, left_verbatim = _verbatim_clauses(left)
    right_clauses, right_verbatim = _verbatim_clauses(right)
    if not (left_verbatim and right_verbatim):
        return TextComparison(False, left_clauses, right_clauses, [], [])
    verbatim = left_verbatim | right_verbatim
    for clause in left_clauses + right_clauses:
        if clause.pk in verbatim:
            # Compared by the agreement's own words (in memory only).
            clause.text = verbatim[clause.pk].quote
    left_terms = _unclaimed_terms(left, left_verbatim)
    right_terms = _unclaimed_terms(right, right_verbatim)

    def every_paragraph(deal: Deal, clauses: list[Clause], terms: list[TextTerm]) -> list[str]:
        return [c.text for c in clauses if c.pk in verbatim] + [t.text for t in terms]

    return TextComparison(
        True,
        left_clauses,
        right_clauses,
        _without_counterpart(left_terms, every_paragraph(right, right_clauses, right_terms)),
        _without_counterpart(right_terms, every_paragraph(left, left_clauses, left_terms)),
    )
