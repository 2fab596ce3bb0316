"""A small synthetic curated dataset, built in code, for the publishing tests.

It covers what publishing must carry through: four languages, a translation pair that
shares one work, a peer-reviewed source with a DOI, claims of many kinds (list fields,
ranges, amounts, a definition with synonyms), hedged, attributed and negated
assertions, a quote at offset 0 (empty prefix) and a retracted claim and assertion.
Files are written as JSON, which is YAML 1.2.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from evidence_kit.curation.provenance import Span, context

REPO = Path(__file__).resolve().parent.parent

TEXTS = {
    "s000": (
        "000_syn_sv.txt",
        "sv",
        "Mikronålning stimulerar kollagenproduktionen. Man tror att behandlingen minskar "
        "aknerärr. Enligt Journal of Cutaneous and Esthetic Surgery förbättrar mikronålning "
        "med C-vitamin aknerärr av grad 2 och 3. Rodnad är vanligt och ofarligt.",
    ),
    "s001": (
        "001_syn_id.txt",
        "id",
        "Tusuk jarum kulit merangsang produksi kolagen. Kemerahan adalah reaksi normal.",
    ),
    "s002": (
        "002_syn_zh.txt",
        "zh-Hans",
        "微针可以改善痤疮疤痕。每次治疗约800元。孕妇不宜进行微针治疗。每4至6周一次，共3至6次。",
    ),
    "s003": (
        "003_syn_en.txt",
        "en",
        "Microneedling, also called collagen induction therapy or dermarolling, is the "
        "repeated puncturing of the skin with fine needles. Microneedling does not cause "
        "scarring.",
    ),
}

SOURCES: list[dict[str, Any]] = [
    {
        "source_id": "s000",
        "language": "sv",
        "title": "Mikronålning",
        "title_en": "Microneedling",
        "source_type": "consumer_health_article",
        "work_id": "w-syn-sv",
        "quality_flags": [{"flag": "cites_literature", "reason": "Names a journal."}],
        "cited_references": [
            {
                "reference_id": "r1",
                "as_stated": "Journal of Cutaneous and Esthetic Surgery",
                "kind": "journal",
                "resolution": {
                    "citation": "Chawla S. J Cutan Aesthet Surg 2014;7(4):209-212.",
                    "doi": "10.4103/0974-2077.150742",
                    "resolved_by": "evidence-kit test suite",
                    "method": "journal name and the result match the article's abstract",
                },
            }
        ],
    },
    {
        "source_id": "s001",
        "language": "id",
        "title": "Tusuk jarum kulit",
        "source_type": "machine_translated_article",
        "work_id": "w-syn-sv",
        "work_note": "A translation of s000's article.",
        "quality_flags": [{"flag": "machine_translated", "reason": "Garbled wording."}],
    },
    {
        "source_id": "s002",
        "language": "zh-Hans",
        "title": "微针美容",
        "title_en": "Microneedling beauty",
        "publisher": "示例医院",
        "published_date": "2025-07-12",
        "url": "https://example.org/weizhen",
        "source_type": "clinic_marketing_page",
        "work_id": "w-syn-zh",
        "quality_flags": [{"flag": "commercial_interest", "reason": "States its own price."}],
    },
    {
        "source_id": "s003",
        "language": "en",
        "title": "Microneedling: a review",
        "source_type": "peer_reviewed_article",
        "work_id": "w-syn-review",
        "status": "retracted",
        "retraction_reason": "Synthetic record retracted to test that it is kept.",
    },
]

VOCABULARIES = {
    "interventions": [
        {"intervention_id": "microneedling", "label": "microneedling"},
        {"intervention_id": "topical_vitamin_c", "label": "topical vitamin C"},
    ],
    "conditions": [
        {
            "condition_id": "acne_scars",
            "label": "acne scars",
            "icd10cm": {"code": "L90.5", "label": "Scar conditions and fibrosis of skin"},
        },
        {"condition_id": "redness", "label": "redness"},
        {"condition_id": "pregnancy", "label": "pregnancy"},
        {"condition_id": "scarring", "label": "scarring"},
    ],
    "outcomes": [
        {"outcome_id": "collagen_production", "label": "collagen production"},
        {"outcome_id": "skin_evenness", "label": "skin evenness"},
    ],
}

MN = {"subject": "microneedling"}
CLAIMS: list[dict[str, Any]] = [
    {
        "claim_id": "c-mn-stimulates-collagen",
        "kind": "mechanism",
        "predicate": "stimulates",
        "object": "collagen_production",
        "statement": "Microneedling stimulates collagen production.",
        **MN,
    },
    {
        "claim_id": "c-mn-treats-acne-scars",
        "kind": "indication",
        "predicate": "treats",
        "condition": "acne_scars",
        "outcome": "skin_evenness",
        "statement": "Microneedling treats acne scars.",
        **MN,
    },
    {
        "claim_id": "c-mn-vitc-acne-scars",
        "kind": "combination_therapy",
        "predicate": "ameliorates",
        "co_interventions": ["topical_vitamin_c"],
        "combination_type": "combination",
        "condition": "acne_scars",
        "outcomes": ["skin_evenness"],
        "severity_grades": [2, 3],
        "statement": "Microneedling combined with vitamin C improves grade 2 and 3 acne scars.",
        **MN,
    },
    {
        "claim_id": "c-mn-causes-redness",
        "kind": "adverse_effect",
        "predicate": "has_adverse_event",
        "effect": "redness",
        "severity": "mild",
        "expected_reaction": True,
        "statement": "Microneedling causes redness.",
        **MN,
    },
    {
        "claim_id": "c-mn-cost-cny",
        "kind": "cost",
        "predicate": "has_cost",
        "amount_min": 800,
        "amount_max": 800,
        "currency": "CNY",
        "unit": "per_session",
        "approximate": True,
        "statement": "A microneedling session costs about 800 yuan.",
        **MN,
    },
    {
        "claim_id": "c-mn-contraindicated-pregnancy",
        "kind": "contraindication",
        "predicate": "contraindicated_in",
        "condition": "pregnancy",
        "statement": "Microneedling is contraindicated in pregnancy.",
        **MN,
    },
    {
        "claim_id": "c-mn-schedule",
        "kind": "schedule",
        "predicate": "has_schedule",
        "interval_min": 4,
        "interval_max": 6,
        "interval_unit": "week",
        "sessions_min": 3,
        "sessions_max": 6,
        "statement": "Microneedling is given every 4 to 6 weeks, 3 to 6 times.",
        **MN,
    },
    {
        "claim_id": "c-mn-definition",
        "kind": "definition",
        "predicate": "defined_as",
        "definition": "Repeated puncturing of the skin with fine needles.",
        "synonyms": ["collagen induction therapy", "dermarolling"],
        "statement": "Microneedling is the repeated puncturing of the skin with fine needles.",
        **MN,
    },
    {
        "claim_id": "c-mn-causes-scarring",
        "kind": "adverse_effect",
        "predicate": "has_adverse_event",
        "effect": "scarring",
        "statement": "Microneedling causes scarring.",
        "status": "retracted",
        "retraction_reason": "Synthetic claim retracted to test that it is kept.",
        **MN,
    },
]

# (assertion id, claim id, quote, quote_en, mode, extra fields)
ASSERTIONS: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    (
        "s000-001",
        "c-mn-stimulates-collagen",
        "Mikronålning stimulerar kollagenproduktionen",
        "Microneedling stimulates collagen production",
        "asserted",
        {},
    ),
    (
        "s000-002",
        "c-mn-treats-acne-scars",
        "Man tror att behandlingen minskar aknerärr",
        "It is believed that the treatment reduces acne scars",
        "hedged",
        {"hedge_cue": "Man tror att"},
    ),
    (
        "s000-003",
        "c-mn-vitc-acne-scars",
        "Enligt Journal of Cutaneous and Esthetic Surgery förbättrar mikronålning med C-vitamin "
        "aknerärr av grad 2 och 3",
        "According to the Journal of Cutaneous and Esthetic Surgery, microneedling with vitamin "
        "C improves grade 2 and 3 acne scars",
        "attributed",
        {
            "attributed_to": "Journal of Cutaneous and Esthetic Surgery",
            "attribution": "named",
            "cites": ["r1"],
            "support_type": "journal",
            "evidence_basis": "ECO:0006017",
        },
    ),
    (
        "s000-004",
        "c-mn-causes-redness",
        "Rodnad är vanligt och ofarligt",
        "Redness is common and harmless",
        "asserted",
        {},
    ),
    (
        "s001-001",
        "c-mn-stimulates-collagen",
        "Tusuk jarum kulit merangsang produksi kolagen",
        "Skin needling stimulates collagen production",
        "asserted",
        {"extraction_confidence": 0.6},
    ),
    (
        "s001-002",
        "c-mn-causes-redness",
        "Kemerahan adalah reaksi normal",
        "Redness is a normal reaction",
        "asserted",
        {},
    ),
    (
        "s002-001",
        "c-mn-treats-acne-scars",
        "微针可以改善痤疮疤痕",
        "Microneedling can improve acne scars",
        "asserted",
        {},
    ),
    (
        "s002-002",
        "c-mn-cost-cny",
        "每次治疗约800元",
        "About 800 yuan per treatment",
        "asserted",
        {},
    ),
    (
        "s002-003",
        "c-mn-contraindicated-pregnancy",
        "孕妇不宜进行微针治疗",
        "Pregnant women should not have microneedling",
        "asserted",
        {},
    ),
    (
        "s002-004",
        "c-mn-schedule",
        "每4至6周一次，共3至6次",
        "Once every 4 to 6 weeks, 3 to 6 times in all",
        "asserted",
        {},
    ),
    (
        "s003-001",
        "c-mn-definition",
        "Microneedling, also called collagen induction therapy or dermarolling, is the repeated "
        "puncturing of the skin with fine needles",
        "Microneedling, also called collagen induction therapy or dermarolling, is the repeated "
        "puncturing of the skin with fine needles",
        "asserted",
        {},
    ),
    (
        "s003-002",
        "c-mn-causes-scarring",
        "Microneedling does not cause scarring",
        "Microneedling does not cause scarring",
        "negated",
        {"status": "retracted", "retraction_reason": "Synthetic, to test retraction."},
    ),
]

COUNTS = {
    "sources": 4,
    "claims": 9,
    "assertions": 12,
    "evidence": 12,
    "interventions": 2,
    "conditions": 4,
    "outcomes": 2,
}
"""Rows each published table must have for this dataset."""


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_synthetic_dataset(root: Path) -> Path:
    """Write the synthetic curated dataset (and a release file) under ``root``."""
    sources = []
    for record in SOURCES:
        name, _, text = TEXTS[record["source_id"]]
        data = text.encode("utf-8")
        (root / "texts").mkdir(parents=True, exist_ok=True)
        (root / "texts" / name).write_bytes(data)
        sources.append(
            {
                "source_file": name,
                "text_path": f"texts/{name}",
                "sha256": hashlib.sha256(data).hexdigest(),
                **record,
            }
        )
    _write(root / "sources.yaml", {"sources": sources})
    _write(root / "claims.yaml", {"claims": CLAIMS})
    for name, terms in VOCABULARIES.items():
        _write(root / "vocabularies" / f"{name}.yaml", {name: terms})
    by_source: dict[str, list[dict[str, Any]]] = {}
    for assertion_id, claim_id, quote, quote_en, mode, extra in ASSERTIONS:
        source_id = assertion_id.split("-")[0]
        text = TEXTS[source_id][2]
        start = text.index(quote)
        prefix, suffix = context(text, Span(start, start + len(quote)))
        by_source.setdefault(source_id, []).append(
            {
                "assertion_id": assertion_id,
                "source_id": source_id,
                "claim_id": claim_id,
                "quote": quote,
                "char_start": start,
                "char_end": start + len(quote),
                "prefix": prefix,
                "suffix": suffix,
                "quote_en": quote_en,
                "statement_mode": mode,
                "support_type": "none",
                "evidence_basis": "ECO:0000303",
                "agent_type": "manual_agent",
                "curator": "test",
                "extraction_confidence": 0.9,
                **extra,
            }
        )
    for source_id, assertions in by_source.items():
        _write(
            root / "assertions" / f"{source_id}.yaml",
            {"source_id": source_id, "assertions": assertions},
        )
    shutil.copy(REPO / "dataset" / "release.yaml", root / "release.yaml")
    return root


def set_version(root: Path, version: str) -> None:
    """Stamp release ``version`` into ``root/release.yaml`` (a new release to build)."""
    release = root / "release.yaml"
    text = release.read_text("utf-8")
    lines = [f"version: {version}" if line.startswith("version:") else line for line in
             text.splitlines()]  # fmt: skip
    release.write_text("\n".join(lines) + "\n", "utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every published file under ``root`` (as analysts read it, through the fixed paths)
    by relative path, with its bytes: the files SHA256SUMS covers, and SHA256SUMS."""
    from evidence_kit.model.tables import CHECKSUMS_FILE
    from evidence_kit.publishing.metadata import checked_files

    names = {*checked_files(root), CHECKSUMS_FILE}
    parquet = root / "parquet"
    if parquet.is_dir():  # a stray file there counts too
        names |= {f.relative_to(root).as_posix() for f in parquet.rglob("*") if f.is_file()}
    return {name: (root / name).read_bytes() for name in sorted(names) if (root / name).is_file()}
