"""The source archive's import writes each batch on a connection of its own while the
next one is checked (source_archive._Writer). These tests commit for real
(transaction=True): inside a transaction the import takes its one-connection path,
which the other import tests drive and which these compare against."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Party
from dealtracker.interchange import source_archive as archive
from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import Source
from tests.sources.test_import_export import claim_on, dump, line, numbered, run_import, wipe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def writes(monkeypatch) -> list:
    """The batches handed to the writing thread."""
    handed: list = []
    real = archive._Writer.submit

    def submit(self, outcome):
        handed.append(outcome)
        return real(self, outcome)

    monkeypatch.setattr(archive._Writer, "submit", submit)
    return handed


@pytest.fixture
def late_writes(monkeypatch):
    """Batch k written only once batch k + 1 is checked (the last one after a second):
    what a slow database does, so that every check runs beside a write."""
    progress = threading.Condition()
    counts = {"checked": 0, "written": 0}
    real_prepare, real_write = archive._Batch.prepare, archive._Writer._write

    def prepare(self, *args, **kwargs):
        real_prepare(self, *args, **kwargs)
        with progress:
            counts["checked"] += 1
            progress.notify_all()

    def write(outcome):
        with progress:
            counts["written"] += 1
            progress.wait_for(lambda: counts["checked"] > counts["written"], timeout=1)
        real_write(outcome)

    monkeypatch.setattr(archive._Batch, "prepare", prepare)
    monkeypatch.setattr(archive._Writer, "_write", staticmethod(write))


def named(url: str, text: str, **fields) -> str:
    return line(url=url, text=text, passages=[{"start": 0, "end": 6}], **fields)


def test_written_beside_the_next_batch_an_import_gives_what_one_transaction_gives(
    writes, late_writes, monkeypatch
):
    Party.objects.create(name="Israel", slug="israel")
    one_by_one = []
    real_one = archive._import_one
    monkeypatch.setattr(
        archive,
        "_import_one",
        lambda number, *a, **k: one_by_one.append(number) or real_one(number, *a, **k),
    )
    lines = numbered(
        named("https://example.org/1", "Israel withdrew from one town."),
        named("https://example.org/2", "Israel withdrew from two towns."),
        # Batch 2: evidence on a source of batch 1, while batch 1 is being written.
        named(
            "https://example.org/3",
            "Israel withdrew from three towns.",
            claims=[
                {
                    "statement": "Three reports say so",
                    "subjects": ["israel"],
                    "evidence": [
                        {"passage": 0},
                        {"source": "https://example.org/1", "start": 0, "end": 6},
                        {
                            "source": "sha256:" + text_hash("Israel withdrew from two towns."),
                            "start": 0,
                            "end": 6,
                        },
                    ],
                }
            ],
        ),
        named("https://example.org/2", "The same address as a report of batch 1."),
        # Batch 3: a wire copy of batch 2's text; a claim naming nobody here.
        named("https://example.org/5", "Israel withdrew from three towns."),
        named(
            "https://example.org/6",
            "Bad report.",
            claims=[{"statement": "x", "claimant": "nobody"}],
        ),
        named("https://example.org/7", "Israel withdrew from seven towns.", claims=[claim_on(0)]),
    )

    def imported():
        bad: list = []
        summary = archive.import_lines(lines, batch_size=2, on_bad=lambda *b: bad.append(b))
        counts = (summary.imported, summary.skipped, summary.bad, summary.passages, summary.claims)
        return dump(), counts, bad

    pipelined = imported()
    assert len(writes) == 4
    assert one_by_one == []  # every batch went in bulk: no line left to the database to refuse
    wipe()
    with transaction.atomic():
        one_transaction = imported()
    assert len(writes) == 4  # nothing more handed to the thread
    assert pipelined == one_transaction
    assert pipelined[1] == (4, 2, 1, 4, 2)
    claim = Claim.objects.get(statement="Three reports say so")
    assert sorted(claim.evidence.values_list("passage__source__url", flat=True)) == [
        "https://example.org/1",
        "https://example.org/2",
        "https://example.org/3",
    ]


def test_when_the_database_refuses_a_batch_the_next_one_is_checked_again(monkeypatch, writes):
    """Batch 2 is checked while batch 1 is written, counting batch 1's lines as present.
    The database refuses batch 1 and its lines go in one by one, where one of them
    turns out to be a duplicate (another writer added its text meanwhile): batch 2 is
    checked again, and its line with that line's address is imported, not skipped."""
    lines = numbered(
        named("https://example.org/1", "The first report."),
        named("https://example.org/2", "A report another writer adds too."),
        named("https://example.org/3", "The third report."),
        named("https://example.org/2", "Other words at the address of line 2."),
    )
    real = archive._Writer._write

    def refused_once(outcome):
        if len(writes) == 1:
            text = "A report another writer adds too."
            Source.objects.create(title="Theirs", text=text, text_hash=text_hash(text))
            raise IntegrityError("refused")
        real(outcome)

    monkeypatch.setattr(archive._Writer, "_write", staticmethod(refused_once))
    summary = archive.import_lines(lines, batch_size=2)
    assert (summary.imported, summary.skipped, summary.bad) == (3, 1, 0)
    assert Source.objects.get(url="https://example.org/2").text == (
        "Other words at the address of line 2."
    )
    assert sorted(Source.objects.values_list("url", flat=True)) == [
        "",
        "https://example.org/1",
        "https://example.org/2",
        "https://example.org/3",
    ]


