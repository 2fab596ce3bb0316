"""The fast YAML loader builds ruamel's tree exactly, or steps aside for the strict parser.

Every curation file in the repository must take the fast path and give the same plain
data and the same position for every path as ruamel's round-trip parser; generated
documents (block and flow collections, every scalar style, tricky YAML 1.1/1.2 scalars,
non-ASCII text, comments, and random damage) must either give exactly ruamel's tree or
None, and never a tree for a text ruamel refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from evidence_kit.curation import document
from evidence_kit.curation.document import _yaml, node_position, parse_yaml, plain
from evidence_kit.curation.fastyaml import compose_tree
from evidence_kit.curation.validator import validate
from evidence_kit.model.errors import EvidenceKitError

REPO = Path(__file__).resolve().parent.parent
CURATION_FILES = sorted(
    p.relative_to(REPO).as_posix()
    for root in ("dataset", "tests/data")
    for p in (REPO / root).rglob("*")
    if p.suffix in (".yaml", ".yml")
)


def strict_tree(text: str) -> Any:
    """ruamel's round-trip tree, the way parse_yaml built it before the fast path."""
    return _yaml().load(text)


def paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in a tree, and one past each end (node_position stops there)."""
    found = [path, (*path, "no such key"), (*path, 10**6)]
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            found += paths(value, (*path, key))
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            found += paths(value, (*path, index))
    return found


def layout(node: Any, path: tuple[Any, ...] = ()) -> list[Any]:
    """The tree's line/column data: each collection's own, each key's and item's, and
    each non-null value's (an empty value's column is not read by anything: ruamel puts
    it at the next token, libyaml after the colon)."""
    if isinstance(node, CommentedMap):
        found: list[Any] = [(path, "map", node.lc.line, node.lc.col)]
        for key, value in node.items():
            lc = node.lc.data[key]
            found.append(((*path, key), tuple(lc if value is not None else lc[:2])))
            found += layout(value, (*path, key))
        return found
    if isinstance(node, CommentedSeq):
        found = [(path, "seq", node.lc.line, node.lc.col)]
        for index, value in enumerate(node):
            found.append(((*path, index), tuple(node.lc.data[index])))
            found += layout(value, (*path, index))
        return found
    return []


def assert_same_tree(fast: Any, strict: Any) -> None:
    """Same plain data (types included: repr tells 1, 1.0 and True apart), same
    positions for every path, same line/column data."""
    assert repr(plain(fast)) == repr(plain(strict))
    assert {p: node_position(fast, p) for p in paths(strict)} == {
        p: node_position(strict, p) for p in paths(strict)
    }
    assert layout(fast) == layout(strict)


def assert_agrees_with_ruamel(text: str) -> Any:
    """The fast tree equals ruamel's, or is None; None whenever ruamel refuses."""
    fast = compose_tree(text)
    try:
        strict = strict_tree(text)
    except Exception:  # any refusal of the strict parser: the fast loader must step aside
        assert fast is None, f"fast tree for a text ruamel refuses: {text!r}"
        return None
    if fast is not None:
        assert_same_tree(fast, strict)
    return fast


# --------------------------------------------------------------------- the real files


def test_the_curation_files_are_found() -> None:
    assert len([f for f in CURATION_FILES if f.startswith("dataset/")]) >= 11
    assert any(f.startswith("tests/data/") for f in CURATION_FILES)


@pytest.mark.parametrize("name", CURATION_FILES)
def test_every_curation_file_takes_the_fast_path_with_ruamels_tree(name: str) -> None:
    text = (REPO / name).read_text("utf-8")
    fast = compose_tree(text)
    assert fast is not None, f"{name} fell back to the strict parser"
    assert_same_tree(fast, strict_tree(text))


@pytest.fixture
def strict_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry for each time parse_yaml asks ruamel's strict parser."""
    calls: list[int] = []
    real = document._yaml

    def counted() -> Any:
        calls.append(1)
        return real()

    monkeypatch.setattr(document, "_yaml", counted)
    return calls


