"""Synthetic datasets in the published Parquet layout, for tests and benchmarks at scale.

:func:`synthesize` writes ``OUT/parquet/{sources,claims,assertions,evidence}.parquet``
and ``OUT/texts/<source_file>``.  Source texts are the curated seed texts with their
paragraphs shuffled (so every synthetic source has its own text and hash, in the seed's
language); every quote is a sentence or clause cut from its source's text, so offsets,
prefix and suffix are true.  Claims use the claim kinds, predicates and vocabulary ids of
the curated dataset (the curated claims when there are some, else templates built from
the vocabularies).

Generation is vectorised: per-row values are numpy index arithmetic and Arrow ``take``
over small tables of candidate quotes and claim templates, written in chunks, so 10M
assertions need a few hundred MB, not one Python object per row.

With ``corrupt > 0`` a known set of defects of every kind the published validators
detect is seeded (about ``corrupt * n`` in assertions, a few in the other tables) and
listed in ``OUT/defects.json`` as ``{table, key, row, column, code}`` (``row`` 1-based,
null for table-level defects) -- the answer key for :mod:`evidence_kit.checks.fastcheck`.

Identifiers follow the models: at most 1000 sources (``s000``-``s999``) and, per
source, ``-000``-``-999``; beyond 1M assertions the per-source number gets more digits,
which the current ``AssertionId`` pattern rejects (reported as EK206).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.curation.loader import read_curation
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES
from evidence_kit.publishing.build import vocabulary_rows
from evidence_kit.synth.assertions import write_tables
from evidence_kit.synth.claims import make_claims
from evidence_kit.synth.defects import (
    corrupt_claims,
    corrupt_sources,
    corrupt_vocabularies,
    plan_defects,
)
from evidence_kit.synth.distributions import ASSERTION_DEFECTS, MAX_SOURCES
from evidence_kit.synth.sources import make_sources, plan_layout

__all__ = ["ASSERTION_DEFECTS", "synthesize"]


def synthesize(
    dataset_dir: Path,
    out: Path,
    n: int,
    seed: int = 0,
    corrupt: float = 0.0,
    vocabulary_defects: bool = False,
) -> dict[str, Any]:
    """Write ``n`` synthetic assertions (and their sources, claims, evidence) under ``out``.

    ``vocabulary_defects`` also seeds defects in the vocabulary tables and in the claims'
    references into them (:func:`~evidence_kit.synth.defects.corrupt_vocabularies`); off by
    default, so that a seed gives the same data as before it existed; the differential
    tests and the benchmark turn it on.
    """
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    parquet_dir = out / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    curation = read_curation(dataset_dir)
    n_src = min(MAX_SOURCES, max(len(list(curation.models("sources"))), math.ceil(n / 1000)))
    sources = make_sources(curation, dataset_dir, out, n_src, rng)
    layout = plan_layout(sources, n, rng)
    claims = make_claims(curation, layout["n_claims"], rng, layout, sources)
    defects: list[dict[str, Any]] = []
    plan = plan_defects(layout, sources, corrupt, rng)
    source_table = corrupt_sources(sources.table, plan, defects)
    claim_table = corrupt_claims(claims, plan, defects)
    rows = vocabulary_rows(
        (m for _, m in curation.models("interventions")),
        (m for _, m in curation.models("conditions")),
        (m for _, m in curation.models("outcomes")),
    )
    vocabularies = {
        name: pa.Table.from_pylist(rows[name], schema=TABLES[name].schema)
        for name in VOCABULARY_TABLES
    }
    if vocabulary_defects:
        claim_table, vocabularies = corrupt_vocabularies(claim_table, vocabularies, defects)
    pq.write_table(source_table, parquet_dir / "sources.parquet", compression="zstd")
    pq.write_table(claim_table, parquet_dir / "claims.parquet", compression="zstd")
    write_tables(parquet_dir, layout, sources, claims, plan, rng, defects)
    for name, table in vocabularies.items():
        pq.write_table(table, parquet_dir / TABLES[name].file_name, compression="zstd")
    (out / "defects.json").write_text(json.dumps(defects, indent=1) + "\n", encoding="utf-8")
    return {
        "out": str(out),
        "assertions": n,
        "claims": claim_table.num_rows,
        "sources": source_table.num_rows,
        "defects": len(defects),
        "seconds": round(time.perf_counter() - began, 2),
    }
