"""`manage.py loaddemo`: the deal of the sample report, loaded once however often it runs."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Party
from devdata.demo import data
from devdata.demo.load import DEMO_DIR

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
