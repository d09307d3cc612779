"""Slipping terms: clauses due and not carried out in full (DESIGN.md, "Deadlines").

A clause × obliged party is overdue when the clause's due date has passed and
the party's latest assessment (on or before that day) is not *full*, unless the
deal is over (concluded, superseded or collapsed). Listed across deals on
/slipping/ and its Atom feed (`slipping_list`, a page at a time in SQL), and per
deal on the deal page (`overdue_terms`, the rule in Python over the deal's clauses).

Across deals, the SQL reads each clause's due date from Clause.due_on and how many
terms fall due on each day from deals_clause_due_day, both kept by the database
(deals/due_sql.py): a page costs the same whatever the archive holds. Terms whose
every obliged party is assessed *full* are the exceptions, found from the full
assessments; the shown page's terms then go through overdue_terms() itself, so
their due dates, "behind" parties and assessments are the rule's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db import connection
from django.db.models import Q, QuerySet

from dealtracker.accounts.roles import sees_drafts
from dealtracker.db.any_of import any_of_values
from dealtracker.db.statements import compiled
from dealtracker.deals.deadlines import DueDate
from dealtracker.deals.models import DEAL_OVER_STATUSES, Clause, Deal, Party
from dealtracker.deals.queries import obliged_parties_prefetch

from .models import Assessment, AssessmentLevel
from .rollups import latest_assessments


@dataclass
class OverdueTerm:
    clause: Clause
    due: DueDate
    # (party, latest assessment or None) for each obliged party not assessed full.
    behind: list[tuple[Party, Assessment | None]]
    days_overdue: int = 0


def overdue_terms(
    *,
    today: dt.date,
    user,
    deal: Deal | None = None,
    clauses: list[Clause] | None = None,
    latest: dict[tuple[int, int], Assessment] | None = None,
    limit: int | None = None,
) -> list[OverdueTerm]:
    """Overdue clauses, most overdue first; a bounded number of queries.

    The one overdue rule, for /slipping/, its feed and the deal page. A deal that
    is over (concluded, superseded or collapsed, `Deal.is_over`) has no overdue
    terms: nothing more is awaited from its parties, and its unmet terms stay on
    its record (the roll-ups and assessments), not on the slipping list.

    `deal` narrows the list to one deal. A page that already holds that deal's
    clauses (with phase, deadline_phase and obliged_parties loaded) and their
    latest_assessments() as of `today` passes them as `clauses` and `latest`,
    and this runs no query.
    """
    if deal is not None and deal.is_over():
        return []
    if clauses is None:
        clauses = list(_candidate_clauses(today=today, deal=deal))
    candidates = []
    for clause in clauses:
        due = clause.due_date()
        if due.is_past(today):
            candidates.append((clause, due))
    if latest is None:
        latest = latest_assessments(clauses=[c for c, _ in candidates], as_of=today, user=user)
    overdue = []
    for clause, due in candidates:
        behind = []
        for party in clause.obliged_parties.all():
            assessment = latest.get((clause.pk, party.pk))
            if assessment is None or assessment.level != AssessmentLevel.FULL:
                behind.append((party, assessment))
        if behind:
            overdue.append(
                OverdueTerm(
                    clause=clause,
                    due=due,
                    behind=behind,
                    days_overdue=(today - cast(dt.date, due.date)).days,  # a candidate's is set
                )
            )
    overdue.sort(key=lambda term: (term.due.date, term.clause.deal.title, term.clause.position))
    return overdue[:limit] if limit else overdue


def _candidate_clauses(*, today: dt.date, deal: Deal | None) -> QuerySet[Clause]:
    """Clauses of deals that are not over with a date they hang on before today: a cheap
    SQL superset of the overdue ones (the due date is computed in Python, as it depends
    on loose dates and phases)."""
    clauses = Clause.objects.select_related("deal", "phase", "deadline_phase").prefetch_related(
        obliged_parties_prefetch()
    )
    if deal is not None:
        clauses = clauses.filter(deal=deal)
    else:
        clauses = clauses.exclude(deal__status__in=DEAL_OVER_STATUSES)
    # (Loose dates are stored as their period's first day, so "<" keeps them.)
    clauses = clauses.filter(
        Q(deadline_date__lt=today)
        | Q(deadline_phase__actual_start__lt=today)
        | Q(deadline_phase__planned_start__lt=today)
        | Q(deadline_phase__actual_end__lt=today)
        | Q(deadline_phase__planned_end__lt=today)
        | Q(
            deadline_date__isnull=True,
            deadline_phase__isnull=True,
            phase__isnull=False,
        )
        & (Q(phase__actual_end__lt=today) | Q(phase__planned_end__lt=today))
    )
    return clauses.order_by("deal_id", "position", "reference")


# --- across deals, a page at a time --------------------------------------------------

_OVER = tuple(str(status) for status in DEAL_OVER_STATUSES)

# The latest visible assessment (on or before the day) of clause c, party o.party_id,
# is not "full": the party is behind (latest_assessments() and the rule above).
_BEHIND = """
  EXISTS (SELECT 1 FROM deals_clause_obliged_parties o
           WHERE o.clause_id = c.id
             AND (SELECT a.level FROM claims_assessment a
                   WHERE a.clause_id = o.clause_id AND a.party_id = o.party_id
                     AND a.assessed_on <= %(today)s AND (a.is_published OR %(drafts)s)
                   ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1) IS DISTINCT FROM 'full')
