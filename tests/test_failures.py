"""Every failure is a located finding with its own code and exit 1, never a traceback.

Operating-system errors, parser errors, unreadable Parquet and undecodable names (issue
#10, class 1) and YAML that must be refused (class 2).  The ``cli`` fixture fails a test
on any traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import line_of

from evidence_kit.curation.document import parse_yaml
from evidence_kit.model.errors import EvidenceKitError
from evidence_kit.model.tables import PUBLISHED_DOCUMENTS, PUBLISHED_IMAGES, TABLES

REPO = Path(__file__).resolve().parent.parent


def codes(result: Result) -> list[str]:
    return [line.split()[2] for line in result.output.splitlines() if " error EK" in line]


def yaml_error(text: str) -> tuple[str, int | None, int | None, str | None]:
    with pytest.raises(EvidenceKitError) as caught:
        parse_yaml(text, "f.yaml")
    [finding] = caught.value.findings[:1]
    return finding.code, finding.line, finding.column, finding.field


# --------------------------------------------------------------------------- class 2: YAML


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    assert yaml_error("\n".join(lines) + "\n") == ("EK125", 1, 4, None)


def test_an_alias_alone_is_refused_where_it_is() -> None:
    assert yaml_error("a: 1\nb: *x\n")[0] in ("EK125", "EK103")


@pytest.mark.parametrize(
    "tagged", ["!!python/name:os.system x", "!!binary aGVsbG8=", "!custom value", "!!str 12"]
)
def test_explicit_tags_are_refused(tagged: str) -> None:
    assert yaml_error(f"a: 1\nb: {tagged}\n") == ("EK126", 2, 4, None)


def test_deep_nesting_is_a_located_error_not_a_recursion_error() -> None:
    code, line, _, _ = yaml_error("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert (code, line) == ("EK124", 1)


def test_an_impossible_date_is_located() -> None:
    assert yaml_error("sources:\n  - published_date: 2025-02-30\n") == ("EK129", 2, 21, None)


@pytest.mark.parametrize(
    ("number", "column"),
    [("9" * 5000, 15), ("-" + "2" * 4400, 15), ("0x" + "f" * 5000, 15), ("0o" + "7" * 6000, 15)],
)
def test_an_integer_too_long_for_python_is_located(number: str, column: int) -> None:
    """Decimal: ruamel's int() raises ValueError; hexadecimal and octal: parsed, but every
    later str() of it would (a message, the JSON output). Both are one located EK133."""
    text = f"claims:\n  - claim_id: {number}\n"
    assert yaml_error(text) == ("EK133", 2, column, None)


def test_the_longest_integer_python_prints_is_read() -> None:
    assert parse_yaml("a: " + "1" * 4300 + "\n", "f.yaml").data["a"] == int("1" * 4300)


def test_a_control_character_is_located_by_line_and_column() -> None:
    assert yaml_error("a: ok\nb: x\x07y\n") == ("EK127", 2, 5, None)


def test_a_lone_surrogate_escape_is_located_at_the_field() -> None:
    text = 'sources:\n  - source_id: s0\n    title: "a\\ud800b"\n'
    assert yaml_error(text) == ("EK128", 3, 12, "sources[0].title")


def test_yaml_problems_reach_the_cli_with_exit_1(mini: Path, cli: Callable[..., Result]) -> None:
    sources = mini / "sources.yaml"
    sources.write_text(
        sources.read_text("utf-8").replace(
            "published_date: 2025-07-12", "published_date: 2025-02-30"
        ),
        "utf-8",
    )
    result = cli("validate", str(mini))
    assert result.exit_code == 1
    line = line_of(sources, "published_date: 2025-02-30")
    assert f"mini/sources.yaml:{line}:21: error EK129" in result.output


def test_impossible_release_date_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 cli: Callable[..., Result]) -> None:  # fmt: skip
    from publish_data import write_synthetic_dataset

    root = write_synthetic_dataset(tmp_path / "ds")
    release = root / "release.yaml"
    text = release.read_text("utf-8")
    import re

    release.write_text(re.sub(r"release_date: \S+", "release_date: 2025-02-30", text), "utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("build", "ds")
    assert result.exit_code == 1
    assert codes(result) == ["EK129"]


# --------------------------------------------------------------------------- class 1: OS


def _fail_reading(monkeypatch: pytest.MonkeyPatch, name: str, err: int) -> None:
    """Make reading files called ``name`` fail with ``err`` (tests run as root, where
    chmod does not deny reading)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise OSError(err, os.strerror(err), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize(("err", "code"), [(errno.EACCES, "EK120"), (errno.EIO, "EK123")])
def test_an_unreadable_curation_file_is_located(
    mini: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, err: int, code: str
) -> None:
    _fail_reading(monkeypatch, "claims.yaml", err)
    result = cli("validate", str(mini))
    assert result.exit_code == 1
    assert f"error {code}" in result.output and "claims.yaml" in result.output


def test_an_unreadable_source_text_is_located_at_its_source(
    mini: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_reading(monkeypatch, "000_mini_sv.txt", errno.EACCES)
    result = cli("validate", str(mini), "--format", "json")
    assert result.exit_code == 1
    assert '"code": "EK120"' in result.output and '"field": "sources[0].text_path"' in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_by_mode(mini: Path, cli: Callable[..., Result]) -> None:
    (mini / "claims.yaml").chmod(0)
    assert "error EK120" in cli("validate", str(mini)).output


@pytest.mark.parametrize(
    ("err", "code"),
    [(errno.ENOSPC, "EK122"), (errno.EFBIG, "EK122"), (errno.EROFS, "EK121"),
     (errno.EACCES, "EK120")],
)  # fmt: skip
def test_an_os_error_while_publishing_is_located_and_keeps_the_old_files(
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    err: int,
    code: str,
) -> None:
    from publish_data import write_synthetic_dataset

    from evidence_kit.publishing import build as publish

    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    before = (root / "SHA256SUMS").read_bytes()
    (root / "claims.yaml").write_text(
        (root / "claims.yaml").read_text("utf-8").replace("redness.", "redness!"), "utf-8"
    )

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(err, os.strerror(err), str(root / "parquet" / "claims.parquet"))

    monkeypatch.setattr(publish, "write_parquet", full)
    monkeypatch.chdir(tmp_path)
    result = cli("build", "ds")
    assert result.exit_code == 1
    assert codes(result) == [code]
    assert (root / "SHA256SUMS").read_bytes() == before


def test_an_unexpected_exception_is_an_internal_error_with_a_hint(
    mini: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence_kit.curation import validator

    def boom(root: Path) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(validator, "validate", boom)
    result = cli("validate", str(mini))
    assert result.exit_code == 1
    assert codes(result) == ["EK900"]
    assert "report" in result.output


# --------------------------------------------------------------------------- Parquet


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from publish_data import write_synthetic_dataset

    from evidence_kit.publishing import build as publish

    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    monkeypatch.chdir(tmp_path)
    return Path("ds")


def test_a_truncated_parquet_file_is_located(published: Path, cli: Callable[..., Result]) -> None:
    path = published / "parquet" / "claims.parquet"
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data[: len(data) // 2])
    result = cli("validate", "--published", str(published / "parquet"))
    assert result.exit_code == 1
    assert "ds/parquet/claims.parquet: error EK560" in result.output


def test_a_text_file_named_parquet_is_located(published: Path, cli: Callable[..., Result]) -> None:
    path = published / "parquet" / "sources.parquet"
    path.unlink()
    path.write_text("not parquet\n", "utf-8")
    result = cli("validate", "--published", str(published / "parquet"))
    assert result.exit_code == 1
    assert "ds/parquet/sources.parquet: error EK560" in result.output


def test_undecodable_bytes_in_sha256sums_are_located(
    published: Path, cli: Callable[..., Result]
) -> None:
    sums = published / "SHA256SUMS"
    data = sums.read_bytes()
    sums.unlink()
    sums.write_bytes(data + b"\xff\xfe  parquet/x.parquet\n")
    result = cli("validate", "--published", str(published / "parquet"))
    assert result.exit_code == 1
    line = data.count(b"\n") + 1  # the appended line, after one per published file
    assert line == len(TABLES) + len(PUBLISHED_DOCUMENTS) + len(PUBLISHED_IMAGES) + 1
    assert f"ds/SHA256SUMS:{line}:1: error EK102" in result.output


def test_undecodable_bytes_in_a_file_name_are_located(
    mini: Path, cli: Callable[..., Result]
) -> None:
    name = os.fsdecode(b"texts/\xff\xfe.txt")
    shutil.copy(mini / "texts" / "000_mini_sv.txt", mini / name)
    result = cli("validate", str(mini), "--format", "json")
    assert result.exit_code == 1
    assert '"code": "EK130"' in result.output
    assert "\\\\xff\\\\xfe.txt" in result.output
