"""Curation YAML read fast: libyaml's events composed into ruamel's round-trip tree.

ruamel.yaml's pure-Python round-trip parser is the single judge of what a curation file
may hold and of every error message, but it needs about a second for the dataset's
files (issue #12).  libyaml (PyYAML's C parser) produces the same parse events in a
fiftieth of that.  :func:`compose_tree` composes those events into the tree ruamel would
build (``CommentedMap``/``CommentedSeq`` whose ``.lc`` holds the same 0-based lines and
columns) for the ordinary files curators write, and returns None, "ask the strict
parser", for anything else:

- any libyaml error; anchors, aliases, explicit tags, directives, ``---``/``...``, more
  or less than one document, a scalar at the top;
- characters ruamel's reader refuses, tabs, line breaks other than ``\\n``, a BOM;
- nesting within two levels of :data:`MAX_DEPTH`; duplicate keys, keys that are not
  strings, ``[a: 1]`` pairs in flow sequences, block scalar headers like ``|#``;
- every plain scalar not constructed exactly as ruamel's YAML 1.2 round-trip constructor
  does: only strings, null, booleans, decimal ints without leading zeros or ``_``,
  floats of digits, point and exponent, and valid dates are built here; hex and octal
  ints, ``1_000``, ``.inf``/``.nan``, datetimes, impossible dates, ``<<`` and ``=`` are not.

A None costs only the time already spent; the caller then parses with ruamel, which
reports the error (or builds the tree) exactly as before.

Every key's, item's and collection's position and every non-empty value's is ruamel's;
an empty value's own column (``lc.value`` of a null) is not: ruamel puts it at the next
token, libyaml after the colon, and nothing reads it (positions are reported at keys and
items, and only strings can hold a bad escape).  Values are ruamel's, except that its
``str`` and ``float`` subclasses (``LiteralScalarString``, ``FoldedScalarString``,
``ScalarFloat``) are plain ``str`` and ``float`` here: equal, and ``plain()`` alike.

>>> tree = compose_tree("a:\\n  - x: 1\\n    when: 2025-02-28\\n  - on\\n")
>>> tree, tree["a"].lc.item(1), tree["a"][0].lc.key("when")
({'a': [{'x': 1, 'when': datetime.date(2025, 2, 28)}, 'on']}, (3, 4), (2, 4))
>>> compose_tree("a: 0x1F\\n") is None, compose_tree("a: 2025-02-30\\n") is None
(True, True)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting a curation file may have (they need about five levels): the strict
parser refuses deeper nodes, and this module leaves collections near it to that parser."""

_UNUSUAL_TEXT = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
"""Left to the strict parser: tabs (the two parsers disagree on where white space may be
one: ruamel refuses ``- a\\t# note``, libyaml does not), line breaks other than ``\\n``
(their marks count them differently) and a byte-order mark."""

_BLOCK_HEADER = re.compile(r"[|>](?:[-+]?[1-9]?|[1-9][-+])(?: +#[^\n]*| *)(?:\n|\Z)(\n*)( *)")
"""A literal or folded scalar's header line as both parsers read it alike (libyaml, but
not ruamel, takes ``|#`` as a header and a comment), then its leading empty lines."""
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_SIMPLE_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")

_UNHANDLED = object()
"""A scalar this module does not construct exactly as ruamel does."""
_NO_KEY = object()
"""A mapping waiting for its next key."""


