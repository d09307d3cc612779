"""The desk's demo assessments of the January deal, at two dates.

(clause reference, party slug, date, level, rationale, [claim statements cited]).
Keyed by clause, party and date: loading twice creates nothing new. The first
reading follows the report's publication; the second, two weeks on, revises
one judgement (1.2 × Israel) and confirms the others.
"""

from __future__ import annotations

import datetime as dt

from . import data

D = dt.date
FIRST = D(2025, 4, 14)
SECOND = D(2025, 4, 28)
# Fixed, so that loading is reproducible.
PUBLISHED_AT = {
    FIRST: dt.datetime(2025, 4, 14, 16, 0, tzinfo=dt.UTC),
    SECOND: dt.datetime(2025, 4, 28, 16, 0, tzinfo=dt.UTC),
}

EXCHANGES_TOOK_PLACE = "Phase one's partial exchanges of hostages and prisoners took place."
NOT_FULL_TERMS = (
    "Israel is negotiating for the hostages without meeting the full terms it agreed to in January."
)
AVOIDED_TALKS = (
    "Israel avoided entering the phase-two negotiations that were due to begin in early February."
)
NOT_WITHDRAWN = "Israel has not withdrawn its forces from Gaza; its military campaign goes on."
READY_TO_RELEASE = (
    "Hamas is ready to carry out the full hostage release of phase two once a permanent "
    "ceasefire is in place."
)

DEAL = data.JANUARY_DEAL
ASSESSMENTS = [
    # 1.2 × Israel: intermediate, then full.
    (
        "1.2",
        "israel",
        FIRST,
        "intermediate",
        "The report confirms that the partial exchanges of phase one took place, but a senior "
        "Palestinian official says Israel has not met the full terms it agreed to. Until we can "
        "check which terms he means, we judge the exchange carried out in part.",
        [EXCHANGES_TOOK_PLACE, NOT_FULL_TERMS],
    ),
    (
        "1.2",
        "israel",
        SECOND,
        "full",
        "On review, the official's accusation names no term of the phase-one exchange and no "
        "second source supports it; the exchanges themselves are corroborated. We now judge "
        "Israel's part of the exchange carried out in full.",
        [EXCHANGES_TOOK_PLACE, NOT_FULL_TERMS],
    ),
    # 1.2 × Hamas: full at both dates.
    (
        "1.2",
        "hamas",
        FIRST,
        "full",
        "The releases of hostages due in phase one took place, as the report states.",
        [EXCHANGES_TOOK_PLACE],
    ),
    (
        "1.2",
        "hamas",
        SECOND,
        "full",
        "Unchanged: nothing since contradicts the phase-one releases.",
        [EXCHANGES_TOOK_PLACE],
    ),
    # 1.4 × Israel: not started at both dates.
    (
        "1.4",
        "israel",
        FIRST,
        "not_started",
        "The phase-two negotiations were due in early February; the report says Israel avoided "
        "entering them, and we know of no round that took place.",
        [AVOIDED_TALKS],
    ),
    (
        "1.4",
        "israel",
        SECOND,
        "not_started",
        "Unchanged: still no sign that the phase-two negotiations have begun.",
        [AVOIDED_TALKS],
    ),
    # 2.2 × Israel: not started at both dates.
    (
        "2.2",
        "israel",
        FIRST,
        "not_started",
        "Israeli forces remain in Gaza and the military campaign goes on; the withdrawal has "
        "not begun.",
        [NOT_WITHDRAWN],
    ),
    (
        "2.2",
        "israel",
        SECOND,
        "not_started",
        "Unchanged: no withdrawal reported.",
        [NOT_WITHDRAWN],
    ),
    # 2.3 × Hamas: not started (phase two never began), at both dates.
    (
        "2.3",
        "hamas",
        FIRST,
        "not_started",
        "Phase two has not begun, so the release of the remaining hostages has not started; Hamas "
        "says it is ready to carry it out once a permanent ceasefire is in place.",
        [READY_TO_RELEASE],
    ),
    (
        "2.3",
        "hamas",
        SECOND,
        "not_started",
        "Unchanged: the remaining hostages have not been released.",
        [READY_TO_RELEASE],
    ),
]
