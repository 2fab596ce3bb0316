"""The evidence browser: a static, self-contained HTML site over a curated dataset.

``evidence-kit browse DATASET_DIR --out DIR`` writes:

* ``index.html`` -- every claim, filterable by kind, certainty, language and source flag
  (plain inline JavaScript), the sources with their quality flags, and the evidence map;
* ``sources/<source_id>.html`` -- the source text with every assertion's quote
  highlighted at its offsets; selecting a highlight shows the assertions covering it;
* ``claims/<claim_id>.html`` -- a claim with its assertions across languages, its
  qualifiers and its derived certainty with the rationale;
* ``evidence-map.svg`` and ``.png`` (:mod:`evidence_kit.publishing.evidencemap`).

Every page carries its CSS and JavaScript inline and links only to the other pages by
relative paths, so the site works from ``file://`` and offline.  Pages are rendered with
Jinja2 templates (``evidence_kit/publishing/templates``, autoescaped).

Offsets are code points of the NFC text, which are Python ``str`` indices; overlapping
quotes are handled by :func:`segment`, which splits the text at every span boundary:

>>> [(s.text, s.ids) for s in segment("abcdef", [("x", 1, 4), ("y", 2, 6)])]
[('a', ()), ('b', ('x',)), ('cd', ('x', 'y')), ('ef', ('y',))]
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from evidence_kit.curation.certainty import LEVELS, Assessment, assess
from evidence_kit.curation.validator import Dataset
from evidence_kit.model.claims import ClaimBase
from evidence_kit.model.fields import references
from evidence_kit.model.records import Assertion, Source
from evidence_kit.model.vocabulary import (
    ATTRIBUTIONS,
    CERTAINTY_LEVELS,
    CLAIM_KINDS,
    ECO_CODES,
    FREQUENCIES,
    QUALITY_FLAGS,
    STATEMENT_MODES,
    SUPPORT_TYPES,
)
from evidence_kit.publishing.evidencemap import (
    MapFiles,
    intervention_label,
    object_label,
    write_evidence_map,
)

# --------------------------------------------------------------------------- segmentation


@dataclass(frozen=True)
class Segment:
    """A run ``[start, end)`` of the text covered by exactly the spans ``ids``."""

    start: int
    end: int
    text: str
    ids: tuple[str, ...]


def segment(text: str, spans: Iterable[tuple[str, int, int]]) -> list[Segment]:
    """Split ``text`` at every span boundary; each piece names the spans covering it.

    ``spans`` are ``(id, start, end)`` in code points, end exclusive.  The segments
    cover the whole text in order (their texts concatenate to ``text``), and the
    segments naming one id concatenate to that span's text.  Ids come out sorted.
    """
    spans = list(spans)
    for span_id, start, end in spans:
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span {span_id} [{start}, {end}) is outside the text")
    bounds = sorted({0, len(text)} | {s for _, s, _ in spans} | {e for _, _, e in spans})
    starts: dict[int, list[str]] = defaultdict(list)
    ends: dict[int, list[str]] = defaultdict(list)
    for span_id, start, end in spans:
        starts[start].append(span_id)
        ends[end].append(span_id)
    open_ids: dict[str, int] = defaultdict(int)  # a multiset: ids may repeat
    segments = []
    for left, right in pairwise(bounds):
        for span_id in ends.get(left, ()):
            open_ids[span_id] -= 1
            if not open_ids[span_id]:
                del open_ids[span_id]
        for span_id in starts.get(left, ()):
            open_ids[span_id] += 1
        segments.append(Segment(left, right, text[left:right], tuple(sorted(open_ids))))
    return segments


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Flag:
    """A quality flag on a source, with its definition and the curator's reason."""

    flag: str
    label: str
    definition: str
    reason: str


@dataclass
class AssertionView:
    """An assertion with everything a reader needs beside it."""

    assertion: Assertion
    claim: ClaimBase
    source: Source
    flags: list[Flag]
    assessment: Assessment
    qualifiers: list[tuple[str, str]]
    cited: list[str]

    @property
    def retracted(self) -> bool:
        return self.assertion.status == "retracted"


