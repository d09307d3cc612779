"""Two editors on one claim, as two real sessions: nothing either wrote is lost or overwritten unseen.

Each editor opens the editor (GET), changes what they change in the form as
served, and posts it back — the values a browser sends, read from the page.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dealtracker.accounts.services import user_create
from dealtracker.claims.models import Claim
from tests.conftest import PASSWORD
from tests.factories import make_deal, make_draft_claim
from tests.forms import form_values

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def two_editors(editor):
    other = user_create(username="editor2", password=PASSWORD, role="editor", validate=False)
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(other)
    return first, second


def _open(client: Client, claim: Claim) -> dict:
    page = client.get(f"/claims/{claim.pk}/edit/", headers=HX).content.decode()
    return form_values(page, action=f"/claims/{claim.pk}/edit/")


def _save(client: Client, claim: Claim, values: dict, **changes):
    data = {**values, **changes}
    data.pop("refresh", None)
    return client.post(f"/claims/{claim.pk}/edit/", data, headers=HX)


@pytest.fixture
def claim(db):
    return make_draft_claim(
        "Israel refused to honour phase two",
        attribution="a senior Palestinian official",
        deal=make_deal(),
    )


def test_a_field_only_the_other_editor_changed_is_kept_and_mine_is_written(two_editors, claim):
    first, second = two_editors
    opened_first, opened_second = _open(first, claim), _open(second, claim)
    saved = _save(first, claim, opened_first, statement="Israel refused to start phase two")
    assert saved.status_code == 200 and saved["HX-Redirect"] == f"/claims/{claim.pk}/"
    # The second editor, whose form is one version old, changes only the attribution.
    merged = _save(second, claim, opened_second, attribution="an official close to the talks")
    assert merged.status_code == 200 and merged["HX-Redirect"] == f"/claims/{claim.pk}/"
    claim.refresh_from_db()
    assert claim.statement == "Israel refused to start phase two"  # not put back
    assert claim.attribution == "an official close to the talks"
    assert claim.version == 3
    page = second.get(f"/claims/{claim.pk}/").content.decode()
    assert "their changes to statement are kept with yours" in page


def test_a_field_both_changed_is_shown_side_by_side_and_nothing_is_written(two_editors, claim):
    first, second = two_editors
    opened_first, opened_second = _open(first, claim), _open(second, claim)
    _save(first, claim, opened_first, statement="First editor's words")
    conflict = _save(
        second,
        claim,
        opened_second,
        statement="Second editor's words",
        attribution="an aide",
    )
    assert conflict.status_code == 409
    page = conflict.content.decode()
    assert "Someone else saved this claim while you were editing it" in page
    assert "Theirs (saved now)" in page and "First editor&#x27;s words" in page
    assert "Yours" in page and "Second editor&#x27;s words" in page
    claim.refresh_from_db()
    assert claim.statement == "First editor's words" and claim.version == 2
    assert claim.attribution == "a senior Palestinian official"  # nothing of the second written
    # The second editor's own change to a field nobody else touched stays in the form.
    assert form_values(page, action=f"/claims/{claim.pk}/edit/")["attribution"] == "an aide"


def _conflict_form(two_editors, claim) -> tuple[Client, str]:
    first, second = two_editors
    opened_first, opened_second = _open(first, claim), _open(second, claim)
    _save(first, claim, opened_first, statement="First editor's words")
    conflict = _save(
        second, claim, opened_second, statement="Second editor's words", attribution="an aide"
    )
    assert conflict.status_code == 409
    return second, conflict.content.decode()


def test_saving_the_conflict_form_again_without_a_choice_writes_nothing(two_editors, claim):
    second, page = _conflict_form(two_editors, claim)
    again = _save(second, claim, form_values(page, action=f"/claims/{claim.pk}/edit/"))
    assert again.status_code == 422
    assert "Choose theirs, yours or the edited value." in again.content.decode()
    claim.refresh_from_db()
    assert (claim.statement, claim.attribution, claim.version) == (
        "First editor's words",
        "a senior Palestinian official",
        2,
    )


@pytest.mark.parametrize(
    "choice,edited,expected",
    [
        ("theirs", "", "First editor's words"),
        ("mine", "", "Second editor's words"),
        ("edit", "Both editors' words, merged by hand", "Both editors' words, merged by hand"),
        # Choosing theirs or mine ignores whatever is in the edit box.
        ("theirs", "Typed but not chosen", "First editor's words"),
        ("mine", "Typed but not chosen", "Second editor's words"),
    ],
)
def test_the_conflict_form_writes_only_the_value_the_editor_chose(
    two_editors, claim, choice, edited, expected
):
    second, page = _conflict_form(two_editors, claim)
    values = form_values(page, action=f"/claims/{claim.pk}/edit/")
    changes = {"resolve_statement": choice}
    if edited:
        changes["statement"] = edited
    saved = _save(second, claim, values, **changes)
    assert saved.status_code == 200, saved.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.statement == expected
    assert claim.attribution == "an aide"  # the second editor's own, unopposed change
    assert claim.version == 3


def test_a_third_save_during_the_conflict_is_merged_again_not_overwritten(two_editors, claim):
    second, page = _conflict_form(two_editors, claim)
    third = Client()
    third.force_login(
        user_create(username="editor3", password=PASSWORD, role="editor", validate=False)
    )
    opened_third = _open(third, claim)
    _save(third, claim, opened_third, statement="Third editor's words")
    values = form_values(page, action=f"/claims/{claim.pk}/edit/")
    again = _save(second, claim, values, resolve_statement="mine")
    # "Mine" was chosen against the first editor's words; the third's are new: choose again.
    assert again.status_code == 409
    assert "Third editor&#x27;s words" in again.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "Third editor's words"


def test_a_claim_deleted_while_being_edited_answers_410_with_the_editors_words(two_editors, claim):
    first, second = two_editors
    opened = _open(second, claim)
    first.post(f"/claims/{claim.pk}/delete/", {"confirmed": "1"}, headers=HX)
    gone = _save(second, claim, opened, statement="Words I do not want to lose")
    assert gone.status_code == 410
    body = gone.content.decode()
    assert "was deleted by editor at" in body and "Words I do not want to lose" in body


def test_a_tampered_base_is_refused_and_nothing_is_written(two_editors, claim):
    first, _ = two_editors
    values = _open(first, claim)
    response = _save(first, claim, values, base="x" * 40, statement="Sneaky")
    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.statement == "Israel refused to honour phase two"
