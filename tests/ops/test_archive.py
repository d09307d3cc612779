"""The full-fidelity archive: export_archive, then import_archive into an empty database.

The world moved is the demo deal made richer (tests/checks/pages.py's demo_world:
a draft assessment, a verification change, a suggestion) plus what the demo
lacks: a revised source with re-anchored passages, an edited claim, a PDF
agreement text with its original file and page starts, clause proposals (one
accepted, one rejected), a dismissed suggestion, and a deal that refers to a
deal made after it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from dealtracker.claims.agreements import clause_proposal_accept, clause_proposal_reject
from dealtracker.claims.models import Assessment, Claim, ClauseProposal, Evidence
from dealtracker.claims.services import claim_delete, claim_update
from dealtracker.claims.undelete import RestoreRefused, claim_restore, deleted_claims
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.ops import archive
from dealtracker.sources.models import Passage, Source, SourceDocument, SourceRevision
from dealtracker.sources.services import document_storage, source_create, source_revise
from dealtracker.suggestions.models import Suggestion
from dealtracker.suggestions.services import suggestion_dismiss, suggestions_refresh
from dealtracker.tasks.models import Job
from tests import documents as files
from tests.checks.pages import demo_world, pages

pytestmark = pytest.mark.django_db


# --- the world, and the database emptied -------------------------------------------------


def rich_world(editor, tmp_path):
    """The demo, its URL-walk additions, and everything else an archive must carry."""
    call_command("loaddemo", verbosity=0)
    world = demo_world(by=editor)
    suggestion_dismiss(suggestion=world.suggestion, by=editor)
    source = world.source
    source_revise(
        source=source,
        new_text=source.text.replace("Gabe Witkoff", "Steve Witkoff"),
        note="The envoy is Steve Witkoff.",
        by=editor,
    )
    claim = world.claim
    claim_update(
        claim=claim,
        data={
            "statement": claim.statement + " (as the report has it)",
            "subjects": [*claim.subjects.all(), Party.objects.get(slug="qatar")],
        },
        expected_version=claim.version,
        by=editor,
    )
    pdf = tmp_path / "proposal.pdf"
    pdf.write_bytes(
        files.pdf_report(
            [
                [["Article 1. Ceasefire"], ["1.1 A ceasefire of fifty days begins at once."]],
                [["1.2 Hostages are released in two stages."], ["1.3 Talks resume in Cairo."]],
            ],
            header="Egypt–Qatar proposal — unofficial translation",
            title="Egypt–Qatar proposal",
        )
    )
    other = world.other_deal
    call_command("import_agreement", str(pdf), "--deal", other.slug, stdout=StringIO())
    proposals = list(ClauseProposal.objects.filter(deal=other).order_by("position"))
    clause_proposal_accept(
        proposal=proposals[1], reference="1.1", title="Fifty days of ceasefire", by=editor
    )
    clause_proposal_reject(proposal=proposals[0], by=editor)
    # A reference to a deal made later: settled at the end of the import.
    january = world.deal
    january.supersedes = other
    january.save()
    # Suggestions are worked out when a source page first asks for them: here, so that
    # reading the pages changes nothing.
    for agreement_or_report in Source.objects.all():
        suggestions_refresh(source=agreement_or_report)
    # The dismissal went with the sentence to the new revision.
    suggestion = Suggestion.objects.get(source=source, status=Suggestion.Status.DISMISSED)
    revision = source.revisions.order_by("-number").first()
    return dataclasses.replace(world, suggestion=suggestion, revision=revision)


def content_tables() -> list[str]:
    """Every table of the archived models: rows, history, many-to-many sets."""
    tables = set()
    for rt in archive.record_types():
        tables.add(rt.model._meta.db_table)
        for f in rt.m2m:
            tables.add(f.remote_field.through._meta.db_table)
        if rt.historical is not None:
            tables.add(rt.historical._meta.db_table)
            tables |= {m._meta.db_table for _, m in rt.history_m2m}
    return sorted(tables)


def empty_the_desk(*, restart_ids: bool) -> None:
    """Every content row gone (users stay); with restart_ids, ids start again at 1."""
    names = ", ".join(connection.ops.quote_name(t) for t in content_tables())
    with connection.cursor() as cursor:
        # The foreign-key checks deferred to the end of the test's transaction run now:
        # TRUNCATE refuses a table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {names}" + (" RESTART IDENTITY" if restart_ids else ""))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def fresh_storage(settings, tmp_path):
    """Point the documents storage at an empty folder (the other instance's)."""

    def switch(name: str) -> Path:
        folder = tmp_path / name
        storages = dict(settings.STORAGES)
        storages["documents"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        }
        settings.STORAGES = storages
        return folder

    return switch


def export(path: Path) -> Path:
    call_command("export_archive", "-o", str(path), "--no-progress", stderr=StringIO())
    return path


def import_(path: Path) -> str:
    out = StringIO()
    call_command("import_archive", str(path), "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


# --- every row, by natural keys (written here independently of the archive's own) ---------

User = get_user_model()


def _source(s):
    return s.url or f"uid:{s.uid}"


NATURAL = {
    "deals.party": lambda o: o.slug,
    "deals.deal": lambda o: o.slug,
    "deals.dealparty": lambda o: (o.deal.slug, o.party.slug, o.role),
    "deals.phase": lambda o: (o.deal.slug, o.order),
    "deals.clause": lambda o: (o.deal.slug, o.reference),
    "sources.source": _source,
    "sources.sourcerevision": lambda o: (_source(o.source), o.number),
    "sources.sourcedocument": lambda o: o.sha256,
    "sources.passage": lambda o: (_source(o.source), o.start, o.end, str(o.uid)),
    "sources.reanchoring": lambda o: (str(o.passage.uid), o.to_revision.number, str(o.uid)),
    "claims.claim": lambda o: (o.statement, str(o.uid)),
    "claims.evidence": lambda o: (str(o.claim.uid), str(o.passage.uid)),
    "claims.verificationchange": lambda o: (str(o.claim.uid), o.changed_at.isoformat()),
    "claims.assessment": lambda o: (o.clause.reference, o.party.slug, str(o.assessed_on), str(o.uid)),
    "claims.agreementtext": lambda o: (o.deal.slug, _source(o.source)),
    "claims.clauseanchor": lambda o: (o.clause.deal.slug, o.clause.reference),
    "claims.clauseproposal": lambda o: (o.deal.slug, o.reference, str(o.uid)),
    "suggestions.suggestionrun": lambda o: (_source(o.source), o.revision.number),
    "suggestions.suggestion": lambda o: (_source(o.source), o.revision.number, o.start, o.end),
    "suggestions.suggestedparty": lambda o: (o.suggestion.sentence, o.party.slug),
}  # fmt: skip


def natural(obj) -> object:
    if obj is None:
        return None
    if isinstance(obj, User):
        return obj.get_username()
    return NATURAL[obj._meta.label_lower](obj)


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (int, float, bool, str, dict, type(None))) else str(value)


def _fields(obj, fields) -> dict:
    out = {}
    for f in fields:
        if f.primary_key or f.get_internal_type() == "SearchVectorField":
            continue
        out[f.name] = (
            natural(getattr(obj, f.name)) if f.is_relation else _plain(getattr(obj, f.name))
        )
    return out


def dump() -> dict:
    """Every row of every archived model with its many-to-many sets and its history,
    ids replaced by what they name."""
    rows: dict[str, dict] = {}
    for rt in archive.record_types():
        model = rt.model
        live = {}
        for obj in model.objects.order_by("pk"):
            data = _fields(obj, model._meta.concrete_fields)
            for f in rt.m2m:
                data[f.name] = sorted(map(str, (natural(o) for o in getattr(obj, f.name).all())))
            if rt.historical is not None:
                records = []
                for record in obj.history.order_by("history_date", "history_id"):
                    entry = _fields(record, rt.history_fields)
                    entry.update(
                        history_date=record.history_date.isoformat(),
                        history_type=record.history_type,
                        history_change_reason=record.history_change_reason,
                        history_user=natural(record.history_user),
                    )
                    for f, _ in rt.history_m2m:
                        other = f.m2m_reverse_field_name()
                        ids = getattr(record, f.name).values_list(f"{other}_id", flat=True)
                        entry[f.name] = sorted(
                            map(
                                str,
                                (natural(o) for o in f.related_model.objects.filter(pk__in=ids)),
                            )
                        )
                    records.append(entry)
                data["history"] = records
            key = json.dumps(natural(obj), default=str)
            assert key not in live, f"two {rt.label} rows are named {key}"
            live[key] = data
        rows[rt.label] = live
    return rows


def originals() -> dict[str, bytes]:
    storage = document_storage()
    found = {}
    for document in SourceDocument.objects.all():
        with storage.open(document.storage_name, "rb") as handle:
            found[document.sha256] = handle.read()
    return found


# --- the archive's model list --------------------------------------------------------------


def test_every_content_model_travels_or_is_named_as_left_out():
    travelling = {rt.label for rt in archive.record_types()}
    for app in archive.CONTENT_APPS:
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label_lower
            if archive._is_historical(model):
                continue
            assert label in travelling or label in archive.LEFT_OUT, label
    # The test's own natural keys cover every travelling model.
    assert travelling == set(NATURAL)


def test_models_come_after_every_model_they_refer_to():
    seen = set()
    for rt in archive.record_types():
        for f in [*rt.model._meta.concrete_fields, *rt.model._meta.many_to_many]:
            target = f.related_model if f.is_relation else None
            if target is None or target is rt.model or target._meta.app_label == "auth":
                continue
            assert target._meta.label_lower in seen, f"{rt.label}.{f.name} before its target"
        seen.add(rt.label)
    # Deals first, then sources, then claims, then suggestions.
    apps_in_order = [rt.label.split(".")[0] for rt in archive.record_types()]
    assert apps_in_order == sorted(apps_in_order, key=archive.CONTENT_APPS.index)


# --- moving an instance ----------------------------------------------------------------------


def test_an_archive_imported_into_an_empty_database_gives_back_every_row(
    editor, tmp_path, fresh_storage
):
    fresh_storage("before")
    rich_world(editor, tmp_path)
    before, files_before = dump(), originals()
    assert files_before and len(before["sources.sourcerevision"]) >= 4
    assert before["sources.reanchoring"] and before["claims.clauseproposal"]
    assert any(s["status"] == "dismissed" for s in before["suggestions.suggestion"].values())
    path = export(tmp_path / "desk.jsonl")

    empty_the_desk(restart_ids=False)  # the new rows get other ids than the old ones
    fresh_storage("after")
    assert not any(dump().values())
    out = import_(path)

    assert dump() == before
    assert originals() == files_before
    assert "history records, 1 original files" in out


def test_importing_the_same_archive_twice_changes_nothing(editor, tmp_path, fresh_storage):
    fresh_storage("one")
    rich_world(editor, tmp_path)
    path = export(tmp_path / "desk.jsonl")
    empty_the_desk(restart_ids=False)
    import_(path)
    once = dump()

    out = import_(path)

    assert dump() == once
    assert out.startswith("0 rows imported, ")
    assert "0 history records, 0 original files" in out
    # Into the instance it came from, too: everything is already there.
    assert import_(export(tmp_path / "again.jsonl")).startswith("0 rows imported, ")


def test_an_import_leaves_rows_already_there_as_they_are(editor, tmp_path):
    call_command("loaddemo", verbosity=0)
    path = export(tmp_path / "desk.jsonl")
    Party.objects.filter(slug="hamas").update(name="Hamas (edited here)")
    claim = Claim.objects.order_by("pk").first()
    Claim.objects.filter(pk=claim.pk).update(statement="Edited here.")
    deleted = Claim.objects.order_by("pk").last()
    links, deleted_id = deleted.evidence.count(), deleted.pk
    claim_delete(claim=deleted)
    assert deleted_claims().filter(id=deleted_id).exists()

    out = import_(path)

    assert Party.objects.get(slug="hamas").name == "Hamas (edited here)"
    assert Claim.objects.get(pk=claim.pk).statement == "Edited here."
    # A claim deleted since the export is in the archive: it comes back with its evidence,
    # under its stable id (an archive is what the instance held when it was written).
    back = Claim.objects.get(uid=deleted.uid)
    assert back.statement == deleted.statement and back.evidence.count() == links
    assert out.startswith(f"{1 + links} rows imported, ")
    # The deleted one is no longer offered for restoring: it would be the same claim twice.
    assert not deleted_claims().filter(id=deleted_id).exists()
    with pytest.raises(RestoreRefused, match=rf"here again, as claim {back.pk}"):
        claim_restore(claim_id=deleted_id)


# --- the same pages ----------------------------------------------------------------------------

# Per request: the CSRF token, the CSP nonce, and the claim editor's signed (timestamped)
# copy of the values it opened.
TOKENS = re.compile(
    r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce="|csrf_token" content="'
    r'|name="base" value=")[^"]+'
)


def _read(client: Client, url: str) -> str:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    text = TOKENS.sub(r"\1…", text)
    # The moment the deal's JSON was made.
    return re.sub(
        r'"generated_at": "[^"]+"', '"generated_at": "…"', f"{response.status_code} {text}"
    )


def _everything(world, editor) -> dict[str, str]:
    """Every page of the URL walk as an editor and as a public visitor, and the data
    exports (the deal's JSON, CSV, feeds, annotations) of both."""
    editor_client = Client()
    editor_client.force_login(editor)
    seen = {}
    for page in pages(world):
        if page.method != "GET":
            continue
        for role, client in (("editor", editor_client), ("anonymous", Client())):
            if role in page.roles:
                seen[f"{role} {page.url}"] = _read(client, page.url)
    deal = world.deal.slug
    for url in (
        f"/deals/{deal}.json",
        f"/deals/{deal}/feed.atom",
        "/claims.csv",
        "/feeds/claims.atom",
        f"/sources/{world.source.pk}/annotations.jsonld",
        "/annotations.jsonld",
        "/slipping.atom",
    ):
        for role, client in (("editor", editor_client), ("anonymous", Client())):
            seen[f"{role} {url}"] = _read(client, url)
    return seen


def lookups(world) -> dict[str, tuple[type, dict]]:
    """How to find each object of a World again by what names it (after an import the rows
    have other ids): read while the rows it names are still there."""

    def name(obj) -> dict:
        if hasattr(obj, "uid"):
            return {"uid": obj.uid}
        if isinstance(obj, (Deal, Party)):
            return {"slug": obj.slug}
        if isinstance(obj, Phase):
            return {"deal__slug": obj.deal.slug, "order": obj.order}
        if isinstance(obj, Clause):
            return {"deal__slug": obj.deal.slug, "reference": obj.reference}
        if isinstance(obj, SourceRevision):
            return {"source__uid": obj.source.uid, "number": obj.number}
        if isinstance(obj, Evidence):
            return {"claim__uid": obj.claim.uid, "passage__uid": obj.passage.uid}
        if isinstance(obj, Suggestion):
            revision = obj.revision
            return {
                "revision__source__uid": revision.source.uid,
                "revision__number": revision.number,
                "start": obj.start,
                "end": obj.end,
            }
        if isinstance(obj, Job):
            # The task queue's jobs are not content: the archive leaves them, and they
            # stay in their instance under their own ids.
            return {"pk": obj.pk}
        raise AssertionError(f"no way to find a {type(obj).__name__} again")

    return {
        f.name: (type(getattr(world, f.name)), name(getattr(world, f.name)))
        for f in dataclasses.fields(world)
    }


def relocate(world, found: dict[str, tuple[type, dict]]):
    return dataclasses.replace(
        world, **{field: model.objects.get(**lookup) for field, (model, lookup) in found.items()}
    )


def _uid_maps() -> dict[str, dict[int, str]]:
    return {
        name: {pk: str(uid) for pk, uid in model.objects.values_list("pk", "uid")}
        for name, model in (
            ("claims", Claim),
            ("sources", Source),
            ("passage", Passage),
            ("assessment", Assessment),
        )
    }


def deal_json_by_uid(client: Client, slug: str) -> dict:
    """The deal's JSON with every id (and every URL holding one) replaced by the stable id
    of what it names, so two instances' exports can be compared."""
    doc = json.loads(client.get(f"/deals/{slug}.json").content)
    doc.pop("generated_at")
    ids = _uid_maps()
    url_ids = re.compile(r"(/claims/|/sources/|#passage-|#assessment-)(\d+)")
    model_of = {"/claims/": "claims", "/sources/": "sources", "#passage-": "passage"}
    model_of["#assessment-"] = "assessment"

    def swap(value, model):
        return ids[model].get(value, f"missing {model} {value}")

    def walk(node, parent=""):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "id" and parent in ids:
                    out[key] = swap(value, parent)
                elif key in ("source", "passage") and isinstance(value, int):
                    out[key] = swap(value, "sources" if key == "source" else "passage")
                elif key == "claims" and parent == "assessment":
                    out[key] = [swap(v, "claims") for v in value]
                else:
                    out[key] = walk(value, key)
            return out
        if isinstance(node, list):
            item = {"claims": "claims", "sources": "sources", "assessments": "assessment"}
            return [walk(v, item.get(parent, parent)) for v in node]
        if isinstance(node, str):
            return url_ids.sub(lambda m: m[1] + swap(int(m[2]), model_of[m[1]]), node)
        return node

    return walk(doc)


def test_the_deal_json_is_the_same_after_moving_to_an_empty_database(
    editor, tmp_path, fresh_storage
):
    fresh_storage("before")
    world = rich_world(editor, tmp_path)
    client = Client()
    client.force_login(editor)
    before = {
        slug: deal_json_by_uid(client, slug)
        for slug in (world.deal.slug, "egypt-qatar-proposal-2025")
    }
    assert "missing" not in json.dumps(before)
    assert before[world.deal.slug]["assessments"] and before[world.deal.slug]["claims"]
    path = export(tmp_path / "desk.jsonl")

    empty_the_desk(restart_ids=False)
    fresh_storage("after")
    import_(path)

    assert {slug: deal_json_by_uid(client, slug) for slug in before} == before


def test_the_pages_are_the_same_after_moving_again(editor, tmp_path, fresh_storage, public_read):
    """An instance made by an import, moved once more into an empty database whose ids
    restart at 1: the rows get the same ids again (the archive is in the order rows were
    made), so every page, as an editor and as a public visitor, must read the same.
    (The instance it was first made from has gaps in its ids; the rows themselves,
    history included, are compared with it above.)"""
    fresh_storage("origin")
    world = rich_world(editor, tmp_path)
    found = lookups(world)
    path = export(tmp_path / "origin.jsonl")
    empty_the_desk(restart_ids=True)
    fresh_storage("first")
    import_(path)
    world = relocate(world, found)
    before = _everything(world, editor)
    assert before[f"editor /deals/{world.deal.slug}.json"].startswith("200 ")
    path = export(tmp_path / "first.jsonl")

    empty_the_desk(restart_ids=True)
    fresh_storage("second")
    import_(path)
    after = _everything(world, editor)

    assert after.keys() == before.keys()
    differ = [name for name in before if before[name] != after[name]]
    assert not differ, differ
    assert len(before) >= 80


# --- broken and hostile archives ---------------------------------------------------------------


@pytest.fixture
def good_archive(db, tmp_path) -> list[str]:
    call_command("loaddemo", verbosity=0)
    lines = export(tmp_path / "good.jsonl").read_text(encoding="utf-8").splitlines()
    empty_the_desk(restart_ids=False)
    return lines


def _first(lines: list[str], model: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f'{{"model":"{model}"'))


