"""The database side of suggestions: PostgreSQL full-text search and trigram matching.

Every function is one or two queries whatever the size of the text, so
computing a source's suggestions costs a bounded number of queries.

- party_ids_named(): parties whose name, short name or an alias looks like a
  word of the text (pg_trgm, through the trigram indexes on name, short name
  and aliases) — a loose first pass that finds the deals to consider.
- candidate_deals(): those parties' deals (and the deals the source's claims
  already belong to), ranked by parties named and by how well the text
  matches their clauses (the clauses' stored search_vector, GIN index).
- clause_terms(): the lexemes of those deals' clauses with their weights
  (title A, reference B, text C), read from the stored tsvector.
- lexemes(): words of the text as the text-search configuration of a
  language reduces them (to_tsvector), so a sentence and a clause are
  compared as search compares them: "released" and "releases" are one word.
- name_similarities(): pg_trgm's word_similarity of every party name form
  in every piece of sentence — how misspelt or inflected names are found
  ("Hamass", "Israeli").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

# How many deals a source's suggestions consider, and how many of their clauses.
MAX_DEALS = 5
MAX_CLAUSES = 2000
# Lexemes of the text put into one OR query to rank deals by their clauses.
MAX_QUERY_LEXEMES = 200


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Trigram similarity from which a word (or run of words) of the text may be a
# party's name or short name, and word similarity for an alias, in this first pass.
NAMED_SIMILARITY = 0.5
NAMED_ALIAS_SIMILARITY = 0.8


def party_ids_named(words: list[str]) -> set[int]:
    """Parties one of whose names is trigram-similar to a word (or run of words) of the text.

    A loose first pass that finds the deals to consider. The `%` and `<%`
    operators go through the trigram indexes on name, short name and
    aliases, with thresholds set for this query only (SET LOCAL).
    """
    if not words:
        return set()
    with transaction.atomic():
        _rows(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(NAMED_SIMILARITY), str(NAMED_ALIAS_SIMILARITY)],
        )
        rows = _rows(
            """
            SELECT DISTINCT p.id
              FROM deals_party p
              JOIN unnest(%s::text[]) AS w(word)
                ON p.name %% w.word
                OR (p.short_name <> '' AND p.short_name %% w.word)
                OR w.word <%% dealtracker_aliases_text(p.aliases)
            """,
            [words],
        )
    return {row[0] for row in rows}


def or_query_lexemes(lexeme_sets: list[set[str]]) -> list[str]:
    """The distinct lexemes to OR together, at most MAX_QUERY_LEXEMES of them."""
    out: dict[str, None] = {}
    for lexemes in lexeme_sets:
        for lexeme in sorted(lexemes):
            out.setdefault(lexeme, None)
            if len(out) >= MAX_QUERY_LEXEMES:
                return list(out)
    return list(out)


def candidate_deals(
    *, party_ids: set[int], prior_deal_ids: set[int], query_lexemes: list[str]
) -> list[tuple[int, float]]:
    """The deals to guess from, best first: (deal id, score).

    Score: 3 for a deal the source's claims already belong to, 1 per party of
    the deal named in the text, plus the summed ts_rank of its clauses that
    match the text. With no party named, the clauses matching the text pick
    the deals (GIN index on the clauses' search_vector).
    """
    query = "SELECT string_agg(quote_literal(l), ' | ')::tsquery AS q FROM unnest(%s::text[]) AS l"
    rows = _rows(
        f"""
        WITH q AS ({query}),
        named AS (
            SELECT deal_id, count(DISTINCT party_id) AS parties
              FROM deals_dealparty WHERE party_id = ANY(%s::bigint[]) GROUP BY deal_id
        ),
        considered AS (
            SELECT deal_id FROM named
            UNION SELECT unnest(%s::bigint[])
            UNION (SELECT c.deal_id FROM deals_clause c, q
                    WHERE NOT EXISTS (SELECT 1 FROM named) AND c.search_vector @@ q.q
                    GROUP BY c.deal_id ORDER BY count(*) DESC, c.deal_id LIMIT %s)
        )
        SELECT d.deal_id,
               coalesce((SELECT parties FROM named WHERE named.deal_id = d.deal_id), 0)
               + CASE WHEN d.deal_id = ANY(%s::bigint[]) THEN 3 ELSE 0 END
               + coalesce((SELECT sum(ts_rank(c.search_vector, q.q)) FROM deals_clause c, q
                            WHERE c.deal_id = d.deal_id AND c.search_vector @@ q.q), 0)
          FROM considered d
         ORDER BY 2 DESC, 1
         LIMIT %s
        """,  # noqa: S608 — only the constant subquery is formatted in
        [
            query_lexemes,
            list(party_ids),
            list(prior_deal_ids),
            MAX_DEALS,
            list(prior_deal_ids),
            MAX_DEALS,
        ],
    )
    return [(deal_id, float(score)) for deal_id, score in rows if deal_id is not None]


@dataclass
class ClauseTerms:
    id: int
    deal_id: int
    phase_id: int | None
    phase_order: int | None
    reference: str
    title: str
    language: str
    obliged: set[int] = field(default_factory=set)
    weights: dict[str, float] = field(default_factory=dict)  # lexeme -> 1.0 (title) or 0.5 (text)


# Weight of a clause word by where it stands: title (A) or text (C). The
# reference (B) is matched by the phase rule, not as a word.
LABEL_WEIGHTS = {"A": 1.0, "C": 0.5}


def clause_terms(deal_ids: list[int]) -> list[ClauseTerms]:
    """The candidate deals' clauses with the weighted lexemes of their stored tsvector."""
    if not deal_ids:
        return []
    rows = _rows(
        """
        SELECT c.id, c.deal_id, c.phase_id, ph."order", c.reference, c.title, c.language,
               array(SELECT p.party_id FROM deals_clause_obliged_parties p WHERE p.clause_id = c.id),
               array(SELECT u.lexeme FROM unnest(c.search_vector) u),
               array(SELECT array_to_string(u.weights, '') FROM unnest(c.search_vector) u)
          FROM deals_clause c
          LEFT JOIN deals_phase ph ON ph.id = c.phase_id
         WHERE c.deal_id = ANY(%s::bigint[])
         ORDER BY c.deal_id, c.position, c.reference
         LIMIT %s
        """,
        [deal_ids, MAX_CLAUSES],
    )
    out = []
    for cid, deal_id, phase_id, order, ref, title, lang, obliged, lexemes, labels in rows:
        weights: dict[str, float] = {}
        for lexeme, label in zip(lexemes, labels, strict=True):
            weight = max((LABEL_WEIGHTS.get(ch, 0.0) for ch in label), default=0.0)
            if weight:
                weights[lexeme] = weight
        out.append(
            ClauseTerms(cid, deal_id, phase_id, order, ref, title, lang, set(obliged), weights)
        )
    return out


def lexemes(words: list[str], languages: list[str]) -> dict[tuple[str, str], set[str]]:
    """(language, word) -> the word's lexemes in that language's text-search configuration."""
    if not words or not languages:
        return {}
    rows = _rows(
        """
        SELECT l.lang, w.word, tsvector_to_array(to_tsvector(dealtracker_ts_config(l.lang), w.word))
          FROM unnest(%s::text[]) AS w(word), unnest(%s::text[]) AS l(lang)
        """,
        [words, languages],
    )
    return {(lang, word): set(found) for lang, word, found in rows}


def name_similarities(pieces: list[str], forms: list[str], threshold: float) -> dict:
    """(piece index, form index) -> word_similarity(form, piece) for pairs at or above threshold.

    word_similarity is computed only for the pairs where the piece holds
    enough of the form's trigrams to reach the threshold at all (found by a
    hash join of their show_trgm sets), so long texts stay cheap.
    """
    if not pieces or not forms:
        return {}
    rows = _rows(
        """
        WITH s AS (SELECT piece, i FROM unnest(%s::text[]) WITH ORDINALITY AS s(piece, i)),
        f AS (
            SELECT form, j, cardinality(show_trgm(form)) AS n
              FROM unnest(%s::text[]) WITH ORDINALITY AS f(form, j)
        ),
        piece_trigrams AS (SELECT DISTINCT s.i, t.g FROM s, unnest(show_trgm(s.piece)) AS t(g)),
        form_trigrams AS (SELECT f.j, f.n, t.g FROM f, unnest(show_trgm(f.form)) AS t(g)),
        pairs AS (
            SELECT pt.i, ft.j FROM piece_trigrams pt JOIN form_trigrams ft USING (g)
             GROUP BY pt.i, ft.j, ft.n HAVING count(*) >= %s * ft.n
        )
        SELECT pairs.i, pairs.j, word_similarity(f.form, s.piece)
          FROM pairs JOIN s ON s.i = pairs.i JOIN f ON f.j = pairs.j
         WHERE word_similarity(f.form, s.piece) >= %s
        """,
        [pieces, forms, threshold, threshold],
    )
    return {(i - 1, j - 1): float(sim) for i, j, sim in rows}
