"""The fast path's quote screen is exact: the same findings as the per-row Python check.

The screen compares Arrow string views of the text buffer with the quote, prefix and
suffix columns, and reads white space at the quote's ends and NFC doubt from per-position
arrays of the text instead of scanning every quote.  These tests drive it with texts
full of the cases that matter (multi-byte and 4-byte characters, Unicode spaces,
combining marks that stay uncomposed in NFC, windows of 0-13 bytes around the 12-byte
inline limit of a view) and require the findings of :func:`quote_findings` row for row.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from evidence_kit.checks.findings import Collector, quote_findings
from evidence_kit.checks.sourcetexts import TextBuffer, screen_quotes, slice_views, unaligned_words
from evidence_kit.curation.provenance import Span, context

# ASCII, Vietnamese (precomposed), Swedish, CJK, a 4-byte emoji, Unicode spaces, and a
# combining acute that NFC leaves alone after "q" (no precomposed q-acute): NFC text
ALPHABET = ["a", "b", " ", "ệ", "ö", "针", "滚", "😀", "\u3000", "\u00a0", "\t", "q\u0301", "Å"]


def _batch(rows: list[dict[str, object]]) -> pa.RecordBatch:
    schema = pa.schema(
        [
            ("source_id", pa.string()),
            ("quote", pa.string()),
            ("char_start", pa.int32()),
            ("char_end", pa.int32()),
            ("prefix", pa.string()),
            ("suffix", pa.string()),
        ]
    )
    return pa.RecordBatch.from_pylist(rows, schema=schema)


def _screen(texts: dict[str, str], rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    out = Collector(10_000)
    batch = _batch(rows)
    start = np.array([r["char_start"] for r in rows], dtype=np.int64)
    end = np.array([r["char_end"] for r in rows], dtype=np.int64)
    valid = np.ones(len(rows), dtype=bool)
    screen_quotes(out, TextBuffer.build(texts), "a.parquet", batch, 0, valid, start, end)
    return sorted((f.line, f.code, f.field, f.message) for f in out.findings())


def _expected(texts: dict[str, str], rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    found = []
    for i, row in enumerate(rows):
        for f in quote_findings("a.parquet", i, row, texts[str(row["source_id"])]):
            found.append((f.line, f.code, f.field, f.message))
    return sorted(found)


def _row(
    source: str, text: str, start: int, end: int, quote: str | None = None
) -> dict[str, object]:
    prefix, suffix = context(text, Span(start, end))
    return {
        "source_id": source,
        "quote": text[start:end] if quote is None else quote,
        "char_start": start,
        "char_end": end,
        "prefix": prefix,
        "suffix": suffix,
    }


def test_views_cut_every_length_around_the_inline_limit() -> None:
    raw = np.frombuffer("abcdefghijklmnopqrstuvwxyz😀ệ".encode(), dtype=np.uint8)
    words = unaligned_words(raw)
    starts, ends = [], []
    for a in range(0, 6):
        for size in range(0, 15):
            starts.append(a)
            ends.append(min(len(raw), a + size))
    views = slice_views(pa.py_buffer(raw), words, np.array(starts), np.array(ends))
    got = views.cast(pa.binary()).to_pylist()
    assert got == [raw[a:b].tobytes() for a, b in zip(starts, ends, strict=True)]


def test_a_quote_equal_to_its_window_is_judged_like_the_record_path() -> None:
    text = "Kim lăn giúp da  mịn\u3000hơn. q\u0301 滚针后起皮 😀 end"
    texts = {"s001": text}
    rows = [
        _row("s001", text, 0, 3),  # plain: no finding
        _row("s001", text, 4, 8),  # "lăn ": white space at the end, equal to the window
        _row("s001", text, 20, 24),  # starts with an ideographic space
        _row("s001", text, 26, 28),  # q + combining acute: NFC, flagged by the screen only
        _row("s001", text, 29, 35),  # CJK, then a space at the end
        _row("s001", text, 0, 3, quote="kim"),  # mismatch
        _row("s001", text, 30, len(text) + 2),  # past the end
    ]
    rows[1]["prefix"] = "x"  # wrong context
    got = _screen(texts, rows)
    assert got == _expected(texts, rows)
    # white space at an end (EK409) although the quote equals its window; wrong context
    # (EK406), mismatch (EK404), past the end (EK403); nothing for the NFC combining mark
    codes = {(line, code) for line, code, _, _ in got}
    want = {(2, "EK406"), (2, "EK409"), (3, "EK409"), (5, "EK409"), (6, "EK404"), (7, "EK403")}
    assert codes == want


@given(
    st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=60).map("".join),
    st.lists(
        st.tuples(
            st.integers(0, 80),
            st.integers(0, 20),
            st.sampled_from(["exact", "nfd", "space", "other", "prefix", "suffix"]),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_screen_findings_equal_the_python_check(
    text: str, cuts: list[tuple[int, int, str]]
) -> None:
    assert unicodedata.is_normalized("NFC", text)
    texts = {"s001": text, "s002": "padding " + text[::-1]}
    rows = []
    for start, size, how in cuts:
        start = min(start, len(text))
        end = start + size  # may run past the end of the text
        row = _row("s001", text, start, min(end, len(text)))
        row["char_end"] = end
        if how == "nfd":
            row["quote"] = unicodedata.normalize("NFD", str(row["quote"]))
        elif how == "space":
            row["quote"] = f"{row['quote']} "
        elif how == "other":
            row["quote"] = str(row["quote"])[:-1] + "x" if row["quote"] else "x"
        elif how == "prefix":
            row["prefix"] = "~" + str(row["prefix"])
        elif how == "suffix":
            row["suffix"] = str(row["suffix"])[1:]
        rows.append(row)
    assert _screen(texts, rows) == _expected(texts, rows)