def _edit(lines: list[str], index: int, change) -> list[str]:
    data = json.loads(lines[index])
    change(data)
    return [*lines[:index], json.dumps(data, ensure_ascii=False), *lines[index + 1 :]]


def _set(model_field: str, value):
    def change(data):
        data["fields"][model_field] = value

    return change


def _broken(lines: list[str]) -> list[tuple[str, list[str], str]]:
    """(what, archive lines, the error expected) — each line numbered from 1."""
    party = _first(lines, "deals.party")
    claim = _first(lines, "claims.claim")
    passage = _first(lines, "sources.passage")
    source = _first(lines, "sources.source")
    clause = _first(lines, "deals.clause")
    history = claim + 1
    return [
        ("cut short", lines[:-1], "without its last line"),
        ("cut mid-line", [*lines[:-1], lines[-1][:10]], rf"line {len(lines)}: not JSON"),
        ("not JSON", [*lines[:claim], "{not json", *lines[claim:]], rf"line {claim + 1}: not JSON"),
        ("not an object", [*lines[:claim], "[1, 2]", *lines[claim:]], "must be a JSON object"),
        ("not UTF-8", [*lines[:claim], "\udcff", *lines[claim:]], "not UTF-8"),
        ("no header", lines[1:], "line 1: not a dealtracker archive"),
        (
            "a newer version",
            [lines[0].replace('"version":1', '"version":99'), *lines[1:]],
            "newer dealtracker",
        ),
        (
            "an unknown model",
            [*lines[:claim], '{"model": "auth.user", "fields": {"username": "root"}}', *lines[claim:]],
            rf"line {claim + 1}: unknown model 'auth.user'",
        ),
        (
            "an unknown field",
            _edit(lines, party, _set("is_superuser", True)),
            rf"line {party + 1}: deals.party has no field 'is_superuser'",
        ),
        (
            "a party no one has",
            _edit(lines, claim, _set("claimant", "no-such-party")),
            rf"line {claim + 1}: claimant: no deals.party 'no-such-party'",
        ),
        (
            "a clause named wrongly",
            _edit(lines, claim, _set("clause", "1.2")),
            rf"line {claim + 1}: clause: a deals.clause is named by \[deal, reference\]",
        ),
        (
            "a value outside the vocabulary",
            _edit(lines, claim, _set("kind", "rumour")),
            rf"line {claim + 1}: kind: Value 'rumour' is not a valid choice",
        ),
        (
            "a time without its offset",
            _edit(lines, claim, _set("created_at", "2025-03-02T10:00:00")),
            rf"line {claim + 1}: created_at: a date and time without its UTC offset",
        ),
        (
            "a statement too long",
            _edit(lines, party, _set("name", "x" * 201)),
            rf"line {party + 1}: name: Ensure this value has at most 200 characters",
        ),
        (
            "a javascript: URL",
            _edit(lines, source, _set("url", "javascript:alert(1)")),
            rf"line {source + 1}: url: Enter a valid URL",
        ),
        (
            "a text that is not canonical",
            _edit(lines, source, _set("text", "Two  spaces.\r\n")),
            rf"line {source + 1}: text: not canonical",
        ),
        (
            "a passage that does not quote its text",
            _edit(lines, passage, _set("quote", "x" * len(json.loads(lines[passage])["fields"]["quote"]))),
            rf"line {passage + 1}: quote: not the text of revision_anchored",
        ),
        (
            "a clause without its deal",
            _edit(lines, clause, lambda d: d["fields"].pop("deal")),
            rf"line {clause + 1}: deals.clause without its key field 'deal'",
        ),
        (
            "a history record out of place",
            [*lines[:party], lines[history], *lines[party:]],
            rf"line {party + 1}: a history record must follow its claims.claim row",
        ),
        (
            "a broken history record",
            _edit(lines, history, lambda d: d.update(history_type="*")),
            rf"line {history + 1}: history_type must be",
        ),
        (
            "counts that do not add up",
            [*lines[:-1], lines[-1].replace('"deals.party":5', '"deals.party":6')],
            "counts 6 deals.party rows, but holds 5",
        ),
        ("a line after the end", [*lines, lines[party]], "after the archive's last line"),
        (
            "the same slug twice in one import",
            [*lines[: party + 1], lines[party], *lines[party + 1 :]],
            rf"line {party + 2}: the archive holds the deals.party '\w+' twice",
        ),
        (
            "nested too deep",
            [*lines[:claim], "[" * 100_000 + "]" * 100_000, *lines[claim:]],
            rf"line {claim + 1}: not JSON",
        ),
    ]  # fmt: skip


