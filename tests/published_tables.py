"""Small published tables written in code from the Arrow contract, with seeded defects.

The rows are made up (they need not match any text): they exercise the expectation
suites, not the quote checks.  :func:`seed_defects` breaks one rule per row and
:data:`EXPECTED_DEFECTS` is its answer key, as (table, expectation, column).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.checks.published import ROW_COUNT_KEY
from evidence_kit.model.errors import Finding
from evidence_kit.model.suites import column_origins
from evidence_kit.model.tables import TABLES

SEEDS = ["000_aaaa.txt", "001_bbbb.txt", "002_cccc.txt"]


def _source(index: int) -> dict[str, Any]:
    name = SEEDS[index]
    return {
        "source_id": f"s{index:03d}",
        "source_file": name,
        "text_path": f"texts/{name}",
        "sha256": hashlib.sha256(name.encode()).hexdigest(),
        "language": ["vi", "sv", "zh-Hans"][index],
        "title": f"Title {index}",
        "source_type": "consumer_health_article",
        "work_id": f"w-work-{index}",
        "commercial_interest": index == 0,
        "machine_translated": False,
        "cites_literature": index == 1,
        "cited_references": [],
        "cited_dois": [],
        "status": "active",
    }


def _claim(claim_id: str, kind: str, predicate: str, **extra: Any) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "kind": kind,
        "statement": f"Statement of {claim_id}.",
        "subject": "microneedling",
        "subject_label": "microneedling",
        "predicate": predicate,
        "negated": False,
        "co_interventions": [],
        "outcomes": [],
        "severity_grades": [],
        "synonyms": [],
        "certainty": "very_low",
        "certainty_rank": 1,
        "confidence": 0.2,
        "confidence_rationale": "One consumer page without cited studies.",
        "n_assertions": 1,
        "n_sources": 1,
        "n_works": 1,
        "status": "active",
        **extra,
    }


def _assertion(assertion_id: str, claim_id: str, start: int, end: int) -> dict[str, Any]:
    return {
        "assertion_id": assertion_id,
        "claim_id": claim_id,
        "source_id": assertion_id[:4],
        "quote": "x" * (end - start),
        "char_start": start,
        "char_end": end,
        "prefix": "before ",
        "suffix": " after",
        "quote_en": "The quote in English.",
        "statement_mode": "asserted",
        "support_type": "none",
        "evidence_basis": "ECO:0000303",
        "agent_type": "manual_agent",
        "curator": "evidence-kit curators",
        "extraction_confidence": 0.9,
        "cited_reference_ids": [],
        "cited_references": [],
        "cited_dois": [],
        "citation_resolutions": [],
        "status": "active",
    }


def valid_rows() -> dict[str, list[dict[str, Any]]]:
    """A small, valid dataset: 3 sources, 3 claims, 4 assertions, their evidence rows and
    the vocabulary rows the claims name."""
    sources = [_source(i) for i in range(3)]
    claims = [
        _claim("c-mn-treats-acne-scars", "indication", "treats", role="primary"),
        _claim(
            "c-mn-cost",
            "cost",
            "has_cost",
            amount_min=100.0,
            amount_max=200.0,
            currency="VND",
            cost_unit="per_session",
        ),
        _claim(
            "c-mn-schedule",
            "schedule",
            "has_schedule",
            interval_min=4,
            interval_max=6,
            interval_unit="week",
            sessions_min=3,
            sessions_max=3,
        ),
    ]
    assertions = [
        _assertion("s000-001", "c-mn-treats-acne-scars", 10, 40),
        _assertion("s001-001", "c-mn-treats-acne-scars", 0, 25),
        _assertion("s001-002", "c-mn-cost", 100, 130),
        _assertion("s002-001", "c-mn-schedule", 5, 9),
    ]
    return {
        "sources": sources,
        "claims": claims,
        "assertions": assertions,
        "evidence": evidence_rows(sources, claims, assertions),
        "interventions": [
            {"intervention_id": "microneedling", "label": "microneedling", "synonyms": []}
        ],
        "conditions": [
            {
                "condition_id": "acne_scars",
                "label": "acne scars",
                "icd10cm": "L90.5",
                "icd10cm_description": "Scar conditions and fibrosis of skin",
            }
        ],
        "outcomes": [{"outcome_id": "skin_evenness", "label": "skin evenness"}],
    }


def evidence_rows(
    sources: list[dict[str, Any]], claims: list[dict[str, Any]], assertions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The flat table: each assertion joined with its claim and source."""
    by_table = {
        "claims": {c["claim_id"]: c for c in claims},
        "sources": {s["source_id"]: s for s in sources},
    }
    rows = []
    for assertion in assertions:
        parents = {
            "assertions": assertion,
            "claims": by_table["claims"].get(assertion["claim_id"], {}),
            "sources": by_table["sources"].get(assertion["source_id"], {}),
        }
        rows.append(
            {
                column: parents[table].get(name)
                for column, (table, name) in column_origins("evidence").items()
            }
        )
    return rows