def compose_tree(text: str) -> Any | None:
    """ruamel's round-trip tree of ``text`` (a mapping or sequence at the top), built
    from libyaml's events; None when the strict parser must read the text."""
    from ruamel.yaml.reader import Reader

    if _UNUSUAL_TEXT.search(text) or Reader.NON_PRINTABLE.search(text):
        return None  # the second: characters ruamel's reader refuses
    import yaml

    if not yaml.__with_libyaml__:
        return None  # PyYAML built without libyaml: nothing to gain
    try:
        return _compose(text, yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return None


def _compose(text: str, events: Any) -> Any | None:
    """The tree of one implicit document's events; None on anything unusual."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )

    construct = _scalar_constructor()
    root: Any = None
    documents = 0
    # one frame per open collection: [collection, is_map, key or _NO_KEY, key's mark]
    stack: list[list[Any]] = []
    for event in events:
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                return None
            if event.style in ("|", ">") and not _ordinary_block_start(text, event.start_mark):
                return None
            value = construct(event.value, event.style)
            if value is _UNHANDLED:
                return None
            node: Any = value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 2:
                return None
            if event.flow_style and text[event.start_mark.index] not in "[{":
                return None  # `[a: 1]`, a pair in a flow sequence: ruamel refuses `["a":1]`
            node = CommentedMap() if kind is MappingStartEvent else CommentedSeq()
            node._yaml_set_line_col(event.start_mark.line, event.start_mark.column)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            continue
        elif kind is DocumentStartEvent:
            documents += 1
            if event.explicit or event.version or event.tags or documents > 1:
                return None
            continue
        elif kind is DocumentEndEvent:
            if event.explicit:
                return None
            continue
        elif kind is StreamStartEvent or kind is StreamEndEvent:
            continue
        else:  # an alias
            return None
        mark = event.start_mark
        if not stack:
            if not isinstance(node, CommentedMap | CommentedSeq):
                return None
            root = node
        else:
            frame = stack[-1]
            parent = frame[0]
            if not frame[1]:
                parent._yaml_set_idx_line_col(len(parent), [mark.line, mark.column])
                parent.append(node)
            elif frame[2] is _NO_KEY:
                if type(node) is not str or node in parent:  # duplicate or non-string key
                    return None
                frame[2], frame[3] = node, mark
            else:
                key, key_mark = frame[2], frame[3]
                parent._yaml_set_kv_line_col(
                    key, [key_mark.line, key_mark.column, mark.line, mark.column]
                )
                parent[key] = node
                frame[2] = _NO_KEY
        if kind is MappingStartEvent:
            stack.append([node, True, _NO_KEY, None])
        elif kind is SequenceStartEvent:
            stack.append([node, False, None, None])
    return root


def _ordinary_block_start(text: str, mark: Any) -> bool:
    """Whether a literal or folded scalar starts as both parsers read it alike: a plain
    header, and no line of spaces before its first line of text (ruamel refuses some
    that libyaml reads: "more indented follow up line than first")."""
    match = _BLOCK_HEADER.match(text, mark.index)
    if match is None:
        return False
    after = match.end()  # after the first line's spaces, past the empty lines
    return not match[2] or text[after : after + 1] not in ("", "\n")


def _scalar_constructor() -> Any:
    """A function of a scalar's text and style giving the value ruamel's round-trip
    constructor would (YAML 1.2), or :data:`_UNHANDLED`."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    resolver = VersionedResolver(version=(1, 2))
    # ruamel picks the implicit resolvers by a plain scalar's first character (None: for
    # any character); a scalar starting with none of them is a string
    table = resolver.versioned_resolver
    firsts = None if None in table else frozenset(table)
    plain_implicit = (True, False)
    tags: dict[str, str] = {}

    def construct(value: str, style: str) -> Any:
        if style:
            return value  # quoted and block scalars are strings ("" is plain)
        if firsts is not None and value and value[0] not in firsts:
            return value
        tag = tags.get(value)
        if tag is None:
            tag = str(resolver.resolve(ScalarNode, value, plain_implicit))
            tags[value] = tag
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            return _int(value)
        if tag == "tag:yaml.org,2002:float":
            return _float(value)
        if tag == "tag:yaml.org,2002:timestamp":
            return _date(value)
        return _UNHANDLED

    return construct


def _int(value: str) -> Any:
    """A decimal integer without leading zeros or underscores; one longer than Python's
    digit limit (where ruamel raises) is left to ruamel."""
    if not _DECIMAL_INT.match(value):
        return _UNHANDLED
    try:
        return int(value)
    except ValueError:
        return _UNHANDLED


def _float(value: str) -> Any:
    """A float written with digits, a point and an exponent, computed as ruamel does."""
    if not _SIMPLE_FLOAT.match(value):
        return _UNHANDLED
    text = value.lower()
    sign = -1 if text[0] == "-" else 1
    if text[0] in "+-":
        text = text[1:]
    return sign * float(text)


def _date(value: str) -> Any:
    """A date-only timestamp; an impossible date is left to the strict parser's error."""
    match = _DATE.match(value)
    if match is None:
        return _UNHANDLED
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return _UNHANDLED
