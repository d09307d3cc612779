"""What every request to the read API goes through, before and after its endpoint:

1. the method (GET and HEAD only; anything else 405);
2. who asks (`Authorization: Bearer <token>`, else the desk session, else an
   anonymous client — only in public-read mode, and then published content only);
3. the rate limit of that client (429 with Retry-After when over it);
4. conditional GET: the ETag is derived from the content version PostgreSQL
   bumps on every committed change (desk/fragments.py), the address and the
   client's tier, so a matching If-None-Match is answered 304 before the
   endpoint runs a single query of its own;
5. after the endpoint: ETag, caching and rate-limit headers.

Every refusal is JSON: {"error": code, "message": what to do}.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags

from dealtracker.accounts.client_ip import client_ip
from dealtracker.accounts.models import ApiToken
from dealtracker.accounts.roles import sees_drafts
from dealtracker.accounts.tokens import api_token_find
from dealtracker.desk.fragments import content_version

from .ratelimit import RateVerdict, rate_limit_hit

# The access marker the URL walk (tests/trust) reads: "api" views answer JSON, with 401
# for anonymous clients outside public-read mode instead of a redirect to the login page.
ACCESS = "api"
SAFE_METHODS = ("GET", "HEAD")


@dataclass
class ApiClient:
    """Who is asking: a token's holder, a logged-in desk user, or an anonymous client."""

    user: Any
    token: ApiToken | None
    key: str  # the rate limiter's key
    limit: int

    @property
    def sees_drafts(self) -> bool:
        return sees_drafts(self.user)

    @property
    def tier(self) -> str:
        """Clients who get the same answers share a tier (part of the ETag)."""
        return "reader" if self.sees_drafts else "public"


