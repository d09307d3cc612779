"""Facet counts on the claims list: how many of the listed claims assert each
compliance value, have each verification status and kind, were made by or are about
each party, and belong to each deal — each a link that adds its filter — in one
bounded query."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import AnonymousUser

from dealtracker.claims import facets as facets_module
from dealtracker.claims.facets import claim_facets
from dealtracker.claims.listing import ClaimFilters, filtered_claims
from dealtracker.deals.models import Party
from tests.factories import build_lists_world, bulk_claims, make_claim, make_deal, make_party

URL = "/claims/"


@pytest.fixture
def w(db):
    return build_lists_world()


def counts(result) -> dict[str, dict[str, int]]:
    return {f.param: {v.value: v.count for v in f.values} for f in result.facets}


def facets_for(user, **filters):
    f = ClaimFilters(**filters)
    return claim_facets(filtered_claims(user=user, filters=f), filters=f)


def links(body: str) -> dict[str, dict[str, str]]:
    """facet param → {value label → href}, from the page's facet column."""
    aside = body[body.index('<aside class="facets"') : body.index("</aside>")]
    out: dict[str, dict[str, str]] = {}
    for section in re.findall(r'<section class="facet".*?</section>', aside, re.S):
        param = re.search(r'id="facet-([a-z]+)"', section).group(1)
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>.*?<bdi>(.*?)</bdi>', section, re.S):
            out.setdefault(param, {})[html.unescape(label)] = html.unescape(href)
    return out


