"""The search page's hits (/search/), drawn in Python for the reason claim_rows.py gives:
up to ten hits in each of five groups, each a row of links, names, dates and a snippet,
were about a tenth of a search's time through the template engine. Every value is
escaped by format_html (a snippet is already safe: search/site.py escapes it and marks
the matched words); a source's cells are the sources list's (desk/source_rows.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from dealtracker.desk.claim_rows import VERIFICATION_SYMBOLS
from dealtracker.desk.escaping import escaped, format_html
from dealtracker.desk.source_rows import maybe_empty, published_html
from dealtracker.search.site import Group, Hit

_EMPTY = SafeString(' class="is-empty"')
_NONE = SafeString("")
_DASH = SafeString("—")


def search_hits_html(group: Group) -> SafeString:
    """The group's hits as rows of its table, with the whitespace the table's loop puts
    around each."""
    cells = _CELLS.get(group.key)
    return SafeString(
        "".join(
            '\n      <tr class="hit">\n      '
            + (cells(hit) if cells else "")
            + "\n      </tr>\n    "
            for hit in group.hits
        )
    )


def _party(hit: Hit) -> str:
    party = hit.obj
    also = ""
    if party.short_name and party.short_name != party.name:
        also = format_html(" (<bdi>{}</bdi>)", party.short_name)
    aliases = ", ".join(escaped(alias) for alias in party.aliases or ())
    return format_html(
        '\n        <th scope="row"><a href="{}"><bdi>{}</bdi></a>{}</th>\n'
        '        <td data-label="Kind">{}</td>\n'
        '        <td data-label="Also known as"{}>{}</td>\n      ',
        party.get_absolute_url(),
        party.name,
        SafeString(also),
        party.get_kind_display(),
        _NONE if party.aliases else _EMPTY,
        SafeString(aliases) if aliases else _DASH,
    )


def _snippet_cell(hit: Hit) -> str:
    return format_html(
        '<td data-label="Match" class="snippet{}">{}</td>',
        _NONE if hit.snippet else SafeString(" is-empty"),
        hit.snippet or _DASH,
    )


def _clause(hit: Hit) -> str:
    clause = hit.obj
    return format_html(
        '\n        <th scope="row"><a href="{}"><span class="ref">{}</span> <bdi>{}</bdi></a></th>\n'
        '        <td data-label="Deal"><a href="{}"><bdi>{}</bdi></a></td>\n'
        "        {}\n      ",
        clause.get_absolute_url(),
        clause.reference,
        clause.title,
        clause.deal.get_absolute_url(),
        clause.deal.title,
        SafeString(_snippet_cell(hit)),
    )


def _claim(hit: Hit) -> str:
    claim = hit.obj
    return format_html(
        '\n        <th scope="row"><a href="{}" dir="auto">{}</a>{}</th>\n'
        '        <td data-label="Claimed by"><bdi>{}</bdi></td>\n'
        '        <td data-label="Made on"{}>{}</td>\n'
        '        <td data-label="Verification">{} {}</td>\n      ',
        claim.get_absolute_url(),
        hit.snippet or claim.statement,
        _NONE if claim.is_published else SafeString(' <span class="badge draft">draft</span>'),
        claim.claimed_by,
        _NONE if claim.made_on else _EMPTY,
        claim.made_on_display if claim.made_on else _DASH,
        VERIFICATION_SYMBOLS.get(claim.verification, ""),
        claim.get_verification_display(),
    )


def _source(hit: Hit) -> str:
    source = hit.obj
    return format_html(
        '\n        <th scope="row"><a href="{}" dir="auto">{}</a></th>\n'
        '        <td data-label="Outlet"{}>{}</td>\n'
        '        <td data-label="Published"{}>{}</td>\n'
        "        {}\n      ",
        source.get_absolute_url(),
        source.title,
        *maybe_empty(source.outlet),
        _NONE if source.published_on else _EMPTY,
        published_html(source.published_on),
        SafeString(_snippet_cell(hit)),
    )


def _passage(hit: Hit) -> str:
    passage = hit.obj
    return format_html(
        '\n        <th scope="row"><a href="{}">“{}”</a></th>\n'
        '        <td data-label="In the source"><a href="{}"><bdi>{}</bdi></a></td>\n      ',
        passage.get_absolute_url(),
        hit.snippet,
        passage.source.get_absolute_url(),
        passage.source.title,
    )


_CELLS: dict[str, Callable[[Hit], str]] = {
    "parties": _party,
    "clauses": _clause,
    "claims": _claim,
    "sources": _source,
    "passages": _passage,
}
