"""Instant start: the CLI imports no engine it does not use, and the stable entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import evidence_kit
from evidence_kit.checks.fastcheck import check_published as fast_check
from evidence_kit.model import icd10cm
from evidence_kit.model.errors import UsageError
from evidence_kit.synth import synthesize

DATASET = Path(__file__).resolve().parent.parent / "dataset"
HEAVY = (
    "pandas",
    "polars",
    "pyarrow",
    "great_expectations",
    "simple_icd_10_cm",
    "pydantic",
    "frictionless",
    "mlcroissant",
)


def _imported_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_engine() -> None:
    assert _imported_after("import evidence_kit.cli") == []


def test_importing_the_package_imports_no_engine() -> None:
    assert _imported_after("import evidence_kit") == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synthesize(DATASET, out, 3000, seed=5, corrupt=0.02)
    return out / "parquet"


def test_check_published_without_suites_is_the_fast_path(synthetic: Path) -> None:
    report = evidence_kit.check_published(synthetic, suites=False)
    assert not report.valid
    fast = fast_check(synthetic)
    assert sorted(f.model_dump_json() for f in report.findings) == sorted(
        f.model_dump_json() for f in fast
    )


def test_check_published_without_suites_does_not_import_gx(synthetic: Path) -> None:
    code = f"import evidence_kit\nevidence_kit.check_published({str(synthetic)!r}, suites=False)"
    assert "great_expectations" not in _imported_after(code)


def test_check_published_rejects_an_unknown_engine(synthetic: Path) -> None:
    with pytest.raises(UsageError):
        evidence_kit.check_published(synthetic, engine="duckdb")  # type: ignore[arg-type]


def test_cli_no_suites(synthetic: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "evidence_kit.cli",
            "validate",
            "--published",
            str(synthetic),
            "--no-suites",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert len(report["findings"]) == len(fast_check(synthetic))
    assert "expectations" not in report["stats"]


def test_icd_lookups_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_KIT_CACHE", str(tmp_path))
    monkeypatch.setattr(icd10cm, "_MEMORY", {})
    monkeypatch.setattr(icd10cm, "_SEEN", {})
    assert icd10cm.description("L80") == "Vitiligo"  # a code of the dataset: committed answer
    assert not icd10cm.cache_file().exists()
    assert icd10cm.description("A00.0").startswith("Cholera")  # not in the dataset
    assert icd10cm.description("Z99.99") is None
    saved = json.loads(icd10cm.cache_file().read_text("utf-8"))
    assert saved == {"A00.0": icd10cm.description("A00.0"), "Z99.99": None}
    monkeypatch.setattr(icd10cm, "_MEMORY", {})
    monkeypatch.setattr(icd10cm, "_SEEN", {})
    icd10cm.cache_file().write_text("{not json", "utf-8")  # a broken cache is ignored
    assert icd10cm.description("Z99.99") is None