def test_validating_the_dataset_never_calls_the_strict_parser(strict_parses: list[int]) -> None:
    report, _ = validate(REPO / "dataset")
    assert report.valid
    assert strict_parses == []  # no fallback: every file was read by the fast loader


def test_parse_yaml_falls_back_to_ruamel(strict_parses: list[int]) -> None:
    assert parse_yaml("a: 0x1F\n", "f.yaml").data == {"a": 31}
    assert strict_parses == [1]
    with pytest.raises(EvidenceKitError) as caught:
        parse_yaml("a: 1\nb: 2025-02-30\n", "f.yaml")
    assert [(f.code, f.line, f.column) for f in caught.value.findings] == [("EK129", 2, 4)]
    assert strict_parses == [1, 1]


# --------------------------------------------------------------------- chosen inputs

TRICKY = [
    *("no", "yes", "on", "off", "y", "n", "~", "null", "Null", "NULL", "nUll", "True", "true"),
    *("TRUE", "tRue", "False", "1e3", "1E3", "1.", ".5", "-.5", "+.5", "1.5e-3", "-0", "+1"),
    *("-0.0", "0", "0123", "0o17", "0x1F", "0b101", "1_000", "1_0.5", ".inf", "-.inf", ".nan"),
    *(".NaN", "2025-02-30", "2025-02-28", "2025-2-28", "2025-02-28T10:00:00", "12:30"),
    *("2025-02-28 10:00:00", "1:20:30", "<<", "=", "0.", "00", "-", "+", ".", "1e", "e3"),
    *("0x", "9" * 30, "1" + "0" * 400 + ".5", "1e400"),
]
FALLS_BACK = {
    *("0o17", "0x1F", "0b101", "1_000", "1_0.5", ".inf", "-.inf", ".nan", ".NaN", "0123"),
    *("2025-02-30", "2025-02-28T10:00:00", "2025-02-28 10:00:00", "<<", "=", "00"),
}


@pytest.mark.parametrize("scalar", TRICKY)
def test_a_tricky_plain_value_is_ruamels_or_falls_back(scalar: str) -> None:
    text = f"k: {scalar}\nlist:\n  - {scalar}\n"
    fast = assert_agrees_with_ruamel(text)
    if scalar not in ("-", "<<"):  # YAML that ruamel refuses, or reads as a merge
        assert (fast is None) == (scalar in FALLS_BACK), text


@pytest.mark.parametrize("scalar", TRICKY)
def test_a_tricky_key_is_a_string_or_falls_back(scalar: str) -> None:
    assert_agrees_with_ruamel(f"{scalar}: v\n")
    assert_agrees_with_ruamel(f"'{scalar}': v\n\"{scalar}\": w\n")


def test_yaml_1_1_booleans_stay_strings_and_dates_become_iso_strings() -> None:
    doc = parse_yaml("a: yes\nb: on\nc: 2025-02-28\nd: 1e3\ne: ~\n", "f.yaml")
    assert doc.data == {"a": "yes", "b": "on", "c": "2025-02-28", "d": 1000.0, "e": None}


@pytest.mark.parametrize(
    "text",
    [
        *("a: &x 1\nb: *x\n", "a: !!str 12\n", "a: ! 12\n", "a: &x\n", "- *x\n"),
        *("%YAML 1.2\n---\na: 1\n", "---\na: 1\n", "a: 1\n...\n", "a: 1\n---\nb: 2\n"),
        *("a: 1\na: 2\n", "a: 1\n'a': 2\n", "? [a]\n: 1\n", "{a: 1}: 2\n", "1: a\n", ": a\n"),
        *("a: 1\r\nb: 2\r\n", "a: x\x07y\n", "a: x\u2028y\n", "\ufeffa: 1\n", "a:\tb\n"),
        *('a: "\\ud800"\n', "a: 1\n b: 2\n", "plain scalar\n", "", "# only a comment\n"),
        *("a: " + "[" * 70 + "]" * 70 + "\n", "<<: {a: 1}\n", 'a: ["x":1]\n', "a: [x: 1]\n"),
        *("a: " + "9" * 5000 + "\n", "a: {x: [y: z]}\n", "a: 'x' # c\n  b: 1\n"),
        *("a: |#\n  x\n", "a: >-#x\n  y\n", "a: |-#\n\nb: 1\n", "a: |0\n  x\n", "a: |+-\n  x\n"),
        *("a: |+\n   \n\n    x\n", "a: |\n\n     \n  x\n", "a: >\n     \n  x\n", "a: |\n   "),
    ],
)
def test_unusual_input_falls_back(text: str) -> None:
    assert compose_tree(text) is None
    assert_agrees_with_ruamel(text)


