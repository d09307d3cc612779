"""Exports parsed back and compared with the database: the claims CSV, a deal's
JSON and the Atom feeds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from dealtracker.claims.models import Assessment, Claim
from dealtracker.interchange.exports import CSV_COLUMNS, MULTI_SEPARATOR, safe_cell
from tests.factories import build_lists_world, bulk_claims, make_claim

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def w(db):
    return build_lists_world()


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# --- CSV ------------------------------------------------------------------------


def test_csv_has_one_row_per_claim_matching_the_database(reader_client, w):
    rows = read_csv(reader_client.get("/claims.csv"))
    assert list(rows[0].keys()) == [name for name, _ in CSV_COLUMNS]
    # Same order as the list: newest first, undated last.
    assert [int(r["id"]) for r in rows] == [
        w.draft.pk,
        w.figure.pk,
        w.offer.pk,
        w.refused.pk,
        w.complied.pk,
        w.aid.pk,
    ]
    by_id = {int(r["id"]): r for r in rows}
    refused = by_id[w.refused.pk]
    assert refused["url"] == f"http://testserver/claims/{w.refused.pk}/"
    assert refused["statement"] == w.refused.statement
    assert refused["claimed_by"] == "a senior Palestinian official (Hamas)"
    assert refused["claimant"] == "Hamas" and refused["claimant_slug"] == "hamas"
    assert refused["subjects"] == "Israel" and refused["subject_slugs"] == "israel"
    assert refused["deal"] == w.deal.title and refused["deal_slug"] == w.deal.slug
    assert refused["phase"] == "2"  # through its clause
    assert refused["clause_ref"] == "2.1" and refused["clause_title"] == "Full withdrawal"
    assert refused["kind"] == "compliance" and refused["compliance"] == "not_complied"
    assert refused["verification"] == "disputed"
    assert refused["made_on"] == "2025-03-02" and refused["made_on_precision"] == "day"
    assert refused["published"] == "yes"
    assert refused["evidence_count"] == "1"
    assert refused["evidence_quotes"] == w.p_refuse.quote
    assert refused["evidence_relations"] == "states"
    assert refused["evidence_source_titles"] == w.source.title
    assert (
        refused["evidence_links"]
        == f"http://testserver/sources/{w.source.pk}/#passage-{w.p_refuse.pk}"
    )
    offer = by_id[w.offer.pk]
    assert offer["subjects"] == MULTI_SEPARATOR.join(["Hamas", "Israel"])
    complied = by_id[w.complied.pk]
    assert complied["made_on_display"] == "early February 2025"
    assert complied["made_on_precision"] == "early"
    aid = by_id[w.aid.pk]
    assert aid["made_on"] == "" and aid["made_on_display"] == ""
    assert by_id[w.draft.pk]["published"] == "no"


def test_csv_evidence_columns_list_each_passage_in_the_same_order(reader_client, w):
    claim = make_claim(
        statement="Two passages", passages=[w.p_release, w.p_died], made_on=dt.date(2025, 6, 1)
    )
    row = next(r for r in read_csv(reader_client.get("/claims.csv")) if int(r["id"]) == claim.pk)
    assert row["evidence_count"] == "2"
    assert row["evidence_quotes"].split(MULTI_SEPARATOR) == [w.p_release.quote, w.p_died.quote]
    assert row["evidence_links"].split(MULTI_SEPARATOR) == [
        f"http://testserver/sources/{w.source.pk}/#passage-{p.pk}" for p in (w.p_release, w.p_died)
    ]


def test_csv_takes_the_same_filters_as_the_list(reader_client, w):
    params = {"subject": "israel", "made_to": "2025-03-05"}
    rows = read_csv(reader_client.get("/claims.csv", params))
    list_body = reader_client.get("/claims/", params).content.decode()
    list_ids = [int(x) for x in re.findall(r'<tr id="claim-(\d+)"', list_body)]
    assert [int(r["id"]) for r in rows] == list_ids == [w.refused.pk, w.complied.pk]


def test_public_csv_has_no_drafts_and_no_notes(client, public_read, w):
    response = client.get("/claims.csv")
    text = b"".join(response.streaming_content).decode()
    assert "DRAFT" not in text and "SECRET" not in text
    assert len(list(csv.DictReader(io.StringIO(text[1:])))) == 5


def test_csv_finds_the_deal_by_slug_as_bookmarked_or_by_title(reader_client, w):
    by_slug = read_csv(
        reader_client.get("/claims.csv", {"deal": w.deal.slug, "kind": "compliance"})
    )
    by_title = read_csv(
        reader_client.get("/claims.csv", {"deal": w.deal.title.lower(), "kind": "compliance"})
    )
    assert [r["id"] for r in by_slug] == [r["id"] for r in by_title]
    assert {int(r["id"]) for r in by_slug} == {w.refused.pk, w.complied.pk}


def test_csv_refuses_a_title_several_deals_share(reader_client, w):
    from dealtracker.deals.models import Deal

    Deal.objects.create(title=w.deal.title, slug="gaza-ceasefire-copy")
    response = reader_client.get("/claims.csv", {"deal": w.deal.title})
    assert response.status_code == 400
    assert "gaza-ceasefire-2025, gaza-ceasefire-copy" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"claimant": "nobody"},
        {"made_from": "31/12/2025"},
        {"kind": "<b>x</b>"},
        {"deal": "no such deal"},
    ],
)
def test_csv_with_a_bad_filter_is_refused_with_400(reader_client, w, params):
    response = reader_client.get("/claims.csv", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "not valid" in response.content.decode()


def test_csv_guards_against_formula_injection(reader_client, w):
    hostile = {
        '=HYPERLINK("http://evil","x")': '\'=HYPERLINK("http://evil","x")',
        "+1+1": "'+1+1",
        "-2+3": "'-2+3",
        "@SUM(A1)": "'@SUM(A1)",
    }
    for i, statement in enumerate(hostile):
        make_claim(
            statement=statement, attribution="=cmd|' /C calc'!A0", made_on=dt.date(2026, 1, 1 + i)
        )
    rows = read_csv(reader_client.get("/claims.csv"))
    statements = {r["statement"] for r in rows}
    for expected in hostile.values():
        assert expected in statements
    assert all(
        r["attribution"]
        in ("", "a senior Palestinian official", "local health authorities", "'=cmd|' /C calc'!A0")
        for r in rows
    )
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("plain") == "plain"


def test_csv_streams_many_rows_with_a_bounded_number_of_queries(
    reader_client, w, django_assert_max_num_queries
):
    bulk_claims(1200, subjects=[w.israel], passages=[w.p_aid])
    with django_assert_max_num_queries(20):
        response = reader_client.get("/claims.csv")
        rows = read_csv(response)
    assert len(rows) == 1206
    assert len({r["id"] for r in rows}) == 1206


def test_csv_starts_after_a_small_first_chunk_and_grows_its_chunks(reader_client, w):
    """The response starts once the first FIRST_CHUNK rows are read (the query has run,
    so a failure is an error page), not the first 500: the download starts at once.
    The next chunks grow (10, 40, 160, then 500): a client that leaves early costs a
    small chunk more. Every row still comes, each once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dealtracker.claims.listing import FIRST_CHUNK

    bulk_claims(260, subjects=[w.israel], passages=[w.p_aid])

    def rows_read(queries) -> list[int]:
        return [
            int(m)
            for q in queries
            if 'FROM "claims_claim"' in q["sql"]
            for m in re.findall(r"LIMIT (\d+)", q["sql"])
        ]

    with CaptureQueriesContext(connection) as ctx:
        response = reader_client.get("/claims.csv")
        started = rows_read(ctx.captured_queries)
        rows = read_csv(response)
        read = rows_read(ctx.captured_queries)
    assert started == [FIRST_CHUNK + 1], "one page of the first chunk, one row to spare"
    assert FIRST_CHUNK <= 10, "50 rows built before the first byte took 11-17 ms"
    assert read == [11, 41, 161, 501], "each page one row more than its chunk"
    assert len(rows) == Claim.objects.count() == 266
    assert len({r["id"] for r in rows}) == 266


