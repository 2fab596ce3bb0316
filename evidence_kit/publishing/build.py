"""Publish a valid dataset: deterministic Parquet, download metadata and a dataset card.

:func:`build` validates first and writes nothing unless the curated data is valid.  It
then renders every output into a complete release directory and switches the one
``current`` pointer to it (:mod:`evidence_kit.publishing.layout`), under a lock, so a
failed, interrupted or concurrent build leaves the previous files as they were.
The tables follow the Arrow schemas of :mod:`evidence_kit.model.tables` exactly (no
inferred types); rows are sorted by primary key, and writer options and key-value
metadata are fixed, so identical inputs give byte-identical files.

Each Parquet file carries in its key-value metadata the dataset version, the schema
version and :func:`input_hash` of the curation inputs; :func:`read_metadata` reads them.

A build then freezes the release into ``releases/<version>/`` and writes its notes into
CHANGELOG.md (:mod:`evidence_kit.publishing.releases`, docs/releases.md).

>>> DATASET_KEYS[:2]
('evidence_kit.table', 'evidence_kit.row_count')
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.curation.certainty import assess
from evidence_kit.curation.inputs import input_files, input_hash
from evidence_kit.curation.validator import Dataset, load_dataset
from evidence_kit.model.claims import ClaimBase
from evidence_kit.model.errors import ERR, EvidenceKitError
from evidence_kit.model.fields import SCHEMA_VERSION
from evidence_kit.model.records import Assertion, Condition, Intervention, Outcome, Source
from evidence_kit.model.tables import (
    ASSERTION_FIELDS,
    CHECKSUMS_FILE,
    EVIDENCE_COPIES,
    PUBLISHED_IMAGES,
    TABLES,
    PublishedTable,
)
from evidence_kit.model.vocabulary import CERTAINTY_ORDER
from evidence_kit.publishing import layout
from evidence_kit.publishing.card import render_card
from evidence_kit.publishing.croissant import render_croissant
from evidence_kit.publishing.datapackage import render_datapackage
from evidence_kit.publishing.evidencemap import write_evidence_map
from evidence_kit.publishing.metadata import (
    CHECKED_FILES,
    Release,
    read_release,
    render_checksums,
)
from evidence_kit.publishing.releases import (
    CHANGELOG_FILE,
    check_freezable,
    freeze,
    write_release_notes,
)

PARQUET_DIR = "parquet"
ROW_GROUP_SIZE = 65_536
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 9

DATASET_KEYS = (
    "evidence_kit.table",
    "evidence_kit.row_count",
    "evidence_kit.dataset_version",
    "evidence_kit.release_date",
    "evidence_kit.schema_version",
    "evidence_kit.input_hash",
    "evidence_kit.license",
)
"""Key-value metadata written into every Parquet file, in this order."""


__all__ = ["BuildResult", "build", "input_files", "input_hash", "read_metadata", "table_rows"]


@dataclass(frozen=True)
class BuildResult:
    """What one build published: the directory, row counts by table and the input hash."""

    directory: Path
    rows: dict[str, int]
    input_hash: str
    dataset_version: str
    frozen: Path | None = None
    """``releases/<version>/``, where this release is frozen."""
    changelog: Path | None = None
    """The changelog, when this build added the release's entry to it."""


# --------------------------------------------------------------------------- inputs


# --------------------------------------------------------------------------- rows


def _list(values: list[Any] | None) -> list[Any]:
    """A multi-valued field as published: an Arrow list, empty when there is none."""
    return list(values or [])


def source_row(source: Source) -> dict[str, Any]:
    """One ``sources`` row; quality flags become booleans with their reasons."""
    reasons: dict[str, str] = {q.flag: q.reason for q in source.quality_flags}
    return {
        **source.model_dump(
            include={
                "source_id",
                "source_file",
                "text_path",
                "sha256",
                "language",
                "title",
                "title_en",
                "publisher",
                "published_date",
                "url",
                "source_type",
                "work_id",
                "work_note",
                "status",
                "retraction_reason",
                "notes",
            }
        ),
        **{flag: flag in reasons for flag in _FLAGS},
        **{f"{flag}_reason": reasons.get(flag) for flag in _FLAGS},
        "cited_references": _list([r.as_stated for r in source.cited_references]),
        "cited_dois": _list(
            [r.resolution.doi for r in source.cited_references if r.resolution and r.resolution.doi]
        ),
    }


_FLAGS = ("commercial_interest", "machine_translated", "cites_literature")
_DETAIL = ("stated_cause", "factor", "action", "instruction", "definition", "attribute")


