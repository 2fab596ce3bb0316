"""`evidence-kit add-source`: copies, hashes, writes the stubs; refuses bad text and tags."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

TEXT = "Mikronålning är en behandling.\n"


def add(cli, mini: Path, text: Path, *extra: str):  # type: ignore[no-untyped-def]
    return cli(
        "add-source", str(text), str(mini), "--language", "sv",
        "--source-type", "consumer_health_article", *extra,
    )  # fmt: skip


def test_copies_hashes_and_writes_stubs_that_validate(mini: Path, cli) -> None:  # type: ignore[no-untyped-def]
    seed = Path("009_new_sv.txt")
    seed.write_text(TEXT, "utf-8")
    result = add(cli, mini, seed, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    source_id = out["source_id"]
    copied = mini / "texts" / seed.name
    assert copied.read_bytes() == seed.read_bytes()
    sources = (mini / "sources.yaml").read_text("utf-8")
    assert f"source_id: {source_id}" in sources
    assert hashlib.sha256(seed.read_bytes()).hexdigest() in sources
    assert (
        (mini / "assertions" / f"{source_id}.yaml").read_text("utf-8").endswith("assertions: []\n")
    )
    check = cli("validate", str(mini), "--format", "json")
    assert check.exit_code == 0, check.stdout


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xef\xbb\xbf" + TEXT.encode(), "EK107"),
        ("Mikronålning".encode("latin-1"), "EK102"),
        ("Mikrona\u030alning\n".encode(), "EK402"),
    ],
)
def test_refuses_bom_non_utf8_and_non_nfc(mini: Path, cli, data: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    seed = Path("009_bad.txt")
    seed.write_bytes(data)
    before = (mini / "sources.yaml").read_bytes()
    result = add(cli, mini, seed)
    assert result.exit_code == 1
    assert code in result.stderr and "009_bad.txt" in result.stderr
    assert (mini / "sources.yaml").read_bytes() == before
    assert not (mini / "texts" / seed.name).exists()


def test_refuses_a_bad_language_tag_located_at_the_option(mini: Path, cli) -> None:  # type: ignore[no-untyped-def]
    seed = Path("009_new_sv.txt")
    seed.write_text(TEXT, "utf-8")
    result = cli(
        "add-source", str(seed), str(mini), "--language", "swedish",
        "--source-type", "consumer_health_article", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert (finding["code"], finding["file"], finding["field"]) == (
        "EK207",
        "<command line>",
        "--language",
    )
    assert not (mini / "texts" / seed.name).exists()


def test_refuses_a_bad_source_type_and_a_second_add(mini: Path, cli) -> None:  # type: ignore[no-untyped-def]
    seed = Path("009_new_sv.txt")
    seed.write_text(TEXT, "utf-8")
    bad = cli(
        "add-source", str(seed), str(mini), "--language", "sv", "--source-type", "blog",
    )  # fmt: skip
    assert bad.exit_code == 1 and "--source-type" in bad.stderr
    assert add(cli, mini, seed).exit_code == 0
    again = add(cli, mini, seed)
    assert again.exit_code == 2 and "exists already" in again.stderr
