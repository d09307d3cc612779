"""No input breaks a page: whatever a visitor types into a search or filter, the
answer is a page (with a notice when the value was refused), never a 5xx, and
never a body cut short — a CSV parses to the end with every row whole, JSON and
Atom parse.

The parameters are not listed here: they are read off the pages themselves.
Every GET page of the URL walk is fetched, and each GET form on it (its
inputs, selects, textareas) and each link or htmx GET on it (its query keys)
names parameters of the address it points at; then each address is fetched
again with all its parameters set (to a value a form offers, else one a link
carries: the claims list's deal is typed, but its facets link to deals), so that
links which carry the current filters along (the claims list's CSV link) name
theirs too. A filter added to a form tomorrow is fuzzed without anyone editing
this file.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from contextlib import contextmanager
from html.parser import HTMLParser
from types import ModuleType
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealtracker.interchange.exports import CSV_COLUMNS

from .urlwalk import all_routes

HTMX = {"HX-Request": "true"}
# Each of these goes into every parameter of every address (test below).
HOSTILE = [
    "-" * 33,
    "-!" * 40,
    '"unclosed phrase -',
    "\\" * 64,
    "or " * 70,
    "!(&|):*<->" * 20,
    "\x01\x07\x08\x0b\x1b[31m\x7f control",
    "\u202eevil\u202c \u2066isolate\u2069 \u200f\u200e\u202a\u202b\u202d إسرائيل",
    "x" * 10_000,
    "9" * 40,
    "2025-02-30",
    "<script>alert(1)</script>' OR 1=1 -- {{ x }} %s",
]
# These only in the random test's draws, with everything it makes up.
MORE_HOSTILE = [
    "-" * 200,
    "- " * 60 + "ceasefire",
    '"' * 41,
    "\\'\\\"\\\\",
    "<->" * 40,
    "😀" * 300,
    "ceasefire " * 1_100,
    "-1",
    "0",
    "9999-12-31",
    "../../etc/passwd",
    " ",
]
FUZZ_EXAMPLES = 120
OWN_SITE = "http://testserver/"
# Parameters no link carries: the ones oEmbed consumers add (the oEmbed spec's).
UNLINKED_PARAMETERS = {"/oembed/": {"maxwidth", "maxheight"}}
PUNCTUATION = "-!\"'\\&|()<>:*@#%^~`[]{};,./?=+ "


class _Links(HTMLParser):
    """The GET forms of a page (their fields) and its links' query keys, by target path."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.params: dict[str, set[str]] = defaultdict(set)
        self.samples: dict[str, str] = {}  # a value the page itself offers, by parameter
        # A value the page's links carry, by parameter: for a field typed, not chosen (the
        # claims list's deal), the facets' and chips' links are where a value is offered.
        self.link_samples: dict[str, str] = {}
        self._form: str | None = None
        self._select: str | None = None

    def _path(self, url: str) -> str:
        return urlsplit(urljoin(self.page_url, url)).path

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = self._path(attrs.get("action") or "") if method == "get" else None
        elif tag in ("input", "select", "textarea") and self._form is not None:
            name = attrs.get("name")
            if name and (attrs.get("type") or "") not in ("submit", "button", "reset"):
                self.params[self._form].add(name)
                self._select = name if tag == "select" else None
                if attrs.get("value"):
                    self.samples.setdefault(name, attrs["value"])
        elif tag == "option" and self._select and attrs.get("value"):
            self.samples.setdefault(self._select, attrs["value"])
        for key in ("href", "data-hx-get"):
            value = attrs.get(key)
            # Absolute links to this site count too (oEmbed discovery links are absolute).
            if value and value.startswith(OWN_SITE):
                value = value.removeprefix(OWN_SITE[:-1])
            if value and "?" in value and not value.startswith(("http:", "https:", "mailto:")):
                target = urljoin(self.page_url, value)
                pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
                self.params[urlsplit(target).path].update(k for k, _ in pairs)
                for k, v in pairs:
                    if v:
                        self.link_samples.setdefault(k, v)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _read_page(client: Client, url: str) -> _Links:
    parser = _Links(url)
    response = client.get(url)
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or response.streaming:
        return parser
    if "html" in content_type:
        parser.feed(response.content.decode())
    elif "json" in content_type:
        # Exports link their own pages (an AnnotationCollection's "first", "last").
        for link in _json_links(json.loads(response.content)):
            parser.handle_starttag("a", [("href", link)])
    return parser


