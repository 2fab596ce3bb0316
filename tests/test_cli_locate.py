"""`evidence-kit locate`: the offsets it prints are right, so pasting them validates."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

SV_TEXT = Path("mini/texts/000_mini_sv.txt")
ZH_TEXT = Path("mini/texts/001_mini_zh.txt")


def parse(output: str) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(output)
    assert isinstance(data, dict)
    return data


def new_assertion(snippet: str, assertion_id: str, claim_id: str) -> str:
    """An assertion record around a pasted `locate` snippet, as a curator writes it."""
    pasted = "".join(f"    {line}\n" for line in snippet.splitlines() if not line.startswith("#"))
    return (
        f"\n  - assertion_id: {assertion_id}\n    claim_id: {claim_id}\n{pasted}"
        "    quote_en: pasted by the locate test\n"
        + ("    qualifiers: {frequency: common}\n" if claim_id == "c-mn-ae-redness" else "")
        + "    statement_mode: asserted\n    support_type: none\n"
        "    evidence_basis: ECO:0000303\n    agent_type: manual_agent\n"
        "    curator: evidence-kit test suite\n    extraction_confidence: 0.8\n"
    )


@pytest.mark.parametrize(
    ("source", "quote", "assertion_id", "claim_id"),
    [
        ("s000", "går över inom några dagar", "s000-005", "c-mn-ae-redness"),
        ("s001", "一般两三天消退", "s001-005", "c-mn-ae-redness"),
        ("001_mini_zh.txt", "刺激胶原蛋白", "s001-005", "c-mn-mech-collagen-production"),
    ],
)
def test_pasted_offsets_validate(mini, cli, source, quote, assertion_id, claim_id):
    result = cli("locate", "--dataset", str(mini), source, quote)
    assert result.exit_code == 0, result.output
    snippet = result.stdout
    file = mini / "assertions" / f"{assertion_id[:4]}.yaml"
    file.write_text(
        file.read_text("utf-8") + new_assertion(snippet, assertion_id, claim_id), "utf-8"
    )
    check = cli("validate", str(mini), "--format", "json")
    assert check.exit_code == 0, check.stdout
    found = parse(snippet)
    text = (SV_TEXT if assertion_id.startswith("s000") else ZH_TEXT).read_text("utf-8")
    assert text[found["char_start"] : found["char_end"]] == quote


def test_output_names_line_and_column(mini, cli):
    result = cli("locate", "--dataset", str(mini), "s000", "aknenärr")
    assert result.exit_code == 0
    text = SV_TEXT.read_text("utf-8")
    start = text.index("aknenärr")
    line = text[:start].count("\n") + 1
    column = start - text.rfind("\n", 0, start)
    assert result.stdout.splitlines()[0] == f"# 000_mini_sv.txt line {line}, column {column}"
    found = parse(result.stdout)
    assert (found["char_start"], found["char_end"]) == (start, start + len("aknenärr"))
    assert found["prefix"] == text[start - 32 : start]
    assert found["suffix"] == text[start + len("aknenärr") : start + len("aknenärr") + 32]


def test_nfd_quote_is_normalised(mini, cli):
    quote = unicodedata.normalize("NFD", "förbättrar behandlingen")
    assert quote != "förbättrar behandlingen"
    result = cli("locate", "--dataset", str(mini), "s000", quote)
    assert result.exit_code == 0, result.output
    found = parse(result.stdout)
    assert found["quote"] == "förbättrar behandlingen"
    text = SV_TEXT.read_text("utf-8")
    assert found["char_start"] == text.index("förbättrar behandlingen")


def test_text_file_path_as_source(mini, cli):
    result = cli("locate", "--dataset", str(mini), str(ZH_TEXT), "800元")
    assert result.exit_code == 0
    start = ZH_TEXT.read_text("utf-8").index("800元")
    assert parse(result.stdout)["char_start"] == start


def test_ambiguous_quote_lists_every_place_and_exits_1(mini, cli):
    text = SV_TEXT.read_text("utf-8")
    starts = [i for i in range(len(text)) if text.startswith("behandlingen", i)]
    assert len(starts) == 2
    result = cli("locate", "--dataset", str(mini), "s000", "behandlingen")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "EK408 quote-ambiguous" in result.stderr
    assert "occurs 2 times in source s000" in result.stderr
    for start in starts:
        line = text[:start].count("\n") + 1
        column = start - text.rfind("\n", 0, start)
        assert f"[{start}:{start + 12}) at line {line}, column {column}" in result.stderr
    assert "--occurrence" in result.stderr


def test_occurrence_picks_one_place(mini, cli):
    text = SV_TEXT.read_text("utf-8")
    second = text.index("behandlingen", text.index("behandlingen") + 1)
    result = cli("locate", "--dataset", str(mini), "--occurrence", "2", "s000", "behandlingen")
    assert result.exit_code == 0, result.output
    found = parse(result.stdout)
    assert (found["char_start"], found["char_end"]) == (second, second + 12)
    first = cli("locate", "--dataset", str(mini), "--occurrence", "1", "s000", "behandlingen")
    assert parse(first.stdout)["char_start"] == text.index("behandlingen")


@pytest.mark.parametrize("occurrence", ["0", "3"])
def test_occurrence_out_of_range_is_a_usage_error(mini, cli, occurrence):
    result = cli(
        "locate", "--dataset", str(mini), "--occurrence", occurrence, "s000", "behandlingen"
    )
    assert result.exit_code == 2
    assert "EK108" in result.stderr
    assert "pick 1 to 2" in result.stderr


def test_missing_quote_exits_1(mini, cli):
    result = cli("locate", "--dataset", str(mini), "s001", "不存在的句子")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "EK407 quote-not-found" in result.stderr
    assert "'不存在的句子'" in result.stderr


def test_unknown_source_is_a_usage_error(mini, cli):
    result = cli("locate", "--dataset", str(mini), "s999", "behandlingen")
    assert result.exit_code == 2
    assert "unknown source 's999'" in result.stderr


def test_missing_dataset_directory_is_a_usage_error(tmp_path, cli):
    result = cli("locate", "--dataset", str(tmp_path / "nowhere"), "s000", "x")
    assert result.exit_code == 2
    assert "does not exist" in result.output
