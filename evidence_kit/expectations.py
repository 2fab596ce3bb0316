"""The Great Expectations suites of the published tables: declared, committed, run.

This is the only module that imports ``great_expectations`` (lazily, inside functions),
so a new GX release changes one place.  It does three things:

* **declare** one suite per published table from :mod:`evidence_kit.tables` and
  :mod:`evidence_kit.vocabulary` (:func:`declare_suites`): primary keys unique and
  non-null, required columns non-null, foreign keys resolving, closed vocabularies,
  confidences in [0, 1], ``char_end > char_start``, sane quote lengths, every seed
  present, and row counts matching the curated inputs;
* **commit** them as JSON under ``validations/`` (:func:`write_suites`) and load them
  from there (:func:`load_suites`); a test regenerates and compares, so the committed
  files cannot drift from the declarations;
* **run** the committed suites on a directory of Parquet files with GX's pandas or
  Spark execution engine, write HTML Data Docs, and return findings
  (:func:`run_suites`).

Values only known at run time are GX suite parameters (``{"$PARAMETER": name}``), filled
by :func:`evidence_kit.published.validate_published`:

* ``<table>_<column>_values`` -- the key values of a parent table.  GX has no
  cross-table expectation, so a foreign key is checked as
  ``ExpectColumnValuesToBeInSet`` with the parent's keys read from its Parquet file;
* ``<table>_row_count`` -- the number of records in the curation (or, without one,
  the count the build recorded in the file's key-value metadata);
* ``seed_files`` -- the text files under ``dataset/texts``.

An expectation whose parameter cannot be known (no curation, no texts) is skipped and
counted, never silently passed.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow.parquet as pq

from evidence_kit.errors import ERR, Finding, UsageError
from evidence_kit.models import CLAIM_TYPES, CONTEXT_LENGTH
from evidence_kit.tables import TABLES
from evidence_kit.vocabulary import (
    AGENT_TYPES,
    CERTAINTY_LEVELS,
    CLAIM_KINDS,
    CURRENCIES,
    ECO_CODES,
    SOURCE_TYPES,
    STATEMENT_MODES,
    STATUSES,
    SUPPORT_TYPES,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Engine = Literal["pandas", "spark"]
ENGINES: tuple[Engine, ...] = ("pandas", "spark")

QUOTE_MAX_LENGTH = 1000
"""Longest quote accepted, in code points: about a paragraph.  Quotes stay as short as the
claim allows; a longer one usually means offsets ran over the whole text."""

EXAMPLES = 5
"""How many failing values a finding shows."""

SEED_FILES = "seed_files"

# Closed value sets of the categorical columns: (table, column) -> (vocabulary, values).
# Claims columns whose values the claim models declare as Literals are filled below.
_VOCABULARIES: dict[tuple[str, str], tuple[str, Mapping[Any, str]]] = {
    ("sources", "source_type"): ("source_types", SOURCE_TYPES),
    ("sources", "status"): ("statuses", STATUSES),
    ("claims", "kind"): ("claim_kinds", CLAIM_KINDS),
    ("claims", "currency"): ("currencies", CURRENCIES),
    ("claims", "certainty"): ("certainty_levels", CERTAINTY_LEVELS),
    ("claims", "status"): ("statuses", STATUSES),
    ("assertions", "statement_mode"): ("statement_modes", STATEMENT_MODES),
    ("assertions", "support_type"): ("support_types", SUPPORT_TYPES),
    ("assertions", "evidence_basis"): ("eco_codes", ECO_CODES),
    ("assertions", "agent_type"): ("agent_types", AGENT_TYPES),
    ("assertions", "status"): ("statuses", STATUSES),
}
# Claims columns -> the claim-model field whose Literal values they take.
_CLAIM_LITERALS = {
    "predicate": "predicate",
    "combination_type": "combination_type",
    "role": "role",
    "frequency": "frequency",
    "severity": "severity",
    "setting": "setting",
    "interval_unit": "interval_unit",
    "cost_unit": "unit",
}
#: Categorical columns deliberately without a closed set, and why.
OPEN_CATEGORIES: dict[tuple[str, str], str] = {
    ("sources", "language"): "BCP-47 tags are an open set; checked by pattern instead",
    ("claims", "subject"): "intervention ids come from the curation's vocabulary files",
}
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"

# Numeric ranges: (table, column) -> (min, max); None leaves a side open.
_RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("claims", "confidence"): (0.0, 1.0),
    ("assertions", "extraction_confidence"): (0.0, 1.0),
    ("assertions", "char_start"): (0, None),
    ("claims", "n_assertions"): (0, None),
    ("claims", "n_sources"): (0, None),
    ("claims", "n_works"): (0, None),
    ("claims", "step"): (1, None),
    ("claims", "interval_min"): (0, None),
    ("claims", "interval_max"): (0, None),
    ("claims", "sessions_min"): (1, None),
    ("claims", "sessions_max"): (1, None),
    ("claims", "amount_min"): (0, None),
    ("claims", "amount_max"): (0, None),
}
# Column pairs: (table, a, b, or_equal) -- a > b (or a >= b) where both are present.
_PAIRS: list[tuple[str, str, str, bool]] = [
    ("assertions", "char_end", "char_start", False),
    ("claims", "interval_max", "interval_min", True),
    ("claims", "sessions_max", "sessions_min", True),
    ("claims", "amount_max", "amount_min", True),
]
# Text lengths in code points: (table, column) -> (min, max).
_LENGTHS: dict[tuple[str, str], tuple[int, int | None]] = {
    ("assertions", "quote"): (1, QUOTE_MAX_LENGTH),
    ("assertions", "quote_en"): (1, None),
    ("assertions", "prefix"): (0, CONTEXT_LENGTH),
    ("assertions", "suffix"): (0, CONTEXT_LENGTH),
    ("claims", "statement"): (1, None),
}
_PATTERNS: dict[tuple[str, str], str] = {
    ("sources", "sha256"): r"^[0-9a-f]{64}$",
    ("sources", "language"): LANGUAGE_PATTERN,
}


# --------------------------------------------------------------------------- declaration


def suites_directory() -> Path:
    """Where the committed suites live: inside an installed wheel, else the checkout's
    ``validations/`` next to the package."""
    packaged = Path(str(files("evidence_kit"))) / "validations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "validations"


def column_origins(table: str) -> dict[str, tuple[str, str]]:
    """Each column of ``table`` -> the (table, column) it is copied from.

    Columns of sources, claims and assertions are their own origin; the flat evidence
    table copies assertion columns as they are and claim and source columns with or
    without a ``claim_`` / ``source_`` prefix.  Matching the description as well as the
    name keeps the mapping honest when tables.py changes.
    """
    schema = TABLES[table].schema
    if table != "evidence":
        return {name: (table, name) for name in schema.names}
    origins: dict[str, tuple[str, str]] = {}
    for f in schema:
        candidates = [
            ("assertions", f.name),
            ("claims", f.name),
            ("sources", f.name),
            ("claims", f.name.removeprefix("claim_")),
            ("sources", f.name.removeprefix("source_")),
        ]
        for parent, name in candidates:
            parent_schema = TABLES[parent].schema
            if name in parent_schema.names:
                origin = parent_schema.field(name)
                if origin.metadata == f.metadata and origin.type == f.type:
                    origins[f.name] = (parent, name)
                    break
    return origins


def _literal_values(annotation: Any) -> set[str]:
    """The string values of the Literals inside ``annotation`` (through unions)."""
    if typing.get_origin(annotation) is Literal:
        return {v for v in typing.get_args(annotation) if isinstance(v, str)}
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found: set[str] = set()
        for arg in typing.get_args(annotation):
            found |= _literal_values(arg)
        return found
    return set()


def value_sets() -> dict[tuple[str, str], tuple[str, list[str]]]:
    """Closed value sets of the base tables' categorical columns, sorted for stable JSON."""
    sets = {key: (name, sorted(values)) for key, (name, values) in _VOCABULARIES.items()}
    for column, model_field in _CLAIM_LITERALS.items():
        values: set[str] = set()
        for claim_type in CLAIM_TYPES:
            info = claim_type.model_fields.get(model_field)
            if info is not None:
                values |= _literal_values(info.annotation)
        sets["claims", column] = (f"claim models' {model_field}", sorted(values))
    return sets


