"""The review queue and resolving flagged passages from the desk: whole pages and HTMX answers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dealtracker.claims.models import Evidence
from dealtracker.sources.models import Passage, Reanchoring, Source, SourceRevision
from dealtracker.sources.review import review_state
from dealtracker.sources.services import source_create, source_revise
from tests.reviewing import build_flagged, mark_words

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
REVIEW = reverse("desk:passage-review")


@pytest.fixture
def flagged(editor):
    return build_flagged(by=editor)


def _url(name: str, passage: Passage) -> str:
    return reverse(f"desk:{name}", args=[passage.source_id, passage.pk])


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _move_data(w, passage: Passage, words: str, **extra) -> dict:
    text = w.revision.text
    start = text.index(words)
    return {
        "seen": review_state(passage),
        "revision": w.revision.number,
        "start": _utf16(text, start),
        "end": _utf16(text, start + len(words)),
        "unit": "utf16",
        **extra,
    }


# --- the queue ----------------------------------------------------------------------------


def test_the_queue_lists_flagged_passages_by_label_with_what_changed_and_the_actions(
    editor_client, flagged
):
    w = flagged
    html = editor_client.get(REVIEW).content.decode()
    assert "2 passages to review" in html
    assert f'>{w.envoy.label}</a> <span class="muted">in</span> <bdi>Talks cut off</bdi>' in html
    # The one-letter-class fix is visible without reading both versions.
    assert "[deleted: </span>Gabe<" in html and "[inserted: </span>Steve<" in html
    assert "not found in the current text" in html  # the orphan
    assert f"Confirm {w.envoy.label} here" in html
    assert f"Confirm {w.aside.label} here" not in html  # an orphan has no place to confirm
    assert f"Move {w.aside.label}: select the right words in the text" in html
    assert f"Detach {w.envoy.label}…" in html
    # Looked for in the page's main region: the head's random CSP nonce may hold "P3".
    assert w.figure.label not in html.split('<main id="main"', 1)[1]


def test_the_queue_answers_htmx_with_its_list_alone_and_filters_by_outcome(editor_client, flagged):
    response = editor_client.get(REVIEW, {"status": "orphaned"}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="review-list"' in html and "1 passage to review" in html
    assert "HX-Request" in response["Vary"]


def test_the_queue_keeps_its_query_count_with_many_flagged_passages(
    editor_client, editor, django_assert_max_num_queries
):
    text = "\n".join(
        f"Paragraph {i}: the ceasefire holds in sector {i} this week." for i in range(60)
    )
    for n in range(3):
        source = source_create(text=text, title=f"Report {n}", by=editor)
        for i in range(0, 60, 2):
            mark_words(source, f"holds in sector {i} this week")
        source_revise(source=source, new_text=text.replace(" holds ", " held "), by=editor)
    flagged = Passage.objects.filter(needs_review=True).count()
    assert flagged == 90
    with django_assert_max_num_queries(10):
        response = editor_client.get(REVIEW)
    html = response.content.decode()
    assert "90 passages to review" in html
    assert html.count('class="src-review-item"') == 25
    with django_assert_max_num_queries(10):
        editor_client.get(REVIEW, {"page": 4}, headers=HX)


def test_readers_and_visitors_cannot_see_or_work_the_queue(reader_client, client, flagged):
    w = flagged
    assert reader_client.get(REVIEW).status_code == 403
    assert client.get(REVIEW).status_code == 302
    for name in ("passage-confirm", "passage-detach", "passage-move"):
        response = reader_client.post(_url(name, w.envoy), {"seen": review_state(w.envoy)})
        assert response.status_code == 403, name
        assert client.post(_url(name, w.envoy), {"seen": "x"}).status_code == 302, name
    w.envoy.refresh_from_db()
    assert w.envoy.needs_review


def test_the_review_endpoints_accept_only_post(editor_client, flagged):
    for name in ("passage-confirm", "passage-detach", "passage-move"):
        assert editor_client.get(_url(name, flagged.envoy)).status_code == 405


# --- confirm ------------------------------------------------------------------------------


def test_confirming_from_the_queue_with_htmx_answers_the_list_without_it(editor_client, flagged):
    w = flagged
    next_url = f"{REVIEW}?status=changed"
    response = editor_client.post(
        _url("passage-confirm", w.envoy),
        {"seen": review_state(w.envoy), "next": next_url},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f"{w.envoy.label} confirmed where it is." in html
    assert "0 passages to review" in html  # the list kept its filter: changed
    w.envoy.refresh_from_db()
    assert not w.envoy.needs_review


def test_confirming_from_the_queue_without_javascript_goes_back_to_it(editor_client, flagged):
    w = flagged
    response = editor_client.post(
        _url("passage-confirm", w.envoy),
        {"seen": review_state(w.envoy), "next": f"{REVIEW}?page=1"},
    )
    assert response.status_code == 302 and response["Location"] == f"{REVIEW}?page=1"
    html = editor_client.get(response["Location"]).content.decode()
    assert f"{w.envoy.label} confirmed where it is." in html
    assert "1 passage to review" in html


def test_confirming_in_the_passage_panel_answers_the_panel_and_the_text(editor_client, flagged):
    w = flagged
    response = editor_client.post(
        _url("passage-confirm", w.envoy), {"seen": review_state(w.envoy)}, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="passage-panel"' in html and 'id="source-text"' in html
    assert "confirmed where it is" in html
    assert "needs review" not in html.split('id="source-text"')[0]


def test_confirming_without_javascript_opens_the_passage_page(editor_client, flagged):
    w = flagged
    response = editor_client.post(_url("passage-confirm", w.envoy), {"seen": review_state(w.envoy)})
    assert response.status_code == 302
    assert response["Location"] == _url("passage-detail", w.envoy)


def test_an_address_elsewhere_as_next_is_not_followed(editor_client, flagged):
    w = flagged
    response = editor_client.post(
        _url("passage-confirm", w.envoy),
        {"seen": review_state(w.envoy), "next": "https://evil.example/sources/review/"},
    )
    assert response["Location"] == _url("passage-detail", w.envoy)


def test_confirming_an_orphan_is_refused_with_422_saying_what_to_do(editor_client, flagged):
    w = flagged
    for headers, data in (
        (HX, {"seen": review_state(w.aside)}),
        ({}, {"seen": review_state(w.aside), "next": REVIEW}),
    ):
        response = editor_client.post(_url("passage-confirm", w.aside), data, headers=headers)
        html = response.content.decode()
        assert response.status_code == 422
        assert "lost its place in the text" in html
        assert "move it there, or detach it" in html


def test_a_form_without_the_state_seen_is_refused(editor_client, flagged):
    response = editor_client.post(_url("passage-confirm", flagged.envoy), {}, headers=HX)
    assert response.status_code == 422
    assert "reload the page" in response.content.decode()


# --- conflicts and deletions ----------------------------------------------------------------


@pytest.mark.parametrize("from_queue", [False, True], ids=["panel", "queue"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_acting_on_a_passage_someone_else_resolved_meanwhile_is_409(
    editor_client, flagged, from_queue, htmx
):
    w = flagged
    seen = review_state(w.envoy)
    Passage.objects.filter(pk=w.envoy.pk).update(needs_review=False)
    data = {"seen": seen, **({"next": REVIEW} if from_queue else {})}
    response = editor_client.post(
        _url("passage-confirm", w.envoy), data, headers=HX if htmx else {}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "nothing was saved" in html and "Look at it again" in html
    assert ("<html" in html) is not htmx
    assert ('id="review-list"' in html) is from_queue


@pytest.mark.parametrize("from_queue", [False, True], ids=["panel", "queue"])
def test_acting_on_a_passage_deleted_meanwhile_is_410(editor_client, editor, from_queue):
    source = source_create(text="One sentence here. Another one there.", title="T", by=editor)
    passage = mark_words(source, "Another one there")
    seen = review_state(passage)
    passage_url = _url("passage-confirm", passage)
    passage.delete()
    data = {"seen": seen, **({"next": REVIEW} if from_queue else {})}
    response = editor_client.post(passage_url, data, headers=HX)
    assert response.status_code == 410
    assert "deleted" in response.content.decode()
    never = reverse("desk:passage-confirm", args=[source.pk, 999999])
    assert editor_client.post(never, data, headers=HX).status_code == 404


def test_a_move_selected_in_a_text_revised_since_is_409(editor_client, editor, flagged):
    w = flagged
    data = _move_data(w, w.envoy, "Steve Witkoff")
    source_revise(source=w.source, new_text=w.revision.text + "\nA new line.", by=editor)
    w.envoy.refresh_from_db()
    data["seen"] = review_state(w.envoy)
    response = editor_client.post(_url("passage-move", w.envoy), data, headers=HX)
    assert response.status_code == 409
    assert "Select the words again" in response.content.decode()


# --- move -----------------------------------------------------------------------------------


def test_moving_in_the_panel_answers_the_panel_and_the_highlight_moves(editor_client, flagged):
    w = flagged
    words = "White House advisor Steve Witkoff cut off the talks"
    response = editor_client.post(
        _url("passage-move", w.envoy), _move_data(w, w.envoy, words), headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f"{w.envoy.label} moved to the words you selected." in html
    assert "The 1 claim link resting on it follows it." in html
    text = html.split('id="source-text"', 1)[1]
    highlighted = re.search(rf'<mark id="passage-{w.envoy.pk}"[^>]*><a [^>]*></a>([^<]*)', text)
    assert highlighted.group(1) == words
    w.envoy.refresh_from_db()
    assert (w.envoy.quote, w.envoy.needs_review) == (words, False)
    assert Evidence.objects.get(claim=w.claims["envoy"]).passage_id == w.envoy.pk


def test_moving_without_javascript_opens_the_passage_page(editor_client, flagged):
    w = flagged
    response = editor_client.post(
        _url("passage-move", w.aside), _move_data(w, w.aside, "More than 50,000")
    )
    assert response.status_code == 302
    assert response["Location"] == _url("passage-detail", w.aside)
    w.aside.refresh_from_db()
    assert (w.aside.anchor_status, w.aside.quote) == ("anchored", "More than 50,000")


def test_moving_counts_utf16_offsets_of_arabic_and_emoji_text(editor_client, editor):
    text = "قال المسؤول 🕊️ إن الهدنة صامدة في غزة اليوم.\nوأضاف أن المرحلة الثانية 😠 لم تبدأ."
    source = source_create(text=text, title="هدنة", language="ar", by=editor)
    passage = mark_words(source, "المرحلة الثانية")
    revision = source.revisions.get()
    w = type("W", (), {"revision": revision})
    words = "الهدنة صامدة في غزة"
    response = editor_client.post(
        _url("passage-move", passage), _move_data(w, passage, words), headers=HX
    )
    assert response.status_code == 200
    passage.refresh_from_db()
    assert passage.quote == words


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "", "end": ""}, "has no start offset"),
        ({"start": "x"}, "must be a whole number"),
        ({"start": 5, "end": 5}, "Nothing is selected"),
        ({"end": 10**7}, "does not fall on characters of the text"),
        ({"revision": ""}, "has no revision offset"),
        ({"unit": "bytes"}, "code points or UTF-16"),
    ],
)
def test_a_move_without_a_proper_selection_is_a_400_saying_why(
    editor_client, flagged, change, message
):
    w = flagged
    data = {**_move_data(w, w.envoy, "Steve Witkoff"), **change}
    response = editor_client.post(_url("passage-move", w.envoy), data, headers=HX)
    assert response.status_code == 400
    assert message in response.content.decode()
    w.envoy.refresh_from_db()
    assert w.envoy.needs_review


def test_a_move_onto_another_passages_words_is_a_422_naming_it(editor_client, flagged):
    w = flagged
    data = _move_data(w, w.envoy, w.figure.quote)
    response = editor_client.post(_url("passage-move", w.envoy), data, headers=HX)
    assert response.status_code == 422
    assert f"{w.figure.label} already marks exactly these words" in response.content.decode()


# --- detach ---------------------------------------------------------------------------------


def test_detaching_asks_first_then_takes_the_passage_off_the_text(editor_client, flagged):
    w = flagged
    url = _url("passage-detach", w.envoy)
    seen = review_state(w.envoy)
    asked = editor_client.post(url, {"seen": seen}, headers={**HX, "HX-Target": "confirm-detach"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "<html" not in html
    assert f"Detach {w.envoy.label} from the text?" in html
    assert 'name="confirmed" value="1"' in html and f'value="{seen}"' in html
    w.envoy.refresh_from_db()
    assert w.envoy.needs_review  # nothing done yet

    done = editor_client.post(url, {"seen": seen, "confirmed": "1"}, headers=HX)
    html = done.content.decode()
    assert done.status_code == 200
    assert f"{w.envoy.label} detached from the text." in html
    assert "1 claim link still rests on it" in html
    assert f'id="passage-{w.envoy.pk}"' not in html.split('id="source-text"', 1)[1]
    w.envoy.refresh_from_db()
    assert w.envoy.is_detached


def test_detaching_without_javascript_asks_on_a_page_then_goes_back_to_the_queue(
    editor_client, flagged
):
    w = flagged
    url = _url("passage-detach", w.aside)
    data = {"seen": review_state(w.aside), "next": REVIEW}
    asked = editor_client.post(url, data)
    assert asked.status_code == 200 and "<html" in asked.content.decode()
    assert f'name="next" value="{REVIEW}"' in asked.content.decode()
    done = editor_client.post(url, {**data, "confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == REVIEW
    html = editor_client.get(REVIEW).content.decode()
    assert f"{w.aside.label} detached from the text." in html
    assert "1 passage to review" in html


def test_the_reading_view_lists_a_detached_passage_as_detached(editor_client, flagged):
    w = flagged
    editor_client.post(
        _url("passage-detach", w.aside), {"seen": review_state(w.aside), "confirmed": "1"}
    )
    html = editor_client.get(reverse("desk:source-detail", args=[w.source.pk])).content.decode()
    assert f"{w.aside.label} “An aside" in html and "(detached by an editor)" in html


# --- the passage panel ------------------------------------------------------------------------


def test_the_panel_of_a_flagged_passage_offers_the_three_actions(editor_client, flagged):
    w = flagged
    html = editor_client.get(_url("passage-detail", w.envoy)).content.decode()
    assert f"Passage {w.envoy.label}</h2>" in html
    assert f"{w.envoy.label} needs review" in html
    assert "Its words changed in revision 2" in html
    assert "[deleted: </span>Gabe<" in html
    assert f"Confirm {w.envoy.label} here" in html
    assert f"Move {w.envoy.label} to the selected words" in html
    assert f'name="revision" value="{w.revision.number}"' in html
    assert f"Detach {w.envoy.label}…" in html
    assert "js/select.js" in html


def test_the_panel_of_a_passage_not_flagged_offers_only_to_move_it(editor_client, flagged):
    w = flagged
    html = editor_client.get(_url("passage-detail", w.figure)).content.decode()
    assert f"Move {w.figure.label} to other words" in html
    assert "needs review" not in html.split('id="passage-panel"')[1]
    assert f"Confirm {w.figure.label}" not in html


def test_readers_see_no_review_actions_in_the_panel(reader_client, flagged):
    html = reader_client.get(_url("passage-detail", flagged.envoy)).content.decode()
    assert "passage-confirm" not in html and "Move P" not in html and "Detach" not in html
    assert "js/select.js" not in html


def test_the_panel_keeps_its_query_count_with_the_review_box(
    editor_client, flagged, django_assert_max_num_queries
):
    from dealtracker.claims.models import Claim

    w = flagged
    claims = Claim.objects.bulk_create(Claim(statement=f"Claim {i}") for i in range(40))
    Evidence.objects.bulk_create(Evidence(claim=c, passage=w.envoy) for c in claims)
    url = _url("passage-detail", w.envoy)
    editor_client.get(url)
    # The reading view's editor panel (17, test_source_detail) and the review box: the
    # current revision's number and the last re-anchoring.
    with django_assert_max_num_queries(18):
        response = editor_client.get(url)
    assert "needs review" in response.content.decode()
    with django_assert_max_num_queries(13):
        response = editor_client.get(url, headers=HX)
    assert response.content.decode().count("Claim ") >= 40


# --- the revision page ------------------------------------------------------------------------


def test_the_revision_page_shows_a_one_letter_fix_inside_the_passage(reader_client, editor):
    source = source_create(
        text="The envoy, White House advisor Gabe Witkoff, cut off the talks on Friday.",
        title="Envoy",
        by=editor,
    )
    passage = mark_words(source, "White House advisor Gabe Witkoff")
    source_revise(
        source=source,
        new_text="The envoy, White House advisor Gave Witkoff, cut off the talks on Friday.",
        by=editor,
    )
    html = reader_client.get(reverse("desk:source-revision", args=[source.pk, 2])).content.decode()
    expected = (
        '<span class="wording-changes">White House advisor Ga'
        '<del><span class="visually-hidden">[deleted: </span>b<span class="visually-hidden">]</span></del>'
        '<ins><span class="visually-hidden">[inserted: </span>v<span class="visually-hidden">]</span></ins>'
        "e Witkoff</span>"
    )
    assert expected in html
    # The passage is named by the label the reading view shows next to its highlight.
    reading = reader_client.get(reverse("desk:source-detail", args=[source.pk])).content.decode()
    assert f'data-label="{passage.label}"' in reading
    assert f'">{passage.label}</a></th>' in html


def test_the_revision_page_escapes_hostile_words_in_what_changed(editor_client, editor):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    source = source_create(
        text=f"Opening words before it. The quote {hostile} ends here. Closing words after.",
        title=f"Hostile {hostile}",
        by=editor,
    )
    passage = mark_words(source, f"The quote {hostile} ends here")
    source_revise(
        source=source,
        new_text=f"Opening words before it. The quote {hostile}<b>x</b> ends here. Closing words after.",
        by=editor,
    )
    passage.refresh_from_db()
    Passage.objects.filter(pk=passage.pk).update(needs_review=True)
    for url in (
        reverse("desk:source-revision", args=[source.pk, 2]),
        REVIEW,
        _url("passage-detail", passage),
    ):
        html = editor_client.get(url).content.decode()
        assert "<script>" not in html and "<img src=x" not in html and "<b>x</b>" not in html, url
        assert "&lt;b&gt;x&lt;/b&gt;" in html, url


def test_a_reanchoring_whose_passage_was_deleted_leaves_the_revision_page_working(
    reader_client, editor
):
    source = source_create(text="One. Two words here. Three.", title="T", by=editor)
    passage = mark_words(source, "Two words here")
    source_revise(source=source, new_text="One. Two words there. Three.", by=editor)
    Passage.objects.filter(pk=passage.pk).delete()
    assert not Reanchoring.objects.exists()  # outcomes go with their passage
    response = reader_client.get(reverse("desk:source-revision", args=[source.pk, 2]))
    assert response.status_code == 200
    assert SourceRevision.objects.filter(source=source).count() == 2
    assert Source.objects.filter(pk=source.pk).exists()


def test_moving_a_clauses_verbatim_passage_gives_the_clause_the_new_words(editor_client, editor):
    from dealtracker.claims.agreements import agreement_text_add, clause_anchor_set
    from tests.factories import make_clause, make_deal

    deal = make_deal()
    clause = make_clause(deal, "1.1")
    text = "1.1 A permanent ceasefire takes effect.\n1.2 Hostages are released within 72 hours."
    source = source_create(text=text, title="Agreement", kind=Source.Kind.AGREEMENT_TEXT, by=editor)
    agreement_text_add(deal=deal, source=source, role="signed_text", by=editor)
    passage = mark_words(source, "A permanent ceasefire")
    clause_anchor_set(clause=clause, passage=passage, by=editor)
    revision = source.revisions.get()
    w = type("W", (), {"revision": revision})
    data = _move_data(w, passage, "A permanent ceasefire takes effect.")
    response = editor_client.post(_url("passage-move", passage), data, headers=HX)
    assert response.status_code == 200
    clause.refresh_from_db()
    assert clause.text == "A permanent ceasefire takes effect."


def test_the_claim_page_says_a_detached_passage_is_no_longer_in_the_text(
    editor_client, reader_client, flagged
):
    w = flagged
    editor_client.post(
        _url("passage-detach", w.envoy), {"seen": review_state(w.envoy), "confirmed": "1"}
    )
    html = reader_client.get(w.claims["envoy"].get_absolute_url()).content.decode()
    assert "passage no longer in the text" in html
    # The words it was marked on, not the new text's.
    assert "Gabe Witkoff cut off the talks" in html
