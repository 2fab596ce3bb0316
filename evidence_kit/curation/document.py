"""Curation files: YAML read with the line and column of every key and item.

The loader turns a curator's YAML into plain JSON-compatible data (so the same records
can be checked by pydantic and by the JSON Schema) and keeps the parsed node tree, so a
problem found later at ``assertions[3].quote`` can be reported at its line and column.

>>> doc = parse_yaml("a:\\n  - x: 1\\n", "f.yaml")
>>> doc.data, doc.position(("a", 0, "x"))
({'a': [{'x': 1}]}, (2, 5))
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, NodeEvent
from ruamel.yaml.reader import ReaderError

from evidence_kit.curation.fastyaml import MAX_DEPTH, compose_tree
from evidence_kit.model.errors import (
    ERR,
    ErrorType,
    EvidenceKitError,
    Finding,
    os_error_finding,
)

Loc = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed YAML file: plain data plus the node tree for positions."""

    file: str
    data: Any
    tree: Any

    def position(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, column) of the deepest part of ``loc`` that exists in the file."""
        return node_position(self.tree, loc)


def node_position(node: Any, loc: Loc) -> tuple[int, int]:
    """1-based (line, column) of ``loc`` below ``node``; stops where the path ends."""
    line, col = _own_position(node)
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line, col = node.lc.key(key)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line, col = node.lc.item(key)
            node = node[key]
        else:
            break
    return line + 1, col + 1


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return 0, 0
    return lc.line, lc.col


def plain(node: Any) -> Any:
    """ruamel's round-trip types as plain JSON-compatible Python (dates as ISO strings)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime | dt.date):
        return node.isoformat()
    return str(node)


def utf8_problem(data: bytes) -> tuple[ErrorType, dict[str, Any]] | None:
    """Why ``data`` is not UTF-8 without a BOM: the error type and its line, column and
    reason; None when it is fine."""
    if data.startswith(b"\xef\xbb\xbf"):
        return ERR.BOM, {"line": 1, "column": 1}
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        reason = f"byte 0x{data[exc.start]:02x} at byte offset {exc.start} ({exc.reason})"
        return ERR.NOT_UTF8, {"line": line, "column": column, "reason": reason}
    return None


def read_bytes(path: Path) -> bytes:
    """A file's bytes; an operating-system error (permission, a directory ...) raises a
    located :class:`EvidenceKitError`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EvidenceKitError([os_error_finding(exc, path)]) from None


def read_text(path: Path, display: str) -> str:
    """A UTF-8 file's text; a BOM or bytes that are not UTF-8 raise a located error."""
    data = read_bytes(path)
    problem = utf8_problem(data)
    if problem is not None:
        kind, params = problem
        raise EvidenceKitError([kind.at(display, **params)])
    return data.decode("utf-8")


class _Refused(MarkedYAMLError):
    """A construct the curation files do not allow, with its error type and parameters."""

    def __init__(self, kind: ErrorType, mark: Any, **params: Any):
        super().__init__(problem=kind.name, problem_mark=mark)
        self.kind = kind
        self.params = params


