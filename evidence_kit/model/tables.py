"""The published tables: explicit Arrow schemas, the contract analysts rely on.

Column names listed in the publish issue are fixed; others may be added, never renamed.
Every column carries a description in its field metadata (``b"description"``), which
the dataset card, datapackage.json and croissant.json are generated from.  Categorical
columns are dictionary-encoded (``dictionary<int32, string>``) so pandas reads them as
``category``.

>>> [t for t in TABLES]
['sources', 'claims', 'assertions', 'evidence', 'interventions', 'conditions', 'outcomes']
>>> TABLES["claims"].schema.field("claim_id").metadata[b"description"][:20]
b'Canonical claim iden'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from evidence_kit.model.vocabulary import ORDINALS

CHECKSUMS_FILE = "SHA256SUMS"
"""Name of the manifest of published files (``sha256  path`` lines, as sha256sum writes)."""

CATEGORY = pa.dictionary(pa.int32(), pa.string())
ORDERED = pa.dictionary(pa.int32(), pa.string(), ordered=True)
"""Ordinal columns (``vocabulary.ORDINALS``): every level, in order, in the dictionary."""
STRINGS = pa.list_(pa.field("element", pa.string()))
"""Multi-valued text columns: Arrow ``list<string>`` (empty list when there is none); the
list's value field is named ``element``, as Parquet's compliant nested types read back."""
INTS = pa.list_(pa.field("element", pa.int32()))


def _field(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(
        name, type_, nullable=nullable, metadata={b"description": description.encode("utf-8")}
    )


def _req(name: str, type_: pa.DataType, description: str) -> pa.Field:
    return _field(name, type_, description, nullable=False)


@dataclass(frozen=True)
class PublishedTable:
    """One published Parquet table: its schema, primary key and foreign keys."""

    name: str
    description: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    @property
    def categorical(self) -> list[str]:
        return [f.name for f in self.schema if pa.types.is_dictionary(f.type)]

    @property
    def lists(self) -> list[str]:
        return [f.name for f in self.schema if pa.types.is_list(f.type)]

    @property
    def ordinals(self) -> dict[str, tuple[str, ...]]:
        """Ordinal column -> its levels in order (the evidence copies included)."""
        return {f.name: levels(f.name) for f in self.schema if f.type == ORDERED}


def levels(column: str) -> tuple[str, ...]:
    """The declared levels of an ordinal column (``claim_certainty`` -> certainty's)."""
    for name, values in ORDINALS.items():
        if column == name or column.endswith(f"_{name}"):
            return values
    raise KeyError(column)


SOURCE_FIELDS = [
    _req("source_id", pa.string(), "Source identifier (s + seed index), primary key."),
    _req("source_file", pa.string(), "File name of the captured seed text."),
    _req("text_path", pa.string(), "Path of the source text inside the dataset directory."),
    _req("sha256", pa.string(), "sha256 of the source text's bytes (UTF-8, NFC)."),
    _req("language", CATEGORY, "BCP-47 language tag of the source text."),
    _field("title", pa.string(), "Title as the page gives it."),
    _field("title_en", pa.string(), "English rendering of the title."),
    _field("publisher", pa.string(), "Publisher as the page names it; null if unstated."),
    _field("published_date", pa.date32(), "Publication date the page states; null if none."),
    _field("url", pa.string(), "Address the page was captured from, where known."),
    _req(
        "source_type",
        CATEGORY,
        "Kind of document (clinic marketing page, consumer health article, ...).",
    ),
    _req(
        "work_id",
        pa.string(),
        "Work identifier; translations of one article share it and count as one work.",
    ),
    _field("work_note", pa.string(), "Why sources share a work (e.g. they are translations)."),
    _req("commercial_interest", pa.bool_(), "True when the publisher sells the treatment."),
    _field("commercial_interest_reason", pa.string(), "Why the flag is set."),
    _req("machine_translated", pa.bool_(), "True when the text shows automatic translation."),
    _field("machine_translated_reason", pa.string(), "Why the flag is set."),
    _req("cites_literature", pa.bool_(), "True when the text names a study or journal."),
    _field("cites_literature_reason", pa.string(), "Why the flag is set."),
    _req(
        "cited_references",
        STRINGS,
        "References the page names, as it names them (list; empty when none).",
    ),
    _req(
        "cited_dois",
        STRINGS,
        "DOIs of the curators' resolutions of the cited references (not the page's words; list).",
    ),
    _req("status", CATEGORY, "active or retracted."),
    _field("retraction_reason", pa.string(), "Why the record was retracted."),
    _field("notes", pa.string(), "Curators' notes on the source (page furniture, oddities)."),
]

CLAIM_FIELDS = [
    _req("claim_id", pa.string(), "Canonical claim identifier, primary key."),
    _req(
        "kind",
        CATEGORY,
        "Claim kind (mechanism, indication, combination_therapy, "
        "adverse_effect, risk_factor, contraindication, procedure_step, aftercare, schedule, "
        "cost, setting, comparison, definition).",
    ),
    _req("statement", pa.string(), "Canonical English statement of the claim."),
    _req("subject", CATEGORY, "intervention_id the claim is about."),
    _req("subject_label", pa.string(), "English label of the subject."),
    _req(
        "predicate",
        CATEGORY,
        "Biolink-style predicate (treats, has_adverse_event, contraindicated_in, ...).",
    ),
    _field(
        "object_id",
        pa.string(),
        "Main object: a condition_id, outcome_id or intervention_id, by kind.",
    ),
    _field("object_label", pa.string(), "English label of the object."),
    _field("object_icd10cm", pa.string(), "ICD-10-CM code of the object condition, if coded."),
    _req("negated", pa.bool_(), "True when the canonical statement is negative."),
    _req(
        "co_interventions",
        STRINGS,
        "Other interventions combined or used: intervention_ids (list).",
    ),
    _field(
        "combination_type",
        CATEGORY,
        "combination, sequential or not_stated (combination therapy).",
    ),
    _req(
        "outcomes",
        STRINGS,
        "outcome_ids improved (combination therapy, indication; list).",
    ),
    _req("severity_grades", INTS, "Grades of the condition named, e.g. [2, 3, 4] (list)."),
    _field("role", CATEGORY, "primary or adjunct (indications)."),
    _field(
        "frequency",
        CATEGORY,
        "Frequency qualifier: how regularly the claim holds, as stated (usually, in_most_cases, "
        "sometimes, uncommon ...; not_stated).",
    ),
    _field("population", pa.string(), "Population qualifier, e.g. 'some patients'."),
    _field("context", pa.string(), "Condition or context qualifier, e.g. 'with shallow needling'."),
    _field("duration", pa.string(), "Duration qualifier, e.g. 'within a few days'."),
    _field("severity", CATEGORY, "How severe an adverse effect is, as stated."),
    _field("expected_reaction", pa.bool_(), "True when the source calls the effect normal."),
    _field(
        "detail",
        pa.string(),
        "Kind-specific text: the stated cause, risk factor, "
        "procedure action, aftercare instruction, compared attribute or definition.",
    ),
    _req("synonyms", STRINGS, "Other names the source gives (definition; list)."),
    _field("step", pa.int32(), "Position of a procedure step in the source's sequence."),
    _field("setting", CATEGORY, "home, clinic, spa or professional_facility (setting)."),
    _field("interval_min", pa.int32(), "Shortest interval between sessions (schedule)."),
    _field("interval_max", pa.int32(), "Longest interval between sessions (schedule)."),
    _field("interval_unit", CATEGORY, "day, week or month (schedule)."),
    _field("sessions_min", pa.int32(), "Fewest sessions in a course (schedule)."),
    _field("sessions_max", pa.int32(), "Most sessions in a course (schedule)."),
    _field("amount_min", pa.float64(), "Lowest amount stated (cost)."),
    _field("amount_max", pa.float64(), "Highest amount stated (cost)."),
    _field("currency", CATEGORY, "ISO 4217 currency code (cost)."),
    _field("cost_unit", CATEGORY, "per_session or per_course (cost)."),
    _field("approximate", pa.bool_(), "True when the amount is approximate (cost)."),
    _req(
        "certainty",
        ORDERED,
        "GRADE-style certainty derived from the assertions; ordered very_low < low < "
        "moderate < high, every level in the dictionary.",
    ),
    _req(
        "certainty_rank",
        pa.int32(),
        "Certainty as a number for SQL readers: 1 very_low, 2 low, 3 moderate, 4 high "
        "(ORDER BY certainty_rank).",
    ),
    _req(
        "confidence",
        pa.float64(),
        "Numeric confidence in [0, 1] derived from the assertions by "
        "evidence_kit.curation.certainty.",
    ),
    _req("confidence_rationale", pa.string(), "One sentence explaining certainty and confidence."),
    _req("n_assertions", pa.int32(), "Number of active assertions supporting the claim."),
    _req("n_sources", pa.int32(), "Number of distinct sources asserting the claim."),
    _req("n_works", pa.int32(), "Number of independent works (translations count once)."),
    _req("status", CATEGORY, "active or retracted."),
    _field("retraction_reason", pa.string(), "Why the record was retracted."),
    _field(
        "notes",
        pa.string(),
        "Curators' notes: how pages that share the claim differ, and reconciliations.",
    ),
]

ASSERTION_FIELDS = [
    _req("assertion_id", pa.string(), "Assertion identifier, primary key."),
    _req("claim_id", pa.string(), "Claim the assertion supports (or denies, when negated)."),
    _req("source_id", pa.string(), "Source quoted."),
    _req("quote", pa.string(), "Verbatim quote, NFC, in the source language."),
    _req("char_start", pa.int32(), "Start offset of the quote, code points of the NFC text."),
    _req("char_end", pa.int32(), "End offset (exclusive), code points of the NFC text."),
    _req("prefix", pa.string(), "Up to 32 code points of text before the quote."),
    _req("suffix", pa.string(), "Up to 32 code points of text after the quote."),
    _req("quote_en", pa.string(), "Faithful English rendering of the quote, hedges kept."),
    _req("statement_mode", CATEGORY, "asserted, hedged, conditional, attributed or negated."),
    _field("hedge_cue", pa.string(), "The source's own hedging words."),
    _field("attributed_to", pa.string(), "Whom the source credits for the statement."),
    _field("attribution", CATEGORY, "named (a traceable party) or unnamed ('many', 'a study')."),
    _req("support_type", CATEGORY, "What the source offers in support."),
    _req("evidence_basis", CATEGORY, "ECO code of what stands behind the statement."),
    _req(
        "cited_reference_ids",
        STRINGS,
        "reference_ids of the source's cited references this assertion relies on (list).",
    ),
    _req(
        "cited_references",
        STRINGS,
        "Those references as the page names them (list).",
    ),
    _req(
        "cited_dois",
        STRINGS,
        "DOIs of the curators' resolutions of those references (list).",
    ),
    _req(
        "citation_resolutions",
        STRINGS,
        "The curators' resolutions of those references: citation, resolved by whom and how (list).",
    ),
    _req("agent_type", CATEGORY, "Biolink agent type of who produced the assertion."),
    _req("curator", pa.string(), "Who curated the assertion."),
    _req(
        "extraction_confidence",
        pa.float64(),
        "Curator's confidence in [0, 1] that the quote states the claim.",
    ),
    _field("note", pa.string(), "Curator's note."),
    _field("reviewed_by", pa.string(), "Who reviewed the assertion against the page."),
    _field("reviewed_on", pa.date32(), "When it was reviewed."),
    _req("status", CATEGORY, "active or retracted."),
    _field("retraction_reason", pa.string(), "Why the record was retracted."),
]


def prefixed(name: str, prefix: str) -> str:
    """The evidence column of a claim or source column: ``<prefix><name>``, the one naming
    rule (``claim_`` or ``source_``); a name that already starts with the prefix is not
    doubled (sources.source_type -> source_type, not source_source_type)."""
    return name if name.startswith(prefix) else f"{prefix}{name}"


EVIDENCE_SOURCE_DROP = {"source_id", "cited_references", "cited_dois"}
"""A source's references are not copied to every row: an assertion's own cited_* columns
carry the references it relies on."""

#: (fields, table, columns not copied, prefix): the claim and source columns of evidence.
_EVIDENCE_PARENTS = (
    (CLAIM_FIELDS, "claims", {"claim_id"}, "claim_"),
    (SOURCE_FIELDS, "sources", EVIDENCE_SOURCE_DROP, "source_"),
)

EVIDENCE_FIELDS = [
    *ASSERTION_FIELDS,
    *(
        f.with_name(prefixed(f.name, prefix))
        for fields, _, skip, prefix in _EVIDENCE_PARENTS
        for f in fields
        if f.name not in skip
    ),
]


def _copies() -> dict[str, tuple[str, str, str]]:
    """Every evidence column copied from another table: ``{column: (table, its column,
    join key)}``, derived from the same declarations EVIDENCE_FIELDS is built from."""
    out: dict[str, tuple[str, str, str]] = {}
    for f in ASSERTION_FIELDS:
        if f.name != "assertion_id":
            out[f.name] = ("assertions", f.name, "assertion_id")
    for fields, table, skip, prefix in _EVIDENCE_PARENTS:
        key = f"{table[:-1]}_id"
        for f in fields:
            if f.name not in skip:
                out[prefixed(f.name, prefix)] = (table, f.name, key)
    return out


EVIDENCE_COPIES = _copies()
"""Evidence column -> (table, column, key) it copies; every evidence column but its key."""

INTERVENTION_FIELDS = [
    _req("intervention_id", pa.string(), "Intervention identifier (snake_case), primary key."),
    _req("label", pa.string(), "English name."),
    _field("description", pa.string(), "One-sentence definition."),
    _req("synonyms", STRINGS, "Other names, in any language, as sources use them (list)."),
]
CONDITION_FIELDS = [
    _req("condition_id", pa.string(), "Condition identifier (snake_case), primary key."),
    _req("label", pa.string(), "English name as the dataset uses it."),
    _field(
        "icd10cm",
        pa.string(),
        "ICD-10-CM code (a code or category, never a block); null where no code fits.",
    ),
    _field(
        "icd10cm_description",
        pa.string(),
        "The code's official ICD-10-CM description, exactly (checked with simple-icd-10-cm).",
    ),
    _field("description", pa.string(), "What the sources mean by it."),
]
OUTCOME_FIELDS = [
    _req("outcome_id", pa.string(), "Outcome identifier (snake_case), primary key."),
    _req("label", pa.string(), "English name."),
    _field("description", pa.string(), "One-sentence definition."),
]

OBJECT_TABLES = ("conditions", "outcomes", "interventions")
"""claims.object_id names a row of one of these tables (which one depends on the kind);
checked as a reference to their union."""

PUBLISHED_DOCUMENTS = ("datapackage.json", "croissant.json", "README.md")
PUBLISHED_IMAGES = ("evidence-map.svg", "evidence-map.png")
"""The evidence map the card shows (drawn by :mod:`evidence_kit.publishing.evidencemap`)."""
"""Published files besides the Parquet ones; SHA256SUMS must list them all."""

TABLES: dict[str, PublishedTable] = {
    t.name: t
    for t in (
        PublishedTable(
            "sources",
            "One row per captured source document.",
            pa.schema(SOURCE_FIELDS),
            ("source_id",),
        ),
        PublishedTable(
            "claims",
            "One row per canonical claim, with its derived certainty.",
            pa.schema(CLAIM_FIELDS),
            ("claim_id",),
            (
                ("subject", "interventions", "intervention_id"),
                ("co_interventions", "interventions", "intervention_id"),
                ("outcomes", "outcomes", "outcome_id"),
            ),
        ),
        PublishedTable(
            "assertions",
            "One row per assertion: a quote in a source stating a claim.",
            pa.schema(ASSERTION_FIELDS),
            ("assertion_id",),
            (("claim_id", "claims", "claim_id"), ("source_id", "sources", "source_id")),
        ),
        PublishedTable(
            "evidence",
            "The analysts' flat table: one row per assertion joined "
            "with its claim (claim_ columns) and its source (source_ columns).",
            pa.schema(EVIDENCE_FIELDS),
            ("assertion_id",),
            (("claim_id", "claims", "claim_id"), ("source_id", "sources", "source_id")),
        ),
        PublishedTable(
            "interventions",
            "The interventions vocabulary: one row per treatment or product claims name.",
            pa.schema(INTERVENTION_FIELDS),
            ("intervention_id",),
        ),
        PublishedTable(
            "conditions",
            "The conditions vocabulary, with ICD-10-CM codes and their official descriptions.",
            pa.schema(CONDITION_FIELDS),
            ("condition_id",),
        ),
        PublishedTable(
            "outcomes",
            "The outcomes vocabulary: effects and outcomes claims name.",
            pa.schema(OUTCOME_FIELDS),
            ("outcome_id",),
        ),
    )
}
"""Every published table; a foreign key on a list column applies to each element."""

VOCABULARY_TABLES = ("interventions", "conditions", "outcomes")
