"""The implementation record in the desk: recording assessments, roll-ups and the
"as of" view, overdue terms and the slipping page and feed, ClaimReview JSON-LD,
the ceasefire-facts filters; query bounds and hostile text."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dealtracker.claims.models import Assessment, Claim
from dealtracker.deals.models import Clause, Deal, Phase
from tests.factories import make_claim

D = dt.date
ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = "2026-11-27 12:00:00+00:00"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def assess(clause, party, on, level, *, claims=(), published=True, rationale="Because."):
    assessment = Assessment.objects.create(
        clause=clause,
        party=party,
        assessed_on=on,
        level=level,
        rationale=rationale,
        is_published=published,
        published_at=timezone.now() if published else None,
    )
    assessment.claims.set(claims)
    return assessment


def new_url(clause: Clause) -> str:
    return reverse("desk:assessment-new", args=[clause.deal.slug, clause.reference])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- recording an assessment -------------------------------------------------------------


def test_editor_gets_the_assessment_form_as_a_full_page(world, editor_client):
    response = editor_client.get(new_url(world.withdrawal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'id="assessment-form"' in html
    # Claims to cite are the clause's claims, as checkboxes.
    assert 'type="checkbox"' in html and "Israel refused to honour phase two" in html
    assert '<label for="id_rationale"' in html


def test_editor_gets_the_assessment_form_inline_with_htmx(world, editor_client):
    response = editor_client.get(new_url(world.withdrawal), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="assessment-form"')


def test_clause_page_offers_editors_the_form_and_readers_not(world, editor_client, reader_client):
    url = reverse("desk:clause-detail", args=[world.deal.slug, "2.1"])
    assert "Record an assessment" in editor_client.get(url).content.decode()
    assert "Record an assessment" not in reader_client.get(url).content.decode()


@time_machine.travel("2025-04-20 12:00:00+00:00", tick=False)
def test_editor_records_an_assessment_citing_claims(world, editor_client, editor):
    response = editor_client.post(
        new_url(world.withdrawal),
        {
            "party": world.israel.pk,
            "assessed_on": "2025-04-15",
            "level": "minimal",
            "rationale": "Some units left the corridor.",
            "claims": [world.accused.pk, world.denied.pk],
            "publish": "on",
        },
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/deals/test-deal/clauses/2.1/#assessment-{assessment.pk}"
    )
    assert assessment.level == "minimal" and assessment.party == world.israel
    assert assessment.is_published and assessment.created_by == editor
    assert set(assessment.claims.all()) == {world.accused, world.denied}
    page = editor_client.get(reverse("desk:clause-detail", args=["test-deal", "2.1"]))
    html = page.content.decode()
    assert "Some units left the corridor." in html
    assert f'href="/claims/{world.accused.pk}/"' in html


@time_machine.travel("2025-04-20 12:00:00+00:00", tick=False)
def test_htmx_save_sends_the_browser_to_the_new_assessment(world, editor_client):
    response = editor_client.post(
        new_url(world.withdrawal),
        {
            "party": world.israel.pk,
            "assessed_on": "2025-04-15",
            "level": "not_started",
            "rationale": "No withdrawal yet.",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assessment = Assessment.objects.get()
    assert not assessment.is_published  # a draft unless asked
    # The clause page's assessments come back in place, the new one in the history.
    assert response["HX-Retarget"] == "#assessments" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith("<section")
    assert f'id="assessment-{assessment.pk}"' in html and "No withdrawal yet." in html
    assert "Recorded: Israel, not started" in html


@time_machine.travel("2025-04-20 12:00:00+00:00", tick=False)
def test_invalid_assessment_shows_errors_per_field_and_writes_nothing(world, editor_client):
    response = editor_client.post(
        new_url(world.withdrawal),
        {"party": world.israel.pk, "assessed_on": "2025-04-15", "level": "full", "rationale": "x"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_claims_error"' in html and "Cite at least one claim" in html
    assert Assessment.objects.count() == 0

    response = editor_client.post(
        new_url(world.withdrawal),
        {
            "party": world.hamas.pk,  # not obliged by 2.1
            "assessed_on": "2025-05-15",  # in the future
            "level": "best",
            "rationale": "",
            "claims": ["999999"],
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html
    for field in ("party", "assessed_on", "level", "rationale", "claims"):
        assert f'id="id_{field}_error"' in html, field
    assert Assessment.objects.count() == 0


@time_machine.travel("2025-04-20 12:00:00+00:00", tick=False)
def test_a_future_date_is_refused_by_the_rule(world, editor_client):
    response = editor_client.post(
        new_url(world.withdrawal),
        {
            "party": world.israel.pk,
            "assessed_on": "2025-04-21",
            "level": "not_started",
            "rationale": "Too soon.",
        },
    )
    assert response.status_code == 422
    assert "cannot be dated in the future" in response.content.decode()
    assert Assessment.objects.count() == 0


def test_readers_cannot_assess_and_nothing_is_written(world, reader_client):
    data = {
        "party": world.israel.pk,
        "assessed_on": "2025-04-15",
        "level": "not_started",
        "rationale": "No.",
    }
    assert reader_client.get(new_url(world.withdrawal)).status_code == 403
    assert reader_client.post(new_url(world.withdrawal), data).status_code == 403
    assert Assessment.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(world, client, public_read):
    response = client.post(new_url(world.withdrawal), {"level": "full"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Assessment.objects.count() == 0


def test_unknown_clause_is_404(world, editor_client):
    assert editor_client.get("/deals/test-deal/clauses/9.9/assessments/new/").status_code == 404


def test_editor_publishes_a_draft_and_readers_cannot(world, editor_client, reader_client):
    draft = assess(world.withdrawal, world.israel, D(2025, 4, 1), "not_started", published=False)
    url = reverse("desk:assessment-publish", args=[draft.pk])
    assert reader_client.post(url).status_code == 403
    assert editor_client.get(url).status_code == 405
    draft.refresh_from_db()
    assert not draft.is_published
    response = editor_client.post(url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at
    # With htmx: the page reloads.
    response = editor_client.post(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_public_visitors_never_see_draft_assessments(world, client, public_read):
    assess(world.withdrawal, world.israel, D(2025, 4, 1), "minimal", rationale="DRAFT judgement")
    Assessment.objects.update(is_published=False, published_at=None)
    for url in (
        reverse("desk:clause-detail", args=["test-deal", "2.1"]),
        reverse("desk:deal-detail", args=["test-deal"]),
        reverse("desk:slipping"),
        reverse("desk:slipping-feed"),
    ):
        html = client.get(url).content.decode()
        assert "DRAFT judgement" not in html
        assert "desk: minimal" not in html


def test_hostile_rationale_is_escaped(world, editor_client):
    assess(
        world.withdrawal,
        world.israel,
        D(2025, 4, 1),
        "not_started",
        rationale='<script>alert(1)</script><img src=x onerror="alert(2)">',
    )
    html = editor_client.get(reverse("desk:clause-detail", args=["test-deal", "2.1"])).content
    html = html.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the clause page: due date, step chart, history -------------------------------------


@time_machine.travel("2025-05-01 12:00:00+00:00", tick=False)
def test_clause_page_shows_each_partys_history_as_an_accessible_step_chart(world, reader_client):
    assess(world.hostages, world.israel, D(2025, 3, 5), "minimal", claims=[world.refuted])
    assess(world.hostages, world.israel, D(2025, 4, 5), "full", claims=[world.refuted])
    html = reader_client.get(reverse("desk:clause-detail", args=["test-deal", "1.1"])).content
    html = html.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<title" in svg and "<desc" in svg
    assert "minimal on 5 Mar 2025, then full on 5 Apr 2025" in text_of(svg)
    assert 'role="img"' in svg
    # The text table next to it: both dates, oldest first.
    table = html[html.index('class="history"') :]
    assert table.index("5 Mar 2025") < table.index("5 Apr 2025")
    # Hamas has no assessment: labelled, and the clause is overdue for it.
    assert "The desk has not assessed Hamas on this clause." in html
    assert "Overdue: due 1 March 2025 (actual end of phase 1)" in text_of(html)


def test_due_date_follows_the_phase_when_its_actual_start_is_recorded(world, reader_client):
    clause = Clause.objects.create(
        deal=world.deal,
        phase=world.phase2,
        reference="2.9",
        title="Crossings open",
        deadline_delay=72,
        deadline_delay_unit="hours",
        deadline_anchor="start",
        deadline_phase=world.phase2,
    )
    clause.obliged_parties.set([world.israel])
    url = reverse("desk:clause-detail", args=["test-deal", "2.9"])
    html = text_of(reader_client.get(url).content.decode())
    assert "5 March 2025 (72 hours after the planned start of phase 2)" in html
    Phase.objects.filter(pk=world.phase2.pk).update(actual_start=D(2025, 3, 20))
    html = text_of(reader_client.get(url).content.decode())
    assert "23 March 2025 (72 hours after the actual start of phase 2)" in html


# --- deal page: roll-ups, overdue flags, "as of" ------------------------------------------


@pytest.fixture
def history(world):
    """Israel on 1.1: minimal on 10 March, full on 10 April; Israel on 2.1: not started
    on 20 April. Hamas never assessed."""
    assess(world.hostages, world.israel, D(2025, 3, 10), "minimal", claims=[world.refuted])
    assess(world.hostages, world.israel, D(2025, 4, 10), "full", claims=[world.refuted])
    assess(world.withdrawal, world.israel, D(2025, 4, 20), "not_started", claims=[world.accused])
    return world


def rollup_rows(html: str) -> dict[str, str]:
    """Party name → implemented percentage, from the deal page's roll-up table."""
    start = html.index("Implemented, by party")
    table = html[start : html.index("</table>", start)]
    rows = re.findall(
        r'<th scope="row" class="rollup-name"><a href="[^"]*">([^<]+)</a></th>'
        r'<td><span class="pct">([^<]+)<',
        table,
    )
    return dict(rows)