def test_a_broken_or_hostile_archive_is_refused_whole_naming_the_line(good_archive, tmp_path):
    for what, lines, expected in _broken(good_archive):
        path = tmp_path / "broken.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\n")
        with pytest.raises(CommandError, match=expected) as caught:
            import_(path)
        assert "nothing was imported" in str(caught.value), what
        assert not Party.objects.exists() and not Deal.objects.exists(), what


def test_a_refused_archive_leaves_an_instance_with_work_as_it_was(good_archive, tmp_path, editor):
    deal = Deal.objects.create(title="Another deal", slug="another-deal")
    Phase.objects.create(deal=deal, order=1, name="Phase one")
    source_create(
        text="A report of this instance.", title="Here", url="https://example.org/here", by=editor
    )
    before = dump()
    party = json.loads(good_archive[_first(good_archive, "deals.party")])
    new = dict(party, fields={**party["fields"], "slug": "new-party", "name": "New party"})
    broken = dict(party, fields={**party["fields"], "slug": "broken-party", "name": None})
    lines = [good_archive[0], json.dumps(new), *good_archive[1:-1], json.dumps(broken)]
    lines.append(good_archive[-1].replace('"deals.party":5', '"deals.party":7'))
    assert not Party.objects.exists()
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=rf"line {len(lines) - 1}: name: This field cannot be null"
    ):
        import_(path)
    assert dump() == before
    assert not Party.objects.filter(slug="new-party").exists()


