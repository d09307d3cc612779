"""The demo world, built from one report (report-hamas-offer-2025.txt, in this folder).

Plain data, loaded by `manage.py loaddemo` (see load.py). Everything is keyed
by a natural key (party and deal slugs, deal + clause reference, source URL,
passage sentence, claim statement), so loading twice changes nothing.

What the report says is used as it says it. Where the demo needs a fact the
report does not give, the comment says so and where it comes from (the
published outline of the January 2025 agreement), or that it is an assumption.
Passages are whole sentences of the report, copied exactly: the loader finds
each one in the canonical text and refuses to load if it is missing or repeated.
"""

from __future__ import annotations

import datetime as dt

D = dt.date

REPORT_FILE = "report-hamas-offer-2025.txt"

# --- Parties -----------------------------------------------------------------
# slug: fields
PARTIES = {
    "israel": {
        "name": "Israel",
        "short_name": "Israel",
        "kind": "state",
        "aliases": ["State of Israel", "Israeli government"],
        "description": "Signatory of the January 2025 Gaza ceasefire and hostage-release deal.",
    },
    "hamas": {
        "name": "Hamas",
        "short_name": "Hamas",
        "kind": "armed_group",
        "aliases": ["Islamic Resistance Movement", "حماس"],
        "description": "Signatory of the January 2025 deal; holds the hostages taken to Gaza.",
    },
    "egypt": {
        "name": "Egypt",
        "short_name": "Egypt",
        "kind": "state",
        "aliases": ["Arab Republic of Egypt"],
        "description": "Mediator of the January 2025 deal and co-author of the Egypt–Qatar proposal.",
    },
    "qatar": {
        "name": "Qatar",
        "short_name": "Qatar",
        "kind": "state",
        "aliases": ["State of Qatar"],
        "description": "Mediator of the January 2025 deal and co-author of the Egypt–Qatar proposal.",
    },
    "united-states": {
        "name": "United States",
        "short_name": "US",
        "kind": "state",
        "aliases": ["USA", "United States of America", "White House"],
        "description": "Mediator of the January 2025 deal.",
    },
}

# --- Deals ---------------------------------------------------------------------
JANUARY_DEAL = "gaza-ceasefire-2025"
EGYPT_QATAR_PROPOSAL = "egypt-qatar-proposal-2025"

