"""The layering contract (pyproject's [tool.importlinter]) holds, and catches an upward import.

The second test copies the package, adds one import that runs upward (a declaration
importing the CLI) and requires ``lint-imports`` to fail naming that import: proof that
the contract is not vacuous.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_contracts_kept_on_the_package() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        (
            "model/vocabulary.py",
            "import evidence_kit.cli\n",
            "evidence_kit.model.vocabulary -> evidence_kit.cli",
        ),
        (  # the CLI layer is the whole package: each command module counts too
            "curation/locate.py",
            "import evidence_kit.cli.curating\n",
            "evidence_kit.curation.locate -> evidence_kit.cli.curating",
        ),
        (
            "curation/loader.py",
            "import evidence_kit.publishing.card\n",
            "evidence_kit.curation.loader -> evidence_kit.publishing.card",
        ),
        (
            "model/tables.py",
            "import great_expectations\n",
            "evidence_kit.model.tables -> great_expectations",
        ),
    ],
)
def test_an_upward_import_breaks_the_contract(
    tmp_path: Path, module: str, line: str, expected: str
) -> None:
    shutil.copytree(ROOT / "evidence_kit", tmp_path / "evidence_kit")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "evidence_kit" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout
    assert expected in result.stdout


def test_top_level_holds_only_cli_api_and_generator() -> None:
    top = sorted(
        p.name
        for p in (ROOT / "evidence_kit").iterdir()
        if not p.name.startswith("_") or p.name == "__init__.py"
    )
    top = [n for n in top if n not in {"__pycache__", "data"}]
    assert top == ["__init__.py", "checks", "cli", "curation", "model", "publishing", "synth"]
