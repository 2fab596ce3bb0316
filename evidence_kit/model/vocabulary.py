"""Closed vocabularies: the value sets the models, the Parquet schemas and the
expectation suites all draw from, declared once here.

Each set maps a value to a one-line definition, which ends up in the JSON Schema,
the dataset card and the published column descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, get_args

#: Evidence & Conclusion Ontology codes we accept (ECO release 2024-07-19).
EcoCode = Literal[
    "ECO:0000303",
    "ECO:0000304",
    "ECO:0006017",
    "ECO:0000305",
]
ECO_CODES: Final[dict[EcoCode, str]] = {
    "ECO:0000303": "non-traceable author statement used in manual assertion: the source "
    "states it without saying where it comes from",
    "ECO:0000304": "traceable author statement used in manual assertion: the source "
    "attributes it to a named, traceable party (a person, organisation or document it names); "
    "unnamed 'many', 'doctors' or 'clinical experience' is not traceable",
    "ECO:0006017": "author statement from published clinical study: the source identifies the "
    "reference behind the statement (journal, author, title or identifier); 'a study' is not one",
    "ECO:0000305": "curator inference used in manual assertion: the curator infers the "
    "claim from what the source says",
}

#: How a source states a claim.
StatementMode = Literal[
    "asserted",
    "hedged",
    "conditional",
    "attributed",
    "negated",
]
STATEMENT_MODES: Final[dict[StatementMode, str]] = {
    "asserted": "stated as fact, without qualification",
    "hedged": "stated with a hedge (it is believed, may, probably, some say)",
    "conditional": "stated as holding only under a condition (if too much pressure ...)",
    "attributed": "stated as what a study, journal, doctors or others say or found",
    "negated": "the source denies the claim",
}

#: What the source offers in support of the statement.
SupportType = Literal[
    "none",
    "clinical_experience",
    "expert_opinion",
    "named_study",
    "journal",
]
SUPPORT_TYPES: Final[dict[SupportType, str]] = {
    "none": "no support offered",
    "clinical_experience": "the clinical experience of a party the source names",
    "expert_opinion": "the opinion of experts the source names",
    "named_study": "a study the source identifies (author, title or identifier)",
    "journal": "a journal the source names",
}


#: Whether an attribution names a traceable party ("Dr. X", "J Cutan Aesthet Surg") or not
#: ("many", "some scientific studies", "doctors").
Attribution = Literal["named", "unnamed"]
ATTRIBUTIONS: Final[dict[Attribution, str]] = {
    "named": "the source names a traceable party (a person, organisation, journal or document)",
    "unnamed": "the source credits an unnamed party ('many', 'a study', 'doctors')",
}

#: How regularly a claim holds, in the source's words (Biolink's frequency qualifier).
Frequency = Literal[
    "not_stated",
    "always",
    "usually",
    "generally",
    "in_most_cases",
    "often",
    "common",
    "sometimes",
    "uncommon",
    "rare",
]
FREQUENCIES: Final[dict[Frequency, str]] = {
    "not_stated": "the source states no frequency",
    "always": "always",
    "usually": "usually",
    "generally": "generally",
    "in_most_cases": "in most cases",
    "often": "often",
    "common": "common",
    "sometimes": "sometimes",
    "uncommon": "uncommon",
    "rare": "rare",
}
"""Each frequency and the English phrase a canonical statement must contain for it."""

#: Kinds of reference a page can identify; an unnamed "study" is not a reference.
ReferenceKind = Literal["journal", "article", "author", "identifier", "organisation"]
REFERENCE_KINDS: Final[dict[ReferenceKind, str]] = {
    "journal": "a journal the page names",
    "article": "an article the page identifies by title",
    "author": "an author the page names",
    "identifier": "an identifier the page gives (DOI, PMID, URL)",
    "organisation": "an organisation the page names as the origin",
}

#: Who produced an assertion (Biolink AgentTypeEnum, subset).
AgentType = Literal[
    "manual_agent",
    "automated_agent",
    "manual_validation_of_automated_agent",
]
AGENT_TYPES: Final[dict[AgentType, str]] = {
    "manual_agent": "a human curator read the source and wrote the assertion",
    "automated_agent": "software produced the assertion without human review",
    "manual_validation_of_automated_agent": "software proposed it and a human checked it",
}

#: What kind of document a source is.
SourceType = Literal[
    "clinic_marketing_page",
    "consumer_health_article",
    "machine_translated_article",
    "peer_reviewed_article",
]
SOURCE_TYPES: Final[dict[SourceType, str]] = {
    "clinic_marketing_page": "page of a clinic or hospital that offers the treatment",
    "consumer_health_article": "general-audience health or beauty article",
    "machine_translated_article": "article whose text is an automatic translation",
    "peer_reviewed_article": "article in a peer-reviewed journal",
}

#: Quality flags a source can carry; each comes with a one-line reason.
QualityFlag = Literal[
    "commercial_interest",
    "machine_translated",
    "cites_literature",
]
QUALITY_FLAGS: Final[dict[QualityFlag, str]] = {
    "commercial_interest": "the publisher sells the treatment it describes",
    "machine_translated": "the text shows signs of automatic translation",
    "cites_literature": "the text names a study, journal or publication",
}

#: Record status; retracted records are kept with a reason, never dropped.
Status = Literal[
    "active",
    "retracted",
]
STATUSES: Final[dict[Status, str]] = {
    "active": "current record",
    "retracted": "withdrawn by the curators; kept with its retraction_reason",
}

#: GRADE certainty levels, best first.
Certainty = Literal[
    "high",
    "moderate",
    "low",
    "very_low",
]
CERTAINTY_LEVELS: Final[dict[Certainty, str]] = {
    "high": "further research is very unlikely to change confidence in the claim",
    "moderate": "further research is likely to have an important impact",
    "low": "further research is very likely to have an important impact",
    "very_low": "any estimate of the claim is very uncertain",
}

#: Ordinal vocabularies: the published level order, worst/lowest first, declared once.
#: Parquet dictionaries carry every level in this order with ``ordered=True``,
#: ``evidence_kit.load()`` returns ordered pandas Categoricals with all of them, and
#: ``<column>_rank`` (1-based position here) serves SQL readers (``ORDER BY certainty_rank``).
#: ``severity`` (mild, moderate, severe, not_stated) is not declared ordinal: ``not_stated``
#: has no place on the scale.
CERTAINTY_ORDER: Final[tuple[Certainty, ...]] = ("very_low", "low", "moderate", "high")
ORDINALS: Final[dict[str, tuple[str, ...]]] = {"certainty": CERTAINTY_ORDER}
"""Ordinal column -> its levels in ascending order."""

#: Claim kinds with the predicates each allows (Biolink-style association predicates).
ClaimKind = Literal[
    "mechanism",
    "indication",
    "combination_therapy",
    "adverse_effect",
    "risk_factor",
    "contraindication",
    "procedure_step",
    "aftercare",
    "schedule",
    "cost",
    "setting",
    "comparison",
    "definition",
]
CLAIM_KINDS: Final[dict[ClaimKind, str]] = {
    "mechanism": "how the intervention is said to work",
    "indication": "a condition or aim the intervention is said to treat or improve",
    "combination_therapy": "the intervention combined with another, for a condition",
    "adverse_effect": "an unwanted effect the intervention is said to cause",
    "risk_factor": "a circumstance said to raise the risk of an adverse effect",
    "contraindication": "a condition or population in which the intervention should be "
    "avoided or used with caution",
    "procedure_step": "a step of how the procedure is performed",
    "aftercare": "an instruction for after the treatment",
    "schedule": "how often and how many times the treatment is given",
    "cost": "what the treatment costs",
    "setting": "where the treatment is or should be done (home, clinic, spa)",
    "comparison": "the intervention compared with another on one attribute",
    "definition": "what the intervention is, and its other names",
}

#: ISO 4217 currencies a cost may be stated in.
Currency = Literal[
    "CNY",
    "VND",
    "IDR",
    "SEK",
    "EUR",
    "USD",
]
CURRENCIES: Final[dict[Currency, str]] = {
    "CNY": "Chinese yuan renminbi",
    "VND": "Vietnamese dong",
    "IDR": "Indonesian rupiah",
    "SEK": "Swedish krona",
    "EUR": "euro",
    "USD": "United States dollar",
}


#: Every closed vocabulary by name, with the Literal type it must agree with.
ALL: Final[dict[str, tuple[Mapping[Any, str], tuple[str, ...]]]] = {
    "eco_codes": (ECO_CODES, get_args(EcoCode)),
    "statement_modes": (STATEMENT_MODES, get_args(StatementMode)),
    "support_types": (SUPPORT_TYPES, get_args(SupportType)),
    "attributions": (ATTRIBUTIONS, get_args(Attribution)),
    "frequencies": (FREQUENCIES, get_args(Frequency)),
    "reference_kinds": (REFERENCE_KINDS, get_args(ReferenceKind)),
    "agent_types": (AGENT_TYPES, get_args(AgentType)),
    "source_types": (SOURCE_TYPES, get_args(SourceType)),
    "quality_flags": (QUALITY_FLAGS, get_args(QualityFlag)),
    "statuses": (STATUSES, get_args(Status)),
    "certainty_levels": (CERTAINTY_LEVELS, get_args(Certainty)),
    "claim_kinds": (CLAIM_KINDS, get_args(ClaimKind)),
    "currencies": (CURRENCIES, get_args(Currency)),
}