EDGE_CASES = [
    # layout: no final newline, white space, blank lines, comments, explicit keys
    *("a: 1", "a: 1   \n", "a : 1\n", "\n\n\na: 1\n", "a:\n\n\n  b: 1\n", "a: 1\n# end"),
    *("? a\n: 1\n", "- ? a\n  : 1\n", "a:    # c\n  - 1\n", "a:\n  # c\n  - 1\n"),
    *("a:\n# c\n  b: 1\n", "- # c\n  a: 1\n", "-\n  a: 1\n", "-   a: 1\n    b: 2\n"),
    *("a:\n  - b: 1\n    # c\n    c: 2\n", "a:\n  -  b: 1\n     c: 2\n", "a: x # c\n  y\n"),
    # multi-line plain and quoted scalars
    *("a: one\n  two\n\n  three\n", 'a: "one\n  two\\\n  three"\n', "a: 'one\n\n  two'\n"),
    *("a: x  \n  y  \n", 'a: "\\\n  x"\n', "a: 'x\n\n\n  y'\n", "- a\n- b\n  c\n"),
    *("a: 'it''s'\n", 'a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\/\\e\\0\\a\\b\\ "\n'),
    *("a:     spaced\n", 'a: "  lead"\n', "a: '\\'\n", 'a: "\\\\"\n', "a: 'x'  \n"),
    # block scalars: indentation indicators, chomping, blank and more-indented lines
    *("a: |\n\n   x\n  y\n", "a: >\n  x\n\n   y\n  z\n", "a: |\n  x", "a: |+\n  x\n\n\nb: 1\n"),
    *("a: |\n  x\n # c\nb: 1\n", "a: |2\n   x\n  y\n", "a: >-\n\n  x\n\n", "a: |-\n  x\n\n\n"),
    *("a: >\n  x  \n  y\n", "a: >\n\n\n  x\n", "a: |\n  \n  x\n", "a: |\n   \n  x\n"),
    *("a: >\n  x\n\n  # not a comment\n", "a: >+\n  x\n\n", "a: |  # c\n  x\n", "--- |\n  x\n"),
    # flow collections
    *("a: [x,\n  y]\n", "a: {x, y: }\n", "a: []\nb: {}\n", "a: [x:y]\n", "a: {x:1}\n"),
    *('a: {"x":1}\n', "a: [\n]\n", "a: [a, [b, [c, {d: e}]]]\n", "a: [a, b,]\n", "a: [,]\n"),
    *("a: {b: [c, {d: [e]}]}\n", "a: {a: b,}\n", "[a, b]\n", "{a: b}\n", "- [a, b]: c\n"),
    # nesting and empty items
    *("a:\n  - b\n  -\n  - c\n", "- - - x\n    - y\n  - z\n", "- a: 1\n  b:\n  - x\n  - y\n"),
    *("a:\n b:\n  c:\n   d: 1\n", "a:\n- 1\n- 2\nb: 3\n", "a:\n    - b\n  c: d\n", "a: b: c\n"),
    # scalars and keys
    *("a: 12e03\nb: -1.5E+3\nc: +.5\n", "a: 1e400\nb: -1e400\nc: 0.1e-400\n", "a: 007\n"),
    *("a: -0\nb: +0\nc: 0\n", "a: 1__0\nb: _1\nc: 1_\nd: 0b\n", "'null': 1\n'': 2\n"),
    *("a: null\nb: Null\nc: NULL\nd: ~\ne:\n", "null: 1\n", "a: 2025-02-28 \n", "a: %x\n"),
    *("k" * 1100 + ": 1\n", "'" + "k" * 1100 + "': 1\n", "a: x\u00a0y\n", "a:\u00a0b\n"),
    *("a: 😀😀 x\nb: [😀, '😀']\n😀: 1\n", "a: 1\n\u3000b: 2\n", "a: x\u0301\n", "a: - b\n"),
    *("a: [x\n  y]\n", "a: # c\n  b\n", "a:\n  # c\n  b\n", "a: ?x\n", "a: :x\n", "- :x\n"),
    *("a: [?x, :x]\n", "a: x:\n", "a: {?x: 1}\n", "a: [-x, - x]\n", "- 'a'\n  # c\n- b\n"),
    *('a: "x\n---\n  y"\n', "a: 'x\n... y'\n", 'a: "x\n ---"\n', "---x: 1\n", "a: [x:y, {x:1}]\n"),
    *("a: [http://x]\n", "a: [x::]\n", "a: {x:}\n", "a: [x, :y]\n", 'a: {"x":y}\n'),
    *("a: |2-\n   x\n", "a: >+1  # c\n  x\n", "a: |\n", "a: >", "a: x\n  # c?\n  y\n"),
    *("a: 1 # c\n# d\n\n", "a: |\n  x\n\n\n# c\n", "a: >\n\n  x\n  \n", 'a: "x\\\n\n  y"\n'),
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_give_ruamels_tree_or_none(text: str) -> None:
    assert_agrees_with_ruamel(text)


def test_most_edge_cases_are_read_fast() -> None:
    assert sum(compose_tree(text) is not None for text in EDGE_CASES) >= 60


def test_nesting_just_below_the_limit_is_read_fast() -> None:
    depth = document.MAX_DEPTH - 3
    text = "a: " + "[" * depth + "1" + "]" * depth + "\n"
    assert assert_agrees_with_ruamel(text) is not None


def test_columns_count_code_points_after_non_ascii_text() -> None:
    text = "滚针: {越南: [lăn kim, 😀 x, 'y']}\n😀😀: [1, {ä: 2}]\nz: |\n  滚针\n"
    fast = assert_agrees_with_ruamel(text)
    assert fast is not None
    assert node_position(fast, ("滚针", "越南", 2)) == (1, 25)
    assert node_position(fast, ("😀😀", 1, "ä")) == (2, 10)


# --------------------------------------------------------------------- generated documents

ORDINARY_WORDS = [
    *(w for w in TRICKY if w not in FALLS_BACK and w not in ("-", "<<")),
    *("claim", "a b", "lăn kim", "滚针 可以", "Mikronål", "😀", "é", "x'y", 'x"y', "a  b"),
]
# plain scalars: most are valid in any block, one in six is not; flow needs fewer indicators
PLAIN = st.sampled_from(
    [*ORDINARY_WORDS, *("x:y", "a#b", "x?", "x\\y", "-x", "x - y", "1 2", "a !b &c *d")]
)
RISKY_PLAIN = st.sampled_from(
    [
        *("a #b", "?x", "x,y", "x]", "x}", "@x", "`x", "\u00a0x", "\t", ": x", "- x", "| x"),
        *("> x", "#", "[x]", "{x}", "*x", "&x", "!x", "x:", "a\n b", "'x", '"x', "a: b c", "%x"),
    ]
)
WORDS = st.integers(0, 5).flatmap(lambda i: RISKY_PLAIN if i == 0 else PLAIN)
# printable text (control characters and other unusual text come from DAMAGE below)
CHARACTERS = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp"),
        exclude_characters="\ufeff",
    ),
    max_size=12,
)
NAMES = st.sampled_from(["claim_id", "quote", "note", "k", "滚针", "lăn_kim", "x y", "a-b"])
SAFE_ESCAPES = ["\\n", "\\t", '\\"', "\\\\", "\\/", "\\u00e9", "\\x41", "\\U0001F600", "\\N"]
SAFE_ESCAPES += ["\\_", "\\L", "\\P", "\\e", "\\0", "\\a", "\\ ", "\\\n  "]
COMMENT = st.sampled_from(["", "", "", "", "  # note", " #x", " # 滚针"])
DAMAGE = st.sampled_from(
    [
        *("\t", " ", "  ", "\n", ":", "- ", "#", "&a ", "*a", "!t ", "---\n", "...\n", "? "),
        *("%YAML 1.2\n", "'", '"', "[", "]", "{", "}", ",", "|", ">", "\r\n", "\x07"),
        *("\u2028", "\x85", "\ufeff", "a: 1\n", "<<: ", "\\"),
    ]
)