def test_an_interrupted_import_keeps_the_batch_it_was_writing(tmp_path, monkeypatch, writes):
    path = tmp_path / "six.jsonl"
    path.write_text(
        "\n".join(line(url=f"https://example.org/{i}", text=f"Report {i}.") for i in range(1, 7))
        + "\n",
        encoding="utf-8",
    )
    real = archive.prepare_line

    def failing(number, raw, **kwargs):
        if number == 5:
            raise KeyboardInterrupt  # Ctrl-C while batch 3 is read, batch 2 being written
        return real(number, raw, **kwargs)

    monkeypatch.setattr(archive, "prepare_line", failing)
    with pytest.raises(KeyboardInterrupt):
        run_import(path, batch_size=2)
    assert len(writes) == 2
    assert sorted(Source.objects.values_list("url", flat=True)) == [
        f"https://example.org/{i}" for i in range(1, 5)
    ]


def test_the_writing_connection_takes_no_ids_and_each_row_and_record_has_its_own(monkeypatch):
    """Every id is taken on the checking connection (the writing one bounds an import):
    the rows, their subjects and the claims' history records, subjects included, come
    out whole and linked as one transaction writes them."""
    Party.objects.create(name="Israel", slug="israel")
    Party.objects.create(name="Hamas", slug="hamas")
    writer_sql: list[str] = []
    real = archive._Writer._write

    def watched(outcome):
        with CaptureQueriesContext(connection) as queries:  # the writing thread's connection
            real(outcome)
        writer_sql.extend(q["sql"] for q in queries.captured_queries)

    monkeypatch.setattr(archive._Writer, "_write", staticmethod(watched))
    both = {"statement": "Both withdrew", "subjects": ["israel", "hamas"]}
    lines = numbered(
        *(
            named(
                f"https://example.org/{i}",
                f"Israel and Hamas withdrew from {i} towns.",
                claims=[{**both, "evidence": [{"passage": 0}]}, claim_on(0)],
            )
            for i in range(1, 6)
        )
    )
    summary = archive.import_lines(lines, batch_size=2)
    assert (summary.imported, summary.claims, summary.bad) == (5, 10, 0)
    assert writer_sql, "the batches were not written on the writing thread"
    assert not [sql for sql in writer_sql if "nextval" in sql]
    claims = Claim.objects.filter(statement="Both withdrew").prefetch_related("subjects")
    assert len(claims) == 5
    for claim in claims:
        assert sorted(p.slug for p in claim.subjects.all()) == ["hamas", "israel"]
        assert claim.evidence.get().passage.source.text.endswith(" towns.")
        (record,) = claim.history.all()
        assert sorted(record.subjects.values_list("party__slug", flat=True)) == [
            "hamas",
            "israel",
        ]
