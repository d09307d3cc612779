"""The header's search: clauses, claims, sources and passages by full-text
search, parties by name and alias even when misspelled.

Per group: the rows the GIN index finds (see claims/search.py for how the
query keeps to the index), ranked with ts_rank_cd, the top few with a
ts_headline snippet — computed only for those rows, ts_headline is costly.
Snippets come back with private-use marker characters around the matched
words; `highlight()` escapes everything and turns only balanced markers into
<mark>, so a source text or statement with markup in it stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import F, FloatField, Func, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.queries import visible_claims
from dealtracker.claims.search import (
    index_matches,
    language_matches,
    row_config_query,
    text_rank,
    ts_config,
)
from dealtracker.deals.models import Clause, Party
from dealtracker.sources.models import Passage, Source

# Private-use code points: never produced by canonical text, stripped from input.
START, STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"([{START}{STOP}])")
GROUP_LIMIT = 10
# Ranking reads every candidate's vector; a common word can match most of a big
# table (a word in 80% of 50,000 sources). So the first CANDIDATES rows the GIN
# index yields are checked exactly and ranked, not every match.
CANDIDATES = 200
# Sources' vectors are whole reports: fewer of them are ranked.
SOURCE_CANDIDATES = 100
# ts_headline parses the whole text it is given: sources are cut to this many
# characters for their snippet (a match further on shows the opening instead).
SNIPPET_SOURCE_CHARS = 4000
# Trigram thresholds for party names: "Isreal" is 0.27 similar to "Israel"
# and 0.43 word-similar; defaults (0.3 and 0.6) would miss it.
NAME_SIMILARITY = 0.25
NAME_WORD_SIMILARITY = 0.4


def highlight(snippet: str | None) -> SafeString:
    """Escape a ts_headline snippet, marking matched words with <mark> (balanced)."""
    out: list[str] = []
    open_mark = False
    # Split on the markers (kept as their own pieces) rather than walking characters:
    # a source's snippet is long and this runs for every hit.
    for piece in _MARKERS.split(snippet or ""):
        if piece == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == STOP:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        elif piece:
            out.append(escape(piece))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 — every piece of text above is escaped


@dataclass
class Hit:
    obj: Model
    snippet: SafeString
    rank: float


@dataclass
class Group:
    key: str
    title: str
    hits: list[Hit] = field(default_factory=list)
    has_more: bool = False


@dataclass
class SearchResults:
    q: str
    groups: list[Group]

    @property
    def total_shown(self) -> int:
        return sum(len(g.hits) for g in self.groups)


def _strip_markers(expression) -> Func:
    """The text with any marker characters it might contain removed (so they stay ours)."""
    return Func(
        Func(expression, _text(START), _text(""), function="replace", output_field=TextField()),
        _text(STOP),
        _text(""),
        function="replace",
        output_field=TextField(),
    )


def _text(value: str) -> Value:
    return Value(value, output_field=TextField())


def _top(
    rows: QuerySet,
    q: str,
    *,
    text: str,
    language: str,
    limit: int,
    vector: str = "search_vector",
    whole: bool = False,
    max_chars: int | None = None,
    candidates_limit: int = CANDIDATES,
) -> tuple[list[Hit], bool]:
    """The best `limit` rows by rank, with a snippet of `text` for each (all of it if `whole`)."""
    # Only the index test here, read as a bitmap scan of the GIN index (see
    # site_search's settings): it stops after CANDIDATES rows when the word is
    # common and costs nothing when it is absent. (An ORDER BY id here made
    # PostgreSQL walk the whole table backwards for a word that is nowhere.)
    candidates = (
        rows.model.objects.filter(index_matches(q, vector=vector)).order_by().values("pk")
    )[:candidates_limit]
    top_ids = (
        rows.filter(pk__in=candidates)
        .filter(language_matches(q, language=language, vector=vector))
        .annotate(rank=text_rank(q, vector=vector))
        .order_by("-rank", "-pk")
        .values("pk")
    )[: limit + 1]
    fragments = (
        {"highlight_all": True}
        if whole
        else {"max_words": 30, "min_words": 12, "max_fragments": 2, "fragment_delimiter": " … "}
    )
    text_expression = F(text)
    if max_chars:
        text_expression = Func(
            text_expression, Value(1), Value(max_chars), function="substr", output_field=TextField()
        )
    headline = SearchHeadline(
        _strip_markers(text_expression),
        row_config_query(q, language),
        config=ts_config(language),
        start_sel=START,
        stop_sel=STOP,
        **fragments,
    )
    found = list(
        rows.filter(pk__in=top_ids)
        .annotate(rank=text_rank(q, vector=vector), snippet=headline)
        .order_by("-rank", "-pk")
    )
    hits = [Hit(obj=row, snippet=highlight(row.snippet), rank=row.rank) for row in found]
    return hits[:limit], len(hits) > limit


def search_clauses(q: str, *, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    rows = Clause.objects.select_related("deal", "phase")
    return _top(rows, q, text="text", language="language", limit=limit)


def search_claims(q: str, *, user, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    rows = visible_claims(user=user).select_related("claimant", "deal")
    return _top(rows, q, text="statement", language="language", limit=limit, whole=True)


def search_sources(q: str, *, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    # Only what a row shows; never the (possibly long) text itself.
    rows = Source.objects.only("id", "title", "outlet", "published_on", "language", "kind")
    return _top(
        rows,
        q,
        text="text",
        language="language",
        limit=limit,
        max_chars=SNIPPET_SOURCE_CHARS,
        candidates_limit=SOURCE_CANDIDATES,
    )


def search_passages(q: str, *, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    rows = Passage.objects.select_related("source").only(
        "id",
        "start",
        "end",
        "quote",
        "source__id",
        "source__title",
        "source__outlet",
        "source__language",
    )
    return _top(rows, q, text="quote", language="source__language", limit=limit, whole=True)


def aliases_text() -> Func:
    """The aliases joined with spaces, as the trigram index of deals migration 0003 has them."""
    return Func(F("aliases"), function="dealtracker_aliases_text", output_field=TextField())


def search_parties(q: str, *, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    """Parties whose name, short name or an alias looks like q (misspellings included).

    Run inside site_search's transaction: its thresholds make "Isreal" find Israel.
    """
    rows = (
        Party.objects.annotate(alias_text=aliases_text())
        .filter(
            Q(name__trigram_similar=q)
            | Q(short_name__trigram_similar=q)
            | Q(name__trigram_word_similar=q)
            | Q(alias_text__trigram_word_similar=q)
        )
        .annotate(
            score=Greatest(
                TrigramSimilarity("name", q),
                TrigramSimilarity("short_name", q),
                TrigramWordSimilarity(q, "name"),
                TrigramWordSimilarity(q, aliases_text()),
                output_field=FloatField(),
            )
        )
        .order_by("-score", "name", "id")
    )
    found = list(rows[: limit + 1])
    hits = [Hit(obj=p, snippet=mark_safe(""), rank=p.score) for p in found]  # noqa: S308
    return hits[:limit], len(hits) > limit


def use_search_settings() -> None:
    """Settings for the rest of the current transaction (set_config(..., true)).

    - Trigram thresholds read by the % and %> operators (party names).
    - Plain index and sequential scans off: every table is read through bitmap
      scans, so the candidate queries go through the GIN indexes whatever the
      planner guesses about how common a word is (a bad guess, with LIMIT, made
      it scan a whole table for a word that was nowhere).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('enable_indexscan', 'off', true)",
            [str(NAME_SIMILARITY), str(NAME_WORD_SIMILARITY)],
        )


def site_search(q: str, *, user) -> SearchResults:
    """Every group's best matches for the header's search box."""
    groups = [
        Group("parties", "Parties"),
        Group("clauses", "Terms of deals"),
        Group("claims", "Claims"),
        Group("sources", "Sources"),
        Group("passages", "Passages"),
    ]
    if not q:
        return SearchResults(q=q, groups=groups)
    by_key = {g.key: g for g in groups}
    with transaction.atomic():
        use_search_settings()
        by_key["parties"].hits, by_key["parties"].has_more = search_parties(q)
        by_key["clauses"].hits, by_key["clauses"].has_more = search_clauses(q)
        by_key["claims"].hits, by_key["claims"].has_more = search_claims(q, user=user)
        by_key["sources"].hits, by_key["sources"].has_more = search_sources(q)
        by_key["passages"].hits, by_key["passages"].has_more = search_passages(q)
    return SearchResults(q=q, groups=groups)
