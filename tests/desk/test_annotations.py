"""Evidence as W3C Web Annotations, validated against the W3C test suite's MUST
schemas (kept in tests/oracles/w3c-web-annotation-tests, see its README), plus the
collection and page shapes, visibility, paging and 404/400."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dealtracker.claims.models import Evidence
from tests.factories import build_lists_world, bulk_claims, make_claim

ORACLE = Path(__file__).resolve().parents[1] / "oracles" / "w3c-web-annotation-tests"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def _oracle() -> Path:
    assert (ORACLE / "annotations" / "annotationMusts.test").is_file(), f"missing: {ORACLE}"
    return ORACLE


@pytest.fixture(scope="module")
def must_validators():
    """(schema file, Draft4Validator, expected result) for every MUST assertion."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    root = _oracle()
    resources = []
    for path in [*root.glob("definitions/*.json"), *root.glob("annotations/**/*.json")]:
        schema = json.loads(path.read_text())
        resources.append(
            (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        )
    registry = Registry().with_resources(resources)
    musts = json.loads((root / "annotations" / "annotationMusts.test").read_text())
    validators = []
    for relative in musts["assertions"]:
        schema = json.loads((root / relative).read_text())
        validator = Draft4Validator(schema, registry=registry, format_checker=FormatChecker())
        validators.append((relative, validator, schema.get("expectedResult", "valid")))
    assert len(validators) == len(musts["assertions"]) > 40
    return validators


def must_failures(annotation: dict, validators) -> list[str]:
    """The MUST assertions the annotation breaks (a match must be `expectedResult`)."""
    failures = []
    for name, validator, expected in validators:
        matches = validator.is_valid(annotation)
        if matches != (expected == "valid"):
            errors = "; ".join(e.message[:200] for e in validator.iter_errors(annotation))
            failures.append(f"{name}: {errors}")
    return failures


@pytest.fixture
def w(db):
    return build_lists_world()


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


def test_the_harness_accepts_the_suites_correct_samples_and_rejects_incorrect_ones(must_validators):
    from jsonschema import FormatChecker

    # "format": "uri" is only checked with a URI validator installed (rfc3986-validator).
    assert not FormatChecker().conforms("not a uri", "uri")
    samples = ORACLE / "tools" / "samples"
    for n in range(1, 11):
        sample = json.loads((samples / "correct" / f"anno{n}.json").read_text())
        assert must_failures(sample, must_validators) == [], n
    rejected = 0
    for path in sorted((samples / "incorrect").glob("*.json")):
        try:
            sample = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue  # some are deliberately broken JSON
        rejected += bool(must_failures(sample, must_validators))
    assert rejected >= 5


def test_every_source_annotation_passes_every_must_schema(reader_client, w, must_validators):
    collection = get_json(reader_client, f"/sources/{w.source.pk}/annotations.jsonld")
    items = collection["first"]["items"]
    assert len(items) == Evidence.objects.filter(passage__source=w.source).count() == 5
    for item in items:
        standalone = {"@context": collection["@context"], **item}
        assert must_failures(standalone, must_validators) == []


def page_of(evidence: Evidence) -> int:
    """Page N holds evidence ids N*100+1 .. (N+1)*100."""
    return (evidence.pk - 1) // 100


def test_every_database_page_annotation_passes_every_must_schema(reader_client, w, must_validators):
    first = Evidence.objects.order_by("id").first()
    page = get_json(reader_client, f"/annotations.jsonld?page={page_of(first)}")
    assert page["items"]
    for item in page["items"]:
        assert must_failures({"@context": page["@context"], **item}, must_validators) == []


def test_annotation_ties_the_claim_to_the_exact_passage_and_revision(reader_client, w):
    collection = get_json(reader_client, f"/sources/{w.source.pk}/annotations.jsonld")
    evidence = Evidence.objects.get(claim=w.refused)
    item = next(
        i for i in collection["first"]["items"] if i["id"].endswith(f"#evidence-{evidence.pk}")
    )
    assert item["id"] == f"http://testserver/claims/{w.refused.pk}/#evidence-{evidence.pk}"
    assert item["type"] == "Annotation"
    assert item["body"] == {
        "id": f"http://testserver/claims/{w.refused.pk}/",
        "type": "TextualBody",
        "value": w.refused.statement,
        "format": "text/plain",
        "language": "en",
        "claimStatus": "disputed",
    }
    target = item["target"]
    assert target["source"] == f"http://testserver/sources/{w.source.pk}/"
    quote, position = target["selector"]
    assert quote["type"] == "TextQuoteSelector" and quote["exact"] == w.p_refuse.quote
    assert quote["prefix"] == w.p_refuse.prefix and quote["suffix"] == w.p_refuse.suffix
    assert position == {
        "type": "TextPositionSelector",
        "start": w.p_refuse.start,
        "end": w.p_refuse.end,
    }
    assert w.source.text[position["start"] : position["end"]] == quote["exact"]
    assert target["state"]["type"] == "TimeState"
    assert target["state"]["cached"] == f"http://testserver/sources/{w.source.pk}/revisions/1/"
    assert target["revisionMade"] == target["state"]["cached"]
    assert target["anchorStatus"] == "anchored"
    assert item["relation"] == "states"
    assert item["created"].endswith("Z")


def test_collection_and_pages_have_the_w3c_shape_and_lead_through_everything(reader_client, w):
    bulk_claims(130, passages=[w.p_aid, w.p_died])  # 260 more evidence links: several pages
    collection = get_json(reader_client, "/annotations.jsonld")
    assert ANNO_CONTEXT in collection["@context"]
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"] == "http://testserver/annotations.jsonld"
    assert collection["first"] == "http://testserver/annotations.jsonld?page=0"
    assert collection["last"].startswith("http://testserver/annotations.jsonld?page=")
    seen: list[str] = []
    url = collection["first"]
    previous = None
    pages = 0
    while url:
        page = get_json(reader_client, url.replace("http://testserver", ""))
        pages += 1
        assert page["type"] == "AnnotationPage" and page["id"] == url
        assert ANNO_CONTEXT in page["@context"]
        assert page["partOf"]["id"] == collection["id"]
        assert page.get("prev") == previous
        assert all(item["type"] == "Annotation" for item in page["items"])
        seen.extend(item["id"] for item in page["items"])
        previous, url = url, page.get("next")
    assert previous == collection["last"]
    assert pages >= 3
    expected = [
        f"http://testserver/claims/{e.claim_id}/#evidence-{e.pk}"
        for e in Evidence.objects.order_by("id")
    ]
    assert seen == expected


def test_public_visitors_get_no_drafts_and_no_notes(client, public_read, w):
    text = client.get(f"/sources/{w.source.pk}/annotations.jsonld").content.decode()
    assert "DRAFT" not in text and "SECRET" not in text
    number = page_of(Evidence.objects.order_by("id").first())
    page = client.get(f"/annotations.jsonld?page={number}").content.decode()
    assert "DRAFT" not in page and "SECRET" not in page
    doc = json.loads(text)
    assert len(doc["first"]["items"]) == 4  # the draft's evidence is left out


def test_unknown_source_or_page_is_404_and_a_bad_page_400(reader_client, w):
    assert reader_client.get("/sources/999999/annotations.jsonld").status_code == 404
    assert reader_client.get("/annotations.jsonld?page=999").status_code == 404
    for bad in ["-1", "x", "1.5", "<script>"]:
        response = reader_client.get("/annotations.jsonld", {"page": bad})
        assert response.status_code == 400
        assert b"<script>" not in response.content


def test_statement_with_markup_is_kept_verbatim_as_json_text(reader_client, w):
    claim = make_claim(statement="<script>alert(1)</script>", passages=[w.p_died])
    doc = get_json(reader_client, f"/sources/{w.source.pk}/annotations.jsonld")
    bodies = [
        i["body"]["value"]
        for i in doc["first"]["items"]
        if i["body"]["id"].endswith(f"/{claim.pk}/")
    ]
    assert bodies == ["<script>alert(1)</script>"]


def test_annotation_query_count_is_bounded(reader_client, w, django_assert_max_num_queries):
    bulk_claims(150, passages=[w.p_aid, w.p_died])
    full = page_of(Evidence.objects.order_by("id").first()) + 1
    with django_assert_max_num_queries(6):
        page = get_json(reader_client, f"/annotations.jsonld?page={full}")
    assert len(page["items"]) == 100
    with django_assert_max_num_queries(6):
        doc = get_json(reader_client, f"/sources/{w.source.pk}/annotations.jsonld")
    assert len(doc["first"]["items"]) == 305


@pytest.fixture
def paged_evidence(db, editor):
    """Evidence on page 2 of a source read from a (three-page) PDF."""
    from dealtracker.claims.models import Claim
    from dealtracker.sources.passages import passage_mark
    from dealtracker.sources.services import source_create

    text = "Page one words.\n\nPage two: the crossing opened on 27 January.\n\nPage three."
    source = source_create(
        text=text,
        title="Sitrep",
        by=editor,
        page_starts=[0, text.index("Page two"), text.index("Page three")],
    )
    start = text.index("the crossing")
    passage = passage_mark(source=source, start=start, end=start + 20, by=editor).passage
    claim = Claim.objects.create(statement="The crossing opened.", is_published=False)
    return Evidence.objects.create(claim=claim, passage=passage)


def test_a_passage_on_a_pdf_page_carries_the_page_as_a_fragment_selector(
    reader_client, paged_evidence, must_validators
):
    collection = get_json(
        reader_client, f"/sources/{paged_evidence.passage.source_id}/annotations.jsonld"
    )
    (item,) = collection["first"]["items"]
    page_selector = item["target"]["selector"][2]
    assert page_selector == {
        "type": "FragmentSelector",
        "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
        "value": "page=2",
        "refinedBy": {
            "type": "TextQuoteSelector",
            "exact": "the crossing opened",
            "prefix": paged_evidence.passage.prefix,
            "suffix": paged_evidence.passage.suffix,
        },
    }
    assert must_failures({"@context": collection["@context"], **item}, must_validators) == []
