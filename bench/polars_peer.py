"""An honest peer for the benchmark: the fast path's checks written in Polars.

The same rules (read from :mod:`evidence_kit.model.columnrules`, as the fast path reads
them), written the way a Polars user would write them to be fast: one lazy
``scan_parquet`` pass per table (streaming engine, only the needed columns), each column
rule a ``when/then`` chain giving the first failing check, record rules on the
column-valid rows, list elements with ``list.eval``, duplicates, references (into the
vocabulary tables too, list elements one by one) and repeated quotes on the valid rows
(``is_first_distinct``, ``is_in``), and every quote compared with its text window after
joining the texts by ``source_id`` (``str.slice`` in code points).  Source texts are read
and hashed by the same function both paths use, and the few rows whose quote fails are
explained by the same Python function (as in the fast path), so both return the same
defects.

:func:`check` returns the set of ``(file name, 1-based row or None, code)`` it finds;
``bench/run.py`` compares it with the fast path's findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import langcodes
import polars as pl
import pyarrow.parquet as pq

from evidence_kit.checks.fastcheck import NEEDED
from evidence_kit.checks.findings import check_schema, quote_findings
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.model.columnrules import (
    ALL_RULES,
    KIND_PREDICATES,
    QUOTE_SUSPECT,
    ColumnRule,
    blocking,
)
from evidence_kit.model.errors import ERR
from evidence_kit.model.fields import CONTEXT_LENGTH
from evidence_kit.model.references import REFERENCES
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES

Found = set[tuple[str, int | None, str]]

_STRING = (pl.String,)


def _language_bad(series: pl.Series) -> pl.Series:
    bad = [v for v in series.unique().drop_nulls().to_list() if not langcodes.tag_is_valid(v)]
    return series.is_in(bad)


def _tests(c: pl.Expr, rule: ColumnRule, dtype: Any, null_code: str) -> list[tuple[pl.Expr, str]]:
    """(failing test, code) of each check of ``rule`` on ``c``, in the order they run."""
    tests: list[tuple[pl.Expr, str]] = []
    if not rule.nullable:
        tests.append((c.is_null(), null_code))
    if dtype == pl.String:
        if rule.min_length is not None:
            tests.append((c.str.len_chars() < rule.min_length, ERR.OUT_OF_RANGE.code))
        if rule.max_length is not None:
            tests.append((c.str.len_chars() > rule.max_length, ERR.OUT_OF_RANGE.code))
        if rule.pattern is not None:
            tests.append((~c.str.contains(rule.pattern), ERR.PATTERN_MISMATCH.code))
        if rule.enum is not None:
            tests.append((~c.is_in(list(rule.enum)), rule.enum_error.code))
        if rule.language:
            bad = c.map_batches(_language_bad, return_dtype=pl.Boolean)
            tests.append((bad, ERR.UNKNOWN_LANGUAGE.code))
    elif dtype != pl.Boolean and dtype.is_numeric():
        if rule.ge is not None:
            tests.append((c < rule.ge, ERR.OUT_OF_RANGE.code))
        if rule.le is not None:
            tests.append((~(c <= rule.le), ERR.OUT_OF_RANGE.code))
    return tests


def _first(tests: list[tuple[pl.Expr, str]], then: Any = None) -> Any:
    chain: Any = pl
    for test, code in tests:
        chain = chain.when(test.fill_null(False)).then(pl.lit(code))
    return chain.otherwise(then) if tests else then


#: The code a list column gets in the single pass when some element fails; the few rows
#: with it are explained afterwards (:func:`_explain_elements`).
SOME_ELEMENT = "elements"


def _element_tests(rule: ColumnRule, dtype: Any) -> list[tuple[pl.Expr, str]]:
    if rule.element is None or not isinstance(dtype, pl.List):
        return []
    return _tests(pl.element(), rule.element, dtype.inner, ERR.INVALID_VALUE.code)


def _rule_expr(rule: ColumnRule, dtype: pl.DataType) -> pl.Expr | None:
    """``"column:code"`` for the first check of ``rule`` a row fails, else null; a list
    whose column checks pass and one of whose elements fails is marked
    :data:`SOME_ELEMENT` (a cheap ``list.any`` screen)."""
    c = pl.col(rule.column)
    if isinstance(dtype, pl.Categorical | pl.Enum):
        c, dtype = c.cast(pl.String), pl.String()
    tests = _tests(c, rule, dtype, ERR.MISSING_FIELD.code)
    inner = _element_tests(rule, dtype)
    if inner:
        failing = pl.any_horizontal([test.fill_null(False) for test, _ in inner])
        tests.append((c.list.eval(failing).list.any(), SOME_ELEMENT))
    if not tests:
        return None
    return pl.lit(f"{rule.column}:") + _first(tests)  # null when every check passes


def _explain_elements(path: Path, table: str, schema: Any, marked: dict[str, list[int]]) -> Found:
    """The code of the first failing element of each marked row (a second read of those
    list columns, filtered to the marked rows)."""
    found: Found = set()
    rules = {r.column: r for r in ALL_RULES[table]}
    for column, rows in marked.items():
        inner = _element_tests(rules[column], schema[column])
        first = pl.col(column).list.eval(_first(inner)).list.drop_nulls().list.first()
        explained = (
            pl.scan_parquet(path)
            .select(column)
            .with_row_index("_row", offset=1)
            .filter(pl.col("_row").is_in(pl.Series(rows).implode()))
            .select("_row", first.alias("_code"))
            .collect()
        )
        found |= {(path.name, r, code) for r, code in explained.iter_rows()}
    return found


def _empty(name: str) -> pl.Expr:
    return pl.col(name).is_null() | (pl.col(name) == "")


def _record_expr(table: str) -> pl.Expr | None:
    """The first record rule a row breaks (on column-valid rows), as ``"column:code"``."""
    rules: list[tuple[pl.Expr, str]] = []
    if table == "claims":
        allowed = [f"{k}\x1f{p}" for k, ps in KIND_PREDICATES.items() for p in ps]
        pair = pl.concat_str(
            [pl.col("kind").cast(pl.String), pl.col("predicate").cast(pl.String)], separator="\x1f"
        )
        rules.append((~pair.is_in(allowed), f"predicate:{ERR.NOT_ALLOWED_VALUE.code}"))
    if table in ("sources", "claims", "assertions"):
        retracted = (pl.col("status") == "retracted") & _empty("retraction_reason")
        rules.append((retracted, f"retraction_reason:{ERR.RETRACTION_REASON.code}"))
    if table == "assertions":
        rules.append(
            (pl.col("char_end") <= pl.col("char_start"), f"char_end:{ERR.OFFSETS_ORDER.code}")
        )
        mode = pl.col("statement_mode")
        rules.append(
            ((mode == "hedged") & _empty("hedge_cue"), f"hedge_cue:{ERR.INVALID_VALUE.code}")
        )
        rules.append(
            (
                (mode == "attributed") & _empty("attributed_to"),
                f"attributed_to:{ERR.INVALID_VALUE.code}",
            )
        )
    if not rules:
        return None
    chain: Any = pl.when(pl.col("_problems") != "").then(None)
    for test, label in rules:
        chain = chain.when(test.fill_null(False)).then(pl.lit(label))
    return chain.otherwise(None)


def _scan(
    directory: Path,
    table: str,
    keep: list[str],
    extra: list[pl.Expr] | None = None,
    join: pl.LazyFrame | None = None,
) -> tuple[str, pl.DataFrame | None, set[str], Found]:
    """One lazy pass over ``table``: column and record rules, and the ``keep`` columns."""
    name = TABLES[table].file_name
    path = directory / name
    found: Found = set()
    if not path.is_file():
        found.add((name, None, ERR.FILE_MISSING.code))
        return name, None, set(), found
    findings, bad = check_schema(table, name, pq.read_schema(path))
    found |= {(name, None, f.code) for f in findings}
    lf = pl.scan_parquet(path)
    schema = lf.collect_schema()
    needed = [c for c in schema.names() if c in NEEDED[table] and c not in bad]
    lf = lf.select(needed).with_row_index("_row", offset=1)
    problems = [
        e
        for rule in ALL_RULES[table]
        if rule.column in needed and (e := _rule_expr(rule, schema[rule.column])) is not None
    ]
    lf = lf.with_columns(
        pl.concat_str(problems, separator="|", ignore_nulls=True).fill_null("").alias("_problems")
        if problems
        else pl.lit("").alias("_problems")
    )
    record = _record_expr(table) if not blocking(table, bad) else None
    lf = lf.with_columns(
        (record if record is not None else pl.lit(None, pl.String)).alias("_record")
    )
    lf = lf.with_columns(_valid=(pl.col("_problems") == "") & pl.col("_record").is_null())
    if join is not None:
        lf = lf.join(join, on="source_id", how="left")
    columns = ["_row", "_problems", "_record", "_valid", *[c for c in keep if c in needed]]
    frame = lf.select(*columns, *(extra or [])).collect(engine="streaming")
    bad_rows = frame.filter(~pl.col("_valid")).select("_row", "_problems", "_record")
    marked: dict[str, list[int]] = {}
    for row, probs, rec in bad_rows.iter_rows():
        for item in [*probs.split("|"), rec] if probs else [rec]:
            if item:
                column, code = item.split(":")
                if code == SOME_ELEMENT:
                    marked.setdefault(column, []).append(row)
                else:
                    found.add((name, row, code))
    if marked:
        found |= _explain_elements(path, table, schema, marked)
    return name, frame, bad, found


def _duplicates(name: str, frame: pl.DataFrame, column: str) -> Found:
    valid = frame.filter(pl.col("_valid") & pl.col(column).is_not_null())
    dup = valid.filter(~pl.col(column).is_first_distinct())["_row"]
    return {(name, r, ERR.DUPLICATE_ID.code) for r in dup.to_list()}


def _dangling(name: str, table: str, frame: pl.DataFrame, keys: dict[str, pl.Series]) -> Found:
    """EK302 for every reference of ``table`` (list columns element by element)."""
    found: Found = set()
    for ref in REFERENCES[table]:
        if ref.column not in frame.columns or any(t not in keys for t, _ in ref.targets):
            continue
        parents = pl.concat([keys[t] for t, _ in ref.targets]).unique().implode()
        c = pl.col(ref.column)
        if ref.each_element:
            missing = c.list.eval(pl.element().is_not_null() & ~pl.element().is_in(parents))
            broken = missing.list.any()
        else:
            broken = c.is_not_null() & ~c.is_in(parents)
        rows = frame.filter(pl.col("_valid") & broken.fill_null(False))["_row"]
        found |= {(name, r, ERR.DANGLING_REFERENCE.code) for r in rows.to_list()}
    return found


def check(directory: Path) -> Found:
    """Every defect in the published files in ``directory``: (file name, row, code)."""
    found: Found = set()
    keys: dict[str, pl.Series] = {}

    for table in VOCABULARY_TABLES:
        key = TABLES[table].primary_key[0]
        name, terms, bad, f = _scan(directory, table, [key])
        found |= f
        if terms is not None and key not in bad:
            keys[table] = terms[key].drop_nulls()
            found |= _duplicates(name, terms, key)

    name, sources, bad, f = _scan(
        directory, "sources", ["source_id", "source_file", "text_path", "sha256"]
    )
    found |= f
    texts: dict[str, str] = {}
    if sources is not None:
        if "source_id" not in bad:
            keys["sources"] = sources["source_id"].drop_nulls()
            found |= _duplicates(name, sources, "source_id")
        if not blocking("sources", bad):
            rows = [
                (r["_row"] - 1, r) for r in sources.filter(pl.col("_valid")).iter_rows(named=True)
            ]
            problems, texts = load_texts(name, directory.parent, rows)
            found |= {(name, p.line, p.code) for p in problems}

    links = [ref.column for ref in REFERENCES["claims"]]
    name, claims, bad, f = _scan(directory, "claims", ["claim_id", "status", *links])
    found |= f
    if claims is not None:
        found |= _dangling(name, "claims", claims, keys)
    claims_file = name
    degraded = claims is None or bool(blocking("claims", bad))
    if claims is not None and "claim_id" not in bad:
        keys["claims"] = claims["claim_id"].drop_nulls()
        found |= _duplicates(name, claims, "claim_id")

    text_frame = pl.LazyFrame(
        {
            "source_id": list(texts),
            "_text": list(texts.values()),
            "_len": [len(t) for t in texts.values()],
        },
        schema={"source_id": pl.String, "_text": pl.String, "_len": pl.Int64},
    )
    start, end = pl.col("char_start"), pl.col("char_end")
    lo = pl.max_horizontal(start - CONTEXT_LENGTH, 0)
    hi = pl.min_horizontal(end + CONTEXT_LENGTH, pl.col("_len"))
    window = pl.col("_text").str.slice(lo, hi - lo)
    expected = pl.concat_str(["prefix", "quote", "suffix"])
    ok = (
        (end <= pl.col("_len"))
        & ~pl.col("quote").str.contains(QUOTE_SUSPECT)
        & (window == expected)
        & (pl.col("prefix").str.len_chars() == start - lo)
        & (pl.col("quote").str.len_chars() == end - start)
    ).fill_null(False)
    flagged = pl.col("_valid") & pl.col("_text").is_not_null() & ~ok
    quote_cols = ["quote", "prefix", "suffix"]
    name, assertions, bad, f = _scan(
        directory,
        "assertions",
        ["assertion_id", "claim_id", "source_id", "status", "char_start", "char_end"],
        extra=[
            flagged.alias("_flagged"),
            *(pl.when(flagged).then(pl.col(c)).alias(f"_{c}") for c in quote_cols),
        ],
        join=text_frame,
    )
    found |= f
    if assertions is not None and not blocking("assertions", bad):
        found |= _duplicates(name, assertions, "assertion_id")
        found |= _dangling(name, "assertions", assertions, keys)
        valid = assertions.filter(pl.col("_valid"))
        wrong_source = valid.filter(
            ~pl.col("assertion_id").str.starts_with(pl.col("source_id") + "-")
        )["_row"]
        found |= {(name, r, ERR.ASSERTION_ID_SOURCE.code) for r in wrong_source.to_list()}
        known = valid.filter(
            pl.col("claim_id").is_in(keys.get("claims", pl.Series([], dtype=pl.String)).implode())
            & pl.col("source_id").is_in(
                keys.get("sources", pl.Series([], dtype=pl.String)).implode()
            )
        )
        quad = ["source_id", "char_start", "char_end", "claim_id"]
        repeats = known.filter(~pl.struct(quad).is_first_distinct())["_row"]
        found |= {(name, r, ERR.DUPLICATE_QUOTE.code) for r in repeats.to_list()}
    if assertions is not None and not blocking("assertions", bad):
        supported = assertions.filter(
            pl.col("_valid")
            & (pl.col("status") == "active")
            & pl.col("claim_id").is_in(keys.get("claims", pl.Series([], dtype=pl.String)).implode())
        )["claim_id"].unique()
    else:
        supported = pl.Series([], dtype=pl.String)
    if (
        not degraded
        and claims is not None
        and "claim_id" in claims.columns
        and "status" in claims.columns
    ):
        orphans = claims.filter(
            pl.col("_valid")
            & (pl.col("status") == "active")
            & ~pl.col("claim_id").is_in(supported.implode())
        )["_row"]
        found |= {(claims_file, r, ERR.ORPHAN_CLAIM.code) for r in orphans.to_list()}
    if assertions is not None and not blocking("assertions", bad):
        for r in assertions.filter(pl.col("_flagged")).iter_rows(named=True):
            values = {
                "source_id": r["source_id"],
                "char_start": r["char_start"],
                "char_end": r["char_end"],
                **{c: r[f"_{c}"] for c in quote_cols},
            }
            for q in quote_findings(name, r["_row"] - 1, values, texts[r["source_id"]]):
                found.add((name, q.line, q.code))

    name, evidence, bad, f = _scan(directory, "evidence", ["assertion_id", "claim_id", "source_id"])
    found |= f
    if evidence is not None:
        if "assertion_id" in evidence.columns:
            found |= _duplicates(name, evidence, "assertion_id")
        found |= _dangling(name, "evidence", evidence, keys)
    return found


def fast_path_found(directory: Path) -> Found:
    """The fast path's findings in the same form (EK502 caps left out)."""
    from evidence_kit.checks.fastcheck import check_published

    return {
        (Path(f.file).name, f.line, f.code)
        for f in check_published(directory)
        if f.code != ERR.PUBLISHED_CHECK.code
    }