@dataclass
class SourceView:
    source: Source
    flags: list[Flag]
    segments: list[Segment]
    assertions: list[AssertionView]
    active_ids: set[str]


@dataclass
class ClaimView:
    claim: ClaimBase
    kind: str
    assessment: Assessment
    intervention: str
    object_label: str | None
    qualifiers: list[tuple[str, str]]
    by_language: dict[str, list[AssertionView]]
    languages: list[str]
    flags: list[str]
    n_active: int
    details: list[tuple[str, str]] = field(default_factory=list)


def flags_of(source: Source) -> list[Flag]:
    """The source's quality flags with labels, definitions and reasons."""
    return [
        Flag(q.flag, q.flag.replace("_", " "), QUALITY_FLAGS[q.flag], q.reason)
        for q in source.quality_flags
    ]


def qualifier_phrases(qualifiers: Any) -> list[tuple[str, str]]:
    """``(field, words)`` of every stated qualifier."""
    return list(qualifiers.phrases())


def _details(claim: ClaimBase) -> list[tuple[str, str]]:
    """The claim's kind-specific fields, read from its model: everything but the fields all
    kinds share and the references to vocabulary terms (shown as the claim's terms)."""
    linked = {path.split(".")[0] for path, _, _ in references(claim)}
    found = []
    for name in type(claim).model_fields:
        if name in ClaimBase.model_fields or name == "kind" or name in linked:
            continue
        value = getattr(claim, name, None)
        if value is None or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        found.append((name.replace("_", " "), str(value)))
    return found


@dataclass
class Site:
    """Everything the templates show, computed once from a dataset."""

    dataset: Dataset
    sources: list[SourceView]
    claims: list[ClaimView]
    has_map: bool

    @property
    def kinds(self) -> list[str]:
        present = {c.kind for c in self.claims}
        return [k for k in CLAIM_KINDS if k in present]

    @property
    def certainties(self) -> list[str]:
        present = {c.assessment.certainty for c in self.claims}
        return [c for c in reversed(LEVELS) if c in present]

    @property
    def languages(self) -> list[str]:
        return sorted({s.source.language for s in self.sources})

    @property
    def flag_names(self) -> list[str]:
        return list(QUALITY_FLAGS)


def site_model(dataset: Dataset, has_map: bool = False) -> Site:
    """The browser's view of ``dataset``: certainty computed as the build computes it."""
    by_claim: dict[str, list[Assertion]] = defaultdict(list)
    for assertion in dataset.assertions.values():
        by_claim[assertion.claim_id].append(assertion)
    assessments = {
        claim_id: assess(by_claim[claim_id], dataset.sources) for claim_id in dataset.claims
    }
    views: dict[str, AssertionView] = {}
    for assertion_id in sorted(dataset.assertions):
        assertion = dataset.assertions[assertion_id]
        source = dataset.sources[assertion.source_id]
        views[assertion_id] = AssertionView(
            assertion=assertion,
            claim=dataset.claims[assertion.claim_id],
            source=source,
            flags=flags_of(source),
            assessment=assessments[assertion.claim_id],
            qualifiers=qualifier_phrases(assertion.qualifiers),
            cited=[
                r.as_stated for r in source.cited_references if r.reference_id in assertion.cites
            ],
        )

    sources = []
    for source_id in sorted(dataset.sources):
        source = dataset.sources[source_id]
        mine = [v for v in views.values() if v.assertion.source_id == source_id]
        text = dataset.texts[source_id]
        sources.append(
            SourceView(
                source=source,
                flags=flags_of(source),
                segments=segment(
                    text,
                    [
                        (v.assertion.assertion_id, v.assertion.char_start, v.assertion.char_end)
                        for v in mine
                    ],
                ),
                assertions=sorted(
                    mine, key=lambda v: (v.assertion.char_start, v.assertion.assertion_id)
                ),
                active_ids={v.assertion.assertion_id for v in mine if not v.retracted},
            )
        )

    claims = []
    for claim_id in sorted(dataset.claims):
        claim = dataset.claims[claim_id]
        mine = sorted(
            (views[a.assertion_id] for a in by_claim[claim_id]),
            key=lambda v: (v.source.language, v.assertion.assertion_id),
        )
        grouped: dict[str, list[AssertionView]] = defaultdict(list)
        for view in mine:
            grouped[view.source.language].append(view)
        active = [v for v in mine if not v.retracted]
        claims.append(
            ClaimView(
                claim=claim,
                kind=getattr(claim, "kind", ""),
                assessment=assessments[claim_id],
                intervention=intervention_label(claim, dataset),
                object_label=object_label(claim, dataset),
                qualifiers=qualifier_phrases(claim.qualifiers),
                by_language=dict(grouped),
                languages=sorted({v.source.language for v in active}),
                flags=sorted({f.flag for v in active for f in v.flags}),
                n_active=len(active),
                details=_details(claim),
            )
        )
    return Site(dataset=dataset, sources=sources, claims=claims, has_map=has_map)


