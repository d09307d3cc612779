"""The API's OpenAPI document (/api/v1/schema/) and its documentation page
(/api/v1/docs/), rendered on the server from that same document: no script, no
assets from elsewhere, nothing the site's Content-Security-Policy would block."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

from dealtracker.desk.access import reader_required

from .endpoints import openapi_document


def _with_server() -> dict[str, Any]:
    return {**openapi_document(), "servers": [{"url": settings.SITE_URL}]}


def api_schema(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3 document (goes through the API's gate: tokens, limits, ETag)."""
    response = JsonResponse(_with_server(), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = 'inline; filename="dealtracker-api-v1.json"'
    return response


def _resolve(document: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _type(document: dict, schema: dict) -> str:
    """A parameter's type in words: string, integer 1–200, one of …, date."""
    options = schema.get("anyOf") or [schema]
    kinds = []
    for option in options:
        option = _resolve(document, option)
        if option.get("type") == "null":
            continue
        if "enum" in option:
            kinds.append("one of " + ", ".join(str(v) for v in option["enum"]))
        elif "const" in option:
            kinds.append(str(option["const"]))
        elif option.get("format") == "date":
            kinds.append("date (YYYY-MM-DD)")
        elif option.get("type") == "integer":
            low, high = option.get("minimum"), option.get("maximum")
            kinds.append(
                f"integer {low}–{high}" if low is not None and high is not None else "integer"
            )
        else:
            kinds.append(option.get("type", "string"))
    return " or ".join(kinds) or "string"


def _operations(document: dict) -> list[dict[str, Any]]:
    found = []
    for route, methods in document["paths"].items():
        for method, operation in methods.items():
            parameters = []
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                parameters.append(
                    {
                        "name": parameter["name"],
                        "where": parameter["in"],
                        "required": parameter.get("required", False),
                        "type": _type(document, schema),
                        "default": schema.get("default"),
                        "description": parameter.get("description")
                        or schema.get("description", ""),
                    }
                )
            responses = []
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json", {})
                ref = content.get("schema", {}).get("$ref", "")
                responses.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "schema": ref.rsplit("/", 1)[-1],
                    }
                )
            found.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "route": route,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or ["api"])[0],
                    "parameters": parameters,
                    "responses": responses,
                }
            )
    return found


def _fields(document: dict) -> list[dict[str, Any]]:
    shapes = []
    for name, schema in sorted(document["components"]["schemas"].items()):
        if name.endswith("Query") or "properties" not in schema:
            continue
        fields = []
        required = set(schema.get("required", []))
        for field, spec in schema["properties"].items():
            options = spec.get("anyOf") or [spec]
            words = []
            for option in options:
                if "$ref" in option:
                    words.append(option["$ref"].rsplit("/", 1)[-1])
                elif option.get("type") == "array":
                    item = option.get("items", {})
                    inner = item.get("$ref", "").rsplit("/", 1)[-1] or item.get("type", "")
                    words.append(f"list of {inner}")
                else:
                    words.append(option.get("format") or option.get("type", "any"))
            fields.append(
                {
                    "name": field,
                    "type": " or ".join(words),
                    "required": field in required,
                    "description": spec.get("description", ""),
                }
            )
        shapes.append({"name": name, "fields": fields})
    return shapes


@require_GET
@reader_required
def api_docs(request: HttpRequest) -> HttpResponse:
    """The read API's documentation, rendered from its OpenAPI document."""
    document = _with_server()
    intro = MarkdownIt("commonmark", {"html": False}).render(document["info"]["description"])
    context = {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "intro": mark_safe(intro),  # noqa: S308 — our own text, rendered with raw HTML off
        "operations": _operations(document),
        "shapes": _fields(document),
        "site_url": settings.SITE_URL,
        "schema_size": len(json.dumps(document)),
    }
    return render(request, "api/docs.html", context)
