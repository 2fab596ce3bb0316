"""The evidence map: interventions × conditions and outcomes, one mark per cell.

Rows are what a claim is about, grouped by claim kind (the outcome a mechanism produces,
the condition an indication or combination treats, the adverse effect, the condition a
risk factor or contraindication names); columns are the intervention, with its
co-interventions for combination therapies.  In each cell:

* colour = the best derived certainty of the cell's claims
  (:func:`evidence_kit.curation.certainty.assess`, as the build computes it);
* area = the number of independent works (distinct ``work_id``) behind them;
* hatching = at least one supporting assertion comes from a source with a commercial
  interest (a clinic selling the treatment).

Retracted claims and claims no active assertion supports are left out.

:func:`map_cells` computes the cells from a :class:`~evidence_kit.curation.validator.Dataset`;
:func:`write_evidence_map` draws them with matplotlib (Agg, fixed fonts, no dates, fixed
SVG hash salt) into byte-for-byte reproducible SVG and PNG files; :func:`card_markdown` is
the snippet that embeds the map in the dataset card.

>>> print(card_markdown("evidence-map.svg"))  # doctest: +ELLIPSIS
![Evidence map: ...](evidence-map.svg)
<BLANKLINE>
*Colour: ...
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_kit.curation.certainty import LEVELS, assess
from evidence_kit.curation.validator import Dataset
from evidence_kit.model.claims import ClaimBase
from evidence_kit.model.vocabulary import Certainty

#: Claim kinds drawn on the map, in row-group order, with the field naming the row.
MAP_KINDS: dict[str, str] = {
    "mechanism": "mechanism (outcome)",
    "indication": "indication",
    "combination_therapy": "combination therapy",
    "adverse_effect": "adverse effect",
    "risk_factor": "risk factor (effect)",
    "contraindication": "contraindication",
}

#: Certainty colours (ColorBrewer RdYlGn, colour-blind safe in its four-class form).
CERTAINTY_COLOURS: dict[str, str] = {
    "very_low": "#d7191c",
    "low": "#fdae61",
    "moderate": "#a6d96a",
    "high": "#1a9641",
}

HATCH = "////"
STEM = "evidence-map"


@dataclass(frozen=True)
class Cell:
    """One mark of the map: the claims about one intervention (combination) and object."""

    intervention: str
    kind: str
    object_label: str
    negated: bool
    certainty: Certainty
    n_works: int
    commercial: bool
    claim_ids: tuple[str, ...]

    @property
    def row(self) -> str:
        return f"{'not: ' if self.negated else ''}{self.object_label}"


@dataclass(frozen=True)
class MapFiles:
    """The files :func:`write_evidence_map` wrote."""

    svg: Path
    png: Path


def intervention_label(claim: ClaimBase, dataset: Dataset) -> str:
    """The subject's label, joined with its co-interventions' for combination therapy."""
    names = [claim.subject]
    if getattr(claim, "kind", None) == "combination_therapy":
        names += list(getattr(claim, "co_interventions", []))
    return " + ".join(dataset.interventions[n].label for n in names)


def object_label(claim: ClaimBase, dataset: Dataset) -> str | None:
    """The label of what the claim is about (its condition, outcome or effect)."""
    object_id = claim.object_id()
    if object_id is None:
        return None
    table = claim.object_table()
    if table == "outcomes":
        return dataset.outcomes[object_id].label
    if table == "interventions":
        return dataset.interventions[object_id].label
    return dataset.conditions[object_id].label


def map_cells(dataset: Dataset) -> list[Cell]:
    """The map's cells, sorted by kind group, object and intervention."""
    by_claim = defaultdict(list)
    for assertion in dataset.assertions.values():
        by_claim[assertion.claim_id].append(assertion)
    groups: dict[tuple[str, str, bool, str], list[ClaimBase]] = defaultdict(list)
    for claim in dataset.claims.values():
        kind = getattr(claim, "kind", "")
        label = object_label(claim, dataset)
        if claim.status != "active" or kind not in MAP_KINDS or label is None:
            continue
        groups[(kind, label, claim.negated, intervention_label(claim, dataset))].append(claim)

    cells = []
    for (kind, label, negated, intervention), claims in groups.items():
        works: set[str] = set()
        best = 0
        commercial = False
        supported = []
        for claim in claims:
            assertions = by_claim[claim.claim_id]
            assessment = assess(assertions, dataset.sources)
            support = [
                a for a in assertions if a.status == "active" and a.statement_mode != "negated"
            ]
            if not support:
                continue
            supported.append(claim.claim_id)
            best = max(best, LEVELS.index(assessment.certainty))
            works |= {dataset.sources[a.source_id].work_id for a in support}
            commercial |= any(
                dataset.sources[a.source_id].has_flag("commercial_interest") for a in support
            )
        if supported:
            cells.append(
                Cell(
                    intervention=intervention,
                    kind=kind,
                    object_label=label,
                    negated=negated,
                    certainty=LEVELS[best],
                    n_works=len(works),
                    commercial=commercial,
                    claim_ids=tuple(sorted(supported)),
                )
            )
    order = list(MAP_KINDS)
    return sorted(cells, key=lambda c: (order.index(c.kind), c.row, c.intervention))


