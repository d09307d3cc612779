"""The parties list's rows (/parties/), drawn in Python for the reason claim_rows.py
gives: 25 parties a page, each a link, a short name that may be empty, a kind and a
count, were about a third of the list's time through the template engine. Every value is
escaped by format_html and the count goes through `localize`, as the template's did.
"""

from __future__ import annotations

from django.utils.formats import localize
from django.utils.safestring import SafeString

from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.deals.models import Party
from dealtracker.desk.escaping import format_html


def party_row_html(party: Party, urls: URLEnvironment | None = None) -> SafeString:
    """The party as a `<tr>` of the parties table (each cell labelled for the narrow
    layout), with the whitespace the table's loop puts around it. `party` comes from
    parties_for_list() (its deal count)."""
    # A short name that only repeats the name says nothing: the cell is left empty.
    if party.short_name and party.short_name != party.name:
        empty, short = "", format_html("<bdi>{}</bdi>", party.short_name)
    else:
        empty, short = ' class="is-empty"', "—"
    return format_html(
        "\n    <tr>\n"
        '      <th scope="row"><a href="{}"><bdi>{}</bdi></a></th>\n'
        '      <td data-label="Short name"{}>{}</td>\n'
        '      <td data-label="Kind">{}</td>\n'
        '      <td data-label="Deals" class="num">{}</td>\n'
        "    </tr>\n    ",
        fast_reverse("desk:party-detail", (party.slug,), environment=urls),
        party.name,
        SafeString(empty),
        SafeString(short),
        party.get_kind_display(),
        localize(party.deal_count),
    )