def claim_row(claim: ClaimBase, dataset: Dataset, assertions: list[Assertion]) -> dict[str, Any]:
    """One ``claims`` row: kind-specific fields flattened, certainty from its assertions."""
    kind = getattr(claim, "kind")  # noqa: B009 - every concrete claim kind declares it
    subject = dataset.interventions[claim.subject]
    object_id = claim.object_id()
    label = code = None
    if object_id is not None and claim.object_table() == "outcomes":
        label = dataset.outcomes[object_id].label
    elif object_id is not None and claim.object_table() == "interventions":
        label = dataset.interventions[object_id].label
    elif object_id is not None:
        condition = dataset.conditions[object_id]
        label, code = condition.label, condition.icd10cm.code if condition.icd10cm else None
    outcomes = getattr(claim, "outcomes", None) or [
        o for o in [getattr(claim, "outcome", None)] if o
    ]
    detail = next((getattr(claim, f) for f in _DETAIL if getattr(claim, f, None)), None)
    assessment = assess(assertions, dataset.sources)

    def get(name: str) -> Any:
        return getattr(claim, name, None)

    return {
        "claim_id": claim.claim_id,
        "kind": kind,
        "statement": claim.statement,
        "subject": claim.subject,
        "subject_label": subject.label,
        "predicate": get("predicate"),
        "object_id": object_id,
        "object_label": label,
        "object_icd10cm": code,
        "negated": claim.negated,
        "co_interventions": _list(get("co_interventions")),
        "combination_type": get("combination_type"),
        "outcomes": _list(outcomes),
        "severity_grades": _list(get("severity_grades")),
        "role": get("role"),
        **claim.qualifiers.model_dump(),
        "severity": get("severity"),
        "expected_reaction": get("expected_reaction"),
        "detail": detail,
        "synonyms": _list(get("synonyms")),
        "step": get("step"),
        "setting": get("setting"),
        **{
            name: get(name)
            for name in (
                "interval_min",
                "interval_max",
                "interval_unit",
                "sessions_min",
                "sessions_max",
                "amount_min",
                "amount_max",
                "currency",
                "approximate",
            )
        },
        "cost_unit": get("unit"),
        "certainty": assessment.certainty,
        "certainty_rank": CERTAINTY_ORDER.index(assessment.certainty) + 1,
        "confidence": assessment.confidence,
        "confidence_rationale": assessment.rationale,
        "n_assertions": assessment.n_assertions,
        "n_sources": assessment.n_sources,
        "n_works": assessment.n_works,
        "status": claim.status,
        "retraction_reason": claim.retraction_reason,
        "notes": claim.notes,
    }


def assertion_row(assertion: Assertion, source: Source) -> dict[str, Any]:
    """One ``assertions`` row: the model's own fields, and the references it cites."""
    cited = [r for r in source.cited_references if r.reference_id in assertion.cites]
    resolved = [r.resolution for r in cited if r.resolution]
    return {
        **assertion.model_dump(include={f.name for f in ASSERTION_FIELDS}),
        "cited_reference_ids": _list(assertion.cites),
        "cited_references": _list([r.as_stated for r in cited]),
        "cited_dois": _list([r.doi for r in resolved if r.doi]),
        "citation_resolutions": _list(
            [f"{r.citation} (resolved by {r.resolved_by}: {r.method})" for r in resolved]
        ),
    }


def table_rows(dataset: Dataset) -> dict[str, list[dict[str, Any]]]:
    """The rows of every published table, each sorted by its primary key."""
    by_claim: dict[str, list[Assertion]] = defaultdict(list)
    for assertion in dataset.assertions.values():
        by_claim[assertion.claim_id].append(assertion)
    sources = {k: source_row(v) for k, v in sorted(dataset.sources.items())}
    claims = {k: claim_row(v, dataset, by_claim[k]) for k, v in sorted(dataset.claims.items())}
    assertions = [
        assertion_row(a, dataset.sources[a.source_id])
        for _, a in sorted(dataset.assertions.items())
    ]
    evidence = []
    for row in assertions:
        parents = {
            "assertions": row,
            "claims": claims[row["claim_id"]],
            "sources": sources[row["source_id"]],
        }
        evidence.append(
            {
                "assertion_id": row["assertion_id"],
                **{new: parents[t][old] for new, (t, old, _) in EVIDENCE_COPIES.items()},
            }
        )
    return {
        "sources": list(sources.values()),
        "claims": list(claims.values()),
        "assertions": assertions,
        "evidence": evidence,
        **vocabulary_rows(
            dataset.interventions.values(), dataset.conditions.values(), dataset.outcomes.values()
        ),
    }


