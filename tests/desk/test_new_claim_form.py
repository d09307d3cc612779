"""The new-claim form: where its deal comes from, what it narrows, pre-filling, party lookups."""

from __future__ import annotations

import pytest

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Party
from dealtracker.desk.forms.annotate import prefill_query
from dealtracker.sources.passages import passage_mark
from tests.annotating import REPORT, span_of
from tests.factories import make_clause, make_deal, make_draft_claim, make_phase, make_source
from tests.forms import form_values

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _passage(source, words="Gabe Witkoff"):
    start, end = span_of(source, words)
    return passage_mark(source=source, start=start, end=end).passage


def _selected(page: str, name: str):
    return form_values(page, css_class="claim-form").get(name)


def test_the_deal_comes_from_the_page_the_editor_came_from_not_the_last_claim_linked(
    editor_client,
):
    source = make_source(REPORT)
    passage = _passage(source)
    earlier, came_from = make_deal("earlier"), make_deal("came-from")
    # An earlier action linked a claim of another deal to this source.
    linked = make_draft_claim(deal=earlier)
    editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
        {"action": "link", "link-claim": linked.pk, "link-relation": "states"},
        headers=HX,
    )
    other = _passage(source, "the official accused Israel")
    # Opened from the deal page (Referer of the full page load) ...
    page = editor_client.get(
        f"/sources/{source.pk}/", headers={"Referer": f"http://testserver/deals/{came_from.slug}/"}
    ).content.decode()
    assert 'name="from" value="/deals/came-from/"' in page
    assert f"/passages/{other.pk}/?from=%2Fdeals%2Fcame-from%2F" in page
    # ... the highlight's panel (HTMX: its Referer is the source page) keeps that deal.
    panel = editor_client.get(
        f"/sources/{source.pk}/passages/{other.pk}/?from=/deals/came-from/",
        headers={**HX, "Referer": f"http://testserver/sources/{source.pk}/"},
    ).content.decode()
    assert _selected(panel, "claim-deal") == str(came_from.pk)
    assert "Deal taken from the page of Deal came-from, where you came from." in panel
    # Without a page to come from, the source's own claims decide, and the form says so.
    plain = editor_client.get(
        f"/sources/{source.pk}/passages/{other.pk}/", headers=HX
    ).content.decode()
    assert _selected(plain, "claim-deal") == str(earlier.pk)
    assert "Deal taken from the claims already resting on this source." in plain


def test_coming_from_a_matrix_cell_prefills_deal_clause_party_and_kind(editor_client):
    source = make_source(REPORT)
    passage = _passage(source)
    deal = make_deal("cell-deal")
    clause = make_clause(deal, "2.1")
    israel = Party.objects.create(name="Israel", slug="israel")
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/?from=/deals/cell-deal/matrix/2.1/israel/",
        headers=HX,
    ).content.decode()
    values = form_values(page, css_class="claim-form")
    assert values["claim-deal"] == str(deal.pk)
    assert values["claim-clause"] == str(clause.pk)
    assert values["claim-subjects"] == str(israel.pk)
    assert values["claim-kind"] == "compliance"


def test_a_from_outside_the_site_is_ignored(editor_client):
    source = make_source(REPORT)
    passage = _passage(source)
    make_deal("x")
    for bad in (
        "https://evil.example/deals/x/",
        "//evil.example/deals/x/",
        "/\\evil",
        "javascript:x",
    ):
        page = editor_client.get(
            f"/sources/{source.pk}/passages/{passage.pk}/", {"from": bad}, headers=HX
        ).content.decode()
        assert 'name="from"' not in page and "evil" not in page


def test_the_deal_narrows_phases_and_clauses_labelled_number_first(editor_client):
    deal, other = make_deal("a"), make_deal("b")
    make_phase(deal, 2)
    make_clause(deal, "2.1")
    make_clause(other, "9.9")
    html = editor_client.get(
        "/claims/lookup/terms/", {"prefix": "claim", "claim-deal": deal.pk}, headers=HX
    ).content.decode()
    assert html.lstrip().startswith('<div id="claim-terms"')
    assert ">2 — Phase 2</option>" in html and ">2.1 Permanent ceasefire</option>" in html
    assert "9.9" not in html and "---------" not in html
    none = editor_client.get("/claims/lookup/terms/", {"prefix": "claim"}, headers=HX)
    assert "Choose a deal first" in none.content.decode()
    assert "<html" in editor_client.get("/claims/lookup/terms/").content.decode()


def test_a_new_claim_can_be_opened_prefilled_by_query_or_by_the_marking_post(editor_client):
    source = make_source(REPORT)
    passage = _passage(source)
    deal = make_deal("pre")
    clause = make_clause(deal, "1.4")
    hamas = Party.objects.create(name="Hamas", slug="hamas")
    query = prefill_query(
        {
            "deal": "pre",
            "clause_ref": "1.4",
            "subjects": ["hamas"],
            "compliance": "not_complied",
            "statement": "Hamas <b>refused</b>",
            "attribution": "an official",
            "made_on": "2025-03-02",
            "language": "ar",
        }
    )
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/?{query}", headers=HX
    ).content.decode()
    values = form_values(page, css_class="claim-form")
    assert values["claim-deal"] == str(deal.pk) and values["claim-clause"] == str(clause.pk)
    assert values["claim-subjects"] == str(hamas.pk)
    assert (values["claim-kind"], values["claim-compliance"]) == ("compliance", "not_complied")
    assert values["claim-statement"] == "Hamas <b>refused</b>"  # escaped in the page
    assert "Hamas &lt;b&gt;refused" in page
    assert values["claim-made_on"] == "2025-03-02" and values["claim-language"] == "ar"
    assert "Pre-filled from a suggestion" in page and 'link-new" open' in page
    # The same values posted with a selection mark the passage and open the form with them.
    start, end = span_of(source, "the official accused Israel")
    marked = editor_client.post(
        f"/sources/{source.pk}/passages/",
        {
            "start": start,
            "end": end,
            "unit": "codepoint",
            "claim-deal": deal.pk,
            "claim-clause": clause.pk,
        },
        headers=HX,
    ).content.decode()
    assert form_values(marked, css_class="claim-form")["claim-clause"] == str(clause.pk)
    # Values that do not resolve are left out, never an error.
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/",
        {"claim-deal": "9" * 40, "claim-kind": "bogus", "claim-made_on": "March"},
        headers=HX,
    )
    assert page.status_code == 200


