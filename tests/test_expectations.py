"""The expectation suites: committed JSON = declarations, coverage of the contract, and
what the pandas engine finds on tables with seeded defects."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from published_tables import (
    EXPECTED_DEFECTS,
    failures,
    run_script,
    seed_defects,
    valid_rows,
    write_published,
)

from evidence_kit.checks import expectations as ex
from evidence_kit.cli import main
from evidence_kit.model import suites as su
from evidence_kit.model.errors import UsageError
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import ECO_CODES, STATEMENT_MODES

REGENERATE = "run `evidence-kit suites --out validations` and commit validations/"


def _of(table: str, kind: str, rule: str | None = None) -> list[dict]:
    suite = su.load_suites()[table]
    return [
        e
        for e in suite["expectations"]
        if e["type"] == kind and (rule is None or e["meta"]["rule"] == rule)
    ]


def test_committed_suites_match_the_declarations() -> None:
    stale = su.stale_suites()
    assert stale == [], f"{[str(p) for p in stale]} out of date: {REGENERATE}"
    committed = {p.name for p in su.suites_directory().glob("*.json")}
    assert committed == {f"{name}.json" for name in TABLES}


def test_regenerating_writes_the_same_bytes(tmp_path: Path) -> None:
    written = su.write_suites(tmp_path)
    for path in written:
        assert path.read_bytes() == (su.suites_directory() / path.name).read_bytes(), REGENERATE


def test_suites_command_writes_and_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["suites", "--check", "--out", str(tmp_path)]).exit_code == 1
    result = runner.invoke(main, ["suites", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.json" for t in TABLES)
    assert runner.invoke(main, ["suites", "--check", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "claims.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(main, ["suites", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "claims.json" in result.output


def test_the_declarations_do_not_import_great_expectations(tmp_path: Path) -> None:
    """Declaring and comparing suites runs without GX, in a fresh interpreter.

    The child prints what it declared and compared, so a run that did nothing cannot pass.
    """
    declared = run_script(
        tmp_path,
        "import json, sys\n"
        "import evidence_kit.model.suites as su\n"
        "print(json.dumps({'tables': sorted(su.declare_suites()),"
        " 'stale': [p.name for p in su.stale_suites()],"
        " 'gx': sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations')}))\n",
    )
    assert declared == {"tables": sorted(TABLES), "stale": [], "gx": []}


def test_only_the_expectations_module_imports_great_expectations() -> None:
    """GX lives behind one module: no other package module names it in an import."""
    import ast

    package = Path(ex.__file__).parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "great_expectations" for n in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"expectations.py"}


def test_committed_json_is_what_gx_itself_serialises() -> None:
    """Loading into GX and dumping back changes nothing and drops no expectation."""
    for suite in su.load_suites().values():
        dumped = ex.build_suite(suite).to_json_dict()
        assert dumped["expectations"] == suite["expectations"]
        assert dumped["name"] == suite["name"]


def test_a_suite_gx_cannot_read_is_refused() -> None:
    suite = su.load_suites()["claims"]
    broken = {**suite, "expectations": [{"type": "expect_no_such_thing", "kwargs": {}}]}
    with pytest.raises(UsageError):
        ex.build_suite(broken)


def test_a_missing_suite_file_is_a_usage_error(tmp_path: Path) -> None:
    su.write_suites(tmp_path)
    (tmp_path / "evidence.json").unlink()
    with pytest.raises(UsageError, match=r"evidence\.json"):
        su.load_suites(tmp_path)


@pytest.mark.parametrize("table", list(TABLES))
def test_keys_are_unique_and_not_null(table: str) -> None:
    for column in TABLES[table].primary_key:
        assert [e["kwargs"] for e in _of(table, "expect_column_values_to_be_unique")] == [
            {"column": column}
        ]
        not_null = {
            e["kwargs"]["column"] for e in _of(table, "expect_column_values_to_not_be_null")
        }
        required = {f.name for f in TABLES[table].schema if not f.nullable}
        assert column in not_null
        assert not_null == required


@pytest.mark.parametrize("table", list(TABLES))
def test_foreign_keys_use_the_parent_keys_read_at_run_time(table: str) -> None:
    checks = {
        e["kwargs"]["column"]: e
        for e in _of(table, "expect_column_values_to_be_in_set", "foreign-key")
    }
    assert set(checks) == {column for column, _, _ in TABLES[table].foreign_keys}
    for column, parent, parent_column in TABLES[table].foreign_keys:
        value_set = checks[column]["kwargs"]["value_set"]
        assert value_set == {"$PARAMETER": f"{parent}_{parent_column}_values"}
        assert checks[column]["meta"]["references"] == f"{parent}.{parent_column}"


@pytest.mark.parametrize("table", list(TABLES))
def test_every_categorical_column_is_closed_or_declared_open(table: str) -> None:
    closed = {
        e["kwargs"]["column"]
        for e in _of(table, "expect_column_values_to_be_in_set", "closed-vocabulary")
    }
    origins = su.column_origins(table)
    for column in TABLES[table].categorical:
        assert (column in closed) != (origins[column] in su.OPEN_CATEGORIES), column


def test_value_sets_come_from_the_vocabularies_and_models() -> None:
    sets = {
        (table, e["kwargs"]["column"]): e["kwargs"]["value_set"]
        for table in TABLES
        for e in _of(table, "expect_column_values_to_be_in_set", "closed-vocabulary")
    }
    assert sets["assertions", "statement_mode"] == sorted(STATEMENT_MODES)
    assert sets["evidence", "evidence_basis"] == sorted(ECO_CODES)
    predicates = sets["claims", "predicate"]
    assert {"treats", "has_adverse_event", "contraindicated_in", "has_cost"} <= set(predicates)
    assert sets["evidence", "claim_predicate"] == predicates
    assert sets["claims", "cost_unit"] == ["per_course", "per_session"]
    assert sets["evidence", "claim_interval_unit"] == ["day", "month", "week"]


def test_ranges_offsets_and_quote_lengths() -> None:
    for table, column in [
        ("claims", "confidence"),
        ("assertions", "extraction_confidence"),
        ("evidence", "claim_confidence"),
        ("evidence", "extraction_confidence"),
    ]:
        kwargs = [
            e["kwargs"]
            for e in _of(table, "expect_column_values_to_be_between")
            if e["kwargs"]["column"] == column
        ]
        assert kwargs == [{"column": column, "min_value": 0.0, "max_value": 1.0}]
    for table in ("assertions", "evidence"):
        pairs = [
            e["kwargs"] for e in _of(table, "expect_column_pair_values_a_to_be_greater_than_b")
        ]
        offsets = [p for p in pairs if p["column_A"] == "char_end"]
        assert offsets == [
            {
                "column_A": "char_end",
                "column_B": "char_start",
                "ignore_row_if": "either_value_is_missing",
            }
        ]
        lengths = {
            e["kwargs"]["column"]: e["kwargs"]
            for e in _of(table, "expect_column_value_lengths_to_be_between")
        }
        assert lengths["quote"]["min_value"] == 1
        assert lengths["quote"]["max_value"] == su.QUOTE_MAX_LENGTH


def test_row_counts_and_seeds_are_parameters() -> None:
    for table in TABLES:
        counts = _of(table, "expect_table_row_count_to_equal", "row-count")
        assert [e["kwargs"] for e in counts] == [{"value": {"$PARAMETER": f"{table}_row_count"}}]
        documented = su.load_suites()[table]["meta"]["parameters"]
        assert set(documented) == su.suite_parameters(su.load_suites()[table])
    seeds = _of("sources", "expect_column_distinct_values_to_contain_set", "every-seed-present")
    assert [e["kwargs"] for e in seeds] == [
        {"column": "source_file", "value_set": {"$PARAMETER": "seed_files"}}
    ]


def test_every_evidence_column_has_an_origin() -> None:
    origins = su.column_origins("evidence")
    assert list(origins) == TABLES["evidence"].schema.names
    assert origins["claim_status"] == ("claims", "status")
    assert origins["status"] == ("assertions", "status")
    assert origins["source_text_path"] == ("sources", "text_path")


# --------------------------------------------------------------------------- running


def _parameters(directory: Path) -> dict:
    from evidence_kit.checks.published import run_parameters

    present = {n: directory / t.file_name for n, t in TABLES.items()}
    return run_parameters(directory.parent, present, su.load_suites())


def test_valid_tables_pass_with_pandas(tmp_path: Path) -> None:
    rows = valid_rows()
    counts = {name: len(r) for name, r in rows.items()}
    directory = write_published(tmp_path, rows, row_counts=counts)
    run = ex.run_suites(directory, su.load_suites(), _parameters(directory))
    assert run.findings == []
    assert run.skipped == []
    assert run.evaluated == sum(len(s["expectations"]) for s in su.load_suites().values())


def test_seeded_defects_fail_exactly_their_expectations_with_pandas(tmp_path: Path) -> None:
    directory = write_published(tmp_path, seed_defects(valid_rows()))
    run = ex.run_suites(directory, su.load_suites(), _parameters(directory))
    assert failures(run.findings) == EXPECTED_DEFECTS
    assert run.failed == len(EXPECTED_DEFECTS)
    # no row counts known (no curation, no metadata): skipped, never passed
    assert sorted(run.skipped) == sorted(
        f"{t}: expect_table_row_count_to_equal ({t}_row_count)" for t in TABLES
    )
    by_field = {(Path(f.file).stem, f.field): f for f in run.findings}
    dangling = by_field["assertions", "claim_id"]
    assert "expect_column_values_to_be_in_set failed on assertions" in dangling.message
    assert "'c-no-such-claim'" in dangling.message and "[foreign-key]" in dangling.message
    assert json.loads(dangling.actual or "[]") == ["c-no-such-claim"]
    assert (
        json.loads(by_field["claims", "claim_id"].actual or "[]") == ["c-mn-treats-acne-scars"] * 2
    )
    assert json.loads(by_field["claims", "kind"].actual or "[]") == ["rumour"]
    assert json.loads(by_field["assertions", "char_end,char_start"].actual or "[]") == [[10, 10]]
    assert json.loads(by_field["sources", "source_id"].actual or "[]") == [None]


def test_a_missing_column_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    directory = write_published(tmp_path, valid_rows())
    table = pq.read_table(directory / "claims.parquet")
    pq.write_table(table.drop_columns(["confidence"]), directory / "claims.parquet")
    suites = {"claims": su.load_suites()["claims"]}
    run = ex.run_suites(directory, suites, _parameters(directory))
    assert {(f.field, f.code) for f in run.findings} == {("confidence", "EK501")}
    assert "could not be evaluated" in run.findings[0].message


def test_hash_threshold_is_restored_after_a_run(tmp_path: Path) -> None:
    from great_expectations.execution_engine import pandas_execution_engine as engine

    before = engine.HASH_THRESHOLD
    directory = write_published(tmp_path, valid_rows())
    ex.run_suites(directory, {"sources": su.load_suites()["sources"]}, {})
    assert before == engine.HASH_THRESHOLD


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        ex.run_suites(tmp_path, {}, {}, engine="dask")  # type: ignore[arg-type]
