"""`evidence-kit schema`: writes one file per record type; --check finds stale files."""

from __future__ import annotations

import json
from pathlib import Path

from evidence_kit.curation.loader import TABLES

REPO = Path(__file__).parent.parent
NAMES = sorted(t.schema_file for t in TABLES.values())


def test_writes_one_schema_per_table(tmp_path, cli):
    out = tmp_path / "schema"
    result = cli("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == NAMES
    assert sorted(result.stdout.splitlines()) == sorted(f"wrote {out / n}" for n in NAMES)
    for name in NAMES:
        text = (out / name).read_text("utf-8")
        assert text.endswith("}\n")
        assert text == (REPO / "schema" / name).read_text("utf-8")
        assert json.loads(text)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_writing_twice_gives_the_same_bytes(tmp_path, cli):
    cli("schema", "--out", str(tmp_path / "a"))
    cli("schema", "--out", str(tmp_path / "b"))
    for name in NAMES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_check_passes_on_the_committed_schemas(cli):
    result = cli("schema", "--check", "--out", str(REPO / "schema"))
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_check_names_stale_and_missing_files(tmp_path, cli):
    out = tmp_path / "schema"
    cli("schema", "--out", str(out))
    stale = out / "assertion.schema.json"
    stale.write_text(stale.read_text("utf-8").replace("verbatim", "Verbatim"), "utf-8")
    (out / "outcome.schema.json").unlink()
    result = cli("schema", "--check", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{out / 'assertion.schema.json'}: out of date; run `evidence-kit schema --out {out}`",
        f"{out / 'outcome.schema.json'}: out of date; run `evidence-kit schema --out {out}`",
    ]
    assert not (out / "outcome.schema.json").exists()  # --check writes nothing