@time_machine.travel(TODAY, tick=False)
def test_deal_page_shows_roll_ups_and_not_assessed_cells(history, reader_client):
    html = reader_client.get(reverse("desk:deal-detail", args=["test-deal"])).content.decode()
    # Israel: 1.1 full (1) + 2.1 not started (0) → 50%; Hamas: 1.1 not assessed → 0%.
    assert rollup_rows(html) == {"Hamas": "0%", "Israel": "50%", "Egypt": "nothing due yet"}
    assert "1 not assessed" in text_of(html)
    # Overdue terms with the due date and its basis, told once: the clause list links to them.
    text = text_of(html)
    assert "due 1 March 2025 (actual end of phase 1) ; behind: Hamas (not assessed)" in text
    assert text.count("(actual end of phase 1)") == 1
    assert f'href="#overdue-{history.hostages.pk}"' in html
    assert "12 April 2025 (planned end of phase 2)" in text


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("as_of", "israel", "level_on_1_1"),
    [
        ("2025-03-20", "33%", "minimal"),  # only 1.1 due; minimal
        ("2025-04-15", "50%", "full"),  # 1.1 full, 2.1 due and not assessed
        ("2025-04-25", "50%", "full"),  # 2.1 not started
    ],
)
def test_as_of_view_shows_the_record_as_it_stood(
    history, reader_client, as_of, israel, level_on_1_1
):
    url = reverse("desk:deal-detail", args=["test-deal"]) + f"?as_of={as_of}"
    html = reader_client.get(url).content.decode()
    assert rollup_rows(html)["Israel"] == israel
    assert f"desk: {level_on_1_1}" in html
    assert "You are looking at the record as it stood on" in html


