"""Statements compiled once (dealtracker/db/statements.py): the SQL a query's first run
compiled is sent again with each run's own values, never another run's, and nothing
that changes the SQL's shape can hide in a value."""

from __future__ import annotations

import re
from functools import partial

import hypothesis
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, Prefetch
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import strategies as st

from dealtracker.claims import queries as claim_queries
from dealtracker.claims.models import Evidence
from dealtracker.db import statements
from dealtracker.db.any_of import any_of_values
from dealtracker.db.statements import (
    StatementMismatch,
    UncompilableValue,
    compiled,
    compiled_get,
    compiled_page,
    compiled_prefetch,
    compiled_slice,
)
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.models import Clause, Deal, Party
from tests.factories import (
    make_claim,
    make_clause,
    make_deal,
    make_draft_claim,
    make_party,
    make_passage,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh():
    # Each test compiles its own keys first; other tests' entries stay out of the way.
    statements.forget()
    yield
    statements.forget()


def _by_slug(*, slug: str):
    return Deal.objects.filter(slug=slug).order_by("id")


@pytest.fixture
def compiles(monkeypatch):
    """How many times the ORM compiled a statement (top level and subqueries)."""
    calls = []
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


def test_each_run_sends_its_own_values_and_compiles_nothing_after_the_first(settings, compiles):
    settings.DB_STATEMENTS_CHECKED = False  # the check compiles on purpose
    deals = [make_deal(slug) for slug in ("gaza-2025", "lebanon-2024", "sudan-2023")]
    for deal in deals * 2:
        assert [d.pk for d in compiled("by slug", _by_slug, slug=deal.slug)] == [deal.pk]
    assert list(compiled("by slug", _by_slug, slug="no-such-deal")) == []
    assert len(compiles) == 1  # the first run's, made with stand-in values


def test_hostile_values_travel_as_values(settings):
    make_deal("gaza-2025")
    hostile = "gaza-2025' OR '1'='1"
    assert list(compiled("by slug", _by_slug, slug=hostile)) == []
    with pytest.raises(Deal.DoesNotExist, match="Deal matching query does not exist"):
        deal_queries.deal_for_page(slug=hostile)
    with pytest.raises(Deal.DoesNotExist):
        deal_queries.deal_for_page(slug="\x1fstatement value 0\x1f")  # the stand-in itself


def test_a_copy_of_the_rows_is_an_ordinary_query_with_the_real_values(settings):
    settings.DB_STATEMENTS_CHECKED = False
    make_deal("gaza-2025")
    wanted = make_deal("lebanon-2024")
    list(compiled("by slug", _by_slug, slug="gaza-2025"))  # compiled with another value
    rows = compiled("by slug", _by_slug, slug="lebanon-2024")
    assert rows.count() == 1
    assert rows.exists()
    assert [d.pk for d in rows[:1]] == [wanted.pk]
    assert list(rows.filter(title="nothing")) == []
    assert list(rows.values_list("slug", flat=True)) == ["lebanon-2024"]
    assert [d.pk for d in Deal.objects.filter(pk__in=rows.values("pk"))] == [wanted.pk]
    assert "lebanon-2024" in str(rows.query)
    assert [d.pk for d in rows] == [wanted.pk]  # and the rows themselves


def test_get_raises_what_queryset_get_raises(settings):
    deal = make_deal("gaza-2025")
    make_clause(deal, "2.1")
    assert deal_queries.deal_for_page(slug="gaza-2025") == deal
    clause = deal_queries.clause_for_page(deal=deal, ref="2.1")
    assert (clause.reference, clause.deal) == ("2.1", deal)
    with pytest.raises(Clause.DoesNotExist):
        deal_queries.clause_for_page(deal=deal, ref="9.9")
    Deal.objects.filter(pk=make_deal("other").pk).update(title=deal.title)
    with pytest.raises(Deal.MultipleObjectsReturned):
        compiled_get(
            "by title", lambda *, title: Deal.objects.filter(title=title), title=deal.title
        )


def test_what_a_user_may_see_is_part_of_the_key(reader):
    deal = make_deal("gaza-2025")
    published = make_claim(statement="Israel withdrew", deal=deal)
    draft = make_draft_claim(statement="A draft about Hamas", deal=deal)
    public = claim_queries.latest_claims(user=AnonymousUser(), limit=10)
    assert [c.pk for c in public] == [published.pk]
    assert {c.pk for c in claim_queries.latest_claims(user=reader, limit=10)} == {
        published.pk,
        draft.pk,
    }
    # And the deal's "last updated" sees the draft only for a reader.
    draft.refresh_from_db()
    assert claim_queries.deal_last_updated(deal=deal, user=reader) >= draft.updated_at


@pytest.mark.parametrize(
    ("build", "values", "problem"),
    [
        # The value is rewritten on its way (%word%): the stand-in never reaches the SQL.
        (lambda *, text: Deal.objects.filter(title__icontains=text), {"text": "gaza"}, "own"),
        # None and booleans change the SQL itself.
        (lambda *, slug: Deal.objects.filter(slug=slug), {"slug": None}, "shapes"),
        (lambda *, flag: Deal.objects.filter(pk__gt=0), {"flag": True}, "shapes"),
        # A value the SQL never holds.
        (lambda *, slug: Deal.objects.all(), {"slug": "gaza-2025"}, "own"),
        # A value that would ride along in a prefetch, run later as it is.
        (
            lambda *, name: Clause.objects.prefetch_related(
                Prefetch("obliged_parties", queryset=Party.objects.filter(name=name))
            ).filter(reference=name),
            {"name": "Israel"},
            "prefetch",
        ),
        # A list of ids is one value only as any_of_values sends it: the ORM's IN
        # spreads it over as many parameters as it has items.
        (lambda *, ids: Deal.objects.filter(pk__in=ids), {"ids": [1, 2]}, "own"),
        (lambda *, slugs: Deal.objects.filter(slug__in=slugs), {"slugs": ["a"]}, "no stand-in"),
    ],
)
def test_a_value_that_is_not_a_plain_parameter_is_refused(build, values, problem):
    with pytest.raises(UncompilableValue, match=problem):
        list(compiled("refused", build, **values))


def test_a_key_that_misses_a_shape_fails_the_check(settings):
    settings.DB_STATEMENTS_CHECKED = True  # as in the whole suite

    def shaped_by_its_value(*, slug: str):
        deals = Deal.objects.filter(slug=slug)
        return deals.filter(status="active") if slug.startswith("x") else deals

    list(compiled("shape", shaped_by_its_value, slug="gaza-2025"))
    with pytest.raises(StatementMismatch, match="shape"):
        compiled("shape", shaped_by_its_value, slug="x-2025")


def test_the_plain_path_compiles_every_time(settings, compiles):
    settings.DB_PLAIN = frozenset({"compiled"})
    settings.DB_STATEMENTS_CHECKED = False
    deal = make_deal("gaza-2025")
    for _ in range(3):
        assert list(compiled("by slug", _by_slug, slug="gaza-2025")) == [deal]
    assert len(compiles) == 3


def test_the_statement_sent_is_the_one_the_orm_writes(settings):
    deal = make_deal("gaza-2025")
    make_deal("lebanon-2024")
    list(compiled("by slug", partial(_by_slug), slug="lebanon-2024"))
    with CaptureQueriesContext(connection) as sent:
        assert list(compiled("by slug", partial(_by_slug), slug="gaza-2025")) == [deal]
    expected_sql, expected_params = _by_slug(slug="gaza-2025").query.sql_with_params()
    ran = [q["sql"] for q in sent.captured_queries if '"deals_deal"' in q["sql"]]
    assert ran and "gaza-2025" in ran[0]
    assert expected_params == ("gaza-2025",)


def _deals_titled(*, status: str):
    return Deal.objects.filter(title__startswith="Deal", status=status).order_by("slug")


def _deals_counted(*, status: str):
    return Deal.objects.filter(status=status).annotate(n=Count("clauses")).order_by("slug")


@pytest.mark.parametrize("window", [slice(0, 3), slice(2, 5), slice(4, 7)])
def test_a_lists_pages_are_its_own_rows_whichever_values_compiled_it(settings, window, compiles):
    settings.DB_STATEMENTS_CHECKED = False
    slugs = [f"deal-{n}" for n in range(6)]
    for slug in slugs:
        make_deal(slug)
    Deal.objects.filter(slug__in=slugs[:4]).update(status="agreed")
    # Compiled first for another status, then read for "agreed" and "proposed".
    list(compiled_slice(compiled("titled", _deals_titled, status="collapsed"), window))
    list(compiled_page(*[compiled("counted", _deals_counted, status="collapsed")] * 2, window))
    before = len(compiles)
    for status, rows in (("agreed", slugs[:4]), ("proposed", slugs[4:])):
        sliced = compiled_slice(compiled("titled", _deals_titled, status=status), window)
        assert [d.slug for d in sliced] == rows[window]
        counted = compiled("counted", _deals_counted, status=status)
        paged = compiled_page(counted, counted, window)
        assert [d.slug for d in paged] == rows[window]
    assert len(compiles) == before  # no statement compiled again


def test_deep_pages_and_lists_of_other_values_are_ordinary_queries(settings, compiles):
    settings.DB_STATEMENTS_CHECKED = False
    make_deal("gaza-2025")
    rows = compiled("titled", _deals_titled, status="proposed")
    deep = slice(statements.COMPILED_ROWS, statements.COMPILED_ROWS + 10)
    before = len(compiles)
    assert list(compiled_slice(rows, deep)) == []
    assert len(compiles) == before + 1  # compiled as usual, nothing kept
    # A page whose rows and keys disagree on a value: the ordinary query, right rows.
    keys = compiled("counted", _deals_counted, status="agreed")
    assert [d.slug for d in compiled_page(rows, keys, slice(0, 5))] == []
    keys = compiled("counted", _deals_counted, status="proposed")
    assert [d.slug for d in compiled_page(rows, keys, slice(0, 5))] == ["gaza-2025"]


def test_a_party_page_lists_are_paged_by_compiled_statements(client, public_read, settings):
    """The party page's three lists, read for two parties in turn: each its own rows."""
    from tests.factories import make_party

    deal = make_deal("gaza-2025")
    israel, hamas = make_party("israel", "Israel"), make_party("hamas", "Hamas")
    make_claim(statement="Israel says the crossings opened", deal=deal, claimant=israel)
    make_claim(statement="Hamas says the list was delivered", deal=deal, claimant=hamas)
    make_claim(statement="Claim about Hamas", deal=deal, subjects=[hamas])
    settings.PAGE_CACHE = False
    for _ in range(2):
        israel_page = client.get("/parties/israel/").content.decode()
        hamas_page = client.get("/parties/hamas/").content.decode()
        assert "Israel says the crossings opened" in israel_page
        assert "Hamas says" not in israel_page and "Claim about Hamas" not in israel_page
        assert "Hamas says the list was delivered" in hamas_page
        assert "Claim about Hamas" in hamas_page
        assert "Israel says" not in hamas_page


def _deals_with_ids(*, ids: list[int]):
    return Deal.objects.filter(any_of_values("id", ids)).order_by("id")


@pytest.mark.parametrize("lengths", [(3, 1, 5), (1, 4, 2)])
def test_a_list_of_ids_is_one_value_whatever_its_length(settings, compiles, lengths):
    settings.DB_STATEMENTS_CHECKED = False
    deals = [make_deal(f"deal-{n}") for n in range(6)]
    before = len(compiles)
    for length in lengths:
        wanted = [d.pk for d in deals[:length]]
        assert [d.pk for d in compiled("ids", _deals_with_ids, ids=wanted)] == wanted
    assert [d.pk for d in compiled("ids", _deals_with_ids, ids=[])] == []
    assert len(compiles) == before + 1


def test_the_latest_assessments_of_other_clauses_are_their_own(settings):
    """latest_assessments() compiled for one deal's clauses, read for another's."""
    import datetime as dt

    from dealtracker.claims.models import Assessment
    from dealtracker.claims.rollups import latest_assessments
    from tests.factories import make_party

    party = make_party()
    clauses = []
    for slug in ("gaza-2025", "lebanon-2024"):
        clause = make_clause(make_deal(slug), "2.1")
        clause.obliged_parties.add(party)
        clauses.append(clause)
        for day, level in ((1, "minimal"), (5, "full")):
            Assessment.objects.create(
                clause=clause,
                party=party,
                level=level,
                assessed_on=dt.date(2025, 3, day),
                rationale="Seen by our reporters",
                is_published=True,
                published_at=timezone.now(),
            )
    for clause in clauses:
        for as_of, level in ((dt.date(2025, 3, 3), "minimal"), (dt.date(2025, 3, 9), "full")):
            latest = latest_assessments(clauses=[clause], as_of=as_of, user=AnonymousUser())
            assert {(key, a.level) for key, a in latest.items()} == {((clause.pk, party.pk), level)}
    assert latest_assessments(clauses=[], as_of=dt.date(2025, 3, 9), user=None) == {}


def test_the_sources_list_filtered_in_turn_shows_each_filters_sources(
    client, public_read, settings
):
    from tests.factories import make_source

    settings.PAGE_CACHE = False
    settings.DB_STATEMENTS_CHECKED = False  # what production runs
    make_source("Text one.", title="An English report", language="en", outlet="Reuters")
    make_source("Text two.", title="Un rapport français", language="fr", outlet="AFP")
    make_source("Text three.", title="Another English report", language="en", outlet="AFP")
    for _ in range(2):
        english = client.get("/sources/", {"language": "en"}).content.decode()
        french = client.get("/sources/", {"language": "fr"}).content.decode()
        afp = client.get("/sources/", {"outlet": "AFP"}).content.decode()
        assert "An English report" in english and "Another English report" in english
        assert "rapport français" not in english
        assert "rapport français" in french and "English report" not in french
        assert "Un rapport français" in afp and "Another English report" in afp
        assert "An English report" not in afp


@pytest.fixture
def twelve_sources(db):
    from tests.factories import make_source

    outlets, languages = ("AFP", "Reuters", "Al Jazeera"), ("en", "ar", "fr")
    kinds = ("news_report", "official_statement")
    for n in range(12):
        make_source(
            f"Report number {n}.",
            title=f"Report {n}",
            outlet=outlets[n % 3],
            language=languages[n % 3 if n < 6 else (n + 1) % 3],
            kind=kinds[n % 2],
        )


@hypothesis.given(data=st.data())
@hypothesis.settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_any_filters_any_page_and_any_viewer_give_the_ordinary_querys_rows(
    twelve_sources, settings, reader, data
):
    """The sources list's compiled statements against the ORM compiling each query afresh,
    for filters drawn at random (so each key is compiled for some values and read for
    others), pages of several sizes and a viewer who sees drafts or not."""
    from dealtracker.claims.queries import source_list_rows

    settings.DB_STATEMENTS_CHECKED = False
    settings.DB_PLAIN = frozenset()  # the fixture keeps the last example's
    filters = {
        "kind": data.draw(st.sampled_from([None, "news_report", "official_statement"])),
        "language": data.draw(st.sampled_from([None, "en", "ar", "fr", "he"])),
        "outlet": data.draw(st.sampled_from([None, "AFP", "Reuters", "Al Jazeera", "AP"])),
    }
    user = data.draw(st.sampled_from([reader, AnonymousUser()]))
    start = data.draw(st.integers(0, 12))
    window = slice(start, start + data.draw(st.integers(1, 6)))

    def pages():
        rows, sources = source_list_rows(user=user, **filters)
        return (
            [s.pk for s in compiled_slice(sources, window)],
            [(s.pk, s.passage_count) for s in compiled_page(rows, sources, window)],
        )

    compiled_pages = pages()
    settings.DB_PLAIN = frozenset({"compiled"})
    assert pages() == compiled_pages


# --- compiled prefetches ---------------------------------------------------------------


def _claims_with(prefetch, claims):
    return list(
        claim_queries.Claim.objects.filter(pk__in=[c.pk for c in claims])
        .order_by("pk")
        .prefetch_related(prefetch)
    )


@pytest.fixture
def claims_told():
    """Five claims, each with its own subjects, claimant and evidence."""
    parties = [make_party(f"party-{n}", f"Party {n}") for n in range(6)]
    source = make_source()
    quotes = ("Hamas is prepared", "The second phase", "Israeli officials said", "Gabe Witkoff")
    passages = [make_passage(source, quote) for quote in quotes]
    return [
        make_claim(
            f"Claim {n}",
            claimant=parties[n],
            subjects=parties[n + 1 : n + 1 + n % 3],
            passages=passages[: n % 4],
        )
        for n in range(5)
    ]


def test_a_prefetch_gives_each_object_its_own_rows_for_any_number_of_objects(
    settings, compiles, claims_told
):
    settings.DB_STATEMENTS_CHECKED = False
    subjects = partial(compiled_prefetch, "subjects", "subjects", Party.objects.order_by("name"))
    evidence = partial(
        compiled_prefetch, "evidence", "evidence", claim_queries.Evidence.objects.all()
    )
    claimant = partial(compiled_prefetch, "claimant", "claimant", Party.objects.all())
    for chosen in (claims_told, claims_told[3:4], claims_told[1:3], claims_told[::2]):
        before = len(compiles)
        got = _claims_with(subjects(), chosen)
        got = _claims_with(evidence(), got)
        got = _claims_with(claimant(), got)
        compiled_here = len(compiles) - before
        for read, told in zip(got, chosen, strict=True):
            assert list(read.subjects.all()) == sorted(told.subjects.all(), key=lambda p: p.name)
            assert {e.passage_id for e in read.evidence.all()} == {
                e.passage_id for e in told.evidence.all()
            }
            assert read.claimant == told.claimant
        if chosen is not claims_told:
            assert compiled_here == 3  # the claims' own queries; no prefetch's


def test_a_prefetch_is_one_statement_whatever_the_number_of_objects(settings, claims_told):
    texts = []
    for chosen in (claims_told[:1], claims_told):
        with CaptureQueriesContext(connection) as sent:
            _claims_with(
                compiled_prefetch("subjects", "subjects", Party.objects.order_by("name")), chosen
            )
        texts.append(
            [q["sql"] for q in sent.captured_queries if "claims_claim_subjects" in q["sql"]]
        )
    assert len(texts[0]) == len(texts[1]) == 1
    assert "= ANY(" in texts[1][0] and " IN (" not in texts[1][0]


def test_a_prefetch_follows_to_its_own_prefetches(settings, claims_told):
    """Evidence, then each passage's source (a forward relation, as Django prefetches it)."""
    for chosen in (claims_told, claims_told[3:4]):
        with CaptureQueriesContext(connection) as sent:
            got = _claims_with(claim_queries.evidence_prefetch(), chosen)
            titles = [e.passage.source.title for claim in got for e in claim.evidence.all()]
        assert titles == ["Hamas offers to free all hostages"] * sum(
            c.evidence.count() for c in chosen
        )
        sources = [q["sql"] for q in sent.captured_queries if 'FROM "sources_source"' in q["sql"]]
        assert len(sources) == 1 and "= ANY(" in sources[0]


def test_a_prefetch_with_values_of_its_own_is_refused(claims_told):
    own_value = compiled_prefetch("named", "subjects", Party.objects.filter(name="Party 2"))
    with pytest.raises(UncompilableValue, match="values of its own"):
        _claims_with(own_value, claims_told)
    with pytest.raises(UncompilableValue, match="sliced"):
        compiled_prefetch("first", "subjects", Party.objects.order_by("name")[:1])


def test_a_prefetch_key_reused_for_another_query_fails_the_check(settings, claims_told):
    _claims_with(compiled_prefetch("k", "subjects", Party.objects.order_by("name")), claims_told)
    with pytest.raises(StatementMismatch):
        _claims_with(
            compiled_prefetch("k", "subjects", Party.objects.order_by("-name")), claims_told
        )


def test_the_plain_path_prefetches_as_django_does(settings, claims_told):
    settings.DB_PLAIN = frozenset({"compiled"})
    with CaptureQueriesContext(connection) as sent:
        got = _claims_with(
            compiled_prefetch("subjects", "subjects", Party.objects.order_by("name")), claims_told
        )
    assert [len(c.subjects.all()) for c in got] == [0, 1, 2, 0, 1]
    ran = [q["sql"] for q in sent.captured_queries if "claims_claim_subjects" in q["sql"]]
    assert len(ran) == 1 and " IN (" in ran[0]


def test_a_count_or_exists_of_a_prefetch_query_is_its_own_statement(claims_told):
    """Only the rows a prefetch reads come from the statement compiled once: a count or
    an exists() of its query (as any copy could ask) is compiled as usual, and its rows
    read without the column Django adds for a many-to-many are a statement of their own."""
    from django.db.models.fields.related_descriptors import _filter_prefetch_queryset

    prefetch = compiled_prefetch("subjects", "subjects", Party.objects.order_by("name"))
    _claims_with(prefetch, claims_told)  # compiled once
    claim = claims_told[2]  # two subjects
    (rows,) = prefetch.get_current_querysets(0)
    rows = _filter_prefetch_queryset(rows, "claims_about", [claim])
    assert rows.count() == 2
    assert rows.values("pk").count() == 2
    assert rows.exists()
    assert sorted(p.pk for p in rows) == sorted(p.pk for p in claim.subjects.all())


def test_one_key_given_to_two_relations_reads_each_relation(settings, claims_told):
    clause = make_clause(make_deal("lebanon-2024"), "2.1")
    clause.obliged_parties.set(claims_told[4].subjects.all()[:1])
    parties = partial(compiled_prefetch, "parties", queryset=Party.objects.order_by("name"))
    for _ in range(2):
        got = _claims_with(parties(lookup="subjects"), claims_told[2:3])
        assert len(got[0].subjects.all()) == 2
        clauses = list(
            Clause.objects.filter(pk=clause.pk).prefetch_related(parties(lookup="obliged_parties"))
        )
        assert [p.pk for p in clauses[0].obliged_parties.all()] == [
            claims_told[4].subjects.all()[0].pk
        ]


# --- counts, lookups by a small number, and a list's keyset pages ----------------------


def _deals_of_status(*, status: str):
    return Deal.objects.filter(status=status).order_by("slug")


@pytest.mark.parametrize("cap", [2, 5, 50])
def test_a_capped_count_counts_each_runs_own_rows_compiled_once(settings, compiles, cap):
    settings.DB_STATEMENTS_CHECKED = False
    for n in range(7):
        make_deal(f"deal-{n}")
    Deal.objects.filter(slug__in=["deal-0", "deal-1", "deal-2"]).update(status="agreed")
    assert statements.compiled_count(_deals_of_status(status="agreed"), cap=cap) is None
    counted = []
    for status in ("collapsed", "agreed", "proposed", "agreed"):
        rows = compiled("of status", _deals_of_status, status=status)
        counted.append(statements.compiled_count(rows, cap=cap))
        if status == "collapsed":
            after_first = len(compiles)
    assert counted == [0, min(3, cap + 1), min(4, cap + 1), min(3, cap + 1)]
    assert len(compiles) == after_first  # neither the rows nor their count again


def test_a_lists_count_on_its_page_is_the_compiled_count(client, public_read, settings):
    """A phase's clauses and claims, counted for two phases in turn: each its own."""
    from tests.factories import make_phase

    settings.PAGE_CACHE = False
    settings.DB_STATEMENTS_CHECKED = False
    deal = make_deal("gaza-2025")
    first, second = make_phase(deal, 1), make_phase(deal, 2)
    for n in range(3):
        Clause.objects.create(deal=deal, phase=first, reference=f"1.{n}", title="Hostages")
    Clause.objects.create(deal=deal, phase=second, reference="2.1", title="Withdrawal")
    for n in range(4):
        make_claim(f"Said of phase two, number {n}", phase=second)
    for _ in range(2):
        one = client.get("/deals/gaza-2025/phases/1/").content.decode()
        two = client.get("/deals/gaza-2025/phases/2/").content.decode()
        assert '<p class="count">0 claims</p>' in one
        assert '<p class="count">4 claims</p>' in two


def test_a_number_a_small_column_holds_is_a_value_too(settings, compiles):
    """A phase by its number (a positive smallint, which refuses the usual stand-in):
    compiled once, each run its own phase, the value sent as the column's type."""
    from tests.factories import make_phase

    settings.DB_STATEMENTS_CHECKED = False
    deals = [make_deal("gaza-2025"), make_deal("lebanon-2024")]
    phases = {(d.pk, n): make_phase(d, n) for d in deals for n in (1, 2, 3)}
    before = len(compiles)
    for (deal_id, order), phase in list(phases.items()) * 2:
        deal = next(d for d in deals if d.pk == deal_id)
        found = deal_queries.phase_of_deal(deal=deal, order=order)
        assert found.pk == phase.pk and found.deal is deal
    assert deal_queries.phase_of_deal(deal=deals[0], order=32767) is None
    # The first run's two: with the usual stand-in (which the column refuses), then
    # with a small one.
    assert len(compiles) == before + 2
    run = statements._run_of(
        compiled(
            ("first", "deals.phase_of_deal"),
            lambda **given: deal_queries._phase_of_deal(**given)[:1],
            deal_id=deals[0].pk,
            order=2,
        )
    )
    assert [type(p).__name__ for p in run.params] == ["int", "Int2"]


def _claim_pages(user, filters, *, oldest_first, size):
    """Every page of the claims list forward, then every page back from the end."""
    from dealtracker.claims.listing import claim_page, listed_claims, with_list_details

    def page(**cursor):
        rows = listed_claims(user=user, filters=filters, details=with_list_details)
        return claim_page(rows, oldest_first=oldest_first, size=size, **cursor)

    forward, seen = [], page()
    while True:
        forward.append([(c.pk, [p.pk for p in c.subjects.all()]) for c in seen.claims])
        if seen.next_cursor is None:
            break
        seen = page(after=seen.next_cursor)
    back, cursor = [], seen.prev_cursor
    while cursor is not None:
        seen = page(before=cursor)
        back.append([c.pk for c in seen.claims])
        cursor = seen.prev_cursor
    return forward, back


@pytest.fixture
def claims_listed(db):
    import datetime as dt

    deals = [make_deal("gaza-2025"), make_deal("lebanon-2024")]
    parties = [make_party("israel", "Israel"), make_party("hamas", "Hamas")]
    for n in range(14):
        make = make_draft_claim if n % 5 == 4 else make_claim
        make(
            f"Claim {n} on the crossings",
            deal=deals[n % 2],
            claimant=parties[n % 3 % 2],
            subjects=parties[: n % 3],
            made_on=None if n % 6 == 0 else dt.date(2025, 1, 1 + n % 4),
            **({"compliance": ("complied", "partly", "not_complied")[n % 3]} if n % 2 else {}),
        )
    return deals, parties


@hypothesis.given(data=st.data())
@hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_any_filters_any_cursor_give_the_claims_lists_ordinary_pages(
    claims_listed, settings, reader, data
):
    """The claims list's compiled rows and keyset pages (after and before a position)
    against the ORM compiling every page afresh, for filters, orders, page sizes and
    viewers drawn at random: each key compiled for some values, read for others."""
    import datetime as dt

    from dealtracker.claims.listing import ClaimFilters

    deals, parties = claims_listed
    settings.DB_STATEMENTS_CHECKED = False
    settings.DB_PLAIN = frozenset()
    filters = ClaimFilters(
        deal=data.draw(st.sampled_from([None, *deals])),
        claimant=data.draw(st.sampled_from([None, *parties])),
        subject=data.draw(st.sampled_from([None, *parties])),
        kind=data.draw(st.sampled_from(["", "compliance"])),
        compliance=data.draw(st.sampled_from(["", "complied", "not_complied"])),
        made_from=data.draw(st.sampled_from([None, dt.date(2025, 1, 2)])),
        q=data.draw(st.sampled_from(["", "crossings", "nowhere"])),
        oldest_first=data.draw(st.booleans()),
    )
    user = data.draw(st.sampled_from([reader, AnonymousUser()]))
    size = data.draw(st.sampled_from([1, 3, 25]))
    compiled_pages = _claim_pages(user, filters, oldest_first=filters.oldest_first, size=size)
    settings.DB_PLAIN = frozenset({"compiled"})
    assert _claim_pages(user, filters, oldest_first=filters.oldest_first, size=size) == (
        compiled_pages
    )


def test_a_claims_list_page_compiles_nothing_after_its_first(
    client, public_read, settings, compiles
):
    settings.PAGE_CACHE = False
    settings.DB_STATEMENTS_CHECKED = False
    deal = make_deal("gaza-2025")
    for n in range(30):
        make_claim(f"Claim {n}", deal=deal, compliance="complied")
    addresses = ["/claims/", "/claims/?deal=gaza-2025&kind=compliance", "/claims.csv"]
    for address in addresses:
        response = client.get(address)
        if response.streaming:
            b"".join(response.streaming_content)
    before = len(compiles)
    pages = [client.get(a) for a in addresses]
    csv_rows = b"".join(pages[2].streaming_content).decode().count("\n")
    assert [p.status_code for p in pages] == [200, 200, 200] and csv_rows == 31
    # None of the claims has a claimant, phase or clause: those prefetches match nothing
    # and are neither compiled nor sent. Still compiled at each request: the facets' statement (hand-written around the
    # list's filters, which the ORM writes), once per list page; the CSV nothing.
    assert len(compiles) - before == 2, compiles[before:]


@pytest.mark.parametrize("number", ["0", "40000", "99999999999999999999"])
def test_a_number_no_row_can_hold_finds_nothing(client, public_read, settings, number):
    """Addresses with numbers beyond their column's type: 404s, as the ORM's own range
    check gives, never a 500 from the driver (checked mode on: the ORM sends nothing)."""
    from tests.factories import make_phase

    settings.PAGE_CACHE = False
    deal = make_deal("gaza-2025")
    make_phase(deal, 1)
    for _ in range(2):  # compiled on the first request, reused on the second
        assert client.get(f"/deals/gaza-2025/phases/{number}/").status_code == 404
        assert client.get(f"/claims/{number}/").status_code == 404
        assert client.get(f"/sources/{number}/").status_code == 404
        assert client.get("/deals/gaza-2025/phases/1/").status_code == 200


def test_annotation_pages_are_their_own_rows_and_compile_once(
    client, public_read, reader_client, settings, compiles
):
    """The whole database's annotation pages (/annotations.jsonld?page=N): each page its
    own evidence, a draft claim's only for a reader, compiled once per kind of viewer."""
    from dealtracker.interchange.annotations import PAGE_SIZE

    settings.PAGE_CACHE = False
    settings.DB_STATEMENTS_CHECKED = False
    source = make_source("Truce holds, said the mediators; the truce was broken, said others.")
    passage = make_passage(source, "Truce holds")
    for n in range(5):
        make_claim(f"Published {n}", passages=[passage])
    draft = make_draft_claim("Not yet published", passages=[passage])
    evidence = list(Evidence.objects.order_by("id").values_list("id", "claim_id"))
    numbers = sorted({(pk - 1) // PAGE_SIZE for pk, _ in evidence})

    def read(viewer) -> list[str]:
        ids = []
        for number in numbers:
            answer = viewer.get(f"/annotations.jsonld?page={number}")
            assert answer.status_code == 200
            ids += [item["id"].rsplit("-", 1)[1] for item in answer.json()["items"]]
        return ids

    first = [read(client), read(reader_client)]
    before = len(compiles)
    assert [read(client), read(reader_client)] == first
    assert client.get("/annotations.jsonld?page=0").status_code == 200  # another number
    # The page's statements: its evidence and the newest evidence's id (the last page).
    assert Evidence not in compiles[before:], compiles[before:]
    published = [str(pk) for pk, claim in evidence if claim != draft.pk]
    assert first == [published, [str(pk) for pk, _ in evidence]]


def test_the_deals_and_parties_lists_compile_nothing_after_their_first_pages(
    client, public_read, settings, compiles
):
    """Unfiltered, and the parties by kind: rows, count and pages compiled once; each
    page, filter and viewer still reads its own rows."""
    settings.PAGE_CACHE = False
    settings.DB_STATEMENTS_CHECKED = False
    for n in range(30):
        make_deal(f"deal-{n:02}")
    for n in range(60):  # two pages of each list
        make_party(f"party-{n:02}", f"Party {n:02}")
    Party.objects.filter(slug__in=["party-03", "party-07"]).update(kind="mediator")
    addresses = ["/deals/", "/deals/?page=2", "/parties/", "/parties/?page=2"]
    addresses.append("/parties/?kind=mediator")
    first = [client.get(a).content.decode() for a in addresses]
    before = len(compiles)
    again = [client.get(a).content.decode() for a in addresses]
    assert len(compiles) == before, compiles[before:]

    def slugs(body, kind):
        return re.findall(rf'href="/{kind}/([a-z0-9-]+)/"', body)

    deals = [slugs(body, "deals") for body in again[:2]]
    parties = [slugs(body, "parties") for body in again[2:]]
    assert len(set(deals[0] + deals[1])) == 30 and not set(deals[0]) & set(deals[1])
    assert len(set(parties[0] + parties[1])) == 60 and not set(parties[0]) & set(parties[1])
    assert set(parties[2]) == {"party-03", "party-07"}
    assert [slugs(b, "deals") for b in first[:2]] == deals
