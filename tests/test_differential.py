"""Differential test: the fast column-wise path and the record-level path agree exactly."""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evidence_kit.checks.fastcheck import check_published
from evidence_kit.checks.recordcheck import check_published_records
from evidence_kit.model.columnrules import ALL_RULES
from evidence_kit.model.references import REFERENCES
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES
from evidence_kit.synth import synthesize

DATASET = Path(__file__).resolve().parent.parent / "dataset"


def _defects(directory: Path) -> list[dict[str, object]]:
    data = json.loads((directory / "defects.json").read_text("utf-8"))
    items = data["defects"] if isinstance(data, dict) else data
    return list(items)


def _both(parquet: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    fast = [f.model_dump() for f in check_published(parquet)]
    slow = [f.model_dump() for f in check_published_records(parquet)]
    return fast, slow


@pytest.mark.parametrize("seed", [21, 22])
def test_seeded_defects_identical(tmp_path: Path, seed: int) -> None:
    synthesize(DATASET, tmp_path, 7000, seed=seed, corrupt=0.03)
    fast, slow = _both(tmp_path / "parquet")
    assert len(fast) > 200
    assert fast == slow


# values a fuzzed cell may get: wrong shapes, bounds, patterns, value sets, Unicode forms
_NOISE = [
    None,
    "",
    " ",
    "x",
    "s1-1",
    "c-ok-claim",
    "ECO:0000001",
    "retracted",
    "hedged",
    "attributed",
    "zz",
    "sv",
    "Việt Nam",
    "e\u0301",
    -1,
    0,
    1,
    2,
    10**6,
]


def _vocabularies_and_lists() -> dict[str, set[str]]:
    """The columns a plain fuzz rarely reaches: every column of the vocabulary tables, the
    references into them, and every list column whose elements have a rule."""
    out: dict[str, set[str]] = {name: set(TABLES[name].schema.names) for name in VOCABULARY_TABLES}
    for table, refs in REFERENCES.items():
        for ref in refs:
            if any(target in VOCABULARY_TABLES for target, _ in ref.targets):
                out.setdefault(table, set()).add(ref.column)
    for table, rules in ALL_RULES.items():
        out.setdefault(table, set()).update(r.column for r in rules if r.element is not None)
    return out


VOCABULARIES_AND_LISTS = _vocabularies_and_lists()


def _fuzz(
    path: Path,
    rng: np.random.Generator,
    cells: int,
    skip: Collection[str] = (),
    only: Collection[str] | None = None,
) -> None:
    """Set ``cells`` random cells to noise; never in ``skip``, only in ``only`` if given."""
    table = pq.read_table(path)
    schema = pa.schema([f.with_nullable(True) for f in table.schema])
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    names = [n for n in table.column_names if n not in skip and (only is None or n in only)]
    if not names:
        return
    for _ in range(cells):
        name = names[int(rng.integers(len(names)))]
        row = int(rng.integers(table.num_rows))
        field = schema.field(name)
        base = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        choices = [v for v in _NOISE if v is None or isinstance(v, str) == pa.types.is_string(base)]
        if pa.types.is_floating(base):
            choices = [None, -0.5, 0.0, 1.0, 1.5, float("nan")]
        if pa.types.is_boolean(base):
            choices = [None, True, False]
        if pa.types.is_list(base):
            item = base.value_type
            choices = [None, [], [None]] + (
                [[v] for v in _NOISE if isinstance(v, str)] + [["x", "e\u0301"], ["x", None]]
                if pa.types.is_string(item)
                else [[-1], [2, 3], [10**6], [2, None]]
            )
        value = choices[int(rng.integers(len(choices)))]
        if name in ("quote", "prefix", "suffix") and isinstance(columns[name][row], str):
            value = rng.choice(
                [unicodedata.normalize("NFD", columns[name][row]), columns[name][row] + " ", value]
            )
        columns[name][row] = value
    arrays = [pa.array(columns[f.name], type=f.type) for f in schema]
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_cells_identical(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    base = tmp_path_factory.getbasetemp() / "fuzz-base"
    if not base.exists():
        synthesize(DATASET, base, 2500, seed=31)
    work = tmp_path_factory.mktemp(f"fuzz{seed}")
    shutil.copytree(base, work, dirs_exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in TABLES:
        cells = 60 if name in ("claims", "assertions", "evidence") else 4
        _fuzz(work / "parquet" / TABLES[name].file_name, rng, cells=cells)
    fast, slow = _both(work / "parquet")
    assert fast, "fuzzing should break something"
    assert fast == slow


def fuzz_vocabularies_and_lists(base: Path, work: Path, seed: int) -> Path:
    """A copy of ``base`` with noise only in the columns of :data:`VOCABULARIES_AND_LISTS`."""
    shutil.copytree(base, work, dirs_exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, only in VOCABULARIES_AND_LISTS.items():
        cells = 2 if name in VOCABULARY_TABLES else 40
        _fuzz(work / "parquet" / TABLES[name].file_name, rng, cells=cells, only=only)
    return work / "parquet"


@pytest.mark.parametrize("seed", [4, 5])
def test_fuzzed_vocabularies_and_list_elements_identical(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    base = tmp_path_factory.getbasetemp() / "fuzz-base"
    if not base.exists():
        synthesize(DATASET, base, 2500, seed=31)
    parquet = fuzz_vocabularies_and_lists(base, tmp_path_factory.mktemp("lists"), seed=seed)
    fast, slow = _both(parquet)
    assert {"EK302", "EK206", "EK207"} <= {f["code"] for f in slow}
    assert fast == slow


def test_seeded_vocabulary_defects_identical(tmp_path: Path) -> None:
    """The seeded defects of the vocabulary tables and of the claims' references into
    them (subject, object_id, each element of co_interventions and outcomes) and a null
    list element: both paths find every one, and agree on everything."""
    synthesize(DATASET, tmp_path, 4000, seed=23, corrupt=0.02, vocabulary_defects=True)
    fast, slow = _both(tmp_path / "parquet")
    assert fast == slow
    found = {(Path(str(f["file"])).stem, f["line"], f["field"], f["code"]) for f in fast}
    touched = {r.column for r in REFERENCES["claims"]} | {"synonyms"}
    vocabulary = [
        d
        for d in _defects(tmp_path)
        if d["table"] in VOCABULARY_TABLES or (d["table"] == "claims" and d["column"] in touched)
    ]
    assert len(vocabulary) == 9, vocabulary
    for d in vocabulary:
        assert (d["table"], d["row"], d["column"], d["code"]) in found, d


def test_a_missing_optional_column_does_not_hide_quote_defects(tmp_path: Path) -> None:
    """A table-level problem in a column no cross-record check reads (here the notes
    columns) is reported, and the key, reference and quote checks still run."""
    summary = synthesize(DATASET, tmp_path, 3000, seed=5, corrupt=0.05)
    parquet = tmp_path / "parquet"
    for name, column in (("sources", "notes"), ("claims", "notes"), ("assertions", "note")):
        path = parquet / f"{name}.parquet"
        table = pq.read_table(path)
        pq.write_table(table.drop_columns([column]), path)
    fast, slow = _both(parquet)
    assert fast == slow
    codes = {f["code"] for f in fast}
    assert "EK202" in codes  # the dropped columns are reported as missing
    seeded = {d["code"] for d in _defects(tmp_path)}
    provenance = {"EK403", "EK404", "EK405", "EK406"} & seeded
    assert provenance, summary
    assert provenance <= codes


def test_a_source_text_with_a_bom_is_reported_by_both_paths(tmp_path: Path) -> None:
    """The published checks share the curated validator's source-text check, BOM included."""
    synthesize(DATASET, tmp_path, 500, seed=9, corrupt=0.0)
    parquet = tmp_path / "parquet"
    sources = pq.read_table(parquet / "sources.parquet")
    text_path = tmp_path / sources.column("text_path")[0].as_py()
    data = b"\xef\xbb\xbf" + text_path.read_bytes()
    text_path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    sha = sources.column("sha256").to_pylist()
    sha[0] = digest
    column = sources.schema.get_field_index("sha256")
    sources = sources.set_column(column, sources.schema.field(column), pa.array(sha))
    pq.write_table(sources, parquet / "sources.parquet")
    fast, slow = _both(parquet)
    assert fast == slow
    bom = [f for f in fast if f["code"] == "EK107"]
    assert [(f["file"].endswith("sources.parquet"), f["line"], f["field"]) for f in bom] == [
        (True, 1, "text_path")
    ]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_runs_of_row_groups_merge_like_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Assertions and evidence in many row groups, checked by 1-3 threads: the findings
    (and, under a small limit, which ones are listed) are those of one pass in order."""
    from evidence_kit.checks import fastcheck

    synthesize(DATASET, tmp_path, 6000, seed=23, corrupt=0.03)
    parquet = tmp_path / "parquet"
    for name in ("assertions", "evidence"):
        path = parquet / TABLES[name].file_name
        pq.write_table(pq.read_table(path), path, row_group_size=700, compression="zstd")
        assert pq.ParquetFile(path).num_row_groups >= 8
    monkeypatch.setattr(fastcheck, "WORKERS", workers)
    fast = [f.model_dump() for f in check_published(parquet)]
    assert len(fast) > 150
    assert fast == [f.model_dump() for f in check_published_records(parquet)]
    limited = [f.model_dump() for f in check_published(parquet, limit=2)]
    assert any(f["code"] == "EK502" for f in limited)
    assert limited == [f.model_dump() for f in check_published_records(parquet, limit=2)]


@pytest.mark.parametrize("missing", ["assertions", "evidence", "sources", "claims"])
def test_a_missing_table_gives_the_same_findings(tmp_path: Path, missing: str) -> None:
    """Without assertions every active claim is an orphan; without sources no reference
    to them is judged: both paths agree on what can still be checked."""
    synthesize(DATASET, tmp_path, 1500, seed=24, corrupt=0.02)
    (tmp_path / "parquet" / TABLES[missing].file_name).unlink()
    fast, slow = _both(tmp_path / "parquet")
    assert any(f["code"] == "EK101" for f in fast)
    assert fast == slow


def test_a_trailing_newline_fails_a_pattern_on_both_paths(tmp_path: Path) -> None:
    """A pattern's final ``$`` is the end of the text on every path (RE2 in the fast path,
    Python's ``re`` in the record path would also match before a final newline)."""
    synthesize(DATASET, tmp_path, 500, seed=6)
    path = tmp_path / "parquet" / TABLES["evidence"].file_name
    table = pq.read_table(path)
    index = table.schema.get_field_index("claim_subject")
    subjects = table.column(index).to_pylist()
    subjects[3] += "\n"
    column = pa.array(subjects, type=table.schema.field(index).type)
    pq.write_table(table.set_column(index, table.schema.field(index), column), path)
    fast, slow = _both(tmp_path / "parquet")
    assert [(f["code"], f["line"], f["field"]) for f in slow] == [("EK206", 4, "claim_subject")]
    assert fast == slow


def test_a_limit_lists_the_first_rows_of_a_code_whatever_check_failed(tmp_path: Path) -> None:
    """Two checks with one code in one column (too short, too long: both EK204) and
    element failures of one code in a list column, interleaved: under a limit both
    paths list the first rows in file order, not the rows of the first check."""
    synthesize(DATASET, tmp_path, 600, seed=9)
    parquet = tmp_path / "parquet"
    path = parquet / "claims.parquet"
    table = pq.read_table(path)
    statements = table.column("statement").to_pylist()
    outcomes = table.column("outcomes").to_pylist()
    for row in range(1, 12):
        statements[row] = "x" * 2001 if row % 2 else ""
        outcomes[row] = ["ok", "Bad Id"] if row % 3 else ["Bad Id"]
    for name, values in (("statement", statements), ("outcomes", outcomes)):
        index = table.schema.get_field_index(name)
        column = pa.array(values, type=table.schema.field(index).type)
        table = table.set_column(index, table.schema.field(index), column)
    pq.write_table(table, path)
    fast = [f.model_dump() for f in check_published(parquet, limit=3)]
    slow = [f.model_dump() for f in check_published_records(parquet, limit=3)]
    assert fast == slow
    listed = [
        f["line"] for f in fast if f["file"].endswith("claims.parquet") and f["code"] == "EK204"
    ]
    assert listed == [2, 3, 4]


def _broken_copies(base: Path, work: Path, table: str) -> Iterator[tuple[str, str, Path]]:
    """Copies of ``base`` with one column of ``table`` missing, then of another type."""
    path = work / "parquet" / TABLES[table].file_name
    for column in TABLES[table].schema.names:
        for how in ("missing", "mistyped"):
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base, work)
            data = pq.read_table(path)
            if how == "missing":
                data = data.drop_columns([column])
            else:
                index = data.schema.get_field_index(column)
                kind = data.schema.field(index).type
                textual = pa.types.is_string(kind) or pa.types.is_dictionary(kind)
                other = (
                    pa.array(range(data.num_rows), pa.int64())
                    if textual
                    else pa.array(["x"] * data.num_rows)
                )
                data = data.set_column(index, pa.field(column, other.type), other)
            pq.write_table(data, path)
            yield column, how, work / "parquet"


@pytest.mark.parametrize("table", list(TABLES))
def test_every_missing_or_mistyped_column_gives_the_same_findings(
    tmp_path_factory: pytest.TempPathFactory, table: str
) -> None:
    """A column missing or of another type is not checked; the table gets no record rules
    when its record rules read it, and assertions no cross-record check when one reads it
    -- the same in both paths, for every column of every table (a required model column
    missing had made every assertion invalid in the record path, hiding its quotes)."""
    base = tmp_path_factory.getbasetemp() / "broken-base"
    if not base.exists():
        synthesize(DATASET, base, 500, seed=5, corrupt=0.03, vocabulary_defects=True)
    work = tmp_path_factory.mktemp(f"broken-{table}")
    for column, how, parquet in _broken_copies(base, work, table):
        fast, slow = _both(parquet)
        assert fast == slow, (table, column, how)
