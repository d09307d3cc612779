"""Small builders for the annotating tests (sources, deals, claims), via the ORM."""

from __future__ import annotations

import datetime as dt
import hashlib

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.sources.canonical import canonicalize
from dealtracker.sources.models import Source, SourceRevision

REPORT = (
    "Hamas is prepared to release all remaining Israeli hostages immediately if Israel "
    "agrees to end its military campaign in Gaza, a senior Palestinian official said.\n\n"
    "The second phase of the agreement, scheduled to begin on March 2, was supposed to "
    "bring a complete halt to hostilities. However, the official accused Israel of "
    "refusing to honor that part of the deal.\n\n"
    "White House advisor Gabe Witkoff cut off the talks."
)

# Arabic (right to left), an emoji with a variation selector (outside the BMP),
# a combining accent (NFC makes it one code point) and a flag (two code points).
ARABIC = canonicalize(
    "وقف إطلاق النار 🕊️ صامد في غزة.\n"
    "Le cessez-le-feu de l'accord est respecte\u0301 selon l'e\u0301missaire 🇶🇦.\n"
    "قال المسؤول إن إسرائيل رفضت المرحلة الثانية 😠 من الاتفاق."
)


def make_source(
    text: str = REPORT, *, title: str = "Hamas offers to free all hostages", language: str = "en"
) -> Source:
    digest = hashlib.sha256(text.encode()).hexdigest()
    source = Source.objects.create(
        title=title,
        outlet="The Times of Israel",
        text=text,
        text_hash=digest,
        language=language,
        published_on=dt.date(2025, 3, 10),
    )
    SourceRevision.objects.create(source=source, number=1, text=text, text_hash=digest)
    return source


def make_deal(slug: str = "gaza-2025") -> Deal:
    return Deal.objects.create(title=f"Deal {slug}", slug=slug)


def make_party(slug: str = "israel", name: str = "Israel") -> Party:
    return Party.objects.create(name=name, slug=slug)


def make_phase(deal: Deal, order: int = 1) -> Phase:
    return Phase.objects.create(deal=deal, order=order, name=f"Phase {order}")


def make_clause(deal: Deal, reference: str = "2.1") -> Clause:
    return Clause.objects.create(deal=deal, reference=reference, title="Permanent ceasefire")


def make_claim(statement: str = "Israel refused to honour phase two", **fields) -> Claim:
    return Claim.objects.create(statement=statement, **fields)


def span_of(source: Source, words: str) -> tuple[int, int]:
    start = source.text.index(words)
    return start, start + len(words)