# --------------------------------------------------------------------------- rendering


def keep_carriage_returns(value: str) -> Markup:
    """Escape ``value`` for HTML, writing CR as ``&#13;`` so parsing keeps it.

    HTML parsers turn a raw CR (and CRLF) into LF before anything else; a character
    reference survives, so the DOM text equals the source text code point for code point.
    """
    return Markup(str(escape(value)).replace("\r", "&#13;"))


def environment() -> Environment:
    """The Jinja2 environment of the browser's templates (autoescape on)."""
    env = Environment(
        loader=PackageLoader("evidence_kit.publishing", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["keep_cr"] = keep_carriage_returns
    env.globals.update(
        ECO_CODES=ECO_CODES,
        STATEMENT_MODES=STATEMENT_MODES,
        SUPPORT_TYPES=SUPPORT_TYPES,
        ATTRIBUTIONS=ATTRIBUTIONS,
        CERTAINTY_LEVELS=CERTAINTY_LEVELS,
        CLAIM_KINDS=CLAIM_KINDS,
        FREQUENCIES=FREQUENCIES,
        QUALITY_FLAGS=QUALITY_FLAGS,
    )
    return env


@dataclass(frozen=True)
class BrowseResult:
    """What :func:`write_site` wrote."""

    directory: Path
    pages: list[Path]
    map_files: MapFiles | None


MARKER = ".evidence-kit-browse"
"""File that marks a directory as a browser site, which a new run may replace."""


def write_site(dataset: Dataset, out: Path, with_map: bool = True) -> BrowseResult:
    """Write the browser for ``dataset`` into ``out``.

    ``out`` must be new, empty, or a site an earlier run wrote (it is then replaced);
    anything else raises :class:`ValueError` rather than deleting a stranger's files.
    """
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise ValueError(
                f"{out} exists and is not an evidence browser site: "
                "choose an empty or new directory"
            )
        shutil.rmtree(out)
    (out / "sources").mkdir(parents=True)
    (out / "claims").mkdir()
    (out / MARKER).write_text("written by evidence-kit browse; replaced on each run\n")
    map_files = write_evidence_map(dataset, out) if with_map else None
    site = site_model(dataset, has_map=map_files is not None)
    env = environment()
    pages = []

    def render(template: str, path: Path, root: str, **context: Any) -> None:
        html = env.get_template(template).render(site=site, root=root, **context)
        path.write_text(html, encoding="utf-8")
        pages.append(path)

    render("index.html.j2", out / "index.html", "")
    for view in site.sources:
        render(
            "source.html.j2",
            out / "sources" / f"{view.source.source_id}.html",
            "../",
            view=view,
        )
    for claim in site.claims:
        render("claim.html.j2", out / "claims" / f"{claim.claim.claim_id}.html", "../", view=claim)
    return BrowseResult(directory=out, pages=pages, map_files=map_files)
