"""The dataset card (``dataset/README.md``), generated so that it cannot drift.

The card follows the sections of Gebru et al.'s *Datasheets for Datasets* (motivation,
composition, collection, preprocessing, uses, distribution, maintenance).  Its figures
(row counts, sources, claims by kind and certainty) are read from the published Parquet
files and its table and column reference from the Arrow schemas of
:mod:`evidence_kit.model.tables`, so ``evidence-kit build`` rewrites it with every release and
a test compares the committed card with a fresh rendering.

>>> render_type(pa.dictionary(pa.int32(), pa.string()))
'string (categorical)'
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.model.tables import PUBLISHED_IMAGES, TABLES, PublishedTable
from evidence_kit.publishing.evidencemap import card_markdown
from evidence_kit.publishing.metadata import Release, description

NOT_MEDICAL_ADVICE = (
    "**Not medical advice.** This dataset records what web pages *say* about "
    "microneedling, with how strongly the evidence supports it; it does not say what is "
    "true or safe. Do not use it to diagnose, treat or decide on any treatment: ask a "
    "qualified health professional."
)


def render_type(type_: pa.DataType) -> str:
    """A reader-friendly name of an Arrow column type."""
    if pa.types.is_dictionary(type_):
        return f"{type_.value_type} (categorical)"
    return {"bool": "boolean", "date32[day]": "date"}.get(str(type_), str(type_))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def column_reference(tables: dict[str, PublishedTable] = TABLES) -> str:
    """The table and column reference, generated from the Arrow schemas."""
    parts = []
    for table in tables.values():
        keys = ", ".join(f"`{k}`" for k in table.primary_key)
        refs = "; ".join(f"`{c}` → `{t}.{k}`" for c, t, k in table.foreign_keys) or "none"
        rows = [
            [f"`{f.name}`", render_type(f.type), "yes" if not f.nullable else "", description(f)]
            for f in table.schema
        ]
        parts.append(
            f"### `{table.file_name}`\n\n{table.description}\n\n"
            f"Primary key: {keys}. Foreign keys: {refs}.\n\n"
            + _table(["column", "type", "required", "description"], rows)
        )
    return "\n\n".join(parts)


def _read(stage: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(stage / "parquet" / TABLES[name].file_name, columns=columns)


def _counts(values: list[Any]) -> str:
    counted = Counter(str(v) for v in values)
    return ", ".join(f"{k} {n}" for k, n in sorted(counted.items())) or "none yet"


def front_matter(release: Release, languages: list[str]) -> str:
    """Hugging Face dataset-card metadata: licence, languages, and one config per table.

    ``datasets.load_dataset(folder, "claims")`` then reads ``parquet/claims.parquet``;
    ``version`` on each config gives the release's version to ``Dataset.info.version``.
    JSON is written, which is valid YAML, so no YAML library is needed.
    """
    import json

    meta = {
        "license": release.license.lower(),
        "language": sorted({tag.split("-")[0] for tag in languages}),
        "pretty_name": release.title,
        "tags": list(release.keywords),
        "size_categories": ["n<1K"],
        "configs": [
            {
                "config_name": name,
                "data_files": [{"split": "train", "path": f"parquet/{table.file_name}"}],
                "version": release.version,
                **({"default": True} if name == "evidence" else {}),
            }
            for name, table in TABLES.items()
        ],
    }
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def render_card(stage: Path, release: Release) -> str:
    """The whole card for the Parquet files under ``stage/parquet``."""
    rows = {
        name: pq.read_metadata(stage / "parquet" / t.file_name).num_rows
        for name, t in TABLES.items()
    }
    sources = _read(
        stage,
        "sources",
        ["source_id", "language", "title", "title_en", "publisher", "source_type"],
    ).to_pylist()
    claims = _read(stage, "claims", ["kind", "certainty"])
    files = [[f"`parquet/{t.file_name}`", rows[t.name], t.description] for t in TABLES.values()]
    source_rows = [
        [
            s["source_id"],
            s["language"],
            s["title_en"] or s["title"] or "",
            s["publisher"] or "not named",
            s["source_type"],
        ]
        for s in sources
    ]
    sections = [
        front_matter(release, [str(s["language"]) for s in sources]) + f"# {release.title}\n\n"
        f"Version {release.version}, released {release.release_date.isoformat()}. "
        f"{release.description}\n\n{NOT_MEDICAL_ADVICE}\n\n"
        + _table(["file", "rows", "content"], files)
        + "\n\nAlso here: `datapackage.json` (Frictionless Data Package v2, with each file's "
        "sha256 and size), `croissant.json` (MLCommons Croissant 1.1) and `SHA256SUMS` (check "
        "with `sha256sum -c SHA256SUMS`).",
        "## Motivation\n\n"
        "Health claims about cosmetic treatments circulate on clinic pages and consumer "
        "articles in many languages, usually without evidence. The dataset makes each claim "
        "traceable to the exact words of its source and says, separately, how sure the "
        "curators are that the quote states the claim (extraction confidence), what stands "
        "behind the statement (evidence basis) and how much the body of sources supports the "
        "claim (certainty). It is maintained by the evidence-kit maintainers as a worked, "
        "reproducible example of provenance-first curation.",
        (
            "## Evidence map\n\n" + card_markdown(PUBLISHED_IMAGES[0])
            if (stage / PUBLISHED_IMAGES[0]).is_file()
            else "## Evidence map\n\nNot drawn for this build."
        ),
        "## Composition\n\n"
        "Three levels that are never mixed: a **source** is one captured web page; an "
        "**assertion** is one place where a source states a claim (verbatim quote with "
        "code-point offsets into the NFC text, an English rendering, how it is stated and "
        "what supports it); a **claim** is the canonical, language-independent statement "
        "that assertions support, with a derived certainty. `evidence.parquet` joins the "
        "three for analysis.\n\n"
        f"Sources ({rows['sources']}):\n\n"
        + _table(["source", "language", "title (English)", "publisher", "type"], source_rows)
        + f"\n\nClaims by kind: {_counts(claims.column('kind').to_pylist())}.\n\n"
        f"Claims by certainty: {_counts(claims.column('certainty').to_pylist())}.\n\n"
        "Retracted records stay in the tables with `status = retracted` and a "
        "`retraction_reason`; filter on `status` for current records.",
        "## Collection process\n\n"
        f"The {rows['sources']} source pages were captured as plain text (the files named in "
        "`source_file`) and are kept byte-for-byte in the repository under `dataset/texts/` "
        "(not in the published files: see Distribution) with their sha256, so every quote "
        "can be re-found at its offsets. Curators read each page sentence by sentence "
        "and recorded every claim it makes; `agent_type` says whether a human, a machine, or "
        "a machine checked by a human produced each assertion, and `curator` who did.",
        "## Preprocessing, cleaning and labelling\n\n"
        "Texts are Unicode NFC; offsets count code points, end exclusive (W3C Web "
        "Annotation's TextPositionSelector), with 32 code points of `prefix` and `suffix` "
        "(TextQuoteSelector). `evidence-kit validate` checks every quote against its text, "
        "every identifier and reference, ICD-10-CM codes against the official code set, and "
        "closed vocabularies (ECO evidence codes, statement modes, claim kinds). Claim "
        "certainty (GRADE levels) and numeric confidence are a documented, deterministic "
        "function of the assertions (`evidence_kit.curation.certainty`) that counts "
        "translations of "
        "one article as one work; `confidence_rationale` explains each value.",
        "## Uses\n\n"
        "Intended: studying how health claims are made and hedged across languages; "
        "training and evaluating claim extraction, quote grounding and evidence grading; "
        "teaching provenance-first curation. Not intended: any clinical or personal "
        "treatment decision, or ranking clinics. The pages are few and mostly commercial or "
        "machine-translated, so no claim here reaches high certainty, and counts of sources "
        "are not counts of evidence.\n\n" + NOT_MEDICAL_ADVICE,
        "## Distribution\n\n"
        "The tables are Parquet (zstd, explicit Arrow schemas with a description on every "
        "column, categorical columns dictionary-encoded). Multi-valued fields "
        "(`co_interventions`, `outcomes`, `synonyms`, `severity_grades`, `cited_*`) are "
        "Arrow lists, never joined strings. `certainty` is an ordered category carrying "
        "every level (very_low < low < moderate < high): `evidence_kit.load()` returns an "
        'ordered pandas Categorical, so `sort_values("certainty")` and `.max()` work; SQL '
        "readers use `certainty_rank` (1 very_low ... 4 high). The vocabularies are tables of "
        "their own (`interventions`, `conditions` with the ICD-10-CM code and its official "
        "description, `outcomes`), which the claims' `subject`, `object_id`, "
        "`co_interventions` and `outcomes` reference. In `evidence.parquet` every column "
        "copied from a claim is `claim_<name>` and from a source `source_<name>` (a name "
        "already starting with `source_` is not doubled: `source_file`, `source_type`); "
        "the assertion's own columns are unprefixed. Each file's key-value metadata "
        "carries `evidence_kit.dataset_version`, `evidence_kit.schema_version` and "
        "`evidence_kit.input_hash` (sha256 of the curation inputs). The files ship inside "
        "the `evidence-kit` Python package:\n\n"
        "```python\nimport evidence_kit\n\nevidence_kit.list_tables()\n"
        'evidence = evidence_kit.load("evidence")                  # pandas DataFrame\n'
        'claims = evidence_kit.load("claims", as_arrow=True)       # pyarrow.Table\n```\n\n'
        "The package installs this folder as it is here (`evidence_kit/data`: the Parquet "
        "files, this card, the metadata, the evidence map and `SHA256SUMS`), and one command "
        "checks the installed copy: `evidence-kit validate --installed` (in Python "
        "`evidence_kit.check_installed()`) verifies every file against `SHA256SUMS` and runs "
        "the row-level checks of every table. **The source texts are not redistributed**: "
        "they are third-party web pages (clinic sites, articles) whose rights stay with their "
        "publishers, so the package and this folder carry only the short quotes, with their "
        "offsets, prefix, suffix and the texts' sha256. The installed check therefore reports "
        "the source-text and quote checks as skipped, with that reason; run them from a clone "
        "of the repository, which keeps the texts: `evidence-kit validate --published "
        "dataset/parquet`. With evidence-kit installed (its frictionless plugin hashes the "
        "Parquet files), `frictionless validate datapackage.json` checks every file's sha256 "
        "and size, types, closed vocabularies and keys; `mlcroissant validate --jsonld "
        "croissant.json` checks the Croissant description.\n\n"
        f"Licence: the curated records (claims, assertions, English renderings, codes) are "
        f"published under {release.license_title} ({release.license}, "
        f"{release.license_url}); the software under the MIT licence. The source texts "
        "belong to their publishers (named in `sources.parquet` where the page names one); "
        "they are kept in the repository only so that every quote can be verified, are not "
        "part of the published tables or the Python package, and quotes are kept as short as "
        "the claim allows.",
        "## Maintenance\n\n"
        "The evidence-kit maintainers curate the YAML files in this directory; every change "
        "goes through `evidence-kit validate` and `evidence-kit build`, which rewrites the "
        "Parquet files, the metadata and this card from the curated inputs (byte-identical "
        "for identical inputs). Releases are numbered in `release.yaml`. Errors are "
        "corrected by retracting records with a reason, never by silently deleting them; "
        "report problems in the project's issue tracker.",
        "## Example queries\n\n"
        "pandas: claims with their supporting quotes, best supported first\n\n"
        "```python\nimport evidence_kit\n\n"
        'ev = evidence_kit.load("evidence")\n'
        'current = (ev["status"] == "active") & (ev["claim_status"] == "active")\n'
        'active = ev[current & (ev["source_status"] == "active")]\n'
        '# negated claims say the opposite ("does not leave scars"): keep them apart\n'
        'positive = active[~active["claim_negated"]]\n'
        'top = positive.sort_values(["claim_certainty", "claim_confidence"], ascending=False)\n'
        'print(top[["claim_id", "claim_statement", "claim_certainty", "source_language",\n'
        '           "quote", "quote_en"]])\n'
        "```\n\n"
        "DuckDB: independent works per claim kind, best certainty first, straight from "
        "the files\n\n"
        "```sql\n"
        "SELECT kind, max(certainty_rank) AS best_rank, count(*) AS claims,\n"
        "       avg(n_works) AS mean_works\n"
        "FROM 'parquet/claims.parquet'\n"
        "WHERE status = 'active' AND NOT negated\n"
        "GROUP BY kind ORDER BY best_rank DESC, claims DESC;\n"
        "```\n\n"
        "DuckDB: what microneedling is combined with (a list column, unnested)\n\n"
        "```sql\n"
        "SELECT i.label, count(*) AS claims\n"
        "FROM (SELECT unnest(co_interventions) AS id FROM 'parquet/claims.parquet') c\n"
        "JOIN 'parquet/interventions.parquet' i ON i.intervention_id = c.id\n"
        "GROUP BY i.label ORDER BY claims DESC;\n"
        "```",
        "## Table and column reference\n\n"
        "Generated from the Arrow schemas in `evidence_kit/model/tables.py`; the same descriptions "
        "are in each Parquet file's field metadata, `datapackage.json` and `croissant.json`."
        "\n\n" + column_reference(),
    ]
    return "\n\n".join(sections) + "\n"
