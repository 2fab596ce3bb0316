"""Shared fixtures: a small valid dataset to break, and the CLI run the way users run it.

``tests/data/mini`` is a dataset written for the tests (two short texts of its own, in
Swedish and Chinese, not the seeds).  The ``mini`` fixture copies it into ``tmp_path``
and changes into ``tmp_path``, so a test can edit any file and findings name files as
``mini/claims.yaml``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from evidence_kit.cli import main
from evidence_kit.model.errors import Finding, ValidationReport

# No time limits in tests (COMMON rules; two cores shared with other jobs): hypothesis's
# default 200 ms deadline would make property tests fail on a busy machine.
settings.register_profile("evidence-kit", deadline=None, print_blob=True)
settings.load_profile("evidence-kit")

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The one local[2] Spark session of the test run (starting Spark costs seconds on
    two cores), stopped at the end; every Spark test shares it."""
    from evidence_kit.checks import expectations as ex

    session = ex.spark_session()
    yield session
    session.stop()


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the mini dataset, as the relative path ``mini`` (cwd is tmp_path)."""
    shutil.copytree(MINI, tmp_path / "mini")
    monkeypatch.chdir(tmp_path)
    return Path("mini")


@dataclass
class Run:
    """One CLI run: exit code, output, and the JSON report when there is one."""

    result: Result

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def report(self) -> ValidationReport:
        return ValidationReport.model_validate_json(self.result.stdout)

    @property
    def errors(self) -> list[Finding]:
        return self.report.errors

    def where(self) -> list[tuple[str, str, str | None, int | None]]:
        """``(code, file, field, line)`` of every error, in report order."""
        return [(f.code, f.file, f.field, f.line) for f in self.errors]


def invoke(*args: str) -> Result:
    """Run ``evidence-kit ARGS`` in-process and check that no traceback escaped."""
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture
def cli() -> Callable[..., Result]:
    """``cli("validate", "mini")`` runs the command and returns click's Result."""
    return invoke


@pytest.fixture
def validate_json() -> Callable[[Path], Run]:
    """``validate_json(dir)`` runs ``evidence-kit validate DIR --format json``."""

    def run(directory: Path) -> Run:
        return Run(invoke("validate", str(directory), "--format", "json"))

    return run


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a UTF-8 file; fails if ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th ``needle`` in ``path``."""
    hits = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} occurs {len(hits)} times in {path}"
    return hits[occurrence - 1]


@pytest.fixture
def edit() -> Callable[..., None]:
    """``edit(path, old, new)``: replace text in a file (see :func:`replace`)."""
    return replace


@pytest.fixture
def line() -> Callable[..., int]:
    """``line(path, needle)``: the 1-based line of ``needle`` (see :func:`line_of`)."""
    return line_of
