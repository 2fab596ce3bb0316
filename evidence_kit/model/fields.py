"""Shared building blocks of the record models: the base classes, identifier types and
reference markers every record type is declared with.

:class:`Record` forbids unknown fields and validates defaults; :class:`Retractable`
adds the retraction policy (kept with a reason, never silently dropped); :class:`Ref`
marks a field as pointing into another table, and :func:`references` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidence_kit.model.vocabulary import (
    Status,
)

SCHEMA_VERSION = "2.0.0"
CONTEXT_LENGTH = 32
"""How many code points of text before and after a quote are stored as prefix/suffix."""

TERM_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"


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


def references(model: BaseModel) -> list[tuple[str, str, str]]:
    """The cross-references a record makes: ``(field, table, id)`` for each :class:`Ref` field.

    >>> from evidence_kit.model.records import Outcome
    >>> references(Outcome(outcome_id="x", label="x"))
    []
    """
    found: list[tuple[str, str, str]] = []
    for name, table in _reference_fields(type(model)):
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            if item is not None:
                path = f"{name}.{i}" if isinstance(value, list) else name
                found.append((path, table, item))
    return found


@cache
def _reference_fields(model: type[BaseModel]) -> list[tuple[str, str]]:
    """A model's :class:`Ref` fields and the table each names (the annotations are read
    once per model class, not once per record)."""
    found: list[tuple[str, str]] = []
    for name, info in model.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, Ref)]
        refs += _refs_in_annotation(info.annotation)
        if refs:
            found.append((name, refs[0].table))
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
