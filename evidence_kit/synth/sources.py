"""Synthetic sources: seed texts with shuffled paragraphs, and the candidate quote spans
cut from them; :func:`layout` spreads assertions over sources."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from evidence_kit.model.fields import CONTEXT_LENGTH
from evidence_kit.model.tables import TABLES
from evidence_kit.synth.distributions import CLAUSE, SENTENCE


@dataclass
class Sources:
    table: pa.Table
    languages: list[str]
    cand_src: np.ndarray
    cand_start: np.ndarray
    cand_end: np.ndarray
    cand_quote: list[str]
    cand_prefix: list[str]
    cand_suffix: list[str]
    text_len: np.ndarray
    first: np.ndarray  # first candidate of each source
    count: np.ndarray  # candidates per source

    @property
    def quote(self) -> pa.Array:
        return pa.array(self.cand_quote, pa.string())

    @property
    def prefix(self) -> pa.Array:
        return pa.array(self.cand_prefix, pa.string())

    @property
    def suffix(self) -> pa.Array:
        return pa.array(self.cand_suffix, pa.string())


def make_sources(
    curation: Any, dataset_dir: Path, out: Path, n_src: int, rng: np.random.Generator
) -> Sources:
    """Shuffle each seed's paragraphs into ``n_src`` texts; cut candidate quotes from them."""
    seeds = [m for _, m in curation.models("sources")]
    if not seeds:
        raise ValueError(f"{dataset_dir} has no valid source to sample texts from")
    texts = [
        unicodedata.normalize("NFC", (dataset_dir / s.text_path).read_text("utf-8")) for s in seeds
    ]
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int, int]] = []
    lengths = []
    for i in range(n_src):
        seed, base = seeds[i % len(seeds)], texts[i % len(seeds)]
        paragraphs = [p for p in base.split("\n\n") if p.strip()]
        order = rng.permutation(len(paragraphs)) if i >= len(seeds) else range(len(paragraphs))
        text = "\n\n".join(paragraphs[j] for j in order) + "\n"
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        name = f"{i:03d}_{digest[:16]}.txt"
        (out / "texts" / name).write_bytes(data)
        lengths.append(len(text))
        spans += [(i, s, e) for s, e in _cut_spans(text)]
        rows.append(
            {
                "source_id": f"s{i:03d}",
                "source_file": name,
                "text_path": f"texts/{name}",
                "sha256": digest,
                "language": seed.language,
                "title": seed.title,
                "title_en": seed.title_en,
                "publisher": seed.publisher,
                "published_date": seed.published_date,
                "source_type": seed.source_type,
                "work_id": f"{seed.work_id}-{i:03d}",
                "commercial_interest": seed.has_flag("commercial_interest"),
                "commercial_interest_reason": _reason(seed, "commercial_interest"),
                "machine_translated": seed.has_flag("machine_translated"),
                "machine_translated_reason": _reason(seed, "machine_translated"),
                "cites_literature": seed.has_flag("cites_literature"),
                "cites_literature_reason": _reason(seed, "cites_literature"),
                "cited_references": [r.as_stated for r in seed.cited_references],
                "cited_dois": [
                    r.resolution.doi
                    for r in seed.cited_references
                    if r.resolution and r.resolution.doi
                ],
                "status": "active",
                "retraction_reason": None,
            }
        )
    table = pa.Table.from_pylist(rows, schema=TABLES["sources"].schema)
    src = np.array([s[0] for s in spans], dtype=np.int32)
    start = np.array([s[1] for s in spans], dtype=np.int32)
    end = np.array([s[2] for s in spans], dtype=np.int32)
    full = [_text_of(out, r["text_path"]) for r in rows]
    count = np.bincount(src, minlength=n_src)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    return Sources(
        table=table,
        languages=[r["language"] for r in rows],
        cand_src=src,
        cand_start=start,
        cand_end=end,
        cand_quote=[full[s][a:b] for s, a, b in spans],
        cand_prefix=[full[s][max(0, a - CONTEXT_LENGTH) : a] for s, a, b in spans],
        cand_suffix=[full[s][b : b + CONTEXT_LENGTH] for s, a, b in spans],
        text_len=np.array(lengths, dtype=np.int64),
        first=first,
        count=count,
    )


def _text_of(out: Path, text_path: str) -> str:
    return (out / text_path).read_text("utf-8")


def _reason(seed: Any, flag: str) -> str | None:
    return next((q.reason for q in seed.quality_flags if q.flag == flag), None)


def _cut_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and clauses of ``text`` (trimmed, 12-400 code points) as offsets."""
    found: set[tuple[int, int]] = set()
    for sentence in SENTENCE.finditer(text):
        pieces = [(sentence.start(), sentence.end())]
        pieces += [
            (sentence.start() + m.start(), sentence.start() + m.end())
            for m in CLAUSE.finditer(sentence.group())
        ]
        for start, end in pieces:
            chunk = text[start:end]
            start += len(chunk) - len(chunk.lstrip())
            end -= len(chunk) - len(chunk.rstrip())
            if 12 <= end - start <= 400:
                found.add((start, end))
    return sorted(found)


def plan_layout(sources: Sources, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Which source, candidate quote and claim each assertion row gets (numpy only)."""
    n_src = len(sources.count)
    per = np.full(n_src, n // n_src, dtype=np.int64)
    per[: n % n_src] += 1
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    src = np.repeat(np.arange(n_src, dtype=np.int32), per)
    k = np.arange(n, dtype=np.int64) - np.repeat(starts, per)
    c = sources.count[src]
    shift = rng.integers(0, 1 << 20, n_src)[src]
    span = (k + shift) % c
    cand = sources.first[src] + span
    target = max(12, n // 20)
    salt = rng.integers(0, target, n_src)[src]
    raw = (salt + span * 31 + k // c) % target
    used, inverse = np.unique(raw, return_inverse=True)
    order = rng.permutation(len(used)).astype(np.int32)  # decouple claim order from rows
    claim = order[inverse]
    anchors = np.zeros(n, dtype=bool)
    _, first_rows = np.unique(claim, return_index=True)
    anchors[first_rows] = True
    width = max(3, len(str(int(per.max()) - 1)))
    return {
        "n": n,
        "src": src,
        "k": k,
        "cand": cand,
        "claim": claim,
        "n_claims": len(used),
        "anchors": anchors,
        "width": width,
        "retracted": (rng.random(n) < 0.01) & ~anchors,
    }
