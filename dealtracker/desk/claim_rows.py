"""A claim as the lists of the reading pages show it (`{% claim_row %}`, and a row of the
claims list's table, `{% claim_table_row %}`), drawn in Python.

The home page, a deal's recent claims and open cell, a clause's, a phase's and a
party's claims all draw the same row: the statement and its link, who claims it and
when, compliance and verification in words with their symbols, the subjects and the
term it is about, and on some pages the quoted passages. Through an `{% include %}`
a row cost about a millisecond of template lookups; here it is a handful of
format_html() calls, every value escaped by them as the template escaped it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.defaultfilters import date as date_format
from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.models import Claim, ClaimVerification
from dealtracker.claims.queries import QuoteInContext, passage_in_context
from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.desk.escaping import format_html, format_html_join
from dealtracker.desk.matrix import COMPLIANCE_SYMBOLS

VERIFICATION_SYMBOLS = {
    ClaimVerification.UNVERIFIED: "○",
    ClaimVerification.CORROBORATED: "✔",
    ClaimVerification.DISPUTED: "⚠",
    ClaimVerification.REFUTED: "✗",
}

# Context for the quoted passages under a claim, in characters each side.
QUOTE_CONTEXT_CHARS = 120


def claim_row_html(
    claim: Claim,
    *,
    row_id: str = "claim",
    show_evidence: bool = False,
    show_internal: bool = False,
    urls: URLEnvironment | None = None,
) -> SafeString:
    """One claim as an `<li>`. `claim` comes from claims.queries (claimant, subjects and
    the term joined; evidence prefetched with its passages and sources when
    show_evidence). `row_id` prefixes the element id; show_internal adds the internal
    notes on passages and evidence. Refuted claims are struck through and say so in words.
    `urls`: the request's url_environment(), read once for all the rows of a page."""
    refuted = claim.verification == ClaimVerification.REFUTED
    statement = format_html(
        '<a href="{}">{}</a>',
        fast_reverse("desk:claim-detail", (claim.pk,), environment=urls),
        claim.statement,
    )
    if refuted:
        statement = format_html("<s>{}</s>", statement)
    made_on = ""
    if claim.made_on:
        made_on = format_html(
            '<span class="sep" aria-hidden="true"> · </span><time datetime="{}">{}</time>',
            date_format(claim.made_on, "Y-m-d"),
            claim.made_on_display,
        )
    return format_html(
        '<li class="claim{}{}" id="{}-{}">\n'
        '  <p class="claim-statement" dir="auto">{}</p>\n'
        '  <p class="claim-meta">\n    <bdi class="claim-by">{}</bdi>{}\n  </p>\n'
        '  <p class="badges">\n    {}\n  </p>\n'
        "{}{}</li>\n",
        " is-refuted" if refuted else "",
        "" if claim.is_published else " is-draft",
        row_id or "claim",
        claim.pk,
        statement,
        claim.claimed_by,
        made_on,
        _badges(claim),
        _about(claim, urls),
        _evidence(claim, show_internal=show_internal) if show_evidence else "",
    )


def claim_table_row_html(claim) -> SafeString:
    """One claim as a `<tr>` of the claims list's table, each cell labelled for the
    narrow layout. `claim` comes from the list (claims/listing.py): with its `url`,
    `subject_links` ((url, label) pairs), `scope_url` and `scope_label` worked out."""
    subjects = claim.subject_links
    about = (
        format_html(
            '<td data-label="About">{}</td>',
            format_html_join(", ", '<a href="{}"><bdi>{}</bdi></a>', subjects),
        )
        if subjects
        else mark_safe('<td data-label="About" class="is-empty">—</td>')
    )
    scope = (
        format_html(
            '<td data-label="Deal and term"><a href="{}"><bdi>{}</bdi></a></td>',
            claim.scope_url,
            claim.scope_label,
        )
        if claim.scope_url
        else mark_safe('<td data-label="Deal and term" class="is-empty">—</td>')
    )
    compliance = ""
    if claim.compliance:
        compliance = format_html(
            ': <span class="compliance compliance-{}">{} {}</span>',
            claim.compliance,
            COMPLIANCE_SYMBOLS.get(claim.compliance, ""),
            claim.get_compliance_display(),
        )
    return format_html(
        '      <tr id="claim-{}">\n'
        '        <th scope="row" class="col-claim">\n'
        '          <a href="{}" dir="auto">{}</a>\n'
        "          {}\n"
        "        </th>\n"
        '        <td data-label="Made on" class="col-date">{}</td>\n'
        '        <td data-label="Claimed by"><bdi>{}</bdi></td>\n'
        "        {}\n        {}\n"
        '        <td data-label="Kind">{}{}</td>\n'
        '        <td data-label="Verification"><span class="verification verification-{}">'
        "{} {}</span></td>\n"
        "      </tr>\n",
        claim.pk,
        claim.url,
        claim.statement,
        "" if claim.is_published else mark_safe('<span class="badge draft">draft</span>'),
        claim.made_on_display or "undated",
        claim.claimed_by,
        about,
        scope,
        claim.get_kind_display(),
        compliance,
        claim.verification,
        VERIFICATION_SYMBOLS.get(claim.verification, ""),
        claim.get_verification_display(),
    )


