"""Run the evidence-basis, qualifier and wording rules over the curated records.

The rules are declared in :mod:`evidence_kit.model.rules` and
:mod:`evidence_kit.model.qualifiers`; this module only applies them and locates each
finding at the offending field. Retracted records are history: they keep the codes they
were published with (their retraction_reason says what was wrong), so the rules read
active records only.
"""

from __future__ import annotations

from evidence_kit.curation.loader import Curation
from evidence_kit.model.errors import ERR, Finding
from evidence_kit.model.qualifiers import QUALIFIER_FIELDS, missing_phrases
from evidence_kit.model.rules import ASSERTION_RULES, CLAIM_RULES


def check_rules(curation: Curation) -> list[Finding]:
    """Every finding of the record rules, the qualifier rules and the citation links."""
    findings: list[Finding] = []
    claims = {claim.claim_id: claim for _, claim in curation.models("claims")}
    references = {
        source.source_id: [r.reference_id for r in source.cited_references]
        for _, source in curation.models("sources")
    }
    for entry, claim in curation.models("claims"):
        if claim.status != "active":
            continue
        for rule in CLAIM_RULES:
            params = rule.test(claim)
            if params is not None:
                findings.append(entry.finding(rule.error, (rule.field,), **params))
        for name, phrase in missing_phrases(claim.qualifiers, claim.statement):
            findings.append(
                entry.finding(
                    ERR.QUALIFIER_NOT_STATED, ("qualifiers", name), qualifier=name, expected=phrase
                )
            )
    for entry, assertion in curation.models("assertions"):
        if assertion.status != "active":
            continue
        for arule in ASSERTION_RULES:
            params = arule.test(assertion)
            if params is not None:
                findings.append(entry.finding(arule.error, (arule.field,), **params))
        known = references.get(assertion.source_id)
        for i, ref in enumerate(assertion.cites):
            if known is not None and ref not in known:
                findings.append(
                    entry.finding(
                        ERR.UNKNOWN_REFERENCE,
                        ("cites", i),
                        actual=ref,
                        source=assertion.source_id,
                        expected=", ".join(known) or "(none: add it to cited_references)",
                    )
                )
        claim = claims.get(assertion.claim_id)
        if claim is None:  # dangling: reported by the reference check
            continue
        if claim.status != "active":
            findings.append(
                entry.finding(ERR.RETRACTED_CLAIM_SUPPORTED, ("claim_id",), actual=claim.claim_id)
            )
            continue
        for name in QUALIFIER_FIELDS:
            stated, claimed = getattr(assertion.qualifiers, name), getattr(claim.qualifiers, name)
            if stated != claimed:
                findings.append(
                    entry.finding(
                        ERR.QUALIFIER_MISMATCH,
                        ("qualifiers", name),
                        qualifier=name,
                        claim=claim.claim_id,
                        actual=stated,
                        expected=claimed,
                    )
                )
    return findings
