"""Every URL of the site, from the URL configuration, with sample arguments.

A new view cannot escape the walk: patterns are listed from the resolver, each
route argument is filled from the world by the collection it follows
(`deals/<slug>` is a deal, `parties/<slug>` a party, `sources/<pk>` a source) or
by its own name (`passage_pk`, `other_slug`), and an argument neither knows
makes the walk fail with a message saying where to add it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# Patterns the walk does not hold to the access markers, each with the reason.
ALLOW_UNMARKED = {
    # Load balancers call it without logging in; it reveals only "ok"/"error".
    "healthz": "public liveness check",
    # Browsers fetch it before anyone logs in; it is the site's icon, a static file.
    "favicon": "site icon",
    # The login and logout pages must be reachable by anyone.
    "login": "authentication",
    "logout": "authentication",
}
# Reading views that answer GET with a redirect to a page (which checks access itself),
# not with a page: the permalinks, built from ids so that they survive renaming.
REDIRECTS = {"deal-permalink", "clause-permalink"}

# Views that answer only when given a parameter: the query the walk sends them, from the world.
SAMPLE_QUERIES: dict[str, Callable] = {
    # oEmbed is asked about a page of this site: the deal's.
    "oembed": lambda world: f"?url=http://testserver/deals/{world.deal.slug}/&format=json",
}

# Namespaces walked separately (the Django admin guards itself: staff only).
SEPARATE_NAMESPACES = {"admin"}

_ARG = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")

# collection word before the argument -> attribute path on the World
BY_COLLECTION: dict[tuple[str, str], str] = {
    ("deals", "slug"): "deal.slug",
    ("compare", "other_slug"): "other_deal.slug",
    ("compare", "slug"): "other_deal.slug",
    ("phases", "order"): "phase.order",
    ("clauses", "ref"): "clause.reference",
    ("parties", "slug"): "party.slug",
    ("parties", "pk"): "party.pk",
    ("sources", "pk"): "source.pk",
    ("revisions", "number"): "revision.number",
    ("revisions", "pk"): "revision.pk",
    ("claims", "pk"): "claim.pk",
    ("phases", "pk"): "phase.pk",
    ("clauses", "pk"): "clause.pk",
    ("passages", "pk"): "passage.pk",
    ("passages", "passage_pk"): "passage.pk",
    ("evidence", "pk"): "evidence.pk",
    ("evidence", "evidence_pk"): "evidence.pk",
    ("assessments", "pk"): "assessment.pk",
    ("assessments", "assessment_pk"): "assessment.pk",
    ("suggestions", "suggestion_pk"): "suggestion.pk",
    ("jobs", "pk"): "job.pk",
    # Permalinks: /d/<id>/ a deal, /c/<id>/ a clause.
    ("d", "pk"): "deal.pk",
    ("c", "pk"): "clause.pk",
}
# argument name alone -> attribute path (names that mean one thing wherever they appear)
BY_NAME: dict[str, str] = {
    "other_slug": "other_deal.slug",
    "deal_slug": "deal.slug",
    "party_slug": "party.slug",
    "order": "phase.order",
    "ref": "clause.reference",
    "number": "revision.number",
    "passage_pk": "passage.pk",
    "source_pk": "source.pk",
    "claim_pk": "claim.pk",
    "evidence_pk": "evidence.pk",
    "assessment_pk": "assessment.pk",
    "revision_pk": "revision.pk",
    "suggestion_pk": "suggestion.pk",
    "phase_order": "phase.order",
    "clause_ref": "clause.reference",
}


@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "deals/<slug:slug>/clauses/<ref:ref>/"
    name: str  # "desk:clause-detail" (or the route when unnamed)
    callback: Callable

    @property
    def access(self) -> str | None:
        return getattr(self.callback, "access", None)

    @property
    def permissions(self) -> tuple[str, ...]:
        return tuple(getattr(self.callback, "permissions", ()))

    @property
    def methods(self) -> set[str] | None:
        """The methods its require_http_methods decorator accepts (None: not restricted)."""
        return allowed_methods(self.callback)

    def url(self, world) -> str:
        query = SAMPLE_QUERIES.get(self.name.split(":")[-1])
        return "/" + fill_route(self.route, world) + (query(world) if query else "")


def allowed_methods(view) -> set[str] | None:
    """Read the method list out of django's require_http_methods closure, at any depth."""
    seen = set()
    current = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "__code__", None)
        closure = getattr(current, "__closure__", None)
        if code is not None and closure:
            for var, cell in zip(code.co_freevars, closure, strict=False):
                if var == "request_method_list":
                    methods = {m.upper() for m in cell.cell_contents}
                    if "GET" in methods:
                        methods.add("HEAD")
                    return methods
        current = getattr(current, "__wrapped__", None)
    return None


def _route_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return str(pattern._regex).lstrip("^").rstrip("$").replace("\\Z", "")
    return str(pattern)


def all_routes(resolver=None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern of the site outside the separately walked namespaces."""
    resolver = resolver or get_resolver()
    routes: list[Route] = []
    for entry in resolver.url_patterns:
        text = prefix + _route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SEPARATE_NAMESPACES:
                continue
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            routes.extend(all_routes(entry, text, full_ns))
        elif isinstance(entry, URLPattern):
            name = entry.name or text
            if entry.name and namespace:
                name = f"{namespace}:{entry.name}"
            routes.append(Route(route=text, name=name, callback=entry.callback))
    return routes


def _resolve_attr(world, path: str):
    value = world
    for part in path.split("."):
        value = getattr(value, part)
    return value


def fill_route(route: str, world) -> str:
    """The route with each <conv:name> replaced by a value from the world."""
    if "(?P<" in route:
        raise AssertionError(
            f"regex route {route!r}: add a sample for it in tests/trust/urlwalk.py"
        )
    out = []
    pos = 0
    for match in _ARG.finditer(route):
        name = match.group("name")
        before = route[pos : match.start()].strip("/").split("/")
        collection = before[-1] if before and before[-1] else (out_last_word(out))
        key = (collection, name)
        if key in BY_COLLECTION:
            path = BY_COLLECTION[key]
        elif name in BY_NAME:
            path = BY_NAME[name]
        else:
            raise AssertionError(
                f"URL {route!r}: no sample value for argument {name!r} after {collection!r}. "
                "Add it to BY_COLLECTION or BY_NAME in tests/trust/urlwalk.py "
                "(and an object to tests/trust/world.py if it names a new kind of thing)."
            )
        out.append(route[pos : match.start()])
        out.append(str(_resolve_attr(world, path)))
        pos = match.end()
    out.append(route[pos:])
    return "".join(out)


def out_last_word(parts: list[str]) -> str:
    joined = "".join(parts).strip("/").split("/")
    return joined[-1] if joined else ""
