"""The suggestions panel of the reading view and its endpoints (editors only)."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Party
from dealtracker.sources.models import Passage
from dealtracker.sources.services import source_create, source_delete, source_revise
from dealtracker.suggestions.models import Suggestion
from dealtracker.suggestions.services import suggestions_current
from tests.forms import form_values
from tests.suggestions.test_engine import REPORT
from tests.suggestions.world import truce  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
WITHDRAWAL = "The Arvenian army did not begin its withdrawal"


@pytest.fixture
def source(truce, editor):  # noqa: F811
    source = source_create(text=REPORT, title="Varn valley report", by=editor)
    suggestions_current(source=source)
    return source


def suggestion(source, words) -> Suggestion:
    return Suggestion.objects.get(source=source, sentence__contains=words)


def test_editor_sees_the_ranked_suggestions_with_their_guesses(editor_client, source, truce):  # noqa: F811
    body = editor_client.get(f"/sources/{source.pk}/").content.decode()
    panel = body[body.index('id="suggestions"') :]
    assert "Suggested passages (" in panel
    first = suggestion(source, WITHDRAWAL)
    assert first.rank == 1
    item = panel[panel.index(f'id="suggestion-{first.pk}"') :]
    item = item[: item.index('<li id="suggestion-', 10)]
    assert "2.1 Withdrawal from the Varn valley" in item
    assert "Republic of Arvenia" in item and "not complied" in item
    assert "Accept" in item and "Dismiss" in item
    assert "“did not begin”: not complied" in item  # why, in words


@pytest.mark.parametrize("who", ["reader_client", "client"])
def test_readers_and_visitors_see_no_suggestions_and_cannot_act(who, request, source, public_read):
    client = request.getfixturevalue(who)
    body = client.get(f"/sources/{source.pk}/").content.decode()
    assert "Suggested passages" not in body and 'id="suggestions"' not in body
    s = suggestion(source, WITHDRAWAL)
    for url in (
        f"/sources/{source.pk}/suggestions/",
        f"/sources/{source.pk}/suggestions/{s.pk}/accept/",
        f"/sources/{source.pk}/suggestions/{s.pk}/dismiss/",
    ):
        method = client.get if url.endswith("suggestions/") else client.post
        assert method(url).status_code in (302, 403)
    assert not Passage.objects.exists()
    assert Suggestion.objects.get(pk=s.pk).status == "open"


def test_hostile_text_and_names_are_escaped(editor_client, truce, editor):  # noqa: F811
    Party.objects.filter(pk=truce.front.pk).update(name="<b>Front</b>")
    text = 'NLF fighters <script>alert("x")</script> violated the truce near <img src=x onerror=alert(1)>Dorr.'
    source = source_create(text=text, title="Hostile", by=editor)
    suggestions_current(source=source)
    body = editor_client.get(f"/sources/{source.pk}/suggestions/", headers=HX).content.decode()
    assert "violated the truce" in body
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>Front</b>" not in body
    assert "&lt;script&gt;alert" in body and "&lt;b&gt;Front&lt;/b&gt;" in body


def accept_form(client, source, s, **params) -> tuple[str, dict]:
    """The suggestion's Accept button on the reading page: its address and what it posts."""
    page = client.get(f"/sources/{source.pk}/", params).content.decode()
    action = f"/sources/{source.pk}/suggestions/{s.pk}/accept/"
    return action, form_values(page, action=action)


def test_accept_posts_the_guesses_as_the_desks_prefill_fields(editor_client, source, truce):  # noqa: F811
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s)
    assert posted["claim-deal"] == truce.deal.slug
    assert posted["claim-clause"] == str(truce.clauses.withdrawal.pk)
    assert posted["claim-phase"] == str(truce.phases.two.pk)
    assert posted["claim-subjects"] == str(truce.arvenia.pk)
    assert (posted["claim-kind"], posted["claim-compliance"]) == ("compliance", "not_complied")
    assert posted["claim-attribution"] == "a Meridian mediator"
    assert (int(posted["start"]), int(posted["end"])) == (s.start, s.end)