def api_error(
    status: int,
    error: str,
    message: str,
    *,
    parameters: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if parameters is not None:
        body["parameters"] = parameters
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def client_address(request: HttpRequest) -> str:
    # The client's address as the login lockout takes it: behind TRUSTED_PROXY_COUNT
    # proxies, the one the outermost saw (dealtracker/accounts/client_ip.py).
    return client_ip(request) or "unknown"


def _unauthorized(error: str, message: str) -> JsonResponse:
    return api_error(
        401, error, message, headers={"WWW-Authenticate": 'Bearer realm="dealtracker"'}
    )


def identify(request: HttpRequest) -> tuple[ApiClient, JsonResponse | None]:
    """The client, and the refusal to answer it with (after counting it) or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    address_key = f"a:{client_address(request)}"
    anonymous_limit = settings.API_RATE_LIMIT_ANONYMOUS
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return ApiClient(AnonymousUser(), None, address_key, anonymous_limit), _unauthorized(
                "token_invalid",
                "Send the token as “Authorization: Bearer <token>”.",
            )
        token = api_token_find(raw.strip())
        if token is None:
            return ApiClient(AnonymousUser(), None, address_key, anonymous_limit), _unauthorized(
                "token_invalid",
                "This token is not known. Check that it was copied whole, or ask an admin "
                "for a new one.",
            )
        client = ApiClient(token.user, token, f"t:{token.pk}", settings.API_RATE_LIMIT_TOKEN)
        if token.is_revoked:
            when = timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M %Z")
            return client, _unauthorized(
                "token_revoked",
                f"This token was revoked on {when}. Ask an admin for a new one.",
            )
        if not token.user.is_active:
            return client, _unauthorized(
                "token_invalid", "The account this token belongs to is disabled."
            )
        if not token.user.has_perm("claims.view_claim"):
            return client, api_error(
                403, "forbidden", "The account this token belongs to has no reader role."
            )
        return client, None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        client = ApiClient(user, None, f"u:{user.pk}", settings.API_RATE_LIMIT_TOKEN)
        if not user.has_perm("claims.view_claim"):
            return client, api_error(403, "forbidden", "Your account has no reader role.")
        return client, None
    client = ApiClient(AnonymousUser(), None, address_key, anonymous_limit)
    if not settings.PUBLIC_READ:
        return client, _unauthorized(
            "authentication_required",
            "This API needs a token: send “Authorization: Bearer <token>”. "
            "An admin creates tokens in the admin, under API tokens.",
        )
    return client, None


def _rate_headers(response: HttpResponseBase, verdict: RateVerdict | None) -> None:
    if verdict is None:
        return
    response["RateLimit-Limit"] = str(verdict.limit)
    response["RateLimit-Remaining"] = str(verdict.remaining)
    response["RateLimit-Reset"] = str(verdict.reset)


_revision: str | None = None


def output_revision() -> str:
    """A digest of the API's schema: answers change shape only when it does (ETags follow)."""
    global _revision
    if _revision is None:
        from .endpoints import openapi_document

        text = json.dumps(openapi_document(), sort_keys=True, default=str)
        _revision = hashlib.sha256(text.encode()).hexdigest()[:12]
    return _revision


def version_etag(request: HttpRequest, client: ApiClient) -> str | None:
    """The ETag of the answer, known before it is made; None inside a transaction (its
    uncommitted writes are not in the version), where the body's digest serves."""
    if connection.in_atomic_block:
        return None
    basis = "|".join(
        [
            output_revision(),
            str(content_version()),
            client.tier,
            timezone.localdate().isoformat(),
            settings.SITE_URL,
            request.get_full_path(),
        ]
    )
    return 'W/"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = parse_etags(header)
    bare = etag.removeprefix("W/")
    return "*" in wanted or any(tag.removeprefix("W/") == bare for tag in wanted)


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    return response


def _without_blanks(query: QueryDict) -> QueryDict:
    """An empty parameter means "any", as in the HTML filter forms."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        for value in values:
            if value != "":
                kept.appendlist(key, value)
    kept._mutable = False
    return kept


def api_endpoint(view):
    """Wrap an endpoint of the read API in the gate (see the module's docstring)."""

    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            response = api_error(
                405,
                "method_not_allowed",
                "The API is read-only: use GET (or HEAD).",
                headers={"Allow": "GET, HEAD"},
            )
            return response
        client, refusal = identify(request)
        verdict = rate_limit_hit(client.key, limit=client.limit)
        if verdict is not None and not verdict.allowed:
            response = api_error(
                429,
                "rate_limited",
                f"Too many requests: {verdict.limit} per {settings.API_RATE_LIMIT_WINDOW} s "
                f"for this {'token' if client.token else 'client'}. "
                f"Try again in {verdict.reset} s"
                + ("." if client.token else ", or use a token for a higher limit."),
                headers={"Retry-After": str(verdict.reset)},
            )
            _rate_headers(response, verdict)
            return response
        if refusal is not None:
            _rate_headers(refusal, verdict)
            return refusal
        request.user = client.user
        request.api_client = client
        request.GET = _without_blanks(request.GET)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"  # the endpoints answer GET; the body is dropped below
        etag = version_etag(request, client)
        if etag is not None and _matches(request, etag):
            response = _not_modified(etag)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                if etag is None:
                    digest = hashlib.sha256(response.content).hexdigest()[:32]
                    etag = f'W/"b{digest}"'
                if _matches(request, etag):
                    response = _not_modified(etag)
                else:
                    response["ETag"] = etag
        if response.status_code in (200, 304):
            # Revalidate every time (a 304 costs next to nothing); a reader's answers
            # (drafts, internal notes) must not sit in a shared cache.
            patch_cache_control(response, no_cache=True, max_age=0)
            if client.sees_drafts:
                patch_cache_control(response, private=True)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        _rate_headers(response, verdict)
        if head and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    gated.access = ACCESS
    # Not exempt from the CSRF check, as no view is (wraps() copied ninja's exemption):
    # the API answers GET and HEAD only, which the check lets through.
    gated.csrf_exempt = False
    return gated
