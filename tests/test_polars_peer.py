"""The benchmark's Polars peer finds exactly the defects the fast path finds."""

from __future__ import annotations

import sys
from pathlib import Path

from evidence_kit.synth import synthesize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import polars_peer  # noqa: E402


def test_polars_peer_finds_the_fast_path_defects(tmp_path: Path) -> None:
    synthesize(ROOT / "dataset", tmp_path, 20_000, seed=3, corrupt=0.01, vocabulary_defects=True)
    peer = polars_peer.check(tmp_path / "parquet")
    assert len(peer) > 150
    vocabularies = {"interventions.parquet", "conditions.parquet", "outcomes.parquet"}
    assert {file for file, _, _ in peer} >= vocabularies  # the vocabulary tables' defects
    claims = {code for file, _, code in peer if file == "claims.parquet"}
    assert {"EK302", "EK206", "EK207"} <= claims  # references into them, list elements
    assert peer == polars_peer.fast_path_found(tmp_path / "parquet")
