"""Curator helpers: find a quote in a source text so nobody counts characters by hand.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "texts").mkdir()
>>> _ = (root / "texts" / "x.txt").write_text("Huden plumpar och förtorkar", encoding="utf-8")
>>> print(locate_quote(root, str(root / "texts" / "x.txt"), "plumpar"), end="")
# x.txt line 1, column 7
quote: "plumpar"
char_start: 6
char_end: 13
prefix: "Huden "
suffix: " och förtorkar"
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evidence_kit.curation.document import load_yaml, read_text
from evidence_kit.curation.loader import display_path
from evidence_kit.curation.provenance import Span, context, line_column, locate, nfc
from evidence_kit.model.errors import ERR, EvidenceKitError, UsageError


def resolve_text(root: Path, source: str) -> tuple[str, Path]:
    """The source id (or file name) and text path that ``source`` names.

    The path policy of every command: a text must lie inside the dataset directory
    (EK106 otherwise), as ``validate`` and ``validate --published`` require.
    """
    direct = Path(source)
    if direct.is_file():
        return direct.name, _inside(root, direct, source)
    by_name = root / "texts" / source
    if by_name.is_file():
        return source, _inside(root, by_name, source)
    sources_file = root / "sources.yaml"
    if sources_file.is_file():
        data = load_yaml(sources_file, display_path(sources_file)).data
        for record in (data or {}).get("sources", []) if isinstance(data, dict) else []:
            if isinstance(record, dict) and source in (
                record.get("source_id"),
                record.get("source_file"),
            ):
                text_path = str(record.get("text_path", ""))
                path = _inside(root, root / text_path, text_path)
                if path.is_file():
                    return source, path
    raise UsageError(
        f"unknown source {source!r}",
        "give a source id from sources.yaml (e.g. s002), a file name under "
        "texts/, or the path of a text file",
    )


def _inside(root: Path, path: Path, given: str) -> Path:
    if not path.resolve().is_relative_to(root.resolve()):
        raise EvidenceKitError([ERR.PATH_ESCAPES.at(display_path(root), path=given)])
    return path


def locate_quote(root: Path, source: str, quote: str, occurrence: int | None = None) -> str:
    """A YAML snippet with the quote's offsets, prefix and suffix in its source text.

    The quote is normalised to NFC first, as the text is.  Raises
    :class:`EvidenceKitError` when the quote is missing or occurs more than once (unless
    ``occurrence`` picks one).
    """
    found = locate_record(root, source, quote, occurrence)
    return "\n".join(
        [
            f"# {found['file']} line {found['line']}, column {found['column']}",
            f"quote: {_yaml_str(str(found['quote']))}",
            f"char_start: {found['char_start']}",
            f"char_end: {found['char_end']}",
            f"prefix: {_yaml_str(str(found['prefix']))}",
            f"suffix: {_yaml_str(str(found['suffix']))}",
            "",
        ]
    )


def locate_record(
    root: Path, source: str, quote: str, occurrence: int | None = None
) -> dict[str, str | int]:
    """What :func:`locate_quote` prints, as data (``locate --format json``)."""
    name, path = resolve_text(root, source)
    display = display_path(path)
    text = nfc(read_text(path, display))
    quote = nfc(quote)
    spans = locate(text, quote)
    if not spans:
        raise EvidenceKitError([ERR.QUOTE_NOT_FOUND.at(display, actual=quote, source=name)])
    if occurrence is not None:
        if not 1 <= occurrence <= len(spans):
            raise UsageError(
                f"--occurrence {occurrence} is out of range",
                f"the quote occurs {len(spans)} times; pick 1 to {len(spans)}",
            )
        spans = [spans[occurrence - 1]]
    if len(spans) > 1:
        places = "; ".join(_place(text, s) for s in spans)
        raise EvidenceKitError(
            [ERR.QUOTE_AMBIGUOUS.at(display, count=len(spans), source=name, places=places)]
        )
    span = spans[0]
    prefix, suffix = context(text, span)
    line, column = line_column(text, span.start)
    return {
        "file": path.name,
        "line": line,
        "column": column,
        "quote": quote,
        "char_start": span.start,
        "char_end": span.end,
        "prefix": prefix,
        "suffix": suffix,
    }


def _place(text: str, span: Span) -> str:
    line, column = line_column(text, span.start)
    return f"[{span.start}:{span.end}) at line {line}, column {column}"


# characters YAML does not allow raw (C1 controls, U+FFFE ...) or may read as a line break
_YAML_ESCAPE = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]"
)


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar that reads back as ``value``.

    JSON string syntax is valid YAML; on top of it, characters YAML rejects or folds
    (such as U+0085 from mis-decoded web pages) are written as ``\\uXXXX`` escapes.
    """
    return _YAML_ESCAPE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)
    )
