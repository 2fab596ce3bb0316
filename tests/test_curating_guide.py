"""docs/curating.md: its claim examples are valid, one per kind, and name real vocabulary."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from ruamel.yaml import YAML

from evidence_kit.model.claims import CLAIM_ADAPTER

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "curating.md").read_text(encoding="utf-8")


def examples() -> list[dict[str, typing.Any]]:
    section = GUIDE.split("## A claim of every kind", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        loaded = YAML(typ="safe", pure=True).load(block)
        assert isinstance(loaded, list) and len(loaded) == 1
        found.append(loaded[0])
    return found


def test_every_kind_has_one_valid_example() -> None:
    claims = examples()
    kinds = [c["kind"] for c in claims]
    assert len(kinds) == len(set(kinds)) == 13
    for claim in claims:
        CLAIM_ADAPTER.validate_python(claim)


def test_examples_are_claims_of_the_dataset() -> None:
    curated = YAML(typ="safe", pure=True).load((ROOT / "dataset" / "claims.yaml").read_text())
    ids = {c["claim_id"] for c in curated["claims"]}
    assert {c["claim_id"] for c in examples()} <= ids


def test_the_add_source_example_names_real_options() -> None:
    from click.testing import CliRunner

    from evidence_kit.cli import main

    help_text = CliRunner().invoke(main, ["add-source", "-h"]).output
    for option in ("--language", "--source-type", "--work-id"):
        assert option in GUIDE and option in help_text
