"""The README, the curation guide and the CLI cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from evidence_kit.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_with_an_example() -> None:
    assert isinstance(main, click.Group)
    for name in main.commands:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"`evidence-kit {name} --help` has no example"


def test_every_command_is_in_the_readme() -> None:
    for name in main.commands:
        assert f"evidence-kit {name}" in README, f"README does not document `{name}`"


def test_readme_quick_start_targets_exist_and_ci_runs_the_test_command() -> None:
    quick = README.split("## Quick start", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make build", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("build", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, re.M)


def test_curation_guide_locate_example_is_true() -> None:
    guide = (ROOT / "docs" / "curating.md").read_text(encoding="utf-8")
    block = guide.split('$ evidence-kit locate s002 "Huden plumpar"\n', 1)[1].split("```", 1)[0]
    result = CliRunner().invoke(main, ["locate", "s002", "Huden plumpar", str(ROOT / "dataset")])
    assert result.exit_code == 0, result.output
    shown = [line.strip() for line in block.strip().splitlines()]
    assert result.output.strip().splitlines() == shown
