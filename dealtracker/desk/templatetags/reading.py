"""Small template helpers for the reading pages: symbols that go with words,
so that no status is told by colour alone."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.queries import passage_in_context
from dealtracker.deals.loose_dates import format_loose_date
from dealtracker.desk.claim_rows import (
    VERIFICATION_SYMBOLS,
    claim_row_html,
    claim_table_row_html,
    evidence_quote_html,
)
from dealtracker.desk.clause_rows import obliged_term_html
from dealtracker.desk.deal_rows import deal_card_html, deal_table_row_html
from dealtracker.desk.escaping import format_html
from dealtracker.desk.facet_rows import facet_values_html
from dealtracker.desk.matrix import COMPLIANCE_SYMBOLS
from dealtracker.desk.party_rows import party_row_html
from dealtracker.desk.search_rows import search_hits_html
from dealtracker.desk.slipping_rows import overdue_term_html, slipping_row_html
from dealtracker.desk.source_rows import source_row_html
from dealtracker.desk.templatetags.fast_url import request_url_environment
from dealtracker.desk.timeline import STATUS_SYMBOLS
from dealtracker.sources.wording import Kind
from dealtracker.sources.wording import wording_changes as changes_in_wording

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_row(
    context: template.Context, claim, row_id: str | None = None, show_evidence: bool | None = None
) -> SafeString:
    """`{% claim_row claim [row_id="made-claim"] [show_evidence=True] %}`: the claim as
    the lists show it (desk/claim_rows.py). Unless given, row_id and show_evidence are
    read from the context, and show_internal always is."""
    return claim_row_html(
        claim,
        row_id=row_id or context.get("row_id") or "claim",
        show_evidence=bool(
            context.get("show_evidence") if show_evidence is None else show_evidence
        ),
        show_internal=bool(context.get("show_internal")),
        urls=request_url_environment(getattr(context, "request", None)),
    )


@register.simple_tag
def claim_table_row(claim) -> SafeString:
    """`{% claim_table_row claim %}`: a claim of the claims list as a row of its table."""
    return claim_table_row_html(claim)


@register.simple_tag(takes_context=True)
def deal_card(context: template.Context, row) -> SafeString:
    """`{% deal_card row %}`: a deals list row (pages.DealRow) as a card (desk/deal_rows.py)."""
    return deal_card_html(row, request_url_environment(getattr(context, "request", None)))


@register.simple_tag(takes_context=True)
def deal_table_row(context: template.Context, row) -> SafeString:
    """`{% deal_table_row row %}`: a pages.DealRow as a row of the deals table."""
    return deal_table_row_html(row, request_url_environment(getattr(context, "request", None)))


@register.simple_tag(takes_context=True)
def slipping_row(context: template.Context, term) -> SafeString:
    """`{% slipping_row term %}`: an overdue term as a row of the slipping table."""
    return slipping_row_html(term, request_url_environment(getattr(context, "request", None)))


@register.simple_tag
def facet_values(facet) -> SafeString:
    """`{% facet_values facet %}`: a claims list facet's values as the links of its list."""
    return facet_values_html(facet)


@register.simple_tag(takes_context=True)
def obliged_term(context: template.Context, clause, party) -> SafeString:
    """`{% obliged_term clause party %}`: a term that obliges the party, as its page lists it."""
    return obliged_term_html(
        clause, party, request_url_environment(getattr(context, "request", None))
    )


@register.simple_tag(takes_context=True)
def overdue_term(context: template.Context, term) -> SafeString:
    """`{% overdue_term term %}`: an overdue term of the context's deal, as its page lists it."""
    return overdue_term_html(
        term, context["deal"], request_url_environment(getattr(context, "request", None))
    )


@register.simple_tag(takes_context=True)
def party_row(context: template.Context, party) -> SafeString:
    """`{% party_row party %}`: a party as a row of the parties table."""
    return party_row_html(party, request_url_environment(getattr(context, "request", None)))


