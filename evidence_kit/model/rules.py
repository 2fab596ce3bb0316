"""Evidence-basis and wording rules: what an assertion's codes and a claim's words must agree on.

Declarations only (the curated validator runs them, see
:func:`evidence_kit.curation.rulecheck.check_rules`). Each rule names its error type, the
field it is located at, and a test returning ``None`` when the record keeps the rule,
else the template parameters of the finding. The ECO definitions behind them are in
docs/certainty.md:

* ECO:0006017 needs a reference the page identifies (``cites``); "a study" is not one;
* ECO:0000304 needs a named, traceable party (``attribution: named``);
* an unnamed attribution ("many", "some", "a study", "doctors") is ECO:0000303 (or a
  curator's inference, ECO:0000305);
* a listed purpose (``applied_to_treat``) is worded "is used to treat", never "treats".

>>> from evidence_kit.model.records import Assertion
>>> a = Assertion(assertion_id="s001-001", source_id="s001", claim_id="c-x", quote="q",
...     char_start=0, char_end=1, prefix="", suffix="", quote_en="q",
...     statement_mode="attributed", attributed_to="a study", attribution="unnamed",
...     support_type="none", evidence_basis="ECO:0006017", agent_type="manual_agent",
...     curator="c", extraction_confidence=0.5)
>>> [r.error.code for r in ASSERTION_RULES if r.test(a) is not None]
['EK330', 'EK332']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidence_kit.model.claims import ClaimBase
from evidence_kit.model.errors import ERR, ErrorType
from evidence_kit.model.records import Assertion

Params = dict[str, Any] | None


@dataclass(frozen=True)
class AssertionRule:
    """One rule over a single assertion: located at ``field`` when ``test`` returns params."""

    error: ErrorType
    field: str
    test: Callable[[Assertion], Params]


@dataclass(frozen=True)
class ClaimRule:
    """One rule over a single claim's statement and fields."""

    error: ErrorType
    field: str
    test: Callable[[ClaimBase], Params]


UNNAMED_BASES = ("ECO:0000303", "ECO:0000305")
"""The evidence bases an unnamed attribution may carry."""
CITING_SUPPORT = ("named_study", "journal")
NAMED_SUPPORT = ("expert_opinion", "clinical_experience")


def _study_cites(a: Assertion) -> Params:
    return {} if a.evidence_basis == "ECO:0006017" and not a.cites else None


def _traceable_named(a: Assertion) -> Params:
    if a.evidence_basis == "ECO:0000304" and a.attribution != "named":
        return {"actual": a.attribution}
    return None


def _unnamed_basis(a: Assertion) -> Params:
    if a.attribution == "unnamed" and a.evidence_basis not in UNNAMED_BASES:
        return {"actual": a.evidence_basis, "attributed_to": a.attributed_to}
    return None


def _attribution_given(a: Assertion) -> Params:
    if a.attributed_to and a.attribution is None:
        return {"reason": "attributed_to is given without attribution (named or unnamed)"}
    if a.attribution and not a.attributed_to:
        return {"reason": "attribution is given without attributed_to"}
    return None


def _support_cites(a: Assertion) -> Params:
    return {"actual": a.support_type} if a.support_type in CITING_SUPPORT and not a.cites else None


def _support_named(a: Assertion) -> Params:
    if a.support_type in NAMED_SUPPORT and a.attribution != "named":
        return {"actual": a.support_type, "attribution": a.attribution}
    return None


def _reviewer(a: Assertion) -> Params:
    return {"actual": a.reviewed_by} if a.reviewed_by and a.reviewed_by == a.curator else None


def _review_dated(a: Assertion) -> Params:
    if (a.reviewed_by is None) != (a.reviewed_on is None):
        return {"reason": "reviewed_by and reviewed_on must be given together"}
    return None


ASSERTION_RULES: tuple[AssertionRule, ...] = (
    AssertionRule(ERR.STUDY_NEEDS_CITATION, "evidence_basis", _study_cites),
    AssertionRule(ERR.TRACEABLE_NEEDS_NAMED, "evidence_basis", _traceable_named),
    AssertionRule(ERR.UNNAMED_ATTRIBUTION_BASIS, "evidence_basis", _unnamed_basis),
    AssertionRule(ERR.ATTRIBUTION_MISSING, "attribution", _attribution_given),
    AssertionRule(ERR.SUPPORT_NEEDS_CITATION, "support_type", _support_cites),
    AssertionRule(ERR.SUPPORT_NEEDS_NAMED, "support_type", _support_named),
    AssertionRule(ERR.REVIEWER_IS_CURATOR, "reviewed_by", _reviewer),
    AssertionRule(ERR.REVIEW_INCOMPLETE, "reviewed_on", _review_dated),
)

#: Statement words each predicate or combination type needs (any of) or forbids.
WORDING: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("predicate", "applied_to_treat"): (("used",), ()),
    ("predicate", "used_for"): (("used",), ()),
    ("predicate", "treats"): ((), ("used to", "used for")),
    ("combination_type", "combination"): (("combined with", "together with"), ()),
    ("combination_type", "sequential"): (("followed by", "then", "after"), ()),
    ("combination_type", "not_stated"): ((), ("combined with", "together with", "followed by")),
}


def _wording(claim: ClaimBase) -> Params:
    text = claim.statement.casefold()
    for (name, value), (needs, forbids) in WORDING.items():
        if getattr(claim, name, None) != value:
            continue
        if needs and not any(w in text for w in needs):
            return {
                "reason": f"{name} {value} but the statement has none of {list(needs)}",
                "expected": f"one of {list(needs)}",
            }
        bad = [w for w in forbids if w in text]
        if bad:
            return {
                "reason": f"{name} {value} but the statement says {bad[0]!r}",
                "expected": f"none of {list(forbids)}",
            }
    return None


CLAIM_RULES: tuple[ClaimRule, ...] = (ClaimRule(ERR.PREDICATE_WORDING, "statement", _wording),)