DEALS = [
    {
        "slug": JANUARY_DEAL,
        "title": "Gaza ceasefire and hostage-release deal (January 2025)",
        "status": "suspended",
        "summary": (
            "A three-phase deal brokered in January 2025 by Egypt, Qatar and the United States: "
            "a first phase of short ceasefires and partial exchanges of hostages and prisoners, "
            "a second phase meant to bring a permanent ceasefire and a full Israeli withdrawal "
            "from Gaza, due to begin on 2 March 2025, and a third phase. Negotiations on phase two "
            "were due to begin in early February; they did not, and phase two has not begun."
        ),
        # The report: "a deal brokered in January".
        "date_agreed": D(2025, 1, 1),
        "date_agreed_precision": "month",
        "purpose": "peace_process",
        "stage": "preliminary",
        "form": "written",
        "mediated": True,
        # Not in the report: the first phase took effect on 19 January 2025.
        "effective_on": D(2025, 1, 19),
        "editor_note": "",
        "answers": None,
        "parties": [
            ("israel", "signatory"),
            ("hamas", "signatory"),
            ("egypt", "mediator"),
            ("qatar", "mediator"),
            ("united-states", "mediator"),
        ],
        # order: fields. Phase one's dates and length (42 days) are from the
        # agreement's published outline; phase two's start is the report's.
        "phases": [
            {
                "order": 1,
                "name": "Short ceasefires and partial exchanges",
                "description": "Phase one: short ceasefires and partial exchanges of hostages and prisoners.",
                "status": "completed",
                "planned_start": D(2025, 1, 19),
                "planned_end": D(2025, 3, 1),
                "actual_start": D(2025, 1, 19),
                "actual_end": D(2025, 3, 1),
            },
            {
                "order": 2,
                "name": "Permanent ceasefire and full withdrawal",
                "description": (
                    "Phase two, scheduled to begin on March 2: a complete halt to hostilities, a full "
                    "Israeli withdrawal from Gaza and the release of the remaining hostages."
                ),
                "status": "stalled",
                "planned_start": D(2025, 3, 2),
                # 42 days, like phase one (agreement outline, not the report).
                "planned_end": D(2025, 4, 12),
            },
            {
                "order": 3,
                "name": "Remains and reconstruction",
                "description": (
                    "Phase three (agreement outline, not in the report): return of the remains of "
                    "deceased hostages and the start of reconstruction. No dates set."
                ),
                "status": "scheduled",
            },
        ],
        # Deadlines: "date" (with "date_precision"), or "delay" = (n, unit, anchor, phase order).
        "clauses": [
            {
                "reference": "1.1",
                "phase": 1,
                "title": "Short ceasefires during phase one",
                "text": "Hostilities pause for the duration of the first phase.",
                "category": "hostilities",
                "obliged": ["israel", "hamas"],
            },
            {
                "reference": "1.2",
                "phase": 1,
                "title": "Partial exchange of hostages and prisoners",
                "text": (
                    "Hamas releases a first group of hostages; Israel releases Palestinian prisoners "
                    "in exchange, in stages through the first phase."
                ),
                "category": "hostages_prisoners",
                "obliged": ["israel", "hamas"],
            },
            {
                "reference": "1.3",
                "phase": 1,
                "title": "Aid corridors reopened, including the Netzarim route",
                "text": (
                    "Humanitarian aid corridors are reopened and Israeli forces leave the Netzarim "
                    "route so that aid and displaced people can move through Gaza."
                ),
                "category": "humanitarian",
                "obliged": ["israel"],
                # Day 22 of phase one in the agreement outline (not in the report).
                "delay": (22, "days", "start", 1),
            },
            {
                "reference": "1.4",
                "phase": 1,
                "title": "Negotiations on phase two begin",
                "text": "Negotiations on the terms of the second phase begin during the first phase.",
                "category": "negotiations",
                "obliged": ["israel", "hamas"],
                # The report: "phase two negotiations, which were supposed to begin in early February".
                "date": D(2025, 2, 1),
                "date_precision": "early",
            },
            {
                "reference": "2.1",
                "phase": 2,
                "title": "Permanent ceasefire",
                "text": "A complete halt to hostilities from the start of the second phase.",
                "category": "hostilities",
                "obliged": ["israel", "hamas"],
            },
            {
                "reference": "2.2",
                "phase": 2,
                "title": "Full Israeli withdrawal from Gaza",
                "text": "Israeli forces withdraw completely from the Gaza Strip.",
                "category": "withdrawal",
                "obliged": ["israel"],
            },
            {
                "reference": "2.3",
                "phase": 2,
                "title": "Release of all remaining hostages",
                "text": "Hamas releases all remaining living hostages.",
                "category": "hostages_prisoners",
                "obliged": ["hamas"],
            },
            {
                "reference": "2.4",
                "phase": 2,
                "title": "Prisoner exchange for the remaining hostages",
                "text": "Israel releases Palestinian prisoners in exchange for the remaining hostages.",
                "category": "hostages_prisoners",
                "obliged": ["israel"],
            },
            {
                "reference": "3.1",
                "phase": 3,
                "title": "Return of remains and start of reconstruction",
                "text": (
                    "The remains of deceased hostages are returned and reconstruction of Gaza begins "
                    "(agreement outline; the report does not describe phase three)."
                ),
                "category": "other",
                "obliged": ["israel", "hamas"],
            },
            {
                "reference": "G.1",
                "phase": None,
                "title": "Mediators oversee the deal",
                "text": "Egypt, Qatar and the United States broker the deal and its negotiations.",
                "category": "monitoring",
                "obliged": ["egypt", "qatar", "united-states"],
            },
        ],
    },
    {
        "slug": EGYPT_QATAR_PROPOSAL,
        "title": "Egypt–Qatar proposal: 50-day ceasefire (2025)",
        "status": "proposed",
        "summary": (
            "A package brokered by Egypt and Qatar, reported by Reuters: a 50-day ceasefire, "
            "hostage releases beginning with American-Israeli soldier Edan Alexander, 250 "
            "Palestinian prisoners for each Israeli, a complete suspension of Israeli military "
            "activity during the truce, and reopened aid corridors including the Netzarim route. "
            "Hamas, the report says, stands by it."
        ),
        # The report gives no date for it; 2025 is all we know.
        "date_agreed": None,
        "date_agreed_precision": "day",
        "purpose": "humanitarian",
        "stage": "preliminary",
        "form": "",
        "mediated": True,
        "effective_on": None,
        "editor_note": (
            "The report's wording is ambiguous: it says Hamas \u201ccontinues to stand by the "
            "original deal brokered by Egypt and Qatar\u201d, then describes that deal as a 50-day "
            "ceasefire with hostage releases beginning with Edan Alexander and 250 Palestinian "
            "prisoners for each Israeli. Those are not the terms of the January 2025 deal (brokered "
            "by Egypt, Qatar and the United States), so we record the package as a separate "
            "proposal answering the January deal. It may instead be the report's way of naming the "
            "January deal; check with Reuters' original before relying on either reading."
        ),
        "answers": JANUARY_DEAL,
        "parties": [
            ("egypt", "mediator"),
            ("qatar", "mediator"),
            ("hamas", "signatory"),
            ("israel", "signatory"),
        ],
        "phases": [],
        "clauses": [
            {
                "reference": "1",
                "phase": None,
                "title": "50-day ceasefire",
                "text": "A ceasefire of 50 days.",
                "category": "hostilities",
                "obliged": ["israel", "hamas"],
            },
            {
                "reference": "2",
                "phase": None,
                "title": "Hostage releases beginning with Edan Alexander",
                "text": "Hamas releases hostages, beginning with American-Israeli soldier Edan Alexander.",
                "category": "hostages_prisoners",
                "obliged": ["hamas"],
            },
            {
                "reference": "3",
                "phase": None,
                "title": "250 Palestinian prisoners for each Israeli",
                "text": "Israel releases 250 Palestinian prisoners for each Israeli released.",
                "category": "hostages_prisoners",
                "obliged": ["israel"],
            },
            {
                "reference": "4",
                "phase": None,
                "title": "Complete suspension of Israeli military activity",
                "text": "Israeli military activity is completely suspended during the truce.",
                "category": "hostilities",
                "obliged": ["israel"],
            },
            {
                "reference": "5",
                "phase": None,
                "title": "Aid corridors reopened, including the Netzarim route",
                "text": "Humanitarian aid corridors are reopened, including the Netzarim route.",
                "category": "humanitarian",
                "obliged": ["israel"],
            },
        ],
    },
]

