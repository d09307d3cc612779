"""Picking parties by typing: suggestions (name, short name, aliases, misspellings) and chips.

A claim's claimant and subjects are chosen in a type-ahead instead of a
select of every party: the editor types, the server answers suggestions
(HTMX), a suggestion pressed becomes a chip — a checked checkbox carrying the
field's name, so a chip unchecked is a party removed, and the form posts the
chosen parties like any multiple choice. Without JavaScript the same form
finds (a "Find" button) and adds (each suggestion is a submit button) by
posting back to the form's own endpoint, which shows it again unsaved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import Case, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Greatest

from dealtracker.deals.models import Party
from dealtracker.search.site import aliases_text

SUGGESTIONS = 8
# "Isreal" is 0.27 similar to "Israel" (see dealtracker/search/site.py's thresholds).
MIN_SIMILARITY = 0.25
# Below this many characters only names containing what was typed match:
# three letters are trigram-similar to too much ("ham" to "America").
FUZZY_FROM = 4
QUERY_MAX = 100


@dataclass(frozen=True)
class PartyMatch:
    party: Party
    # The alias that matched, when the name itself did not ("White House" for United States).
    alias: str = ""


def party_suggestions(q: str, *, exclude=(), limit: int = SUGGESTIONS) -> list[PartyMatch]:
    """Parties whose name, short name or an alias starts with, contains or looks like q.

    Names that start with what was typed come first, then the closest by
    trigram similarity (misspellings: "Isreal", "Hammas").
    """
    q = " ".join((q or "").split())[:QUERY_MAX]
    if not q:
        return []
    aliases = aliases_text()
    score = Greatest(
        TrigramSimilarity("name", q),
        TrigramSimilarity("short_name", q),
        TrigramWordSimilarity(q, "name"),
        TrigramWordSimilarity(q, aliases),
        output_field=FloatField(),
    )
    matches = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(alias_text__icontains=q)
    if len(q) >= FUZZY_FROM:
        matches |= Q(score__gte=MIN_SIMILARITY)
    rows = (
        Party.objects.annotate(alias_text=aliases, score=score)
        .filter(matches)
        .exclude(pk__in=[p for p in exclude if p])
        .annotate(
            starts=Case(
                When(Q(name__istartswith=q) | Q(short_name__istartswith=q), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .only("id", "name", "short_name", "slug", "aliases")
        .order_by("-starts", "-score", "name", "id")[:limit]
    )
    folded = q.casefold()
    picked = []
    for party in rows:
        alias = ""
        if folded not in party.name.casefold() and folded not in party.short_name.casefold():
            alias = next((a for a in party.aliases if folded in a.casefold()), "")
        picked.append(PartyMatch(party, alias))
    return picked


@dataclass
class PartyPicker:
    """What the picker template needs for one field (claimant: one party; subjects: several)."""

    name: str  # the field's HTML name, e.g. "claim-subjects"
    id: str  # the field's id, e.g. "id_claim-subjects"
    label: str
    multiple: bool
    chosen: list[Party] = field(default_factory=list)
    q: str = ""
    found: list[PartyMatch] | None = None  # None: nothing was searched
    errors: list[str] = field(default_factory=list)
    help: str = ""
    lookup_url: str = ""
    pick_url: str = ""

    @property
    def chosen_ids(self) -> list[int]:
        return [p.pk for p in self.chosen]


def ids_from(values) -> list[int]:
    """Party ids from posted or initial values (strings, ints, Party objects), bad ones dropped."""
    if values is None or values == "":
        return []
    if isinstance(values, (str, int, Party)):
        values = [values]
    ids = []
    for value in values:
        pk = getattr(value, "pk", value)
        text = str(pk).strip()
        if text.isdigit() and len(text) < 19 and int(text) not in ids:
            ids.append(int(text))
    return ids
