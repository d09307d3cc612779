"""The editors' endpoints: marking, linking, editing, permissions, CSRF, hostile input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from dealtracker.claims.models import Claim, Evidence, VerificationChange
from dealtracker.sources.models import Passage
from dealtracker.sources.passages import passage_mark
from tests.annotating import ARABIC, REPORT, span_of
from tests.factories import make_clause, make_deal, make_draft_claim, make_source

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def mark(source, words):
    start, end = span_of(source, words)
    return passage_mark(source=source, start=start, end=end).passage


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


# --- marking ---------------------------------------------------------------


def test_editor_marks_a_passage_and_gets_the_panel_and_the_new_highlight(editor_client):
    source = make_source(REPORT)
    start, end = span_of(source, "the official accused Israel")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/", {"start": start, "end": end}, headers=HX
    )
    assert response.status_code == 201
    passage = Passage.objects.get()
    assert (passage.start, passage.end, passage.quote) == (
        start,
        end,
        "the official accused Israel",
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<aside id="passage-panel"')
    assert "Passage marked." in body and "Link a claim to this passage" in body
    # The text region comes along out of band, with the new highlight in it.
    assert 'id="source-text"' in body and 'hx-swap-oob="outerHTML"' in body
    assert f'id="passage-{passage.pk}"' in body


def test_browser_utf16_offsets_over_arabic_and_emoji_mark_the_exact_words(editor_client):
    source = make_source(ARABIC, language="ar")
    words = "إسرائيل رفضت المرحلة الثانية 😠"
    start, end = span_of(source, words)
    response = editor_client.post(
        f"/sources/{source.pk}/passages/",
        {"start": utf16(source.text, start), "end": utf16(source.text, end), "unit": "utf16"},
        headers=HX,
    )
    assert response.status_code == 201
    assert Passage.objects.get().quote == words


def test_marking_the_same_span_again_reuses_the_passage(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/",
        {"start": passage.start, "end": passage.end},
        headers=HX,
    )
    assert response.status_code == 200
    assert "already marked" in response.content.decode()
    assert Passage.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "0", "end": "99999"}, "past the end"),
        ({"start": "99998", "end": "99999"}, "past the end"),
        ({"start": "12", "end": "12"}, "Nothing is selected"),
        ({"start": "20", "end": "12"}, "Nothing is selected"),
        ({"start": "abc", "end": "12"}, "whole number"),
        ({"start": "1.5", "end": "12"}, "whole number"),
        ({"start": "-1", "end": "12"}, "cannot be negative"),
        ({"end": "12"}, "no start offset"),
        ({"start": "0", "end": "12", "unit": "bytes"}, "code points or UTF-16"),
    ],
)
def test_bad_offsets_answer_400_with_a_message_and_create_nothing(editor_client, data, message):
    source = make_source(REPORT)
    for headers in (HX, {}):
        response = editor_client.post(f"/sources/{source.pk}/passages/", data, headers=headers)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Passage.objects.exists()


def test_utf16_offset_inside_an_emoji_is_refused(editor_client):
    source = make_source(ARABIC, language="ar")
    inside = utf16(source.text, source.text.index("🕊")) + 1
    response = editor_client.post(
        f"/sources/{source.pk}/passages/",
        {"start": inside, "end": inside + 4, "unit": "utf16"},
        headers=HX,
    )
    assert response.status_code == 400 and not Passage.objects.exists()


def test_marking_without_htmx_redirects_to_the_passage(editor_client):
    source = make_source(REPORT)
    response = editor_client.post(f"/sources/{source.pk}/passages/", {"start": 0, "end": 5})
    passage = Passage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sources/{source.pk}/passages/{passage.pk}/"


def test_editing_endpoints_refuse_get(editor_client):
    source = make_source(REPORT)
    assert editor_client.get(f"/sources/{source.pk}/passages/").status_code == 405


# --- permissions and CSRF ----------------------------------------------------


def _world():
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    claim = make_draft_claim()
    evidence = Evidence.objects.create(claim=claim, passage=passage)
    return source, passage, claim, evidence


def _editing_posts(source, passage, claim, evidence):
    return [
        (f"/sources/{source.pk}/passages/", {"start": 0, "end": 5}),
        (
            f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
            {"action": "new", "claim-statement": "x"},
        ),
        (f"/sources/{source.pk}/passages/{passage.pk}/edit/", {"note": "x"}),
        (f"/sources/{source.pk}/passages/{passage.pk}/delete/", {}),
        (f"/evidence/{evidence.pk}/edit/", {"relation": "disputes", "note": "x"}),
        (f"/evidence/{evidence.pk}/delete/", {}),
        (f"/claims/{claim.pk}/edit/", {"statement": "changed", "kind": "other", "version": 1}),
        (f"/claims/{claim.pk}/verification/", {"status": "refuted", "note": "x"}),
        (f"/claims/{claim.pk}/publish/", {"publish": "1"}),
        (f"/claims/{claim.pk}/delete/", {}),
    ]


def _snapshot():
    return (
        list(Passage.objects.values_list("id", "note", "start", "end")),
        list(
            Claim.objects.values_list("id", "statement", "version", "is_published", "verification")
        ),
        list(Evidence.objects.values_list("id", "relation", "note")),
        VerificationChange.objects.count(),
    )


def test_a_readers_posts_are_refused_with_403_and_change_nothing(reader_client):
    world = _world()
    before = _snapshot()
    for url, data in _editing_posts(*world):
        for headers in (HX, {}):
            response = reader_client.post(url, data, headers=headers)
            assert response.status_code == 403, url
    assert reader_client.get("/claims/lookup/?q=Israel").status_code == 403
    assert reader_client.get(f"/claims/{world[2].pk}/edit/").status_code == 403
    assert _snapshot() == before


def test_anonymous_posts_go_to_login_and_change_nothing(client, public_read):
    world = _world()
    before = _snapshot()
    for url, data in _editing_posts(*world):
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert _snapshot() == before


def test_htmx_posts_need_the_csrf_token(editor):
    source = make_source(REPORT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    url = f"/sources/{source.pk}/passages/"
    assert client.post(url, {"start": 0, "end": 5}, headers=HX).status_code == 403
    assert not Passage.objects.exists()
    # The page puts the token in hx-headers on <body>; htmx sends it as X-CSRFToken.
    page = client.get(f"/sources/{source.pk}/").content.decode()
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(url, {"start": 0, "end": 5}, headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 201 and Passage.objects.count() == 1


# --- linking claims -------------------------------------------------------------


def test_editor_creates_a_claim_resting_on_the_passage(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "the official accused Israel")
    deal = make_deal()
    clause = make_clause(deal)
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
        {
            "action": "new",
            "save": "draft",
            "claim-statement": "Israel refused to honour phase two",
            "claim-attribution": "a senior Palestinian official",
            "claim-kind": "compliance",
            "claim-compliance": "not_complied",
            "claim-deal": deal.pk,
            "claim-clause": clause.pk,
            "claim-made_on": "2025-03-10",
            "claim-made_on_precision": "day",
            "claim-language": "en",
            "ev-relation": "states",
            "ev-note": "",
        },
        headers=HX,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert (claim.kind, claim.compliance, claim.deal, claim.clause) == (
        "compliance",
        "not_complied",
        deal,
        clause,
    )
    assert claim.evidence.get().passage == passage
    body = response.content.decode()
    assert "saved as a draft and linked" in body and "Israel refused to honour phase two" in body
    assert not claim.is_published
    assert "Passage P1, 1 claim:" in body  # the text region, refreshed out of band


def test_the_new_claim_form_is_prefilled_with_the_deal_the_editor_came_from(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    make_deal("other")
    deal = make_deal("came-from")
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/?deal=came-from"
    ).content.decode()
    assert f'<option value="{deal.pk}" selected>' in page
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/",
        headers={"Referer": f"http://testserver/deals/{deal.slug}/"},
    ).content.decode()
    assert f'<option value="{deal.pk}" selected>' in page
    assert 'name="claim-made_on" value="2025-03-10"' in page


def test_an_invalid_new_claim_answers_422_with_field_errors_and_writes_nothing(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
        {
            "action": "new",
            "save": "draft",
            "claim-statement": "A figure",
            "claim-kind": "figure",
            "claim-compliance": "complied",
            "claim-made_on_precision": "day",
            "claim-language": "en",
            "ev-relation": "states",
        },
        headers=HX,
    )
    assert response.status_code == 422
    assert "Only a compliance claim asserts a compliance" in response.content.decode()
    assert not Claim.objects.exists() and not Evidence.objects.exists()


def test_hostile_statement_and_note_are_stored_as_typed_and_shown_escaped(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
        {
            "action": "new",
            "save": "draft",
            "claim-statement": "<script>alert('x')</script>",
            "claim-attribution": '<img src=x onerror="alert(1)">',
            "claim-kind": "other",
            "claim-made_on_precision": "day",
            "claim-language": "en",
            "ev-relation": "states",
            "ev-note": "<b onmouseover=alert(2)>note</b>",
        },
        headers=HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<b onmouseover" not in body
    assert "&lt;script&gt;" in body
    assert Claim.objects.get().statement == "<script>alert('x')</script>"


def test_editor_links_an_existing_claim_once(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    claim = make_draft_claim("Witkoff cut off direct talks")
    url = f"/sources/{source.pk}/passages/{passage.pk}/evidence/"
    data = {"action": "link", "link-claim": claim.pk, "link-relation": "supports", "link-note": ""}
    response = editor_client.post(url, data, headers=HX)
    assert response.status_code == 200
    assert Evidence.objects.get().relation == "supports"
    again = editor_client.post(url, data, headers=HX)
    assert again.status_code == 422
    assert "already rests on this passage" in again.content.decode()
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize("claim_value", ["", "999999", "abc"])
def test_linking_no_or_an_unknown_claim_is_refused(editor_client, claim_value):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
        {"action": "link", "link-claim": claim_value, "link-relation": "states"},
        headers=HX,
    )
    assert response.status_code == 422 and not Evidence.objects.exists()


def test_unknown_action_is_a_bad_request(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/", {"action": "drop"}, headers=HX
    )
    assert response.status_code == 400


def test_claim_lookup_finds_claims_as_you_type(editor_client):
    wanted = make_draft_claim("Israel refused to honour phase two", attribution="a senior official")
    make_draft_claim("Hamas will release all hostages")
    response = editor_client.get("/claims/lookup/?q=refus", headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'value="{wanted.pk}"' in body and "Hamas will release" not in body
    assert (
        f'value="{wanted.pk}"' in editor_client.get("/claims/lookup/?q=refusing").content.decode()
    )
    assert (
        f'value="{wanted.pk}"'
        in editor_client.get(f"/claims/lookup/?q={wanted.pk}").content.decode()
    )
    full = editor_client.get("/claims/lookup/?q=senior+off").content.decode()
    assert "<html" in full and f'value="{wanted.pk}"' in full
    assert (
        "No claim matches"
        in editor_client.get("/claims/lookup/?q=zzz", headers=HX).content.decode()
    )
    # Operators of the search syntax are just words here, never a 500.
    assert editor_client.get("/claims/lookup/?q=%27%21%3A*%26%7C(", headers=HX).status_code == 200


# --- passages and evidence ------------------------------------------------------------


def test_passage_note_is_saved_and_escaped(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/edit/",
        {"note": "<script>x()</script> the envoy is Steve Witkoff"},
        headers=HX,
    )
    assert response.status_code == 200
    passage.refresh_from_db()
    assert passage.note == "<script>x()</script> the envoy is Steve Witkoff"
    assert "<script>x()" not in response.content.decode()


def test_deleting_a_passage_a_claim_rests_on_is_refused_naming_it(editor_client):
    source, passage, claim, _ = _world()
    response = editor_client.post(f"/sources/{source.pk}/passages/{passage.pk}/delete/", headers=HX)
    assert response.status_code == 409
    assert f"claim {claim.pk}" in response.content.decode()
    assert Passage.objects.filter(pk=passage.pk).exists()


def test_deleting_a_free_passage_removes_its_highlight(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    url = f"/sources/{source.pk}/passages/{passage.pk}/delete/"
    asked = editor_client.post(url, headers=HX)
    assert asked.status_code == 200 and "Delete this passage?" in asked.content.decode()
    assert Passage.objects.exists()  # nothing deleted before the editor confirms
    response = editor_client.post(url, {"confirmed": "1"}, headers=HX)
    assert response.status_code == 200
    assert not Passage.objects.exists()
    assert f'id="passage-{passage.pk}"' not in response.content.decode()


def test_evidence_can_be_changed_and_unlinked_from_the_panel(editor_client):
    source, passage, claim, evidence = _world()
    response = editor_client.post(
        f"/evidence/{evidence.pk}/edit/", {"relation": "disputes", "note": "Reuters"}, headers=HX
    )
    assert response.status_code == 200
    evidence.refresh_from_db()
    assert (evidence.relation, evidence.note) == ("disputes", "Reuters")
    bad = editor_client.post(f"/evidence/{evidence.pk}/edit/", {"relation": "x"}, headers=HX)
    assert bad.status_code == 422
    asked = editor_client.post(f"/evidence/{evidence.pk}/delete/", headers=HX)
    assert "Unlink this claim from the passage?" in asked.content.decode()
    assert Evidence.objects.exists()
    response = editor_client.post(
        f"/evidence/{evidence.pk}/delete/", {"confirmed": "1"}, headers=HX
    )
    assert response.status_code == 200 and not Evidence.objects.exists()
    assert Claim.objects.filter(pk=claim.pk).exists()


# --- the claim editor ---------------------------------------------------------------


def _claim_data(claim, **changes):
    data = {
        "statement": claim.statement,
        "attribution": claim.attribution,
        "kind": claim.kind,
        "compliance": claim.compliance,
        "made_on": "",
        "made_on_precision": "day",
        "language": "en",
        "version": claim.version,
    }
    data.update(changes)
    return data


def test_claim_edit_form_as_a_partial_and_as_a_page(editor_client):
    claim = make_draft_claim()
    partial = editor_client.get(f"/claims/{claim.pk}/edit/", headers=HX).content.decode()
    assert "<html" not in partial and 'id="claim-edit"' in partial
    assert 'name="version" value="1"' in partial
    full = editor_client.get(f"/claims/{claim.pk}/edit/").content.decode()
    assert "<html" in full and 'id="claim-edit"' in full


def test_editor_saves_a_claim_and_is_taken_back_to_it(editor_client):
    claim = make_draft_claim()
    response = editor_client.post(
        f"/claims/{claim.pk}/edit/",
        _claim_data(claim, statement="Israel refused phase two"),
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/claims/{claim.pk}/"
    claim.refresh_from_db()
    assert claim.statement == "Israel refused phase two" and claim.version == 2


def test_invalid_claim_edit_answers_422_with_field_errors(editor_client):
    deal, other = make_deal("a"), make_deal("b")
    claim = make_draft_claim(deal=deal)
    clause = make_clause(other)
    response = editor_client.post(
        f"/claims/{claim.pk}/edit/",
        _claim_data(claim, deal=deal.pk, clause=clause.pk, statement=""),
        headers=HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required" in body or "Say what is claimed" in body
    claim.refresh_from_db()
    assert claim.version == 1
    response = editor_client.post(
        f"/claims/{claim.pk}/edit/", _claim_data(claim, deal=deal.pk, clause=clause.pk), headers=HX
    )
    assert response.status_code == 422
    assert "The clause must belong to the claim&#x27;s deal." in response.content.decode()


def test_second_editor_saving_a_stale_claim_is_told_what_changed(editor, admin_user):
    claim = make_draft_claim(attribution="a senior official")
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(admin_user)
    # Both open the form at version 1.
    for client in (first, second):
        assert (
            'name="version" value="1"'
            in client.get(f"/claims/{claim.pk}/edit/", headers=HX).content.decode()
        )
    saved = first.post(
        f"/claims/{claim.pk}/edit/",
        _claim_data(claim, statement="First editor's wording"),
        headers=HX,
    )
    assert saved.status_code == 200
    stale = second.post(
        f"/claims/{claim.pk}/edit/",
        _claim_data(claim, statement="Second <b>editor</b>", attribution="an aide"),
        headers=HX,
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Someone else saved this claim while you were editing it" in body
    assert "First editor&#x27;s wording" in body  # the current value
    assert "Israel refused to honour phase two" in body  # what they opened
    assert "Second &lt;b&gt;editor&lt;/b&gt;" in body  # their own, kept in the form
    assert 'name="version" value="2"' in body  # a knowing retry is possible
    claim.refresh_from_db()
    assert claim.statement == "First editor's wording" and claim.version == 2
    assert claim.attribution == "a senior official"


def test_verification_change_needs_a_note(editor_client):
    claim = make_draft_claim()
    response = editor_client.post(
        f"/claims/{claim.pk}/verification/", {"status": "disputed", "note": ""}, headers=HX
    )
    assert response.status_code == 422
    assert "Say briefly why" in response.content.decode()
    response = editor_client.post(
        f"/claims/{claim.pk}/verification/",
        {"status": "disputed", "note": "Reuters reports otherwise"},
        headers=HX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/claims/{claim.pk}/"
    change = VerificationChange.objects.get()
    assert (change.from_status, change.to_status) == ("unverified", "disputed")


def test_publishing_and_unpublishing(editor_client):
    claim = make_draft_claim()
    editor_client.post(f"/claims/{claim.pk}/publish/", {"publish": "1"}, headers=HX)
    claim.refresh_from_db()
    assert claim.is_published and claim.published_at <= timezone.now()
    editor_client.post(f"/claims/{claim.pk}/publish/", {"publish": "0"})
    claim.refresh_from_db()
    assert not claim.is_published


def test_deleting_a_claim_takes_its_evidence(editor_client):
    source, passage, claim, _ = _world()
    asked = editor_client.post(f"/claims/{claim.pk}/delete/", headers=HX)
    assert "Delete this claim?" in asked.content.decode() and Claim.objects.exists()
    response = editor_client.post(f"/claims/{claim.pk}/delete/", {"confirmed": "1"}, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"]
    assert not Claim.objects.exists() and not Evidence.objects.exists()
    assert Passage.objects.filter(pk=passage.pk).exists()


def test_delete_ignores_an_offsite_next(editor_client):
    claim = make_draft_claim()
    response = editor_client.post(
        f"/claims/{claim.pk}/delete/", {"next": "https://evil.example/", "confirmed": "1"}
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_evidence_is_changed_and_unlinked_from_the_claim_editor_back_to_the_claim(editor_client):
    source, passage, claim, evidence = _world()
    editor_page = editor_client.get(f"/claims/{claim.pk}/edit/", headers=HX).content.decode()
    assert f"/evidence/{evidence.pk}/edit/" in editor_page and "Unlink passage" in editor_page
    response = editor_client.post(
        f"/evidence/{evidence.pk}/edit/",
        {"relation": "context", "note": "", "next": f"/claims/{claim.pk}/"},
        headers=HX,
    )
    assert response["HX-Redirect"] == f"/claims/{claim.pk}/"
    evidence.refresh_from_db()
    assert evidence.relation == "context"
    response = editor_client.post(
        f"/evidence/{evidence.pk}/delete/",
        {"next": "https://evil.example/", "confirmed": "1"},
        headers=HX,
    )
    # An offsite next is ignored: the answer is the reading view's panel.
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert not Evidence.objects.exists()


def test_a_new_claim_takes_the_deal_of_the_claim_page_the_editor_came_from(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    make_deal("first")
    deal = make_deal("second")
    claim = make_draft_claim(deal=deal)
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/",
        headers={"Referer": f"http://testserver/claims/{claim.pk}/"},
    ).content.decode()
    assert f'<option value="{deal.pk}" selected>' in page
