"""The record types of the dataset: the single source of truth for its structure.

Three levels, never mixed (see docs/model.md):

* :class:`Source` -- one captured document, its text hashed and kept under ``dataset/``;
* :class:`Assertion` -- one place where a source states a claim, with the verbatim quote
  and its offsets;
* :class:`Claim` -- the canonical, language-independent statement, typed by ``kind``
  (a discriminated union, each kind with the fields it needs).

plus the vocabularies claims point into (:class:`Intervention`, :class:`Condition`,
:class:`Outcome`).  Everything here is declaration; loading and cross-record checks live
in :mod:`evidence_kit.loader` and :mod:`evidence_kit.validator`.

>>> Outcome(outcome_id="collagen_production", label="collagen production").label
'collagen production'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

import langcodes
import simple_icd_10_cm as icd
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidence_kit.vocabulary import (
    AgentType,
    Currency,
    EcoCode,
    QualityFlag,
    SourceType,
    StatementMode,
    Status,
    SupportType,
)

SCHEMA_VERSION = "1.0.0"
CONTEXT_LENGTH = 32
"""How many code points of text before and after a quote are stored as prefix/suffix."""

TERM_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
BCP47_SYNTAX = r"[A-Za-z0-9]{1,8}(?:-[A-Za-z0-9]{1,8})*"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class Ref:
    """Marks a field as a reference to a record of another table (checked by the validator)."""

    table: Literal["sources", "claims", "interventions", "conditions", "outcomes"]


class Record(BaseModel):
    """Base of every record: unknown fields are errors, defaults are validated too."""

    model_config = ConfigDict(
        extra="forbid",
        validate_default=True,
        str_strip_whitespace=False,
        use_attribute_docstrings=False,
    )


SourceId = Annotated[
    str,
    Field(
        pattern=r"^s[0-9]{3,}$",
        description="Source identifier: s and at least three digits (the seed's index), "
        "e.g. s002; more digits when there are more than 1000 sources.",
        examples=["s002"],
    ),
]
AssertionId = Annotated[
    str,
    Field(
        pattern=r"^s[0-9]{3,}-[0-9]{3,}$",
        description="Assertion identifier: the source id, a dash and a number of at least "
        "three digits, e.g. s002-014.",
        examples=["s002-014"],
    ),
]
ClaimId = Annotated[
    str,
    Field(
        pattern=r"^c-[a-z0-9]+(?:-[a-z0-9]+)*$",
        max_length=80,
        description="Claim identifier: c- and a lower-case slug, e.g. c-mn-treats-acne-scars.",
        examples=["c-mn-treats-acne-scars"],
    ),
]
WorkId = Annotated[
    str,
    Field(
        pattern=r"^w-[a-z0-9]+(?:-[a-z0-9]+)*$",
        description="Work identifier: "
        "sources that are versions (translations) of one article share it.",
    ),
]
TermId = Annotated[str, Field(pattern=TERM_PATTERN, max_length=64)]
InterventionRef = Annotated[
    str,
    Ref("interventions"),
    Field(pattern=TERM_PATTERN, description="intervention_id from vocabularies/interventions.yaml"),
]
ConditionRef = Annotated[
    str,
    Ref("conditions"),
    Field(pattern=TERM_PATTERN, description="condition_id from vocabularies/conditions.yaml"),
]
OutcomeRef = Annotated[
    str,
    Ref("outcomes"),
    Field(pattern=TERM_PATTERN, description="outcome_id from vocabularies/outcomes.yaml"),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Retractable(Record):
    """Records that can be withdrawn: kept with a reason, never silently dropped."""

    status: Status = Field(
        default="active",
        description="active, or retracted (kept with "
        "a reason so downstream users see why it went).",
    )
    retraction_reason: str | None = Field(
        default=None,
        min_length=1,
        description="Why the record was retracted; required when retracted.",
    )

    @model_validator(mode="after")
    def _reason_when_retracted(self) -> Self:
        if self.status == "retracted" and not self.retraction_reason:
            raise PydanticCustomError(
                "retraction_reason", "a retracted record needs a retraction_reason"
            )
        return self


# --------------------------------------------------------------------------- vocabularies


class Intervention(Record):
    """A treatment or product a claim is about (microneedling, vitamin C serum, ...)."""

    intervention_id: TermId = Field(description="Identifier, a lower-case snake_case slug.")
    label: Text = Field(description="English name.")
    description: str | None = Field(default=None, description="One-sentence definition.")
    synonyms: list[str] = Field(
        default_factory=list, description="Other names, in any language, as sources use them."
    )


class Icd10Code(Record):
    """An ICD-10-CM code with its official description, checked against the code set."""

    code: str = Field(
        pattern=r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:-[A-Z][0-9][0-9A-Z])?$",
        description="ICD-10-CM code, category or block (e.g. L80, L90.5, E08-E13).",
    )
    label: str = Field(description="The code's own ICD-10-CM description, exactly.")

    @model_validator(mode="after")
    def _check_code_set(self) -> Self:
        if not icd.is_valid_item(self.code):
            raise PydanticCustomError(
                "icd10cm_unknown", "ICD-10-CM code {code} does not exist", {"code": self.code}
            )
        official = icd.get_description(self.code)
        if self.label != official:
            raise PydanticCustomError(
                "icd10cm_label_mismatch",
                "label '{label}' is not the description of {code}: '{official}'",
                {"label": self.label, "code": self.code, "official": official},
            )
        return self


class Condition(Record):
    """A condition, population or adverse event, coded in ICD-10-CM where a code exists."""

    condition_id: TermId = Field(description="Identifier, a lower-case snake_case slug.")
    label: Text = Field(description="English name as the dataset uses it.")
    icd10cm: Icd10Code | None = Field(
        default=None, description="ICD-10-CM code and its official label; null where no code fits."
    )
    description: str | None = Field(default=None, description="What the sources mean by it.")


class Outcome(Record):
    """An effect or outcome a claim names (collagen production, skin firmness, ...)."""

    outcome_id: TermId = Field(description="Identifier, a lower-case snake_case slug.")
    label: Text = Field(description="English name.")
    description: str | None = Field(default=None, description="One-sentence definition.")


# --------------------------------------------------------------------------- sources


class QualityFlagEntry(Record):
    """A quality flag on a source and the one-line reason the curator gives for it."""

    flag: QualityFlag = Field(
        description="commercial_interest, machine_translated or cites_literature."
    )
    reason: Text = Field(description="One line: what in the source justifies the flag.")


class CitedReference(Record):
    """A study, journal or publication a source names, as the source names it."""

    as_stated: Text = Field(description="The reference exactly as the page names it.")
    kind: Literal["journal", "study", "publication"] = Field(description="What is named.")
    resolved_citation: str | None = Field(
        default=None,
        description="Full citation, only where the curators are sure which work it is.",
    )
    doi: str | None = Field(
        default=None,
        pattern=r"^10\.[0-9]{4,9}/\S+$",
        description="DOI of the resolved work, only where sure.",
    )


class Source(Retractable):
    """One document as it was captured, its text kept under dataset/texts/."""

    source_id: SourceId
    source_file: str = Field(
        pattern=r"^[^/\\]+\.txt$",
        description="The seed's file name, kept as captured, e.g. 002_94964ee6efae5bbd.txt.",
    )
    text_path: str = Field(
        description="Path of the text, relative to the dataset "
        "directory, e.g. texts/002_94964ee6efae5bbd.txt."
    )
    sha256: str = Field(
        pattern=SHA256_PATTERN, description="sha256 of the text file's bytes (UTF-8, NFC)."
    )
    language: str = Field(
        description="BCP-47 language tag of the text: vi, id, sv, zh-Hans, ...",
        examples=["sv", "zh-Hans"],
    )
    title: str | None = Field(default=None, description="Title as the page gives it.")
    title_en: str | None = Field(default=None, description="English rendering of the title.")
    publisher: str | None = Field(default=None, description="Publisher as the page names it.")
    published_date: dt.date | None = Field(default=None, description="Date the page states.")
    source_type: SourceType = Field(description="What kind of document this is.")
    work_id: WorkId = Field(
        description="Sources sharing a work_id are versions of one "
        "article and count as one work, not as independent support."
    )
    work_note: str | None = Field(default=None, description="Why sources share a work.")
    quality_flags: list[QualityFlagEntry] = Field(
        default_factory=list, description="Flags with their reasons."
    )
    cited_references: list[CitedReference] = Field(
        default_factory=list, description="What the page cites, as it names it."
    )
    url: str | None = Field(
        default=None, description="Address the page was captured from, where known."
    )
    notes: str | None = Field(default=None, description="Curators' notes on the source.")

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str) -> str:
        # langcodes also parses locale ids such as zh_Hans; BCP-47 separates with hyphens
        if not re.fullmatch(BCP47_SYNTAX, value) or not langcodes.tag_is_valid(value):
            raise PydanticCustomError(
                "unknown_language", "'{tag}' is not a valid BCP-47 language tag", {"tag": value}
            )
        return value

    @model_validator(mode="after")
    def _flags_once(self) -> Self:
        flags = [q.flag for q in self.quality_flags]
        if len(flags) != len(set(flags)):
            raise PydanticCustomError("duplicate_flag", "a quality flag is listed twice")
        return self

    def has_flag(self, flag: QualityFlag) -> bool:
        return any(q.flag == flag for q in self.quality_flags)


# --------------------------------------------------------------------------- assertions


class Assertion(Retractable):
    """One place where a source states a claim: verbatim quote, offsets and judgement."""

    assertion_id: AssertionId
    source_id: Annotated[SourceId, Ref("sources")] = Field(description="The source quoted.")
    claim_id: Annotated[ClaimId, Ref("claims")] = Field(
        description="The claim it supports (or, when negated, denies)."
    )
    quote: Text = Field(
        description="Verbatim text of the source, NFC, as short as the claim allows."
    )
    char_start: int = Field(
        ge=0, description="Offset of the quote's first code point in the NFC source text (0-based)."
    )
    char_end: int = Field(
        ge=1,
        description="Offset just after the quote's last code point "
        "(exclusive); char_end > char_start.",
    )
    prefix: str = Field(
        max_length=CONTEXT_LENGTH,
        description=f"Up to {CONTEXT_LENGTH} code "
        "points of text just before the quote (W3C TextQuoteSelector).",
    )
    suffix: str = Field(
        max_length=CONTEXT_LENGTH,
        description=f"Up to {CONTEXT_LENGTH} code points of text just after the quote.",
    )
    quote_en: Text = Field(description="Faithful English rendering of the quote, hedges kept.")
    statement_mode: StatementMode = Field(description="How the source states it.")
    hedge_cue: str | None = Field(
        default=None,
        description="The source's own hedging words "
        "(e.g. 'tros', 'diyakini'); required when hedged.",
    )
    attributed_to: str | None = Field(
        default=None,
        description="Whom the source credits "
        "(a study, a journal, doctors); required when attributed.",
    )
    support_type: SupportType = Field(description="What the source offers in support.")
    evidence_basis: EcoCode = Field(description="ECO code of what stands behind the statement.")
    agent_type: AgentType = Field(description="Who produced the assertion (Biolink agent type).")
    curator: Text = Field(description="Who curated it (a person or team).")
    extraction_confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="Curator's confidence, "
        "0 to 1, that the quote states the claim; lowered for "
        "garbled or ambiguous text.",
    )
    note: str | None = Field(
        default=None, description="Curator's note (translation issues, reading)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.char_end <= self.char_start:
            raise PydanticCustomError(
                "offsets_order",
                "char_end ({end}) must be greater than char_start ({start})",
                {"end": self.char_end, "start": self.char_start},
            )
        if self.statement_mode == "hedged" and not self.hedge_cue:
            raise PydanticCustomError("hedge_cue", "a hedged assertion names its hedge_cue")
        if self.statement_mode == "attributed" and not self.attributed_to:
            raise PydanticCustomError(
                "attributed_to", "an attributed assertion names attributed_to"
            )
        return self


# --------------------------------------------------------------------------- claims


class ClaimBase(Retractable):
    """Fields every claim kind shares."""

    claim_id: ClaimId
    statement: Text = Field(
        description="Canonical English statement of the claim, "
        "language-independent and hedge-free (hedges live on assertions)."
    )
    subject: InterventionRef = Field(description="The intervention the claim is about.")
    negated: bool = Field(
        default=False,
        description="True when the canonical statement is a "
        "negative one (X does not cause Y), as Biolink's negated slot.",
    )
    notes: str | None = Field(default=None, description="Curators' notes.")

    def object_id(self) -> str | None:
        """The main object of the claim (condition, outcome ...), for the flat tables."""
        return None

    def object_table(self) -> str:
        """The vocabulary :meth:`object_id` points into."""
        return "conditions"


class MechanismClaim(ClaimBase):
    """How the intervention is said to work."""

    kind: Literal["mechanism"]
    predicate: Literal["causes", "increases", "stimulates", "enables"] = Field(
        description="Biolink-style predicate."
    )
    object: OutcomeRef = Field(description="The effect produced.")

    def object_id(self) -> str | None:
        return self.object

    def object_table(self) -> str:
        return "outcomes"


class IndicationClaim(ClaimBase):
    """A condition or aim the intervention is said to treat or improve."""

    kind: Literal["indication"]
    predicate: Literal["treats", "ameliorates", "used_for", "studied_to_treat"] = Field(
        description="treats/ameliorates as stated; used_for for aims; studied_to_treat when "
        "only studies are cited."
    )
    condition: ConditionRef = Field(description="The condition or aim.")
    role: Literal["primary", "adjunct"] = Field(
        default="primary", description="adjunct when the source calls it a supporting treatment."
    )
    outcome: OutcomeRef | None = Field(default=None, description="The improvement named, if any.")

    def object_id(self) -> str | None:
        return self.condition


class CombinationTherapyClaim(ClaimBase):
    """The intervention combined with others for a condition, and what it improved."""

    kind: Literal["combination_therapy"]
    predicate: Literal["treats", "ameliorates"] = Field(description="Biolink-style predicate.")
    co_interventions: list[InterventionRef] = Field(
        min_length=1, description="The other interventions combined with the subject."
    )
    combination_type: Literal["combination", "sequential"] = Field(
        description="CIViC's combination vs sequential."
    )
    condition: ConditionRef = Field(description="The condition treated.")
    outcomes: list[OutcomeRef] = Field(default_factory=list, description="What it improved.")
    severity_grades: list[int] = Field(
        default_factory=list, description="Grades of the condition the source names (e.g. 2, 3, 4)."
    )

    def object_id(self) -> str | None:
        return self.condition


class AdverseEffectClaim(ClaimBase):
    """An unwanted effect the intervention is said to cause."""

    kind: Literal["adverse_effect"]
    predicate: Literal["has_adverse_event"] = Field(description="Biolink-style predicate.")
    effect: ConditionRef = Field(description="The adverse effect.")
    frequency: Literal["common", "uncommon", "rare", "not_stated"] = Field(
        default="not_stated", description="How often, as the source says."
    )
    severity: Literal["mild", "moderate", "severe", "not_stated"] = Field(
        default="not_stated", description="How severe, as the source says."
    )
    expected_reaction: bool | None = Field(
        default=None, description="True when the source calls it a normal, expected reaction."
    )
    stated_cause: str | None = Field(default=None, description="The cause the source gives.")

    def object_id(self) -> str | None:
        return self.effect


class RiskFactorClaim(ClaimBase):
    """A circumstance said to raise the risk of an adverse effect."""

    kind: Literal["risk_factor"]
    predicate: Literal["increases_risk_of"] = Field(description="Biolink-style predicate.")
    factor: Text = Field(description="The circumstance (too much pressure, poor device ...).")
    effect: ConditionRef = Field(description="The adverse effect it makes more likely.")

    def object_id(self) -> str | None:
        return self.effect


class ContraindicationClaim(ClaimBase):
    """A condition or population in which the intervention should be avoided."""

    kind: Literal["contraindication"]
    predicate: Literal["contraindicated_in", "use_with_caution_in"] = Field(
        description="contraindicated_in (avoid) or use_with_caution_in."
    )
    condition: ConditionRef = Field(description="The condition or population.")

    def object_id(self) -> str | None:
        return self.condition


class ProcedureStepClaim(ClaimBase):
    """A step of how the procedure is performed."""

    kind: Literal["procedure_step"]
    predicate: Literal["has_procedure_step"] = Field(description="Biolink-style predicate.")
    step: int | None = Field(
        default=None,
        ge=1,
        description="Position in the sequence the source describes, where it gives one.",
    )
    action: Text = Field(description="What is done, in English.")
    co_interventions: list[InterventionRef] = Field(
        default_factory=list, description="Products used in the step."
    )


class AftercareClaim(ClaimBase):
    """An instruction for after the treatment."""

    kind: Literal["aftercare"]
    predicate: Literal["recommends", "advises_against"] = Field(description="Do, or avoid.")
    instruction: Text = Field(description="The instruction, in English.")
    co_interventions: list[InterventionRef] = Field(
        default_factory=list, description="Products named."
    )


class ScheduleClaim(ClaimBase):
    """How often, and how many times, the treatment is given."""

    kind: Literal["schedule"]
    predicate: Literal["has_schedule"] = Field(description="Biolink-style predicate.")
    interval_min: int | None = Field(default=None, ge=0, description="Shortest interval.")
    interval_max: int | None = Field(default=None, ge=0, description="Longest interval.")
    interval_unit: Literal["day", "week", "month"] | None = Field(
        default=None, description="Interval unit."
    )
    sessions_min: int | None = Field(default=None, ge=1, description="Fewest sessions.")
    sessions_max: int | None = Field(default=None, ge=1, description="Most sessions.")

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        for low, high in (("interval_min", "interval_max"), ("sessions_min", "sessions_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise PydanticCustomError(
                    "range_order", "{low} is greater than {high}", {"low": low, "high": high}
                )
        if (self.interval_min is not None) != (self.interval_unit is not None):
            raise PydanticCustomError("interval_unit", "an interval needs its interval_unit")
        return self


class CostClaim(ClaimBase):
    """What the treatment costs, in the currency the source states."""

    kind: Literal["cost"]
    predicate: Literal["has_cost"] = Field(description="Biolink-style predicate.")
    amount_min: float | None = Field(default=None, ge=0, description="Lowest amount stated.")
    amount_max: float | None = Field(default=None, ge=0, description="Highest amount stated.")
    currency: Currency = Field(description="ISO 4217 currency code.")
    unit: Literal["per_session", "per_course"] = Field(description="What the amount buys.")
    approximate: bool = Field(
        default=False, description="True when the source says about, around or from."
    )

    @model_validator(mode="after")
    def _amounts(self) -> Self:
        if self.amount_min is None and self.amount_max is None:
            raise PydanticCustomError("amount_missing", "a cost names amount_min or amount_max")
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise PydanticCustomError("range_order", "amount_min is greater than amount_max")
        return self


class SettingClaim(ClaimBase):
    """Where the treatment is, or should be, done."""

    kind: Literal["setting"]
    predicate: Literal["recommended_in", "available_in", "advised_against_in"] = Field(
        description="Whether the setting is recommended, merely available, or advised against."
    )
    setting: Literal["home", "clinic", "spa", "professional_facility"] = Field(
        description="The setting."
    )


class ComparisonClaim(ClaimBase):
    """The intervention compared with another on one attribute, as the source compares them."""

    kind: Literal["comparison"]
    predicate: Literal["less_than", "more_than", "similar_to"] = Field(
        description="Direction of the comparison on the attribute (less invasive than ...)."
    )
    comparator: InterventionRef = Field(description="The intervention compared with.")
    attribute: Text = Field(description="What is compared, e.g. invasiveness.")

    def object_id(self) -> str | None:
        return self.comparator

    def object_table(self) -> str:
        return "interventions"


class DefinitionClaim(ClaimBase):
    """What the intervention is, and the other names it goes by."""

    kind: Literal["definition"]
    predicate: Literal["defined_as"] = Field(description="Biolink-style predicate.")
    definition: Text = Field(description="The definition, in English.")
    synonyms: list[str] = Field(
        default_factory=list, description="Other names the source gives, as written."
    )


Claim = Annotated[
    MechanismClaim
    | IndicationClaim
    | CombinationTherapyClaim
    | AdverseEffectClaim
    | RiskFactorClaim
    | ContraindicationClaim
    | ProcedureStepClaim
    | AftercareClaim
    | ScheduleClaim
    | CostClaim
    | SettingClaim
    | ComparisonClaim
    | DefinitionClaim,
    Discriminator("kind"),
]
"""A canonical claim: one of the kinds above, chosen by its ``kind`` field."""

CLAIM_ADAPTER: TypeAdapter[Any] = TypeAdapter(Claim)
CLAIM_TYPES: tuple[type[ClaimBase], ...] = (
    MechanismClaim,
    IndicationClaim,
    CombinationTherapyClaim,
    AdverseEffectClaim,
    RiskFactorClaim,
    ContraindicationClaim,
    ProcedureStepClaim,
    AftercareClaim,
    ScheduleClaim,
    CostClaim,
    SettingClaim,
    ComparisonClaim,
    DefinitionClaim,
)


def references(model: BaseModel) -> list[tuple[str, str, str]]:
    """The cross-references a record makes: ``(field, table, id)`` for each :class:`Ref` field.

    >>> references(Outcome(outcome_id="x", label="x"))
    []
    """
    found: list[tuple[str, str, str]] = []
    for name, info in type(model).model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, Ref)]
        refs += _refs_in_annotation(info.annotation)
        if not refs:
            continue
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            if item is not None:
                path = f"{name}.{i}" if isinstance(value, list) else name
                found.append((path, refs[0].table, item))
    return found


def _refs_in_annotation(annotation: Any) -> list[Ref]:
    """Ref markers nested in Annotated / list / Optional annotations."""
    found: list[Ref] = []
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Ref):
            found.append(meta)
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_refs_in_annotation(arg))
    return found