"""

# Due, of a deal that is not over, with an obliged party: counted in deals_clause_due_day.
_AWAITED = """
  c.due_on < %(today)s AND d.status <> ALL(%(over)s)
  AND EXISTS (SELECT 1 FROM deals_clause_obliged_parties o WHERE o.clause_id = c.id)
"""

# Awaited terms not overdue: every obliged party's latest assessment is full. Only
# clauses with a full assessment can be; found from those, not from every clause.
_MET = """
SELECT c.id, c.due_on FROM deals_clause c JOIN deals_deal d ON d.id = c.deal_id
 WHERE c.id IN (SELECT a.clause_id FROM claims_assessment a
                 WHERE a.level = 'full' AND a.assessed_on <= %(today)s
                   AND (a.is_published OR %(drafts)s))
   AND AWAITED AND NOT BEHIND
""".replace("AWAITED", _AWAITED).replace("BEHIND", _BEHIND)

# Per day before today: how many overdue terms fall due that day (m), and how many up to
# it (upto; m >= 0, so upto only grows). The list's length is a sum; where a slice starts
# and ends, the first day whose running count passes each bound: each walk stops there
# (cum is inlined into each, not computed over every day; 5 ms -> under 1 ms for the
# first page of the scale-1 archive's 2,148 days).
_DAYS = """
WITH met(due_on, k) AS (SELECT day, count(*) FROM unnest(%(met)s::date[]) AS m(day) GROUP BY day),
cum AS NOT MATERIALIZED (
  SELECT t.due_on, t.n - coalesce(met.k, 0) AS m,
         sum(t.n - coalesce(met.k, 0)) OVER (ORDER BY t.due_on) AS upto
    FROM deals_clause_due_day t LEFT JOIN met ON met.due_on = t.due_on
   WHERE t.due_on < %(today)s)
SELECT (SELECT coalesce(sum(t.n), 0) FROM deals_clause_due_day t WHERE t.due_on < %(today)s)
       - (SELECT coalesce(sum(met.k), 0) FROM met JOIN deals_clause_due_day t USING (due_on)
           WHERE met.due_on < %(today)s),
       first.due_on, first.before,
       (SELECT due_on FROM cum WHERE upto >= %(stop)s ORDER BY due_on LIMIT 1)
  FROM (SELECT) AS one
  LEFT JOIN LATERAL (SELECT due_on, upto - m AS before FROM cum WHERE upto > %(start)s
                      ORDER BY due_on LIMIT 1) AS first ON true
"""

# The page's clauses: overdue, due between its first and last day, in the list's order
# (the deal's title as Python sorts it, code point by code point: COLLATE "C").
_PAGE = """
SELECT c.id FROM deals_clause c JOIN deals_deal d ON d.id = c.deal_id
 WHERE c.due_on >= %(first)s AND c.due_on <= %(last)s AND AWAITED
   AND NOT (c.id = ANY(%(met_ids)s::bigint[]))
 ORDER BY c.due_on, d.title COLLATE "C", c.position, c.deal_id, c.reference
 OFFSET %(skip)s LIMIT %(limit)s
