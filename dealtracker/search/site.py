"""The header's search: clauses, claims, sources and passages by full-text
search, parties by name and alias even when misspelled.

Per group: up to CANDIDATES rows that match are checked exactly and ranked
with ts_rank_cd, the top few get a ts_headline snippet — computed only for
those rows, ts_headline is costly. Which rows are the candidates:

- Usually the first ones the GIN index finds (a bitmap scan; see dealtracker/fulltext/matching.py
  for how the query keeps to the index). For a rare word or a phrase that is
  every match.
- For one plain word that PostgreSQL's statistics (ANALYZE's most common
  lexemes, dealtracker/db/lexeme_statistics.py) say is in a large share of a
  table's rows, the newest matching rows: the table is walked newest-first
  through its primary key until enough rows match. Building the index's
  bitmap of every match of a common word costs more than reading the few
  hundred newest rows, and the newest matches are what a newsroom wants
  first. The walk is bounded; when the newest rows hold too few matches, the
  oldest rows are walked the same way (the table's first rows, which is where
  the index's bitmap, read in table order, starts too), and only when they too
  hold too few is the index used after all.

Snippets come back with private-use marker characters around the matched
words; `highlight()` escapes everything and turns only balanced markers into
<mark>, so a source text or statement with markup in it stays text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import F, FloatField, Func, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Greatest, Left, Right
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims.models import Claim
from dealtracker.claims.queries import claims_seen
from dealtracker.db.any_of import any_of_values
from dealtracker.db.lexeme_statistics import lexeme_frequencies
from dealtracker.db.planner import bitmap_scans_only
from dealtracker.db.statements import compiled
from dealtracker.deals.models import Clause, Party
from dealtracker.fulltext.matching import (
    ParsedQuery,
    index_matches,
    is_single_word,
    language_matches,
    parse_query,
    row_config_query,
    text_rank,
    ts_config,
)
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.snippets import ELLIPSIS, is_end_of, is_start_of

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
# Newest-first walk (see the module doc). Checking one row while walking costs
# about this many times what one match adds to the index's bitmap (measured on
# 50,000 sources, 250,000 passages, 200,000 claims, 20,000 clauses): a source's
# vector is a whole report, read from TOAST storage.
WALK_ROW_COST = {"clauses": 2.0, "claims": 4.0, "sources": 14.0, "passages": 2.0}
# The walk reads at most WALK_SLACK times the rows the statistics predict.
WALK_SLACK = 3
# ts_headline parses the whole text it is given: sources are cut to this many
# characters for their snippet (a match further on shows the opening instead).
SNIPPET_SOURCE_CHARS = 4000
# Characters of a text's start and end read to tell whether a snippet fragment is cut.
EDGE_CHARS = 80
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
    rows_key: Hashable,
    rows: Callable[[], QuerySet],
    q: ParsedQuery,
    *,
    text: str,
    language: str,
    limit: int,
    vector: str = "search_vector",
    whole: bool = False,
    max_chars: int | None = None,
    candidates_limit: int = CANDIDATES,
    candidates: list[int] | None = None,
) -> tuple[list[Hit], bool]:
    """The best `limit` rows of rows() by rank, with a snippet of `text` for each (all of
    it if `whole`); `rows_key` names rows() among the statements compiled once.

    `candidates`: the rows to rank (from newest_candidates()); by default the
    first `candidates_limit` rows the GIN index finds.
    """
    # One statement per group and shape, its SQL compiled once (db/statements.py): the
    # search text, its parsed queries and the candidates' ids are its values.
    build = partial(
        _found,
        rows=rows,
        text=text,
        language=language,
        limit=limit,
        vector=vector,
        whole=whole,
        max_chars=max_chars,
        candidates_limit=candidates_limit,
    )
    key = (rows_key, text, language, limit, vector, whole, max_chars, candidates_limit)
    values = {"q": q.text, "distinct": q.distinct}
    if candidates is None:
        found_rows = compiled(("search.top", "index", *key), build, every=q.every, **values)
    else:
        found_rows = compiled(
            ("search.top", "walked", *key), build, candidate_ids=candidates, **values
        )
    found = list(found_rows)
    hits = [
        Hit(
            obj=row,
            snippet=highlight(row.snippet) if whole else _fragment(row),
            rank=row.rank,
        )
        for row in found
    ]
    return hits[:limit], len(hits) > limit


def _found(
    *,
    q: str,
    distinct: str,
    every: str = "",  # read only without candidate_ids
    candidate_ids: list[int] | None = None,
    rows: Callable[[], QuerySet],
    text: str,
    language: str,
    limit: int,
    vector: str,
    whole: bool,
    max_chars: int | None,
    candidates_limit: int,
) -> QuerySet:
    parsed = ParsedQuery(text=q, every=every, distinct=distinct)
    candidates: QuerySet | Q
    if candidate_ids is None:
        # Only the index test here, read as a bitmap scan of the GIN index (see
        # site_search's settings): it stops after CANDIDATES rows when the word is
        # common and costs nothing when it is absent. (An ORDER BY id here made
        # PostgreSQL walk the whole table backwards for a word that is nowhere.)
        model = rows().model
        candidates = Q(
            pk__in=(
                model.objects.filter(index_matches(parsed, vector=vector)).order_by().values("pk")
            )[:candidates_limit]
        )
    else:
        candidates = any_of_values("pk", candidate_ids)
    top_ids = (
        rows()
        .filter(candidates)
        .filter(language_matches(parsed, language=language, vector=vector))
        .annotate(rank=text_rank(parsed, vector=vector))
        .order_by("-rank", "-pk")
        .values("pk")
    )[: limit + 1]
    fragments: dict[str, Any] = (
        {"highlight_all": True}
        if whole
        else {"max_words": 30, "min_words": 12, "max_fragments": 2, "fragment_delimiter": " … "}
    )
    text_expression: F | Func = F(text)
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
    found = (
        rows()
        .filter(pk__in=top_ids)
        .annotate(rank=text_rank(parsed, vector=vector), snippet=headline)
    )
    if not whole:
        # The text's first and last characters tell whether a fragment is cut (an ellipsis).
        found = found.annotate(text_head=Left(text, EDGE_CHARS), text_tail=Right(text, EDGE_CHARS))
    return found.order_by("-rank", "-pk")


def _fragment(row) -> SafeString:
    """A fragment snippet, with an ellipsis where it starts or ends inside the text."""
    plain = _MARKERS.sub("", row.snippet or "")
    if not plain:
        return highlight(row.snippet)
    lead = "" if is_start_of(plain, row.text_head) else ELLIPSIS + " "
    tail = "" if is_end_of(plain, row.text_tail) else " " + ELLIPSIS
    return mark_safe(lead + highlight(row.snippet) + tail)  # noqa: S308 — highlight() escapes


def search_clauses(
    q: str | ParsedQuery, *, limit: int = GROUP_LIMIT, candidates: list[int] | None = None
) -> tuple[list[Hit], bool]:
    return _top(
        "clauses",
        _clause_rows,
        _parsed(q),
        text="text",
        language="language",
        limit=limit,
        candidates=candidates,
    )


def _clause_rows() -> QuerySet:
    return Clause.objects.select_related("deal", "phase")


def search_claims(
    q: str | ParsedQuery, *, user, limit: int = GROUP_LIMIT, candidates: list[int] | None = None
) -> tuple[list[Hit], bool]:
    # Candidates come from the whole table; only visible ones are ranked and shown.
    drafts = sees_drafts(user)
    return _top(
        ("claims", drafts),
        partial(_claim_rows, drafts=drafts),
        _parsed(q),
        text="statement",
        language="language",
        limit=limit,
        whole=True,
        candidates=candidates,
    )


def _claim_rows(*, drafts: bool) -> QuerySet:
    return claims_seen(drafts=drafts).select_related("claimant", "deal")


def search_sources(
    q: str | ParsedQuery, *, limit: int = GROUP_LIMIT, candidates: list[int] | None = None
) -> tuple[list[Hit], bool]:
    return _top(
        "sources",
        _source_rows,
        _parsed(q),
        text="text",
        language="language",
        limit=limit,
        max_chars=SNIPPET_SOURCE_CHARS,
        candidates_limit=SOURCE_CANDIDATES,
        candidates=candidates,
    )


def _source_rows() -> QuerySet:
    # Only what a row shows; never the (possibly long) text itself.
    return Source.objects.only("id", "title", "outlet", "published_on", "language", "kind")


def search_passages(
    q: str | ParsedQuery, *, limit: int = GROUP_LIMIT, candidates: list[int] | None = None
) -> tuple[list[Hit], bool]:
    return _top(
        "passages",
        _passage_rows,
        _parsed(q),
        text="quote",
        language="source__language",
        limit=limit,
        whole=True,
        candidates=candidates,
    )


def _passage_rows() -> QuerySet:
    return Passage.objects.select_related("source").only(
        "id",
        "start",
        "end",
        "quote",
        "source__id",
        "source__title",
        "source__outlet",
        "source__language",
    )


def aliases_text() -> Func:
    """The aliases joined with spaces, as the trigram index of deals migration 0003 has them."""
    return Func(F("aliases"), function="dealtracker_aliases_text", output_field=TextField())


def search_parties(q: str, *, limit: int = GROUP_LIMIT) -> tuple[list[Hit], bool]:
    """Parties whose name, short name or an alias looks like q (misspellings included).

    Run inside site_search's transaction: its thresholds make "Isreal" find Israel.
    """
    found = list(compiled(("search.parties", limit), partial(_parties_like, limit=limit), q=q))
    hits = [Hit(obj=p, snippet=mark_safe(""), rank=p.score) for p in found]  # noqa: S308
    return hits[:limit], len(hits) > limit


def _parties_like(*, q: str, limit: int) -> QuerySet:
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
    return rows[: limit + 1]


def use_search_settings() -> None:
    """Settings for the rest of the current transaction (set_config(..., true)).

    - Trigram thresholds read by the % and %> operators (party names).
    - Bitmap scans only (dealtracker/db/planner.py), so the candidate queries
      go through the GIN indexes.
    """
    settings = [
        "set_config('pg_trgm.similarity_threshold', %s, true)",
        "set_config('pg_trgm.word_similarity_threshold', %s, true)",
        *bitmap_scans_only(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(settings), [str(NAME_SIMILARITY), str(NAME_WORD_SIMILARITY)]
        )


def _walked_tables() -> dict[str, tuple[type[Model], int]]:
    """The full-text groups: model and number of candidates."""
    return {
        "clauses": (Clause, CANDIDATES),
        "claims": (Claim, CANDIDATES),
        "sources": (Source, SOURCE_CANDIDATES),
        "passages": (Passage, CANDIDATES),
    }


def walk_pays(freq: float, rows: float, *, wanted: int, row_cost: float) -> bool:
    """Whether walking newest-first costs less than the index's bitmap of every match.

    The walk reads about wanted / freq rows; the bitmap holds freq * rows matches.
    """
    return freq > 0 and (wanted / freq) * row_cost < freq * rows


def _parsed(q: str | ParsedQuery) -> ParsedQuery:
    return q if isinstance(q, ParsedQuery) else parse_query(q)


def newest_candidates(q: str | ParsedQuery) -> dict[str, list[int]]:
    """Per group worth walking (see the module doc): ids of the newest matching rows,
    or of the oldest when the newest rows hold too few.

    Run inside site_search's transaction, before use_search_settings(). Groups
    left out use the index; so do all of them when q is not one plain word or
    the statistics are missing.
    """
    parsed = _parsed(q)
    if not is_single_word(parsed.text):
        return {}
    tables = _walked_tables()
    stats = lexeme_frequencies(parsed.text, [model for model, _ in tables.values()])
    walks: dict[str, tuple[type[Model], int, int]] = {}
    for key, (model, wanted) in tables.items():
        freq, rows = stats.get(model._meta.db_table, (0.0, 0.0))
        if walk_pays(freq, rows, wanted=wanted, row_cost=WALK_ROW_COST[key]):
            walks[key] = (model, wanted, math.ceil(WALK_SLACK * wanted / freq))
    if not walks:
        return {}
    # Each distinct configuration's query once: a row that does not match is tested
    # against each branch (ParsedQuery.distinct), and most of the rows walked do not.
    query, query_params = "%s::tsquery", [parsed.distinct]
    found = _walk(walks, query, query_params, newest_first=True)
    # Too few matches among the newest rows (the bound was reached, or the statistics
    # are stale). The word is common, so the oldest rows are walked next, as boundedly:
    # much the rows the index's bitmap would have given first (it is read in table
    # order, and rows are added at the table's end), without building a bitmap of every
    # match (144 ms for "ceasefire" in the claims of the scale-10 archive). Only when
    # that also falls short does the group use the index after all.
    short = {key: walk for key, walk in walks.items() if len(found[key]) < walk[1]}
    if short:
        found.update(_walk(short, query, query_params, newest_first=False))
    return {key: ids for key, ids in found.items() if len(ids) >= walks[key][1]}


def _walk(
    walks: dict[str, tuple[type[Model], int, int]],
    query: str,
    query_params: list[str],
    *,
    newest_first: bool,
) -> dict[str, list[int]]:
    """Per group: up to `wanted` ids of matching rows among the newest (or oldest)
    `bound` rows, in one query for all the groups."""
    parts: list[str] = []
    params: list[Any] = []
    order = "DESC" if newest_first else "ASC"
    for model, wanted, bound in walks.values():
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        parts.append(
            f"ARRAY(SELECT w.{pk} FROM (SELECT {pk}, search_vector FROM {table}"  # noqa: S608 — model names
            f" ORDER BY {pk} {order} LIMIT %s) AS w WHERE w.search_vector @@ {query} LIMIT %s)"
        )
        params += [bound, *query_params, wanted]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: list(ids) for key, ids in zip(walks, row, strict=True)}


def site_search(q: str, *, user, parsed: ParsedQuery | None = None) -> SearchResults:
    """Every group's best matches for the header's search box. `parsed`: q's
    parse_query(), when the caller has it (it is parsed here otherwise)."""
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
    if parsed is None:
        parsed = parse_query(q)
    with transaction.atomic():
        # The walk first: it is a plain index scan, which use_search_settings() turns off.
        walked = newest_candidates(parsed)
        use_search_settings()
        by_key["parties"].hits, by_key["parties"].has_more = search_parties(q)
        by_key["clauses"].hits, by_key["clauses"].has_more = search_clauses(
            parsed, candidates=walked.get("clauses")
        )
        by_key["claims"].hits, by_key["claims"].has_more = search_claims(
            parsed, user=user, candidates=walked.get("claims")
        )
        by_key["sources"].hits, by_key["sources"].has_more = search_sources(
            parsed, candidates=walked.get("sources")
        )
        by_key["passages"].hits, by_key["passages"].has_more = search_passages(
            parsed, candidates=walked.get("passages")
        )
    return SearchResults(q=q, groups=groups)