def test_a_claim_is_saved_published_when_the_editor_says_so(editor_client):
    source = make_source(REPORT)
    passage = _passage(source)
    page = editor_client.get(f"/sources/{source.pk}/passages/{passage.pk}/", headers=HX)
    values = form_values(page.content.decode(), css_class="claim-form", press=("save", "publish"))
    values.pop("refresh", None)
    values["claim-statement"] = "Witkoff cut off the talks"
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/", values, headers=HX
    )
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert claim.is_published and claim.published_at
    assert f"Claim {claim.pk} published and linked to the passage." in response.content.decode()
    # Without saying which, nothing is saved.
    values["save"] = ""
    values["claim-statement"] = "Another"
    refused = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/", values, headers=HX
    )
    assert refused.status_code == 422 and Claim.objects.count() == 1


def test_compliance_makes_an_other_claim_a_compliance_claim_and_errors_come_all_at_once(
    editor_client,
):
    source = make_source(REPORT)
    passage = _passage(source)
    url = f"/sources/{source.pk}/passages/{passage.pk}/evidence/"
    base = {
        "action": "new",
        "save": "draft",
        "claim-made_on_precision": "day",
        "claim-language": "en",
        "ev-relation": "states",
    }
    response = editor_client.post(
        url,
        {**base, "claim-statement": "x", "claim-kind": "other", "claim-compliance": "complied"},
        headers=HX,
    )
    assert response.status_code == 200 and Claim.objects.get().kind == "compliance"
    response = editor_client.post(
        url,
        {**base, "claim-statement": "", "claim-kind": "figure", "claim-compliance": "complied"},
        headers=HX,
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'class="error-summary" id="new-claim-errors" role="alert"' in body
    assert "The claim was not saved" in body
    assert (
        'href="#id_claim-statement"' in body
        and "Only a compliance claim asserts a compliance" in body
    )
    assert "Constraint" not in body


def test_without_javascript_find_and_add_show_the_form_again_with_the_party_and_save_nothing(
    editor_client,
):
    source = make_source(REPORT)
    passage = _passage(source)
    israel = Party.objects.create(name="Israel", slug="israel", aliases=["State of Israel"])
    url = f"/sources/{source.pk}/passages/{passage.pk}/evidence/"
    found = editor_client.post(
        url,
        {
            "action": "new",
            "refresh": "claim-subjects",
            "claim-statement": "Kept",
            "claim-subjects-q": "Isreal",
        },
    )
    page = found.content.decode()
    assert found.status_code == 200 and not Claim.objects.exists()
    assert f'name="claim-subjects-add" value="{israel.pk}"' in page
    assert form_values(page, css_class="claim-form")["claim-statement"] == "Kept"
    added = editor_client.post(
        url, {"action": "new", "claim-statement": "Kept", "claim-subjects-add": israel.pk}
    ).content.decode()
    assert form_values(added, css_class="claim-form")["claim-subjects"] == str(israel.pk)
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("isr", "Israel"),
        ("Isreal", "Israel"),
        ("state of isr", "Israel"),
        ("White House", "United States"),
        ("حماس", "Hamas"),
    ],
)
def test_the_party_lookup_finds_names_aliases_and_misspellings(editor_client, typed, expected):
    Party.objects.create(name="Israel", slug="israel", aliases=["State of Israel"])
    Party.objects.create(name="Hamas", slug="hamas", aliases=["حماس"])
    Party.objects.create(
        name="United States", slug="united-states", short_name="US", aliases=["White House"]
    )
    response = editor_client.get(
        "/claims/lookup/parties/",
        {
            "for": "claim-subjects",
            "id": "id_claim-subjects",
            "multiple": "1",
            "claim-subjects-q": typed,
        },
        headers=HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    first = body.split('class="party-option"')[1]
    assert f">{expected}" in first


def test_picking_a_party_answers_its_chip_and_says_so(editor_client):
    israel = Party.objects.create(name="Israel", slug="israel")
    params = {
        "for": "claim-subjects",
        "id": "id_claim-subjects",
        "multiple": "1",
        "party": israel.pk,
    }
    chip = editor_client.get("/claims/lookup/parties/pick/", params, headers=HX).content.decode()
    assert (
        f'name="claim-subjects" value="{israel.pk}" id="id_claim-subjects-chip-{israel.pk}" checked'
        in chip
    )
    assert 'data-hx-swap-oob="innerHTML"' in chip and "Israel added." in chip
    again = editor_client.get(
        "/claims/lookup/parties/pick/", {**params, "claim-subjects": israel.pk}, headers=HX
    ).content.decode()
    assert "already chosen" in again and "checked" not in again
