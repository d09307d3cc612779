"""The data dictionary (/data/): every field and value of the exports.

Columns and keys come from the descriptions next to the code that writes them
(interchange/exports.py); vocabularies are discovered from the TextChoices classes
of the domain models, so a new value appears here the day it is added.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType

from django.db import models

from dealtracker.claims import models as claim_models
from dealtracker.deals import loose_dates
from dealtracker.deals import models as deal_models
from dealtracker.interchange import exports
from dealtracker.sources import models as source_models

# Names the exports' descriptions use for each vocabulary; classes not named
# here are shown under a name made from the class name.
VOCABULARY_NAMES: dict[str, str] = {
    "PartyKind": "party kind",
    "DealStatus": "deal status",
    "DealPurpose": "deal purpose",
    "DealStage": "deal stage",
    "DealForm": "deal form",
    "DealMechanism": "deal mechanism",
    "DealPartyRole": "role in a deal",
    "PhaseStatus": "phase status",
    "ClauseCategory": "clause category",
    "ClauseDelayUnit": "deadline unit",
    "ClauseDelayAnchor": "deadline anchor",
    "DatePrecision": "date precision",
    "SourceKind": "source kind",
    "PassageAnchorStatus": "anchoring status",
    "ClaimKind": "claim kind",
    "ClaimCompliance": "asserted compliance",
    "ClaimVerification": "verification status",
    "EvidenceRelation": "evidence relation",
    "AssessmentLevel": "assessment level",
}

VOCABULARY_MODULES: tuple[ModuleType, ...] = (loose_dates, deal_models, source_models, claim_models)


@dataclass
class Vocabulary:
    name: str
    class_name: str
    values: list[tuple[str, str]]

    @property
    def anchor(self) -> str:
        return "vocabulary-" + self.name.replace(" ", "-")


def _name_for(class_name: str) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in class_name).strip()
    return VOCABULARY_NAMES.get(class_name, words)


def vocabularies() -> list[Vocabulary]:
    """Every TextChoices class of the domain models, with its values and labels."""
    found: dict[str, type[models.TextChoices]] = {}
    for module in VOCABULARY_MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.TextChoices) and cls is not models.TextChoices:
                if cls.__module__ == module.__name__:
                    found.setdefault(cls.__name__, cls)
    return sorted(
        (
            Vocabulary(name=_name_for(n), class_name=n, values=[(c.value, c.label) for c in cls])
            for n, cls in found.items()
        ),
        key=lambda v: v.name,
    )


def dictionary_context() -> dict:
    return {
        "csv_columns": exports.CSV_COLUMNS,
        "csv_separator": exports.MULTI_SEPARATOR.strip(),
        "formula_prefixes": [p for p in exports.FORMULA_PREFIXES if p.isprintable()],
        "deal_fields": exports.DEAL_JSON_FIELDS,
        "vocabularies": vocabularies(),
        "feed_items": exports.FEED_ITEMS,
    }