def _figure(cells: list[Cell]) -> Any:
    """A matplotlib Figure of the cells (not attached to pyplot)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    order = list(MAP_KINDS)
    rows: list[tuple[str, str]] = []
    for cell in cells:
        key = (cell.kind, cell.row)
        if key not in rows:
            rows.append(key)
    rows.sort(key=lambda r: (order.index(r[0]), r[1]))
    columns = sorted({c.intervention for c in cells}, key=lambda i: (" + " in i, i))
    # margins in inches, from the label lengths (8 pt DejaVu Sans: ~0.062 in a character)
    char = 0.062
    longest_column = max((len(c) for c in columns), default=1)
    left_in = 0.4 + char * max((len(r[1]) for r in rows), default=10)
    top_in = 0.4 + char * longest_column * 0.5  # labels turned 30 degrees
    right_in = max(0.6, char * longest_column * 0.87 - 0.6)
    bottom_in = 1.1  # the legend
    plot_h = 0.24 * (len(rows) + 2 * len({r[0] for r in rows}))
    plot_w = max(1.6, 1.1 * len(columns))
    width = max(6.5, left_in + plot_w + right_in)
    height = max(3.0, top_in + plot_h + bottom_in)
    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))

    # y positions: rows top-down, a gap and a heading before each kind group
    y_of: dict[tuple[str, str], float] = {}
    headings: list[tuple[float, str]] = []
    y = 0.0
    previous = None
    for kind, row in rows:
        if kind != previous:
            y += 0.6 if previous is not None else 0.0
            headings.append((y, MAP_KINDS[kind]))
            y += 1.0
            previous = kind
        y_of[(kind, row)] = y
        y += 1.0
    axes.set_ylim(y + 0.2, -1.2)
    axes.set_xlim(-0.7, len(columns) - 0.3)
    max_works = max((c.n_works for c in cells), default=1)
    for cell in cells:
        x = columns.index(cell.intervention)
        axes.scatter(
            [x],
            [y_of[(cell.kind, cell.row)]],
            s=60 + 140 * (cell.n_works / max_works),
            c=CERTAINTY_COLOURS[cell.certainty],
            edgecolors="#222222",
            linewidths=0.8,
            hatch=HATCH if cell.commercial else None,
            zorder=3,
        )
    axes.set_yticks([y_of[r] for r in rows], [r[1] for r in rows], fontsize=8)
    for y_head, text in headings:
        axes.text(-0.65, y_head, text, fontsize=8.5, fontweight="bold", va="center", ha="left")
        axes.axhline(y_head + 0.5, color="#cccccc", linewidth=0.6, zorder=1)
    axes.set_xticks(range(len(columns)), columns, fontsize=8, rotation=30, ha="left")
    axes.xaxis.tick_top()
    axes.grid(axis="x", color="#eeeeee", zorder=0)
    for side in ("right", "bottom"):
        axes.spines[side].set_visible(False)

    handles: list[Any] = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=CERTAINTY_COLOURS[level],
            markeredgecolor="#222222",
            markersize=8,
            label=f"certainty: {level.replace('_', ' ')}",
        )
        for level in LEVELS
    ]
    sizes = sorted({1, max_works} | ({(1 + max_works) // 2} if max_works > 2 else set()))
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="#ffffff",
            markeredgecolor="#222222",
            markersize=(60 + 140 * n / max_works) ** 0.5,
            label=f"{n} independent work{'s' if n != 1 else ''}",
        )
        for n in sizes
    ]
    handles.append(
        Patch(
            facecolor="#ffffff",
            edgecolor="#222222",
            hatch=HATCH,
            label="from a commercial source",
        )
    )
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=4,
        fontsize=7.5,
        frameon=False,
        borderaxespad=0.3,
    )
    # leave room for the tick labels and the legend: fixed margins in inches
    axes.set_position((left_in / width, bottom_in / height, plot_w / width, plot_h / height))
    return figure


def _deterministic_rc() -> dict[str, Any]:
    return {
        "svg.hashsalt": "evidence-kit",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "path.simplify": False,
        "hatch.linewidth": 0.8,
    }


def write_evidence_map(dataset: Dataset, out_dir: Path, stem: str = STEM) -> MapFiles:
    """Draw the map of ``dataset`` into ``out_dir/STEM.svg`` and ``.png``, reproducibly."""
    import matplotlib

    out_dir.mkdir(parents=True, exist_ok=True)
    cells = map_cells(dataset)
    rc: Any = _deterministic_rc()
    with matplotlib.rc_context(rc):
        figure = _figure(cells)
        svg, png = out_dir / f"{stem}.svg", out_dir / f"{stem}.png"
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        figure.savefig(png, format="png", dpi=150, metadata={"Software": None})
    return MapFiles(svg=svg, png=png)


def card_markdown(image: str = f"{STEM}.svg") -> str:
    """The markdown that embeds the map (at relative path ``image``) in the dataset card."""
    levels = ", ".join(level.replace("_", " ") for level in reversed(LEVELS))
    return (
        f"![Evidence map: interventions against the conditions and outcomes the sources "
        f"claim them for]({image})\n\n"
        f"*Colour: derived certainty of the claims in the cell ({levels}); size: number of "
        f"independent works stating them; hatched: at least one statement comes from a "
        f"source with a commercial interest in the treatment. Retracted claims are left "
        f"out. Not medical advice.*"
    )