def test_accept_marks_the_passage_and_opens_the_prefilled_claim_form(editor_client, source, truce):  # noqa: F811
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s)
    response = editor_client.post(action, posted, headers=HX)
    assert response.status_code == 201
    body = response.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<aside id="passage-panel"')
    passage = Passage.objects.get()
    assert passage.quote == s.sentence
    # The new-claim form is open and filled in with the guesses.
    assert 'class="link-new" open' in body and "Pre-filled from a suggestion" in body
    values = form_values(body, css_class="claim-form")
    assert values["claim-deal"] == str(truce.deal.pk)
    assert values["claim-clause"] == str(truce.clauses.withdrawal.pk)
    assert values["claim-phase"] == str(truce.phases.two.pk)
    assert values["claim-subjects"] == str(truce.arvenia.pk)
    assert (values["claim-kind"], values["claim-compliance"]) == ("compliance", "not_complied")
    assert values["claim-statement"] == (
        "The Arvenian army did not begin its withdrawal from the Varn valley on Monday."
    )
    assert values["claim-attribution"] == "a Meridian mediator"
    # The highlight and the list (without the accepted sentence) come along out of band.
    assert f'id="passage-{passage.pk}"' in body
    oob = body[body.index('<section id="suggestions"') :]
    assert 'data-hx-swap-oob="outerHTML"' in oob[:200]
    assert f'id="suggestion-{s.pk}"' not in oob
    # The address now opens this same form (bookmark, reload).
    pushed = urlsplit(response["HX-Push-Url"])
    assert pushed.path == f"/sources/{source.pk}/passages/{passage.pk}/"
    assert parse_qs(pushed.query)["claim-clause"] == [str(truce.clauses.withdrawal.pk)]
    assert not Claim.objects.exists()  # nothing but the passage until the editor saves
    assert Suggestion.objects.get(pk=s.pk).status == "accepted"


def test_accept_without_htmx_redirects_to_the_prefilled_panel_page(editor_client, source, truce):  # noqa: F811
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s)
    response = editor_client.post(action, posted)
    assert response.status_code == 302
    page = editor_client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body
    values = form_values(body, css_class="claim-form")
    assert values["claim-clause"] == str(truce.clauses.withdrawal.pk)
    assert values["claim-attribution"] == "a Meridian mediator"


def test_the_prefilled_form_saves_a_claim_linked_to_the_passage(editor_client, source, truce):  # noqa: F811
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s)
    answer = editor_client.post(action, posted, headers=HX).content.decode()
    passage = Passage.objects.get()
    data = form_values(answer, css_class="claim-form", press=("save", "draft"))
    data.pop("refresh", None)
    data["claim-statement"] = "Arvenia did not begin to withdraw from the Varn valley."
    response = editor_client.post(
        f"/sources/{source.pk}/passages/{passage.pk}/evidence/", data, headers=HX
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert (claim.deal, claim.phase) == (truce.deal, truce.phases.two)
    assert claim.clause == truce.clauses.withdrawal and claim.compliance == "not_complied"
    assert list(claim.subjects.all()) == [truce.arvenia]
    assert claim.attribution == "a Meridian mediator" and not claim.is_published
    assert list(claim.evidence.values_list("passage_id", flat=True)) == [passage.pk]


def test_the_page_the_editor_came_from_travels_through_the_panel_and_accept(
    editor_client,
    source,
    truce,  # noqa: F811
):
    came = f"/deals/{truce.other.slug}/"
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s, **{"from": came})
    assert posted["from"] == came
    response = editor_client.post(action, posted, headers=HX)
    body = response.content.decode()
    # The guessed deal wins over the page's; the page stays the context of what follows.
    assert form_values(body, css_class="claim-form")["claim-deal"] == str(truce.deal.pk)
    assert form_values(body, css_class="claim-form")["from"] == came
    assert parse_qs(urlsplit(response["HX-Push-Url"]).query)["from"] == [came]
    # A panel loaded later, and its Dismiss, carry it too.
    other = suggestion(source, "NLF fighters violated")
    panel = editor_client.get(
        f"/sources/{source.pk}/suggestions/", {"from": came}, headers=HX
    ).content.decode()
    dismiss = f"/sources/{source.pk}/suggestions/{other.pk}/dismiss/"
    assert form_values(panel, action=dismiss)["from"] == came
    redirected = editor_client.post(dismiss, {"from": came})
    assert (
        redirected["Location"] == f"/sources/{source.pk}/?from={quote(came, safe='')}#suggestions"
    )


