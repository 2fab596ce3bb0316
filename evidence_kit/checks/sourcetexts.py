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
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.columnar import KeyIndex, as_mask, plain, positions_in
from evidence_kit.checks.findings import Collector, quote_findings
from evidence_kit.curation.provenance import check_source_text
from evidence_kit.model.columnrules import NFC_SUSPECT_CODES, SPACE_CODES
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
    root = base.resolve()
    for row, values in rows:
        problems, text = check_source_text(
            base, values["text_path"], values["source_file"], values["sha256"], root
        )
        for p in problems:
            params = {k: v for k, v in p.params.items() if k not in ("line", "column")}
            findings.append(p.kind.at(file, line=row + 1, field=p.field, **params))
        if text is not None:
            texts.setdefault(values["source_id"], text)
    return findings, texts


@dataclass
class TextBuffer:
    """Every valid source text as UTF-8 bytes in one buffer, with code point -> byte maps.

    Built once, before the worker threads read it (nothing in it is computed lazily).

    Code point ``i`` of source ``k`` sits at position ``cp_base[k] + i`` of the per-code
    point arrays (each text is followed by one spare position): ``byte_of`` maps it to its
    byte in ``data``, ``space`` says whether it is white space (:data:`SPACE_CODES`), and
    ``suspects[p]`` counts the NFC-doubtful code points (:data:`NFC_SUSPECT_CODES`) before
    position ``p``, so any window's count is one subtraction.
    """

    ids: pa.Array
    text: dict[str, str]
    data: np.ndarray
    cp_base: np.ndarray  # per source: where its code point -> byte map starts
    cp_len: np.ndarray  # per source: length in code points
    byte_of: np.ndarray  # concatenated maps (absolute byte offsets in data)
    space: np.ndarray  # per code point position: white space?
    suspects: np.ndarray  # running count of NFC-doubtful code points before each position
    index: KeyIndex  # where each source id sits in ``ids``
    buffer: pa.Buffer  # ``data`` as an Arrow buffer, the views' data
    words: np.ndarray  # ``data`` read as a uint32 at every byte (:func:`unaligned_words`)

    @classmethod
    def build(cls, texts: dict[str, str]) -> TextBuffer:
        ids, chunks, maps, bases, lens, codes = [], [], [], [], [], []
        offset = cp = 0
        for source_id, text in texts.items():
            raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            starts = np.flatnonzero((raw & 0xC0) != 0x80)
            ids.append(source_id)
            chunks.append(raw)
            maps.append(np.append(starts, len(raw)) + offset)
            codes.append(np.frombuffer((text + "\0").encode("utf-32-le"), dtype=np.uint32))
            bases.append(cp)
            lens.append(len(text))
            offset += len(raw)
            cp += len(text) + 1
        points = np.concatenate(codes) if codes else np.zeros(0, np.uint32)
        doubtful = _CODE_TABLES["suspect"][points]
        data = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8)
        keys = pa.array(ids, pa.string())
        return cls(
            ids=keys,
            text=texts,
            data=data,
            cp_base=np.array(bases, dtype=np.int64),
            cp_len=np.array(lens, dtype=np.int64),
            byte_of=np.concatenate(maps) if maps else np.zeros(0, np.int64),
            space=_CODE_TABLES["space"][points],
            suspects=np.concatenate([[0], np.cumsum(doubtful, dtype=np.int64)]),
            index=KeyIndex(keys),
            buffer=pa.py_buffer(data),
            words=unaligned_words(data),
        )


def _code_table(codes: tuple[int, ...]) -> np.ndarray:
    """A flag per Unicode code point (1.1 MB): one gather answers "is it in ``codes``"."""
    table = np.zeros(0x110000, dtype=bool)
    table[np.array(codes, dtype=np.int64)] = True
    return table


_CODE_TABLES = {"suspect": _code_table(NFC_SUSPECT_CODES), "space": _code_table(SPACE_CODES)}


def unaligned_words(data: np.ndarray) -> np.ndarray:
    """``words[i]`` = bytes ``data[i:i+4]`` as a little-endian uint32, for every ``i``.

    A strided view (no copy) over ``data`` padded with 16 zero bytes, so a read up to 12
    bytes past any position in ``data`` stays inside the buffer and reads zeros.
    """
    padded = np.concatenate([data, np.zeros(16, dtype=np.uint8)])
    return np.ndarray((len(data) + 12,), dtype="<u4", buffer=padded, strides=(1,))


