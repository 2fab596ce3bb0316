"""Commands agree (issue #10, class 5): one path policy for locate and validate; validate
rejects what validate --published rejects; no curation file is ignored without a word."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import Run


def test_locate_refuses_a_text_path_outside_the_dataset(
    mini: Path, cli: Callable[..., Result], edit: Callable[..., None]
) -> None:
    outside = mini.parent / "secret.txt"
    outside.write_text("top secret words", "utf-8")
    edit(mini / "sources.yaml", "text_path: texts/001_mini_zh.txt", "text_path: ../secret.txt")
    result = cli("locate", "s001", "secret", str(mini))
    assert result.exit_code == 1
    assert "error EK106" in result.output
    assert "top secret" not in result.output


def test_locate_refuses_a_direct_path_outside_the_dataset(
    mini: Path, cli: Callable[..., Result]
) -> None:
    outside = mini.parent / "secret.txt"
    outside.write_text("top secret words", "utf-8")
    result = cli("locate", str(outside), "secret", str(mini))
    assert result.exit_code == 1
    assert "error EK106" in result.output


def test_validate_rejects_a_stray_text_file(
    mini: Path, validate_json: Callable[[Path], Run]
) -> None:
    shutil.copy(mini / "texts" / "000_mini_sv.txt", mini / "texts" / "999_stray.txt")
    run = validate_json(mini)
    assert run.exit_code == 1
    assert run.where() == [("EK131", "mini/texts/999_stray.txt", None, None)]


def test_an_assertions_yml_file_is_reported_not_ignored(
    mini: Path, validate_json: Callable[[Path], Run]
) -> None:
    (mini / "assertions" / "s001.yaml").rename(mini / "assertions" / "s001.yml")
    run = validate_json(mini)
    assert run.exit_code == 1
    assert run.where() == [("EK132", "mini/assertions/s001.yml", None, None)]