def write_published(
    root: Path,
    rows: dict[str, list[dict[str, Any]]],
    *,
    texts: list[str] = SEEDS,
    checksums: bool = False,
    row_counts: dict[str, int] | None = None,
) -> Path:
    """Write ``root/parquet/*.parquet`` (and texts/, SHA256SUMS) like a build would.

    Required columns are written as nullable so that a test can seed a null key; the
    suites, not the Parquet writer, must catch it.
    """
    directory = root / "parquet"
    directory.mkdir(parents=True, exist_ok=True)
    for name, table_rows in rows.items():
        table = TABLES[name]
        schema = pa.schema([f.with_nullable(True) for f in table.schema])
        columns = {f.name: [row.get(f.name) for row in table_rows] for f in schema}
        arrow = pa.Table.from_pydict(columns, schema=schema)
        if row_counts and name in row_counts:
            arrow = arrow.replace_schema_metadata({ROW_COUNT_KEY: str(row_counts[name]).encode()})
        pq.write_table(arrow, directory / table.file_name)
    (root / "texts").mkdir(exist_ok=True)
    for name in texts:
        (root / "texts" / name).write_text(f"text of {name}\n", encoding="utf-8")
    if checksums:
        lines = [
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  parquet/{p.name}\n"
            for p in sorted(directory.glob("*.parquet"))
        ]
        (root / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    return directory


def run_script(directory: Path, source: str) -> Any:
    """Run ``source`` as a script in a fresh interpreter; its last printed line, as JSON.

    A script file, not ``python -c``: pyspark can swallow a bare -c run.  Failing when the
    child printed nothing keeps a silent no-op from passing.
    """
    script = directory / "child.py"
    script.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, f"the child printed nothing: {result.stderr}"
    return json.loads(lines[-1])


def failures(findings: list[Finding]) -> set[tuple[str, str, str | None]]:
    """(table file, expectation, column) of every EK501 finding."""
    return {
        (Path(f.file).stem, f.message.split()[1], f.field) for f in findings if f.code == "EK501"
    }


def seed_defects(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """One defect per rule, each in a row of its own; the evidence rows repeat them."""
    rows = json.loads(json.dumps(rows))
    claims, assertions, sources = rows["claims"], rows["assertions"], rows["sources"]
    claims.append({**claims[0]})  # duplicate primary key
    claims[1]["confidence"] = 1.5  # out of [0, 1]
    claims[2]["kind"] = "rumour"  # not a claim kind
    claims[2]["interval_max"] = 2  # interval_max < interval_min
    assertions[0]["char_end"] = assertions[0]["char_start"]  # char_end must be > char_start
    assertions[2]["statement_mode"] = "shouted"  # not a statement mode
    assertions[3]["extraction_confidence"] = -0.1
    assertions[3]["quote"] = ""  # empty quote
    evidence = evidence_rows(sources, claims, assertions)
    for row in (assertions[1], evidence[1]):
        row["claim_id"] = "c-no-such-claim"  # dangling foreign key
    sources[2]["source_id"] = None  # null primary key; s002's assertion now dangles
    rows["evidence"] = evidence
    return rows


EXPECTED_DEFECTS = {
    ("claims", "expect_column_values_to_be_unique", "claim_id"),
    ("claims", "expect_column_values_to_be_between", "confidence"),
    ("claims", "expect_column_values_to_be_in_set", "kind"),
    ("claims", "expect_column_pair_values_a_to_be_greater_than_b", "interval_max,interval_min"),
    ("assertions", "expect_column_pair_values_a_to_be_greater_than_b", "char_end,char_start"),
    ("assertions", "expect_column_values_to_be_in_set", "claim_id"),
    ("assertions", "expect_column_values_to_be_in_set", "statement_mode"),
    ("assertions", "expect_column_values_to_be_between", "extraction_confidence"),
    ("assertions", "expect_column_value_lengths_to_be_between", "quote"),
    ("sources", "expect_column_values_to_not_be_null", "source_id"),
    # the flat table repeats the assertion-level defects and the claim-level ones
    ("evidence", "expect_column_pair_values_a_to_be_greater_than_b", "char_end,char_start"),
    ("evidence", "expect_column_values_to_be_in_set", "claim_id"),
    ("evidence", "expect_column_values_to_be_in_set", "statement_mode"),
    ("evidence", "expect_column_values_to_be_between", "extraction_confidence"),
    ("evidence", "expect_column_value_lengths_to_be_between", "quote"),
    ("evidence", "expect_column_values_to_be_in_set", "claim_kind"),
    ("evidence", "expect_column_values_to_be_between", "claim_confidence"),
    (
        "evidence",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "claim_interval_max,claim_interval_min",
    ),
    # s002 lost its id: its assertion and evidence rows now dangle, and the seed
    # 002_cccc.txt still has a source row, so the seed checks pass
    ("assertions", "expect_column_values_to_be_in_set", "source_id"),
    ("evidence", "expect_column_values_to_be_in_set", "source_id"),
}