""".replace("AWAITED", _AWAITED)


class SlippingList:
    """Overdue terms across deals, most overdue first, read a page at a time: len() and
    count() are the list's length, a slice runs the page's queries (a Paginator's
    object_list). Same terms, order and contents as overdue_terms() across deals."""

    def __init__(self, *, today: dt.date, user, window: tuple[int, int] | None = None) -> None:
        self.today = today
        self.user = user
        self.drafts = sees_drafts(user)
        self.window = window
        with connection.cursor() as cursor:
            cursor.execute(_MET, self._params())
            met = cursor.fetchall()
        self._met_ids = [pk for pk, _ in met]
        self._met_days = [day for _, day in met]
        self._total: int | None = None
        # The last per-day reading: (start, stop) and what _DAYS answered for them.
        self._read: tuple[int, int, tuple[int, dt.date | None, int, dt.date | None]] | None = None

    def _params(self, **extra) -> dict:
        return {"today": self.today, "drafts": self.drafts, "over": list(_OVER), **extra}

    def _days(self, start: int, stop: int) -> tuple[int, dt.date | None, int, dt.date | None]:
        """The list's length, and where rows [start:stop] lie: the first day holding one,
        how many rows come before that day, the day the slice ends (None: the list's end).

        One query, kept for the next call: it also gives the length, so count() and the
        slice of the same rows read it once."""
        if self._read is not None:
            read_start, read_stop, answer = self._read
            total = answer[0]
            if read_start == start and (read_stop == stop or min(read_stop, stop) >= total):
                return answer
        with connection.cursor() as cursor:
            cursor.execute(_DAYS, self._params(met=self._met_days, start=start, stop=stop))
            total, first, before, last = cursor.fetchone()
        self._total = int(total)
        if stop >= self._total:
            # The slice runs to the list's end: read to the last day, whatever its stop.
            last = None
        answer = (self._total, first, int(before or 0), last)
        self._read = (start, stop, answer)
        return answer

    def count(self) -> int:
        if self._total is None:
            # A page says which rows it will read (`window`): their days come with the count.
            self._days(*(self.window or (0, 0)))
        return cast(int, self._total)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[OverdueTerm]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("a SlippingList is read by slices")
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if start < 0 or stop < 0:
            raise ValueError("no negative indexes")
        if stop <= start:
            return []
        total, first, before, last = self._days(start, stop)
        if first is None:
            return []
        if last is None:
            last = self.today - dt.timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute(
                _PAGE,
                self._params(
                    first=first,
                    last=last,
                    met_ids=self._met_ids,
                    skip=start - before,
                    limit=stop - start,
                ),
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        rows = compiled("claims.slipping_clauses", _clauses_by_id, ids=ids) if ids else ()
        clauses = {c.pk: c for c in rows}
        terms = overdue_terms(today=self.today, user=self.user, clauses=[clauses[pk] for pk in ids])
        # overdue_terms() sorts by the same key; the SQL's order stands for ties.
        order = {pk: i for i, pk in enumerate(ids)}
        terms.sort(key=lambda term: order[term.clause.pk])
        return terms


def _clauses_by_id(*, ids: list[int]) -> QuerySet[Clause]:
    return _with_parties(Clause.objects.filter(any_of_values("id", ids)))


def _with_parties(clauses: QuerySet[Clause]) -> QuerySet[Clause]:
    return clauses.select_related("deal", "phase", "deadline_phase").prefetch_related(
        obliged_parties_prefetch()
    )


def slipping_list(*, today: dt.date, user, window: tuple[int, int] | None = None) -> SlippingList:
    """Overdue terms across deals (/slipping/ and its feed), a page at a time.

    `window`: the rows (start, stop) a page will show. The list's length is then read
    with them, and counting the list and reading those rows cost one per-day query,
    not two."""
    return SlippingList(today=today, user=user, window=window)
