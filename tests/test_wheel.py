"""The wheel carries the data: build it, install it in a fresh venv, load from elsewhere.

The project is copied into ``tmp_path`` with a freshly built synthetic dataset as its
``dataset/parquet``, so the test knows every row count and does not depend on the state
of the curation.  The fresh environment gets the wheel with ``--no-deps``; its
dependencies (pandas, pyarrow ...) are borrowed from the test's own environment through
a ``.pth`` line, which adds that site-packages directory but not its editable-install
hook, so ``import evidence_kit`` can only find the installed wheel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from publish_data import COUNTS, write_synthetic_dataset

from evidence_kit.model.tables import TABLES
from evidence_kit.publishing import build as publish

REPO = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")
PROJECT_DIRS = ("evidence_kit", "schema", "validations")

PROBE = """
import importlib.metadata, json, sys
import pandas as pd, pyarrow as pa
import evidence_kit
out = {
    "file": evidence_kit.__file__,
    "version": evidence_kit.__version__,
    "metadata_version": importlib.metadata.version("evidence-kit"),
    "tables": evidence_kit.list_tables(),
    "rows": {},
}
for name in evidence_kit.list_tables():
    frame = evidence_kit.load(name)
    arrow = evidence_kit.load(name, as_arrow=True)
    assert isinstance(frame, pd.DataFrame) and isinstance(arrow, pa.Table)
    assert len(frame) == arrow.num_rows
    out["rows"][name] = len(frame)
out["claims_type"] = type(evidence_kit.load("claims", as_arrow=True)).__name__
out["evidence_type"] = type(evidence_kit.load("evidence")).__name__
print(json.dumps(out))
"""


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_loads_every_table(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data")
    for name in PROJECT_DIRS:
        shutil.copytree(REPO / name, project / name, ignore=ignore)
    dataset = write_synthetic_dataset(project / "dataset")
    publish.build(dataset)

    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist", ".",
        cwd=project)  # fmt: skip
    [wheel] = (project / "dist").glob("evidence_kit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for table in TABLES.values():
        assert f"evidence_kit/data/{table.file_name}" in names
    assert "evidence_kit/__init__.py" in names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=tmp_path)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
               cwd=tmp_path).stdout.strip()  # fmt: skip
    borrowed = sysconfig.get_path("purelib")
    (Path(site) / "borrowed_dependencies.pth").write_text(borrowed + "\n", "utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = json.loads(run(python, "-I", "-c", PROBE, cwd=elsewhere).stdout)
    assert Path(out["file"]).is_relative_to(venv), "imported evidence_kit from outside the venv"
    assert out["tables"] == list(TABLES)
    assert out["rows"] == COUNTS
    assert out["version"] == out["metadata_version"]
    assert (out["claims_type"], out["evidence_type"]) == ("Table", "DataFrame")
