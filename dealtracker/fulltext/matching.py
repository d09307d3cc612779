"""Full-text matching that uses the GIN indexes on `search_vector`.

Each row's vector is built with its own language's configuration (see
`dealtracker_ts_config` in dealtracker/fulltext/sql.py). A tsquery computed per
row from the row's language cannot use the index, so a match is two tests:

1. the row's vector matches the OR of `websearch_to_tsquery(config, q)` under
   every configuration in use — a constant, so the GIN index answers it;
2. the row's vector matches `websearch_to_tsquery(row's config, q)` — the exact
   test, evaluated only on the rows the index found. It keeps `-word` right:
   OR-ing across configurations alone would let a row through the branch whose
   stemming of the excluded word differs from the row's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchQueryField, SearchRank
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, Expression, F, Func, Q, TextField, Value

from dealtracker.text import single_line

# Every configuration dealtracker_ts_config() can return (a test checks the two agree).
SEARCH_CONFIGS: tuple[str, ...] = (
    "simple",
    "english",
    "arabic",
    "french",
    "german",
    "spanish",
    "italian",
    "portuguese",
    "dutch",
    "russian",
    "turkish",
)

# Longest search text accepted; more is cut (a query of a few words is what people type).
MAX_QUERY_CHARS = 200


def clean_query_text(q: str) -> str:
    """The search text as it will be sent: NUL bytes removed, trimmed, bounded."""
    return single_line(q)[:MAX_QUERY_CHARS]


# What a visitor reads when PostgreSQL refuses their search text.
QUERY_REFUSED = (
    "This search text cannot be searched: it has too many operators in a row (such as “-”). "
    "Reword it and search again."
)
# SQLSTATE classes of errors a connection or a time limit causes: not the text's fault.
_NOT_THE_TEXT = ("08", "53", "57", "58")


@dataclass(frozen=True)
class ParsedQuery:
    """A web-search text and, as tsquery text, the queries PostgreSQL makes of it.

    Sent back as constants (`%s::tsquery`), they cost a statement no parsing while it
    is planned: PostgreSQL folds the eleven configurations' websearch_to_tsquery calls
    into a constant at every place they appear (0.3 ms each; a search group's
    statement had three), and planning was most of a rare word's search.
    """

    text: str
    # Every configuration's query OR-ed, as AnyConfigQuery(text): what the GIN indexes answer.
    every: str
    # The same with each distinct configuration's query once: what ranks. Most
    # configurations make the same query of a word ("ceasefire": three distinct among
    # eleven), and ts_rank_cd, like `@@` on a row that does not match, goes through
    # every branch: 200 clause candidates ranked in 4.3-5.7 ms against all eleven,
    # 1.2-1.6 against the distinct ones, with the same ranks.
    distinct: str


class QueryRefused(ValueError):
    """PostgreSQL cannot run the text as a web search; str() says so to a visitor."""


def parse_query(q: str) -> ParsedQuery:
    """q's queries, as PostgreSQL parses them (QueryRefused when it cannot).

    websearch_to_tsquery takes almost any text, but not all: PostgreSQL 15 raises
    "tsquery stack too small" for 32 or more "-" operators in a row, and other
    versions and configurations have limits of their own. Asking the server is
    the only sure test, and it must be asked before a list is rendered or an
    export starts sending. One query (on a savepoint when inside a transaction,
    so that a refusal leaves the transaction usable).
    """
    queries = ", ".join(f"websearch_to_tsquery('{c}'::regconfig, %s)" for c in SEARCH_CONFIGS)
    sql = f"SELECT ARRAY[{queries}]::text[]"  # noqa: S608 — constants; q is a parameter
    params = [q] * len(SEARCH_CONFIGS)
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                each = _parse(sql, params)
        else:
            each = _parse(sql, params)
    except DatabaseError as exc:
        state = getattr(exc.__cause__, "sqlstate", None) or ""
        if state.startswith(_NOT_THE_TEXT):
            raise
        raise QueryRefused(QUERY_REFUSED) from exc
    # tsquery's text form reads back as the same query; each in parentheses keeps its
    # own precedence. A query of stop words only is empty, and OR-ing it adds nothing.
    branches = [query for query in each if query]
    return ParsedQuery(
        text=q,
        every=" | ".join(f"( {query} )" for query in branches),
        distinct=" | ".join(f"( {query} )" for query in dict.fromkeys(branches)),
    )


def query_problem(q: str) -> str | None:
    """Why PostgreSQL cannot run q as a web search (None: it can); see parse_query()."""
    if not q:
        return None
    try:
        parse_query(q)
    except QueryRefused as refused:
        return str(refused)
    return None


def _parse(sql: str, params: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def ts_config(language: str | Expression) -> Func:
    """dealtracker_ts_config(language) as an expression."""
    lang = F(language) if isinstance(language, str) else language
    return Func(lang, function="dealtracker_ts_config", output_field=TextField())


class AnyConfigQuery(Expression):
    """websearch_to_tsquery(c1, q) || websearch_to_tsquery(c2, q) || ... — one constant.

    Written as one SQL fragment: the same tree of eleven SearchQuery nodes costs
    Django more to resolve and compile, per query, than PostgreSQL takes to run it.
    """

    output_field = SearchQueryField()

    def __init__(self, q: str):
        super().__init__()
        self.q = q

    def as_sql(self, compiler, connection):
        return any_config_query_sql(self.q)


def any_config_query_sql(q: str) -> tuple[str, list[str]]:
    """The SQL (and parameters) of AnyConfigQuery(q), for hand-written queries."""
    # The configuration names are this module's constants, never user input.
    parts = " || ".join(f"websearch_to_tsquery('{c}'::regconfig, %s)" for c in SEARCH_CONFIGS)
    return f"({parts})", [q] * len(SEARCH_CONFIGS)


def any_config_query(q: str) -> AnyConfigQuery:
    return AnyConfigQuery(q)


class ParsedTsQuery(Expression):
    """A query parsed beforehand (ParsedQuery), sent as a tsquery constant."""

    output_field = SearchQueryField()

    def __init__(self, tsquery: str):
        super().__init__()
        self.tsquery = tsquery

    def as_sql(self, compiler, connection):
        return "%s::tsquery", [self.tsquery]


def _text(q: str | ParsedQuery) -> str:
    return q.text if isinstance(q, ParsedQuery) else q


def row_config_query(q: str, language: str | Expression) -> SearchQuery:
    """websearch_to_tsquery(<row's configuration>, q): exact, but per row."""
    return SearchQuery(Value(q), search_type="websearch", config=ts_config(language))


class _Matches(Func):
    """vector @@ query as a boolean expression usable in .filter()."""

    template = "%(expressions)s"
    arg_joiner = " @@ "

    def __init__(self, vector, query):
        super().__init__(vector, query, output_field=BooleanField())


def index_matches(q: str | ParsedQuery, *, vector: str = "search_vector") -> Q:
    """Test 1 alone: what the GIN index answers (a superset of the real matches)."""
    query = ParsedTsQuery(q.every) if isinstance(q, ParsedQuery) else any_config_query(q)
    return Q(_Matches(F(vector), query))


def language_matches(
    q: str | ParsedQuery, *, language: str = "language", vector: str = "search_vector"
) -> Q:
    """Test 2 alone: the exact match under the row's own configuration (per row, no index)."""
    return Q(_Matches(F(vector), row_config_query(_text(q), language)))


def text_matches(q: str, *, language: str = "language", vector: str = "search_vector") -> Q:
    """A filter: the row's search vector matches the web-search text q (see module doc)."""
    return index_matches(q, vector=vector) & language_matches(q, language=language, vector=vector)


def text_rank(q: ParsedQuery, *, vector: str = "search_vector") -> SearchRank:
    """ts_rank_cd (cover density: words near each other count more) against the query of
    every configuration, each distinct one once."""
    return SearchRank(F(vector), ParsedTsQuery(q.distinct), cover_density=True)


# Letters and digits only: no quotes, no "-word", no "or", no punctuation that
# splits the text into several lexemes.
_SINGLE_WORD = re.compile(r"[^\W_]+")


def is_single_word(q: str) -> bool:
    """True when q is one plain word (its query is an OR of that word's lexemes)."""
    return bool(_SINGLE_WORD.fullmatch(q)) and q.lower() != "or"