@dataclass(frozen=True)
class Grammar:
    """What the document generator may draw: ``ANY`` mixes in YAML ruamel refuses and
    scalars left to it; ``ORDINARY`` writes only what curators write, all of it valid."""

    plain: st.SearchStrategy[str]
    flow_plain: st.SearchStrategy[str]
    text: st.SearchStrategy[str]
    escapes: st.SearchStrategy[str]
    headers: st.SearchStrategy[str]
    keys: st.SearchStrategy[str]
    loose: bool  # keys from any scalar, same-column nested maps, multi-line flows

    def single_quoted(self) -> st.SearchStrategy[str]:
        return self.text.map(lambda t: "'" + t.replace("'", "''") + "'")

    def double_quoted(self) -> st.SearchStrategy[str]:
        text = self.text.map(lambda t: t.replace("\\", "/").replace('"', "'"))
        return st.lists(text | self.escapes, max_size=4).map(lambda xs: '"' + "".join(xs) + '"')


ANY = Grammar(
    plain=WORDS,
    flow_plain=WORDS,
    text=CHARACTERS | st.lists(WORDS, min_size=1, max_size=4).map(" ".join),
    escapes=st.sampled_from([*SAFE_ESCAPES, "\\z", "\\ud800", "\\x4"]),
    headers=st.sampled_from(["|", ">", "|-", ">-", "|+", ">+", "|2", ">1-", "|-2"]),
    keys=NAMES | WORDS,
    loose=True,
)
ORDINARY = Grammar(
    plain=PLAIN,
    flow_plain=st.sampled_from(ORDINARY_WORDS),
    text=CHARACTERS | st.lists(PLAIN, min_size=1, max_size=4).map(" ".join),
    escapes=st.sampled_from(SAFE_ESCAPES),
    headers=st.sampled_from(["|", ">", "|-", ">-", "|+", ">+"]),
    keys=NAMES,
    loose=False,
)


