"""Hostile text and a checker that finds it if it ever became markup.

Every payload carries the word `xss` so the checker can tell an injected tag or
attribute from the page's own.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

LONG_LINE = "W" * 12000  # one unbroken 12 000-character word

PAYLOAD = (
    '<script>alert("xss-script")</script>'
    "\"><img src=x onerror=alert('xss-img')>"
    "' onmouseover='alert(`xss-attr`)' x='"
    "<a href=\"javascript:alert('xss-link')\">xss-link</a>"
    "<svg/onload=alert('xss-svg')>"
    "</textarea></title></style><iframe src=javascript:alert('xss-frame')>"
    "{{ xss_template }}{% if 1 %}xss-tag{% endif %}"
    " \u202eRTL-override xss\u202c إسرائيل وحماس \u2067isolate\u2069 "
    "\x07\x1b[31mcontrol xss\x1b[0m "
)
CSV_FORMULA = '=HYPERLINK("https://evil.example/xss-csv","click")'
HOSTILE_URL = "https://evil.example/\"><script>alert('xss-url')</script>?a=1&b=<i>"
JAVASCRIPT_URL = "javascript:alert('xss-href')//https://news.example.org/"


def hostile_text(field: str) -> str:
    if field == "claim_statement":
        # Starts like a spreadsheet formula: exports must not hand it to Excel as one.
        return f"{CSV_FORMULA} {field} {PAYLOAD} {LONG_LINE}"
    return f"{field} {PAYLOAD} {LONG_LINE if field.endswith(('text_quote', 'note')) else ''}"


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._json = False
        self._json_text = ""

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_script = tag == "script"
        kind = (dict(attrs).get("type") or "").lower()
        # JSON-LD and json_script blocks are data, not code: they must stay valid JSON.
        self._json = self._in_script and kind in ("application/ld+json", "application/json")
        self._json_text = ""

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            if self._json:
                try:
                    json.loads(self._json_text)
                except ValueError:
                    self.problems.append(
                        f"a JSON data block was cut short (text broke out of it): "
                        f"{self._json_text[-80:]!r}"
                    )
            self._in_script = self._json = False

    def handle_data(self, data):
        if self._json:
            self._json_text += data
        elif self._in_script and "xss" in data:
            self.problems.append(f"hostile text inside a <script>: {data[:80]!r}")

    def _check(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if "xss" in name or (name.startswith("on") and "xss" in value):
                self.problems.append(f"injected attribute on <{tag}>: {name}={value[:60]!r}")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data", "data-hx-get"):
                if (
                    value.strip()
                    .lower()
                    .replace("\t", "")
                    .replace("\n", "")
                    .startswith(("javascript:", "vbscript:", "data:text/html"))
                ):
                    self.problems.append(f"script URL in <{tag} {name}>: {value[:60]!r}")
        if tag in ("script", "iframe", "svg", "img", "object", "embed") and any(
            "xss" in (v or "") for _, v in attrs
        ):
            self.problems.append(f"injected <{tag}>: {attrs!r:.80}")


def markup_problems(html: str) -> list[str]:
    """Everything in an HTML/XML document that shows hostile text became markup."""
    problems = []
    finder = _Finder()
    finder.feed(html)
    problems += finder.problems
    # Escaped text may still read "onerror=alert(" — harmless; a raw "<" before it is not.
    for raw in ("<script>alert(", "<img src=x onerror", "<svg/onload", "<iframe src=javascript"):
        if raw in html:
            problems.append(f"unescaped {raw!r} in the page")
    if "xss_template" in html and "{{ xss_template }}" not in html:
        problems.append("a template tag in user text was evaluated")
    return problems


def csv_problems(text: str) -> list[str]:
    problems = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if "xss" in cell and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                problems.append(f"CSV cell would run as a spreadsheet formula: {cell[:60]!r}")
    return problems
