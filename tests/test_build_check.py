"""`evidence-kit build --check`: a stale publish fails CI, and the check publishes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from publish_data import set_version, write_synthetic_dataset

from evidence_kit.cli import main
from evidence_kit.publishing import build as publish
from evidence_kit.publishing.staleness import stale_files


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file and link under ``root`` (links by target), to prove nothing was written."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[key] = str(path.readlink())
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


def check(root: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", "--check", str(root), *extra])
    return result.exit_code, result.stdout, result.stderr


def edit_claim(root: Path) -> None:
    claims = root / "claims.yaml"
    claims.write_text(
        claims.read_text("utf-8").replace("causes redness.", "causes redness!"), "utf-8"
    )


def test_current_after_build_and_stale_after_an_edit_until_rebuilt(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    assert check(root)[0] == 0
    edit_claim(root)
    before = tree(root)
    code, _, err = check(root)
    assert code == 1
    assert "EK590" in err
    assert "claims.parquet" in err and "built from inputs" in err
    assert tree(root) == before, "build --check wrote, published or froze something"
    set_version(root, "0.2.1")  # the built release is frozen: new content is a new release
    publish.build(root)
    assert check(root)[0] == 0


def test_stale_files_are_named_one_finding_each(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    edit_claim(root)
    files = {Path(f.file).name for f in stale_files(root)}
    # every table carries the input hash; the checksums and croissant follow the bytes
    assert {"claims.parquet", "sources.parquet", "SHA256SUMS", "croissant.json"} <= files
    assert {f.code for f in stale_files(root)} == {"EK590"}


def test_never_built_is_stale_and_json_carries_the_findings(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    code, out, _ = check(root, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["current"] is False
    assert {f["code"] for f in report["findings"]} == {"EK590"}
    assert any("not published" in f["message"] for f in report["findings"])
    assert not (root / "releases").exists() and not (root / "current").exists()


def test_invalid_curation_fails_with_its_own_findings(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    (root / "claims.yaml").write_text("claims: [", "utf-8")
    code, _, err = check(root)
    assert code == 1
    assert "EK103" in err and "EK590" not in err
