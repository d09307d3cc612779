"""A source's text as HTML with every passage highlighted, overlaps included.

The text is cut at every passage boundary; each piece is wrapped in one
<mark> per passage covering it, opened in (start, longest first) order, so
properly nested passages become nested elements and crossing ones are split
into fragments (the first carries id="passage-<id>", the anchor the claim
page links to). Nothing but the text itself becomes text nodes, so the
container's textContent equals the canonical text exactly — the selection
script counts offsets on it. For that reason the start of each page of a PDF
or Word original is an empty element whose "p. 3" is CSS generated content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dealtracker.desk.escaping import format_html


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    url: str
    name: str  # accessible name of the passage's link
    label: str  # the passage's label, shown next to the highlight (P1, P7, ...)


def spans_from_passages(passages: Iterable, url_for) -> list[Span]:
    """Spans of passages, labelled as everywhere else (Passage.label: fixed when marked)."""
    spans = []
    for p in sorted(passages, key=lambda p: (p.start, -p.end, p.id)):
        count = getattr(p, "claim_count", None)
        claims = "" if count is None else f", {count} claim{'s' if count != 1 else ''}"
        quote = p.quote if len(p.quote) <= 60 else p.quote[:57] + "…"
        spans.append(
            Span(p.id, p.start, p.end, url_for(p), f"Passage {p.label}{claims}: “{quote}”", p.label)
        )
    return spans


def _open(span: Span, first: bool, depth: int, selected: bool = False) -> str:
    attrs = format_html(
        'class="hl{}{}" data-passage="{}" data-depth="{}" data-hx-get="{}" data-hx-target="#passage-panel"'
        ' data-hx-swap="outerHTML" data-hx-push-url="true" data-hx-trigger="click consume"',
        "" if first else " hl-cont",
        " hl-selected" if selected else "",
        span.id,
        depth,
        span.url,
    )
    if not first:
        return f"<mark {attrs}>"
    # An empty link (its marker is CSS generated content) keeps the text
    # exact while giving keyboard users a focusable way into each passage.
    link = format_html(
        '<a class="hl-link" href="{}" data-label="{}" aria-label="{}" data-hx-get="{}"'
        ' data-hx-target="#passage-panel" data-hx-swap="outerHTML" data-hx-push-url="true"'
        ' data-hx-trigger="click consume"></a>',
        span.url,
        span.label,
        span.name,
        span.url,
    )
    return format_html('<mark id="passage-{}" {}>', span.id, attrs) + link


def _page_marker(number: int) -> str:
    return format_html(
        '<span class="page-start" id="page-{}" data-page="{}" role="note" aria-label="page {}"></span>',
        number,
        number,
        number,
    )


def mark_passages(
    text: str,
    spans: Sequence[Span],
    *,
    selected: int | None = None,
    page_starts: Sequence[int] = (),
) -> SafeString:
    """HTML of text with spans as nested <mark> elements (text escaped, nothing added),
    and an empty marker where each page of the original begins.

    Every fragment of the passage `selected` (the one the panel shows) is marked
    as such: the page shows it more strongly than the others."""
    length = len(text)
    spans = [s for s in spans if 0 <= s.start < s.end <= length]
    pages: dict[int, list[int]] = {}
    for number, offset in enumerate(page_starts, 1):
        if 0 <= offset < length:
            pages.setdefault(offset, []).append(number)
    if not spans and not pages:
        return mark_safe(escape(text))  # noqa: S308 - escaped just here
    order = {s.id: (s.start, -s.end, s.id) for s in spans}
    starts: dict[int, list[Span]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s)
    cuts = sorted({0, length, *(s.start for s in spans), *(s.end for s in spans), *pages})
    active: dict[int, Span] = {}
    opened: set[int] = set()
    stack: list[int] = []
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for sid in [sid for sid, s in active.items() if s.end <= a]:
            del active[sid]
        for s in starts.get(a, ()):
            active[s.id] = s
        wanted = sorted(active, key=order.__getitem__)
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep] == wanted[keep]:
            keep += 1
        out.extend("</mark>" for _ in stack[keep:])
        del stack[keep:]
        for sid in wanted[keep:]:
            stack.append(sid)
            out.append(_open(active[sid], sid not in opened, len(stack), sid == selected))
            opened.add(sid)
        out.extend(_page_marker(number) for number in pages.get(a, ()))
        out.append(escape(text[a:b]))
    out.extend("</mark>" for _ in stack)
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above