@time_machine.travel(TODAY, tick=False)
def test_as_of_view_leaves_out_claims_made_later(history, reader_client):
    url = reverse("desk:deal-detail", args=["test-deal"])
    today = reader_client.get(url).content.decode()
    before = reader_client.get(url + "?as_of=2025-03-10").content.decode()
    # The withdrawal claims were made on 10 and 11 March.
    cell = f'id="cell-{history.withdrawal.pk}-{history.israel.pk}"'
    assert "contested" in today[today.index(cell) : today.index("</td>", today.index(cell))]
    segment = before[before.index(cell) : before.index("</td>", before.index(cell))]
    assert "complied" in segment and "contested" not in segment


@time_machine.travel(TODAY, tick=False)
def test_matrix_flags_an_assessment_that_disagrees_with_the_latest_claim(history, reader_client):
    html = reader_client.get(reverse("desk:deal-detail", args=["test-deal"])).content.decode()
    cell = f'id="cell-{history.withdrawal.pk}-{history.israel.pk}"'
    segment = html[html.index(cell) : html.index("</td>", html.index(cell))]
    # Not started vs the latest claim (11 March: complied) → flagged.
    assert "desk: not started" in segment and "assessment differs" in segment


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", "0000-00-00", "9" * 50])
def test_bad_as_of_is_a_notice_never_an_error(history, reader_client, bad):
    for url in (
        reverse("desk:deal-detail", args=["test-deal"]),
        reverse("desk:party-detail", args=["israel"]),
    ):
        response = reader_client.get(url, {"as_of": bad})
        assert response.status_code == 200
        assert "was not understood" in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_party_page_shows_its_roll_up_per_deal_as_of_a_day(history, reader_client):
    url = reverse("desk:party-detail", args=["israel"])
    html = text_of(reader_client.get(url).content.decode())
    assert "Test ceasefire and hostage deal 50%" in html
    html = text_of(reader_client.get(url + "?as_of=2025-03-20").content.decode())
    assert "Test ceasefire and hostage deal 33%" in html


# --- one rule: the deal page, /slipping/ and the roll-ups agree ---------------------------


def overdue_on_deal_page(client) -> set[str]:
    html = client.get(reverse("desk:deal-detail", args=["test-deal"])).content.decode()
    return {ref for ref in re.findall(r'<li id="overdue-\d+">.*?<span class="ref">([^<]+)<', html)}


def overdue_on_slipping(client) -> set[str]:
    html = client.get(reverse("desk:slipping")).content.decode()
    return set(re.findall(r'href="/deals/test-deal/clauses/([^/"]+)/"', html))


@time_machine.travel(TODAY, tick=False)
def test_deal_page_and_slipping_list_name_the_same_overdue_terms(history, reader_client):
    assert overdue_on_deal_page(reader_client) == overdue_on_slipping(reader_client)
    assert overdue_on_deal_page(reader_client) == {"1.1", "2.1"}
    # Hamas carries out 1.1 in full: it leaves both lists together.
    assess(history.hostages, history.hamas, D(2025, 4, 1), "full")
    assert overdue_on_deal_page(reader_client) == overdue_on_slipping(reader_client) == {"2.1"}


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("status", ["concluded", "superseded", "collapsed"])
def test_a_deal_that_is_over_has_no_overdue_terms_on_any_page(history, reader_client, status):
    Deal.objects.filter(pk=history.deal.pk).update(status=status)
    assert overdue_on_deal_page(reader_client) == overdue_on_slipping(reader_client) == set()
    clause = reader_client.get(reverse("desk:clause-detail", args=["test-deal", "1.1"]))
    assert "Overdue: due" not in text_of(clause.content.decode())
    # Its unmet terms stay on its record: the roll-ups still count them.
    html = reader_client.get(reverse("desk:deal-detail", args=["test-deal"])).content.decode()
    assert rollup_rows(html) == {"Hamas": "0%", "Israel": "50%", "Egypt": "nothing due yet"}


@time_machine.travel(TODAY, tick=False)
def test_deal_page_shows_the_roll_up_the_roll_up_function_computes(history, reader_client, reader):
    from dealtracker.claims.rollups import deal_rollup

    rollup = deal_rollup(deal=history.deal, as_of=timezone.localdate(), user=reader)
    html = reader_client.get(reverse("desk:deal-detail", args=["test-deal"])).content.decode()
    rows = rollup_rows(html)
    for party in (history.israel, history.hamas):
        assert rows[party.name] == f"{round(rollup.by_party[party.pk])}%"


