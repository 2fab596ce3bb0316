"""CLI conventions: -h everywhere, --format json everywhere, exit codes in every help,
DATASET_DIR positional everywhere (--dataset a deprecated alias), quiet progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence_kit.cli import main
from evidence_kit.cli.conventions import Progress

REPO = Path(__file__).resolve().parent.parent
COMMANDS = sorted(main.commands)


def test_every_command_has_the_expected_set() -> None:
    assert sorted(
        ["add-source", "browse", "build", "diff", "locate", "schema", "suites", "synth",
         "validate"]
    ) == COMMANDS  # fmt: skip


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_group_help_both_spellings(flag: str) -> None:
    result = CliRunner().invoke(main, [flag])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    assert "-h, --help" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_h_and_lists_exit_codes_and_json(name: str) -> None:
    short = CliRunner().invoke(main, [name, "-h"])
    long = CliRunner().invoke(main, [name, "--help"])
    assert short.exit_code == long.exit_code == 0
    assert short.output == long.output
    assert "Exit codes:" in short.output
    for code in ("0  ", "1  ", "2  usage error"):
        assert code in short.output.split("Exit codes:", 1)[1]
    assert "--format [text|json]" in short.output


def test_deprecated_dataset_option_still_works_and_warns() -> None:
    dataset = str(REPO / "dataset")
    new = CliRunner().invoke(main, ["locate", "s002", "Huden plumpar", dataset])
    old = CliRunner().invoke(main, ["locate", "s002", "Huden plumpar", "--dataset", dataset])
    assert new.exit_code == old.exit_code == 0
    assert new.stdout == old.stdout
    assert "--dataset is deprecated" in old.stderr and new.stderr == ""


def test_dataset_argument_and_alias_must_agree(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["locate", "s002", "x", str(REPO / "dataset"), "--dataset", str(tmp_path)]
    )
    assert result.exit_code == 2 and "disagree" in result.stderr


def test_locate_json() -> None:
    result = CliRunner().invoke(
        main, ["locate", "s002", "Huden plumpar", str(REPO / "dataset"), "--format", "json"]
    )
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert (found["char_start"], found["char_end"]) == (1165, 1178)


def test_a_failure_in_json_mode_is_a_json_report_on_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["locate", "s002", "not in the text at all", str(REPO / "dataset"), "--format", "json"],
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["findings"][0]["code"] == "EK407"


def test_missing_dataset_dir_is_usage_everywhere(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    for args in (
        ["validate", missing],
        ["build", missing],
        ["build", "--check", missing],
        ["locate", "s000", "x", missing],
        ["browse", missing, "--out", str(tmp_path / "o"), "--no-map"],
        ["synth", missing, "--assertions", "1", "--out", str(tmp_path / "s")],
        ["add-source", str(tmp_path / "a.txt"), missing, "--language", "sv",
         "--source-type", "consumer_health_article"],
    ):  # fmt: skip
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "does not exist" in result.output


def test_schema_check_json() -> None:
    result = CliRunner().invoke(
        main, ["schema", "--check", "--out", str(REPO / "schema"), "--format", "json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"current": True, "stale": []}


def test_progress_only_on_a_terminal_and_never_with_quiet() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Terminal()
    bar = Progress(2, "work", quiet=False, stream=shown)
    bar.step("one")
    bar.close()
    assert "work" in shown.getvalue()
    quiet = Terminal()
    Progress(2, "work", quiet=True, stream=quiet).step("one")
    assert quiet.getvalue() == ""
    pipe = io.StringIO()
    Progress(2, "work", quiet=False, stream=pipe).step("one")
    assert pipe.getvalue() == ""


def test_validate_accepts_quiet_and_stderr_stays_clean_off_a_terminal() -> None:
    result = CliRunner().invoke(main, ["validate", str(REPO / "dataset"), "-q"])
    assert result.exit_code == 0
    assert result.stderr == ""
