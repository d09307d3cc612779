"""The compliance matrix's kept counts (MatrixCount, kept by triggers), each deal's
(DealComplianceCount) and each deal's latest claim change (DealClaimActivity) always
equal what is read live from the claims, whatever editors do to claims and subjects,
in what order, one by one, in bulk, or at the same time."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dealtracker.claims.compliance import (
    _cell_counts,
    _kept_cell_counts,
    compliance_matrix,
    matrix_claims,
)
from dealtracker.claims.models import (
    Claim,
    ClaimCompliance,
    ClaimKind,
    ClaimVerification,
    DealClaimActivity,
)
from dealtracker.claims.queries import (
    _compliance_counts_live,
    _latest_claim_change_live,
    compliance_counts_by_deal,
)
from dealtracker.deals.models import Deal
from tests.factories import make_clause, make_deal, make_party

COMPLIANCES = ClaimCompliance.values
VERIFICATIONS = ClaimVerification.values


def _live(user, clauses):
    return _cell_counts(matrix_claims(user=user).filter(clause__in=clauses))


def _kept(user, clauses):
    return _kept_cell_counts(clause_ids=[c.pk for c in clauses], user=user)


def _assert_same(clauses, reader, when):
    deal_ids = list(Deal.objects.values_list("pk", flat=True))
    for who in (reader, AnonymousUser()):
        live, kept = _live(who, clauses), _kept(who, clauses)
        # Cells with nothing in them are absent from both.
        assert kept == live, f"after {when} ({'desk' if who is reader else 'public'})"
        by_deal = compliance_counts_by_deal(deal_ids=deal_ids, user=who)
        assert by_deal == _compliance_counts_live(deal_ids=deal_ids, user=who), (
            f"deal counts after {when} ({'desk' if who is reader else 'public'})"
        )
    assert _kept_activity(reader) == _latest_claim_change_live(user=reader), f"after {when}"
    assert _kept_activity(None) == _latest_claim_change_live(user=AnonymousUser()), (
        f"public activity after {when}"
    )


def _kept_activity(reader) -> dict:
    """{deal id: kept latest change} as the desk (reader) or the public (None) reads it."""
    field = "latest_change" if reader is not None else "latest_published_change"
    rows = DealClaimActivity.objects.exclude(**{field: None}).values_list("deal_id", field)
    return dict(rows)


def _world():
    make_deal("other")  # where the "redeal" step moves claims
    deal = make_deal("counted")
    clauses = [make_clause(deal, ref) for ref in ("1.1", "1.2", "2.1")]
    parties = [make_party(f"p{i}", f"Party {i}") for i in range(4)]
    for clause in clauses:
        clause.obliged_parties.set(parties[:3])
    return deal, clauses, parties


def _new_claim(rng, clauses, deal):
    kind = rng.choice(
        [ClaimKind.COMPLIANCE] * 4 + [k for k in ClaimKind.values if k != "compliance"]
    )
    published = rng.random() < 0.6
    return Claim.objects.create(
        statement=f"Claim {rng.random()}",
        kind=kind,
        compliance=rng.choice(COMPLIANCES) if kind == ClaimKind.COMPLIANCE else "",
        verification=rng.choice(VERIFICATIONS),
        is_published=published,
        published_at=timezone.now() if published else None,
        # Without a deal of its own a claim counts for its clause's (or for none).
        deal=rng.choice([deal, deal, None]),
        clause=rng.choice([*clauses, None]),
        made_on=rng.choice([None, dt.date(2025, 1, rng.randint(1, 28))]),
    )


def _step(rng, deal, clauses, parties, extra=()):
    """One random edit (among the usual ones and `extra`); returns what it did."""
    claims = list(Claim.objects.all())
    action = rng.choice(
        ["create"] * 3
        + ["subject", "unsubject", "compliance", "verify", "publish", "move", "kind", "date"]
        + ["delete", "bulk", "clear", "set", "redeal", "bulk delete", *extra]
    )
    if action == "create" or not claims:
        claim = _new_claim(rng, clauses, deal)
        claim.subjects.set(rng.sample(parties, rng.randint(0, 3)))
        return "create"
    claim = rng.choice(claims)
    if action == "subject":
        claim.subjects.add(rng.choice(parties))
    elif action == "unsubject":
        claim.subjects.remove(rng.choice(parties))
    elif action == "compliance" and claim.kind == ClaimKind.COMPLIANCE:
        claim.compliance = rng.choice(COMPLIANCES)
        claim.save()
    elif action == "verify":
        claim.verification = rng.choice(VERIFICATIONS)
        claim.save()
    elif action == "publish":
        claim.is_published = not claim.is_published
        claim.published_at = timezone.now() if claim.is_published else None
        claim.save()
    elif action == "move":
        claim.clause = rng.choice([*clauses, None])
        claim.save()
    elif action == "kind":
        if claim.kind == ClaimKind.COMPLIANCE:
            claim.kind, claim.compliance = ClaimKind.OTHER, ""
        else:
            claim.kind, claim.compliance = ClaimKind.COMPLIANCE, rng.choice(COMPLIANCES)
        claim.save()
    elif action == "date":
        claim.made_on = rng.choice([None, dt.date(2025, 2, rng.randint(1, 28))])
        claim.save()
    elif action == "delete":
        claim.delete()
    elif action == "bulk":  # one UPDATE statement over many claims
        Claim.objects.filter(kind=ClaimKind.COMPLIANCE, pk__in=[c.pk for c in claims[::2]]).update(
            compliance=rng.choice(COMPLIANCES)
        )
    elif action == "redeal":  # the claim's own deal set, cleared or changed
        claim.deal = rng.choice([deal, None, Deal.objects.exclude(pk=deal.pk).first()])
        claim.save()
    elif action == "backdate":  # updated_at set back, on some claims (the newest may be one)
        newest = Claim.objects.order_by("-updated_at").values_list("pk", flat=True)[:1]
        Claim.objects.filter(Q(pk__in=[c.pk for c in claims[::3]]) | Q(pk__in=newest)).update(
            updated_at=timezone.now() - dt.timedelta(days=rng.randint(1, 40))
        )
    elif action == "bulk delete":  # one DELETE statement over several claims
        Claim.objects.filter(pk__in=[c.pk for c in claims[1::3]]).delete()
    elif action == "clear":
        claim.subjects.clear()
    elif action == "set":
        Claim.subjects.through.objects.bulk_create(
            [
                Claim.subjects.through(claim_id=c.pk, party_id=rng.choice(parties).pk)
                for c in rng.sample(claims, min(5, len(claims)))
            ],
            ignore_conflicts=True,
        )
    return action


@pytest.mark.parametrize("seed", range(6))
def test_kept_counts_equal_live_counts_after_every_edit(db, reader, seed):
    rng = random.Random(seed)
    deal, clauses, parties = _world()
    for n in range(70):
        action = _step(rng, deal, clauses, parties, extra=["backdate"])
        _assert_same(clauses, reader, f"step {n}: {action}")


def test_the_matrix_reads_the_kept_counts_and_the_past_matrix_counts_live(db, reader):
    deal, clauses, parties = _world()
    rng = random.Random(99)
    for _ in range(40):
        _step(rng, deal, clauses, parties)
    today = compliance_matrix(deal=deal, user=reader)
    # A day after every claim: the live count must give the same matrix.
    later = compliance_matrix(
        deal=deal, user=reader, as_of=timezone.localdate() + dt.timedelta(days=1)
    )
    shape = lambda m: [  # noqa: E731
        (c.clause.pk, c.party.pk, c.counts, c.refuted, c.latest_compliance)
        for row in m.rows
        for c in row.cells
    ]
    assert shape(today) == shape(later)
    assert any(c.counts for row in today.rows for c in row.cells), "the world has counted claims"


def test_a_claim_edited_without_touching_what_counts_recounts_nothing(db, reader):
    deal, clauses, parties = _world()
    claim = Claim.objects.create(
        statement="Kept", kind="compliance", compliance="complied", deal=deal, clause=clauses[0]
    )
    claim.subjects.add(parties[0])
    tables = ("claims_matrixcount", "claims_dealcompliancecount")
    with connection.cursor() as cursor:
        xmins = {}
        for table in tables:
            cursor.execute(f"SELECT xmin::text FROM {table}")  # noqa: S608 — our own names
            xmins[table] = cursor.fetchall()
    assert all(xmins.values()), "both tables count the claim"
    claim.statement = "Kept, reworded"
    claim.save()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT xmin::text FROM {table}")  # noqa: S608 — our own names
            assert cursor.fetchall() == xmins[table], f"the rows of {table} were rewritten"


def _at_once(*editors) -> list[BaseException]:
    """Run each editor in its own thread (its own connection, closed after), wait for
    all, and return what they raised."""
    errors: list[BaseException] = []

    def run(editor):
        try:
            editor()
        except Exception as error:  # noqa: BLE001 — returned to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(editor,)) for editor in editors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_editors_adding_subjects_to_one_cell_at_once_are_both_counted(reader):
    deal, clauses, parties = _world()
    claims = [
        Claim.objects.create(
            statement=f"Claim {i}",
            kind="compliance",
            compliance="complied",
            deal=deal,
            clause=clauses[0],
        )
        for i in range(20)
    ]
    barrier = threading.Barrier(2)

    def editor(mine):
        with transaction.atomic():
            barrier.wait(timeout=10)
            for claim in mine:
                claim.subjects.add(parties[0])

    errors = _at_once(lambda: editor(claims[0::2]), lambda: editor(claims[1::2]))
    assert not errors
    kept = _kept(reader, clauses)
    assert kept[(clauses[0].pk, parties[0].pk)]["counts"] == {"complied": 20}
    _assert_same(clauses, reader, "two concurrent editors")


@pytest.mark.django_db(transaction=True)
def test_two_editors_adding_claims_to_one_deal_at_once_are_both_counted(reader):
    deal, clauses, parties = _world()
    barrier = threading.Barrier(2)

    def editor(n):
        with transaction.atomic():
            barrier.wait(timeout=10)
            for i in range(15):
                Claim.objects.create(
                    statement=f"Editor {n} claim {i}",
                    kind="compliance",
                    compliance=["complied", "not_complied"][i % 2],
                    deal=deal,
                    clause=clauses[i % 3],
                )

    errors = _at_once(lambda: editor(0), lambda: editor(1))
    assert not errors
    counts = compliance_counts_by_deal(deal_ids=[deal.pk], user=reader)[deal.pk].counts
    assert counts == {"complied": 16, "not_complied": 14}
    _assert_same(clauses, reader, "two editors adding claims at once")


@pytest.mark.django_db(transaction=True)
def test_a_claim_added_while_another_editor_deletes_the_newest_keeps_the_deal_current(reader):
    deal, clauses, _ = _world()
    published = {"is_published": True, "published_at": timezone.now()}
    older = Claim.objects.create(statement="Older", deal=deal, **published)
    newest = Claim.objects.create(statement="Newest", deal=deal, **published)
    Claim.objects.filter(pk=older.pk).update(updated_at=timezone.now() - dt.timedelta(days=9))
    added_first = threading.Event()

    def adder():
        with transaction.atomic():
            added = Claim.objects.create(statement="Added", deal=deal, **published)
            # Its time earlier than the newest claim's (as an archive's restore
            # writes it): the deal's latest change must come from the claims again
            # when the newest goes, and this claim is not committed yet.
            Claim.objects.filter(pk=added.pk).update(
                updated_at=newest.updated_at - dt.timedelta(hours=1)
            )
            added_first.set()
            # The other editor's trigger waits for this transaction, then reads
            # the claims again.
            threading.Event().wait(0.5)

    def deleter():
        assert added_first.wait(timeout=10)
        with transaction.atomic():
            Claim.objects.filter(pk=newest.pk).delete()

    errors = _at_once(adder, deleter)
    assert not errors
    added = Claim.objects.get(statement="Added")
    assert _kept_activity(reader)[deal.pk] == added.updated_at
    _assert_same(clauses, reader, "an addition and a deletion at once")
