"""Canonical claims (level 3): a discriminated union of claim kinds, chosen by ``kind``.

Each kind declares the fields it needs (condition, effect, co-interventions ...), with a
Biolink-style predicate. :data:`CLAIM_ADAPTER` validates a raw mapping into the right
kind; :data:`CLAIM_TYPES` lists them in a stable order.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    Discriminator,
    Field,
    TypeAdapter,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidence_kit.model.fields import (
    ClaimId,
    ConditionRef,
    InterventionRef,
    OutcomeRef,
    Retractable,
    Text,
)
from evidence_kit.model.qualifiers import Qualifiers
from evidence_kit.model.vocabulary import (
    Currency,
)

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
    qualifiers: Qualifiers = Field(
        default_factory=Qualifiers,
        description="Frequency, population, context and duration the claim is limited to; "
        "each stated qualifier's words appear in the statement.",
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
    predicate: Literal[
        "treats", "ameliorates", "used_for", "studied_to_treat", "applied_to_treat"
    ] = Field(
        description="treats/ameliorates where the source states efficacy; applied_to_treat "
        "where it lists a purpose ('can be done for ...', Biolink); used_for for aims; "
        "studied_to_treat when only studies are cited."
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
    combination_type: Literal["combination", "sequential", "not_stated"] = Field(
        description="CIViC's combination (given together) vs sequential; not_stated when the "
        "source only says 'X and Y'."
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
