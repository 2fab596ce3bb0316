"""Source texts of the published dataset, and every quote checked against its text.

:func:`load_texts` reads the texts of the valid source rows and checks path, file name,
hash, UTF-8 and NFC (both paths use it).  For the fast path, :class:`TextBuffer` lays
every text out as UTF-8 bytes in one buffer with code point -> byte maps, so that
:func:`screen_quotes` can cut the text around every quote's offsets in bulk
(:func:`slice_bytes`, Arrow string views) and compare it with prefix + quote + suffix;
only the rows that fail the screen are explained in Python, by the same
:func:`~evidence_kit.checks.findings.quote_findings` the record path uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.columnar import KeyIndex, as_mask, plain, positions_in
from evidence_kit.checks.findings import Collector, quote_findings
from evidence_kit.curation.provenance import check_source_text
from evidence_kit.model.columnrules import QUOTE_SUSPECT
from evidence_kit.model.errors import Finding
from evidence_kit.model.fields import CONTEXT_LENGTH


def load_texts(
    file: str, base: Path, rows: list[tuple[int, dict[str, Any]]]
) -> tuple[list[Finding], dict[str, str]]:
    """Texts of the valid source rows ``(row, values)``, checked against hash and NFC.

    Every problem is located at the source's row of ``file``; see
    :func:`evidence_kit.curation.provenance.check_source_text` for the checks.
    """
    findings: list[Finding] = []
    texts: dict[str, str] = {}
    for row, values in rows:
        problems, text = check_source_text(
            base, values["text_path"], values["source_file"], values["sha256"]
        )
        for p in problems:
            params = {k: v for k, v in p.params.items() if k not in ("line", "column")}
            findings.append(p.kind.at(file, line=row + 1, field=p.field, **params))
        if text is not None:
            texts.setdefault(values["source_id"], text)
    return findings, texts


@dataclass
class TextBuffer:
    """Every valid source text as UTF-8 bytes in one buffer, with code point -> byte maps."""

    ids: pa.Array
    text: dict[str, str]
    data: np.ndarray
    cp_base: np.ndarray  # per source: where its code point -> byte map starts
    cp_len: np.ndarray  # per source: length in code points
    byte_of: np.ndarray  # concatenated maps (absolute byte offsets in data)

    @cached_property
    def index(self) -> KeyIndex:
        return KeyIndex(self.ids)

    @property
    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(self.data)

    @cached_property
    def padded(self) -> np.ndarray:
        return np.concatenate([self.data, np.zeros(12, dtype=np.uint8)])

    @classmethod
    def build(cls, texts: dict[str, str]) -> TextBuffer:
        ids, chunks, maps, bases, lens = [], [], [], [], []
        offset = cp = 0
        for source_id, text in texts.items():
            raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            starts = np.flatnonzero((raw & 0xC0) != 0x80)
            ids.append(source_id)
            chunks.append(raw)
            maps.append(np.append(starts, len(raw)) + offset)
            bases.append(cp)
            lens.append(len(text))
            offset += len(raw)
            cp += len(text) + 1
        return cls(
            ids=pa.array(ids, pa.string()),
            text=texts,
            data=np.concatenate(chunks) if chunks else np.zeros(0, np.uint8),
            cp_base=np.array(bases, dtype=np.int64),
            cp_len=np.array(lens, dtype=np.int64),
            byte_of=np.concatenate(maps) if maps else np.zeros(0, np.int64),
        )


def slice_bytes(
    data: pa.Buffer, padded: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pa.Array:
    """``data[start:end]`` per row as a string array, built from Arrow string views.

    Each view is 16 bytes (length, then 12 inline bytes or a 4-byte prefix and an offset
    into ``data``), so building them is per-row work; the bytes are copied once by the
    cast in C++.  ``padded`` is ``data`` as uint8 with 12 zero bytes appended.
    """
    n = len(start)
    length = (end - start).astype(np.int32)
    block = padded[start[:, None] + np.arange(12)]
    block[np.arange(12)[None, :] >= length[:, None]] = 0
    views = np.empty((n, 4), dtype=np.int32)
    views[:, 0] = length
    views[:, 1:] = np.ascontiguousarray(block).view(np.int32)
    long = length > 12
    views[long, 2] = 0
    views[long, 3] = start[long]
    array = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), data])
    return array.cast(pa.string())


def screen_quotes(
    out: Collector,
    texts: TextBuffer | None,
    file: str,
    batch: pa.RecordBatch,
    base: int,
    rows: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> None:
    """Screen every quote against its text in bulk; explain the rows that fail in Python.

    The screen compares prefix + quote + suffix with the text's bytes around the
    offsets (built as Arrow string views), and checks NFC and white space; rows it
    flags go through :func:`quote_findings`, the same function the record path uses.
    """
    if texts is None or not len(rows):
        return
    src = positions_in(batch.column("source_id").take(pa.array(rows)), texts.index)
    have = np.flatnonzero(src >= 0)
    if not len(have):
        return
    rows, src = rows[have], src[have]
    start, end = start[have].astype(np.int64), end[have].astype(np.int64)
    every = len(rows) == batch.num_rows
    take = pa.array(rows)
    quote, prefix, suffix = (
        batch.column(c) if every else batch.column(c).take(take)
        for c in ("quote", "prefix", "suffix")
    )
    length = texts.cp_len[src]
    flagged = end > length
    flagged |= as_mask(pc.match_substring_regex(quote, QUOTE_SUSPECT))
    ok = ~flagged
    s0, e0 = np.where(ok, start, 0), np.where(ok, end, 0)
    at = texts.cp_base[src]
    lo = texts.byte_of[at + np.maximum(s0 - CONTEXT_LENGTH, 0)]
    bs = texts.byte_of[at + s0]
    be = texts.byte_of[at + e0]
    hi = texts.byte_of[at + np.minimum(e0 + CONTEXT_LENGTH, length)]
    # prefix, quote and suffix each against its own slice of the text: three byte-length
    # tests and three `equal`s cost less than joining the three columns into one string
    same = np.ones(len(rows), dtype=bool)
    for piece, a, b in ((plain(prefix), lo, bs), (quote, bs, be), (plain(suffix), be, hi)):
        same &= pc.binary_length(piece).fill_null(-1).to_numpy(zero_copy_only=False) == b - a
        same &= as_mask(pc.equal(slice_bytes(texts.buffer, texts.padded, a, b), piece))
    flagged |= ok & ~same
    bad = np.flatnonzero(flagged)
    if not len(bad):
        return
    names = ["source_id", "quote", "char_start", "char_end", "prefix", "suffix"]
    part = batch.select(names).take(pa.array(rows[bad])).to_pylist()
    for row, values in zip(rows[bad].tolist(), part, strict=True):
        for f in quote_findings(file, base + row, values, texts.text[values["source_id"]]):
            out.add(f)
