"""The wheel carries the data: build it, install it in a fresh venv, load from elsewhere.

The project is copied into ``tmp_path`` with a freshly built synthetic dataset as its
``dataset/parquet``, so the test knows every row count and does not depend on the state
of the curation.  The fresh environment gets the wheel with ``--no-deps``; its
dependencies (pandas, pyarrow ...) are borrowed from the test's own environment through
a ``.pth`` line, which adds that site-packages directory but not its editable-install
hook, so ``import evidence_kit`` can only find the installed wheel.  The dataset is
built twice, as release 0.1.0 and (one claim reworded) as 0.2.0, so the wheel carries
two frozen releases and ``load(name, release="0.1.0")`` is checked from the wheel.

The installed published folder (``evidence_kit/data``) is then checked the ways an
analyst would: ``evidence-kit validate --installed`` (valid, the quote checks skipped
with the reason: the source texts are not redistributed) and ``python -m frictionless
validate`` through the plugin the wheel installs; after one installed Parquet file is
rewritten, both fail and name it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from publish_data import COUNTS, set_version, write_synthetic_dataset

from evidence_kit.checks.installed import FULL_CHECK, TEXTS_REASON
from evidence_kit.model.tables import CHECKSUMS_FILE, PUBLISHED_DOCUMENTS, PUBLISHED_IMAGES, TABLES
from evidence_kit.publishing import build as publish

REPO = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "frictionless_evidencekit.py")
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
out["releases"] = evidence_kit.list_releases()
out["release_rows"] = {}
out["release_versions"] = {}
for release in out["releases"]:
    claims = evidence_kit.load("claims", as_arrow=True, release=release)
    out["release_versions"][release] = claims.schema.metadata[
        b"evidence_kit.dataset_version"].decode()
    out["release_rows"][release] = {
        name: len(evidence_kit.load(name, release=release))
        for name in evidence_kit.list_tables()
    }
out["old_statements"] = sorted(evidence_kit.load("claims", release="0.1.0")["statement"])
out["statements"] = sorted(evidence_kit.load("claims")["statement"])
print(json.dumps(out))
"""


def run(*args: str | Path, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    if ok:
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
    set_version(dataset, "0.1.0")
    publish.build(dataset)
    claims = dataset / "claims.yaml"  # release 0.2.0 words one claim differently
    claims.write_text(claims.read_text("utf-8").replace("redness.", "mild redness."), "utf-8")
    set_version(dataset, "0.2.0")
    publish.build(dataset)

    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist", ".",
        cwd=project)  # fmt: skip
    [wheel] = (project / "dist").glob("evidence_kit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for table in TABLES.values():
        assert f"evidence_kit/data/parquet/{table.file_name}" in names
    for name in (*PUBLISHED_DOCUMENTS, *PUBLISHED_IMAGES, CHECKSUMS_FILE):
        assert f"evidence_kit/data/{name}" in names
    assert not [n for n in names if "/texts/" in n], "the source texts are not redistributed"
    assert "evidence_kit/__init__.py" in names
    assert "frictionless_evidencekit.py" in names
    for version in ("0.1.0", "0.2.0"):
        for name in ("SHA256SUMS", "README.md", "parquet/claims.parquet"):
            assert f"evidence_kit/releases/{version}/{name}" in names

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
    assert out["releases"] == ["0.1.0", "0.2.0"]
    assert out["release_versions"] == {"0.1.0": "0.1.0", "0.2.0": "0.2.0"}
    assert out["release_rows"] == {"0.1.0": COUNTS, "0.2.0": COUNTS}
    assert "Microneedling causes redness." in out["old_statements"]
    assert "Microneedling causes mild redness." in out["statements"]

    check_installed_data(venv, elsewhere)


def check_installed_data(venv: Path, elsewhere: Path) -> None:
    """The one command on the installed folder: valid with the quotes skipped; then a
    rewritten Parquet file fails it, and frictionless's own command, by name."""
    evidence_kit = venv / "bin" / "evidence-kit"
    python = venv / "bin" / "python"
    text = run(evidence_kit, "validate", "--installed", cwd=elsewhere).stdout
    assert ": valid (" in text
    [skipped] = [line for line in text.splitlines() if line.startswith("skipped:")]
    assert f"skipped: source texts and quotes ({COUNTS['assertions']}): {TEXTS_REASON}" in skipped
    assert FULL_CHECK in skipped
    report = json.loads(
        run(evidence_kit, "validate", "--installed", "--format", "json", cwd=elsewhere).stdout
    )
    assert report["valid"] and report["findings"] == []
    assert [s["check"] for s in report["skipped"]] == ["source texts and quotes"]
    assert report["skipped"][0]["reason"] == TEXTS_REASON

    data = Path(json.loads(run(python, "-I", "-c", "import evidence_kit, json; "
                               "print(json.dumps(str(evidence_kit.data_dir().parent)))",
                               cwd=elsewhere).stdout))  # fmt: skip
    assert data.is_relative_to(venv) and data.name == "data"
    sums = (data / CHECKSUMS_FILE).read_text("utf-8")
    assert all((data / line.split("  ", 1)[1]).is_file() for line in sums.splitlines())
    fd = run(python, "-I", "-m", "frictionless", "validate", "--json", data / "datapackage.json",
             cwd=elsewhere)  # fmt: skip
    assert json.loads(fd.stdout)["valid"]

    table = TABLES["claims"]
    path = data / "parquet" / table.file_name
    rows = pq.read_table(path).to_pylist()
    rows[0]["statement"] = "Microneedling cures everything."
    publish.write_parquet(publish.to_arrow(table, rows, {}), path, table)
    tampered = run(evidence_kit, "validate", "--installed", cwd=elsewhere, ok=False)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "EK503" in tampered.stderr and f"parquet/{table.file_name}" in tampered.stderr
    assert "Traceback" not in tampered.stderr
    fd = run(python, "-I", "-m", "frictionless", "validate", "--json", data / "datapackage.json",
             cwd=elsewhere, ok=False)  # fmt: skip
    failed = {t["name"]: {e["type"] for e in t["errors"]} for t in json.loads(fd.stdout)["tasks"]}
    assert fd.returncode == 1 and "hash-count" in failed["claims"]
