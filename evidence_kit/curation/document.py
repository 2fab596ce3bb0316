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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from evidence_kit.model.errors import ERR, ErrorType, EvidenceKitError, Finding

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


def read_text(path: Path, display: str) -> str:
    """A UTF-8 file's text; a BOM or bytes that are not UTF-8 raise a located error."""
    data = path.read_bytes()
    problem = utf8_problem(data)
    if problem is not None:
        kind, params = problem
        raise EvidenceKitError([kind.at(display, **params)])
    return data.decode("utf-8")


def parse_yaml(text: str, display: str) -> Document:
    """Parse YAML 1.2 (duplicate keys are errors) into a :class:`Document`."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except DuplicateKeyError as exc:
        raise EvidenceKitError(
            [_marked(exc, ERR.YAML_DUPLICATE_KEY, display, key=_duplicate_key(exc))]
        ) from None
    except MarkedYAMLError as exc:
        reason = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise EvidenceKitError([_marked(exc, ERR.YAML_SYNTAX, display, reason=reason)]) from None
    except YAMLError as exc:
        raise EvidenceKitError([ERR.YAML_SYNTAX.at(display, reason=str(exc))]) from None
    return Document(file=display, data=plain(tree), tree=tree)


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
