"""Quotes re-found at their offsets: locate, context, hashes, and the curator's helper."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evidence_kit.curation.document import parse_yaml
from evidence_kit.curation.locate import locate_quote
from evidence_kit.curation.provenance import (
    Span,
    context,
    is_nfc,
    line_column,
    locate,
    nfc,
    sha256_bytes,
    sha256_file,
)
from evidence_kit.model.errors import EvidenceKitError
from evidence_kit.model.fields import CONTEXT_LENGTH

MINI = Path(__file__).parent / "data" / "mini"


def test_locate_finds_every_occurrence_including_overlaps():
    assert locate("aaaa", "aa") == [Span(0, 2), Span(1, 3), Span(2, 4)]
    assert locate("abc", "") == []
    assert locate("abc", "x") == []


def test_offsets_count_code_points_not_bytes():
    text = "滚针可以刺激胶原蛋白再生"
    [span] = locate(text, "胶原蛋白")
    assert span == Span(6, 10)
    assert len(text[: span.start].encode("utf-8")) == 18


def test_context_is_cut_at_the_text_edges():
    text = "a" * 40 + "QUOTE" + "b" * 5
    [span] = locate(text, "QUOTE")
    assert context(text, span) == ("a" * CONTEXT_LENGTH, "b" * 5)
    assert context("QUOTE", Span(0, 5)) == ("", "")


def test_line_column():
    text = "one\ntwo\nthree"
    assert line_column(text, 0) == (1, 1)
    assert line_column(text, text.index("two")) == (2, 1)
    assert line_column(text, text.index("ree")) == (3, 3)


def test_nfc_helpers():
    decomposed = unicodedata.normalize("NFD", "förtorkar")
    assert not is_nfc(decomposed)
    assert nfc(decomposed) == "förtorkar"
    assert is_nfc(nfc(decomposed))


def test_hashes_of_the_fixture_texts_match_sources_yaml():
    sources = (MINI / "sources.yaml").read_text("utf-8")
    for path in sorted((MINI / "texts").iterdir()):
        digest = sha256_file(path)
        assert digest == sha256_bytes(path.read_bytes())
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"sha256: {digest}" in sources


NFC_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=300
).map(nfc)


@st.composite
def text_and_slice(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(NFC_TEXT)
    assume(len(text) >= 1)
    start = draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = draw(st.integers(min_value=start + 1, max_value=len(text)))
    return text, start, end


@settings(max_examples=300)
@given(text_and_slice())
def test_locate_and_context_round_trip(case):
    text, start, end = case
    quote = text[start:end]
    spans = locate(text, quote)
    assert Span(start, end) in spans
    for span in spans:
        assert text[span.start : span.end] == quote
        prefix, suffix = context(text, span)
        assert len(prefix) <= CONTEXT_LENGTH and len(suffix) <= CONTEXT_LENGTH
        assert prefix + quote + suffix in text
        assert text[span.start - len(prefix) : span.end + len(suffix)] == prefix + quote + suffix
        assert len(prefix) == min(CONTEXT_LENGTH, span.start)
        assert len(suffix) == min(CONTEXT_LENGTH, len(text) - span.end)
    assert spans == sorted(spans)


@pytest.fixture(scope="module")
def text_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locate")
    (root / "texts").mkdir()
    return root


@settings(max_examples=100, deadline=None)
@given(case=text_and_slice())
def test_locate_quote_prints_offsets_that_hold(text_dir, case):
    """The curator's snippet: its offsets re-find the quote, or it says why not."""
    text, start, end = case
    quote = text[start:end]
    path = text_dir / "texts" / "t.txt"
    path.write_text(text, encoding="utf-8", newline="")
    n = len(locate(text, nfc(quote)))
    try:
        snippet = locate_quote(text_dir, str(path), quote)
    except EvidenceKitError as exc:
        codes = [f.code for f in exc.findings]
        assert codes == (["EK408"] if n > 1 else ["EK407"])
        assert n != 1
        return
    assert n == 1
    pasted = parse_yaml(snippet, "snippet").data  # reads back exactly, whatever the text holds
    span = Span(pasted["char_start"], pasted["char_end"])
    assert pasted["quote"] == text[span.start : span.end] == nfc(quote)
    assert (pasted["prefix"], pasted["suffix"]) == context(text, span)