# --- slipping terms ----------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_slipping_page_lists_overdue_terms_across_deals(history, reader_client):
    response = reader_client.get(reverse("desk:slipping"))
    html = text_of(response.content.decode())
    assert response.status_code == 200
    # 1.1: Hamas not assessed; 2.1: Israel not started. Monitoring (deal-wide) never due.
    assert "1.1 Release of hostages" in html and "2.1 Full withdrawal" in html
    assert "Mediators monitor" not in html
    assert "Hamas : not assessed" in html
    assert "2 overdue terms" in html


@time_machine.travel(TODAY, tick=False)
def test_slipping_partial_for_htmx(history, reader_client):
    response = reader_client.get(reverse("desk:slipping"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="slipping-list"')


@time_machine.travel(TODAY, tick=False)
def test_slipping_feed_is_atom_with_absolute_links_and_public_items_only(
    history, client, public_read, settings
):
    settings.SITE_URL = "https://desk.example.org"
    # A draft "full" for Hamas: the feed is public, so 1.1 stays overdue in it.
    assess(history.hostages, history.hamas, D(2025, 4, 1), "full", published=False)
    response = client.get(reverse("desk:slipping-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any("1.1 Release of hostages" in t for t in titles)
    assert any("2.1 Full withdrawal" in t for t in titles)
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith("https://desk.example.org/deals/test-deal/clauses/")
    summary = entries[0].findtext(f"{ATOM}summary")
    assert "Hamas: not assessed" in summary
    assert root.find(f"{ATOM}link").get("href").startswith("https://desk.example.org/")


@time_machine.travel(TODAY, tick=False)
def test_the_slipping_feed_drops_characters_xml_cannot_carry(history, client, public_read):
    """A clause title pasted with a control character in it: the feed still parses, in
    one piece, and says the title without it."""
    Clause.objects.filter(pk=history.hostages.pk).update(title="Release of\x01 hostages\x0b")
    response = client.get(reverse("desk:slipping-feed"))
    assert response.status_code == 200
    assert [piece for piece in response if piece] == [response.content]
    titles = [
        e.findtext(f"{ATOM}title") for e in ET.fromstring(response.content).iter(f"{ATOM}entry")
    ]
    assert any("1.1 Release of hostages" in t for t in titles)


@time_machine.travel(TODAY, tick=False)
def test_editors_see_their_draft_judgement_on_the_slipping_page(history, editor_client):
    assess(history.hostages, history.hamas, D(2025, 4, 1), "full", published=False)
    html = text_of(editor_client.get(reverse("desk:slipping")).content.decode())
    assert "1.1 Release of hostages" not in html


def test_slipping_needs_login_when_the_site_is_private(world, client):
    assert client.get(reverse("desk:slipping")).status_code == 302
    assert client.get(reverse("desk:slipping-feed")).status_code == 302


# --- ClaimReview ---------------------------------------------------------------------------


def claim_review_of(html: str) -> dict | None:
    found = JSONLD.findall(html)
    return json.loads(found[0]) if found else None


def test_decided_published_claim_carries_claim_review(world, client, public_read, settings):
    settings.SITE_URL = "https://desk.example.org"
    settings.NEWSROOM_NAME = "The Desk"
    Claim.objects.filter(pk=world.accused.pk).update(verification="disputed")
    html = client.get(reverse("desk:claim-detail", args=[world.accused.pk])).content.decode()
    review = claim_review_of(html)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "Israel refused to honour phase two"
    assert review["url"] == f"https://desk.example.org/claims/{world.accused.pk}/"
    assert review["author"]["name"] == "The Desk"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", review["datePublished"])
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"] == "disputed"
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["name"] == "Palestinian negotiators"
    assert item["datePublished"] == "2025-03-10"
    appearance = item["firstAppearance"]
    assert appearance["@type"] == "CreativeWork"
    assert appearance["headline"] == "Hamas offers to free all hostages"
    assert appearance["publisher"]["name"] == "The Times of Israel"


def test_no_claim_review_for_unverified_or_draft_claims(world, editor_client):
    html = editor_client.get(reverse("desk:claim-detail", args=[world.accused.pk])).content
    assert claim_review_of(html.decode()) is None  # unverified
    Claim.objects.filter(pk=world.draft.pk).update(verification="corroborated")
    html = editor_client.get(reverse("desk:claim-detail", args=[world.draft.pk])).content
    assert claim_review_of(html.decode()) is None  # draft


def test_claim_review_json_cannot_break_out_of_its_script(world, client, public_read):
    hostile = make_claim(
        statement='</script><script>alert(1)</script> & <!-- "quoted"',
        attribution="</script><img src=x onerror=alert(2)>",
        clause=world.withdrawal,
        compliance=Claim.Compliance.COMPLIED,
        verification=Claim.Verification.REFUTED,
        made_on=D(2025, 3, 12),
        subjects=[world.israel],
        passages=[world.p_done],
    )
    html = client.get(reverse("desk:claim-detail", args=[hostile.pk])).content.decode()
    assert "</script><script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    review = claim_review_of(html)
    assert review["claimReviewed"] == hostile.statement
    assert review["reviewRating"]["alternateName"] == "refuted"
    assert review["itemReviewed"]["author"]["name"] == hostile.attribution


# --- deals list: ceasefire facts ----------------------------------------------------------


def test_deals_list_filters_by_ceasefire_facts(world, reader_client):
    Deal.objects.filter(pk=world.deal.pk).update(
        purpose="humanitarian",
        stage="preliminary",
        form="written",
        mediated=True,
        mechanisms=["monitoring", "joint_committee"],
    )
    Deal.objects.create(title="Holiday truce", slug="holiday", purpose="holiday", mediated=False)
    url = reverse("desk:deal-list")
    for query, shown, hidden in [
        ("purpose=humanitarian", "Test ceasefire", "Holiday truce"),
        ("mechanism=joint_committee", "Test ceasefire", "Holiday truce"),
        ("mediated=false", "Holiday truce", "Test ceasefire"),
        ("stage=preliminary&form=written", "Test ceasefire", "Holiday truce"),
    ]:
        html = reader_client.get(f"{url}?{query}").content.decode()
        assert shown in html and hidden not in html, query
    response = reader_client.get(f"{url}?mechanism=drones")
    assert response.status_code == 200 and "was ignored" in response.content.decode()
    html = reader_client.get(url).content.decode()
    assert '<label for="id_mechanism">' in html and '<label for="id_mediated">' in html


# --- query bounds ----------------------------------------------------------------------------


@pytest.fixture
def many_assessments(many_rows):
    """Two dated assessments for every clause × party of the big deal (600 rows)."""
    big = many_rows
    rows = [
        Assessment(
            clause=clause,
            party=party,
            assessed_on=on,
            level=level,
            rationale=f"Rationale {clause.pk}-{party.pk}",
            is_published=True,
            published_at=timezone.now(),
        )
        for clause in big.clauses
        for party in big.parties
        for on, level in ((D(2025, 3, 1), "minimal"), (D(2025, 6, 1), "full"))
    ]
    created = Assessment.objects.bulk_create(rows)
    through = Assessment.claims.through
    through.objects.bulk_create(
        [through(assessment=a, claim=big.claims[i % 300]) for i, a in enumerate(created)]
    )
    return big


# The suite's bound for reading pages (session and user lookups included), with 600
# assessments, 300 claims and 30 clauses x 10 parties present.
RECORD_BOUND = 20


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    "page",
    [
        "deal",
        "deal-as-of",
        "clause",
        "party",
        "party-as-of",
        "slipping",
        "feed",
        "deals-facts",
        "claim",
    ],
)
def test_record_pages_run_a_bounded_number_of_queries(
    many_assessments, editor_client, django_assert_max_num_queries, page, public_read
):
    big = many_assessments
    Claim.objects.filter(pk=big.claims[1].pk).update(verification="corroborated")
    deal = big.deal.slug
    urls = {
        "deal": reverse("desk:deal-detail", args=[deal]),
        "deal-as-of": reverse("desk:deal-detail", args=[deal]) + "?as_of=2025-04-01",
        "clause": reverse("desk:clause-detail", args=[deal, big.clauses[4].reference]),
        "party": reverse("desk:party-detail", args=[big.parties[4].slug]),
        "party-as-of": reverse("desk:party-detail", args=[big.parties[4].slug])
        + "?as_of=2025-04-01",
        "slipping": reverse("desk:slipping"),
        "feed": reverse("desk:slipping-feed"),
        "deals-facts": reverse("desk:deal-list") + "?purpose=humanitarian&mechanism=monitoring",
        "claim": reverse("desk:claim-detail", args=[big.claims[1].pk]),
    }
    with django_assert_max_num_queries(RECORD_BOUND):
        response = editor_client.get(urls[page])
    assert response.status_code == 200


def test_assessment_form_runs_a_bounded_number_of_queries(
    many_assessments, editor_client, django_assert_max_num_queries
):
    clause = many_assessments.clauses[4]
    with django_assert_max_num_queries(12):
        response = editor_client.get(new_url(clause))
    assert response.status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_slipping_page_paginates(many_assessments, reader_client):
    # Everything of the big deal is assessed full on 1 June 2025: nothing slips...
    html = reader_client.get(reverse("desk:slipping")).content.decode()
    assert "Big deal" not in html
    # ...until the latest assessments are gone.
    Assessment.objects.filter(assessed_on=D(2025, 6, 1)).delete()
    html = reader_client.get(reverse("desk:slipping")).content.decode()
    assert 'aria-label="Pages of slipping terms"' in html
    page2 = reader_client.get(reverse("desk:slipping") + "?page=2")
    assert page2.status_code == 200


# --- the demo: a journalist's questions -------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_demo_which_terms_of_phase_one_are_overdue(demo, client, public_read):
    html = text_of(client.get(reverse("desk:deal-detail", args=[demo.slug])).content.decode())
    overdue = html[html.index("Overdue terms") : html.index("Slipping terms across all deals")]
    phase_one = re.findall(r"overdue (1\.\d) ", overdue)
    # 1.2 is judged carried out in full by both parties since 28 April 2025.
    assert phase_one == ["1.3", "1.4", "1.1"]
    assert (
        "1.4 Negotiations on phase two begin (phase 1) — due early February 2025 (deadline)"
        in overdue
    )
    # One click away: the clause page names who is behind and cites the claims.
    clause = client.get(reverse("desk:clause-detail", args=[demo.slug, "1.4"])).content.decode()
    assert "Israel avoided entering the phase-two negotiations" in clause
    assert "Overdue" in clause


@time_machine.travel(TODAY, tick=False)
def test_demo_israel_is_further_behind_and_how_the_judgement_moved(demo, client, public_read):
    url = reverse("desk:deal-detail", args=[demo.slug])
    first = rollup_rows(client.get(url + "?as_of=2025-04-20").content.decode())
    second = rollup_rows(client.get(url + "?as_of=2025-04-30").content.decode())
    # Furthest behind first.
    assert list(first)[:2] == ["Israel", "Hamas"] and list(second)[:2] == ["Israel", "Hamas"]
    assert (first["Israel"], second["Israel"]) == ("10%", "14%")
    assert first["Hamas"] == second["Hamas"] == "20%"
    # The move: 1.2 × Israel from intermediate to full, on the clause page with its reasons.
    clause = client.get(reverse("desk:clause-detail", args=[demo.slug, "1.2"])).content.decode()
    israel = clause.index("Israel on clause 1.2: implementation over time")
    desc = text_of(clause[israel : clause.index("</desc>", israel)])
    assert "intermediate on 14 Apr 2025, then full on 28 Apr 2025" in desc
    assert (
        "Phase one&#x27;s partial exchanges" in clause or "Phase one's partial exchanges" in clause
    )


@time_machine.travel(TODAY, tick=False)
def test_demo_matrix_shows_assessments_and_the_disagreement(demo, client, public_read):
    html = client.get(reverse("desk:deal-detail", args=[demo.slug])).content.decode()
    clause = Clause.objects.get(deal=demo, reference="1.2")
    israel = clause.obliged_parties.get(slug="israel")
    cell = f'id="cell-{clause.pk}-{israel.pk}"'
    segment = html[html.index(cell) : html.index("</td>", html.index(cell))]
    assert "desk: full" in segment and "assessment differs" in segment


def test_demo_corroborated_claim_has_claim_review(demo, client, public_read):
    claim = Claim.objects.get(statement__startswith="Israel has not withdrawn its forces")
    review = claim_review_of(
        client.get(reverse("desk:claim-detail", args=[claim.pk])).content.decode()
    )
    assert review["reviewRating"]["alternateName"] == "corroborated"
    assert review["itemReviewed"]["firstAppearance"]["url"].startswith("https://example.org/")


# --- deal JSON: ceasefire facts, due dates, assessments ---------------------------------------


def test_deal_json_carries_facts_due_dates_and_published_assessments(history, client, public_read):
    Deal.objects.filter(pk=history.deal.pk).update(
        purpose="peace_process",
        stage="preliminary",
        form="written",
        mediated=True,
        mechanisms=["monitoring"],
        declared_on=D(2025, 1, 15),
        effective_on=D(2025, 1, 19),
    )
    Assessment.objects.filter(assessed_on=D(2025, 4, 20)).update(
        is_published=False, published_at=None
    )
    doc = json.loads(client.get(reverse("desk:deal-json", args=["test-deal"])).content)
    deal = doc["deal"]
    assert (deal["purpose"], deal["stage"], deal["form"], deal["mediated"]) == (
        "peace_process",
        "preliminary",
        "written",
        True,
    )
    assert deal["mechanisms"] == ["monitoring"]
    assert (deal["declared_on"], deal["effective_on"], deal["ended_on"]) == (
        "2025-01-15",
        "2025-01-19",
        None,
    )
    clauses = {c["reference"]: c for c in doc["clauses"]}
    assert clauses["1.1"]["due"]["date"] == "2025-03-01"
    assert clauses["1.1"]["due"]["basis"] == "actual end of phase 1"
    assert clauses["2.1"]["due"]["planned"] is True
    assert clauses["0.1"]["due"] is None  # deal-wide, no deadline
    # Anonymous: the draft assessment is left out; the published ones cite published claims only.
    assert [(a["clause"], a["assessed_on"], a["level"]) for a in doc["assessments"]] == [
        ("1.1", "2025-03-10", "minimal"),
        ("1.1", "2025-04-10", "full"),
    ]
    exported_claims = {c["id"] for c in doc["claims"]}
    for assessment in doc["assessments"]:
        assert set(assessment["claims"]) <= exported_claims


def test_deal_json_gives_editors_the_draft_assessments(history, editor_client):
    Assessment.objects.update(is_published=False, published_at=None)
    doc = json.loads(editor_client.get(reverse("desk:deal-json", args=["test-deal"])).content)
    assert len(doc["assessments"]) == 3
    assert {a["published"] for a in doc["assessments"]} == {False}


def test_data_dictionary_documents_the_new_keys(world, reader_client):
    html = reader_client.get(reverse("desk:data-dictionary")).content.decode()
    for key in ("deal.mechanisms", "clauses[].due.basis", "assessments[].level", "deal.ended_on"):
        assert f"<code>{key}</code>" in html, key


@time_machine.travel(TODAY, tick=False)
def test_matrix_cell_panel_gives_the_desks_assessment_and_links_its_reasons(history, reader_client):
    url = reverse("desk:deal-matrix-cell", args=["test-deal", "2.1", "israel"])
    html = reader_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert "The desk's assessment:" in html and "not started" in html
    assert "#assessment-" in html and "the latest claim points another way" in html
    url = reverse("desk:deal-matrix-cell", args=["test-deal", "1.1", "hamas"])
    html = reader_client.get(url).content.decode()
    assert "The desk has not assessed Hamas on this clause." in html


# The slipping table's row as its template drew it before desk/slipping_rows.py.
ROW_TEMPLATE = """{% for term in terms %}
      <tr>
        <th scope="row"><a href="{% url 'desk:clause-detail' term.clause.deal.slug term.clause.reference %}"><span class="ref">{{ term.clause.reference }}</span> <bdi>{{ term.clause.title }}</bdi></a></th>
        <td data-label="Deal"><a href="{% url 'desk:deal-detail' term.clause.deal.slug %}" dir="auto">{{ term.clause.deal.title }}</a></td>
        <td data-label="Due"><time datetime="{{ term.due.date|date:'Y-m-d' }}">{{ term.due.display }}</time> <span class="muted">({{ term.due.basis }})</span><br><span class="overdue-flag"><span aria-hidden="true">⚠</span> {{ term.days_overdue }} day{{ term.days_overdue|pluralize }} overdue</span></td>
        <td data-label="Behind"><ul class="behind">{% for party, assessment in term.behind %}<li><a href="{% url 'desk:party-detail' party.slug %}"><bdi>{{ party.label }}</bdi></a>: {% if assessment %}<span class="level lvl-{{ assessment.level }}">{{ assessment.get_level_display }}</span> <span class="muted">({{ assessment.assessed_on|date:"j M Y" }})</span>{% else %}<span class="level not-assessed">not assessed</span>{% endif %}</li>{% endfor %}</ul></td>
      </tr>
    {% endfor %}"""  # noqa: E501


@time_machine.travel(TODAY, tick=False)
def test_slipping_rows_drawn_in_python_are_the_templates_rows(history, reader, reader_client):
    """Hostile titles and names escaped, one day and many, assessed and not: each row is
    what the template drew, and the page holds them all."""
    from django.template import engines

    from dealtracker.claims.slipping import slipping_list
    from dealtracker.deals.models import Party
    from dealtracker.desk.slipping_rows import slipping_row_html

    evil = '"><script>alert(1)</script>&amp;'
    Clause.objects.filter(pk=history.hostages.pk).update(title=evil)
    Deal.objects.filter(pk=history.deal.pk).update(title=evil + " deal")
    Party.objects.filter(pk=history.hamas.pk).update(short_name=evil)

    def rows():
        return slipping_list(today=timezone.localdate(), user=reader, window=(0, 25))[0:25]

    terms = rows()
    assert len(terms) == 2 and {t.days_overdue > 1 for t in terms} == {True}
    terms[0].days_overdue = 1  # "1 day": the singular
    drawn = "".join(slipping_row_html(term) for term in terms)
    template = engines["django"].from_string(ROW_TEMPLATE)
    assert drawn == template.render({"terms": terms})
    assert "<script>" not in drawn and "not assessed" in drawn and "lvl-not_started" in drawn
    page = reader_client.get(reverse("desk:slipping")).content.decode()
    assert "".join(slipping_row_html(term) for term in rows()) in page


# A term that obliges a party, as the party page's template drew it before
# desk/clause_rows.py's obliged_term_html.
OBLIGED_TEMPLATE = """{% for clause in clauses.page.object_list %}
    <li><a href="{% url 'desk:clause-detail' clause.deal.slug clause.reference %}"><span class="ref">{{ clause.reference }}</span> {{ clause.title }}</a> <span class="clause-meta">{{ clause.deal.title }}{% if clause.phase %}, phase {{ clause.phase.order }}{% endif %}{% with due=clause.due_date %}{% if due.date %} · due {{ due.display }}{% endif %}{% endwith %} · <a href="{% url 'desk:deal-matrix-cell' clause.deal.slug clause.reference party.slug %}">claims on {{ party.label }}</a></span></li>
    {% endfor %}"""  # noqa: E501


def test_obliged_terms_drawn_in_python_are_the_templates_items(history, reader_client):
    """Hostile titles and names escaped, terms with and without a phase and a due date:
    each item is what the template drew, and the party's page holds them all."""
    from django.template import engines

    from dealtracker.deals.models import Party
    from dealtracker.deals.queries import clauses_obliging
    from dealtracker.desk.clause_rows import obliged_term_html

    evil = '"><script>alert(1)</script>&amp;'
    Clause.objects.filter(pk=history.hostages.pk).update(title=evil)
    Deal.objects.filter(pk=history.deal.pk).update(title=evil + " deal")
    Party.objects.filter(pk=history.hamas.pk).update(short_name=evil)
    party = Party.objects.get(pk=history.hamas.pk)
    loose = Clause.objects.create(deal=history.deal, reference="9.9", title="No phase, no date")
    loose.obliged_parties.add(party)
    clauses = list(clauses_obliging(party=party))
    assert {c.phase_id is None for c in clauses} == {True, False}
    assert {bool(c.due_date().date) for c in clauses} == {True, False}
    drawn = "".join(obliged_term_html(clause, party) for clause in clauses)
    template = engines["django"].from_string(OBLIGED_TEMPLATE)
    context = {"clauses": {"page": {"object_list": clauses}}, "party": party}
    assert drawn == template.render(context)
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn and ", phase 1" in drawn
    page = reader_client.get(party.get_absolute_url()).content.decode()
    assert drawn in page


# A deal page's overdue term as its template drew it before desk/slipping_rows.py's
# overdue_term_html.
OVERDUE_TEMPLATE = """{% for term in overdue_paging.page.object_list %}
    <li id="overdue-{{ term.clause.pk }}"><span class="overdue-flag"><span aria-hidden="true">⚠</span> overdue</span> <a href="{% url 'desk:clause-detail' deal.slug term.clause.reference %}"><span class="ref">{{ term.clause.reference }}</span> {{ term.clause.title }}</a>{% if term.clause.phase %} <span class="muted">(phase {{ term.clause.phase.order }})</span>{% endif %} — due {{ term.due.display }} <span class="muted">({{ term.due.basis }})</span>; behind: {% for party, assessment in term.behind %}{{ party.label }} ({% if assessment %}{{ assessment.get_level_display }}{% else %}not assessed{% endif %}){% if not forloop.last %}, {% endif %}{% endfor %}</li>
    {% endfor %}"""  # noqa: E501


@time_machine.travel(TODAY, tick=False)
def test_overdue_terms_drawn_in_python_are_the_templates_items(history, reader, reader_client):
    """Hostile titles and names escaped, with and without a phase, assessed and not, one
    party behind and several: each item is what the template drew, and the deal page
    holds them all."""
    from django.template import engines

    from dealtracker.claims.slipping import overdue_terms
    from dealtracker.deals.models import Party
    from dealtracker.desk.slipping_rows import overdue_term_html

    evil = '"><script>alert(1)</script>&amp;'
    Clause.objects.filter(pk=history.hostages.pk).update(title=evil)
    Party.objects.filter(pk=history.hamas.pk).update(short_name=evil)
    deal = Deal.objects.get(pk=history.deal.pk)
    terms = overdue_terms(today=timezone.localdate(), user=reader, deal=deal)
    assert terms and {len(t.behind) for t in terms} >= {1}
    assert {bool(a) for t in terms for _, a in t.behind} == {True, False}
    terms[0].clause.phase = None  # a deal-wide term
    terms[-1].behind.append((Party.objects.exclude(pk=history.hamas.pk).first(), None))
    drawn = "".join(overdue_term_html(term, deal) for term in terms)
    template = engines["django"].from_string(OVERDUE_TEMPLATE)
    context = {"overdue_paging": {"page": {"object_list": terms}}, "deal": deal}
    assert drawn == template.render(context)
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn and "not assessed" in drawn
    assert "(phase " in drawn and "), " in drawn  # a phase; two parties behind
    page = reader_client.get(deal.get_absolute_url()).content.decode()
    fresh = overdue_terms(today=timezone.localdate(), user=reader, deal=deal)
    assert "".join(overdue_term_html(term, deal) for term in fresh) in page


# The matrix table's rows as its template drew them before the {% matrix_row %} tag; each
# cell (`c.old_html`) as the per-cell tag it called drew it (old_cell_html below).
MATRIX_ROWS_TEMPLATE = """{% for row in matrix_rows|default:matrix.rows %}
    <tr>
      <th scope="row"><a href="{% url 'desk:clause-detail' deal.slug row.clause.reference %}"><span class="ref">{{ row.clause.reference }}</span> {{ row.clause.title }}</a></th>
      {% for c in row.cells %}{{ c.old_html }}{% endfor %}
    </tr>
  {% endfor %}"""  # noqa: E501


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("embed", [False, True])
def test_matrix_rows_drawn_by_one_tag_are_the_templates_rows(history, reader, embed):
    """A hostile clause title, an open cell, an overdue clause, the second matrix page, the
    embed's plain links: each row is what the template's loop of cells drew."""
    from types import SimpleNamespace

    from django.template import engines

    from dealtracker.claims.compliance import compliance_matrix
    from dealtracker.claims.slipping import overdue_terms
    from dealtracker.desk.matrix import PageCell, page_matrix

    Clause.objects.filter(pk=history.hostages.pk).update(title='"><script>alert(1)</script>')
    deal = Deal.objects.get(pk=history.deal.pk)
    matrix = page_matrix(compliance_matrix(deal=deal, user=reader))
    today = timezone.localdate()
    overdue = {t.clause.pk for t in overdue_terms(today=today, user=reader, deal=deal)}
    first = next(c for row in matrix.rows for c in row.cells if c.obliged)
    assert overdue and first.obliged
    context = {
        "deal": deal,
        "matrix": matrix,
        "matrix_rows": matrix.rows,
        "cell": PageCell.of(first),
        "matrix_paging": SimpleNamespace(page=SimpleNamespace(number=2)),
        "overdue_clause_ids": overdue,
        "embed": embed,
    }
    for row in matrix.rows:
        for c in row.cells:
            c.old_html = old_cell_html(context, c)
    old = engines["django"].from_string(MATRIX_ROWS_TEMPLATE).render(context)
    rows = "{% for row in matrix_rows|default:matrix.rows %}{% matrix_row row %}{% endfor %}"
    new = engines["django"].from_string("{% load deal_page %}" + rows).render(context)
    assert new == old
    assert "<script>" not in new and new.count("is-open") == 1
    assert ("?matrix_page=2" in new) is not embed


def old_cell_html(context: dict, c):
    """A matrix cell as the per-cell `{% matrix_cell c %}` tag drew it, reading the
    context for every cell."""
    from dealtracker.desk.matrix import cell_html

    open_cell = context.get("cell")
    paging = context.get("matrix_paging")
    return cell_html(
        c,
        embed=bool(context.get("embed")),
        is_open=bool(
            open_cell and open_cell.clause.pk == c.clause.pk and open_cell.party.pk == c.party.pk
        ),
        overdue=c.clause.pk in context.get("overdue_clause_ids", ()),
        matrix_page=paging.page.number if paging else 1,
    )
