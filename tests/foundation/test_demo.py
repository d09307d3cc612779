"""`manage.py loaddemo`: the deal of the sample report, loaded once however often it runs."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.models import CONTEXT_CHARS, Passage, Source
from devdata.demo import data
from devdata.demo.load import DEMO_DIR, report_text

DOMAIN_PREFIXES = ("deals_", "sources_", "claims_", "auth_group")


def dump_rows() -> dict[str, list[tuple]]:
    """Every row of the domain tables, timestamps and history left out."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if not table.startswith(DOMAIN_PREFIXES) or "historical" in table:
                continue
            columns = [
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
                if not c.name.endswith("_at")
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            cursor.execute(f'SELECT {cols} FROM "{table}" ORDER BY 1')  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows


def test_loading_the_demo_twice_leaves_the_same_rows(db):
    call_command("loaddemo", stdout=StringIO())
    first = dump_rows()
    out = StringIO()
    call_command("loaddemo", stdout=out)
    assert dump_rows() == first
    assert "nothing changed" in out.getvalue()
    assert sum(len(r) for r in first.values()) > 80


def test_the_demo_report_is_kept_in_the_project_as_the_sample():
    kept = (DEMO_DIR / data.REPORT_FILE).read_text(encoding="utf-8")
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / data.REPORT_FILE
    if shared.exists():
        assert kept == shared.read_text(encoding="utf-8")
    assert "Gabe Witkoff" in kept


def test_the_demo_deal_has_its_phases_clauses_and_parties(demo):
    assert [p.order for p in demo.phases.all()] == [1, 2, 3]
    phase_one, phase_two, _ = demo.phases.all()
    assert str(phase_one.actual_start) == "2025-01-19"
    assert str(phase_two.planned_start) == "2025-03-02"
    assert phase_two.status == "stalled"
    assert demo.clauses.count() >= 8
    assert {"israel", "hamas", "egypt", "qatar", "united-states"} <= set(
        demo.parties.values_list("slug", flat=True)
    )
    assert set(demo.memberships.filter(role="mediator").values_list("party__slug", flat=True)) == {
        "egypt",
        "qatar",
        "united-states",
    }
    negotiations = demo.clauses.get(reference="1.4")
    assert (negotiations.deadline_date.isoformat(), negotiations.deadline_date_precision) == (
        "2025-02-01",
        "early",
    )
    relative = demo.clauses.exclude(deadline_delay=None)
    assert relative.exists()
    titles = " ".join(demo.clauses.values_list("title", flat=True)).lower()
    for term in (
        "permanent ceasefire",
        "withdrawal",
        "hostages",
        "prisoner",
        "netzarim",
        "negotiations",
    ):
        assert term in titles


def test_the_egypt_qatar_proposal_answers_the_january_deal_with_a_note(demo):
    proposal = Deal.objects.get(slug="egypt-qatar-proposal-2025")
    assert proposal.answers == demo
    assert "ambiguous" in proposal.editor_note
    assert proposal.clauses.filter(title__icontains="50-day").exists()


def test_the_report_is_the_source_with_its_attribution_and_first_revision(demo):
    source = Source.objects.get(url=data.SOURCE["url"])
    assert source.text == report_text() == canonicalize(source.text)
    assert source.text_hash == text_hash(source.text)
    assert "The Times of Israel" in source.attribution
    assert "Reuters" in source.attribution
    revision = source.revisions.get()
    assert (revision.number, revision.text) == (1, source.text)


def test_every_demo_passage_quotes_the_report_at_its_offsets(demo):
    passages = Passage.objects.select_related("source", "revision_anchored", "revision_made")
    # The report's passages, and each clause's words in the agreement outline.
    assert passages.count() == len(data.PASSAGES) + len(data.AGREEMENT["clauses"])
    for passage in passages:
        text = passage.revision_anchored.text
        assert passage.quote == passage.source.text[passage.start : passage.end]
        assert passage.quote == text[passage.start : passage.end]
        assert passage.prefix == text[max(0, passage.start - CONTEXT_CHARS) : passage.start]
        assert passage.suffix == text[passage.end : passage.end + CONTEXT_CHARS]
        assert passage.revision_made == passage.revision_anchored


def test_every_demo_claim_rests_on_evidence(demo):
    for claim in Claim.objects.all():
        assert claim.evidence.exists(), claim


def test_the_passage_misnaming_the_envoy_has_an_internal_note(demo):
    passage = Passage.objects.get(quote__contains="Gabe Witkoff")
    assert "Steve Witkoff" in passage.note


def test_the_demo_has_enough_claims_some_drafts_and_varied_verification(demo):
    claims = Claim.objects.all()
    assert claims.count() >= 12
    assert claims.filter(is_published=False).exists()
    assert claims.filter(is_published=True).count() > claims.count() / 2
    assert claims.filter(verification__in=["disputed", "refuted"]).exists()
    assert len(set(claims.values_list("verification", flat=True))) >= 3
    figure = claims.get(kind="figure")
    assert "50,000" in figure.statement
    assert figure.attribution == "local health authorities"
    assert figure.clause is None
    refused = claims.get(statement__startswith="Israel refused to honour phase two")
    assert (refused.kind, refused.compliance, refused.clause.reference) == (
        "compliance",
        "not_complied",
        "2.1",
    )
    assert list(refused.subjects.values_list("slug", flat=True)) == ["israel"]


def test_the_demo_has_compliance_claims_about_israel_and_hamas(demo):
    compliance = Claim.objects.filter(kind="compliance")
    assert compliance.filter(subjects__slug="israel").count() >= 3
    assert compliance.filter(subjects__slug="hamas").exists()


def test_the_demo_has_a_contested_matrix_cell(demo):
    """Some clause × obliged party has published claims saying both complied and not complied."""
    contested = []
    for clause in Clause.objects.filter(deal=demo).prefetch_related("obliged_parties"):
        for party in clause.obliged_parties.all():
            said = set(
                Claim.objects.filter(
                    clause=clause, subjects=party, kind="compliance", is_published=True
                )
                .exclude(verification="refuted")
                .values_list("compliance", flat=True)
            )
            if {"complied", "not_complied"} <= said:
                contested.append((clause.reference, party.slug))
    assert contested == [("1.2", "israel")]


def test_a_phase_one_clause_is_overdue_today(demo):
    import datetime as dt

    negotiations = demo.clauses.get(reference="1.4")
    assert negotiations.phase.order == 1
    assert negotiations.deadline_date < dt.date.today()


def test_demo_evidence_is_unique_per_claim_and_passage(demo):
    pairs = list(Evidence.objects.values_list("claim_id", "passage_id"))
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize("slug", list(data.PARTIES))
def test_demo_parties_read_well(demo, slug):
    party = Party.objects.get(slug=slug)
    assert str(party) == data.PARTIES[slug]["name"]


def test_the_public_compliance_matrix_of_the_demo_deal_shows_the_contested_cell(demo):
    from django.contrib.auth.models import AnonymousUser

    from dealtracker.claims.compliance import compliance_matrix

    matrix = compliance_matrix(deal=demo, user=AnonymousUser())
    contested = [
        (row.clause.reference, cell.party.slug)
        for row in matrix.rows
        for cell in row.cells
        if cell.contested
    ]
    assert contested == [("1.2", "israel")]


def test_the_demo_deal_has_its_agreement_outline_marked_as_a_summary(demo):
    from dealtracker.claims.models import AgreementText

    link = AgreementText.objects.select_related("source").get(deal=demo)
    assert link.role == "summary"
    assert link.source.kind == "agreement_text"
    assert "not the official text" in link.source.title
    assert link.source.text.startswith("SUMMARY — NOT THE OFFICIAL TEXT")


def test_every_demo_clause_is_anchored_in_the_agreement_outline(demo):
    from dealtracker.claims.agreements import is_anchored, unanchored_clauses

    clauses = list(demo.clauses.select_related("anchor__passage"))
    assert len(clauses) == len(data.AGREEMENT["clauses"]) == 10
    for clause in clauses:
        assert is_anchored(clause), clause
        assert (
            clause.text
            == clause.anchor.passage.quote
            == data.AGREEMENT["clauses"][clause.reference]
        )
    assert unanchored_clauses(deal=demo) == []


# --- loaddemo remembers what it loaded -------------------------------------------------


def _load() -> str:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def test_a_demo_claim_an_editor_deleted_stays_deleted_and_restores_once(db, editor, admin_user):
    from dealtracker.claims.services import claim_delete
    from dealtracker.claims.undelete import claim_restore

    _load()
    statement = data.CLAIMS[0]["statement"]
    claim = Claim.objects.get(statement=statement)
    claim_id, evidence = claim.pk, claim.evidence.count()
    assert evidence
    claim_delete(claim=claim, by=editor)
    before = dump_rows()

    out = _load()
    assert not Claim.objects.filter(statement=statement).exists()
    assert dump_rows() == before
    assert "nothing changed" in out
    assert "left deleted: 1 claims" in out

    # Restored from history, it comes back once: under its own id, with its evidence.
    claim_restore(claim_id=claim_id, by=admin_user)
    assert list(Claim.objects.filter(statement=statement).values_list("pk", flat=True)) == [
        claim_id
    ]
    assert Evidence.objects.filter(claim_id=claim_id).count() == evidence
    restored = dump_rows()
    assert "nothing changed" in _load()
    assert dump_rows() == restored


def test_loaddemo_adds_only_demo_records_it_never_loaded(db, monkeypatch):
    _load()
    Claim.objects.filter(statement=data.CLAIMS[1]["statement"]).delete()
    new_party = {"name": "Jordan", "short_name": "Jordan", "kind": "state", "aliases": []}
    monkeypatch.setitem(data.PARTIES, "jordan", new_party)

    out = _load()
    assert "Demo data loaded: 1 parties." in out
    assert Party.objects.filter(slug="jordan").exists()
    assert not Claim.objects.filter(statement=data.CLAIMS[1]["statement"]).exists()
    assert "nothing changed" in _load()


def test_an_edited_demo_claim_is_found_by_its_row_not_recreated(db):
    _load()
    statement = data.CLAIMS[2]["statement"]
    Claim.objects.filter(statement=statement).update(statement="Reworded by an editor.")
    count = Claim.objects.count()
    assert "nothing changed" in _load()
    assert Claim.objects.count() == count


def test_a_database_loaded_before_the_record_keeps_its_deletions(db):
    """Demo rows deleted before loaddemo kept its record are known by their history."""
    from dealtracker.desk.models import DemoRecord

    _load()
    statement = data.CLAIMS[3]["statement"]
    Claim.objects.get(statement=statement).delete()
    DemoRecord.objects.all().delete()
    rows = dump_rows()
    out = _load()
    assert "nothing changed" in out
    assert dump_rows() == rows
    assert not Claim.objects.filter(statement=statement).exists()
    assert DemoRecord.objects.filter(key__startswith="claims.claim:").count() == len(data.CLAIMS)


def test_demo_rows_emptied_with_their_history_are_loaded_again(db):
    """Not an editor's delete (that leaves a history record): a fresh start, loaded anew."""
    _load()
    statement = data.CLAIMS[4]["statement"]
    claim = Claim.objects.get(statement=statement)
    Claim.history.filter(id=claim.pk).delete()
    Evidence.history.filter(claim_id=claim.pk).delete()
    Claim.objects.filter(pk=claim.pk).delete()
    Evidence.history.filter(claim_id=claim.pk).delete()
    Claim.history.filter(id=claim.pk).delete()
    out = _load()
    assert "Demo data loaded: 1 claims" in out
    assert Claim.objects.filter(statement=statement).count() == 1
    assert "nothing changed" in _load()