# --- The source ----------------------------------------------------------------
SOURCE = {
    # The sample has no address; a reserved documentation domain keeps the
    # demo from pointing at a real page. It is also the source's natural key.
    "url": "https://example.org/demo/report-hamas-offer-2025",
    "kind": "news_report",
    # The sample has no headline: this one is ours, from its first sentence.
    "title": "Hamas ready to free all hostages if Israel ends the war and withdraws, official says",
    # The report reads as The Times of Israel's own interview ("told The Times
    # of Israel"); the outlet is our reading of that.
    "outlet": "The Times of Israel",
    "author": "",
    "attribution": (
        "The Times of Israel, citing a senior Palestinian official involved in the truce talks; "
        "Reuters cited"
    ),
    # Assumption: the report gives no date. Mid-April 2025 fits what it reports
    # (more than 50,000 dead, Hamas rejecting Israel's latest proposal).
    "published_on": D(2025, 4, 17),
    "language": "en",
}

# --- Passages ------------------------------------------------------------------
# key: (exact sentence of the report, internal note)
PASSAGES = {
    "offer": (
        "Hamas is prepared to release all remaining Israeli hostages immediately if Israel agrees "
        "to end its military campaign in Gaza and withdraw its forces, a senior Palestinian official "
        "involved in ongoing truce talks told The Times of Israel.",
        "",
    ),
    "full-release": (
        "The official said Hamas is ready to proceed with the full release under the condition of a "
        "permanent ceasefire — a key part of the second phase in a deal brokered in January.",
        "",
    ),
    "phase-two": (
        "The second phase of the agreement, scheduled to begin on March 2, was supposed to bring a "
        "complete halt to hostilities and a full Israeli withdrawal from Gaza.",
        "",
    ),
    "refusing": (
        "However, the official accused Israel of refusing to honor that part of the deal.",
        "",
    ),
    "extension": (
        "Instead, Israel has reportedly pushed for an extension of the first phase, which only "
        "allowed short ceasefires and partial prisoner swaps.",
        "“Reportedly” is not attributed: the report does not say who reported it.",
    ),
    "military-operations": (
        "The source claims Israel is trying to continue military operations while negotiating for "
        "the hostages without meeting the full terms agreed earlier.",
        "",
    ),
    "breach": (
        "He also stated that Israel’s refusal to move forward with phase two amounts to a breach of "
        "the original deal, which Israel had signed.",
        "Here “the original deal” is the January deal; further down the report uses the same "
        "words for the Egypt–Qatar package.",
    ),
    "netanyahu-control": (
        "Israeli Prime Minister Benjamin Netanyahu has repeatedly rejected any agreement that would "
        "allow Hamas to remain in control of Gaza.",
        "",
    ),
    "negotiations": (
        "He has also avoided entering phase two negotiations, which were supposed to begin in early "
        "February.",
        "",
    ),
    "not-in-power": ("The official said Hamas is not demanding to remain in power.", ""),
    "neutral-body": (
        "He said the group is open to transferring authority in Gaza to a neutral Palestinian-led "
        "body and accepting a long-term truce with security guarantees.",
        "",
    ),
    "disarm": (
        "However, he stressed that Hamas would not disarm unless a sovereign Palestinian state is "
        "established, arguing that the group’s armed role is central to its identity as a resistance "
        "movement.",
        "",
    ),
    "witkoff": (
        "According to him, American hostage envoy Adam Boehler had engaged in direct talks with Hamas "
        "earlier this year, but those were cut off by White House advisor Gabe Witkoff after news of "
        "the talks became public.",
        "The envoy is Steve Witkoff; the report misnames him “Gabe Witkoff”.",
    ),
    "reuters": (
        "A recent Reuters report supports many of these claims, noting that Hamas has rejected "
        "Israel’s latest proposal and continues to stand by the original deal brokered by Egypt and "
        "Qatar.",
        "Ambiguous: “the original deal brokered by Egypt and Qatar” is described next as a 50-day "
        "ceasefire, which is not the January deal. See the Egypt–Qatar proposal's note.",
    ),
    "fifty-days": (
        "That deal included a 50-day ceasefire, the release of hostages beginning with "
        "American-Israeli soldier Edan Alexander, a prisoner swap of 250 Palestinians for each "
        "Israeli, and a complete suspension of Israeli military activity during the truce.",
        "",
    ),
    "netzarim": (
        "It also called for humanitarian aid corridors to be reopened, including the Netzarim route.",
        "",
    ),
    "presses-on": ("Meanwhile, the Israeli military campaign in Gaza presses on.", ""),
    "death-toll": (
        "According to local health authorities, more than 50,000 Palestinians have died since the "
        "conflict escalated.",
        "",
    ),
    "in-return": (
        "He stated that if Israel commits to ending the war and withdrawing, Hamas will release all "
        "hostages in return.",
        "",
    ),
}