def test_a_line_too_long_is_refused_without_being_read_whole(good_archive, tmp_path, settings):
    settings.SOURCE_MAX_BYTES = 1000  # lines may be 5 MB
    lines = list(good_archive)
    lines.insert(2, '{"model": "deals.party", "fields": {"name": "' + "x" * 9_000_000 + '"}}')
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: the line is 9,000,0\d\d bytes long"):
        import_(path)


def test_text_in_an_archive_follows_the_one_text_policy(good_archive, tmp_path):
    party = _first(good_archive, "deals.party")
    lines = _edit(good_archive, party, _set("name", "Ha\u202emas\nwing\x07"))
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_(path)
    slug = json.loads(good_archive[party])["fields"]["slug"]
    assert Party.objects.get(slug=slug).name == "Hamas wing"


def test_a_document_whose_file_is_not_the_one_described_is_refused_and_not_kept(
    editor, tmp_path, fresh_storage
):
    fresh_storage("before")
    rich_world(editor, tmp_path)
    lines = export(tmp_path / "desk.jsonl").read_text(encoding="utf-8").splitlines()
    empty_the_desk(restart_ids=False)
    folder = fresh_storage("after")
    document = _first(lines, "sources.sourcedocument")
    part = json.loads(lines[document + 1])
    assert part["part"] == 0 and part["file"] == json.loads(lines[document])["fields"]["sha256"]

    # A file part changed: the SHA-256 no longer holds.
    forged = dict(part, data=part["data"][:-8] + "AAAAAAA=")
    bad = [*lines[: document + 1], json.dumps(forged), *lines[document + 2 :]]
    path = tmp_path / "forged.jsonl"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=rf"line {document + 2}: the file is not the one"):
        import_(path)

    # The file is whole, but the archive breaks later: the stored file is taken back.
    late = _edit(lines, len(lines) - 2, lambda d: d.update(model="no.such"))
    path.write_text("\n".join(late) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown model 'no.such'"):
        import_(path)
    assert not [p for p in folder.rglob("*") if p.is_file()]

    # A storage name chosen by the archive is not taken.
    named = _edit(lines, document, _set("storage_name", "../../escape.pdf"))
    path.write_text("\n".join(named) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="has no field 'storage_name'"):
        import_(path)


# --- the commands ---------------------------------------------------------------------------------


def test_export_writes_to_standard_output_and_shows_progress_on_standard_error(demo, capsys):
    out = StringIO()
    call_command("export_archive", stdout=out)
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["format"] == "dealtracker-archive"
    assert json.loads(lines[-1])["rows"]["deals.deal"] == 2
    assert "125/125" in capsys.readouterr().err  # the progress bar, in rows


def test_import_shows_its_progress_and_what_it_did(demo, tmp_path, capsys):
    path = tmp_path / "desk.jsonl"
    call_command("export_archive", "-o", str(path))
    assert "125 rows of 14 kinds written to" in capsys.readouterr().err
    out = StringIO()
    call_command("import_archive", str(path), stdout=out)
    assert "import" in capsys.readouterr().err
    assert "0 rows imported, 125 already here" in out.getvalue()
    assert re.search(r"deals\.party +0 new +5 already here", out.getvalue())


def test_export_to_a_file_leaves_nothing_behind_when_it_fails(demo, tmp_path, monkeypatch):
    def broken(**kwargs):
        yield '{"format": "dealtracker-archive"}'
        raise archive.ArchiveError("the original of source 1 cannot be read")

    monkeypatch.setattr("dealtracker.ops.management.commands.export_archive.export_lines", broken)
    target = tmp_path / "desk.jsonl"
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("export_archive", "-o", str(target), "--no-progress", stderr=StringIO())
    assert list(tmp_path.iterdir()) == []


def test_export_fails_loudly_when_an_original_file_is_missing(editor, tmp_path, fresh_storage):
    folder = fresh_storage("before")
    rich_world(editor, tmp_path)
    for path in folder.rglob("*.pdf"):
        path.unlink()
    with pytest.raises(CommandError, match="cannot be read from the documents storage"):
        export(tmp_path / "desk.jsonl")


def test_import_reports_a_file_it_cannot_read(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        import_(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(CommandError, match="the archive is empty"):
        import_(empty)


def test_history_records_carry_the_stable_id_of_their_row(demo, editor):
    claim = Claim.objects.order_by("pk").first()
    claim_update(
        claim=claim, data={"statement": "Changed."}, expected_version=claim.version, by=editor
    )
    assert claim.history.filter(statement="Changed.").exists()
    assert set(claim.history.values_list("uid", flat=True)) == {claim.uid}


def test_an_archive_refuses_to_merge_into_an_instance_that_made_the_same_source(
    good_archive, tmp_path
):
    """The demo loaded here and in the archive's instance are two different sources
    under one URL: refused, saying why, rather than the claims doubled."""
    call_command("loaddemo", verbosity=0)
    before = dump()
    path = tmp_path / "desk.jsonl"
    path.write_text("\n".join(good_archive) + "\n", encoding="utf-8")
    line = _first(good_archive, "sources.source") + 1
    with pytest.raises(CommandError, match=rf"line {line}: this instance already has another row"):
        import_(path)
    assert dump() == before


def test_the_import_reads_lazily_and_its_memory_does_not_grow_with_the_archive(db):
    """Sources of about 20 KB each (a row, a revision, and the history of both): six
    times as many do not take six times the memory."""
    from dealtracker.interchange.source_archive import numbered_lines  # noqa: F401 - the command's reader
    from dealtracker.sources.canonical import text_hash

    pulled = 0

    def lines(n: int):
        nonlocal pulled
        pulled = 0
        header = {"format": "dealtracker-archive", "version": 1}
        yield 1, json.dumps(header).encode()
        number = 1
        for i in range(n):
            text = (f"Report {i} of {n}. " + "The ceasefire held in the north. " * 600).strip()
            uid = f"00000000-0000-4000-8000-{n:06d}{i:06d}"
            stamp = "2025-03-02T10:00:00+00:00"
            source = {
                "uid": uid,
                "title": f"Report {i}",
                "text": text,
                "text_hash": text_hash(text),
            }
            source |= {"created_at": stamp, "updated_at": stamp}
            revision = {"source": uid, "number": 1, "text": text, "text_hash": text_hash(text)}
            revision["created_at"] = stamp
            for model, fields in (("sources.source", source), ("sources.sourcerevision", revision)):
                number += 1
                pulled += 1
                yield number, json.dumps({"model": model, "fields": fields}).encode()
        end = {"end": True, "rows": {"sources.source": n, "sources.sourcerevision": n}}
        yield number + 1, json.dumps(end).encode()

    def peak(n: int) -> int:
        def row_done(label, created):
            # Nothing was read ahead of the row just imported.
            assert pulled == seen[0] + 1
            seen[0] += 1

        seen = [0]
        tracemalloc.start()
        summary = archive.import_lines(lines(n), on_row=row_done)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.rows_created == 2 * n
        empty_the_desk(restart_ids=False)
        return top

    small, large = peak(60), peak(360)
    # Six times the data (14 MB of text) does not take six times the memory.
    assert large < 2 * small
