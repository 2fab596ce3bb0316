"""Great Expectations behind one module: the declared suites built, run and reported.

This is the only module that imports ``great_expectations`` (lazily, inside functions),
so a new GX release changes one place.  The suites themselves are plain data declared
in :mod:`evidence_kit.model.suites`; here they become GX ``ExpectationSuite`` objects
(:func:`build_suite`), run on a directory of Parquet files with GX's pandas or Spark
execution engine, write HTML Data Docs, and come back as findings (:func:`run_suites`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.model.errors import ERR, Finding, UsageError
from evidence_kit.model.suites import suite_columns, suite_parameters
from evidence_kit.model.tables import TABLES

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Engine = Literal["pandas", "spark"]
ENGINES: tuple[Engine, ...] = ("pandas", "spark")

EXAMPLES = 5
"""How many failing values a finding shows."""


@dataclass
class SuiteRun:
    """What running the suites found: findings (EK501) and counts for the report."""

    findings: list[Finding] = field(default_factory=list)
    evaluated: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    """Every evaluated expectation: table, expectation, columns, success, reason."""


def spark_session() -> SparkSession:
    """The local Spark session (``local[2]``), started on first use, never at import; its
    configuration is the Spark engine's (:func:`evidence_kit.checks.sparkcheck.spark_session`)."""
    try:
        from evidence_kit.checks.sparkcheck import LOCAL_MASTER
        from evidence_kit.checks.sparkcheck import spark_session as start
    except ImportError as exc:
        raise UsageError(
            f"the spark engine needs pyspark ({exc})",
            "install the extra: pip install 'evidence-kit[spark]'",
        ) from exc
    try:
        session = start(LOCAL_MASTER)
    except Exception as exc:  # pyspark raises its own types, e.g. when Java is missing
        raise UsageError(
            f"could not start Spark: {exc}",
            "install Java 17 and put `java` on PATH (or set JAVA_HOME), or use --engine pandas",
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def _no_fingerprint() -> Iterator[None]:
    """Switch off GX's whole-frame fingerprint of pandas batches while validating.

    GX 1.x hashes every pandas batch under ``HASH_THRESHOLD`` bytes only to label it; at a
    million rows that is most of the run time (see PERFORMANCE-NOTES).  The label is not
    needed here, so the threshold is 0 for the duration of the run.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    saved = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


def _context(report_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            "evidence_kit",
            {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(report_dir.resolve()),
                },
            },
        )
    return context


def build_suite(suite: Mapping[str, Any], expectations: list[dict[str, Any]] | None = None) -> Any:
    """A GX ``ExpectationSuite`` from committed JSON (optionally only some expectations)."""
    import great_expectations as gx

    expectations = list(suite["expectations"]) if expectations is None else expectations

    built = gx.ExpectationSuite(
        name=suite["name"], expectations=expectations, meta=dict(suite.get("meta", {}))
    )
    if len(built.expectations) != len(expectations):
        # GX logs and drops an invalid configuration instead of raising.
        raise UsageError(
            f"suite {suite['name']} has expectations GX cannot read",
            "regenerate the suites with `evidence-kit suites --out validations`",
        )
    return built


def _read(engine: Engine, path: Path, columns: list[str]) -> Any:
    present = set(pq.read_schema(path).names)
    wanted = [c for c in columns if c in present] or [pq.read_schema(path).names[0]]
    if engine == "spark":
        return spark_session().read.parquet(str(path)).select(*wanted)
    return pq.read_table(path, columns=wanted).to_pandas()


def _each_element(entry: Mapping[str, Any]) -> bool:
    """True for an expectation on each element of a list column (``meta.each_element``)."""
    return bool((entry.get("meta") or {}).get("each_element"))


def _read_elements(engine: Engine, path: Path, column: str) -> Any:
    """One column holding every element of the list column ``column``, flattened."""
    if engine == "spark":
        from pyspark.sql import functions as F

        frame = spark_session().read.parquet(str(path))
        return frame.select(F.explode(column).alias(column))
    import pyarrow.compute as pc

    values = pc.list_flatten(pq.read_table(path, columns=[column]).column(column))
    return pa.table({column: values}).to_pandas()


def run_suites(
    directory: Path,
    suites: Mapping[str, Mapping[str, Any]],
    parameters: Mapping[str, Any],
    engine: Engine = "pandas",
    report_dir: Path | None = None,
    display: Mapping[str, str] | None = None,
) -> SuiteRun:
    """Run each table's suite on ``directory/<table>.parquet``; EK501 per failed expectation.

    Expectations whose parameters are not in ``parameters`` are skipped (and named in
    :attr:`SuiteRun.skipped`).  Tables whose file is missing are left to the caller.
    ``display`` maps a table to the file name its findings should carry.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", f"use one of: {', '.join(ENGINES)}")
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction, ValidationAction

    run = SuiteRun()
    context = _context(report_dir)
    source = (
        context.data_sources.add_spark("spark")
        if engine == "spark"
        else context.data_sources.add_pandas("pandas")
    )
    with _no_fingerprint():
        for name, suite in suites.items():
            path = directory / TABLES[name].file_name
            if not path.is_file():
                continue
            kept = []
            for entry in suite["expectations"]:
                missing = suite_parameters({"expectations": [entry]}) - set(parameters)
                if missing:
                    run.skipped.append(f"{name}: {entry['type']} ({', '.join(sorted(missing))})")
                else:
                    kept.append(entry)
            # expectations on the elements of a list column run on its flattened values
            groups: dict[str | None, list[dict[str, Any]]] = {}
            for entry in kept:
                element = entry["kwargs"]["column"] if _each_element(entry) else None
                groups.setdefault(element, []).append(entry)
            file = (display or {}).get(name, str(path))
            for element, entries in groups.items():
                if element is None:
                    asset, frame = name, _read(engine, path, suite_columns(suite))
                else:
                    asset, frame = f"{name}.{element}", _read_elements(engine, path, element)
                checked = {**suite, "name": f"{suite['name']}.{element}"} if element else suite
                gx_suite = context.suites.add(build_suite(checked, entries))
                batch = source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe(
                    "all"
                )
                definition = context.validation_definitions.add(
                    gx.ValidationDefinition(name=asset, data=batch, suite=gx_suite)
                )
                actions: list[ValidationAction] = []
                if report_dir is not None:
                    actions.append(UpdateDataDocsAction(name="data_docs"))
                checkpoint = context.checkpoints.add(
                    gx.Checkpoint(
                        name=f"evidence_kit_{asset}",
                        validation_definitions=[definition],
                        actions=actions,
                        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
                    )
                )
                used = suite_parameters({"expectations": entries})
                result = checkpoint.run(
                    batch_parameters={"dataframe": frame},
                    expectation_parameters={k: parameters[k] for k in used if k in parameters},
                )
                for validation in result.run_results.values():
                    for outcome in validation.results:
                        run.evaluated += 1
                        config = outcome.expectation_config
                        entry = {
                            "table": name,
                            "expectation": config.type,
                            "columns": [
                                config.kwargs[k]
                                for k in ("column", "column_A", "column_B")
                                if k in config.kwargs
                            ],
                            "success": bool(outcome.success),
                            "reason": "",
                        }
                        if not outcome.success:
                            run.failed += 1
                            finding = _finding(name, file, outcome)
                            entry["reason"] = finding.message
                            run.findings.append(finding)
                        run.results.append(entry)
    return run


def _finding(table: str, file: str, outcome: Any) -> Finding:
    config = outcome.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    result = outcome.result or {}
    errors = _exception_messages(outcome.exception_info or {})
    if errors:
        reason = f"could not be evaluated: {'; '.join(errors)}"
        examples: list[Any] = []
    elif "unexpected_count" in result:
        examples = [_plain(v) for v in result.get("partial_unexpected_list") or []]
        reason = (
            f"{result['unexpected_count']} of {result.get('element_count')} rows unexpected"
            + (f", e.g. {', '.join(repr(v) for v in examples[:EXAMPLES])}" if examples else "")
        )
    else:
        examples = [_plain(result.get("observed_value"))]
        reason = f"observed {examples[0]!r}"
    rule = (config.meta or {}).get("rule", "")
    return ERR.EXPECTATION_FAILED.at(
        file,
        field=",".join(columns) or None,
        expectation=config.type,
        table=table,
        reason=f"{reason} [{rule}]" if rule else reason,
        expected=_describe(kwargs),
        actual=json.dumps(examples[:EXAMPLES], ensure_ascii=False, default=str),
    )


def _exception_messages(info: Mapping[str, Any]) -> list[str]:
    """Messages of the exceptions GX caught, flat or keyed by metric (GX 1.x nests them)."""
    if info.get("raised_exception"):
        return [str(info.get("exception_message"))]
    found: dict[str, None] = {}
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            found[str(value.get("exception_message"))] = None
    return list(found)


def _plain(value: Any) -> Any:
    """A GX result value as plain JSON-able Python: numpy scalars unwrapped, pairs as
    lists, pandas' missing markers (NaN, NA) as None."""
    if hasattr(value, "tolist") and bool(getattr(value, "ndim", False)):
        value = value.tolist()  # a list column's value (numpy array)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return None
    return value


def _describe(kwargs: Mapping[str, Any]) -> str:
    """The expectation's arguments, with long value sets shortened."""
    shown = {}
    for key, value in kwargs.items():
        if isinstance(value, (list, set, tuple)) and len(value) > 12:
            value = f"<{len(value)} values>"
        elif isinstance(value, (list, set, tuple)):
            value = sorted(value, key=str)
        shown[key] = value
    return json.dumps(shown, ensure_ascii=False, default=str, sort_keys=True)
