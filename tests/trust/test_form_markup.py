"""Every page with a form, empty and with errors: what screen readers are pointed at exists.

Each `aria-describedby` names ids of this same page; ids are unique; every
control a person fills has a label; no select offers Django's "---------".
"""

from __future__ import annotations

import lxml.html
import pytest

from .urlwalk import all_routes

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
CONTROLS = "//input[not(@type='hidden') and not(@type='submit') and not(@type='button')] | //select | //textarea"


def problems_of(html: str, where: str) -> list[str]:
    doc = (
        lxml.html.document_fromstring(html)
        if "<html" in html
        else lxml.html.fragment_fromstring(html, create_parent="div")
    )
    found = []
    ids = [e.get("id") for e in doc.xpath("//*[@id]")]
    # Duplicate ids on the reading pages are the reading pages' own checks' (HTML validation).
    # (The header's log-out form is on every page: forms in the content count.)
    if doc.xpath("//form[@method='post'][not(ancestor::header)]"):
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            found.append(f"{where}: id {duplicate!r} is used more than once")
    known = set(ids)
    for element in doc.xpath("//*[@aria-describedby]"):
        for ref in element.get("aria-describedby").split():
            if ref not in known:
                found.append(
                    f"{where}: <{element.tag} name={element.get('name')!r}> aria-describedby "
                    f"names {ref!r}, which is not on the page"
                )
    labelled_for = {label.get("for") for label in doc.xpath("//label[@for]")}
    for control in doc.xpath(CONTROLS):
        if control.get("tabindex") == "-1" and control.get("aria-hidden") == "true":
            continue
        named = (
            control.get("id") in labelled_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
            or control.xpath("ancestor::label")
        )
        if not named:
            found.append(f"{where}: <{control.tag} name={control.get('name')!r}> has no label")
    for option in doc.xpath("//option"):
        if (option.text or "").strip().startswith("-----"):
            found.append(f"{where}: an option reads {option.text!r}")
    return found


def _html(response) -> str:
    return (
        response.content.decode()
        if response.get("Content-Type", "").startswith("text/html")
        else ""
    )


def test_every_page_an_editor_can_open_points_only_at_ids_it_has(world, editor_client):
    found = []
    for route in all_routes():
        if route.access is None or (route.methods is not None and "GET" not in route.methods):
            continue
        url = route.url(world)
        for headers in ({}, HX):
            response = editor_client.get(url, headers=headers)
            html = _html(response)
            if response.status_code == 200 and "<" in html:
                found += problems_of(html, f"GET {url}{' (htmx)' if headers else ''}")
    assert not found, "\n".join(found)


def test_forms_with_errors_point_only_at_ids_they_have(world, editor_client, admin_client):
    source, passage, claim = world.source, world.passage, world.claim
    posts = [
        (
            editor_client,
            f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
            {
                "action": "new",
                "save": "draft",
                "claim-kind": "figure",
                "claim-compliance": "complied",
            },
        ),
        (
            editor_client,
            f"/sources/{source.pk}/passages/{passage.pk}/evidence/",
            {"action": "link", "link-claim": "", "link-relation": "x"},
        ),
        (editor_client, f"/sources/{source.pk}/passages/{passage.pk}/edit/", {"note": "x" * 3000}),
        (editor_client, f"/claims/{claim.pk}/edit/", {"statement": "", "version": claim.version}),
        (editor_client, f"/claims/{claim.pk}/verification/", {"status": "disputed", "note": ""}),
        (editor_client, "/sources/new/", {"action": "save", "url": "javascript:alert(1)"}),
        (editor_client, f"/sources/{source.pk}/revise/", {"text": "", "base_revision": 1}),
        (
            editor_client,
            f"/deals/{world.deal.slug}/clauses/{world.clause.reference}/assessments/new/",
            {"party": "", "level": "best", "rationale": ""},
        ),
    ]
    found = []
    for client, url, data in posts:
        for headers in ({}, HX):
            response = client.post(url, data, headers=headers)
            assert response.status_code in (400, 422), (url, response.status_code)
            found += problems_of(_html(response), f"POST {url}{' (htmx)' if headers else ''}")
    assert not found, "\n".join(found)


def test_the_checker_catches_a_dangling_description_and_a_dashed_option():
    html = (
        '<div><form method="post"><label for="a">A</label><input id="a" aria-describedby="a_helptext">'
        '<select id="b"><option>---------</option></select><i id="a"></i></form></div>'
    )
    found = problems_of(html, "sample")
    assert any("'a_helptext'" in f for f in found)
    assert any("<select name=None> has no label" in f for f in found)
    assert any("---------" in f for f in found)
    assert any("id 'a' is used more than once" in f for f in found)
