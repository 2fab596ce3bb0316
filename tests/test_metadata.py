"""Download metadata: datapackage.json, croissant.json, SHA256SUMS and the release file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from publish_data import COUNTS, write_synthetic_dataset

from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.errors import EvidenceKitError
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES
from evidence_kit.publishing import build as publish
from evidence_kit.publishing import metadata

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    return root


def load_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


# --------------------------------------------------------------------------- datapackage


def test_datapackage_mirrors_the_arrow_contract(built: Path) -> None:
    package = load_json(built / "datapackage.json")
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["version"] == metadata.read_release(built).version
    assert [r["name"] for r in package["resources"]] == list(TABLES)
    for resource in package["resources"]:
        table = TABLES[resource["name"]]
        assert (built / resource["path"]).is_file()
        schema = resource["schema"]
        assert schema["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
        assert [f["name"] for f in schema["fields"]] == table.schema.names
        for field, arrow in zip(schema["fields"], table.schema, strict=True):
            assert field["description"] == arrow.metadata[b"description"].decode()
            assert field.get("constraints", {}).get("required", False) is not arrow.nullable
        assert schema["primaryKey"] == list(table.primary_key)
        keys = [
            (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        ]
        # Table Schema compares whole cells: list keys (per element) are not declared there
        assert keys == [fk for fk in table.foreign_keys if fk[0] not in table.lists]
    types = {f["name"]: f["type"] for f in package["resources"][1]["schema"]["fields"]}
    assert (types["confidence"], types["n_works"], types["negated"], types["kind"]) == (
        "number",
        "integer",
        "boolean",
        "string",
    )


@pytest.mark.slow
def test_frictionless_validates_the_package(built: Path) -> None:
    result = run(BIN / "frictionless", "validate", "--json", "datapackage.json", cwd=built)
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report, indent=1)[:4000]
    rows = {t["name"]: t["stats"]["rows"] for t in report["tasks"]}
    assert rows == COUNTS


@pytest.mark.slow
def test_frictionless_catches_a_broken_foreign_key(built: Path) -> None:
    """The declared keys are real: an assertion citing a missing claim fails validation."""
    table = TABLES["assertions"]
    path = built / "parquet" / table.file_name
    arrow = pq.read_table(path)
    rows = arrow.to_pylist()
    rows[0]["claim_id"] = "c-no-such-claim"
    publish.write_parquet(publish.to_arrow(table, rows, {}), path, table)
    result = run(BIN / "frictionless", "validate", "--json", "datapackage.json", cwd=built)
    report = json.loads(result.stdout)
    assert not report["valid"]
    errors = {e["type"] for t in report["tasks"] for e in t["errors"]}
    assert errors == {"foreign-key"}


# --------------------------------------------------------------------------- croissant


def test_croissant_has_a_file_object_with_sha256_and_a_record_set_per_table(
    built: Path,
) -> None:
    croissant = load_json(built / "croissant.json")
    assert croissant["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert croissant["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert croissant["version"] == metadata.read_release(built).version
    files = {f["@id"]: f for f in croissant["distribution"]}
    assert sorted(files) == sorted(t.file_name for t in TABLES.values())
    for name, entry in files.items():
        assert entry["@type"] == "cr:FileObject"
        assert entry["sha256"] == sha256_file(built / entry["contentUrl"])
        assert entry["contentUrl"] == f"parquet/{name}"
    record_sets = {r["@id"]: r for r in croissant["recordSet"]}
    assert list(record_sets) == list(TABLES)
    for name, table in TABLES.items():
        record_set = record_sets[name]
        assert [f["name"] for f in record_set["field"]] == table.schema.names
        assert record_set["key"] == [{"@id": f"{name}/{k}"} for k in table.primary_key]
        for field in record_set["field"]:
            assert field["source"]["fileObject"]["@id"] == table.file_name
        refs = {
            f["name"]: f["references"]["field"]["@id"]
            for f in record_set["field"]
            if "references" in f
        }
        # keys into the vocabularies are not declared: mlcroissant cannot join chained
        # references (assertions -> claims -> interventions)
        assert refs == {
            c: f"{t}/{k}" for c, t, k in table.foreign_keys if t not in VOCABULARY_TABLES
        }
    assert set(croissant["inLanguage"]) == {"en", "sv", "id", "zh-Hans"}


@pytest.mark.slow
def test_mlcroissant_validates_and_reads_every_record_set(built: Path) -> None:
    result = run(BIN / "mlcroissant", "validate", "--jsonld", "croissant.json", cwd=built)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Done." in result.stderr + result.stdout
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=built / "croissant.json")
    for name in TABLES:
        assert len(list(dataset.records(record_set=name))) == COUNTS[name]


@pytest.mark.slow
def test_mlcroissant_rejects_a_broken_reference(built: Path) -> None:
    path = built / "croissant.json"
    croissant = load_json(path)
    croissant["recordSet"][2]["field"][1]["references"]["field"]["@id"] = "claims/nothing"
    path.write_text(json.dumps(croissant), "utf-8")
    result = run(BIN / "mlcroissant", "validate", "--jsonld", "croissant.json", cwd=built)
    assert result.returncode != 0
    assert "claims/nothing" in result.stdout + result.stderr


# --------------------------------------------------------------------------- checksums


def test_sha256sums_cover_every_published_file_and_catch_changes(built: Path) -> None:
    sums = metadata.read_checksums(built)
    assert sorted(sums) == metadata.checked_files(built)
    assert {f"parquet/{t.file_name}" for t in TABLES.values()} <= set(sums)
    assert metadata.verify_checksums(built) == []
    if shutil.which("sha256sum"):
        check = run("sha256sum", "--check", "--strict", "SHA256SUMS", cwd=built)
        assert check.returncode == 0, check.stdout + check.stderr
    card = built / "README.md"
    card.write_text(card.read_text("utf-8") + "tampered\n", "utf-8")
    (built / "parquet" / "claims.parquet").unlink()
    found = [(f.code, Path(f.file).name) for f in metadata.verify_checksums(built)]
    assert found == [("EK503", "README.md"), ("EK101", "claims.parquet")]


# --------------------------------------------------------------------------- release


def test_release_file_errors_are_located(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    release = root / "release.yaml"
    text, replaced = re.subn(
        r"^version: .*$", "version: one", release.read_text("utf-8"), count=1, flags=re.M
    )
    assert replaced == 1
    release.write_text(text, "utf-8")
    with pytest.raises(EvidenceKitError) as caught:
        publish.build(root)
    [finding] = caught.value.findings
    assert (finding.code, finding.field) == ("EK105", "version")
    assert finding.line == 4
    release.unlink()
    with pytest.raises(EvidenceKitError) as caught:
        metadata.read_release(root)
    assert caught.value.findings[0].code == "EK101"
    assert not (root / "parquet").exists()


def test_hosting_workflow_installs_the_package_and_runs_both_validations() -> None:
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(REPO / ".github" / "workflows" / "validate.yml")
    runs = [s["run"] for s in workflow["jobs"]["validate"]["steps"] if "run" in s]
    assert runs[0] == "python -m pip install -c constraints.txt ."
    assert (REPO / "constraints.txt").is_file()
    assert "evidence-kit validate dataset" in runs
    assert any(r.startswith("evidence-kit validate --published dataset/parquet") for r in runs)