def _badges(claim: Claim) -> SafeString:
    if claim.kind == "compliance":
        kind = format_html(
            '<span class="badge compliance c-{}"><span aria-hidden="true">{} </span>{}</span>',
            claim.compliance,
            COMPLIANCE_SYMBOLS.get(claim.compliance, ""),
            claim.get_compliance_display(),
        )
    else:
        kind = format_html('<span class="badge kind">{}</span>', claim.get_kind_display())
    badges = [
        kind,
        format_html(
            '<span class="badge verification v-{}"><span aria-hidden="true">{} </span>{}</span>',
            claim.verification,
            VERIFICATION_SYMBOLS.get(claim.verification, ""),
            claim.get_verification_display(),
        ),
    ]
    if not claim.is_published:
        badges.append(mark_safe('<span class="badge draft">Draft</span>'))
    count = getattr(claim, "evidence_count", None)
    if count is not None:
        badges.append(
            format_html(
                '<span class="badge passages">{} passage{}</span>', count, "" if count == 1 else "s"
            )
        )
    return mark_safe("\n    ".join(badges))  # noqa: S308 — each one from format_html


def _about(claim: Claim, urls: URLEnvironment | None) -> SafeString:
    """The subjects and the term (clause, else phase, else deal) the claim is about."""
    subjects = list(claim.subjects.all())
    if not (subjects or claim.clause_id or claim.phase_id or claim.deal_id):
        return mark_safe("")
    parts = []
    if subjects:
        parts.append(
            format_html(
                "About {}",
                format_html_join(
                    ", ",
                    '<a href="{}"><bdi>{}</bdi></a>',
                    (
                        (fast_reverse("desk:party-detail", (p.slug,), environment=urls), p.label)
                        for p in subjects
                    ),
                ),
            )
        )
    term = ""
    if claim.clause_id:
        clause = claim.clause
        term = format_html(
            'clause <a href="{}">{} <bdi>{}</bdi></a>',
            fast_reverse(
                "desk:clause-detail", (clause.deal.slug, clause.reference), environment=urls
            ),
            clause.reference,
            clause.title,
        )
    elif claim.phase_id:
        phase = claim.phase
        term = format_html(
            '<a href="{}">phase {}</a>',
            fast_reverse("desk:phase-detail", (phase.deal.slug, phase.order), environment=urls),
            phase.order,
        )
    elif claim.deal_id:
        term = format_html(
            '<a href="{}"><bdi>{}</bdi></a>',
            fast_reverse("desk:deal-detail", (claim.deal.slug,), environment=urls),
            claim.deal.title,
        )
    if term:
        parts.append(term)
    # Each part from format_html.
    about = mark_safe(" · ".join(parts))  # noqa: S308
    return format_html('  <p class="claim-about">\n    {}\n  </p>\n', about)


def _evidence(claim: Claim, *, show_internal: bool) -> SafeString:
    quotes: Iterable[SafeString] = (
        evidence_quote_html(item.passage, evidence=item, show_internal=show_internal)
        for item in claim.evidence.all()
    )
    return mark_safe("".join(quotes))  # noqa: S308 — each one from format_html


def evidence_quote_html(
    passage, *, evidence=None, show_internal: bool = False, in_context: QuoteInContext | None = None
) -> SafeString:
    """A passage quoted with the text before and after it, the quote highlighted, and a
    link that opens the source at the passage; with `evidence`, its relation (and with
    show_internal, the internal notes on the passage and the evidence). `in_context`:
    the quote with its context when the caller has it already."""
    ctx = in_context or passage_in_context(passage, chars=QUOTE_CONTEXT_CHARS)
    source = passage.source
    quote = format_html(
        "{}<mark>{}</mark>{}",
        format_html('<span class="context">{}</span>', ctx.before) if ctx.before else "",
        ctx.quote,
        format_html('<span class="context">{}</span>', ctx.after) if ctx.after else "",
    )
    caption = []
    if evidence is not None:
        caption.append(
            format_html('<span class="badge relation">{}</span> ', evidence.get_relation_display())
        )
    caption.append(format_html("<cite><bdi>{}</bdi></cite>", source.title))
    if source.outlet:
        caption.append(format_html(", <bdi>{}</bdi>", source.outlet))
    if source.published_on:
        caption.append(
            format_html(
                ', <time datetime="{}">{}</time>',
                date_format(source.published_on, "Y-m-d"),
                date_format(source.published_on, "j F Y"),
            )
        )
    page = passage.page
    if page:
        caption.append(
            format_html(
                ', <a class="page-ref" href="/sources/{}/#page-{}">p. {}</a>',
                passage.source_id,
                page,
                page,
            )
        )
    if passage.anchor_status != "anchored":
        state = (
            "passage no longer in the text"
            if passage.is_detached
            else f"passage {passage.get_anchor_status_display()}"
        )
        caption.append(format_html('\n    <span class="badge anchor">{}</span>', state))
    caption.append(
        format_html(
            '\n    · <a class="to-source" href="/sources/{}/#passage-{}">Show in the source'
            '<span class="visually-hidden">: {}</span></a>',
            passage.source_id,
            passage.pk,
            source.title,
        )
    )
    if show_internal:
        # Inside the caption: a figure's only children besides its content are one caption.
        if passage.note:
            caption.append(
                format_html(
                    '\n      <p class="internal-note"><strong>Internal note on the passage:'
                    "</strong> {}</p>",
                    passage.note,
                )
            )
        if evidence is not None and evidence.note:
            caption.append(
                format_html(
                    '\n      <p class="internal-note"><strong>Internal note on the evidence:'
                    "</strong> {}</p>",
                    evidence.note,
                )
            )
    return format_html(
        '<figure class="evidence" id="{}">\n'
        '  <blockquote lang="{}"{}{}>\n    <p>{}</p>\n  </blockquote>\n'
        "  <figcaption>\n    {}\n  </figcaption>\n</figure>\n",
        f"evidence-{evidence.pk}" if evidence is not None else f"quote-{passage.pk}",
        source.language,
        mark_safe(' dir="rtl"') if source.is_rtl else "",
        format_html(' cite="{}"', source.url) if source.url else "",
        quote,
        mark_safe("".join(caption)),  # noqa: S308 — each part from format_html
    )
