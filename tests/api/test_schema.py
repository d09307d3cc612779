"""The OpenAPI document is valid OpenAPI 3, and every answer of every endpoint,
for parameters drawn from that document (and hostile ones), is one the document
describes: a documented status with a body that validates against its schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from dealtracker.api import schemas as s
from dealtracker.api.endpoints import api
from dealtracker.claims.models import Assessment, Claim
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.sources.models import Source
from tests.trust.test_fuzz_queries import HOSTILE, MORE_HOSTILE

from .conftest import bearer

# Every test here only reads the demo: it is loaded once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]
EXAMPLES = 150


@pytest.fixture
def document(demo, anonymous):
    response = anonymous.get("/api/v1/schema/")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(document):
    validate(document)  # raises on anything the OpenAPI 3.1 specification forbids
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for name in ("deals", "phases", "clauses", "parties", "claims", "assessments", "sources"):
        assert f"/api/v1/{name}/" in paths
        assert any(p.startswith(f"/api/v1/{name}/{{") for p in paths), name
    claims = document["paths"]["/api/v1/claims/"]["get"]
    names = {p["name"] for p in claims["parameters"]}
    from dealtracker.desk.forms.lists import ClaimFilterForm

    # The claims list's filters, from its own form, plus the API's paging.
    assert set(ClaimFilterForm.base_fields) - {"after", "before"} | {"cursor", "limit"} == names


def test_the_schema_answers_conditional_gets(anonymous, document):
    etag = anonymous.get("/api/v1/schema/")["ETag"]
    assert anonymous.get("/api/v1/schema/", headers={"If-None-Match": etag}).status_code == 304


def _operations(document) -> list[tuple[str, dict]]:
    return [(path, ops["get"]) for path, ops in sorted(document["paths"].items())]


def _validator(document, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": document["components"]})


def check_answer(document, operation: dict, response, label: str) -> None:
    status = str(response.status_code)
    assert status in operation["responses"], f"{label}: undocumented status {status}"
    content = operation["responses"][status].get("content", {}).get("application/json")
    assert content, f"{label}: {status} has no documented body"
    assert response["Content-Type"].startswith("application/json"), label
    body = json.loads(response.content)
    errors = sorted(_validator(document, content["schema"]).iter_errors(body), key=str)
    assert not errors, (
        f"{label}: {status} does not match its schema: {errors[0].message} at {list(errors[0].absolute_path)}"
    )


def _samples() -> dict[str, list]:
    """Values the world has, so that drawn requests also find things."""
    return {
        "slug:deals": list(Deal.objects.values_list("slug", flat=True)),
        "slug:parties": list(Party.objects.values_list("slug", flat=True)[:20]),
        "pk:phases": list(Phase.objects.values_list("pk", flat=True)),
        "pk:clauses": list(Clause.objects.values_list("pk", flat=True)[:20]),
        "pk:claims": list(Claim.objects.values_list("pk", flat=True)),
        "pk:assessments": list(Assessment.objects.values_list("pk", flat=True)),
        "pk:sources": list(Source.objects.values_list("pk", flat=True)),
        "deal": list(Deal.objects.values_list("slug", flat=True)),
        "party": list(Party.objects.values_list("slug", flat=True)[:20]),
        "claimant": list(Party.objects.values_list("slug", flat=True)[:20]),
        "subject": list(Party.objects.values_list("slug", flat=True)[:20]),
        "clause": list(Clause.objects.values_list("reference", flat=True)[:20]),
        "q": ["ceasefire", "hostages", '"phase two"', "-Israel"],
    }


def _strategy(document, schema: dict, samples: list):
    """Values for one parameter, from its schema (and the world's samples)."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    drawn = []
    for option in options:
        if "enum" in option:
            drawn.append(st.sampled_from(option["enum"]))
        elif option.get("type") == "integer":
            drawn.append(st.integers(option.get("minimum", -(2**31)), option.get("maximum", 2**31)))
        elif option.get("format") == "date":
            drawn.append(st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(str))
        else:
            drawn.append(st.text(max_size=option.get("maxLength", 80)))
    if samples:
        drawn.append(st.sampled_from(samples))
    return st.one_of(drawn)


def _path_value(document, path: str, parameter: dict, samples: dict, data):
    collection = path.split("/")[3]
    known = samples.get(f"{parameter['name']}:{collection}", [])
    if parameter["schema"].get("type") == "integer":
        anything = st.integers(-5, 10**12)
    else:
        anything = st.text(
            alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40
        )
    return data.draw(
        st.sampled_from(known) | anything if known else anything, label=parameter["name"]
    )


def test_every_answer_for_parameters_from_the_schema_matches_the_schema(
    document, anonymous, reader_token
):
    samples = _samples()
    clients = {"anonymous": anonymous, "reader": Client(headers=bearer(reader_token.raw))}
    operations = _operations(document)
    seen: set[tuple[str, int]] = set()

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def property_(data):
        path, operation = data.draw(st.sampled_from(operations), label="operation")
        role = data.draw(st.sampled_from(sorted(clients)), label="role")
        url = path
        params = {}
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = _path_value(document, path, parameter, samples, data)
                url = url.replace("{" + parameter["name"] + "}", str(value))
            elif data.draw(st.integers(0, 3), label=f"send {parameter['name']}") == 0:
                strategy = _strategy(
                    document, parameter["schema"], samples.get(parameter["name"], [])
                )
                params[parameter["name"]] = data.draw(strategy, label=parameter["name"])
        response = clients[role].get(url, params)
        seen.add((path, response.status_code))
        check_answer(document, operation, response, f"GET {url} {params} as {role}")

    # Every endpoint once with what the world has, as each role: a 200 that matches.
    for path, operation in operations:
        collection = path.split("/")[3]
        url = path.replace("{slug}", str(samples.get(f"slug:{collection}", ["x"])[0]))
        url = url.replace("{pk}", str(samples.get(f"pk:{collection}", [0])[0]))
        for role, client in clients.items():
            response = client.get(url)
            assert response.status_code == 200, f"GET {url} as {role}: {response.content[:300]}"
            check_answer(document, operation, response, f"GET {url} as {role}")
    property_()
    assert len({p for p, status in seen if status == 200}) >= len(operations) // 2, seen


def test_hostile_values_in_every_parameter_are_answered_as_documented(document, anonymous):
    """As tests/trust/test_fuzz_queries.py does for the pages: each hostile string in
    every parameter of every endpoint at once, then one parameter at a time."""
    problems = []
    for path, operation in _operations(document):
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        url = path.replace("{slug}", "gaza-ceasefire-2025").replace("{pk}", "1")
        for value in HOSTILE + MORE_HOSTILE:
            batches = [dict.fromkeys(names, value)] + [{n: value} for n in names]
            for params in batches:
                response = anonymous.get(url, params)
                label = f"GET {url} {sorted(params)}={value[:30]!r}"
                if response.status_code >= 500:
                    problems.append(f"{label}: {response.status_code}")
                    continue
                try:
                    check_answer(document, operation, response, label)
                except AssertionError as exc:
                    problems.append(str(exc))
    assert not problems, f"{len(problems)} answers broken:\n" + "\n".join(problems[:20])


LIST_SCHEMAS = {
    "deals": s.DealPage,
    "phases": s.PhasePage,
    "clauses": s.ClausePage,
    "parties": s.PartyPage,
    "claims": s.ClaimPage,
    "assessments": s.AssessmentPage,
    "sources": s.SourcePage,
}


def test_lists_send_what_validating_against_their_schema_gives(document, anonymous, reader_token):
    """Lists are sent without pydantic validating them again (api/endpoints.py, _answer):
    their JSON must be exactly what validation and ninja's renderer would have made of
    it — no key more (an internal field), none less, no value written otherwise."""
    _assert_lists_send_what_validation_gives(document, anonymous, reader_token)


def test_a_time_less_than_a_millisecond_past_the_second_is_sent_as_validation_writes_it(
    document, anonymous, reader_token
):
    # The encoder cuts a time to the millisecond: 250 microseconds used to go out as
    # ".000Z", which validation reads back as a time without a fraction.
    from dealtracker.claims.models import Assessment, Claim
    from dealtracker.deals.models import Deal
    from dealtracker.sources.models import Source

    when = dt.datetime(2025, 1, 19, 8, 30, 11, 250, tzinfo=dt.UTC)
    Deal.objects.update(updated_at=when)
    Source.objects.update(updated_at=when)
    Claim.objects.update(updated_at=when)
    Claim.objects.filter(is_published=True).update(published_at=when)
    Assessment.objects.filter(is_published=True).update(published_at=when)
    _assert_lists_send_what_validation_gives(document, anonymous, reader_token)


def _assert_lists_send_what_validation_gives(document, anonymous, reader_token) -> None:
    clients = {"anonymous": anonymous, "reader": Client(headers=bearer(reader_token.raw))}
    paths = [path for path, _ in _operations(document) if "{" not in path and path != "/api/v1/"]
    assert {path.split("/")[3] for path in paths} == set(LIST_SCHEMAS)
    for path in paths:
        schema = LIST_SCHEMAS[path.split("/")[3]]
        for role, client in clients.items():
            for params in ({"limit": 200}, {"limit": 2}):
                response = client.get(path, params)
                assert response.status_code == 200, (path, role)
                sent = json.loads(response.content)
                assert sent["items"], (path, role)
                validated = json.loads(
                    api.renderer.render(
                        None, schema.model_validate(sent).model_dump(), response_status=200
                    )
                )
                assert sent == validated, (path, role, params)
