"""The measured figures on the demo report, as floors: a change that loses them fails here.

`manage.py suggestions_eval` prints the same figures (README, "Suggestions").
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from devdata.demo.suggestions_eval import evaluate


@pytest.mark.django_db
def test_suggestions_find_the_demo_passages_and_guess_their_clause_and_party(demo):
    result = evaluate(k=30)
    assert result.passages == 19
    assert result.found.right == 19  # every marked passage is among the top 30
    assert result.found_at_passages.right >= 17  # and almost all among the top 19
    assert result.clause.right >= 6 and result.clause.out_of == 10
    assert result.party.right >= 15 and result.party.out_of == 18
    assert result.deal.right >= 13 and result.deal.out_of == 16


@pytest.mark.django_db
def test_the_evaluation_command_prints_the_figures(demo, capsys):
    call_command("suggestions_eval")
    out = capsys.readouterr().out
    assert "Found among the top 30:" in out and "19/19 = 100%" in out
    assert "clause (passages whose claims name one):" in out
