"""The read API answers what the pages show: published things to anonymous
clients, drafts and internal notes to readers with a token, in keyset pages,
filtered as the HTML lists filter."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest

from dealtracker.claims.models import Assessment, Claim

# Every test here only reads the demo: it is loaded once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]


def _all(client, url: str) -> list[dict]:
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        url = body["next"]
    return items


def test_anonymous_clients_never_see_drafts(demo, anonymous, token_client):
    drafts = list(Claim.objects.filter(is_published=False).values_list("pk", flat=True))
    assert drafts, "the demo has draft claims"
    public_ids = {c["id"] for c in _all(anonymous, "/api/v1/claims/?limit=3")}
    reader_ids = {c["id"] for c in _all(token_client, "/api/v1/claims/?limit=3")}
    assert not public_ids & set(drafts)
    assert set(drafts) <= reader_ids
    assert public_ids == set(Claim.objects.filter(is_published=True).values_list("pk", flat=True))
    for pk in drafts:
        assert anonymous.get(f"/api/v1/claims/{pk}/").status_code == 404
        assert token_client.get(f"/api/v1/claims/{pk}/").json()["published"] is False


def test_anonymous_clients_get_no_draft_assessment_nor_internal_note(
    demo, anonymous, token_client, editor
):
    draft = Assessment.objects.filter(is_published=True).first()
    draft.pk, draft.uid = None, uuid.uuid4()  # a copy: another row, another identity
    draft.is_published, draft.published_at = False, None
    draft.save()
    public = {a["id"] for a in _all(anonymous, "/api/v1/assessments/")}
    assert draft.pk not in public
    assert draft.pk in {a["id"] for a in _all(token_client, "/api/v1/assessments/")}
    assert anonymous.get(f"/api/v1/assessments/{draft.pk}/").status_code == 404
    # Internal notes: the demo's note on the passage that misnames the envoy.
    noted = [
        e
        for c in _all(token_client, "/api/v1/claims/")
        for e in c["evidence"]
        if e["passage"]["note"]
    ]
    assert noted, "a reader sees the passage notes"
    for claim in _all(anonymous, "/api/v1/claims/"):
        for evidence in claim["evidence"]:
            assert evidence["note"] is None and evidence["passage"]["note"] is None
    deal = anonymous.get(f"/api/v1/deals/{demo.slug}/").json()
    assert deal["editor_note"] is None


def test_a_claim_carries_its_evidence_quotes_and_source_links(demo, anonymous):
    claim = Claim.objects.filter(is_published=True, evidence__isnull=False).first()
    body = anonymous.get(f"/api/v1/claims/{claim.pk}/").json()
    evidence = body["evidence"][0]
    passage = claim.evidence.order_by("id").first().passage
    assert evidence["passage"]["quote"] == passage.quote
    assert evidence["source"]["id"] == passage.source_id
    assert evidence["source"]["page"].endswith(f"/sources/{passage.source_id}/")
    assert evidence["source"]["api_url"].endswith(f"/api/v1/sources/{passage.source_id}/")
    assert evidence["passage"]["url"].endswith(f"#passage-{passage.pk}")
    source = anonymous.get(
        evidence["source"]["api_url"].split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    )
    assert source.status_code == 200
    assert passage.quote in source.json()["text"]


def test_the_claims_filters_are_the_claims_lists(demo, anonymous):
    """Same parameters, same claims, same order as /claims/ (the page's own form and query)."""
    from django.contrib.auth.models import AnonymousUser

    from dealtracker.claims.listing import ClaimFilters, filtered_claims

    items = _all(anonymous, f"/api/v1/claims/?deal={demo.slug}&compliance=not_complied&limit=2")
    expected = filtered_claims(
        user=AnonymousUser(), filters=ClaimFilters(deal=demo, compliance="not_complied")
    )
    assert [c["id"] for c in items] == [c.pk for c in expected]
    assert items and all(c["compliance"] == "not_complied" for c in items)
    oldest = _all(anonymous, f"/api/v1/claims/?deal={demo.slug}&sort=oldest&limit=4")
    newest = _all(anonymous, f"/api/v1/claims/?deal={demo.slug}&limit=4")
    assert [c["id"] for c in oldest] == [c["id"] for c in newest][::-1]
    # The deal's title names it too, as on the page.
    by_title = _all(anonymous, "/api/v1/claims/?" + urlencode({"deal": demo.title, "limit": 4}))
    assert [c["id"] for c in by_title] == [c["id"] for c in newest]


def test_every_list_pages_by_cursor_without_gaps_or_repeats(demo, token_client):
    for name in ("deals", "phases", "clauses", "parties", "claims", "assessments", "sources"):
        whole = token_client.get(f"/api/v1/{name}/?limit=200").json()
        assert whole["next"] is None, name
        paged = _all(token_client, f"/api/v1/{name}/?limit=2")
        assert [i["id"] for i in paged] == [i["id"] for i in whole["items"]], name
        assert len(paged) >= 2, name


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/v1/claims/?kind=rumour", "kind"),
        ("/api/v1/claims/?deal=no-such-deal", "deal"),
        ("/api/v1/claims/?phase=2", "phase"),
        ("/api/v1/claims/?made_from=soon", "made_from"),
        ("/api/v1/claims/?q=" + "-" * 40, "q"),
        ("/api/v1/claims/?cursor=yesterday", "cursor"),
        ("/api/v1/claims/?limit=1000", "limit"),
        ("/api/v1/claims/?dael=gaza", "dael"),
        ("/api/v1/deals/?mediated=maybe", "mediated"),
        ("/api/v1/deals/?party=nobody", "party"),
        ("/api/v1/clauses/?phase=1", "phase"),
        ("/api/v1/assessments/?level=most", "level"),
        ("/api/v1/sources/?kind=blog", "kind"),
        ("/api/v1/parties/?cursor=-1", "cursor"),
        ("/api/v1/claims/abc/", "pk"),
        ("/api/v1/claims/1/?expand=all", "expand"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(demo, anonymous, url, param):
    response = anonymous.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "bad_parameter"
    assert param in body["parameters"], body
    assert param in body["message"]
    assert all(message.strip() for message in body["parameters"][param])


def test_unknown_things_are_404s_in_json(demo, anonymous):
    for url in ("/api/v1/deals/no-such-deal/", "/api/v1/claims/999999/", "/api/v1/sources/0/"):
        response = anonymous.get(url)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_the_api_is_read_only(demo, token_client):
    response = token_client.post("/api/v1/claims/", {"statement": "x"})
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_head_answers_the_headers_of_get(demo, anonymous):
    get = anonymous.get("/api/v1/deals/")
    head = anonymous.head("/api/v1/deals/")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"]


def test_the_deal_filters_are_the_deal_lists(demo, anonymous):
    """Same form, same query (deals_for_list, deals_with_facts) as /deals/."""
    from dealtracker.deals.models import Deal

    with_israel = {d["slug"] for d in _all(anonymous, "/api/v1/deals/?party=israel")}
    assert with_israel == set(
        Deal.objects.filter(memberships__party__slug="israel").values_list("slug", flat=True)
    )
    proposed = _all(anonymous, "/api/v1/deals/?status=proposed")
    assert proposed and all(d["status"] == "proposed" for d in proposed)
    assert _all(anonymous, "/api/v1/deals/?status=proposed&party=israel&mediated=false") == [
        d for d in proposed if d["slug"] in with_israel and d["mediated"] is False
    ]
