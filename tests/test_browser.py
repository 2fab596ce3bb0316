"""The evidence browser: span segmentation, the rendered site, the CLI command."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from browse_data import write_browse_dataset
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from evidence_kit.curation.validator import load_dataset
from evidence_kit.publishing.browser import MARKER, keep_carriage_returns, segment, write_site

# --------------------------------------------------------------------------- segmentation


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, int]]]:
    text = draw(st.text(min_size=1, max_size=60))
    n = draw(st.integers(min_value=0, max_value=8))
    spans = []
    for i in range(n):
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        end = draw(st.integers(min_value=start + 1, max_value=len(text)))
        spans.append((f"s000-{i:03d}", start, end))
    return text, spans


@given(text_and_spans())
def test_segments_reproduce_the_text_and_every_quote(
    case: tuple[str, list[tuple[str, int, int]]],
) -> None:
    text, spans = case
    segments = segment(text, spans)
    assert "".join(s.text for s in segments) == text
    assert all(s.text for s in segments), "no empty segment"
    assert [s.start for s in segments[1:]] == [s.end for s in segments[:-1]]
    for span_id, start, end in spans:
        assert "".join(s.text for s in segments if span_id in s.ids) == text[start:end]
    for s in segments:  # a segment names exactly the spans covering it
        assert s.ids == tuple(sorted(i for i, a, b in spans if a <= s.start and s.end <= b))


@given(st.text(min_size=1, max_size=20), st.data())
def test_identical_and_nested_spans(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    segments = segment(text, [("a", start, end), ("b", start, end), ("c", 0, len(text))])
    covered = [s for s in segments if "a" in s.ids]
    assert "".join(s.text for s in covered) == text[start:end]
    assert all(s.ids == ("a", "b", "c") for s in covered)


def test_segment_counts_code_points_not_utf16_units() -> None:
    text = "a😀b微针c"  # an astral character before the quote: offsets are code points
    segments = segment(text, [("x", 3, 5)])
    assert [(s.text, s.ids) for s in segments] == [("a😀b", ()), ("微针", ("x",)), ("c", ())]


def test_segment_rejects_a_span_outside_the_text() -> None:
    with pytest.raises(ValueError, match="outside"):
        segment("abc", [("x", 2, 4)])
    assert segment("", []) == []


def test_carriage_returns_survive_html_parsing() -> None:
    assert str(keep_carriage_returns("a<b\r\n")) == "a&lt;b&#13;\n"


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_browse_dataset(tmp_path_factory.mktemp("browse") / "data")
    out = root.parent / "site"
    write_site(load_dataset(root), out)
    return out


def _hl_texts(page: str) -> dict[str, str]:
    """Each assertion id's highlighted text, joined from the page's segments (by regex)."""
    joined: dict[str, str] = {}
    for ids, text in re.findall(
        r'<span class="hl[^"]*" data-ids="([^"]*)"[^>]*>(.*?)</span>', page, re.S
    ):
        for assertion_id in ids.split():
            joined[assertion_id] = joined.get(assertion_id, "") + html.unescape(text)
    return joined


def test_site_pages_and_map_are_written(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert sorted(p.name for p in (site / "sources").iterdir()) == ["s000.html", "s001.html"]
    assert len(list((site / "claims").iterdir())) == 5
    assert (site / "evidence-map.svg").is_file() and (site / "evidence-map.png").is_file()
    assert (site / MARKER).is_file()


def test_pages_are_self_contained(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, page
        assert '<link rel="stylesheet"' not in text
        assert "<script src" not in text
        for target in re.findall(r'(?:href|src)="([^"#]+)', text):
            assert (page.parent / target).resolve().is_file(), f"{page}: {target}"


def test_highlights_reproduce_every_quote_overlaps_included(site: Path) -> None:
    dataset = load_dataset(Path(site.parent / "data"))
    for source_id in dataset.sources:
        page = (site / "sources" / f"{source_id}.html").read_text(encoding="utf-8")
        joined = _hl_texts(page)
        for assertion in dataset.assertions.values():
            if assertion.source_id == source_id:
                assert joined[assertion.assertion_id] == assertion.quote


def test_source_page_shows_flags_retraction_and_reviewer(site: Path) -> None:
    s000 = (site / "sources" / "s000.html").read_text(encoding="utf-8")
    assert 'data-ids="s000-001 s000-005"' in s000  # the nested quote
    assert "only-retracted" in s000 and "Crosses two sentences" in s000
    assert "a second curator on 2025-11-01" in s000
    assert "ECO:0006017" in s000 and "Nordisk hudtidskrift" in s000
    s001 = (site / "sources" / "s001.html").read_text(encoding="utf-8")
    assert s001.count("flag-commercial_interest") >= 3  # header, text panel, each quote


def test_claim_page_has_certainty_rationale_and_assertions(site: Path) -> None:
    page = (site / "claims" / "c-mn-ae-redness.html").read_text(encoding="utf-8")
    assert "independent work(s)" in page  # the rationale of certainty.assess
    assert "s000-003" in page and "s001-" in page
    assert '<h3 class="language-heading">sv</h3>' in page
    assert '<h3 class="language-heading">zh-Hans</h3>' in page
    assert "commonly" in page or "common" in page  # the qualifier


def test_index_rows_carry_filter_attributes(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="claim-row[^"]*"([^>]*)>', index)
    assert len(rows) == 5
    assert any('data-kind="cost"' in r and "commercial_interest" in r for r in rows)
    assert 'src="evidence-map.svg"' in index


def test_text_is_escaped(tmp_path: Path, edit: Callable[..., None]) -> None:
    root = write_browse_dataset(tmp_path / "data")
    edit(
        root / "assertions" / "s000.yaml",
        "quote_en: Microneedling stimulates collagen production in the skin",
        "quote_en: Microneedling <script>alert(1)</script> stimulates",
    )
    write_site(load_dataset(root), tmp_path / "site", with_map=False)
    page = (tmp_path / "site" / "sources" / "s000.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_refuses_to_replace_a_directory_it_did_not_write(tmp_path: Path) -> None:
    root = write_browse_dataset(tmp_path / "data")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an evidence browser site"):
        write_site(load_dataset(root), precious, with_map=False)
    assert (precious / "keep.txt").read_text() == "mine"


# --------------------------------------------------------------------------- the command


def test_browse_command(mini: Path, cli: Callable[..., Result]) -> None:
    result = cli("browse", str(mini), "--out", "site")
    assert result.exit_code == 0, result.output
    assert Path("site/index.html").is_file() and Path("site/evidence-map.png").is_file()
    again = cli("browse", str(mini), "--out", "site", "--no-map")
    assert again.exit_code == 0, again.output
    assert not Path("site/evidence-map.png").exists()
    refused = cli("browse", str(mini), "--out", str(mini))
    assert refused.exit_code == 2 and "not an evidence browser site" in refused.output


def test_browse_command_reports_an_invalid_dataset(
    mini: Path, cli: Callable[..., Result], edit: Callable[..., None]
) -> None:
    edit(mini / "assertions" / "s000.yaml", "char_start: 25", "char_start: 26")
    result = cli("browse", str(mini), "--out", "site")
    assert result.exit_code == 1
    assert not Path("site").exists()