def shown_ids(body: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="claim-(\d+)"', body)]


def test_facets_count_every_value_of_the_listed_claims(w, reader):
    result = facets_for(reader)
    assert counts(result) == {
        "compliance": {"complied": 1, "not_complied": 1},
        "verification": {"unverified": 4, "corroborated": 1, "disputed": 1},
        "kind": {"compliance": 2, "offer": 1, "demand": 1, "figure": 1, "other": 1},
        "claimant": {"hamas": 2, "egypt": 1, "israel": 1},
        "subject": {"israel": 4, "egypt": 1, "hamas": 1, "qatar": 1},
        "deal": {"gaza-ceasefire-2025": 4, "egypt-qatar-proposal": 1},
    }
    assert result.counted == 6 and not result.capped
    # Vocabularies in their own order, parties and deals largest first, with their labels.
    by_param = {f.param: f for f in result.facets}
    assert [v.value for v in by_param["kind"].values] == [
        "compliance",
        "offer",
        "demand",
        "figure",
        "other",
    ]
    assert [v.label for v in by_param["subject"].values] == ["Israel", "Egypt", "Hamas", "Qatar"]
    assert by_param["compliance"].values[0].label == "complied"


def test_public_facets_count_only_published_claims(w):
    result = facets_for(AnonymousUser())
    got = counts(result)
    assert got["verification"]["unverified"] == 3
    assert "egypt" not in got["claimant"] and "qatar" not in got["subject"]
    assert "egypt-qatar-proposal" not in got["deal"]
    assert result.counted == 5


def test_facets_follow_the_filters(w, reader):
    got = counts(facets_for(reader, subject=w.israel))
    assert got["kind"] == {"compliance": 2, "offer": 1, "other": 1}
    assert got["claimant"] == {"hamas": 2, "israel": 1}
    got = counts(facets_for(reader, compliance="not_complied"))
    assert got["verification"] == {"disputed": 1}
    assert got["deal"] == {"gaza-ceasefire-2025": 1}
    got = counts(facets_for(reader, q="withdraws"))
    assert got["kind"] == {"compliance": 1, "offer": 1}  # "withdrawal" matches too


def test_each_facet_value_links_to_the_list_with_its_filter_added(w, reader_client):
    body = reader_client.get(URL, {"subject": "israel", "sort": "oldest"}).content.decode()
    found = links(body)
    offer = found["kind"]["offer or position"]
    assert offer.startswith("/claims/?") and "kind=offer" in offer
    assert "subject=israel" in offer and "sort=oldest" in offer
    assert shown_ids(reader_client.get(offer).content.decode()) == [w.offer.pk]
    # Following a party facet narrows to that party's claims.
    hamas = found["claimant"]["Hamas"]
    assert sorted(shown_ids(reader_client.get(hamas).content.decode())) == sorted(
        [w.refused.pk, w.offer.pk]
    )


def test_choosing_a_deal_drops_the_phase_clause_and_page_position(w, reader_client):
    body = reader_client.get(
        URL, {"deal": w.deal.slug, "phase": "2", "after": "2025-03-10.99999"}
    ).content.decode()
    # The deal is in force: its facet value removes it, with its phase and clause.
    removal = links(body)["deal"]["Gaza ceasefire and hostage deal"]
    assert "deal=" not in removal and "phase=" not in removal and "after=" not in removal
    body = reader_client.get(URL, {"kind": "demand", "after": "2025-03-10.99999"}).content.decode()
    other = links(body)["deal"]["Egypt–Qatar proposal"]
    assert "deal=egypt-qatar-proposal" in other and "after=" not in other


def test_a_facet_value_in_force_is_marked_and_links_to_the_list_without_it(w, reader_client):
    body = reader_client.get(URL, {"kind": "offer", "subject": "hamas"}).content.decode()
    assert re.search(r'<li class="is-selected"><a href="[^"]+" aria-current="true">', body)
    removal = links(body)["kind"]["offer or position"]
    assert "kind=" not in removal and "subject=hamas" in removal
    # The filters in force are listed above the claims, each removable.
    chips = body[body.index('<ul class="active-filters"') :]
    chips = chips[: chips.index("</ul>")]
    assert "Kind:" in chips and "offer or position" in chips and "About:" in chips
    remove_kind = re.search(r'<a href="([^"]+)" aria-label="Remove the filter Kind', chips)
    assert html.unescape(remove_kind.group(1)) == "/claims/?subject=hamas"


def test_the_largest_parties_are_shown_with_the_number_of_others(w, reader, monkeypatch):
    monkeypatch.setattr(facets_module, "FACET_TOP", 2)
    by_param = {f.param: f for f in facets_for(reader).facets}
    assert [v.value for v in by_param["subject"].values] == ["israel", "egypt"]  # ties by name
    assert by_param["subject"].others == 2
    assert by_param["kind"].others == 0 and len(by_param["kind"].values) == 5


def test_more_matches_than_the_scan_are_counted_among_the_newest(w, reader, monkeypatch):
    monkeypatch.setattr(facets_module, "FACET_SCAN", 20)
    bulk_claims(30, start=dt.date(2026, 1, 1))
    result = facets_for(reader)
    assert result.capped and result.counted == 20
    # The newest 20 are the bulk claims (all "other", no deal).
    assert counts(result)["kind"] == {"other": 20}


def test_facet_labels_are_escaped(w, reader_client):
    hostile = Party.objects.create(name='<img src=x onerror="alert(1)">', slug="hostile")
    make_claim(statement="A claim by a hostile name", claimant=hostile)
    body = reader_client.get(URL).content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


# A facet's values as the claims list's template drew them before desk/facet_rows.py.
FACET_VALUES_TEMPLATE = """{% load reading %}{% for v in facet.values %}
          <li{% if v.selected %} class="is-selected"{% endif %}><a href="{{ v.url }}"{% if v.selected %} aria-current="true"{% endif %}><span class="facet-label">{% if facet.param == "compliance" %}<span aria-hidden="true">{{ v.value|compliance_symbol }} </span>{% elif facet.param == "verification" %}<span aria-hidden="true">{{ v.value|verification_symbol }} </span>{% endif %}<bdi>{{ v.label }}</bdi>{% if v.selected %}<span class="visually-hidden"> (in force; choose to remove)</span><span class="facet-remove" aria-hidden="true"> ×</span>{% endif %}</span> <span class="n">{{ v.count|floatformat:"g" }}</span></a></li>
        {% endfor %}"""  # noqa: E501


def test_facet_values_drawn_in_python_are_the_templates_values(w, reader, reader_client):
    """The whole list and the list with one value in force, a hostile party name, a
    count with grouped digits: each facet's values are what the template drew, and the
    page holds them."""
    from django.http import QueryDict
    from django.template import engines

    from dealtracker.desk.facet_rows import facet_values_html
    from dealtracker.desk.views.lists import _facet_links

    hostile = Party.objects.create(name='<img src=x onerror="alert(1)">&amp;', slug="hostile")
    make_claim(statement="A claim by a hostile name", claimant=hostile)
    template = engines["django"].from_string(FACET_VALUES_TEMPLATE)
    drawn = ""
    for query in ("", "compliance=complied"):
        filters = dict(QueryDict(query).items())
        facets = _facet_links(facets_for(reader, **filters), QueryDict(query))
        body = reader_client.get(URL, filters).content.decode()
        assert {f["param"] for f in facets} >= {"compliance", "verification", "kind"}
        for facet in facets:
            assert facet_values_html(facet) == template.render({"facet": facet})
            assert facet_values_html(facet) in body
            drawn += facet_values_html(facet)
    assert "<img" not in drawn and "&lt;img" in drawn and "✓ </span>" in drawn
    assert drawn.count('aria-current="true"') == 1  # complied, in force
    facets[0]["values"][0]["count"] = 12345
    assert facet_values_html(facets[0]) == template.render({"facet": facets[0]})
    assert '<span class="n">12,345</span>' in facet_values_html(facets[0])


def test_facets_are_one_query_however_many_claims(w, reader, django_assert_num_queries):
    bulk_claims(400, deal=w.deal, subjects=[w.israel, w.hamas])
    f = ClaimFilters()
    claims = filtered_claims(user=reader, filters=f)  # reads the user's permissions
    with django_assert_num_queries(1):
        result = claim_facets(claims, filters=f)
    assert counts(result)["subject"]["israel"] == 404


def test_the_page_with_its_facets_stays_within_its_query_bound(
    w, reader_client, django_assert_max_num_queries
):
    bulk_claims(400, deal=w.deal, subjects=[w.israel, w.hamas])
    # The facets replace the list's count query: the bound is the list's own.
    with django_assert_max_num_queries(14):
        body = reader_client.get(URL, {"deal": w.deal.slug}).content.decode()
    assert "404 claims" in body


@pytest.mark.parametrize("seed", range(4))
def test_the_largest_values_are_the_top_by_count_then_name_whatever_the_ties(
    db, reader, monkeypatch, seed
):
    """Only the groups ranked within FACET_TOP by count are joined to their names: the
    facet must still be the first FACET_TOP by (count, name, id), ties at the edge too."""
    import random

    rng = random.Random(seed)
    monkeypatch.setattr(facets_module, "FACET_TOP", 3)
    # Few names, some equal, so that counts and names both tie.
    parties = [make_party(f"p{i}", rng.choice(["Alpha", "Beta", "Gamma"])) for i in range(9)]
    deals = [make_deal(f"d{i}") for i in range(7)]
    for n in range(60):
        make_claim(
            f"Claim {n}",
            claimant=rng.choice([None, *parties]),
            deal=rng.choice([None, *deals]),
            subjects=rng.sample(parties, rng.randint(0, 2)),
        )

    def expected(pairs, label):
        tally: dict = {}
        for item in pairs:
            if item is not None:
                tally[item] = tally.get(item, 0) + 1
        ranked = sorted(tally, key=lambda o: (-tally[o], label(o), o.pk))
        return [(o.slug, tally[o]) for o in ranked[:3]], max(0, len(tally) - 3)

    claims = list(filtered_claims(user=reader, filters=ClaimFilters()).prefetch_related("subjects"))
    by_param = {f.param: f for f in facets_for(reader).facets}
    for param, pairs, label in (
        ("claimant", [c.claimant for c in claims], lambda p: p.name),
        ("subject", [s for c in claims for s in c.subjects.all()], lambda p: p.name),
        ("deal", [c.deal for c in claims], lambda d: d.title),
    ):
        values, others = expected(pairs, label)
        facet = by_param[param]
        assert [(v.value, v.count) for v in facet.values] == values, param
        assert facet.others == others, param
