"""The dataset card: Datasheets sections, a current column reference, true examples."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from publish_data import COUNTS, write_synthetic_dataset

import evidence_kit
from evidence_kit.model.tables import TABLES
from evidence_kit.publishing import build as publish
from evidence_kit.publishing import card, metadata

REPO = Path(__file__).resolve().parent.parent
SECTIONS = [
    "Motivation",
    "Evidence map",
    "Composition",
    "Collection process",
    "Preprocessing, cleaning and labelling",
    "Uses",
    "Distribution",
    "Maintenance",
    "Example queries",
    "Table and column reference",
]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    return root


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def negate_first_claim(built: Path) -> str:
    """Mark one active claim as negated in claims (``negated``) and evidence
    (``claim_negated``), as a negative claim reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    claims = pq.read_table(built / "parquet" / "claims.parquet")
    claim_id = claims.column("claim_id")[0].as_py()
    for name, column in (("claims", "negated"), ("evidence", "claim_negated")):
        path = built / "parquet" / f"{name}.parquet"
        table = pq.read_table(path)
        hit = pa.array([v == claim_id for v in table.column("claim_id").to_pylist()])
        negated = pa.array(
            [h or n for h, n in zip(hit.to_pylist(), table.column(column).to_pylist(), strict=True)]
        )
        index = table.schema.get_field_index(column)
        table = table.set_column(index, table.schema.field(index), negated)
        pq.write_table(table, path)
    return claim_id


def test_card_has_the_datasheet_sections_licence_and_disclaimer(built: Path) -> None:
    text = (built / "README.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == SECTIONS
    release = metadata.read_release(built)
    assert release.license in text and release.license_url in text
    assert text.count(card.NOT_MEDICAL_ADVICE) >= 2
    assert f"Version {release.version}, released {release.release_date}" in text
    for name, table in TABLES.items():
        assert f"| `parquet/{table.file_name}` | {COUNTS[name]} |" in text
    assert "| s002 | zh-Hans | Microneedling beauty | 示例医院 | clinic_marketing_page |" in text


def test_column_reference_lists_every_column_with_its_description(built: Path) -> None:
    text = (built / "README.md").read_text("utf-8")
    reference = text.split("## Table and column reference", 1)[1]
    for table in TABLES.values():
        section = reference.split(f"### `{table.file_name}`", 1)[1].split("\n### ", 1)[0]
        rows = re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \| (yes|) \| (.*) \|$", section, re.M)
        assert [r[0] for r in rows] == table.schema.names
        for (_, kind, required, described), field in zip(rows, table.schema, strict=True):
            assert described == metadata.description(field).replace("|", "\\|")
            assert (required == "yes") is not field.nullable
            assert kind == card.render_type(field.type)


def test_committed_card_is_current() -> None:
    """dataset/README.md is what `evidence-kit build` renders from the committed files."""
    dataset = REPO / "dataset"
    if not (dataset / "parquet" / "evidence.parquet").is_file():
        pytest.fail("dataset/parquet is not built: run `.venv/bin/evidence-kit build dataset`")
    expected = card.render_card(dataset, metadata.read_release(dataset))
    committed = (dataset / "README.md").read_text("utf-8")
    assert committed == expected, (
        "dataset/README.md is out of date: run `.venv/bin/evidence-kit build dataset`"
    )


def test_duckdb_example_runs_on_the_published_files(built: Path, monkeypatch) -> None:
    text = (built / "README.md").read_text("utf-8")
    by_kind, combined = code_blocks(text, "sql")
    negate_first_claim(built)
    monkeypatch.chdir(built)
    rows = duckdb.sql(by_kind).fetchall()
    claims = pd.read_parquet(built / "parquet" / "claims.parquet")
    assert claims["negated"].any(), "the fixture needs a negated claim for this test to bite"
    active = claims.query("status == 'active' and not negated")
    assert sum(r[2] for r in rows) == len(active)
    assert {r[0] for r in rows} == set(active["kind"].astype(str))
    ranks = [r[1] for r in rows]
    assert ranks == sorted(ranks, reverse=True), "best certainty first"
    for kind, best_rank, *_ in rows:
        assert best_rank == active[active["kind"] == kind]["certainty_rank"].max()
    # the list column, unnested and joined to its vocabulary table
    labels = pd.read_parquet(built / "parquet" / "interventions.parquet").set_index(
        "intervention_id"
    )["label"]
    expected = claims["co_interventions"].explode().dropna().map(labels).value_counts()
    assert dict(duckdb.sql(combined).fetchall()) == expected.to_dict()
    assert expected.sum() > 0, "the fixture combines microneedling with something"


def test_pandas_examples_run(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_DATA", built / "parquet")
    negate_first_claim(built)
    text = (built / "README.md").read_text("utf-8")
    blocks = code_blocks(text, "python")
    assert len(blocks) == 2
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(block, namespace)
    top = namespace["top"]
    assert isinstance(top, pd.DataFrame)
    evidence = pd.read_parquet(built / "parquet" / "evidence.parquet")
    statuses = evidence[["status", "claim_status", "source_status"]].astype(str)
    current = (statuses == "active").all(axis=1) & ~evidence["claim_negated"].astype(bool)
    assert evidence["claim_negated"].astype(bool).any()
    assert len(top) == current.sum() and not top["claim_negated"].any()
    assert list(top["claim_confidence"]) == sorted(top["claim_confidence"], reverse=True)


def test_hugging_face_datasets_reads_every_table_by_name(built: Path, monkeypatch) -> None:
    """The card's front matter names one config per table, with the release's version."""
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(built.parent / "hf-home"))
    release = metadata.read_release(built)
    for name in TABLES:
        ds = datasets.load_dataset(str(built), name, split="train")
        assert ds.num_rows == COUNTS[name], name
        assert str(ds.info.version) == release.version
    assert card.front_matter(release, ["zh-Hans", "sv"]).startswith("---\nlicense: ")


def test_the_card_shows_the_evidence_map_published_beside_it(built: Path) -> None:
    text = (built / "README.md").read_text("utf-8")
    assert "![Evidence map" in text and "(evidence-map.svg)" in text
    sums = (built / "SHA256SUMS").read_text("utf-8")
    for name in ("evidence-map.svg", "evidence-map.png"):
        assert (built / name).is_file() and f"  {name}\n" in sums
    assert (built / "evidence-map.svg").read_bytes().lstrip().startswith(b"<?xml")
