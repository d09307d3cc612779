from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from dealtracker.deals.models import Deal
from devdata.demo import data
from devdata.demo.load import load_demo
from devdata.demo.suggestions_eval import evaluate


class Command(BaseCommand):
    help = (
        "Measure suggestions on the demo report: the share of its marked passages found among "
        "the top K suggested sentences, and how often the guessed clause, party, deal, kind and "
        "compliance match the claims resting on them. Loads the demo first if it is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("-k", type=int, default=30, help="how many top suggestions (30)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the figures as JSON"
        )

    def handle(self, *args, k: int, as_json: bool, **options):
        if not Deal.objects.filter(slug=data.JANUARY_DEAL).exists():
            load_demo()
        result = evaluate(k=k)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, sort_keys=True))
            return
        lines = [
            f"Demo report: {result.passages} marked passages, {result.suggested} suggested sentences.",
            f"Found among the top {k}:            {result.found}",
            f"Found among the top {result.passages} (as many as marked): {result.found_at_passages}",
            f"Top {k} that are marked passages:   {result.precision}",
            "Of the found passages, guesses right against the claims linked to them:",
            f"  clause (passages whose claims name one):  {result.clause}",
            f"  a clause guessed where the claims name none: {result.clause_spurious}",
            f"  party (first guessed is a subject/claimant): {result.party}",
            f"  parties, the exact set:                    {result.parties_exact}",
            f"  deal:                                      {result.deal}",
            f"  claim kind:                                {result.kind}",
            f"  compliance (compliance claims):            {result.compliance}",
        ]
        self.stdout.write("\n".join(lines))