@st.composite
def block_scalar(draw: st.DrawFn, grammar: Grammar, indent: int) -> str:
    """A literal or folded scalar (header, lines, blank lines), ending in a newline."""
    pad = " " * (indent + draw(st.integers(1, 3)))
    odd = ["", " more indented"]
    first = draw(grammar.plain)
    if grammar.loose:  # a more indented first line, lines of spaces
        odd += [" ", "    "]
        first = draw(st.sampled_from([first, *odd[1:]]))
    more = draw(st.lists(st.sampled_from(odd) | grammar.plain, max_size=3))
    body = "".join(f"{pad}{line}\n" if line else "\n" for line in [first, *more])
    return draw(grammar.headers) + draw(COMMENT) + "\n" + body


def scalar(grammar: Grammar, indent: int) -> st.SearchStrategy[str]:
    return st.one_of(
        grammar.plain,
        grammar.single_quoted(),
        grammar.double_quoted(),
        block_scalar(grammar, indent),
        st.just(""),
    )


def flow(grammar: Grammar, depth: int) -> st.SearchStrategy[str]:
    """A flow sequence or mapping nested up to ``depth`` more levels."""
    inner = grammar.flow_plain | grammar.single_quoted() | grammar.double_quoted()
    if depth > 0:
        inner = inner | st.deferred(lambda: flow(grammar, depth - 1))
    keys = inner if grammar.loose else grammar.keys
    sep = st.sampled_from([", ", ",", " , ", ",\n  ", ",\n"] if grammar.loose else [", ", ","])
    seqs = st.lists(st.tuples(inner, sep), max_size=4).map(
        lambda xs: "[" + "".join(x + s for x, s in xs)[: -len(xs[-1][1]) if xs else None] + "]"
    )
    maps = st.lists(st.tuples(keys, inner), max_size=3, unique_by=lambda kv: kv[0]).map(
        lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
    )
    return seqs | maps


