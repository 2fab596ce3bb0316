"""The evidence map: cells from the data, files written, the same bytes every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from browse_data import write_browse_dataset
from publish_data import write_synthetic_dataset

from evidence_kit.curation.validator import load_dataset
from evidence_kit.publishing.evidencemap import card_markdown, map_cells, write_evidence_map

pytest.importorskip("matplotlib", reason="the evidence map needs the [browse] extra")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_dataset(tmp_path_factory.mktemp("map") / "data")


def test_cells_follow_the_claims(synthetic: Path) -> None:
    cells = {(c.kind, c.intervention, c.row): c for c in map_cells(load_dataset(synthetic))}
    combination = cells[("combination_therapy", "microneedling + topical vitamin C", "acne scars")]
    assert combination.certainty == "low"  # a referenced study in a source citing literature
    assert not combination.commercial
    collagen = cells[("mechanism", "microneedling", "collagen production")]
    assert collagen.n_works == 1  # s000 and its translation s001 count once
    acne = cells[("indication", "microneedling", "acne scars")]
    assert acne.commercial and acne.n_works == 2  # the clinic page s002 states it too
    assert ("adverse_effect", "microneedling", "scarring") not in cells  # retracted claim
    assert all(c.kind != "cost" for c in cells.values())  # no condition or outcome


def test_map_files_are_written_and_reproducible(synthetic: Path, tmp_path: Path) -> None:
    dataset = load_dataset(synthetic)
    first = write_evidence_map(dataset, tmp_path / "one")
    second = write_evidence_map(dataset, tmp_path / "two")
    assert first.svg.read_bytes().startswith(b"<?xml")
    assert first.png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert first.svg.read_bytes() == second.svg.read_bytes()
    assert first.png.read_bytes() == second.png.read_bytes()
    svg = first.svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_map_of_the_browse_fixture_ignores_retracted_assertions(tmp_path: Path) -> None:
    dataset = load_dataset(write_browse_dataset(tmp_path / "data"))
    redness = next(c for c in map_cells(dataset) if c.kind == "adverse_effect")
    assert redness.claim_ids == ("c-mn-ae-redness",)
    assert redness.n_works == 2 and redness.commercial


def test_card_snippet_embeds_the_map() -> None:
    snippet = card_markdown("evidence-map.svg")
    assert snippet.startswith("![Evidence map")
    assert "](evidence-map.svg)" in snippet
    assert "commercial interest" in snippet and "Not medical advice" in snippet
