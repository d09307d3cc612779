"""Citations of a deal, a clause or a claim, in the forms a journalist or a researcher
pastes: a plain sentence (outlet, date, permalink), APA 7, BibTeX and CSL-JSON (what
Zotero, Mendeley and the other reference managers import).

Every form names the outlet (settings.NEWSROOM_NAME, handed in by the pages), the
day the cited page last changed, the permalink (built from ids, so it survives a
renamed deal or clause) and the day it was read (the access date: a tracker
changes, so APA asks for it).

Text comes from editors and from reports, so it is treated as hostile: every
field goes through `single_line()` (no control or bidi-override characters, one
line); BibTeX escapes its special characters so that a title cannot close a
field or open a command; CSL-JSON is written by `json.dumps`; the sentence and
APA are plain text that templates escape for HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from dealtracker.text import single_line

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Citable:
    """What every form of a citation is made from."""

    key: str  # stable, from the id: "dealtracker-claim-12" (letters, digits, '-')
    title: str  # the claim's statement, "Clause 1.2: ...", the deal's title
    description: str  # what it is: "claim by ..., on <deal>", "clause of <deal>", "deal tracker"
    outlet: str
    updated: dt.date  # the day the cited page last changed
    accessed: dt.date
    url: str  # the permalink, absolute

    def __post_init__(self) -> None:
        for name in ("title", "description", "outlet"):
            object.__setattr__(self, name, single_line(getattr(self, name)))
        if not re.fullmatch(r"[A-Za-z0-9-]+", self.key):
            raise ValueError(f"citation key {self.key!r}: letters, digits and '-' only")


def day_month_year(day: dt.date) -> str:
    """3 May 2025: the desk's own way of writing a date."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_day_year(day: dt.date) -> str:
    """May 3, 2025: APA's."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _sentence_end(text: str) -> str:
    """Text followed by a full stop, unless it already ends a sentence."""
    return text if text.endswith((".", "?", "!")) else text + "."


# --- a plain sentence -------------------------------------------------------------


def sentence(c: Citable) -> str:
    """dealtracker desk, “Title” (claim by ..., on Deal), last updated 3 May 2025,
    https://…/claims/12/ (accessed 14 May 2026)."""
    return (
        f"{c.outlet}, “{c.title}” ({c.description}), last updated {day_month_year(c.updated)}, "
        f"{c.url} (accessed {day_month_year(c.accessed)})."
    )


# --- APA 7 ------------------------------------------------------------------------


@dataclass(frozen=True)
class Apa:
    """An APA reference in three parts: the title between them is set in italics."""

    before: str
    title: str
    after: str

    def __str__(self) -> str:
        return f"{self.before}{self.title}{self.after}"


def apa(c: Citable) -> Apa:
    """A web page whose author is the site (so the site is not named twice), with the
    retrieval date because the page changes:
    Outlet. (2025, May 3). *Title* [Claim by ..., on Deal]. Retrieved May 14, 2026, from URL"""
    description = c.description[:1].upper() + c.description[1:]
    return Apa(
        before=f"{_sentence_end(c.outlet)} ({c.updated.year}, {MONTHS[c.updated.month - 1]} "
        f"{c.updated.day}). ",
        title=c.title,
        after=f" [{description}]. Retrieved {month_day_year(c.accessed)}, from {c.url}",
    )


# --- BibTeX -----------------------------------------------------------------------

# Each character TeX would read as markup, written so that it prints as itself. Braces
# become commands, not \{ and \}: BibTeX counts every brace, escaped or not, so one
# stray "}" in a title would end the field early.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_BIBTEX_SPECIAL = re.compile(r"[\\{}$&%#_^~]")
# In a url field (read verbatim by biblatex and the url package) these would still end
# the field or break the line: percent-encoded instead.
_URL_UNSAFE = re.compile(r"[{}\\\s\"]")


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX field value: braces balanced, no TeX command, no math."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], single_line(text))


def bibtex_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


def bibtex(c: Citable) -> str:
    """A @misc entry (BibTeX and biblatex both read it; biblatex also reads url and
    urldate). The title and the author are braced twice so that styles keep their case."""
    braced = [
        ("author", "{" + bibtex_escape(c.outlet) + "}"),
        ("title", "{" + bibtex_escape(c.title) + "}"),
        ("howpublished", bibtex_escape(c.description[:1].upper() + c.description[1:])),
        ("year", str(c.updated.year)),
    ]
    more = [
        ("date", c.updated.isoformat()),
        ("url", bibtex_url(c.url)),
        ("urldate", c.accessed.isoformat()),
        (
            "note",
            bibtex_escape(
                f"Last updated {day_month_year(c.updated)}; accessed {day_month_year(c.accessed)}"
            ),
        ),
    ]
    lines = [f"@misc{{{c.key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in braced]
    # A month macro, unbraced: styles print it in their own language.
    lines.append(f"  month = {BIBTEX_MONTHS[c.updated.month - 1]},")
    lines += [f"  {name} = {{{value}}}," for name, value in more]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- CSL-JSON ---------------------------------------------------------------------


def _date_parts(day: dt.date) -> dict[str, Any]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_item(c: Citable) -> dict[str, Any]:
    """One CSL-JSON item of type webpage: the outlet is its author, publisher and
    website (container-title); what it is goes in genre, Zotero's "Website Type"."""
    return {
        "id": c.key,
        "type": "webpage",
        "title": c.title,
        "genre": c.description[:1].upper() + c.description[1:],
        "container-title": c.outlet,
        "publisher": c.outlet,
        "author": [{"literal": c.outlet}],
        "issued": _date_parts(c.updated),
        "accessed": _date_parts(c.accessed),
        "URL": c.url,
    }


def csl_json(c: Citable) -> str:
    """CSL-JSON as reference managers import it: an array of items."""
    return json.dumps([csl_item(c)], ensure_ascii=False, indent=2) + "\n"
