"""Citations in the forms a journalist pastes and a reference manager imports: the
plain sentence and APA name the outlet, the dates and the permalink; BibTeX parses
(pybtex) and reads back as written whatever the title; CSL-JSON carries the fields a
reference manager needs and a CSL processor (citeproc-py) formats it."""

from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from pybtex.database import parse_string

from dealtracker.publishing import citations
from dealtracker.publishing.citations import Citable

URL = "https://desk.example.org/claims/12/"
HOSTILE_TITLES = [
    "Israel refused to honour phase two",
    "A } closes the field early { and opens another",
    "}}} @misc{evil, title={pwned}} {{{",
    r"\input{/etc/passwd} \def\x{1} $x^2$ 100% #1 a_b ~c & d",
    '"quoted" and \'single\' <script>alert("xss")</script>',
    "إسرائيل رفضت تنفيذ المرحلة الثانية",
    "\u202eoverride\u202c \u2066isolate\u2069 \x07bell\x1b[31m\n\ttab and newline",
]

# What a reference manager needs of a CSL-JSON web page: an id and a type, a title,
# the dates as date-parts, an author it can print, the URL.
DATE = {
    "type": "object",
    "required": ["date-parts"],
    "properties": {
        "date-parts": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {
                "type": "array",
                "minItems": 1,
                "maxItems": 3,
                "items": {"type": "integer"},
            },
        }
    },
}
CSL_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["id", "type", "title", "issued", "accessed", "URL", "author"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"},
            "type": {"const": "webpage"},
            "title": {"type": "string", "minLength": 1},
            "genre": {"type": "string"},
            "container-title": {"type": "string"},
            "publisher": {"type": "string"},
            "author": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "object", "required": ["literal"]},
            },
            "issued": DATE,
            "accessed": DATE,
            "URL": {"type": "string", "format": "uri"},
        },
    },
}


def citable(title: str = "Israel refused to honour phase two", **overrides) -> Citable:
    fields = {
        "key": "dealtracker-claim-12",
        "title": title,
        "description": "claim by a senior Palestinian official, on the Gaza deal",
        "outlet": "The Example Times",
        "updated": dt.date(2025, 3, 10),
        "accessed": dt.date(2026, 5, 14),
        "url": URL,
    }
    return Citable(**{**fields, **overrides})


def test_the_sentence_names_the_outlet_the_date_the_permalink_and_the_access_date():
    text = citations.sentence(citable())
    assert text == (
        "The Example Times, “Israel refused to honour phase two” (claim by a senior "
        "Palestinian official, on the Gaza deal), last updated 10 March 2025, "
        f"{URL} (accessed 14 May 2026)."
    )


def test_apa_is_a_web_page_by_the_outlet_with_its_retrieval_date():
    apa = citations.apa(citable())
    assert apa.before == "The Example Times. (2025, March 10). "
    assert apa.title == "Israel refused to honour phase two"
    assert apa.after == (
        " [Claim by a senior Palestinian official, on the Gaza deal]. "
        f"Retrieved May 14, 2026, from {URL}"
    )
    # An outlet that ends with a full stop does not get a second one.
    assert citations.apa(citable(outlet="Example Inc.")).before.startswith("Example Inc. (2025")


def _bibtex_unescape(value: str) -> str:
    """Undo citations.bibtex_escape (the way TeX would print the field)."""
    inverse = {escaped: char for char, escaped in citations._BIBTEX_ESCAPES.items()}
    pattern = re.compile("|".join(re.escape(e) for e in sorted(inverse, key=len, reverse=True)))
    return pattern.sub(lambda m: inverse[m.group()], value)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_bibtex_parses_and_reads_back_the_title_as_written(title):
    entry_text = citations.bibtex(citable(title))
    database = parse_string(entry_text, "bibtex")
    assert list(database.entries) == ["dealtracker-claim-12"], "one entry, nothing injected"
    entry = database.entries["dealtracker-claim-12"]
    assert entry.type == "misc"
    raw = entry.fields["title"]
    assert raw.startswith("{") and raw.endswith("}")  # braced: styles keep its case
    assert _bibtex_unescape(raw[1:-1]) == citations.single_line(title)
    # No TeX command but ours, no math, no unbalanced brace anywhere in the entry.
    assert not re.search(
        r"\\(?!textbackslash\{\}|textbrace(left|right)\{\}|textascii"
        r"(circum|tilde)\{\}|[$&%#_])",
        raw,
    )
    assert entry.fields["url"] == URL
    assert entry.fields["urldate"] == "2026-05-14"
    assert entry.fields["year"] == "2025" and entry.fields["month"] == "March"
    assert str(entry.persons["author"][0]) == "{The Example Times}"


def test_bibtex_url_cannot_end_its_field():
    text = citations.bibtex(citable(url="https://desk.example.org/d/1/?x={y}\\ z"))
    entry = parse_string(text, "bibtex").entries["dealtracker-claim-12"]
    assert entry.fields["url"] == "https://desk.example.org/d/1/?x=%7By%7D%5C%20z"


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_csl_json_has_what_a_reference_manager_needs(title):
    items = json.loads(citations.csl_json(citable(title)))
    jsonschema.validate(items, CSL_SCHEMA, format_checker=jsonschema.FormatChecker())
    item = items[0]
    assert item["title"] == citations.single_line(title)
    assert item["issued"] == {"date-parts": [[2025, 3, 10]]}
    assert item["accessed"] == {"date-parts": [[2026, 5, 14]]}
    assert item["author"] == [{"literal": "The Example Times"}]
    assert item["container-title"] == "The Example Times"


def test_a_csl_processor_formats_the_csl_json_with_outlet_title_url_and_access_date():
    items = json.loads(citations.csl_json(citable()))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem("dealtracker-claim-12")]))
    (entry,) = [str(item) for item in bibliography.bibliography()]
    assert entry.startswith("The Example Times (2025) Israel refused to honour phase two")
    assert URL in entry and "2026" in entry


@pytest.mark.parametrize("form", ["sentence", "apa", "bibtex", "csl_json"])
def test_no_form_carries_control_or_bidi_override_characters(form):
    text = str(getattr(citations, form)(citable(HOSTILE_TITLES[-1])))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", text)
    assert "override isolate bell[31m tab and newline" in text


def test_a_key_is_letters_digits_and_hyphens_only():
    with pytest.raises(ValueError):
        citable(key="dealtracker-claim-12,\n  title = {x}")
