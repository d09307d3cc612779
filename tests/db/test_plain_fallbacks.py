"""The speed tricks of dealtracker/db/: each gives what its plain-ORM path gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import dealtracker.db
from dealtracker.claims.queries import claims_for_deal
from dealtracker.db import lexeme_statistics
from dealtracker.db.url_templates import reverse_path
from dealtracker.search import site
from dealtracker.sources.anchoring import quote_selector
from dealtracker.sources.models import Passage
from dealtracker.sources.services import source_create, source_revise
from tests.annotating import FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED
from tests.factories import build_lists_world, bulk_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_lists_world()


def both(settings, trick, run):
    """run() on the fast path, then on the plain path of `trick`."""
    settings.DB_PLAIN = frozenset()
    fast = run()
    settings.DB_PLAIN = frozenset({trick})
    plain = run()
    return fast, plain


def test_every_trick_the_settings_know_has_its_module():
    tricks = {"planner", "lexeme_statistics", "values_update", "shared_parent"}
    tricks |= {"url_templates", "distinct", "any_of", "prepared", "loaded", "timestamps"}
    modules = {p.stem for p in Path(dealtracker.db.__file__).parent.glob("*.py")}
    assert tricks <= modules
    assert django_settings.DB_PLAIN == frozenset()  # the fast paths by default


# --- search ------------------------------------------------------------------------------


def _results(q: str, user) -> list[tuple[str, list[tuple[int, str]]]]:
    found = site.site_search(q, user=user)
    return [(g.key, [(h.obj.pk, str(h.snippet)) for h in g.hits]) for g in found.groups]


def test_search_gives_the_same_hits_with_and_without_the_planner_switches(w, reader, settings):
    def run():
        return [_results(q, reader) for q in ("withdrawal", "hostages", "Isreal", '"aid" -x')]

    fast, plain = both(settings, "planner", run)
    assert fast == plain
    assert any(hits for _, hits in fast[0])


def test_planner_switches_are_on_only_on_the_fast_path(settings):
    def run():
        with transaction.atomic():
            site.use_search_settings()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('enable_seqscan'),"
                    " current_setting('pg_trgm.similarity_threshold')"
                )
                return cursor.fetchone()

    # set_config(..., true) lasts until the test's transaction ends: the plain path first.
    settings.DB_PLAIN = frozenset({"planner"})
    assert run() == ("on", "0.25")
    settings.DB_PLAIN = frozenset()
    assert run() == ("off", "0.25")


@pytest.fixture
def common_word(w, monkeypatch):
    """'truce' in most claims, the table analyzed, few candidates per group."""
    monkeypatch.setattr(site, "CANDIDATES", 5)
    monkeypatch.setattr(site, "SOURCE_CANDIDATES", 5)
    bulk_claims(300, statement="Truce talks resumed, round {i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    lexeme_statistics.forget_lexeme_statistics()
    yield
    lexeme_statistics.forget_lexeme_statistics()


def test_common_word_walks_the_same_with_counted_or_analyzed_frequencies(
    common_word, reader, settings
):
    def run():
        return site.newest_candidates("truce"), _results("truce", reader), _results("Rafah", reader)

    fast, plain = both(settings, "lexeme_statistics", run)
    assert "claims" in fast[0]
    assert fast == plain


def test_lexeme_statistics_are_kept_in_the_cache_per_database(common_word, settings):
    key = lexeme_statistics._cache_key("search_vector")
    assert connection.settings_dict["NAME"] in key
    assert cache.get(key) is None
    claims = site.Claim
    first = lexeme_statistics.lexeme_frequencies("truce", [claims])
    assert "claims_claim" in cache.get(key)
    with CaptureQueriesContext(connection) as queries:
        again = lexeme_statistics.lexeme_frequencies("truce", [claims])
    assert again == first
    assert not any("pg_stats" in q["sql"] for q in queries.captured_queries)
    lexeme_statistics.forget_lexeme_statistics()
    assert cache.get(key) is None


# --- re-anchoring's bulk update ----------------------------------------------------------

REPORT, CORRECTED = FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED
QUOTES = (
    "release all remaining Israeli hostages",
    "White House advisor Gabe Witkoff",
    "the corrected report drops altogether",
    "More than 50,000 Palestinians have died",
)


def _revised_passages(editor, url: str) -> list[tuple]:
    source = source_create(text=REPORT, title="Report", url=url, by=editor)
    revision = source.revisions.get()
    for quote in QUOTES:
        start = REPORT.index(quote)
        quote, prefix, suffix = quote_selector(REPORT, start, start + len(quote))
        Passage.objects.create(
            source=source,
            start=start,
            end=start + len(quote),
            quote=quote,
            prefix=prefix,
            suffix=suffix,
            revision_made=revision,
            revision_anchored=revision,
        )
    source_revise(source=source, new_text=CORRECTED, by=editor)
    return [
        (p.start, p.end, p.quote, p.prefix, p.suffix, p.anchor_status, p.needs_review)
        + (
            p.previous_quote,
            p.revision_anchored.number,
            p.search_vector,
            p.updated_at > p.created_at,
        )
        for p in source.passages.select_related("revision_anchored").order_by("start", "pk")
    ]


def test_reanchoring_writes_the_same_passages_with_values_or_bulk_update(editor, settings):
    urls = iter(("https://paper.example/a", "https://paper.example/b"))
    fast, plain = both(settings, "values_update", lambda: _revised_passages(editor, next(urls)))
    assert fast == plain
    assert {row[5] for row in fast} == {"anchored", "changed", "orphaned", "moved"}


# --- a claim's deal shared with its clause and phase -------------------------------------


def test_claim_rows_show_the_same_deals_with_the_shared_or_joined_parent(
    w, reader, settings, django_assert_num_queries
):
    def run():
        rows = list(claims_for_deal(deal=w.deal, user=reader))
        return [
            (
                c.pk,
                c.deal.slug,
                c.clause and (c.clause.reference, c.clause.deal.slug, c.clause.phase.order),
                c.phase and (c.phase.order, c.phase.deal.slug),
            )
            for c in rows
        ]

    fast, plain = both(settings, "shared_parent", run)
    assert fast == plain
    assert any(row[2] for row in fast)
    settings.DB_PLAIN = frozenset()
    for claim in claims_for_deal(deal=w.deal, user=reader):
        if claim.clause_id:
            assert claim.clause.deal is claim.deal  # shared, not joined again


# --- links -------------------------------------------------------------------------------


def test_reversed_once_links_equal_reverse(w, settings):
    names = [
        ("desk:claim-list", {}),
        ("desk:claim-detail", {"pk": w.refused.pk}),
        ("desk:party-detail", {"slug": "united-states"}),
        ("desk:clause-detail", {"slug": w.deal.slug, "ref": "2.1"}),
        ("desk:phase-detail", {"slug": w.deal.slug, "order": 2}),
    ]

    def run():
        return [reverse_path(name, **kwargs) for name, kwargs in names]

    fast, plain = both(settings, "url_templates", run)
    assert fast == plain == [reverse(name, kwargs=kwargs) for name, kwargs in names]


# Per-response values: the CSP nonce and the CSRF token.
TOKENS = re.compile(
    r'nonce="[^"]*"|"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"'
)


def test_pages_are_the_same_with_every_trick_plain(w, reader_client, settings):
    def run():
        pages = [
            reader_client.get(url, query).content.decode()
            for url, query in (
                ("/claims/", {}),
                ("/claims/", {"deal": w.deal.slug}),
                ("/search/", {"q": "withdrawal"}),
                (w.deal.get_absolute_url(), {}),
                (w.deal.get_absolute_url() + "phases/1/", {}),
                ("/sources/", {}),
            )
        ]
        # Per-response tokens differ between any two responses.
        return [TOKENS.sub("", page) for page in pages]

    settings.DB_PLAIN = frozenset()
    fast = run()
    settings.DB_PLAIN = frozenset(
        {
            "planner",
            "lexeme_statistics",
            "shared_parent",
            "url_templates",
            "distinct",
            "any_of",
            "loaded",
            "widgets",
            "compiled",
        }
    )
    assert run() == fast


def test_a_phase_lists_the_same_claims_with_any_of_or_in(w, reader, settings):
    from dealtracker.claims.queries import claims_for_phase

    phase = w.deal.phases.order_by("order").first()

    def run():
        return list(claims_for_phase(phase=phase, user=reader).values_list("pk", flat=True))

    fast, plain = both(settings, "any_of", run)
    assert fast == plain and fast, "the phase has claims, the same on both paths"


def test_languages_and_outlets_are_the_same_by_skip_scan_or_distinct(w, settings):
    from dealtracker.sources.queries import source_languages, source_outlets

    fast, plain = both(settings, "distinct", lambda: (source_languages(), source_outlets()))
    assert fast == plain and fast[0]


def test_an_unsaved_row_from_a_plan_is_the_one_model_init_builds(w, settings):
    """copy_rows.unsaved against Model(**values): every field's value (defaults included,
    related objects by id and cached), for each model the archive import builds."""
    import uuid

    from django.db.models.expressions import DatabaseDefault

    from dealtracker.claims.models import Claim, Evidence
    from dealtracker.db.copy_rows import unsaved
    from dealtracker.sources.models import Source, SourceRevision

    source = Source.objects.order_by("id").first()
    passage = Passage.objects.order_by("id").first()
    claim = Claim.objects.order_by("id").first()
    cases = [
        (Source, {"title": "T", "text": "Some text.", "text_hash": "ab", "created_by": None}),
        (SourceRevision, {"source": source, "number": 2, "text": "x", "text_hash": "cd"}),
        (
            Passage,
            {
                "source": source,
                "start": 0,
                "end": 4,
                "quote": "Some",
                "revision_made": passage.revision_made,
                "revision_anchored": passage.revision_anchored,
            },
        ),
        (Claim, {"statement": "S", "deal": claim.deal, "clause": None, "kind": "figure"}),
        (Evidence, {"claim": claim, "passage": passage, "relation": "supports", "note": "n"}),
        (Source, {"title": "U", "text": "t", "text_hash": "ef", "duplicate_of": Source()}),
    ]

    def fields(obj) -> dict:
        values = {k: v for k, v in obj.__dict__.items() if k != "_state"}
        for k, v in values.items():
            if isinstance(v, uuid.UUID):
                assert v.version == 4
                values[k] = "a uuid4"
            elif isinstance(v, DatabaseDefault):
                values[k] = "the database's default"
        return values

    for model, values in cases:
        built, wanted = unsaved(model, **values), model(**values)
        assert fields(built) == fields(wanted), model
        assert built._state.adding and built._state.db is None
        for name, value in values.items():
            if model._meta.get_field(name).is_relation:
                assert getattr(built, name) is value
    with pytest.raises(TypeError, match="no field colour"):
        unsaved(Source, title="T", colour="red")
    settings.DB_PLAIN = frozenset({"unsaved"})
    assert type(unsaved(Evidence, note="n")) is Evidence
