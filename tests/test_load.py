"""`evidence_kit.load` and friends, from a source checkout (the wheel: test_wheel.py)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from publish_data import COUNTS, write_synthetic_dataset

import evidence_kit
from evidence_kit.model.errors import EvidenceKitError, UsageError
from evidence_kit.model.tables import TABLES
from evidence_kit.publishing import build as publish


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic build that load() reads as if it were the checkout's dataset/parquet."""
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_DATA", root / "parquet")
    return root / "parquet"


def test_list_tables_names_the_published_contract() -> None:
    assert evidence_kit.list_tables() == list(TABLES)


def test_load_returns_dataframes_and_arrow_tables(published: Path) -> None:
    for name in evidence_kit.list_tables():
        frame = evidence_kit.load(name)  # type: ignore[arg-type]
        assert isinstance(frame, pd.DataFrame)
        assert len(frame) == COUNTS[name]
        assert list(frame.columns) == TABLES[name].schema.names
        arrow = evidence_kit.load(name, as_arrow=True)  # type: ignore[arg-type]
        assert isinstance(arrow, pa.Table)
        assert arrow.schema.remove_metadata().equals(TABLES[name].schema, check_metadata=True)
        assert arrow.schema.metadata[b"evidence_kit.table"] == name.encode()
    evidence = evidence_kit.load("evidence")
    assert isinstance(evidence["claim_certainty"].dtype, pd.CategoricalDtype)
    # every synthetic source is quoted, so the flat table names every source file
    assert set(evidence["source_file"]) == set(evidence_kit.load("sources")["source_file"])


def test_load_reads_the_checkout_dataset_when_not_installed_as_a_wheel() -> None:
    repo_data = Path(evidence_kit.__file__).resolve().parent.parent / "dataset" / "parquet"
    if not (repo_data / "evidence.parquet").is_file():
        pytest.fail("dataset/parquet is not built: run `.venv/bin/evidence-kit build dataset`")
    assert Path(str(evidence_kit.data_dir())) == repo_data
    claims = evidence_kit.load("claims", as_arrow=True)
    assert claims.num_rows == pq.read_metadata(repo_data / "claims.parquet").num_rows


def test_unknown_table_names_the_valid_choices() -> None:
    with pytest.raises(UsageError) as caught:
        evidence_kit.load("claim")  # type: ignore[call-overload]
    message = str(caught.value)
    assert "unknown table 'claim'" in message
    for name in TABLES:
        assert name in message


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_DATA", tmp_path / "nowhere")
    with pytest.raises(EvidenceKitError, match=r"evidence\.parquet"):
        evidence_kit.load("claims")


def test_version_comes_from_the_installed_metadata() -> None:
    assert evidence_kit.__version__ == importlib.metadata.version("evidence-kit")
    source = Path(evidence_kit.__file__).read_text("utf-8")
    assert evidence_kit.__version__ not in source, "__version__ must not be hard-coded"