# --- Claims ----------------------------------------------------------------------
OFFICIAL = "a senior Palestinian official involved in the truce talks"
REPORT = "the report itself (unattributed)"
REUTERS = "Reuters, as cited by the report"

# The report's date (an assumption, see SOURCE): the claims were made around then.
MADE_ON = (D(2025, 4, 11), "mid")
# Fixed, so that loading is reproducible: the demo's claims were published then.
PUBLISHED_AT = dt.datetime(2025, 4, 18, 9, 0, tzinfo=dt.UTC)

# statement is the natural key. "evidence": [(passage key, relation, note)].
# deal / clause: (deal slug, clause reference); phase: (deal slug, order).
CLAIMS = [
    {
        "statement": "Hamas will release all remaining hostages if Israel ends the war in Gaza and withdraws its forces.",
        "kind": "offer",
        "attribution": OFFICIAL,
        "subjects": ["hamas"],
        "deal": JANUARY_DEAL,
        "clause": "2.3",
        "verification": "unverified",
        "published": True,
        "evidence": [("offer", "states", ""), ("in-return", "supports", "")],
    },
    {
        "statement": "Hamas is ready to carry out the full hostage release of phase two once a permanent ceasefire is in place.",
        "kind": "compliance",
        "compliance": "not_yet_due",
        "attribution": OFFICIAL,
        "subjects": ["hamas"],
        "deal": JANUARY_DEAL,
        "clause": "2.3",
        "verification": "unverified",
        "published": True,
        "evidence": [("full-release", "states", "")],
    },
    {
        "statement": "Israel refused to honour phase two of the January deal: the permanent ceasefire and the full withdrawal.",
        "kind": "compliance",
        "compliance": "not_complied",
        "attribution": OFFICIAL,
        "subjects": ["israel"],
        "deal": JANUARY_DEAL,
        "clause": "2.1",
        "verification": "unverified",
        "published": True,
        "evidence": [
            ("refusing", "states", ""),
            ("phase-two", "context", "What “that part of the deal” refers to."),
            ("breach", "supports", ""),
        ],
    },
    {
        "statement": "Israel has not withdrawn its forces from Gaza; its military campaign goes on.",
        "kind": "compliance",
        "compliance": "not_complied",
        "attribution": REPORT,
        "subjects": ["israel"],
        "deal": JANUARY_DEAL,
        "clause": "2.2",
        "verification": "corroborated",
        "published": True,
        "evidence": [("presses-on", "states", ""), ("phase-two", "context", "")],
    },
    {
        "statement": "Israel pushed to extend phase one instead of moving on to phase two.",
        "kind": "offer",
        "attribution": "unnamed reports, as relayed by the report (“reportedly”)",
        "subjects": ["israel"],
        "deal": JANUARY_DEAL,
        "phase": 1,
        "verification": "unverified",
        "published": True,
        "evidence": [("extension", "states", "")],
    },
    # The contested cell: clause 1.2 × Israel, complied (the report) against
    # not complied (the official).
    {
        "statement": "Phase one's partial exchanges of hostages and prisoners took place.",
        "kind": "compliance",
        "compliance": "complied",
        "attribution": REPORT,
        "subjects": ["israel", "hamas"],
        "deal": JANUARY_DEAL,
        "clause": "1.2",
        "verification": "corroborated",
        "published": True,
        "evidence": [("extension", "states", "“Partial prisoner swaps” happened in phase one.")],
    },
    {
        "statement": "Israel is negotiating for the hostages without meeting the full terms it agreed to in January.",
        "kind": "compliance",
        "compliance": "not_complied",
        "attribution": OFFICIAL,
        "subjects": ["israel"],
        "deal": JANUARY_DEAL,
        "clause": "1.2",
        "verification": "unverified",
        "published": True,
        "evidence": [
            (
                "military-operations",
                "states",
                "The official does not say which terms; filed under the exchange clause because "
                "he speaks of negotiating for the hostages.",
            ),
        ],
    },
    {
        "statement": "Israel avoided entering the phase-two negotiations that were due to begin in early February.",
        "kind": "compliance",
        "compliance": "not_complied",
        "attribution": REPORT + ", of Prime Minister Benjamin Netanyahu",
        "subjects": ["israel"],
        "deal": JANUARY_DEAL,
        "clause": "1.4",
        "verification": "corroborated",
        "published": True,
        "evidence": [("negotiations", "states", "")],
    },
    {
        "statement": "Israel rejects any agreement that would leave Hamas in control of Gaza.",
        "kind": "offer",
        "claimant": "israel",
        "attribution": "Prime Minister Benjamin Netanyahu, as the report describes his position",
        "subjects": ["israel", "hamas"],
        "deal": JANUARY_DEAL,
        "verification": "corroborated",
        "published": True,
        "evidence": [("netanyahu-control", "states", "")],
    },
    {
        "statement": "Hamas is not demanding to stay in power and would hand authority in Gaza to a neutral Palestinian-led body.",
        "kind": "offer",
        "attribution": OFFICIAL,
        "subjects": ["hamas"],
        "deal": JANUARY_DEAL,
        "verification": "unverified",
        "published": True,
        "evidence": [("not-in-power", "states", ""), ("neutral-body", "states", "")],
    },
    {
        "statement": "Hamas will not disarm unless a sovereign Palestinian state is established.",
        "kind": "demand",
        "attribution": OFFICIAL,
        "subjects": ["hamas"],
        "verification": "unverified",
        "published": False,
        "evidence": [("disarm", "states", "")],
    },
    {
        "statement": "White House envoy Steve Witkoff cut off direct US talks with Hamas after they became public.",
        "kind": "other",
        "attribution": OFFICIAL,
        "subjects": ["united-states"],
        "verification": "disputed",
        "published": False,
        "evidence": [("witkoff", "states", "The report names him “Gabe Witkoff”.")],
        "verification_changes": [
            (
                "unverified",
                "disputed",
                "The report gets the envoy's name wrong (“Gabe Witkoff”), and no second source "
                "says who ended the talks. Held back until one does.",
            ),
        ],
    },
    {
        "statement": "Hamas has rejected Israel's latest proposal and stands by the Egypt–Qatar deal.",
        "kind": "offer",
        "attribution": REUTERS,
        "subjects": ["hamas"],
        "deal": EGYPT_QATAR_PROPOSAL,
        "verification": "corroborated",
        "published": True,
        "evidence": [("reuters", "states", "")],
    },
    {
        "statement": "The Egypt–Qatar proposal offers a 50-day ceasefire, hostage releases beginning with Edan Alexander, and 250 Palestinian prisoners for each Israeli.",
        "kind": "other",
        "attribution": REUTERS,
        "subjects": ["egypt", "qatar"],
        "deal": EGYPT_QATAR_PROPOSAL,
        "verification": "corroborated",
        "published": True,
        "evidence": [("fifty-days", "states", ""), ("netzarim", "supports", "")],
    },
    {
        "statement": "More than 50,000 Palestinians have died in Gaza since the conflict escalated.",
        "kind": "figure",
        "attribution": "local health authorities",
        "subjects": [],
        "verification": "unverified",
        "published": True,
        "evidence": [("death-toll", "states", "")],
    },
]