_KEEP = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], dtype=np.uint32)


def slice_views(data: pa.Buffer, words: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``data[start:end]`` per row as an Arrow ``string_view`` array, without copying bytes.

    A view is 16 bytes: the length, then either the (up to 12) bytes themselves, zero
    padded, or their first 4 bytes, a buffer index and an offset into ``data``.  Three
    uint32 gathers from ``words`` (:func:`unaligned_words` of ``data``) fill them, so the
    per-row work is a handful of numpy operations and ``pc.equal`` compares the views
    with those of another column in C++.

    >>> raw = np.frombuffer(b"hello, world", dtype=np.uint8)
    >>> words = unaligned_words(raw)
    >>> views = slice_views(pa.py_buffer(raw), words, np.array([0, 7]), np.array([5, 12]))
    >>> views.cast(pa.string()).to_pylist()
    ['hello', 'world']
    """
    length = (end - start).astype(np.int32)
    views = np.empty((len(start), 4), dtype=np.uint32)
    views[:, 0] = length.view(np.uint32)
    first = words[start]
    views[:, 1] = np.where(length >= 4, first, first & _KEEP[np.clip(length, 0, 4)])
    views[:, 2] = 0  # long: buffer 0 at offset start
    views[:, 3] = start
    short = np.flatnonzero(length <= 12)
    if len(short):  # inline: bytes 4-11, zero past the end
        at, size = start[short], length[short]
        views[short, 2] = words[at + 4] & _KEEP[np.clip(size - 4, 0, 4)]
        views[short, 3] = words[at + 8] & _KEEP[np.clip(size - 8, 0, 4)]
    return pa.Array.from_buffers(pa.string_view(), len(start), [None, pa.py_buffer(views), data])


def screen_quotes(
    out: Collector,
    texts: TextBuffer | None,
    file: str,
    batch: pa.RecordBatch,
    base: int,
    valid: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> None:
    """Screen the quotes of the ``valid`` rows against their texts in bulk; explain the
    rows that fail in Python.

    Prefix, quote and suffix are compared with the text's bytes around the offsets
    (Arrow string views of the text buffer against views of the columns: no bytes are
    copied).  A quote equal to its window holds exactly the window's code points, so
    white space at its ends and NFC doubt are read from the text's per-position
    arrays (:class:`TextBuffer`) instead of scanning every quote.  Flagged rows go
    through :func:`quote_findings`, the same function the record path uses.
    """
    if texts is None or not valid.any():
        return
    src = positions_in(batch.column("source_id"), texts.index)
    check = valid & (src >= 0)
    if not check.any():
        return
    src = np.where(check, src, 0)
    length = texts.cp_len[src]
    fits = check & (start >= 0) & (start <= end) & (end <= length)
    s = np.where(fits, start, 0).astype(np.int64)
    e = np.where(fits, end, 0).astype(np.int64)
    at = texts.cp_base[src]
    lo = texts.byte_of[at + np.maximum(s - CONTEXT_LENGTH, 0)]
    bs = texts.byte_of[at + s]
    be = texts.byte_of[at + e]
    hi = texts.byte_of[at + np.minimum(e + CONTEXT_LENGTH, length)]
    same = fits.copy()
    for name, a, b in (("prefix", lo, bs), ("quote", bs, be), ("suffix", be, hi)):
        column = plain(batch.column(name)).cast(pa.string_view())
        same &= as_mask(pc.equal(slice_views(texts.buffer, texts.words, a, b), column))
    doubt = texts.suspects[at + e] > texts.suspects[at + s]
    doubt |= (e > s) & (texts.space[at + s] | texts.space[at + np.maximum(e - 1, 0)])
    bad = np.flatnonzero(check & ~(same & ~doubt))
    if not len(bad):
        return
    names = ["source_id", "quote", "char_start", "char_end", "prefix", "suffix"]
    part = batch.select(names).take(pa.array(bad)).to_pylist()
    for row, values in zip(bad.tolist(), part, strict=True):
        for f in quote_findings(file, base + row, values, texts.text[values["source_id"]]):
            out.add(f)
