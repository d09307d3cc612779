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
    real = archive.import_line
    seen = []

    def failing(parsed, **kwargs):
        seen.append(parsed.url)
        if len(seen) == 5:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C in batch 3
        return real(parsed, **kwargs)

    monkeypatch.setattr(archive, "import_line", failing)
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
        # Nothing was read ahead of the batch just committed.
        assert pulled == number

    def peak(n):
        tracemalloc.start()
        summary = archive.import_lines(lines(n), batch_size=10, on_batch=batch_done)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.imported == n
        return top

    small, large = peak(10), peak(60)
    # Six times the data (1.2 MB) does not take six times the memory.
    assert large < 2 * small