def _json_links(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_links(item)
    elif isinstance(value, str) and value.startswith(("http://testserver/", "/")) and "?" in value:
        yield value.removeprefix("http://testserver")


@contextmanager
def _one_row_pages():
    """Every list a page of one row, so that the world's few rows show the paging links
    (and the parameters they use) of every list. Views read their *_PER_PAGE when
    they run; the claims list's page size is claim_page's default."""
    from dealtracker.claims import listing
    from dealtracker.desk import views

    saved = []
    for module in vars(views).values():
        if isinstance(module, ModuleType):
            for name, value in vars(module).items():
                if name.endswith("_PER_PAGE") and isinstance(value, int):
                    saved.append((module, name, value))
                    setattr(module, name, 1)
    size = listing.claim_page.__kwdefaults__["size"]
    listing.claim_page.__kwdefaults__["size"] = 1
    try:
        yield
    finally:
        listing.claim_page.__kwdefaults__["size"] = size
        for module, name, value in saved:
            setattr(module, name, value)


def _is_walked(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "access", None) in ("reader", "editor")


def fuzz_targets(client: Client, world) -> dict[str, list[str]]:
    """{address: its parameters}, read off every GET page of the walk (see the module doc)."""
    with _one_row_pages():
        return _fuzz_targets(client, world)


def _fuzz_targets(client: Client, world) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    samples: dict[str, str] = {}
    link_samples: dict[str, str] = {}
    for route in all_routes():
        if route.access not in ("reader", "editor"):
            continue
        if route.methods is not None and "GET" not in route.methods:
            continue
        page = _read_page(client, route.url(world))
        samples.update(page.samples)
        link_samples.update(page.link_samples)
        for path, names in page.params.items():
            found[path] |= names
    # A value a form offers first; else one a link carries.
    samples = {**link_samples, **samples}
    # Again with every parameter set to a value the page offers: fields that depend on
    # another (a deal's phases) appear, and so do links that carry the filters along
    # (the claims list's CSV link) — such a target takes all of the page's parameters.
    for path, names in list(found.items()):
        if not (_is_walked(path) and names):
            continue
        query = urlencode({name: samples.get(name, "1") for name in sorted(names)})
        page = _read_page(client, f"{path}?{query}")
        for target, more in page.params.items():
            found[target] |= more
            if target != path and len(more & names) * 2 >= len(names):
                found[target] |= found[path]
    for path, names in UNLINKED_PARAMETERS.items():
        found[path] |= names
    return {path: sorted(names) for path, names in found.items() if names and _is_walked(path)}


def body_problems(response, url: str) -> list[str]:
    """What is wrong with an answer: a 5xx, or a body that is not whole."""
    status = response.status_code
    if status >= 500:
        return [f"{url}: answered {status}"]
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"{url}: the body is not UTF-8 ({exc})"]
    if "text/csv" in content_type:
        return [f"{url}: {p}" for p in csv_problems(text)]
    if "json" in content_type:
        try:
            json.loads(text)
        except ValueError as exc:
            return [f"{url}: the JSON does not parse ({exc})"]
    elif "xml" in content_type:
        try:
            ElementTree.fromstring(raw)
        except ElementTree.ParseError as exc:
            return [f"{url}: the feed does not parse ({exc})"]
    elif 300 <= status < 400:
        return []  # a redirect (to the login page, for an editor's page)
    elif "text/html" in content_type:
        whole_page = text.lstrip()[:15].lower() == "<!doctype html>"
        if whole_page and not text.rstrip().endswith("</html>"):
            return [f"{url}: {status} page cut short: …{text[-80:]!r}"]
        if not text.strip():
            return [f"{url}: {status} with an empty page"]
    elif status >= 400 and not text.strip():
        return [f"{url}: {status} with an empty body"]
    return []


def csv_problems(text: str) -> list[str]:
    header = [name for name, _ in CSV_COLUMNS]
    if not text.endswith("\r\n"):
        return ["the CSV does not end with a whole row"]
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not rows or rows[0] != header:
        return ["the CSV has no header row"]
    short = [i for i, row in enumerate(rows[1:], 2) if len(row) != len(header)]
    return [f"CSV rows {short[:5]} are not whole"] if short else []


@pytest.fixture
def clients(world, editor, public_read):
    editor_client = Client(raise_request_exception=False)
    editor_client.force_login(editor)
    return {"anonymous": Client(raise_request_exception=False), "editor": editor_client}