def _expectation(kind: str, rule: str, **kwargs: Any) -> dict[str, Any]:
    """One expectation configuration as GX serialises it; ``meta.rule`` says why."""
    return {"type": kind, "kwargs": kwargs, "meta": {"rule": rule}, "severity": "critical"}


def _bounds(low: float | None, high: float | None) -> dict[str, float]:
    """min_value / max_value as GX serialises them: an open side is left out."""
    return {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def parameter_name(table: str, column: str) -> str:
    """The suite parameter holding the key values of ``table.column``."""
    return f"{table}_{column}_values"


def row_count_parameter(table: str) -> str:
    return f"{table}_row_count"


def _declare_table(name: str) -> list[dict[str, Any]]:
    table = TABLES[name]
    origins = column_origins(name)
    sets = value_sets()
    out: list[dict[str, Any]] = []
    for column in table.primary_key:
        out.append(
            _expectation("expect_column_values_to_not_be_null", "primary-key", column=column)
        )
        out.append(_expectation("expect_column_values_to_be_unique", "primary-key", column=column))
    for f in table.schema:
        if not f.nullable and f.name not in table.primary_key:
            out.append(
                _expectation("expect_column_values_to_not_be_null", "required", column=f.name)
            )
    for column, parent, parent_column in table.foreign_keys:
        entry = _expectation(
            "expect_column_values_to_be_in_set",
            "foreign-key",
            column=column,
            value_set=_param(parameter_name(parent, parent_column)),
        )
        entry["meta"]["references"] = f"{parent}.{parent_column}"
        out.append(entry)
    for column in table.categorical:
        origin = origins[column]
        if origin in sets:
            vocabulary, values = sets[origin]
            entry = _expectation(
                "expect_column_values_to_be_in_set",
                "closed-vocabulary",
                column=column,
                value_set=values,
            )
            entry["meta"]["vocabulary"] = vocabulary
            out.append(entry)
    for column, origin in origins.items():
        if origin in _RANGES:
            bounds = _bounds(*_RANGES[origin])
            out.append(
                _expectation("expect_column_values_to_be_between", "range", column=column, **bounds)
            )
        if origin in _LENGTHS:
            bounds = _bounds(*_LENGTHS[origin])
            out.append(
                _expectation(
                    "expect_column_value_lengths_to_be_between", "length", column=column, **bounds
                )
            )
        if origin in _PATTERNS:
            out.append(
                _expectation(
                    "expect_column_values_to_match_regex",
                    "pattern",
                    column=column,
                    regex=_PATTERNS[origin],
                )
            )
    by_origin = {origin: column for column, origin in origins.items()}
    for base, a, b, or_equal in _PAIRS:
        if (base, a) in by_origin and (base, b) in by_origin:
            kwargs: dict[str, Any] = {
                "column_A": by_origin[base, a],
                "column_B": by_origin[base, b],
                "ignore_row_if": "either_value_is_missing",
            }
            if or_equal:
                kwargs["or_equal"] = True
            out.append(
                _expectation("expect_column_pair_values_a_to_be_greater_than_b", "order", **kwargs)
            )
    if name == "sources":
        out.append(
            _expectation(
                "expect_column_distinct_values_to_contain_set",
                "every-seed-present",
                column="source_file",
                value_set=_param(SEED_FILES),
            )
        )
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                "source-has-seed",
                column="source_file",
                value_set=_param(SEED_FILES),
            )
        )
    out.append(
        _expectation(
            "expect_table_row_count_to_equal", "row-count", value=_param(row_count_parameter(name))
        )
    )
    return out


