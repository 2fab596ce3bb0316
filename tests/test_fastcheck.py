"""The fast column-wise engine: finds exactly the seeded defects, nothing on clean data."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from evidence_kit.checks.fastcheck import QUOTE_SUSPECT, check_published
from evidence_kit.synth import synthesize

DATASET = Path(__file__).resolve().parent.parent / "dataset"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fast-clean")
    synthesize(DATASET, out, 3000, seed=11)
    return out


def test_clean_data_has_no_findings(clean: Path) -> None:
    assert check_published(clean / "parquet") == []


def test_finds_exactly_the_seeded_defects(tmp_path: Path) -> None:
    synthesize(DATASET, tmp_path, 8000, seed=12, corrupt=0.02)
    defects = json.loads((tmp_path / "defects.json").read_text("utf-8"))
    want = Counter((d["table"], d["row"], d["column"], d["code"]) for d in defects)
    found = check_published(tmp_path / "parquet")
    got = Counter((Path(f.file).stem, f.line, f.field, f.code) for f in found)
    assert got == want


def _rewrite(path: Path, column: str, row: int, value: object) -> None:
    table = pq.read_table(path)
    field = table.schema.field(column)
    values = table.column(column).to_pylist()
    values[row] = value
    schema = table.schema.set(table.schema.get_field_index(column), field.with_nullable(True))
    table = table.set_column(
        table.schema.get_field_index(column), field, pa.array(values, type=field.type)
    ).cast(schema)
    pq.write_table(table, path)


def test_quote_white_space_is_a_warning(clean: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(clean, tmp_path / "d")
    path = tmp_path / "d" / "parquet" / "assertions.parquet"
    row = pq.read_table(path).slice(5, 1).to_pylist()[0]
    _rewrite(path, "quote", 5, row["quote"] + " ")
    found = check_published(tmp_path / "d" / "parquet")
    assert [(f.code, f.line, f.field) for f in found] == [("EK404", 6, "quote")]


def test_missing_table_and_finding_limit(clean: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(clean, tmp_path / "d")
    (tmp_path / "d" / "parquet" / "claims.parquet").unlink()
    found = check_published(tmp_path / "d" / "parquet", limit=3)
    codes = Counter(f.code for f in found)
    assert codes["EK101"] == 1
    # every assertion now points to a claim that cannot be checked: no EK302 without keys
    assert "EK302" not in codes
    path = tmp_path / "d" / "parquet" / "assertions.parquet"
    table = pq.read_table(path)
    bad = pc.binary_join_element_wise(table.column("assertion_id"), "x", "")
    pq.write_table(table.set_column(0, table.schema.field(0), bad), path)
    found = check_published(tmp_path / "d" / "parquet", limit=3)
    patterns = [f for f in found if f.code == "EK206"]
    assert len(patterns) == 3 and [f.line for f in patterns] == [1, 2, 3]
    summary = [f for f in found if f.code == "EK502"]
    assert len(summary) == 1 and "2997 more EK206" in summary[0].message


def test_nfc_screen_flags_every_non_nfc_string() -> None:
    samples = [
        "Việt Nam",
        "förtorkar",
        "滚针后起皮",
        "Å",
        "한국어",
        "e\u0301",
        "\u212b",
        " x",
        "x\t",
    ]
    decomposed = [unicodedata.normalize("NFD", s) for s in samples]
    flagged = pc.match_substring_regex(pa.array(samples + decomposed), QUOTE_SUSPECT).to_pylist()
    for text, hit in zip(samples + decomposed, flagged, strict=True):
        needs_check = not unicodedata.is_normalized("NFC", text) or text != text.strip()
        assert hit or not needs_check, text
    assert flagged[:4] == [False, False, False, False]


def test_arrow_allocates_from_jemalloc_during_the_run_only(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path switches Arrow's default pool to jemalloc for its run (where pyarrow
    has it) and gives the caller's pool back afterwards, also when the run fails."""
    from evidence_kit.checks import fastcheck

    if "jemalloc" not in pa.supported_memory_backends():
        pytest.skip("this pyarrow has no jemalloc")
    before = pa.default_memory_pool().backend_name
    assert before != "jemalloc"  # pyarrow's default here is mimalloc
    seen: list[str] = []
    run = fastcheck._Engine.run

    def spy(self: fastcheck._Engine) -> list:  # type: ignore[type-arg]
        seen.append(pa.default_memory_pool().backend_name)
        return run(self)

    monkeypatch.setattr(fastcheck._Engine, "run", spy)
    assert check_published(clean / "parquet") == []
    assert seen == ["jemalloc"]
    assert pa.default_memory_pool().backend_name == before

    def broken(self: fastcheck._Engine) -> list:  # type: ignore[type-arg]
        raise RuntimeError("disk gone")

    monkeypatch.setattr(fastcheck._Engine, "run", broken)
    with pytest.raises(RuntimeError):
        check_published(clean / "parquet")
    assert pa.default_memory_pool().backend_name == before