def test_csv_joins_the_deals_once_and_still_reads_a_deal_through_the_clause(reader_client, w):
    """Each chunk's query joins the deals table once: a claim's clause and phase share
    the claim's deal (planning seven joins cost several times the query). A claim that
    breaks the rule, with a clause but no deal of its own, still shows its clause's
    deal and phase, read on its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Claim.objects.filter(pk=w.refused.pk).update(deal=None)
    with CaptureQueriesContext(connection) as ctx:
        rows = read_csv(reader_client.get("/claims.csv"))
    chunk = next(
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "claims_claim"."id"')
    )
    assert chunk.count('JOIN "deals_deal"') == 1, chunk
    by_id = {int(r["id"]): r for r in rows}
    refused = by_id[w.refused.pk]
    assert refused["deal"] == w.deal.title and refused["deal_slug"] == w.deal.slug
    assert refused["phase"] == "2" and refused["clause_ref"] == "2.1"
    for claim in Claim.objects.exclude(pk=w.refused.pk).select_related("deal", "clause__deal"):
        if claim.clause is not None:
            assert by_id[claim.pk]["deal"] == claim.clause.deal.title
            assert by_id[claim.pk]["clause_ref"] == claim.clause.reference


@pytest.mark.parametrize("oldest_first", [False, True])
def test_csv_reads_the_list_a_keyset_chunk_at_a_time(w, reader, oldest_first):
    """Rows come a chunk at a time, each an index walk from where the last ended: every
    claim once, in the list's order, however the chunks fall (undated claims too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dealtracker.claims.listing import ClaimFilters, claims_by_keyset, filtered_claims
    from dealtracker.interchange.exports import csv_claims, csv_lines

    claims = csv_claims(
        filtered_claims(user=reader, filters=ClaimFilters(oldest_first=oldest_first))
    )
    listed = [c.pk for c in claims]
    assert len(listed) > 4, "several chunks"
    with CaptureQueriesContext(connection) as ctx:
        lines = csv_lines(claims_by_keyset(claims, oldest_first=oldest_first, chunk_size=2))
        header, first = next(lines), next(lines)
        first_queries = len(ctx.captured_queries)
        rest = list(lines)
    assert header.startswith("\ufeffid,url,statement")
    ids = [int(line.split(",", 1)[0]) for line in [first, *rest]]
    assert ids == listed
    assert first_queries < len(ctx.captured_queries), "the first row came before the rest was read"


