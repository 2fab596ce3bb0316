"""Claim certainty and confidence, derived from a claim's assertions by a fixed rule.

GRADE-style certainty and a numeric confidence are never curated by hand: they follow
from the body of assertions behind a claim, so the same data always gives the same
answer and the rule can be read, tested and argued with.

The rule (also in docs/certainty.md):

Supporting assertions are the active, non-negated ones; *works* are counted by
``work_id`` so translations of one article count once.

Certainty starts at ``very_low`` (web pages and clinic marketing, GRADE's floor).

* ``low`` when a supporting assertion rests on a referenced clinical study
  (ECO:0006017) in a source that cites literature, or three or more independent works
  state the claim;
* ``moderate`` only when two or more peer-reviewed articles back the claim with a
  referenced study (ECO:0006017);
* ``high`` only when, in addition, nothing in the dataset contradicts it and three or
  more peer-reviewed works agree.  None of the web pages in this dataset can reach it.

Then one level down (never below ``very_low``) when every supporting assertion is
hedged or conditional, and one level down when an active assertion denies the claim.

Confidence = base(best evidence basis) (0.70 instead when a peer-reviewed article backs
the claim with a referenced study) + 0.10 per extra independent work (at most +0.20),
times 0.85 if every supporting assertion is hedged or conditional, times 0.85 if every
supporting work has a commercial interest, times 0.90 if every supporting source is
machine-translated, times the mean extraction confidence, times the share of supporting
among supporting-plus-denying assertions; rounded to three decimals.

>>> from evidence_kit.curation.certainty import BASE
>>> BASE["ECO:0006017"] > BASE["ECO:0000303"]
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from evidence_kit.model.records import Assertion, Source
from evidence_kit.model.vocabulary import ECO_CODES, Certainty

#: Starting confidence by the strongest evidence basis among supporting assertions.
BASE: dict[str, float] = {
    "ECO:0006017": 0.45,
    "ECO:0000304": 0.35,
    "ECO:0000303": 0.25,
    "ECO:0000305": 0.20,
}
PEER_REVIEWED_BASE = 0.70
LEVELS: tuple[Certainty, ...] = ("very_low", "low", "moderate", "high")
_HEDGED = {"hedged", "conditional"}


@dataclass(frozen=True)
class Assessment:
    """The derived evidence summary of one claim."""

    certainty: Certainty
    confidence: float
    rationale: str
    n_assertions: int
    n_sources: int
    n_works: int


def assess(assertions: Iterable[Assertion], sources: dict[str, Source]) -> Assessment:
    """Certainty, confidence and a one-sentence rationale for one claim's assertions."""
    active = [a for a in assertions if a.status == "active"]
    support = [a for a in active if a.statement_mode != "negated"]
    denying = [a for a in active if a.statement_mode == "negated"]
    n_sources = len({a.source_id for a in support})
    works = {sources[a.source_id].work_id for a in support}
    if not support:
        return Assessment(
            "very_low",
            0.0,
            "very_low: no active assertion supports the claim"
            f"{f' and {len(denying)} deny it' if denying else ''}; "
            "confidence 0.",
            0,
            0,
            0,
        )

    best = min((a.evidence_basis for a in support), key=list(BASE).index)
    peer = [
        a
        for a in support
        if sources[a.source_id].source_type == "peer_reviewed_article"
        and a.evidence_basis == "ECO:0006017"
    ]
    peer_works = {sources[a.source_id].work_id for a in peer}
    study_cited = any(
        a.evidence_basis == "ECO:0006017" and sources[a.source_id].has_flag("cites_literature")
        for a in support
    )
    all_hedged = all(a.statement_mode in _HEDGED for a in support)
    commercial = all(
        any(sources[s].has_flag("commercial_interest") for s in _sources_of(w, support, sources))
        for w in works
    )
    machine = all(sources[a.source_id].has_flag("machine_translated") for a in support)

    level = 0
    if study_cited or len(works) >= 3:
        level = 1
    if len(peer_works) >= 2:
        level = 2
    if len(peer_works) >= 3 and not denying:
        level = 3
    if all_hedged:
        level = max(0, level - 1)
    if denying:
        level = max(0, level - 1)

    confidence = PEER_REVIEWED_BASE if peer else BASE[best]
    confidence += min(0.20, 0.10 * (len(works) - 1))
    factors = []
    if all_hedged:
        confidence *= 0.85
        factors.append("all hedged")
    if commercial:
        confidence *= 0.85
        factors.append("only commercially interested sources")
    if machine:
        confidence *= 0.90
        factors.append("only machine-translated sources")
    # fsum: exact, so the order the assertions come in cannot change the rounded result
    confidence *= math.fsum(a.extraction_confidence for a in support) / len(support)
    if denying:
        confidence *= len(support) / (len(support) + len(denying))
        factors.append(f"{len(denying)} denying assertion(s)")
    confidence = round(min(1.0, max(0.0, confidence)), 3)

    certainty = LEVELS[level]
    basis = ECO_CODES[best].split(":")[0]
    rationale = (
        f"{certainty}: {len(works)} independent work(s) ({n_sources} source(s), "
        f"{len(support)} assertion(s)), strongest basis {best} ({basis})"
        f"{'; ' + ', '.join(factors) if factors else ''}; confidence {confidence}."
    )
    return Assessment(certainty, confidence, rationale, len(support), n_sources, len(works))


def _sources_of(work: str, support: list[Assertion], sources: dict[str, Source]) -> set[str]:
    return {a.source_id for a in support if sources[a.source_id].work_id == work}