@pytest.fixture
def targets(world, clients):
    found = fuzz_targets(clients["editor"], world)
    # The derivation must have found the lists, the search and the export.
    for path in ("/claims/", "/claims.csv", "/search/", "/sources/", "/deals/", "/parties/"):
        assert path in found, f"no parameters found for {path}: {sorted(found)}"
    # oEmbed's, from the discovery links of the deal and clause pages.
    assert {"url", "format", "maxwidth", "maxheight"} <= set(found.get("/oembed/", ())), found
    from dealtracker.desk.forms.lists import ClaimFilterForm

    # Every filter of the claims form (the page positions show only on a list longer
    # than a page), and the CSV takes the list's.
    filters = set(ClaimFilterForm.base_fields) - {"after", "before"}
    assert filters <= set(found["/claims/"]) <= set(found["/claims.csv"]), found
    return found


def _get(client: Client, path: str, params: dict[str, str], partial: bool):
    return client.get(path, params, headers=HTMX if partial else {})


def _roles(path: str) -> list[str]:
    """Who can open the address: an editor's page is fuzzed as the editor only."""
    return (
        ["anonymous", "editor"]
        if getattr(resolve(path).func, "access", "") == "reader"
        else ["editor"]
    )


def test_no_value_in_any_parameter_breaks_an_answer(clients, targets):
    """First each hostile string in every parameter of every address at once; then
    hypothesis: random addresses, random parameters, random and hostile values,
    either role, full page or HTMX fragment."""
    problems = []
    requests = 0
    for path, names in sorted(targets.items()):
        roles = _roles(path)
        for value in HOSTILE:
            role = roles[requests % len(roles)]
            response = _get(clients[role], path, dict.fromkeys(names, value), partial=False)
            requests += 1
            problems += body_problems(response, f"{path} as {role} with {value[:40]!r}…")
    assert not problems, f"{len(problems)} of {requests} answers broken:\n" + "\n".join(problems)

    @given(data=st.data())
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def fuzz(data):
        path = data.draw(st.sampled_from(sorted(targets)), label="address")
        names = data.draw(
            st.lists(st.sampled_from(targets[path]), min_size=1, max_size=4, unique=True),
            label="parameters",
        )
        params = {name: data.draw(_values(), label=name) for name in names}
        role = data.draw(st.sampled_from(_roles(path)), label="role")
        partial = data.draw(st.booleans(), label="htmx")
        response = _get(clients[role], path, params, partial)
        found = body_problems(response, f"{path} as {role}")
        assert not found, found

    fuzz()


def test_a_search_of_hyphens_is_a_notice_not_an_error(clients):
    """PostgreSQL 15's websearch_to_tsquery raises for 33 or more '-' in a row."""
    hyphens = "-" * 40
    for path in ("/claims/", "/search/", "/sources/"):
        for role, client in clients.items():
            response = client.get(path, {"q": hyphens})
            assert response.status_code == 200, (path, role)
            assert "cannot be searched" in response.content.decode(), (path, role)
    csv_answer = clients["anonymous"].get("/claims.csv", {"q": hyphens})
    assert csv_answer.status_code == 400
    assert not csv_answer.streaming
    assert "cannot be searched" in csv_answer.content.decode()


def _values():
    runs = st.tuples(st.sampled_from(PUNCTUATION), st.integers(1, 400)).map(lambda t: t[0] * t[1])
    return st.one_of(
        st.sampled_from(HOSTILE + MORE_HOSTILE),
        st.text(max_size=80),
        st.text(alphabet=PUNCTUATION + "ab", max_size=300),
        runs,
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Po", "Sm"]), max_size=120),
    )


def test_a_csv_whose_query_fails_is_an_error_page_not_a_file(clients, monkeypatch):
    from dealtracker.interchange import exports

    def broken(claims):
        raise exports.Claim.DoesNotExist("the rows could not be read")

    monkeypatch.setattr(exports, "csv_claims", broken)
    response = clients["editor"].get("/claims.csv")
    assert response.status_code == 500
    assert not response.streaming  # nothing of a file was sent


def test_a_csv_that_fails_midway_is_cut_off_not_ended_cleanly(clients, monkeypatch):
    """After the first row the status is sent; a later failure must reach the server,
    which then drops the connection, so the download is reported as failed."""
    from dealtracker.interchange import exports

    rows = 0
    real_row = exports.csv_row

    def second_row_fails(claim):
        nonlocal rows
        rows += 1
        if rows == 2:
            raise RuntimeError("the database went away")
        return real_row(claim)

    monkeypatch.setattr(exports, "csv_row", second_row_fails)
    response = clients["editor"].get("/claims.csv")  # the editor sees two claims
    assert response.status_code == 200 and response.streaming
    with pytest.raises(RuntimeError):
        b"".join(response.streaming_content)