def test_dismiss_and_undo(editor_client, source):
    s = suggestion(source, "NLF fighters violated")
    response = editor_client.post(f"/sources/{source.pk}/suggestions/{s.pk}/dismiss/", headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<li id="suggestion-{s.pk}" class="suggestion is-dismissed"')
    assert "Undo" in body
    page = editor_client.get(f"/sources/{source.pk}/").content.decode()
    assert f'id="suggestion-{s.pk}"' not in page and "Dismissed suggestions (1)" in page
    listed = editor_client.get(f"/sources/{source.pk}/suggestions/?dismissed=1").content.decode()
    assert f'id="suggestion-{s.pk}"' in listed and "Restore" in listed
    response = editor_client.post(f"/sources/{source.pk}/suggestions/{s.pk}/restore/", headers=HX)
    assert "Accept" in response.content.decode()
    assert Suggestion.objects.get(pk=s.pk).status == "open"


def test_dismiss_without_htmx_comes_back_to_the_source(editor_client, source):
    s = suggestion(source, "NLF fighters violated")
    response = editor_client.post(f"/sources/{source.pk}/suggestions/{s.pk}/dismiss/", follow=True)
    assert response.redirect_chain[-1][0] == f"/sources/{source.pk}/#suggestions"
    assert "Suggestion dismissed" in response.content.decode()


def test_a_suggestion_of_an_older_text_answers_409_with_the_current_ones(
    editor_client, source, editor
):
    s = suggestion(source, WITHDRAWAL)
    source_revise(source=source, new_text=REPORT + "\nThe talks resume on Friday.", by=editor)
    response = editor_client.post(f"/sources/{source.pk}/suggestions/{s.pk}/accept/", headers=HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#suggestions"
    body = response.content.decode()
    assert "was revised" in body and "did not begin its withdrawal" in body
    assert not Passage.objects.exists()


def test_a_source_deleted_meanwhile_answers_410_never_an_error(editor_client, source):
    s = suggestion(source, WITHDRAWAL)
    action, posted = accept_form(editor_client, source, s)
    source_delete(source=source)
    for verb in ("accept", "dismiss", "restore"):
        for headers in ({}, HX):
            response = editor_client.post(
                f"/sources/{source.pk}/suggestions/{s.pk}/{verb}/", posted, headers=headers
            )
            assert response.status_code == 410, (verb, headers)
            assert "was deleted by" in response.content.decode()
    assert not Passage.objects.exists()


def test_a_source_not_yet_read_loads_its_suggestions_with_the_panel(editor_client, truce, editor):  # noqa: F811
    source = source_create(text=REPORT, title="Imported", by=editor)  # no suggestions yet
    body = editor_client.get(f"/sources/{source.pk}/").content.decode()
    assert 'data-hx-trigger="load"' in body and not Suggestion.objects.exists()
    # Loaded from that page, it comes closed: the text must not jump under the editor.
    panel = editor_client.get(
        f"/sources/{source.pk}/suggestions/?collapsed=1", headers=HX
    ).content.decode()
    assert "<html" not in panel and WITHDRAWAL in panel and "<details open" not in panel
    reopened = editor_client.get(f"/sources/{source.pk}/suggestions/", headers=HX).content.decode()
    assert "<details open" in reopened
    full = editor_client.get(f"/sources/{source.pk}/suggestions/").content.decode()
    assert "<html" in full and WITHDRAWAL in full


def test_adding_a_source_computes_and_announces_its_suggestions(editor_client, truce):  # noqa: F811
    response = editor_client.post(
        "/sources/new/",
        {
            "text": REPORT,
            "title": "Varn",
            "kind": "news_report",
            "language": "en",
            "action": "save",
        },
        follow=True,
    )
    assert "suggested passages to review" in response.content.decode()
    assert Suggestion.objects.exists()


@pytest.fixture
def long_source(truce, editor):  # noqa: F811
    lines = [
        f"On day {i} the Arvenian army did not withdraw from the Varn valley, an observer said."
        for i in range(120)
    ]
    source = source_create(text="\n".join(lines), title="Long", by=editor)
    suggestions_current(source=source)
    return source


def test_show_more_brings_the_next_thirty(editor_client, long_source):
    body = editor_client.get(f"/sources/{long_source.pk}/").content.decode()
    assert body.count('class="suggestion"') == 30 and "Show more suggestions" in body
    more = editor_client.get(
        f"/sources/{long_source.pk}/suggestions/?offset=30", headers=HX
    ).content.decode()
    assert "<html" not in more and more.count('class="suggestion"') == 30
    assert 'id="suggestion-more"' in more
    page = editor_client.get(f"/sources/{long_source.pk}/suggestions/?offset=30").content.decode()
    assert '<ol class="suggestion-list" start="31">' in page


def test_reading_page_and_panel_queries_are_bounded_with_many_suggestions(
    editor_client, long_source, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        response = editor_client.get(f"/sources/{long_source.pk}/")
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        editor_client.get(f"/sources/{long_source.pk}/suggestions/?offset=60", headers=HX)