def vocabulary_rows(
    interventions: Iterable[Intervention],
    conditions: Iterable[Condition],
    outcomes: Iterable[Outcome],
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the vocabulary tables (interventions, conditions, outcomes), by id."""
    return {
        "interventions": [
            {**v.model_dump(include={"intervention_id", "label", "description", "synonyms"})}
            for v in sorted(interventions, key=lambda v: v.intervention_id)
        ],
        "conditions": [
            {
                "condition_id": v.condition_id,
                "label": v.label,
                "icd10cm": v.icd10cm.code if v.icd10cm else None,
                "icd10cm_description": v.icd10cm.label if v.icd10cm else None,
                "description": v.description,
            }
            for v in sorted(conditions, key=lambda v: v.condition_id)
        ],
        "outcomes": [
            v.model_dump(include={"outcome_id", "label", "description"})
            for v in sorted(outcomes, key=lambda v: v.outcome_id)
        ],
    }


def to_arrow(
    table: PublishedTable, rows: list[dict[str, Any]], metadata: dict[str, str]
) -> pa.Table:
    """``rows`` as an Arrow table of exactly ``table.schema``, with key-value ``metadata``.

    Raises :class:`EvidenceKitError` when a required column holds a null, which only a
    bug between the models and the published contract can cause.
    """
    names = [f.name for f in table.schema]
    columns: dict[str, Any] = {name: [row.get(name) for row in rows] for name in names}
    for name, levels in table.ordinals.items():
        columns[name] = ordered_array(columns[name], levels)
    arrow = pa.Table.from_pydict(columns, schema=table.schema)
    for field in table.schema:
        if not field.nullable and arrow.column(field.name).null_count:
            raise EvidenceKitError(
                [
                    ERR.PUBLISHED_CHECK.at(
                        table.file_name,
                        field=field.name,
                        reason=f"required column {field.name!r} of {table.name} has nulls",
                    )
                ]
            )
    return arrow.replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})


def ordered_array(values: list[str | None], levels: tuple[str, ...]) -> pa.DictionaryArray:
    """An ordinal column: indices into every declared level, in order, ``ordered=True``."""
    position = {level: i for i, level in enumerate(levels)}
    indices = pa.array([None if v is None else position[v] for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(levels, pa.string()), ordered=True)


def write_parquet(arrow: pa.Table, path: Path, table: PublishedTable) -> None:
    """Write ``arrow`` with the fixed writer options that make the bytes reproducible."""
    pq.write_table(
        arrow,
        path,
        row_group_size=ROW_GROUP_SIZE,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=table.categorical,
        write_statistics=True,
        write_page_index=False,
        write_page_checksum=False,
        data_page_version="1.0",
        version="2.6",
        store_schema=True,
    )


def read_metadata(path: Path) -> dict[str, str]:
    """The evidence-kit key-value metadata of a published Parquet file (version, hash ...)."""
    raw = pq.read_metadata(path).metadata or {}
    return {
        key.decode("utf-8"): value.decode("utf-8")
        for key, value in raw.items()
        if key.decode("utf-8", "replace").startswith("evidence_kit.")
    }


# --------------------------------------------------------------------------- build


def build(root: Path, changelog: Path | None = None) -> BuildResult:
    """Validate ``root`` and, only if valid, publish it atomically; see the module doc.

    The release is then frozen into ``root/releases/<version>/`` (refused with
    ``EK600``, before anything is published, when that folder holds other content), and
    its notes, the diff against the previous frozen release, are added to ``changelog``
    (default: ``CHANGELOG.md`` next to ``root``) unless it has an entry for the version.
    """
    names = [PARQUET_DIR, *CHECKED_FILES, *PUBLISHED_IMAGES, CHECKSUMS_FILE]
    with layout.build_lock(root):
        layout.cleanup(root)
        layout.migrate(root, names)
        dataset = load_dataset(root)
        release = read_release(root)
        digest = input_hash(root)
        rows = table_rows(dataset)
        stage = layout.new_stage(root)
        try:
            _write_release(stage, release, digest, rows, dataset)
            check_freezable(stage, root, release.version)
            name = layout.release_id(stage, CHECKSUMS_FILE)
            layout.publish(root, stage, name, names)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
        frozen = freeze(root, root, release.version)
    counts = {name: len(r) for name, r in rows.items()}
    notes = changelog if changelog is not None else root.resolve().parent / CHANGELOG_FILE
    written = write_release_notes(
        root, release.version, release.release_date.isoformat(), notes, counts
    )
    return BuildResult(
        directory=root / PARQUET_DIR,
        rows=counts,
        input_hash=digest,
        dataset_version=release.version,
        frozen=frozen.directory,
        changelog=notes if written else None,
    )


def _write_release(
    stage: Path,
    release: Release,
    digest: str,
    rows: dict[str, list[dict[str, Any]]],
    dataset: Dataset,
) -> None:
    """Every published file of one release, written into ``stage``: the tables, the
    evidence map the card shows, the metadata, the card and the checksums."""
    parquet = stage / PARQUET_DIR
    parquet.mkdir()
    for name, table in TABLES.items():
        metadata = {
            "evidence_kit.table": name,
            "evidence_kit.row_count": str(len(rows[name])),
            "evidence_kit.dataset_version": release.version,
            "evidence_kit.release_date": release.release_date.isoformat(),
            "evidence_kit.schema_version": SCHEMA_VERSION,
            "evidence_kit.input_hash": digest,
            "evidence_kit.license": release.license,
        }
        write_parquet(to_arrow(table, rows[name], metadata), parquet / table.file_name, table)
    write_evidence_map(dataset, stage)
    documents = {
        "datapackage.json": render_datapackage(stage, release),
        "croissant.json": render_croissant(stage, release),
        "README.md": render_card(stage, release),
    }
    assert tuple(documents) == CHECKED_FILES
    for name, text in documents.items():
        (stage / name).write_text(text, encoding="utf-8", newline="\n")
    (stage / CHECKSUMS_FILE).write_text(render_checksums(stage), encoding="utf-8")
