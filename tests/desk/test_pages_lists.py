"""Home, /deals/ and /parties/: newest activity first, filters, notices for bad filter
values, pages, HTMX partials."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Deal, DealParty, Party
from tests.factories import make_claim


@pytest.mark.django_db
def test_home_orders_deals_by_newest_activity(world, reader_client):
    old = Deal.objects.create(title="Quiet old deal", slug="quiet")
    Deal.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=300))
    Deal.objects.filter(pk=world.deal.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))
    # A claim on the test deal today makes it the most recently active.
    make_claim(
        statement="Fresh claim",
        clause=world.withdrawal,
        compliance=Claim.Compliance.UNCLEAR,
        subjects=[world.israel],
    )
    body = reader_client.get("/").content.decode()
    assert body.index("Test ceasefire and hostage deal") < body.index("Quiet old deal")


@pytest.mark.django_db
def test_home_shows_status_parties_current_phase_and_counts_by_compliance(
    world, client, public_read
):
    body = client.get("/").content.decode()
    assert "in force" in body
    assert '>Egypt</bdi></a> <span class="muted">(mediator)</span>' in body
    assert "2. <bdi>Permanent ceasefire" in body  # the stalled phase is the current one
    # Published, not refuted compliance claims of the deal: one complied, one not.
    assert "✓ complied: 1" in body
    assert "✗ not complied: 1" in body
    assert "partly complied" not in body  # that one is a draft


@pytest.mark.django_db
def test_home_lists_the_latest_claims_newest_first(world, reader_client):
    body = reader_client.get("/").content.decode()
    section = body[body.index('id="home-claims"') :]
    assert section.index("Israel has carried out every withdrawal due") < section.index(
        "Israel refused to honour phase two"
    )


@pytest.mark.django_db
def test_deal_list_filters_by_status_and_party(world, reader_client):
    other = Deal.objects.create(title="Proposal X", slug="proposal-x")
    DealParty.objects.create(deal=other, party=world.hamas)
    body = reader_client.get("/deals/?status=proposed").content.decode()
    assert "Proposal X" in body and "Test ceasefire" not in body
    body = reader_client.get("/deals/?party=egypt").content.decode()
    assert "Test ceasefire" in body and "Proposal X" not in body
    body = reader_client.get("/deals/?party=hamas").content.decode()
    assert "Test ceasefire" in body and "Proposal X" in body


@pytest.mark.django_db
def test_the_deal_list_finds_a_party_by_name_and_offers_no_list_of_every_party(
    world, reader_client
):
    from dealtracker.deals.models import Party

    Party.objects.bulk_create(
        [Party(name=f"Militia {i:03d}", slug=f"militia-{i:03d}") for i in range(300)]
    )
    other = Deal.objects.create(title="Proposal X", slug="proposal-x")
    DealParty.objects.create(deal=other, party=world.hamas)
    body = reader_client.get("/deals/", {"party": world.hamas.name}).content.decode()
    assert "Proposal X" in body and "Test ceasefire" in body
    body = reader_client.get("/deals/", {"party": "Egypt"}).content.decode()
    assert "Proposal X" not in body
    # A text field: the page does not grow with the parties the archive holds.
    assert "Militia 150" not in body and body.count("<option") < 60


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["status=exploded", "party=nobody", "page=zzz", "page=9999"])
def test_bad_deal_filter_values_are_ignored_with_a_notice_never_an_error(
    world, reader_client, query
):
    response = reader_client.get(f"/deals/?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Test ceasefire" in body
    if not query.startswith("page"):
        assert "was ignored" in body


@pytest.mark.django_db
def test_deal_list_as_htmx_partial_is_only_the_list(world, reader_client):
    response = reader_client.get("/deals/?status=in_force", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<div id="deal-list"')
    assert "Test ceasefire" in body


@pytest.mark.django_db
def test_deal_list_paginates(db, reader_client):
    Deal.objects.bulk_create([Deal(title=f"Deal {i:02}", slug=f"deal-{i:02}") for i in range(25)])
    body = reader_client.get("/deals/").content.decode()
    assert "Page 1 of 2" in body and 'rel="next"' in body
    body = reader_client.get("/deals/?page=2").content.decode()
    assert "Page 2 of 2" in body and body.count('class="deal-row"') == 5


@pytest.mark.django_db
def test_filter_controls_are_labelled(world, reader_client):
    for url, names in (("/deals/", ["status", "party"]), ("/parties/", ["kind", "name"])):
        body = reader_client.get(url).content.decode()
        for name in names:
            assert f'<label for="id_{name}">' in body, (url, name)


@pytest.mark.django_db
def test_party_list_filters_by_kind_and_name(world, reader_client):
    body = reader_client.get("/parties/?kind=armed_group").content.decode()
    assert ">Hamas</bdi></a>" in body and ">Israel</bdi></a>" not in body
    body = reader_client.get("/parties/?name=isr").content.decode()
    assert ">Israel</bdi></a>" in body and ">Hamas</bdi></a>" not in body
    body = reader_client.get("/parties/?kind=dragon").content.decode()
    assert "was ignored" in body and ">Hamas</bdi></a>" in body


@pytest.mark.django_db
def test_party_list_shows_how_many_deals_each_party_is_in(world, reader_client):
    Party.objects.create(name="Loner", slug="loner")
    body = reader_client.get("/parties/").content.decode()
    assert re.search(
        r'>Loner</bdi></a></th>.*?<td data-label="Deals" class="num">0</td>', body, re.S
    )
    assert re.search(
        r'>Hamas</bdi></a></th>.*?<td data-label="Deals" class="num">1</td>', body, re.S
    )


@pytest.mark.django_db
def test_party_list_as_htmx_partial_is_only_the_list(world, reader_client):
    response = reader_client.get("/parties/?name=ham", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and body.strip().startswith('<div id="party-list"')


# The parties table's rows as the list's template drew them before desk/party_rows.py.
PARTY_ROWS_TEMPLATE = """{% for party in paging.page.object_list %}
    <tr>
      <th scope="row"><a href="{% url 'desk:party-detail' party.slug %}"><bdi>{{ party.name }}</bdi></a></th>
      <td data-label="Short name"{% if not party.short_name or party.short_name == party.name %} class="is-empty"{% endif %}>{% if party.short_name and party.short_name != party.name %}<bdi>{{ party.short_name }}</bdi>{% else %}—{% endif %}</td>
      <td data-label="Kind">{{ party.get_kind_display }}</td>
      <td data-label="Deals" class="num">{{ party.deal_count }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501


@pytest.mark.django_db
def test_party_rows_drawn_in_python_are_the_templates_rows(world, reader_client):
    """Hostile names escaped, a short name that repeats the name, none, and its own: each
    row is what the template drew, and the list holds them all."""
    from django.template import engines

    from dealtracker.deals.queries import parties_for_list
    from dealtracker.desk.party_rows import party_row_html

    evil = '"><script>alert(1)</script>&amp;'
    Party.objects.create(name=evil, short_name=evil + "!", slug="evil")
    Party.objects.create(name="Same", short_name="Same", slug="same")
    Party.objects.create(name="Bare", short_name="", slug="bare")
    parties = list(parties_for_list())
    assert {bool(p.short_name) for p in parties} == {True, False}
    assert {p.deal_count for p in parties} >= {0, 1}
    drawn = "".join(party_row_html(party) for party in parties)
    template = engines["django"].from_string(PARTY_ROWS_TEMPLATE)
    assert drawn == template.render({"paging": {"page": {"object_list": parties}}})
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn
    assert drawn.count('class="is-empty">—') >= 2
    page = reader_client.get("/parties/").content.decode()
    assert drawn in page
