"""The analyst install is lean: the wheel with its core dependencies only.

``pip install evidence-kit`` must give ``load()`` with pandas and pyarrow (plus pydantic
and click for the error types and the command line), and nothing of the validation
stack: no Great Expectations, polars, duckdb or pyspark. The test builds the wheel,
installs it into a fresh venv with the core dependencies from the package index (pinned
by constraints.txt), loads every table from another directory, and reports the venv's
size and the import time of ``evidence_kit`` (printed; the size is asserted against the
400 MB budget, the time is only reported).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from publish_data import COUNTS, write_synthetic_dataset

from evidence_kit.publishing import build as publish

REPO = Path(__file__).resolve().parent.parent
BUDGET_MB = 400

PROBE = """
import json, time, importlib.util
began = time.perf_counter()
import evidence_kit
imported = time.perf_counter() - began
rows = {name: len(evidence_kit.load(name)) for name in evidence_kit.list_tables()}
absent = {m: importlib.util.find_spec(m) is None
          for m in ("great_expectations", "polars", "duckdb", "pyspark", "ruamel")}
print(json.dumps({"rows": rows, "absent": absent, "import_s": imported}))
"""


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


@pytest.mark.slow
def test_core_install_loads_every_table_without_the_validation_stack(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "frictionless_evidencekit.py"):
        shutil.copy2(REPO / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data")
    for name in ("evidence_kit", "schema", "validations"):
        shutil.copytree(REPO / name, project / name, ignore=ignore)
    built = publish.build(write_synthetic_dataset(project / "dataset"))
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist", ".",
        cwd=project)  # fmt: skip
    [wheel] = (project / "dist").glob("evidence_kit-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "-c", REPO / "constraints.txt", wheel,
        cwd=tmp_path)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = json.loads(run(python, "-I", "-c", PROBE, cwd=elsewhere).stdout)
    size = _size_mb(venv)
    print(f"\ncore venv: {size:.0f} MB; import evidence_kit: {out['import_s'] * 1000:.0f} ms")

    assert out["rows"] == COUNTS
    assert all(out["absent"].values()), out["absent"]
    assert size <= BUDGET_MB

    help_run = run(venv / "bin" / "evidence-kit", "--help", cwd=elsewhere)
    assert "Usage" in help_run.stdout
    # the release diff needs nothing beyond the core install
    version = built.dataset_version
    diff_run = run(venv / "bin" / "evidence-kit", "diff", version, "current",
                   project / "dataset", cwd=elsewhere)  # fmt: skip
    assert "no forbidden change" in diff_run.stdout
    # checking the curation needs the [curate] extra; the installed data's row-level
    # checks the [validate] extra: each says so, without a traceback
    for args, extra in (([str(elsewhere)], "curate"), (["--installed"], "validate")):
        missing = subprocess.run(
            [venv / "bin" / "evidence-kit", "validate", *args],
            capture_output=True,
            text=True,
            cwd=elsewhere,
            check=False,
        )
        assert missing.returncode == 1, args
        assert "EK109" in missing.stderr and f"evidence-kit[{extra}]" in missing.stderr
        assert "Traceback" not in missing.stderr
