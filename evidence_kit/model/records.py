"""The record types of levels 1 and 2, plus the vocabularies claims point into.

* :class:`Source` -- one captured document, its text hashed and kept under ``dataset/``;
* :class:`Assertion` -- one place where a source states a claim, with the verbatim quote
  and its offsets;
* :class:`Intervention`, :class:`Condition`, :class:`Outcome` -- vocabulary terms.

Claims (level 3) are in :mod:`evidence_kit.model.claims`. Everything here is
declaration; loading and cross-record checks live in :mod:`evidence_kit.curation`.

>>> Outcome(outcome_id="collagen_production", label="collagen production").label
'collagen production'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

import langcodes
from pydantic import (
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidence_kit.model.fields import (
    CONTEXT_LENGTH,
    AssertionId,
    ClaimId,
    Record,
    Ref,
    Retractable,
    SourceId,
    TermId,
    Text,
    WorkId,
)
from evidence_kit.model.qualifiers import Qualifiers
from evidence_kit.model.vocabulary import (
    AgentType,
    Attribution,
    EcoCode,
    QualityFlag,
    ReferenceKind,
    SourceType,
    StatementMode,
    SupportType,
)

# --------------------------------------------------------------------------- vocabularies


BCP47_SYNTAX = r"[A-Za-z0-9]{1,8}(?:-[A-Za-z0-9]{1,8})*"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


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
        pattern=r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$",
        description="ICD-10-CM code or category (e.g. L80, L90.5); never a block such as "
        "E08-E13 (a block is a chapter heading, not a code).",
    )
    label: str = Field(description="The code's own ICD-10-CM description, exactly.")

    @model_validator(mode="after")
    def _check_code_set(self) -> Self:
        from evidence_kit.model.icd10cm import description  # the code set, cached on disk

        official = description(self.code)
        if official is None:
            raise PydanticCustomError(
                "icd10cm_unknown", "ICD-10-CM code {code} does not exist", {"code": self.code}
            )
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


class Resolution(Record):
    """The curators' resolution of a reference to a work: never the page's own words."""

    citation: Text = Field(description="Full citation of the work the curators resolved.")
    doi: str | None = Field(
        default=None, pattern=r"^10\.[0-9]{4,9}/\S+$", description="DOI of the resolved work."
    )
    resolved_by: Text = Field(description="Who resolved it (a person or team).")
    method: Text = Field(description="How it was resolved, and what the page itself names.")


class CitedReference(Record):
    """A journal, article, author or identifier a source names, as the source names it.

    An unnamed "a study" or "some scientific studies" is not a reference: it is kept as
    the assertion's unnamed attribution instead.
    """

    reference_id: str = Field(
        pattern=r"^r[0-9]+$",
        description="Identifier within the source (r1, r2 ...); assertions cite it.",
    )
    as_stated: Text = Field(description="The reference exactly as the page names it.")
    kind: ReferenceKind = Field(description="What the page identifies.")
    resolution: Resolution | None = Field(
        default=None, description="The curators' resolution to a work, where they are sure."
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
        ids = [r.reference_id for r in self.cited_references]
        if len(ids) != len(set(ids)):
            raise PydanticCustomError("duplicate_reference", "a reference_id is listed twice")
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
    attribution: Attribution | None = Field(
        default=None,
        description="named when attributed_to names a traceable party, unnamed for 'many', "
        "'a study', 'doctors'; required with attributed_to.",
    )
    cites: list[str] = Field(
        default_factory=list,
        description="reference_ids of the source's cited_references this assertion relies on.",
    )
    qualifiers: Qualifiers = Field(
        default_factory=Qualifiers,
        description="The qualifiers this passage states; must equal its claim's.",
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
    reviewed_by: str | None = Field(
        default=None,
        min_length=1,
        description="Who reviewed the assertion against the page (never its curator).",
    )
    reviewed_on: dt.date | None = Field(
        default=None, description="When it was reviewed; given with reviewed_by."
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
