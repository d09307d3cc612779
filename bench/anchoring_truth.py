"""Count where re-anchoring puts passages of reports that repeat themselves, against the truth.

    .venv/bin/python bench/anchoring_truth.py [--cases N] [--seed S] [--edits N] [--show K]

Draws N reports (tests/revisions.py: headlines in capitals, lists whose
bullets share a lead-in, paragraphs repeated word for word, look-alike
paragraphs), marks passages on each, revises each by one to three edits
(--edits: exactly that many; siblings swapped, deleted, inserted or replaced,
paragraphs doubled or moved, a word edited, a case-only rewrite, an unrelated
rewrite) and re-anchors every passage. Since the edits carry each passage
along, its true place is known. The script prints how many passages were
tried; placed silently (anchored or moved, not flagged) in a wrong place (the
target is zero); placed silently on a word for word twin of their paragraph
(which of two equal paragraphs an edit touched cannot be read from the texts:
one edited and the two swapped is the other one edited); placed in a wrong
place but flagged for review; orphaned, and orphaned although their unchanged
words occur once in the new text (the target is zero); with the count of each
status. --show K prints the first K silent wrong places and lost passages. The
exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dealtracker.sources.anchoring import reanchor  # noqa: E402
from tests.revisions import make_case, verdict  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000, help="revisions to try (20,000)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (1)")
    parser.add_argument("--show", type=int, default=0, help="print the first K failures")
    parser.add_argument(
        "--edits", type=int, default=None, help="edits per revision (default: one to three)"
    )
    args = parser.parse_args()

    verdicts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    edits: Counter[str] = Counter()
    shown = 0
    began = time.perf_counter()
    for seed in range(args.seed, args.seed + args.cases):
        case = make_case(random.Random(seed), edits=args.edits)
        edits.update(case.edits)
        results = reanchor(case.old, case.new, case.anchors)
        for anchor, truth, result in zip(case.anchors, case.truths, results, strict=True):
            v = verdict(result, truth, anchor, case.new)
            verdicts[v] += 1
            statuses[result.status] += 1
            if result.needs_review:
                flagged[result.status] += 1
            if v in {"silent-wrong", "lost"} and shown < args.show:
                shown += 1
                print(f"--- seed {seed}: {v}, edits {case.edits}")
                print(
                    f"quote {anchor.quote!r} at {anchor.start} (prefix {anchor.prefix!r}, suffix {anchor.suffix!r})"
                )
                print(f"truth {truth}")
                print(f"result {result}")
                print("old:\n" + case.old)
                print("new:\n" + case.new)
    seconds = time.perf_counter() - began

    tried = sum(verdicts.values())
    print(
        f"revisions:             {args.cases:,} (seeds {args.seed}..{args.seed + args.cases - 1}, {seconds:.1f} s)"
    )
    print(f"passages tried:        {tried:,}")
    print(f"silent wrong places:   {verdicts['silent-wrong']:,}")
    print(f"silent on a twin:      {verdicts['silent-twin']:,} (a word for word equal paragraph)")
    print(f"flagged wrong places:  {verdicts['flagged-wrong']:,}")
    print(f"orphans:               {verdicts['orphan'] + verdicts['lost']:,}")
    print(f"  lost:                {verdicts['lost']:,} (unchanged words that occur once)")
    print(f"right places:          {verdicts['right']:,}")
    print("statuses:              " + ", ".join(
        f"{s} {statuses[s]:,} ({flagged[s]:,} flagged)" for s in ("anchored", "moved", "changed", "orphaned")
    ))  # fmt: skip
    print("edits:                 " + ", ".join(f"{k} {n:,}" for k, n in edits.most_common()))
    return 1 if verdicts["silent-wrong"] or verdicts["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
