"""The expectation suites of the published tables: declared as plain data, committed as JSON.

This module says *what* each published table must satisfy; :mod:`evidence_kit.checks.expectations`
says *how* it is checked, and is the only module that imports ``great_expectations``.  So a
new GX release never touches the declarations, and reading or regenerating them never
pays for importing GX.

* **declare** one suite per published table from :mod:`evidence_kit.model.tables`,
  :mod:`evidence_kit.model.vocabulary` and the claim models (:func:`declare_suites`): primary
  keys unique and non-null, required columns non-null, foreign keys resolving, closed
  vocabularies, confidences in [0, 1], ``char_end > char_start``, sane quote lengths,
  every seed present, and row counts matching the curated inputs.  An expectation is a
  GX expectation type name with its kwargs, as GX serialises it;
* **commit** them as JSON under ``validations/`` (:func:`write_suites`), load them from
  there (:func:`load_suites`) and compare (:func:`stale_suites`); a test regenerates and
  compares, so the committed files cannot drift from the declarations.

Values only known at run time are GX suite parameters (``{"$PARAMETER": name}``), filled
by :func:`evidence_kit.checks.published.validate_published`:

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
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from evidence_kit.model.claims import CLAIM_TYPES
from evidence_kit.model.errors import UsageError
from evidence_kit.model.fields import CONTEXT_LENGTH
from evidence_kit.model.tables import EVIDENCE_COPIES, TABLES
from evidence_kit.model.vocabulary import (
    AGENT_TYPES,
    ATTRIBUTIONS,
    CERTAINTY_LEVELS,
    CLAIM_KINDS,
    CURRENCIES,
    ECO_CODES,
    FREQUENCIES,
    SOURCE_TYPES,
    STATEMENT_MODES,
    STATUSES,
    SUPPORT_TYPES,
)

QUOTE_MAX_LENGTH = 1000
"""Longest quote accepted, in code points: about a paragraph.  Quotes stay as short as the
claim allows; a longer one usually means offsets ran over the whole text."""

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
    ("claims", "frequency"): ("frequencies", FREQUENCIES),
    ("assertions", "statement_mode"): ("statement_modes", STATEMENT_MODES),
    ("assertions", "support_type"): ("support_types", SUPPORT_TYPES),
    ("assertions", "evidence_basis"): ("eco_codes", ECO_CODES),
    ("assertions", "agent_type"): ("agent_types", AGENT_TYPES),
    ("assertions", "status"): ("statuses", STATUSES),
    ("assertions", "attribution"): ("attributions", ATTRIBUTIONS),
}
# Claims columns -> the claim-model field whose Literal values they take.
_CLAIM_LITERALS = {
    "predicate": "predicate",
    "combination_type": "combination_type",
    "role": "role",
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
    ("claims", "certainty_rank"): (1, 4),
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
    ("conditions", "icd10cm"): r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$",
}


def suites_directory() -> Path:
    """Where the committed suites live: inside an installed wheel, else the checkout's
    ``validations/`` next to the package."""
    packaged = Path(str(files("evidence_kit"))) / "validations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "validations"


def column_origins(table: str) -> dict[str, tuple[str, str]]:
    """Each column of ``table`` -> the (table, column) it is copied from.

    Columns of sources, claims and assertions are their own origin; the flat evidence
    table copies assertion columns as they are and claim and source columns under the one
    naming rule (``EVIDENCE_COPIES``, :func:`evidence_kit.model.tables.prefixed`).
    """
    schema = TABLES[table].schema
    if table != "evidence":
        return {name: (table, name) for name in schema.names}
    copies = {column: (parent, name) for column, (parent, name, _) in EVIDENCE_COPIES.items()}
    copies["assertion_id"] = ("assertions", "assertion_id")
    return {name: copies[name] for name in schema.names}


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
        if column in table.lists:
            entry["meta"]["each_element"] = True  # run on the list's flattened elements
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
                "generated_by": "evidence_kit.model.suites.declare_suites",
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
