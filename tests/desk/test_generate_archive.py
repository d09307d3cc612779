"""The synthetic archive: proportional counts, valid rows, the demo left alone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.sources.canonical import is_canonical, text_hash
from dealtracker.sources.models import Passage, Source
from devdata.synthetic import LONG_REPORT_URL, counts_for_scale, generated_source_count

pytestmark = pytest.mark.django_db

SCALE = 0.01


@pytest.fixture
def archive(demo):
    out = StringIO()
    call_command("generate_archive", scale=SCALE, no_progress=True, stdout=out)
    return out.getvalue()


def _demo_snapshot():
    deal = Deal.objects.get(slug="gaza-ceasefire-2025")
    return (
        deal.title,
        deal.clauses.count(),
        Claim.objects.filter(deal=deal).count(),
        sorted(deal.parties.values_list("slug", flat=True)),
    )


def _counts_are_proportional_to_the_scale(archive):
    expected = counts_for_scale(SCALE)
    assert Deal.objects.count() == expected["deals"] + 2  # + demo deals
    assert Party.objects.filter(description__startswith="Synthetic").count() == expected["parties"]
    generated = Source.objects.filter(url__startswith="https://archive.example.org/")
    assert generated.count() == expected["sources"] + 1  # + the long report
    assert Passage.objects.filter(source__in=generated).count() >= expected["passages"]
    assert Claim.objects.filter(statement__isnull=False).count() >= expected["claims"]
    assert "Done in" in archive


def _every_generated_row_keeps_the_database_rules():
    # Passage quotes are exactly the revision text at their offsets, with context.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM sources_passage p
               JOIN sources_sourcerevision r ON r.id = p.revision_anchored_id
               WHERE substr(r.text, p.start + 1, p."end" - p.start) <> p.quote
                  OR NOT r.text LIKE '%%' || p.prefix || p.quote || p.suffix || '%%'"""
        )
        assert cursor.fetchone()[0] == 0
        # Labels P1 ... Pn in text order, each source's counter at its last.
        cursor.execute(
            """SELECT count(*) FROM sources_source s
               WHERE s.last_passage_number <> (SELECT count(*) FROM sources_passage p
                                                WHERE p.source_id = s.id)
                  OR EXISTS (SELECT 1 FROM sources_passage p
                             WHERE p.source_id = s.id AND p.number > s.last_passage_number)"""
        )
        assert cursor.fetchone()[0] == 0
    for source in Source.objects.filter(url__startswith="https://archive.example.org/")[:50]:
        assert is_canonical(source.text)
        assert source.text_hash == text_hash(source.text)
        assert source.revisions.get(number=1).text == source.text
    # Every claim rests on evidence; compliance only on compliance claims.
    assert not Claim.objects.filter(evidence__isnull=True).exists()
    assert not Claim.objects.exclude(kind="compliance").exclude(compliance="").exists()
    # Claims about a clause are about that clause's deal.
    for claim in Claim.objects.filter(clause__isnull=False).select_related("clause")[:200]:
        assert claim.deal_id == claim.clause.deal_id
    assert Clause.objects.filter(obliged_parties__isnull=False).exists()
    assert Claim.objects.filter(is_published=False).exists()  # some drafts
    assert Source.objects.filter(language="ar").exists()
    # Search vectors were written (by the triggers) and the new ids do not collide.
    assert not Source.objects.filter(search_vector__isnull=True).exists()
    assert Evidence.objects.create(
        claim=Claim.objects.first(), passage=Passage.objects.order_by("-id").first()
    ).pk


def _claims_are_skewed_towards_a_few_deals():
    from django.db.models import Count

    per_deal = list(
        Claim.objects.filter(deal__isnull=False)
        .values("deal")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("n", flat=True)
    )
    assert per_deal[0] > 2 * per_deal[-1]


def _the_long_report_has_500_passages_in_about_50_kilobytes():
    source = Source.objects.get(url=LONG_REPORT_URL)
    assert 49_000 <= len(source.text) <= 52_000
    assert source.passages.count() == 500


def _the_matrix_counts_kept_by_triggers_match_a_live_count():
    from django.contrib.auth.models import AnonymousUser

    from dealtracker.claims.compliance import _cell_counts, _kept_cell_counts, matrix_claims

    public = AnonymousUser()
    live = _cell_counts(matrix_claims(user=public))
    assert live, "the archive has compliance claims in matrix cells"
    kept = _kept_cell_counts(
        clause_ids=list(Clause.objects.values_list("pk", flat=True)), user=public
    )
    assert kept == live
    from dealtracker.claims.queries import _compliance_counts_live, compliance_counts_by_deal

    deal_ids = list(Deal.objects.values_list("pk", flat=True))
    kept_by_deal = compliance_counts_by_deal(deal_ids=deal_ids, user=public)
    assert any(c.total for c in kept_by_deal.values()), "the archive has deals with claims"
    assert kept_by_deal == _compliance_counts_live(deal_ids=deal_ids, user=public)
    from dealtracker.claims.models import DealClaimActivity
    from dealtracker.claims.queries import _latest_claim_change_live

    kept_activity = dict(
        DealClaimActivity.objects.exclude(latest_published_change=None).values_list(
            "deal_id", "latest_published_change"
        )
    )
    assert kept_activity, "the archive's deals have published claims"
    assert kept_activity == _latest_claim_change_live(user=public)


def test_a_small_archive_is_proportional_valid_skewed_and_has_the_long_report(archive):
    # One generation for all these checks keeps the test fast.
    _counts_are_proportional_to_the_scale(archive)
    _every_generated_row_keeps_the_database_rules()
    _claims_are_skewed_towards_a_few_deals()
    _the_long_report_has_500_passages_in_about_50_kilobytes()
    _the_matrix_counts_kept_by_triggers_match_a_live_count()  # and the deals' figures


def test_the_demo_deal_is_left_as_it_was_and_a_second_run_is_refused(demo):
    before = _demo_snapshot()
    call_command("generate_archive", scale=SCALE, no_progress=True, stdout=StringIO())
    assert _demo_snapshot() == before
    assert generated_source_count() == counts_for_scale(SCALE)["sources"] + 1
    with pytest.raises(CommandError, match="already holds a generated archive"):
        call_command("generate_archive", scale=SCALE, no_progress=True, stdout=StringIO())


def test_full_pages_fill_the_first_page_of_every_list_and_of_the_api(demo, client, public_read):
    """--full-pages: a small archive whose lists show as many rows as a large one's
    (the benchmark's small database)."""
    call_command(
        "generate_archive", scale=0.002, full_pages=True, no_progress=True, stdout=StringIO()
    )
    floors = counts_for_scale(0.002, full_pages=True)
    assert floors["deals"] > 50 and floors["parties"] > 50  # more than a page of 50
    assert counts_for_scale(0.002)["deals"] < 50  # which the scale alone would not give
    assert Party.objects.filter(description__startswith="Synthetic").count() == floors["parties"]
    for url in ("/api/v1/deals/", "/api/v1/parties/", "/api/v1/phases/"):
        page = client.get(url).json()
        assert len(page["items"]) == 50, url
        assert page["next"], url
    assert client.get("/deals/").content.decode().count('<tr class="deal-row">') == 20
