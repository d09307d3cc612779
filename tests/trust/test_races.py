"""Two editors at the same moment on one object, one of them deleting it: never a 5xx, never a deadlock.

Each race runs two real requests in two threads (two sessions, two database
connections) against PostgreSQL. A third connection holds a row lock that
both requests need, so both are made to wait at the same point; it is let go
once PostgreSQL shows both waiting. The order they then go in is the order
they queued: each race runs both ways round.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client

from dealtracker.accounts.services import user_create
from dealtracker.claims.models import Claim, Evidence
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import passage_mark
from tests.annotating import REPORT, span_of
from tests.conftest import PASSWORD
from tests.factories import make_draft_claim, make_source

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HX-Request": "true"}
WAIT = 15  # seconds; a race that does not line up within this fails, it never sleeps this long


def _waiting() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _until_waiting(count: int) -> None:
    deadline = time.monotonic() + WAIT
    while _waiting() < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} request(s) should be waiting for the row lock by now")
        time.sleep(0.01)


def race(
    hold: Callable[[], object],
    first: Callable[[], object],
    second: Callable[[], object],
) -> tuple[int, int]:
    """Status codes of two requests that queue, first then second, behind a held row lock."""
    held, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def holder():
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(WAIT)
        finally:
            connection.close()

    def run(name, request):
        try:
            results[name] = request().status_code
        except Exception as exc:  # a crash is a finding, reported as such
            results[name] = f"raised {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert held.wait(WAIT)
    threads.append(threading.Thread(target=run, args=("first", first)))
    threads[1].start()
    _until_waiting(1)
    threads.append(threading.Thread(target=run, args=("second", second)))
    threads[2].start()
    _until_waiting(2)
    release.set()
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "a request is stuck: deadlock?"
    return results["first"], results["second"]


@pytest.fixture
def editors(editor):
    other = user_create(username="editor2", password=PASSWORD, role="editor", validate=False)
    clients = []
    for user in (editor, other):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    return clients


def _lock(model, pk):
    return lambda: model.objects.select_for_update().get(pk=pk)


def _world():
    source = make_source(REPORT)
    start, end = span_of(source, "the official accused Israel")
    passage = passage_mark(source=source, start=start, end=end).passage
    claim = make_draft_claim()
    evidence = Evidence.objects.create(claim=claim, passage=passage)
    return source, passage, claim, evidence


# --- evidence edit vs evidence delete --------------------------------------------------


@pytest.mark.parametrize("edit_first", [True, False], ids=["edit-first", "delete-first"])
def test_evidence_edit_races_evidence_delete(editors, edit_first):
    one, two = editors
    _, _, claim, evidence = _world()

    def edit():
        return one.post(
            f"/evidence/{evidence.pk}/edit/", {"relation": "disputes", "note": "n"}, headers=HX
        )

    def delete():
        return two.post(f"/evidence/{evidence.pk}/delete/", {"confirmed": "1"}, headers=HX)

    if edit_first:
        edited, deleted = race(_lock(Evidence, evidence.pk), edit, delete)
        assert (edited, deleted) == (200, 200)
    else:
        deleted, edited = race(_lock(Evidence, evidence.pk), delete, edit)
        assert (deleted, edited) == (200, 410)
    assert not Evidence.objects.exists() and Claim.objects.filter(pk=claim.pk).exists()


# --- passage note vs passage delete ----------------------------------------------------


@pytest.mark.parametrize("note_first", [True, False], ids=["note-first", "delete-first"])
def test_passage_note_races_passage_delete(editors, note_first):
    one, two = editors
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    passage = passage_mark(source=source, start=start, end=end).passage
    base = f"/sources/{source.pk}/passages/{passage.pk}"

    def note():
        return one.post(f"{base}/edit/", {"note": "the envoy is Steve Witkoff"}, headers=HX)

    def delete():
        return two.post(f"{base}/delete/", {"confirmed": "1"}, headers=HX)

    if note_first:
        noted, deleted = race(_lock(Passage, passage.pk), note, delete)
        assert (noted, deleted) == (200, 200)
    else:
        deleted, noted = race(_lock(Passage, passage.pk), delete, note)
        assert (deleted, noted) == (200, 410)
    assert not Passage.objects.exists()


# --- new claim vs passage delete -------------------------------------------------------


@pytest.mark.parametrize("claim_first", [True, False], ids=["claim-first", "delete-first"])
def test_new_claim_races_passage_delete(editors, claim_first):
    one, two = editors
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    passage = passage_mark(source=source, start=start, end=end).passage
    base = f"/sources/{source.pk}/passages/{passage.pk}"

    def new_claim():
        return one.post(
            f"{base}/evidence/",
            {
                "action": "new",
                "save": "draft",
                "claim-statement": "Witkoff cut off the direct talks",
                "claim-kind": "other",
                "claim-made_on_precision": "day",
                "claim-language": "en",
                "ev-relation": "states",
            },
            headers=HX,
        )

    def delete():
        return two.post(f"{base}/delete/", {"confirmed": "1"}, headers=HX)

    if claim_first:
        created, deleted = race(_lock(Passage, passage.pk), new_claim, delete)
        # The claim rests on the passage now: the delete is refused, saying so.
        assert (created, deleted) == (200, 409)
        assert Claim.objects.get().evidence.get().passage == passage
    else:
        deleted, created = race(_lock(Passage, passage.pk), delete, new_claim)
        assert (deleted, created) == (200, 410)
        # Nothing half-made: no claim without its passage.
        assert not Claim.objects.exists() and not Passage.objects.exists()


# --- claim delete vs evidence edit -----------------------------------------------------


@pytest.mark.parametrize("delete_first", [True, False], ids=["delete-first", "edit-first"])
def test_claim_delete_races_evidence_edit(editors, delete_first):
    one, two = editors
    _, passage, claim, evidence = _world()

    def delete_claim():
        return one.post(f"/claims/{claim.pk}/delete/", {"confirmed": "1"}, headers=HX)

    def edit():
        return two.post(
            f"/evidence/{evidence.pk}/edit/",
            {"relation": "context", "note": "", "next": f"/claims/{claim.pk}/"},
            headers=HX,
        )

    if delete_first:
        deleted, edited = race(_lock(Evidence, evidence.pk), delete_claim, edit)
        assert (deleted, edited) == (200, 410)
    else:
        edited, deleted = race(_lock(Evidence, evidence.pk), edit, delete_claim)
        assert (edited, deleted) == (200, 200)
    assert not Claim.objects.exists() and not Evidence.objects.exists()
    assert Passage.objects.filter(pk=passage.pk).exists()


# --- source revise vs source delete ----------------------------------------------------


def _revise(client, source):
    return lambda: client.post(
        f"/sources/{source.pk}/revise/",
        {"text": source.text.replace("Gabe", "Steve"), "note": "name", "base_revision": 1},
    )


def _delete_source(client, source):
    return lambda: client.post(f"/sources/{source.pk}/delete/", {"confirmed": "1"})


@pytest.mark.parametrize("revise_first", [True, False], ids=["revise-first", "delete-first"])
def test_source_revise_races_source_delete(editors, admin_user, revise_first):
    one, _ = editors
    deleter = Client(raise_request_exception=False)
    deleter.force_login(admin_user)  # editors may not delete sources; admins may
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    passage_mark(source=source, start=start, end=end)
    if revise_first:
        revised, deleted = race(
            _lock(Source, source.pk), _revise(one, source), _delete_source(deleter, source)
        )
        assert (revised, deleted) == (302, 302)
    else:
        deleted, revised = race(
            _lock(Source, source.pk), _delete_source(deleter, source), _revise(one, source)
        )
        assert (deleted, revised) == (302, 410)
    assert not Source.objects.exists() and not Passage.objects.exists()


def test_a_delete_waiting_on_a_revision_that_holds_its_passages_does_not_deadlock(
    editors, admin_user
):
    """The deadlock the desk had: the revision locks the source then writes the passages,
    the delete locked the passages then the source. Now the delete takes the source first."""
    one, _ = editors
    deleter = Client(raise_request_exception=False)
    deleter.force_login(admin_user)
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    passage = passage_mark(source=source, start=start, end=end).passage
    # The revision gets the source and then waits on the passage; the delete waits on the source.
    revised, deleted = race(
        _lock(Passage, passage.pk), _revise(one, source), _delete_source(deleter, source)
    )
    assert (revised, deleted) == (302, 302)
    assert not Source.objects.exists()


# --- resolving a flagged passage: two editors, a revision, a delete ----------------------


def _flagged(editor):
    from tests.reviewing import build_flagged

    return build_flagged(by=editor)


def _confirm(client, passage, seen, **extra):
    url = f"/sources/{passage.source_id}/passages/{passage.pk}/confirm/"
    return lambda: client.post(url, {"seen": seen, **extra}, headers=HX)


def _move(client, world, passage, seen, words):
    start = world.revision.text.index(words)
    url = f"/sources/{passage.source_id}/passages/{passage.pk}/move/"
    data = {
        "seen": seen,
        "revision": world.revision.number,
        "start": start,
        "end": start + len(words),
        "unit": "codepoint",
    }
    return lambda: client.post(url, data, headers=HX)


@pytest.mark.parametrize("confirm_first", [True, False], ids=["confirm-first", "move-first"])
def test_two_editors_resolving_one_flagged_passage_one_wins_the_other_gets_409(
    editors, editor, confirm_first
):
    from dealtracker.sources.review import review_state

    one, two = editors
    world = _flagged(editor)
    envoy = world.envoy
    seen = review_state(envoy)
    words = "White House advisor Steve Witkoff cut off the talks"
    confirm, move = _confirm(one, envoy, seen), _move(two, world, envoy, seen, words)
    if confirm_first:
        confirmed, moved = race(_lock(Source, world.source.pk), confirm, move)
        assert (confirmed, moved) == (200, 409)
        envoy.refresh_from_db()
        assert envoy.quote == "Steve Witkoff cut off the talks" and not envoy.needs_review
    else:
        moved, confirmed = race(_lock(Source, world.source.pk), move, confirm)
        assert (moved, confirmed) == (200, 409)
        envoy.refresh_from_db()
        assert envoy.quote == words and not envoy.needs_review
    # The evidence followed whatever won, and the history holds one resolution.
    assert Evidence.objects.get(claim=world.claims["envoy"]).passage_id == envoy.pk
    reasons = list(envoy.history.values_list("history_change_reason", flat=True))
    assert sum(1 for r in reasons if r and ("confirmed" in r or "moved by hand" in r)) == 1


@pytest.mark.parametrize("move_first", [True, False], ids=["move-first", "revise-first"])
def test_a_move_racing_a_revision_of_the_text_never_lands_on_the_old_text(
    editors, editor, move_first
):
    from dealtracker.sources.review import review_state

    one, two = editors
    world = _flagged(editor)
    envoy = world.envoy
    words = "White House advisor Steve Witkoff cut off the talks"
    move = _move(one, world, envoy, review_state(envoy), words)
    new_text = "A new first line of the report.\n" + world.revision.text

    def revise():
        return two.post(
            f"/sources/{world.source.pk}/revise/",
            {"text": new_text, "note": "intro", "base_revision": world.revision.number},
        )

    if move_first:
        moved, revised = race(_lock(Source, world.source.pk), move, revise)
        assert (moved, revised) == (200, 302)
    else:
        revised, moved = race(_lock(Source, world.source.pk), revise, move)
        assert (revised, moved) == (302, 409)
    envoy.refresh_from_db()
    current = world.source.revisions.order_by("-number").first()
    assert current.number == 3 and envoy.revision_anchored_id == current.pk
    assert current.text[envoy.start : envoy.end] == envoy.quote


@pytest.mark.parametrize("detach_first", [True, False], ids=["detach-first", "delete-first"])
@pytest.mark.parametrize("from_queue", [False, True], ids=["panel", "queue"])
def test_detaching_races_deleting_the_passage(editors, editor, detach_first, from_queue):
    from dealtracker.sources.review import review_state

    one, two = editors
    world = _flagged(editor)
    aside = world.aside
    Evidence.objects.filter(passage=aside).delete()  # so that it can be deleted
    base = f"/sources/{aside.source_id}/passages/{aside.pk}"
    extra = {"next": "/sources/review/"} if from_queue else {}

    def detach():
        data = {"seen": review_state(aside), "confirmed": "1", **extra}
        return one.post(f"{base}/detach/", data, headers=HX)

    def delete():
        return two.post(f"{base}/delete/", {"confirmed": "1"}, headers=HX)

    if detach_first:
        detached, deleted = race(_lock(Source, world.source.pk), detach, delete)
        assert (detached, deleted) == (200, 200)
    else:
        deleted, detached = race(_lock(Source, world.source.pk), delete, detach)
        assert (deleted, detached) == (200, 410)
    assert not Passage.objects.filter(pk=aside.pk).exists()


def test_two_editors_marking_at_once_get_two_labels(editors):
    one, two = editors
    source = make_source(REPORT)

    def mark_words(client, words):
        start, end = span_of(source, words)
        url = f"/sources/{source.pk}/passages/"
        data = {"start": start, "end": end, "unit": "codepoint"}
        return lambda: client.post(url, data, headers=HX)

    first, second = race(
        _lock(Source, source.pk),
        mark_words(one, "Gabe Witkoff"),
        mark_words(two, "the official accused Israel"),
    )
    assert (first, second) == (201, 201)
    numbers = dict(Passage.objects.values_list("quote", "number"))
    assert numbers == {"Gabe Witkoff": 1, "the official accused Israel": 2}
