"""The data dictionary documents every CSV column, every deal JSON key and every
vocabulary value — checked against real exports and the models' TextChoices."""

from __future__ import annotations

import csv
import html
import inspect
import io
import json
import re

import pytest
from django.db import models

from dealtracker.claims import models as claim_models
from dealtracker.deals import loose_dates
from dealtracker.deals import models as deal_models
from dealtracker.interchange.dictionary import vocabularies
from dealtracker.interchange.exports import DEAL_JSON_FIELDS
from dealtracker.sources import models as source_models
from tests.factories import build_lists_world

URL = "/data/"


@pytest.fixture
def w(db):
    return build_lists_world()


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def json_keys(value, prefix: str = "") -> set[str]:
    """Every key path in a JSON document, lists written as `[]`."""
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            keys.add(path)
            if not (isinstance(item, dict) and {"date", "precision", "display"} <= set(item)):
                keys |= json_keys(item, path)
    elif isinstance(value, list):
        for item in value:
            keys |= json_keys(item, f"{prefix}[]")
    return keys


def test_every_csv_column_is_explained(reader_client, w):
    body = page(reader_client)
    text = b"".join(reader_client.get("/claims.csv").streaming_content).decode()
    header = next(csv.reader(io.StringIO(text[1:])))
    for column in header:
        assert f'id="csv-{column}"' in body, column


def test_every_deal_json_key_is_explained(reader_client, w):
    body = page(reader_client)
    doc = json.loads(reader_client.get(f"/deals/{w.deal.slug}.json").content)
    documented = {key for key, _ in DEAL_JSON_FIELDS}
    # Deadline objects are described as a whole in clauses[].deadline.
    exported = {k for k in json_keys(doc) if not k.startswith("clauses[].deadline.")}
    assert exported - documented == set()
    for key in documented:
        assert f"<code>{key}</code>" in body, key


def test_every_vocabulary_value_and_label_is_listed_from_the_models(reader_client, w):
    body = page(reader_client)
    classes = set()
    for module in (loose_dates, deal_models, source_models, claim_models):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.TextChoices) and cls.__module__ == module.__name__:
                classes.add(cls)
    listed = {v.class_name for v in vocabularies()}
    assert {cls.__name__ for cls in classes} == listed
    for cls in classes:
        for choice in cls:
            row = f'<th scope="row"><code>{choice.value}</code></th><td>{choice.label}</td>'
            assert row in body, (
                cls,
                choice,
            )


def test_vocabulary_names_used_in_descriptions_exist(reader_client, w):
    body = page(reader_client)
    names = {v.name for v in vocabularies()}
    used = set(re.findall(r"vocabulary “([^”]+)”", body))
    assert used and used <= names, used - names


def test_formula_guard_is_documented(reader_client, w):
    body = page(reader_client)
    assert "leading apostrophe" in body
    for prefix in ["=", "+", "-", "@"]:
        assert f"<code>{prefix}</code>" in body


def test_public_visitors_can_read_the_dictionary(client, public_read):
    assert client.get(URL).status_code == 200


def test_dictionary_needs_login_when_the_site_is_private(client, db):
    assert client.get(URL).status_code == 302