@register.simple_tag
def search_hits(group) -> SafeString:
    """`{% search_hits group %}`: a search group's hits as rows of its table."""
    return search_hits_html(group)


@register.simple_tag(takes_context=True)
def source_row(context: template.Context, source) -> SafeString:
    """`{% source_row source %}`: a source as a row of the sources table; its review
    badge shown when the context's can_edit is set."""
    return source_row_html(
        source,
        can_edit=bool(context.get("can_edit")),
        urls=request_url_environment(getattr(context, "request", None)),
    )


@register.simple_tag(takes_context=True)
def evidence_quote(context: template.Context, evidence, in_context=None) -> SafeString:
    """`{% evidence_quote item ctx %}`: the evidence's passage quoted in its context
    (desk/claim_rows.py); the internal notes when the context's show_internal is set."""
    return evidence_quote_html(
        evidence.passage,
        evidence=evidence,
        show_internal=bool(context.get("show_internal")),
        in_context=in_context,
    )


@register.filter
def compliance_symbol(value: str) -> str:
    return COMPLIANCE_SYMBOLS.get(value, "")


@register.filter
def verification_symbol(value: str) -> str:
    return VERIFICATION_SYMBOLS.get(value, "")


@register.filter
def phase_symbol(value: str) -> str:
    return STATUS_SYMBOLS.get(value, "")


@register.filter
def loose_date(value, precision: str = "day") -> str:
    """A date shown only as precisely as it is known: 'early February 2025'."""
    return format_loose_date(value, precision or "day")


@register.filter
def quote_context(passage, chars: int = 120):
    """The passage with some text around it, cut at word boundaries (see claims.queries)."""
    return passage_in_context(passage, chars=int(chars))


@register.filter
def datetime_attr(value) -> str:
    """A moment for a `datetime` attribute: UTC, whole seconds ("2025-04-18T09:00:00Z").

    Django's 'c' format keeps microseconds, which HTML's date-time syntax refuses
    (at most three digits of a second).
    """
    if not value:
        return ""
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


_CHANGE_WORDS = {Kind.DELETED: ("del", "deleted"), Kind.INSERTED: ("ins", "inserted")}


def _whitespace_named(text: str) -> str:
    if text == " ":
        return "a space"
    if text == "\n":
        return "a line break"
    if "\n" not in text:
        return f"{len(text)} spaces"
    return "spaces and line breaks" if " " in text else f"{len(text)} line breaks"


def _changed_piece(kind: Kind, text: str) -> str:
    """A deleted or inserted piece; spaces and line breaks alone are shown by a symbol
    (␣, ¶) and named, since a changed space cannot be seen."""
    tag, word = _CHANGE_WORDS[kind]
    if not text.strip():
        return format_html(
            '<{} class="ws"><span class="visually-hidden">[{}: {}]</span>'
            '<span aria-hidden="true">{}</span></{}>',
            tag,
            word,
            _whitespace_named(text),
            "".join("¶" if c == "\n" else "␣" for c in text),
            tag,
        )
    return format_html(
        '<{}><span class="visually-hidden">[{}: </span>{}<span class="visually-hidden">]</span></{}>',
        tag,
        word,
        text,
        tag,
    )


@register.filter
def wording_changes(old: str, new: str) -> SafeString:
    """The old wording turned into the new one, in one line: deleted characters in <del>,
    inserted ones in <ins>, each also said in words ("[deleted: b]") for screen readers
    and for anyone who cannot tell the two apart by colour or line; text escaped."""
    parts = []
    for piece in changes_in_wording(old or "", new or ""):
        if piece.kind == Kind.SAME:
            parts.append(escape(piece.text))
        else:
            parts.append(_changed_piece(piece.kind, piece.text))
    return format_html('<span class="wording-changes">{}</span>', mark_safe("".join(parts)))  # noqa: S308 - each part escaped above
