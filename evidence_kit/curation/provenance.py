"""Provenance: source texts, their hashes, and quotes re-found at their offsets.

Offsets count Unicode code points of the NFC text (Python ``str`` indices), end
exclusive, like W3C Web Annotation's TextPositionSelector; ``prefix``/``suffix`` are the
TextQuoteSelector context.  Hashes are sha256 of the text file's bytes.

>>> text = "Huden plumpar och förtorkar"
>>> locate(text, "plumpar")
[Span(start=6, end=13)]
>>> context(text, Span(6, 13), width=4)
('den ', ' och')
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple

from evidence_kit.curation.document import utf8_problem
from evidence_kit.curation.loader import display_path
from evidence_kit.model.errors import ERR, ErrorType, os_error_kind
from evidence_kit.model.fields import CONTEXT_LENGTH


class Span(NamedTuple):
    """Half-open range of code points ``[start, end)``."""

    start: int
    end: int


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of raw bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_nfc(text: str) -> bool:
    """True if ``text`` is already in Unicode Normalization Form C."""
    return unicodedata.is_normalized("NFC", text)


def nfc(text: str) -> str:
    """``text`` in Unicode Normalization Form C."""
    return unicodedata.normalize("NFC", text)


def locate(text: str, quote: str) -> list[Span]:
    """Every place ``quote`` occurs in ``text`` (overlapping ones too), in order."""
    spans: list[Span] = []
    if not quote:
        return spans
    start = text.find(quote)
    while start != -1:
        spans.append(Span(start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


def context(text: str, span: Span, width: int = CONTEXT_LENGTH) -> tuple[str, str]:
    """The ``prefix`` and ``suffix`` stored with a quote at ``span``."""
    return text[max(0, span.start - width) : span.start], text[span.end : span.end + width]


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset, to show curators where a quote is."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class QuoteProblem(NamedTuple):
    """One way a quote fails its source text: the error type, the field and its parameters."""

    kind: ErrorType
    field: str
    params: dict[str, Any]


def quote_problems(
    text: str, quote: str, start: int, end: int, prefix: str, suffix: str, source: str
) -> list[QuoteProblem]:
    """Why a quote is not the source text at ``[start:end)`` with its stored context.

    The one definition of the quote check, shared by the curated validator and the
    published-table checks: the quote must be NFC, lie within the text, equal
    ``text[start:end]``, and its prefix and suffix must equal the text around it.

    >>> [p.kind.name for p in quote_problems("abc def", "def", 4, 7, "abc ", "", "s000")]
    []
    >>> [p.kind.name for p in quote_problems("abc def", "deg", 4, 7, "abc ", "", "s000")]
    ['quote-mismatch']
    """
    params: dict[str, Any] = {"source": source, "start": start, "end": end, "length": len(text)}
    if not is_nfc(quote):
        return [QuoteProblem(ERR.QUOTE_NOT_NFC, "quote", params)]
    if end > len(text):
        past = {**params, "expected": f"<= {len(text)}", "actual": end}
        return [QuoteProblem(ERR.QUOTE_OFFSETS_PAST_END, "char_end", past)]
    found = text[start:end]
    if found != quote:
        places = locate(text, quote)
        hint = (
            f"; the quote occurs at {', '.join(f'[{s.start}:{s.end})' for s in places)}"
            if places
            else "; the quote does not occur anywhere in the text"
        )
        mismatch = {**params, "hint": hint, "expected": found, "actual": quote}
        return [QuoteProblem(ERR.QUOTE_MISMATCH, "quote", mismatch)]
    problems = []
    want_prefix, want_suffix = context(text, Span(start, end))
    for name, want, got in (("prefix", want_prefix, prefix), ("suffix", want_suffix, suffix)):
        if want != got:
            problems.append(
                QuoteProblem(
                    ERR.CONTEXT_MISMATCH, name, {**params, "expected": want, "actual": got}
                )
            )
    if quote != quote.strip():
        problems.append(QuoteProblem(ERR.QUOTE_WHITESPACE, "quote", params))
    return problems


class TextProblem(NamedTuple):
    """One way a source's text fails its record.  ``in_text`` problems (encoding, NFC) lie
    in the text file itself, and their params carry a ``path`` (and line and column where
    known) to locate them there."""

    kind: ErrorType
    field: str
    params: dict[str, Any]
    in_text: bool = False


def check_source_text(
    base: Path, text_path: str, source_file: str, sha256: str, root: Path | None = None
) -> tuple[list[TextProblem], str | None]:
    """The problems of a source's text, and the text when it can be used for quotes.

    The one definition of the source-text check, shared by the curated validator and the
    published-table checks: the path stays inside ``base``, is named ``source_file``,
    exists, has the recorded sha256, is UTF-8 without BOM and is NFC.  ``root`` is
    ``base`` resolved, passed by callers that check many texts under the same directory.
    """
    root = base.resolve() if root is None else root
    try:
        path = (root / text_path).resolve()
        path.is_file()  # a name the system refuses (too long ...) raises here, once
    except (ValueError, OSError) as exc:  # e.g. an embedded NUL byte
        shown = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        reason = {"path": text_path, "reason": shown}
        return [TextProblem(ERR.INVALID_PATH, "text_path", reason)], None
    if not path.is_relative_to(root):
        return [TextProblem(ERR.PATH_ESCAPES, "text_path", {"path": text_path})], None
    problems = []
    if path.name != source_file:
        names = {"expected": path.name, "actual": source_file}
        problems.append(TextProblem(ERR.SOURCE_FILE_NAME, "source_file", names))
    if not path.is_file():
        shown = display_path(path)
        return [*problems, TextProblem(ERR.FILE_MISSING, "text_path", {"path": shown})], None
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = {"path": display_path(path), "reason": exc.strerror or str(exc)}
        return [*problems, TextProblem(os_error_kind(exc), "text_path", reason)], None
    digest = sha256_bytes(data)
    if digest != sha256:
        hashes = {"path": display_path(path), "expected": sha256, "actual": digest}
        return [*problems, TextProblem(ERR.HASH_MISMATCH, "sha256", hashes)], None
    encoding = utf8_problem(data)
    if encoding is not None:
        kind, where = encoding
        located = {"path": display_path(path), **where}
        return [*problems, TextProblem(kind, "text_path", located, True)], None
    text = data.decode("utf-8")
    if not is_nfc(text):
        shown = display_path(path)
        return [*problems, TextProblem(ERR.TEXT_NOT_NFC, "text_path", {"path": shown}, True)], None
    return problems, text