def _parameters_doc(name: str) -> dict[str, str]:
    table = TABLES[name]
    doc = {
        row_count_parameter(name): "records of this table in the curation (the evidence "
        "table: assertions), else the row count the build wrote into the key-value metadata",
    }
    for _, parent, parent_column in table.foreign_keys:
        doc[parameter_name(parent, parent_column)] = (
            f"{parent_column} values read from {parent}.parquet at run time "
            "(GX has no cross-table foreign-key expectation)"
        )
    if name == "sources":
        doc[SEED_FILES] = "file names of the seed texts under dataset/texts"
    return doc


def declare_suites() -> dict[str, dict[str, Any]]:
    """Every published table's suite, as the JSON that is committed under validations/."""
    return {
        name: {
            "name": f"evidence_kit.{name}",
            "meta": {
                "table": name,
                "file": TABLES[name].file_name,
                "generated_by": "evidence_kit.expectations.declare_suites",
                "regenerate": "evidence-kit suites --out validations",
                "parameters": _parameters_doc(name),
            },
            "expectations": _declare_table(name),
        }
        for name in TABLES
    }


def render_suite(suite: Mapping[str, Any]) -> str:
    """The committed text of a suite: sorted keys, two-space indent, final newline."""
    return json.dumps(suite, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def suite_file(name: str) -> str:
    return f"{name}.json"


def write_suites(directory: Path | None = None) -> list[Path]:
    """Write the declared suites as ``<table>.json`` into ``directory``."""
    directory = directory or suites_directory()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in declare_suites().items():
        path = directory / suite_file(name)
        path.write_text(render_suite(suite), encoding="utf-8")
        written.append(path)
    return written


def stale_suites(directory: Path | None = None) -> list[Path]:
    """Committed suite files that are missing or differ from the declarations."""
    directory = directory or suites_directory()
    return [
        directory / suite_file(name)
        for name, suite in declare_suites().items()
        if not (directory / suite_file(name)).is_file()
        or (directory / suite_file(name)).read_text("utf-8") != render_suite(suite)
    ]


def load_suites(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """The committed suites, by table name; every published table must have one."""
    directory = directory or suites_directory()
    suites = {}
    for name in TABLES:
        path = directory / suite_file(name)
        if not path.is_file():
            raise UsageError(
                f"expectation suite {path} is missing",
                "regenerate the suites with `evidence-kit suites --out validations`",
                file=str(path),
            )
        suites[name] = json.loads(path.read_text("utf-8"))
    return suites


def suite_parameters(suite: Mapping[str, Any]) -> set[str]:
    """Names of the run-time parameters a suite's expectations refer to."""
    names: set[str] = set()
    for entry in suite["expectations"]:
        for value in entry["kwargs"].values():
            if isinstance(value, dict) and "$PARAMETER" in value:
                names.add(value["$PARAMETER"])
    return names


def suite_columns(suite: Mapping[str, Any]) -> list[str]:
    """Columns a suite reads, in first-use order: the only ones worth loading."""
    seen: dict[str, None] = {}
    for entry in suite["expectations"]:
        kwargs = entry["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                seen[kwargs[key]] = None
        for column in kwargs.get("column_list", []):
            seen[column] = None
    return list(seen)


# --------------------------------------------------------------------------- running


@dataclass
class SuiteRun:
    """What running the suites found: findings (EK501) and counts for the report."""

    findings: list[Finding] = field(default_factory=list)
    evaluated: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)


def spark_session() -> SparkSession:
    """The local Spark session (``local[2]``), started on first use, never at import."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError(
            f"the spark engine needs pyspark ({exc})",
            "install the extra: pip install 'evidence-kit[spark]'",
        ) from exc
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("evidence-kit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
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
            gx_suite = context.suites.add(build_suite(suite, kept))
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
            )
            actions: list[ValidationAction] = []
            if report_dir is not None:
                actions.append(UpdateDataDocsAction(name="data_docs"))
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"evidence_kit_{name}",
                    validation_definitions=[definition],
                    actions=actions,
                    result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
                )
            )
            frame = _read(engine, path, suite_columns(suite))
            result = checkpoint.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters={
                    k: parameters[k] for k in suite_parameters(suite) if k in parameters
                },
            )
            file = (display or {}).get(name, str(path))
            for validation in result.run_results.values():
                for outcome in validation.results:
                    run.evaluated += 1
                    if not outcome.success:
                        run.failed += 1
                        run.findings.append(_finding(name, file, outcome))
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
