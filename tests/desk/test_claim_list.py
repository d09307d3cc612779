"""The claims list: filters, notices for bad values, HTMX partials, keyset pages,
visibility and query bounds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from dealtracker.claims.listing import PAGE_SIZE
from dealtracker.claims.models import Claim
from tests.factories import build_lists_world, bulk_claims, make_claim

URL = "/claims/"


@pytest.fixture
def w(db):
    return build_lists_world()


def shown_ids(response) -> list[int]:
    """Claim ids in the list, in order."""
    return [int(x) for x in re.findall(r'<tr id="claim-(\d+)"', response.content.decode())]


def test_urls_are_the_designed_addresses():
    assert reverse("desk:claim-list") == "/claims/"
    assert reverse("desk:claim-csv") == "/claims.csv"


def test_reader_sees_every_claim_newest_first_with_undated_last(reader_client, w):
    response = reader_client.get(URL)
    assert response.status_code == 200
    assert shown_ids(response) == [
        w.draft.pk,
        w.figure.pk,
        w.offer.pk,
        w.refused.pk,
        w.complied.pk,
        w.aid.pk,
    ]
    body = response.content.decode()
    assert "draft</span>" in body
    assert "early February 2025" in body
    assert "undated" in body


def test_oldest_first_reverses_the_order(reader_client, w):
    response = reader_client.get(URL, {"sort": "oldest"})
    assert shown_ids(response) == [
        w.aid.pk,
        w.complied.pk,
        w.refused.pk,
        w.offer.pk,
        w.figure.pk,
        w.draft.pk,
    ]


def test_public_visitor_sees_published_claims_only(client, public_read, w):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert w.draft.pk not in shown_ids(response)
    assert "DRAFT" not in body and "SECRET" not in body
    assert len(shown_ids(response)) == 5


def test_anonymous_is_sent_to_login_when_site_is_not_public(client, w):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"deal": "gaza-ceasefire-2025"}, ["offer", "refused", "complied", "aid"]),
        ({"deal": "gaza-ceasefire-2025", "phase": "2"}, ["offer", "refused"]),
        ({"deal": "gaza-ceasefire-2025", "clause": "1.1"}, ["complied"]),
        ({"deal": "Gaza ceasefire and hostage deal"}, ["offer", "refused", "complied", "aid"]),
        ({"deal": "  gaza CEASEFIRE and  hostage deal "}, ["offer", "refused", "complied", "aid"]),
        ({"deal": "Gaza ceasefire and hostage deal", "phase": "2"}, ["offer", "refused"]),
        ({"claimant": "hamas"}, ["offer", "refused"]),
        ({"claimant": "HAMAS"}, ["offer", "refused"]),
        ({"subject": "Israel"}, ["offer", "refused", "complied", "aid"]),
        ({"subject": "israel"}, ["offer", "refused", "complied", "aid"]),
        ({"subject": "qatar"}, ["draft"]),
        ({"kind": "offer"}, ["offer"]),
        ({"kind": "compliance", "compliance": "not_complied"}, ["refused"]),
        ({"compliance": "complied"}, ["complied"]),
        ({"verification": "corroborated"}, ["offer"]),
        ({"made_from": "2025-03-02", "made_to": "2025-03-10"}, ["offer", "refused"]),
        ({"made_from": "2025-03-11"}, ["draft", "figure"]),
        ({"made_to": "2025-02-28"}, ["complied"]),
        ({"q": "withdraws"}, ["offer", "complied"]),
        ({"q": '"phase two"'}, ["refused"]),
        ({"q": "hostages or palestinians"}, ["figure", "offer", "refused"]),
        ({"q": "israel -hostages"}, ["refused", "complied"]),
        ({"subject": "israel", "kind": "compliance", "verification": "disputed"}, ["refused"]),
    ],
)
def test_each_filter_narrows_the_list(reader_client, w, params, expected):
    response = reader_client.get(URL, params)
    assert response.status_code == 200
    wanted = [getattr(w, name).pk for name in expected]
    assert shown_ids(response) == wanted
    assert "Some filters were ignored" not in response.content.decode()


def test_phase_filter_includes_claims_about_its_clauses(reader_client, w):
    # `refused` is about clause 2.1 of phase 2 without naming the phase itself.
    assert w.refused.phase_id is None
    response = reader_client.get(URL, {"deal": w.deal.slug, "phase": 2})
    assert w.refused.pk in shown_ids(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"claimant": "nobody"}, "No party is called “nobody”"),
        ({"subject": "<script>alert(1)</script>"}, "About"),
        ({"deal": "no-such-deal"}, "Deal: No deal has the title or slug “no-such-deal”"),
        ({"deal": "<script>alert(1)</script>"}, "Deal: No deal has the title or slug"),
        ({"kind": "rumour"}, "Kind"),
        ({"verification": "true"}, "Verification"),
        ({"made_from": "2025-02-30"}, "Made from"),
        ({"made_to": "yesterday"}, "Made until"),
        ({"phase": "2"}, "Phase"),
        ({"deal": "gaza-ceasefire-2025", "phase": "9"}, "Phase"),
        ({"deal": "gaza-ceasefire-2025", "phase": "-1"}, "Phase"),
        ({"deal": "gaza-ceasefire-2025", "clause": "9.9"}, "Clause"),
        ({"after": "garbage"}, "after"),
        ({"before": "2025-13-01.5"}, "before"),
        ({"made_from": "2025-03-10", "made_to": "2025-03-01"}, "ends before it starts"),
        ({"sort": "sideways"}, "Order"),
        ({"q": "x" * 1001}, "Text"),
    ],
)
def test_a_bad_filter_value_is_ignored_with_a_notice(reader_client, w, params, message):
    response = reader_client.get(URL, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters were ignored" in body
    assert message in body
    assert "<script>alert(1)</script>" not in body
    # The bad filter narrows nothing; the others still apply.
    if set(params) <= {
        "claimant",
        "subject",
        "deal",
        "kind",
        "verification",
        "after",
        "before",
        "sort",
        "q",
    }:
        assert len(shown_ids(response)) == 6


def test_a_bad_value_leaves_the_other_filters_applied(reader_client, w):
    response = reader_client.get(URL, {"claimant": "nobody", "kind": "offer"})
    assert shown_ids(response) == [w.offer.pk]
    assert "Some filters were ignored" in response.content.decode()


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        '" onerror=alert(1) "',
        "a & b | !c",
        "'); DROP TABLE x; --",
        "\x00nul",
        "((((",
        "-",
        "or",
    ],
)
def test_hostile_text_is_escaped_and_never_an_error(reader_client, w, q):
    response = reader_client.get(URL, {"q": q})
    # A NUL byte is refused site-wide with a 400; anything else is searched.
    assert response.status_code == (400 if "\x00" in q else 200)
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert 'onerror=alert(1) "' not in body


def test_statements_with_markup_are_shown_as_text(reader_client, w):
    make_claim(
        statement="<script>alert('x')</script><img src=x onerror=alert(2)>",
        made_on=dt.date(2026, 1, 1),
    )
    body = reader_client.get(URL).content.decode()
    assert "<script>alert('x')" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_htmx_request_gets_only_the_list_partial(reader_client, w):
    response = reader_client.get(URL, {"kind": "offer"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="claim-list"' in body
    assert shown_ids(response) == [w.offer.pk]
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(reader_client, w):
    response = reader_client.get(
        URL, {"kind": "offer"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_htmx_list_brings_the_chosen_deals_phases_and_clauses_out_of_band(reader_client, w):
    """The form is not swapped: the answer carries its deal-dependent controls too."""
    response = reader_client.get(
        URL, {"deal": w.deal.title, "phase": "2"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "<form" not in body
    assert shown_ids(response) == [w.offer.pk, w.refused.pk]
    region = re.search(r'<div id="deal-scope"[^>]*>(.*?)</div>', body, re.S)
    assert region and 'data-hx-swap-oob="outerHTML"' in region.group(0)
    assert '<option value="2" selected>2. Second phase</option>' in region.group(1)
    assert '<option value="2.1"' in region.group(1)
    # No deal: the hint instead, and no phase or clause of any deal.
    body = reader_client.get(URL, headers={"HX-Request": "true"}).content.decode()
    region = re.search(r'<div id="deal-scope"[^>]*>(.*?)</div>', body, re.S)
    assert region and "Choose a deal to filter by one of its phases or clauses" in region.group(1)
    assert 'name="phase"' not in body and 'name="clause"' not in body
    # The full page has the region once, in the form, not out of band.
    body = reader_client.get(URL, {"deal": w.deal.slug}).content.decode()
    assert body.count('id="deal-scope"') == 1 and "hx-swap-oob" not in body


def test_full_page_form_works_without_javascript_and_pushes_urls(reader_client, w):
    body = reader_client.get(URL, {"deal": w.deal.slug}).content.decode()
    assert '<form class="filter-bar" method="get" action="/claims/"' in body
    assert 'hx-push-url="true"' in body
    assert 'hx-target="#claim-list"' in body
    # Every control is labelled.
    for name in [
        "q",
        "deal",
        "claimant",
        "subject",
        "kind",
        "compliance",
        "verification",
        "made_from",
        "made_to",
        "sort",
        "phase",
        "clause",
    ]:
        assert f'for="id_{name}"' in body, name
    # The deal is typed (a labelled text field, showing what was asked for), and the
    # phases and clauses of the chosen deal are offered.
    assert '<input type="text" name="deal" id="id_deal" value="gaza-ceasefire-2025"' in body
    assert '<option value="2.1"' in body
    assert "Second phase" in body
    # Without a deal: neither phases nor clauses, and a hint saying how to get them.
    body = reader_client.get(URL).content.decode()
    assert 'name="phase"' not in body and 'name="clause"' not in body
    assert "Choose a deal to filter by one of its phases or clauses" in body


def test_csv_link_carries_the_filters(reader_client, w):
    body = reader_client.get(URL, {"kind": "offer", "subject": "israel"}).content.decode()
    assert re.search(r'href="/claims\.csv\?kind=offer&amp;subject=israel"', body)


def next_link(response, rel: str = "next") -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def test_pages_follow_on_without_overlap_and_back(reader_client, w):
    bulk_claims(120, subjects=[w.israel])
    first = reader_client.get(URL, {"subject": "israel"})
    assert "more than" not in first.content.decode() and "124 claims" in first.content.decode()
    assert next_link(first, "prev") is None
    pages = [shown_ids(first)]
    response = first
    while (link := next_link(response)) is not None:
        response = reader_client.get(URL + link)
        pages.append(shown_ids(response))
    assert [len(p) for p in pages] == [PAGE_SIZE] * 4 + [124 - 4 * PAGE_SIZE]
    seen = [pk for page in pages for pk in page]
    # Everything, in the list's order (undated last), exactly once.
    expected = list(
        Claim.objects.filter(subjects=w.israel, made_on__isnull=False)
        .order_by("-made_on", "-id")
        .values_list("id", flat=True)
    ) + list(
        Claim.objects.filter(subjects=w.israel, made_on__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert seen == expected
    # Back from page 2 gives page 1 again.
    second = reader_client.get(URL + next_link(first))
    assert shown_ids(reader_client.get(URL + next_link(second, "prev"))) == pages[0]


def test_paging_oldest_first_also_follows_on(reader_client, w):
    bulk_claims(60)
    first = reader_client.get(URL, {"sort": "oldest"})
    seen = shown_ids(first)
    response = first
    while (link := next_link(response)) is not None:
        assert "sort=oldest" in link
        response = reader_client.get(URL + link)
        seen += shown_ids(response)
    assert len(seen) == len(set(seen)) == 66
    days = [Claim.objects.get(pk=pk).made_on for pk in seen]
    assert days[0] is None and days[-1] is not None  # undated claims count as the oldest
    dated = [d for d in days if d is not None]
    assert dated == sorted(dated)


def test_count_is_capped_instead_of_counting_everything(reader_client, w, monkeypatch):
    from dealtracker.claims import facets

    monkeypatch.setattr(facets, "FACET_SCAN", 10)
    bulk_claims(30)
    body = reader_client.get(URL).content.decode()
    assert "more than 10 claims" in body
    assert "these counts are of the newest 10" in body


def test_query_count_is_bounded_with_many_rows(reader_client, w, django_assert_max_num_queries):
    bulk_claims(300, deal=w.deal, subjects=[w.israel, w.hamas], passages=[w.p_refuse, w.p_aid])
    # + 2: checking that PostgreSQL accepts the text is one query in production and
    # three inside the test's transaction (SAVEPOINT, SELECT, RELEASE).
    with django_assert_max_num_queries(14 + 2):
        response = reader_client.get(
            URL, {"deal": w.deal.slug, "subject": "israel", "q": "ceasefire"}
        )
    assert len(shown_ids(response)) == PAGE_SIZE
    with django_assert_max_num_queries(16):
        response = reader_client.get(URL, headers={"HX-Request": "true"})
    assert len(shown_ids(response)) == PAGE_SIZE


def test_the_list_uses_the_keyset_index(w, reader):
    """The page query is an index scan on the sort key, never a sort of the whole table."""
    from django.db import connection

    from dealtracker.claims.listing import ClaimFilters, filtered_claims

    bulk_claims(50)
    with connection.cursor() as cursor:
        # A sort of a few test rows costs less than the index: sorts off, so the plan
        # shows whether the index can give the order (a Sort remains when it cannot).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = (
            filtered_claims(user=reader, filters=ClaimFilters())
            .values("id")[:51]
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "claim_list_order_idx" in plan, plan
    assert "Sort" not in plan.split("Index")[0], plan


def test_the_list_uses_the_keyset_index_on_a_generic_plan_too(w, reader):
    """Once prepared (dealtracker/db/prepared.py) the page query may run on a generic
    plan, made without its values: the sort key must hold no parameter, or the plan
    cannot match the index and sorts every claim."""
    from django.db import connection

    from dealtracker.claims.listing import ClaimFilters, filtered_claims

    bulk_claims(50)
    sql, params = (
        filtered_claims(user=reader, filters=ClaimFilters())
        .values("id")[:51]
        .query.sql_with_params()
    )
    numbered = sql
    for number in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${number}", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE list_page AS {numbered}")
        arguments = ", ".join(["%s"] * len(params))
        cursor.execute(
            f"EXPLAIN EXECUTE list_page({arguments})" if params else "EXPLAIN EXECUTE list_page",
            params or None,
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE list_page")
    assert "claim_list_order_idx" in plan, plan
    assert "Sort" not in plan.split("Index")[0], plan


def test_post_is_not_allowed(reader_client, w):
    assert reader_client.post(URL).status_code == 405


def test_text_filter_is_counted_like_the_others(reader_client, w):
    """The facets count the newest matches, text filter or not (their scan is bounded)."""
    bulk_claims(PAGE_SIZE + 5, statement="Ceasefire breach number {i}")
    body = reader_client.get(URL, {"q": "breach"}).content.decode()
    assert f"{PAGE_SIZE + 5} claims" in body
    body = reader_client.get(URL, {"q": "withdraws"}).content.decode()
    assert "2 claims" in body


def test_deal_titles_in_the_filter_are_escaped(reader_client, w):
    from dealtracker.deals.models import Deal

    Deal.objects.create(title='<script>alert(1)</script>"x', slug="hostile-deal")
    body = reader_client.get(URL, {"deal": "hostile-deal"}).content.decode()
    assert (
        '<span class="what">Deal:</span> <bdi>&lt;script&gt;alert(1)&lt;/script&gt;&quot;x' in body
    )
    assert "<script>alert(1)" not in body
    # Found by its (hostile) title as well, and shown escaped in the field.
    body = reader_client.get(URL, {"deal": '<script>alert(1)</script>"x'}).content.decode()
    assert "Some filters were ignored" not in body
    assert 'id="id_deal" value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;x"' in body
    assert "<script>alert(1)" not in body


@pytest.mark.parametrize(
    ("text", "in_field"),
    [
        ('"><script>alert(1)</script>', 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'),
        ("<img src=x onerror=alert(1)>", 'value="&lt;img src=x onerror=alert(1)&gt;"'),
        ("' onfocus='alert(1)", 'value="&#x27; onfocus=&#x27;alert(1)"'),
    ],
)
def test_hostile_text_in_the_deal_field_is_shown_escaped(reader_client, w, text, in_field):
    response = reader_client.get(URL, {"deal": text})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_deal" {in_field}' in body
    assert "Some filters were ignored" in body and "Deal: No deal has the title or slug" in body
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "onfocus='alert" not in body
    assert len(shown_ids(response)) == 6
    # The list alone (HTMX) says the same, escaped.
    response = reader_client.get(URL, {"deal": text}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Deal: No deal has the title or slug" in body
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "onfocus='alert" not in body


def test_a_title_several_deals_share_asks_for_the_slug(reader_client, w):
    from dealtracker.deals.models import Deal

    Deal.objects.create(title="Gaza ceasefire and hostage deal", slug="gaza-ceasefire-copy")
    response = reader_client.get(URL, {"deal": "gaza ceasefire and hostage deal"})
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "More than one deal is titled “gaza ceasefire and hostage deal”; type the slug of the"
        " one you mean: gaza-ceasefire-2025, gaza-ceasefire-copy." in body
    )
    assert len(shown_ids(response)) == 6  # ignored, as any bad filter value
    # The slug says which.
    response = reader_client.get(URL, {"deal": "gaza-ceasefire-copy"})
    assert shown_ids(response) == [] and "Some filters were ignored" not in (
        response.content.decode()
    )


def test_a_deal_named_by_part_of_its_title_is_suggested_not_guessed(reader_client, w):
    body = reader_client.get(URL, {"deal": "ceasefire"}).content.decode()
    assert (
        "No deal has the title or slug “ceasefire”. Deals whose title or slug contains it:"
        " Gaza ceasefire and hostage deal (gaza-ceasefire-2025). Type one&#x27;s whole title"
        " or its slug." in body
    )
    body = reader_client.get(URL, {"deal": "armistice"}).content.decode()
    assert "No deal has the title or slug “armistice”. Type a deal&#x27;s whole title" in body


def test_the_page_does_not_grow_with_the_deals_the_archive_holds(reader_client, w):
    from dealtracker.deals.models import Deal

    def size() -> int:
        return len(reader_client.get(URL, {"deal": w.deal.slug}).content)

    before = size()
    Deal.objects.bulk_create(
        [Deal(title=f"Truce number {i:03d}", slug=f"truce-{i:03d}") for i in range(300)]
    )
    body = reader_client.get(URL, {"deal": w.deal.slug}).content.decode()
    assert "Truce number" not in body and "truce-150" not in body
    assert "<datalist" not in body
    # The deal's facet names at most a handful of deals; nothing else lists them.
    assert abs(len(body.encode()) - before) < 200
    # Without a deal chosen, no phase or clause of the archive either.
    body = reader_client.get(URL).content.decode()
    assert "Truce number" not in body and body.count("<option") < 40


def test_query_count_is_bounded_with_the_deal_typed_by_title(
    reader_client, w, django_assert_max_num_queries
):
    from dealtracker.deals.models import Deal

    Deal.objects.bulk_create(
        [Deal(title=f"Truce number {i:03d}", slug=f"truce-{i:03d}") for i in range(300)]
    )
    bulk_claims(300, deal=w.deal, subjects=[w.israel, w.hamas], passages=[w.p_refuse, w.p_aid])
    params = {"deal": w.deal.title, "phase": "2", "kind": "compliance"}
    # A title costs one query more than a slug (looked up first); no list of deals is read.
    with django_assert_max_num_queries(15):
        response = reader_client.get(URL, params)
    assert "Some filters were ignored" not in response.content.decode()
    with django_assert_max_num_queries(15):
        response = reader_client.get(URL, params, headers={"HX-Request": "true"})
    assert 'id="deal-scope"' in response.content.decode()
