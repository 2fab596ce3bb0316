"""What the column checks cannot see: the published files against each other.

* **evidence copies** -- every evidence column copied from assertions, claims or sources
  (:data:`evidence_kit.model.tables.EVIDENCE_COPIES`, derived from the table
  declarations) must equal its origin row (EK562), and evidence must hold exactly one
  row per assertion (EK566);
* **key-value metadata** -- each file's ``evidence_kit.*`` keys: its table name, its
  real row count, the schema version, the same version, date, licence and input hash
  in every file, and, next to a curation, the values of ``release.yaml`` and the hash
  of the curated inputs (EK563);
* **metadata documents** -- ``datapackage.json`` and ``croissant.json`` against
  ``release.yaml`` and the Parquet files (EK565).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.curation.document import load_yaml
from evidence_kit.curation.inputs import input_hash
from evidence_kit.curation.loader import display_path
from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding
from evidence_kit.model.fields import SCHEMA_VERSION
from evidence_kit.model.tables import EVIDENCE_COPIES, TABLES

LIMIT = 20
"""Most mismatches listed per evidence column."""
SHARED_KEYS = ("dataset_version", "release_date", "license", "input_hash")
RELEASE_KEYS = {"dataset_version": "version", "release_date": "release_date", "license": "license"}


def check_consistency(directory: Path, present: dict[str, Path]) -> list[Finding]:
    """Every cross-file finding for the readable tables ``present`` in ``directory``."""
    root = directory.parent
    release = _release(root)
    findings = check_key_values(root, present, release)
    if {"evidence", "assertions", "claims", "sources"} <= set(present):
        findings += check_evidence(present)
    findings += check_documents(root, directory, release)
    return findings


def _release(root: Path) -> dict[str, Any] | None:
    path = root / "release.yaml"
    if not path.is_file():
        return None
    try:
        data = load_yaml(path, display_path(path)).data
    except EvidenceKitError:
        return None
    return data if isinstance(data, dict) else None


def check_key_values(
    root: Path, present: dict[str, Path], release: dict[str, Any] | None
) -> list[Finding]:
    findings: list[Finding] = []
    wanted: dict[str, tuple[str, str]] = {}
    if release is not None:
        for key, field in RELEASE_KEYS.items():
            if field in release:
                wanted[key] = (str(release[field]), "release.yaml")
    if (root / "sources.yaml").is_file():
        wanted["input_hash"] = (input_hash(root), "the curated inputs")
    wanted["schema_version"] = (SCHEMA_VERSION, "this evidence-kit")
    for name, path in present.items():
        shown = display_path(path)
        meta = pq.read_metadata(path)
        raw = meta.metadata or {}
        values = {
            k.decode("utf-8", "replace").removeprefix("evidence_kit."): v.decode("utf-8", "replace")
            for k, v in raw.items()
            if k.startswith(b"evidence_kit.")
        }
        expect = {**wanted, "table": (name, "the file name"),
                  "row_count": (str(meta.num_rows), "the rows in the file")}  # fmt: skip
        for key in SHARED_KEYS:
            if key not in expect:
                first = next(iter(present.values()))
                other = (pq.read_metadata(first).metadata or {}).get(f"evidence_kit.{key}".encode())
                if other is not None:
                    expect[key] = (other.decode("utf-8", "replace"), display_path(first))
        for key, (value, origin) in expect.items():
            if values.get(key) != value:
                findings.append(
                    ERR.KEY_VALUE_MISMATCH.at(
                        shown,
                        field=f"evidence_kit.{key}",
                        expected=value,
                        actual=values.get(key),
                        reason=f"from {origin}",
                    )
                )
    return findings


def check_evidence(present: dict[str, Path]) -> list[Finding]:
    """Evidence copies against their origin rows, compared column by column."""
    import polars as pl

    shown = display_path(present["evidence"])

    def frame(name: str, columns: list[str]) -> Any:
        table = pq.read_table(present[name], columns=columns)
        table = pa.table(
            {c: table.column(c).cast(table.schema.field(c).type.value_type)
             if pa.types.is_dictionary(table.schema.field(c).type) else table.column(c)
             for c in columns}
        )  # fmt: skip
        return pl.from_arrow(table)

    evidence_cols = [f.name for f in TABLES["evidence"].schema]
    try:
        evidence = frame("evidence", evidence_cols).with_row_index("_row")
    except (pa.ArrowException, KeyError):
        return []  # a missing column is reported by the column checks
    findings: list[Finding] = []
    assertions = frame("assertions", ["assertion_id"])
    missing = assertions.join(evidence.select("assertion_id"), on="assertion_id", how="anti")
    extra = evidence.select("assertion_id").join(assertions, on="assertion_id", how="anti")
    for rows, what in ((missing, "lacks assertions"), (extra, "has rows of no assertion")):
        if rows.height:
            ids = ", ".join(rows["assertion_id"].head(LIMIT).to_list())
            findings.append(ERR.EVIDENCE_ROWS.at(shown, reason=what, actual=ids))
    for table, key in (("assertions", "assertion_id"), ("claims", "claim_id"),
                       ("sources", "source_id")):  # fmt: skip
        copies = {c: o for c, (t, o, _) in EVIDENCE_COPIES.items() if t == table}
        origin_cols = [key, *copies.values()]
        try:
            origin = frame(table, origin_cols)
        except (pa.ArrowException, KeyError):
            continue
        origin = origin.rename({o: f"_o_{o}" for o in copies.values()})
        joined = evidence.join(origin.unique(key, keep="first"), on=key, how="inner")
        for column, source in copies.items():
            left, right = joined[column], joined[f"_o_{source}"]
            differs = ~(left.eq_missing(right))
            bad = joined.filter(differs).head(LIMIT)
            for row in bad.iter_rows(named=True):
                findings.append(
                    ERR.EVIDENCE_COPY_MISMATCH.at(
                        shown,
                        line=row["_row"] + 1,
                        field=column,
                        id=row["assertion_id"],
                        table=table,
                        source_column=source,
                        expected=row[f"_o_{source}"],
                        actual=row[column],
                    )
                )
    return findings


def check_documents(root: Path, directory: Path, release: dict[str, Any] | None) -> list[Finding]:
    """datapackage.json and croissant.json against release.yaml and the Parquet bytes."""
    findings: list[Finding] = []
    documents = {name: root / name for name in ("datapackage.json", "croissant.json")}
    loaded: dict[str, Any] = {}
    for name, path in documents.items():
        if path.is_file():
            try:
                loaded[name] = json.loads(path.read_text("utf-8"))
            except (ValueError, UnicodeError) as exc:
                shown = display_path(path)
                findings.append(ERR.PUBLISHED_CHECK.at(shown, reason=f"{name} is not JSON: {exc}"))

    def compare(name: str, field: str, actual: Any, expected: Any, origin: str) -> None:
        if actual != expected:
            shown = display_path(documents[name])
            findings.append(
                ERR.DOCUMENT_MISMATCH.at(
                    shown, path=shown, field=field, actual=actual, expected=expected,
                    reason=origin,
                )
            )  # fmt: skip

    package, croissant = loaded.get("datapackage.json"), loaded.get("croissant.json")
    if release is not None:
        if isinstance(package, dict):
            licences = package.get("licenses") or [{}]
            compare("datapackage.json", "version", package.get("version"),
                    release.get("version"), "release.yaml")  # fmt: skip
            compare("datapackage.json", "licenses[0].name", licences[0].get("name"),
                    release.get("license"), "release.yaml")  # fmt: skip
            compare("datapackage.json", "licenses[0].path", licences[0].get("path"),
                    release.get("license_url"), "release.yaml")  # fmt: skip
            compare("datapackage.json", "title", package.get("title"),
                    release.get("title"), "release.yaml")  # fmt: skip
        if isinstance(croissant, dict):
            compare("croissant.json", "license", croissant.get("license"),
                    release.get("license_url"), "release.yaml")  # fmt: skip
            compare("croissant.json", "version", croissant.get("version"),
                    release.get("version"), "release.yaml")  # fmt: skip
            compare("croissant.json", "datePublished", croissant.get("datePublished"),
                    str(release.get("release_date")), "release.yaml")  # fmt: skip
    if isinstance(croissant, dict):
        for item in croissant.get("distribution") or []:
            path = directory / str(item.get("name", ""))
            if isinstance(item, dict) and path.is_file() and path.parent == directory:
                compare("croissant.json", f"distribution[{item.get('name')}].sha256",
                        item.get("sha256"), sha256_file(path), display_path(path))  # fmt: skip
    return findings
