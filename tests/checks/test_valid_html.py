"""Every page is valid HTML for every role: the Nu HTML checker (vnu) finds no error.

Each page of the URL walk (tests/checks/pages.py) is fetched as an anonymous
visitor in public-read mode, a reader and an editor (and the admin-only pages as
an admin), as a full page and, where the view answers HTMX with a fragment, as
that fragment too (checked inside a minimal document). The states an HTMX swap
produces in the page (open matrix cell, passage panel, claim editor) are checked
in the browser by test_accessibility.py, with this same checker.

A failure names the page, the role and the checker's message with the line.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from .pages import demo_world, pages

HTMX = {"HX-Request": "true"}
SHELL = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HTMX fragment</title>'
    "</head><body>{}</body></html>"
)


# A fragment is checked where htmx puts it: its leading list items in a list (the rest,
# out-of-band swaps, after it).
LEADING_ITEMS = re.compile(r"\A\s*((?:<li\b.*?</li>\s*)+)(.*)\Z", re.S)


def shell(fragment: str) -> str:
    items = LEADING_ITEMS.match(fragment)
    if items:
        fragment = f"<ul>{items.group(1)}</ul>{items.group(2)}"
    return SHELL.format(fragment)


def is_document(body: str) -> bool:
    return body.lstrip()[:15].lower() == "<!doctype html>"


def _client(role: str, users: dict) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ["anonymous", "reader", "editor", "admin"])
def test_every_page_is_valid_html(
    html_checker, demo, reader, editor, admin_user, public_read, role
):
    world = demo_world(by=editor)
    client = _client(role, {"reader": reader, "editor": editor, "admin": admin_user})
    failures: list[str] = []
    checked = 0
    for page in pages(world):
        if role not in page.roles:
            continue
        variants = [False, True] if page.method == "GET" and page.status == 200 else [False]
        for partial in variants:
            label = page.label(role) + (" (HTMX fragment)" if partial else "")
            response = client.generic(page.method, page.url, headers=HTMX if partial else {})
            if response.status_code != page.status:
                failures.append(f"{label}: answered {response.status_code}, not {page.status}")
                continue
            content_type = response.get("Content-Type", "")
            if not content_type.startswith("text/html"):
                failures.append(f"{label}: {content_type!r} is not an HTML page")
                continue
            body = response.content.decode()
            if partial and is_document(body):
                continue  # the view answers HTMX with the whole page: checked already
            fragment = partial or page.fragment
            if not fragment and not is_document(body):
                failures.append(f"{label}: no <!doctype html>, not a whole page")
                continue
            checked += 1
            for problem in html_checker.errors(shell(body) if fragment else body):
                failures.append(f"{label}: {problem}")
    assert checked, f"no page checked as {role}"
    assert not failures, (
        f"{len(failures)} HTML errors in {checked} documents as {role}:\n" + "\n".join(failures)
    )
