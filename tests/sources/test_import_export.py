"""Importing and exporting the source archive (one source per JSON line)."""

from __future__ import annotations

import json
import re
import tracemalloc
from io import StringIO

import pytest
from django.core.management import call_command

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Party
from dealtracker.interchange import source_archive as archive
from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import Passage, Source, SourceRevision

pytestmark = pytest.mark.django_db


def dump() -> dict:
    """Every source, passage, claim and evidence link, without ids or timestamps."""
    sources = sorted(
        (
            s.url,
            s.title,
            s.kind,
            s.outlet,
            s.author,
            s.attribution,
            str(s.published_on),
            s.language,
            s.text,
            s.text_hash,
        )
        for s in Source.objects.all()
    )
    passages = sorted(
        (p.source.url or p.source.text_hash, p.start, p.end, p.quote, p.prefix, p.suffix, p.note)
        for p in Passage.objects.select_related("source")
    )
    claims = sorted(
        (
            c.statement, c.attribution, c.claimant.slug if c.claimant else None,
            tuple(sorted(c.subjects.values_list("slug", flat=True))),
            c.deal.slug if c.deal else None, c.phase.order if c.phase else None,
            c.clause.reference if c.clause else None, c.kind, c.compliance, str(c.made_on),
            c.made_on_precision, c.verification, c.is_published, str(c.published_at), c.language,
            tuple(sorted(
                (e.passage.source.url or e.passage.source.text_hash, e.passage.start, e.passage.end, e.relation, e.note)
                for e in c.evidence.select_related("passage__source")
            )),
        )
        for c in Claim.objects.select_related("claimant", "deal", "phase", "clause")
    )  # fmt: skip
    return {"sources": sources, "passages": passages, "claims": claims}


def wipe() -> None:
    # The demo's clauses are anchored in its agreement text (the archive of issue 14 carries those).
    from dealtracker.claims.models import AgreementText, ClauseAnchor, ClauseProposal

    ClauseAnchor.objects.all().delete()
    ClauseProposal.objects.all().delete()
    AgreementText.objects.all().delete()
    Evidence.objects.all().delete()
    Claim.objects.all().delete()
    Passage.objects.all().delete()
    SourceRevision.objects.all().delete()
    Source.objects.all().delete()


def export() -> str:
    out = StringIO()
    call_command("export_sources", no_progress=True, stdout=out)
    return out.getvalue()