@st.composite
def block(draw: st.DrawFn, grammar: Grammar, indent: int = 0, depth: int = 3) -> str:
    """A block mapping or sequence at ``indent`` spaces, as text ending in a newline."""
    pad = " " * indent
    lines: list[str] = []
    is_map = draw(st.booleans())
    for entry in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(st.sampled_from(["\n", f"{pad}# comment\n", "# at zero\n"])))
        key = draw(grammar.keys)
        if not grammar.loose or draw(st.booleans()):
            key = f"{key}{entry}"  # unique in its mapping
        lead = f"{pad}{key}:" if is_map else f"{pad}-"
        choice = draw(st.integers(0, 5 if depth > 0 else 2))
        if choice <= 1:
            value = draw(scalar(grammar, indent))
            end = "" if value.endswith("\n") else draw(COMMENT) + "\n"
            lines.append(f"{lead} {value}{end}")
        elif choice == 2:
            lines.append(f"{lead} {draw(flow(grammar, 2))}{draw(COMMENT)}\n")
        elif choice <= 4 or is_map:  # a nested block on the following lines
            step = draw(st.integers(0 if grammar.loose else 1, 3))
            lines.append(
                f"{lead}{draw(COMMENT)}\n" + draw(block(grammar, indent + step, depth - 1))
            )
        else:  # compact, `- a: 1` or `- - x`: the nested block starts on the dash's line
            nested = draw(block(grammar, indent + 2, depth - 1))
            if nested.startswith(pad + "  "):
                lines.append(f"{lead} {nested[indent + 2 :]}")
            else:
                lines.append(f"{lead}\n{nested}")
    return "".join(lines)


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """``text`` with up to two insertions (from DAMAGE) or deletions of 1-3 characters."""
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(DAMAGE) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
    return text


CURATED_LINES = [
    (REPO / name).read_text("utf-8").splitlines(keepends=True) for name in CURATION_FILES
]


@st.composite
def curated_window(draw: st.DrawFn) -> str:
    """Up to 40 consecutive lines of a real curation file (multi-line plain and quoted
    scalars, folded notes, the curators' layout)."""
    lines = draw(st.sampled_from(CURATED_LINES))
    start = draw(st.integers(0, len(lines) - 1))
    return "".join(lines[start : start + draw(st.integers(1, 40))])


DOCUMENTS = (block(ANY) | block(ORDINARY) | curated_window()).flatmap(
    lambda t: st.just(t) | damaged(t)
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
@example("a:\n- x\n-\n- - y\n  - z\nb:\n  c: |+\n    kept\n\n  d: >\n    folded\n     more\n")
@example("k:  # empty\nl:\n\n# gap\nm: [a, {b: c}, 'd''e', \"\\u00e9\\n\"]\n")
def test_generated_documents_give_ruamels_tree_or_none(text: str) -> None:
    assert_agrees_with_ruamel(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(block(ORDINARY))
def test_ordinary_documents_take_the_fast_path(text: str) -> None:
    """What curators write (string keys, every scalar style, comments, flow and block
    collections, non-ASCII text) is read fast, so the property above is not vacuous."""
    assert assert_agrees_with_ruamel(text) is not None, text