# --- deal JSON --------------------------------------------------------------------


def test_deal_json_holds_the_whole_deal(reader_client, w):
    response = reader_client.get(f"/deals/{w.deal.slug}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    doc = json.loads(response.content)
    assert doc["format"] == "dealtracker-deal" and doc["version"] == 1
    assert doc["deal"]["slug"] == w.deal.slug and doc["deal"]["status"] == "in_force"
    assert doc["deal"]["date_agreed"] == {
        "date": "2025-01-15",
        "precision": "day",
        "display": "15 January 2025",
    }
    assert doc["deal"]["editor_note"] == "SECRET deal note"
    assert [p["order"] for p in doc["phases"]] == [1, 2]
    assert [c["reference"] for c in doc["clauses"]] == ["1.1", "2.1"]
    withdrawal = doc["clauses"][1]
    assert withdrawal["phase"] == 2 and withdrawal["obliged_parties"] == ["israel"]
    parties = {p["slug"]: p for p in doc["parties"]}
    assert parties["israel"]["roles"] == ["signatory"] and parties["egypt"]["roles"] == ["mediator"]
    assert parties["israel"]["aliases"] == ["IDF", "Israeli government"]
    # Claims of the deal (directly, or through phase or clause), none of the other deal's.
    ids = {c["id"] for c in doc["claims"]}
    assert ids == {w.refused.pk, w.complied.pk, w.offer.pk, w.aid.pk}
    refused = next(c for c in doc["claims"] if c["id"] == w.refused.pk)
    assert refused["statement"] == w.refused.statement
    assert refused["claimant"] == "hamas" and refused["subjects"] == ["israel"]
    assert refused["clause"] == "2.1" and refused["phase"] == 2
    assert refused["compliance"] == "not_complied"
    assert refused["made_on"]["date"] == "2025-03-02"
    (evidence,) = refused["evidence"]
    assert evidence["note"] == "SECRET evidence note"
    passage = evidence["passage"]
    assert passage["note"] == "SECRET passage note"
    # Offsets point at the quote in the source's text.
    assert w.source.text[passage["start"] : passage["end"]] == passage["quote"] == w.p_refuse.quote
    assert passage["revision_made"] == passage["revision_anchored"] == 1
    assert [s["id"] for s in doc["sources"]] == [w.source.pk]
    assert doc["sources"][0]["page"] == f"http://testserver/sources/{w.source.pk}/"


def test_public_deal_json_has_no_drafts_and_no_notes(client, public_read, w):
    make_claim(statement="DRAFT about the deal", deal=w.deal, is_published=False)
    response = client.get(f"/deals/{w.deal.slug}.json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "SECRET" not in text and "DRAFT" not in text
    doc = json.loads(text)
    assert "editor_note" not in doc["deal"]
    for claim in doc["claims"]:
        assert claim["published"] is True
        for evidence in claim["evidence"]:
            assert "note" not in evidence and "note" not in evidence["passage"]


def test_unknown_deal_gives_a_404_page(reader_client, w):
    for url in ["/deals/no-such-deal.json", "/deals/no-such-deal/feed.atom"]:
        response = reader_client.get(url)
        assert response.status_code == 404
        assert "Not found" in response.content.decode()


def test_deal_json_query_count_is_bounded(
    reader_client, client, public_read, w, django_assert_max_num_queries
):
    claims = bulk_claims(
        300, deal=w.deal, subjects=[w.israel, w.hamas], passages=[w.p_refuse, w.p_aid]
    )
    draft = make_claim(statement="Draft", deal=w.deal, is_published=False)
    # Assessments citing claims, one of them a draft that only the desk may see cited.
    for i, clause in enumerate([w.hostages, w.withdrawal] * 20):
        assessment = Assessment.objects.create(
            clause=clause,
            party=w.hamas,
            assessed_on=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            level="minimal",
            rationale="Because.",
            is_published=True,
            published_at=timezone.now(),
        )
        assessment.claims.set([claims[i], claims[i + 100], draft])
    for who, http, seen in [("desk", reader_client, 305), ("public", client, 304)]:
        with django_assert_max_num_queries(14):
            response = http.get(f"/deals/{w.deal.slug}.json")
        doc = json.loads(response.content)
        assert len(doc["claims"]) == seen, who
        assert len(doc["assessments"]) == 40, who
        cited = {a["assessed_on"]: a["claims"] for a in doc["assessments"]}
        shown = sorted([claims[0].pk, claims[100].pk] + ([draft.pk] if who == "desk" else []))
        assert cited["2025-01-01"] == shown, who


# --- Atom feeds -------------------------------------------------------------------


def parse_feed(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries(feed: ET.Element) -> list[dict[str, str]]:
    return [
        {
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link").get("href"),
            "updated": e.findtext(f"{ATOM}updated"),
            "summary": e.findtext(f"{ATOM}summary"),
        }
        for e in feed.findall(f"{ATOM}entry")
    ]


def test_claims_feed_lists_published_claims_by_last_change(reader_client, w):
    # Touch one claim: it moves to the top.
    Claim.objects.filter(pk=w.complied.pk).update(
        updated_at=timezone.now() + dt.timedelta(minutes=5)
    )
    feed = parse_feed(reader_client.get("/feeds/claims.atom"))
    items = entries(feed)
    # Drafts never, even for a logged-in reader: feeds are read anonymously.
    assert len(items) == 5
    assert all("DRAFT" not in i["title"] for i in items)
    assert items[0]["id"] == f"http://testserver/claims/{w.complied.pk}/"
    assert items[0]["link"] == items[0]["id"]
    assert items[0]["title"] == w.complied.statement
    updated = [i["updated"] for i in items]
    assert updated == sorted(updated, reverse=True)
    assert (
        feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/claims.atom"
    )


def test_deal_feed_has_only_that_deals_claims(client, public_read, w):
    feed = parse_feed(client.get(f"/deals/{w.deal.slug}/feed.atom"))
    ids = {i["id"] for i in entries(feed)}
    assert ids == {
        f"http://testserver/claims/{c.pk}/" for c in (w.refused, w.complied, w.offer, w.aid)
    }
    assert w.deal.title in feed.findtext(f"{ATOM}title")


def test_feed_titles_are_plain_text_and_summaries_escaped(client, public_read, w):
    make_claim(statement="<script>alert(1)</script> & more", deal=w.deal, attribution="<b>x</b>")
    response = client.get("/feeds/claims.atom")
    assert b"<script>" not in response.content
    item = entries(parse_feed(response))[0]
    assert item["title"] == "<script>alert(1)</script> & more"
    # The summary is HTML (type="html") whose text is escaped once more.
    assert "&lt;script&gt;" in item["summary"]
    assert "<script>" not in item["summary"]


def test_a_feed_reaches_the_server_in_one_piece(client, public_read, w):
    """The Atom generator writes a tag or a text at a time; a WSGI server sends each piece
    of a response it is given on its own (2,100 system calls for a 50-entry feed)."""
    bulk_claims(60, deal=w.deal, subjects=[w.israel])
    for address in ("/feeds/claims.atom", f"/deals/{w.deal.slug}/feed.atom"):
        response = client.get(address)
        assert [piece for piece in response if piece] == [response.content]
        assert len(entries(parse_feed(response))) == 50


def test_feed_query_count_is_bounded(client, public_read, w, django_assert_max_num_queries):
    bulk_claims(200, deal=w.deal, subjects=[w.israel, w.hamas])
    with django_assert_max_num_queries(6):
        feed = parse_feed(client.get(f"/deals/{w.deal.slug}/feed.atom"))
    assert len(entries(feed)) == 50


def test_feeds_join_the_deals_once_and_still_name_a_deal_through_the_clause(client, public_read, w):
    """The feed's claim query joins the deals table once (a claim's clause and phase share
    its deal); a claim with a clause but no deal of its own still names its clause's deal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Claim.objects.filter(pk=w.refused.pk).update(deal=None)
    with CaptureQueriesContext(connection) as ctx:
        items = entries(parse_feed(client.get("/feeds/claims.atom")))
    query = next(
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "claims_claim"."id"')
    )
    assert query.count('JOIN "deals_deal"') == 1, query
    refused = next(i for i in items if i["id"] == f"http://testserver/claims/{w.refused.pk}/")
    assert f"Deal: {w.deal.title}." in refused["summary"]