def run_import(path, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_sources", str(path), no_progress=True, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def line(**fields) -> str:
    # Each URL gets its own text: the same text twice would be a wire copy, skipped.
    text = f"Israel withdrew from the corridor ({fields.get('url', '')}). Hamas denied it."
    data = {"title": "A report", "text": text}
    data.update(fields)
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
def demo_and_more_sources(demo):
    """The demo, plus a wire report without URL, an Arabic report and a claim resting on two sources."""
    from dealtracker.claims.services import claim_create, evidence_link
    from dealtracker.sources.passages import passage_mark
    from dealtracker.sources.services import source_create

    wire = source_create(
        text="Aid trucks  entered\r\nthrough the Rafah crossing.", title="Wire", by=None
    )
    arabic = source_create(
        text="قالت السلطات الصحية إن الهدنة صامدة.",
        title="تقرير",
        url="https://example.org/ar",
        language="ar",
        by=None,
    )
    p_wire = passage_mark(source=wire, start=0, end=18).passage
    p_ar = passage_mark(source=arabic, start=5, end=20).passage
    demo_passage = Passage.objects.exclude(source__in=[wire, arabic]).order_by("id").first()
    israel = Party.objects.get(slug="israel")
    claim = claim_create(
        data={
            "statement": "Aid entered <script>alert(1)</script>",
            "kind": "figure",
            "subjects": [israel],
        },
        passage=p_wire,
    )
    evidence_link(claim=claim, passage=p_ar, relation="supports", note="same day")
    evidence_link(claim=claim, passage=demo_passage, relation="context", note="")
    return demo


def test_export_then_import_into_an_empty_database_gives_back_the_same_data(
    demo_and_more_sources, tmp_path
):
    before = dump()
    # The demo's report and agreement outline, the wire copy and the Arabic report.
    assert len(before["claims"]) >= 16 and len(before["sources"]) == 4
    path = tmp_path / "archive.jsonl"
    path.write_text(export(), encoding="utf-8")
    wipe()
    assert dump()["sources"] == []
    out, err = run_import(path)
    assert err == ""
    assert "4 sources imported" in out and "0 bad lines" in out
    assert dump() == before


def test_importing_the_same_file_twice_changes_nothing(demo_and_more_sources, tmp_path):
    path = tmp_path / "archive.jsonl"
    path.write_text(export(), encoding="utf-8")
    wipe()
    run_import(path)
    before = dump()
    out, _ = run_import(path)
    assert "0 sources imported" in out and "4 skipped as already present" in out
    assert dump() == before


def test_bad_lines_are_reported_with_their_number_and_the_rest_is_imported(reader, tmp_path):
    from dealtracker.deals.models import Deal

    Party.objects.create(name="Israel", slug="israel")
    Deal.objects.create(title="A deal", slug="a-deal")
    lines = [
        line(url="https://example.org/1"),
        "{not json",
        line(url="https://example.org/3", claims=[{"statement": "x", "claimant": "nobody"}]),
        line(url="https://example.org/4", passages=[{"start": 10, "end": 999}]),
        line(url="https://example.org/5", claims=[{"statement": "x", "kind": "compliance"}]),
        line(
            url="https://example.org/6",
            claims=[{"statement": "x", "deal": "a-deal", "clause": "9.9"}],
        ),
        "",
        line(
            url="https://example.org/8",
            text="Something else.",
            claims=[{"statement": "y", "subjects": ["israel"]}],
        ),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = run_import(path)
    assert "line 2: not JSON" in err
    assert "line 3: claim 0: no party 'nobody'" in err
    assert "line 4: passage 0: ends at 999, past the end of the text" in err
    assert "line 5: claim 0: A compliance claim must say which compliance it asserts." in err
    assert "line 6: claim 0: deal 'a-deal' has no clause '9.9'" in err
    assert "2 sources imported" in out and "5 bad lines" in out
    # Nothing of a bad line stays behind (its source was rolled back with it).
    assert sorted(Source.objects.values_list("url", flat=True)) == [
        "https://example.org/1",
        "https://example.org/8",
    ]
    assert Claim.objects.get().subjects.get().slug == "israel"


def test_a_line_too_long_is_reported_bad_without_being_read_whole(db, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_LINE_BYTES", 1000)
    lines = [line(url="https://example.org/1"), line(url="https://example.org/2", text="x" * 5000)]
    lines.append(line(url="https://example.org/3", text="Something else."))
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = []
    with path.open("rb") as stream:
        for number, raw in archive.numbered_lines(stream, max_bytes=1000):
            seen.append((number, type(raw).__name__, len(raw)))
    # The long line stands as an empty marker carrying its size; the lines after it are whole.
    assert seen[1] == (2, "LongLine", 0) and seen[2][0] == 3 and seen[2][2] > 0
    out, err = run_import(path)
    assert re.search(r"line 2: the line is 5,\d{3} bytes long; the limit is 1,000", err)
    assert "2 sources imported" in out and "1 bad lines" in out


def test_a_text_that_is_not_canonical_keeps_its_passages_on_the_same_words(db, tmp_path):
    raw = "Aid  trucks\r\nentered\t the crossing.  Gunfire was heard."
    start = raw.index("Gunfire")
    path = tmp_path / "raw.jsonl"
    path.write_text(
        line(text=raw, passages=[{"start": start, "end": len(raw) - 1}]) + "\n", encoding="utf-8"
    )
    run_import(path)
    passage = Passage.objects.get()
    assert passage.quote == "Gunfire was heard"
    assert passage.source.text[passage.start : passage.end] == passage.quote


def test_an_interrupted_import_keeps_every_batch_already_done(db, tmp_path, monkeypatch):
    path = tmp_path / "six.jsonl"
    path.write_text(
        "\n".join(
            line(url=f"https://example.org/{i}", text=f"Report number {i}.") for i in range(1, 7)
        )
        + "\n",
        encoding="utf-8",
    )
    real = archive.prepare_line
    seen = []

    def failing(number, raw, **kwargs):
        seen.append(number)
        if len(seen) == 5:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C in batch 3
        return real(number, raw, **kwargs)

    monkeypatch.setattr(archive, "prepare_line", failing)
    with pytest.raises(KeyboardInterrupt):
        run_import(path, batch_size=2)
    assert Source.objects.count() == 4  # batches 1 and 2


def test_the_importer_reads_lazily_and_its_memory_does_not_grow_with_the_file(db):
    pulled = 0

    def lines(n):
        nonlocal pulled
        pulled = 0
        for i in range(1, n + 1):
            pulled += 1
            text = f"Report {i} of {n}. " + "The ceasefire held in the north. " * 600  # about 20 KB
            yield i, line(url=f"https://example.org/{n}/{i}", text=text).encode()

    def batch_done(number, summary):
        # The next batch waits read and the one after is being read; nothing beyond.
        assert number <= pulled <= number + 2 * 10

    def peak(n):
        tracemalloc.start()
        summary = archive.import_lines(lines(n), batch_size=10, on_batch=batch_done)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.imported == n
        return top

    small, large = peak(40), peak(160)
    # Four times the data (3.2 MB) takes no more memory: three batches at most are held.
    assert large < 1.5 * small


# --- the import in batches --------------------------------------------------------------


def numbered(*lines: str) -> list[tuple[int, bytes]]:
    return [(i, text.encode()) for i, text in enumerate(lines, start=1)]


def claim_on(passage: int, **fields) -> dict:
    data = {"statement": "Israel withdrew", "subjects": ["israel"]}
    data.update(fields)
    data["evidence"] = [{"passage": passage, "relation": "states"}]
    return data


def test_a_bad_line_in_the_middle_of_a_batch_is_reported_and_the_others_are_imported(db):
    Party.objects.create(name="Israel", slug="israel")
    good = {"passages": [{"start": 0, "end": 6}], "claims": [claim_on(0)]}
    lines = [line(url=f"https://example.org/{i}", **good) for i in range(1, 8)]
    lines[3] = line(url="https://example.org/4", claims=[{"statement": "x", "claimant": "nobody"}])
    bad = []
    summary = archive.import_lines(
        numbered(*lines), batch_size=500, on_bad=lambda n, reason: bad.append((n, reason))
    )
    assert bad == [(4, "claim 0: no party 'nobody' (add it in the admin first)")]
    assert (summary.imported, summary.bad, summary.passages, summary.claims) == (6, 1, 6, 6)
    assert sorted(Source.objects.values_list("url", flat=True)) == [
        f"https://example.org/{i}" for i in (1, 2, 3, 5, 6, 7)
    ]
    assert Claim.objects.count() == 6 and Evidence.objects.count() == 6
    assert all(c.subjects.get().slug == "israel" for c in Claim.objects.all())


def test_duplicates_within_one_batch_are_skipped_like_sources_already_here(db):
    lines = numbered(
        line(url="https://example.org/1", text="The first report."),
        line(url="https://example.org/1", text="The same URL with other words."),
        line(url="https://example.org/2", text="The first report."),  # a wire copy
        line(text="A report without an address."),
        line(text="A  report without an address.\r\n"),  # the same once canonical
        line(url="HTTPS://EXAMPLE.ORG/1#top", text="The same URL written otherwise."),
        line(url="https://example.org/3", text="Another report."),
    )
    summary = archive.import_lines(lines, batch_size=500)
    assert (summary.imported, summary.skipped, summary.bad) == (3, 4, 0)
    assert sorted(Source.objects.values_list("url", "text")) == [
        ("", "A report without an address."),
        ("https://example.org/1", "The first report."),
        ("https://example.org/3", "Another report."),
    ]


def test_evidence_may_name_a_source_earlier_in_the_same_batch(db):
    first = line(url="https://example.org/1", passages=[{"start": 0, "end": 6}])
    first_text = json.loads(first)["text"]
    second = line(
        url="https://example.org/2",
        passages=[{"start": 0, "end": 6}],
        claims=[
            {
                "statement": "Two reports say so",
                "evidence": [
                    {"passage": 0, "relation": "states"},
                    {"source": "https://example.org/1", "start": 0, "end": 6},
                    {"source": "sha256:" + text_hash(first_text), "start": 0, "end": 6},
                    {"source": "https://example.org/9", "start": 0, "end": 6},
                ],
            }
        ],
    )
    bad = []
    archive.import_lines(numbered(first, second), on_bad=lambda n, reason: bad.append((n, reason)))
    # The source named later in the file is not here yet: the line is bad, nothing of it kept.
    assert bad == [
        (
            2,
            "claim evidence 3: no source 'https://example.org/9' "
            "(it must come earlier in the file or be here already)",
        )
    ]
    fixed = second.replace("https://example.org/9", "https://example.org/1")
    summary = archive.import_lines(numbered(first, fixed))
    assert (summary.imported, summary.skipped) == (1, 1)
    claim = Claim.objects.get()
    # The same passage named twice (by URL and by text hash) is one piece of evidence.
    assert sorted(claim.evidence.values_list("passage__source__url", flat=True)) == [
        "https://example.org/1",
        "https://example.org/2",
    ]


def test_importing_again_imports_nothing_and_records_no_history(db, editor, tmp_path):
    Party.objects.create(name="Israel", slug="israel")
    good = {"passages": [{"start": 0, "end": 6}], "claims": [claim_on(0)]}
    lines = numbered(*(line(url=f"https://example.org/{i}", **good) for i in range(1, 6)))
    archive.import_lines(lines, by=editor)
    before = dump()
    records = [m.history.count() for m in (Source, SourceRevision, Passage, Claim, Evidence)]
    summary = archive.import_lines(lines, by=editor, batch_size=2)
    assert (summary.imported, summary.skipped, summary.bad) == (0, 5, 0)
    assert dump() == before
    assert [
        m.history.count() for m in (Source, SourceRevision, Passage, Claim, Evidence)
    ] == records


def test_every_imported_row_has_its_creation_in_history_by_the_importer(db, editor):
    Party.objects.create(name="Israel", slug="israel")
    Party.objects.create(name="Hamas", slug="hamas")
    lines = numbered(
        *(
            line(
                url=f"https://example.org/{i}",
                passages=[{"start": 0, "end": 6}, {"start": 7, "end": 15}],
                claims=[claim_on(0, subjects=["israel", "hamas"]), claim_on(1, subjects=[])],
            )
            for i in range(1, 4)
        )
    )
    archive.import_lines(lines, by=editor)
    for model in (Source, SourceRevision, Passage, Claim, Evidence):
        rows = set(model.objects.values_list("pk", flat=True))
        assert len(rows) == (3 if model in (Source, SourceRevision) else 6), model
        records = model.history.all()
        assert sorted(r.id for r in records) == sorted(rows), model
        assert {(r.history_type, r.history_user_id) for r in records} == {("+", editor.pk)}
    # A claim's record holds what it was created with, its subjects included.
    for claim in Claim.objects.all():
        record = claim.history.get()
        assert record.statement == claim.statement
        assert sorted(record.subjects.values_list("party__slug", flat=True)) == sorted(
            claim.subjects.values_list("slug", flat=True)
        )
    source = Source.objects.order_by("id").first()
    assert source.history.get().text == source.text
    assert [p.label for p in source.passages.order_by("start")] == ["P1", "P2"]
    assert source.last_passage_number == 2


def test_a_batch_is_written_with_a_few_queries_whatever_its_size(db, django_assert_max_num_queries):
    Party.objects.create(name="Israel", slug="israel")
    good = {"passages": [{"start": 0, "end": 6}], "claims": [claim_on(0)]}
    lines = numbered(*(line(url=f"https://example.org/{i}", **good) for i in range(1, 101)))
    with django_assert_max_num_queries(40):
        summary = archive.import_lines(lines, batch_size=500)
    assert summary.imported == 100 and Evidence.objects.count() == 100


def test_a_line_the_database_refuses_sends_its_batch_line_by_line(db, monkeypatch):
    # Another writer adds a source between the batch's duplicate check and its insert.
    Source.objects.create(
        title="Already here", url="https://example.org/2", text="Other words.", text_hash="x"
    )
    monkeypatch.setattr(archive._Batch, "_present", lambda self: (set(), set()))
    lines = numbered(*(line(url=f"https://example.org/{i}") for i in range(1, 5)))
    bad = []
    summary = archive.import_lines(lines, on_bad=lambda n, reason: bad.append((n, reason)))
    assert (summary.imported, summary.skipped, summary.bad) == (3, 1, 0) and bad == []
    assert Source.objects.count() == 4
    assert Source.objects.get(url="https://example.org/2").title == "Already here"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": " A\ttitle\non  two lines ", "outlet": "  Reuters\u202e ", "author": " Jane\n"},
        {"title": "T", "url": "HTTPS://Example.ORG/a#b", "attribution": " an official\r\n"},
        {"title": "T", "text": "Aid  trucks\r\n\r\n\r\nentered.  ", "language": ""},
    ],
)
def test_a_source_built_for_a_batch_is_the_one_source_create_stores(db, fields):
    from dealtracker.sources.bulk import source_build
    from dealtracker.sources.services import source_create

    data = {"text": "Some text.", "title": "T", **fields}
    built, revision = source_build(by=None, **data)
    wanted = source_create(by=None, **data)
    names = ["kind", "title", "outlet", "author", "attribution", "language", "text", "text_hash"]
    assert [getattr(built, n) for n in names] == [getattr(wanted, n) for n in names]
    if "url" in fields:
        assert built.url == "https://example.org/a"
    assert (revision.number, revision.text) == (1, wanted.revisions.get().text)


def test_rows_built_from_a_plan_import_what_model_init_builds(demo_and_more_sources, settings):
    """The import builds its unsaved rows with copy_rows.unsaved: the same archive gives the
    same sources, passages, claims, evidence and history with Model.__init__ (DB_PLAIN)."""
    path = StringIO(export())

    def imported() -> tuple[dict, list]:
        wipe()
        path.seek(0)
        archive.import_lines(enumerate(path, start=1))
        history = sorted(
            (m.__name__, m.history.filter(history_type="+", id__in=m.objects.values("id")).count())  # type: ignore[attr-defined]
            for m in (Source, SourceRevision, Passage, Claim, Evidence)
        )
        return dump(), history

    settings.DB_PLAIN = frozenset({"unsaved"})
    plain = imported()
    settings.DB_PLAIN = frozenset()
    fast = imported()
    assert fast == plain
    assert len(fast[0]["claims"]) >= 16 and len(fast[0]["passages"]) >= 10
    assert dict(fast[1])["Passage"] == len(fast[0]["passages"])
    uids = [p.uid for p in Passage.objects.all()] + [c.uid for c in Claim.objects.all()]
    assert all(u.version == 4 for u in uids) and len(set(uids)) == len(uids)