class _StrictComposer(Composer):
    """Refuses aliases (they can expand without bound), explicit tags, deep nesting."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            raise _Refused(ERR.YAML_ALIAS, event.start_mark, actual=f"*{event.anchor}")
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise _Refused(ERR.YAML_ALIAS, event.start_mark, actual=f"&{event.anchor}")
        tag = getattr(event, "ctag", None)
        if tag is not None and str(tag) != "!":
            raise _Refused(ERR.YAML_TAG, event.start_mark, actual=str(tag))
        if self.depth >= MAX_DEPTH:
            raise _Refused(ERR.YAML_TOO_DEEP, event.start_mark, expected=MAX_DEPTH)
        return super().compose_node(parent, index)


class _StrictConstructor(RoundTripConstructor):
    """An impossible date (2025-02-30), or an integer longer than Python converts (4300
    decimal digits), is a located error, not a ValueError."""

    def construct_yaml_int(self, node: Any) -> Any:
        """An integer, refused when its decimal form is longer than Python converts
        (``sys.get_int_max_str_digits()``): a decimal one raises ValueError here, and a
        hexadecimal or octal one would later, wherever it is printed."""
        limit = sys.get_int_max_str_digits()
        try:
            value = super().construct_yaml_int(node)
        except ValueError:
            value = None
        if value is None or (limit and abs(value) >= 10**limit):
            digits = sum(
                c.isalnum() for c in str(node.value).lower().removeprefix("0x").removeprefix("0o")
            )
            raise _Refused(
                ERR.YAML_NUMBER_TOO_LONG, node.start_mark, actual=digits, expected=limit
            ) from None
        return value

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:
            raise _Refused(
                ERR.INVALID_DATE, node.start_mark, actual=node.value, reason=str(exc)
            ) from None


_StrictConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictConstructor.construct_yaml_timestamp
)
_StrictConstructor.add_constructor("tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    yaml.Composer = _StrictComposer
    yaml.Constructor = _StrictConstructor
    return yaml


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_yaml(text: str, display: str) -> Document:
    """Parse YAML 1.2 (duplicate keys are errors) into a :class:`Document`.

    Anchors and aliases, explicit tags, nesting deeper than :data:`MAX_DEPTH`,
    impossible dates, control characters and lone surrogates are refused, each with a
    located finding of its own code.  Ordinary files are composed from libyaml's events
    (:mod:`~evidence_kit.curation.fastyaml`, about twenty times faster); everything
    else, and every error, comes from ruamel's strict parser.
    """
    tree = compose_tree(text)
    if tree is None:
        tree = _strict_tree(text, display)
    bad = _surrogates(tree)
    if bad:
        raise EvidenceKitError(
            [
                ERR.YAML_BAD_ESCAPE.at(display, line=line, column=column, field=field, actual=value)
                for line, column, field, value in bad
            ]
        )
    return Document(file=display, data=plain(tree), tree=tree)


def _strict_tree(text: str, display: str) -> Any:
    """ruamel's round-trip tree of ``text``; every refusal a located finding."""
    try:
        return _yaml().load(text)
    except _Refused as exc:
        raise EvidenceKitError([_marked(exc, exc.kind, display, **exc.params)]) from None
    except DuplicateKeyError as exc:
        raise EvidenceKitError(
            [_marked(exc, ERR.YAML_DUPLICATE_KEY, display, key=_duplicate_key(exc))]
        ) from None
    except MarkedYAMLError as exc:
        reason = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise EvidenceKitError([_marked(exc, ERR.YAML_SYNTAX, display, reason=reason)]) from None
    except ReaderError as exc:
        line, column = _position(text, exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise EvidenceKitError(
            [
                ERR.YAML_CONTROL_CHARACTER.at(
                    display, line=line, column=column, actual=shown, reason=str(exc.reason)
                )
            ]
        ) from None
    except YAMLError as exc:
        raise EvidenceKitError([ERR.YAML_SYNTAX.at(display, reason=str(exc))]) from None
    except RecursionError:
        raise EvidenceKitError(
            [ERR.YAML_TOO_DEEP.at(display, line=1, column=1, expected=MAX_DEPTH)]
        ) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone(value: Any) -> str | None:
    """The lone surrogates of a string, as "U+D800, ..."; None when it has none."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return ", ".join(f"U+{ord(c):04X}" for c in value if 0xD800 <= ord(c) <= 0xDFFF)
    return None


def _surrogates(node: Any, path: str = "") -> list[tuple[int, int, str, str]]:
    """Strings (keys and values) holding a lone surrogate, with their line, column, path."""
    found: list[tuple[int, int, str, str]] = []
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            bad_key = _lone(key)
            shown = bad_key or _lone(value)
            if shown:
                line, col = node.lc.key(key) if bad_key else node.lc.value(key)
                found.append((line + 1, col + 1, sub.encode("utf-8", "replace").decode(), shown))
            if isinstance(value, CommentedMap | CommentedSeq):
                found += _surrogates(value, sub)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            sub = f"{path}[{index}]"
            shown = _lone(value)
            if shown:
                line, col = node.lc.item(index)
                found.append((line + 1, col + 1, sub, shown))
            if isinstance(value, CommentedMap | CommentedSeq):
                found += _surrogates(value, sub)
    return found


def load_yaml(path: Path, display: str) -> Document:
    """Read and parse one curation file."""
    return parse_yaml(read_text(path, display), display)


def _marked(exc: MarkedYAMLError, kind: Any, display: str, **params: Any) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    finding: Finding = kind.at(display, line=line, column=column, **params)
    return finding


def _duplicate_key(exc: DuplicateKeyError) -> str:
    problem = str(exc.problem or "")
    if '"' in problem:
        return problem.split('"')[1]
    return problem