# The January deal's agreement text: an outline written by the desk from public
# reporting, marked as a summary (the signed text was not published in full).
# Each clause's verbatim words are its sentence in the outline.
AGREEMENT = {
    "deal": "gaza-ceasefire-2025",
    "file": "agreement-gaza-ceasefire-2025-outline.txt",
    "role": "summary",
    "source": {
        "url": "https://example.org/demo/gaza-ceasefire-2025-outline",
        "kind": "agreement_text",
        "title": (
            "Gaza ceasefire and hostage-release agreement, January 2025 — "
            "outline as reported publicly (summary, not the official text)"
        ),
        "outlet": "dealtracker desk",
        "author": "",
        "attribution": "The desk's summary of news reports and the mediators' statements",
        "published_on": dt.date(2025, 1, 19),
        "language": "en",
    },
    "clauses": {
        "G.1": "Egypt, Qatar and the United States act as mediators and guarantors of the agreement and of the negotiations it provides for.",
        "1.1": "Both sides halt military operations for the 42 days of the first phase.",
        "1.2": "Hamas releases 33 Israeli hostages — women, children, men over 50, and the sick and wounded — while Israel releases Palestinian prisoners and detainees in exchange.",
        "1.3": "Humanitarian aid enters Gaza at about 600 trucks a day, and displaced Palestinians return to the north of the Strip, including through the Netzarim corridor.",
        "1.4": "Indirect negotiations on the terms of the second phase begin no later than the 16th day of the first phase.",
        "2.1": "A permanent end to hostilities, described as a sustainable calm, begins with the second phase.",
        "2.2": "Israeli forces withdraw completely from the Gaza Strip.",
        "2.3": "Hamas releases all remaining living hostages, including soldiers.",
        "2.4": "Israel releases a further agreed number of Palestinian prisoners in exchange for the remaining hostages.",
        "3.1": "The remains of hostages who died are returned, and a reconstruction plan for Gaza over three to five years begins under international supervision.",
    },
}
