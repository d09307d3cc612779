"""Hostile text in every displayed field never runs, never breaks a page.

The world's every displayed field holds script tags, event-handler attributes,
`javascript:` links, template syntax, mixed-direction text, control characters
and a 12 000-character line; every reading page of the URL walk is fetched as an
editor (who sees the internal notes) and as a public visitor, full page and HTMX
partial, and checked for any of it having become markup.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from dealtracker.sources.models import Source

from .hostile import HOSTILE_URL, csv_problems, hostile_text, markup_problems
from .urlwalk import all_routes
from .world import build_world

NUL_PARAMS = {
    "q": "\x00",
    "page": "\x00",
    "as_of": "2025-01-01\x00",
    "kind": "\x00",
    "status": "\x00",
    "party": "\x00",
    "deal": "\x00",
}


@pytest.fixture
def hostile_world(db, editor):
    return build_world(text=hostile_text, url=HOSTILE_URL, by=editor)


def _reading_routes():
    return [r for r in all_routes() if r.access == "reader"]


ORIGINAL_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _check(response, url: str) -> list[str]:
    problems = []
    if response.status_code >= 500:
        return [f"{url}: {response.status_code}"]
    content_type = response.get("Content-Type", "")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8", errors="replace")
    if "html" in content_type or "xml" in content_type:
        problems += [f"{url}: {p}" for p in markup_problems(body)]
        if "html" in content_type and response.status_code == 200 and "<html" in body:
            if "</html>" not in body:
                problems.append(f"{url}: the page is cut short")
    elif "csv" in content_type:
        problems += [f"{url}: {p}" for p in csv_problems(body)]
    elif content_type == "image/png":
        # A chart drawn from its SVG (checked as XML above, at its .svg address).
        if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            problems.append(f"{url}: not a PNG")
    elif "x-bibtex" in content_type:
        problems += [f"{url}: {p}" for p in bibtex_problems(body)]
    elif "json" not in content_type and "javascript" not in content_type and body:
        # A source's original file is sent back as uploaded (its name is checked in
        # tests/desk/test_documents_in.py); no page text goes into it.
        if "text/plain" not in content_type and content_type not in ORIGINAL_TYPES:
            problems.append(f"{url}: unexpected content type {content_type!r}")
    return problems


def bibtex_problems(text: str) -> list[str]:
    """A citation's BibTeX: one entry, which parses, with every field's braces balanced
    (hostile text must not close a field and open another)."""
    from pybtex.database import parse_string

    try:
        entries = parse_string(text, "bibtex").entries
    except Exception as exc:  # pybtex raises its own scanner errors
        return [f"the BibTeX does not parse ({exc})"]
    if len(entries) != 1:
        return [f"{len(entries)} BibTeX entries, not one"]
    (entry,) = entries.values()
    return [
        f"BibTeX field {name} has unbalanced braces"
        for name, value in entry.fields.items()
        if value.count("{") != value.count("}")
    ]


def _walk(client: Client, world, headers: dict | None = None) -> list[str]:
    problems = []
    for route in _reading_routes():
        url = route.url(world)
        response = client.get(url, headers=headers or {})
        problems += _check(response, url)
    return problems


def test_hostile_text_never_becomes_markup_for_an_editor(hostile_world, editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    problems = _walk(client, hostile_world)
    problems += _walk(client, hostile_world, {"HX-Request": "true"})
    assert not problems, "\n".join(problems)


def test_hostile_text_never_becomes_markup_for_a_public_visitor(hostile_world, public_read):
    client = Client(raise_request_exception=False)
    problems = _walk(client, hostile_world)
    problems += _walk(client, hostile_world, {"HX-Request": "true"})
    assert not problems, "\n".join(problems)


def test_nul_and_garbage_in_query_parameters_never_cause_a_server_error(world, editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    failures = []
    for route in _reading_routes():
        url = route.url(world)
        for params in (NUL_PARAMS, {"q": "x" * 5000, "page": "99999999999999999999"}):
            response = client.get(url, params)
            if response.status_code >= 500:
                failures.append(f"{url} {sorted(params)}: {response.status_code}")
    assert not failures, "\n".join(failures)


FORM_FIELDS = [
    "statement",
    "attribution",
    "title",
    "text",
    "note",
    "url",
    "outlet",
    "author",
    "quote",
    "rationale",
    "name",
    "q",
    "start",
    "end",
    "relation",
    "status",
    "kind",
    "compliance",
    "level",
    "version",
    "expected_version",
    "made_on",
    "assessed_on",
    "published_on",
    "language",
    "passage",
    "claim",
    "party",
    "clause",
    # resolving a flagged passage: what the editor saw, the revision selected in, where from
    "seen",
    "revision",
    "unit",
    "next",
]


@pytest.mark.parametrize(
    "value",
    ["\x00", "<script>alert('xss')</script>\x00", "9" * 400],
    ids=["nul", "script-and-nul", "huge-number"],
)
def test_editing_endpoints_answer_hostile_form_data_without_a_server_error(world, editor, value):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    failures = []
    for route in all_routes():
        if route.access != "editor":
            continue
        url = route.url(world)
        data = {name: value for name in FORM_FIELDS}
        for headers in ({}, {"HX-Request": "true"}):
            with transaction.atomic():
                response = client.post(url, data, headers=headers)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append(f"POST {url} {headers}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_source_text_is_stored_without_nul_and_control_characters(db, editor):
    from dealtracker.sources.services import source_create

    source = source_create(
        text="The envoy\x00 said\x07 the \x1b[31mceasefire\x1b[0m holds.\u202e",
        title="Control\x00 characters",
        by=editor,
    )
    source.refresh_from_db()
    assert "\x00" not in source.text and "\x07" not in source.text and "\x1b" not in source.text
    assert "\x00" not in source.title
    assert source.revisions.get(number=1).text == source.text


def test_a_javascript_url_is_refused_by_the_source_url_validation(db):
    from django.core.exceptions import ValidationError

    source = Source(title="t", text="t", text_hash="x", url="javascript:alert(1)//")
    with pytest.raises(ValidationError) as caught:
        source.full_clean()
    assert "url" in caught.value.message_dict


def test_a_nul_character_anywhere_in_a_request_is_refused_with_400(world, editor_client):
    response = editor_client.get("/search/", {"q": "cease\x00fire"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    response = editor_client.post(f"/claims/{world.claim.pk}/edit/", {"statement": "x\x00"})
    assert response.status_code == 400
    assert editor_client.get("/healthz?x=%00").status_code == 400


def test_hostile_text_in_a_flagged_passage_never_becomes_markup(hostile_world, editor):
    """The review queue, the revision page's character changes and the review box of the
    passage panel, with the hostile world's passage changed by a revision."""
    from django.urls import reverse

    from dealtracker.sources.services import source_revise

    world = hostile_world
    source = world.source
    source_revise(
        source=source,
        new_text=source.text.replace("ceasefire holds.", f"ceasefire held {hostile_text('edit')}."),
        by=editor,
    )
    world.passage.refresh_from_db()
    assert world.passage.needs_review
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    urls = [
        reverse("desk:passage-review"),
        reverse("desk:source-revision", args=[source.pk, 2]),
        reverse("desk:passage-detail", args=[source.pk, world.passage.pk]),
        reverse("desk:source-detail", args=[source.pk]),
    ]
    problems = []
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            problems += _check(client.get(url, headers=headers), url)
    assert not problems, "\n".join(problems)
