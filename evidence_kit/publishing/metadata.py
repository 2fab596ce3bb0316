"""Download metadata: the release file, datapackage.json, croissant.json and SHA256SUMS.

Everything here is generated from the Arrow contract (:mod:`evidence_kit.model.tables`), the
release file (``dataset/release.yaml``) and the staged Parquet files, never from the
clock, so the metadata is as reproducible as the data:

* ``datapackage.json``: a Frictionless Data Package v2 with one tabular resource per
  Parquet file, its Table Schema, primary key and foreign keys;
* ``croissant.json``: MLCommons Croissant 1.1, a ``cr:FileObject`` (with sha256) per
  Parquet file and a ``cr:RecordSet`` per table, keys and references included;
* ``SHA256SUMS``: ``sha256sum -c`` compatible lines for every published file.

>>> arrow_type_names(pa.int32())
('integer', 'sc:Integer')
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidence_kit.curation.document import load_yaml
from evidence_kit.curation.loader import display_path
from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding
from evidence_kit.model.tables import (
    CHECKSUMS_FILE,
    PUBLISHED_DOCUMENTS,
    PUBLISHED_IMAGES,
    TABLES,
    VOCABULARY_TABLES,
    PublishedTable,
)

RELEASE_FILE = "release.yaml"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DATARESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
CROISSANT_PARQUET = "application/x-parquet"
CHECKED_FILES = PUBLISHED_DOCUMENTS
"""Published files besides the Parquet ones that SHA256SUMS covers."""


class Release(BaseModel):
    """The hand-edited release file: version and date stamped into every output."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$", description="Semantic version.")
    release_date: dt.date = Field(description="Date of the release, set by hand.")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    license: str = Field(description="SPDX identifier of the data licence, e.g. CC-BY-4.0.")
    license_title: str
    license_url: str = Field(pattern=r"^https?://")
    creator: str
    keywords: list[str] = Field(default_factory=list)


def read_release(root: Path) -> Release:
    """``root/release.yaml`` as a :class:`Release`; problems raise located findings."""
    path = root / RELEASE_FILE
    display = display_path(path)
    if not path.is_file():
        raise EvidenceKitError([ERR.FILE_MISSING.at(display, path=display)])
    document = load_yaml(path, display)
    try:
        return Release.model_validate(document.data)
    except ValidationError as exc:
        findings = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line, column = document.position(loc)
            findings.append(
                ERR.DOCUMENT_SHAPE.at(
                    display,
                    line=line,
                    column=column,
                    field=".".join(str(p) for p in loc) or None,
                    reason=error["msg"],
                    hint="release.yaml holds version (x.y.z), release_date (YYYY-MM-DD), "
                    "title, description, license, license_title, license_url, creator "
                    "and keywords.",
                )
            )
        raise EvidenceKitError(findings) from None


# --------------------------------------------------------------------------- types


def arrow_type_names(type_: pa.DataType) -> tuple[str, str]:
    """The Table Schema type and the Croissant dataType of an Arrow column type."""
    if pa.types.is_dictionary(type_):
        type_ = type_.value_type
    if pa.types.is_list(type_):
        return "array", arrow_type_names(type_.value_type)[1]
    if pa.types.is_boolean(type_):
        return "boolean", "sc:Boolean"
    if pa.types.is_integer(type_):
        return "integer", "sc:Integer"
    if pa.types.is_floating(type_):
        return "number", "sc:Float"
    if pa.types.is_date(type_):
        return "date", "sc:Date"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "string", "sc:Text"
    raise TypeError(f"no published type for Arrow type {type_}")


def description(field: pa.Field) -> str:
    """A column's description from its Arrow field metadata."""
    return (field.metadata or {}).get(b"description", b"").decode("utf-8")


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _parquet(stage: Path, table: PublishedTable) -> Path:
    return stage / "parquet" / table.file_name


def _languages(stage: Path) -> list[str]:
    sources = stage / "parquet" / TABLES["sources"].file_name
    values = pq.read_table(sources, columns=["language"]).column("language").to_pylist()
    return sorted({str(v) for v in values if v})


# --------------------------------------------------------------------------- datapackage


def table_schema(table: PublishedTable) -> dict[str, Any]:
    """The Frictionless Table Schema (v2) of one published table."""
    fields = []
    for field in table.schema:
        kind, _ = arrow_type_names(field.type)
        if kind == "array":
            # frictionless 5 reads Parquet through pandas, where a list cell is a numpy
            # array, which its `array` type refuses: declared `any`, the list type is in
            # the description and in croissant.json (repeated fields)
            kind = "any"
        entry: dict[str, Any] = {
            "name": field.name,
            "type": kind,
            "description": description(field),
        }
        if not field.nullable:
            entry["constraints"] = {"required": True}
        elif kind == "integer":
            # frictionless reads Parquet through pandas, where a null integer becomes NaN
            entry["missingValues"] = ["nan"]
        fields.append(entry)
    schema: dict[str, Any] = {
        "$schema": TABLESCHEMA_PROFILE,
        "fields": fields,
        "missingValues": [],
        "primaryKey": list(table.primary_key),
    }
    # a foreign key on a list column applies to each element; Table Schema compares whole
    # cells, so only the scalar ones are declared here (croissant.json and the checks
    # carry the list ones)
    scalar = [(c, t, k) for c, t, k in table.foreign_keys if c not in table.lists]
    if scalar:
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": target, "fields": [key]}}
            for column, target, key in scalar
        ]
    return schema


def render_datapackage(release: Release) -> str:
    """datapackage.json for the published Parquet files.

    Resources carry no ``bytes``/``hash``: frictionless reads Parquet through pyarrow and
    cannot count its bytes, so it would report a mismatch; SHA256SUMS and croissant.json
    carry the checksums instead.
    """
    resources = []
    for table in TABLES.values():
        resources.append(
            {
                "name": table.name,
                "type": "table",
                "path": f"parquet/{table.file_name}",
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                "description": table.description,
                "schema": table_schema(table),
            }
        )
    package = {
        "$schema": DATAPACKAGE_PROFILE,
        "name": "evidence-kit",
        "title": release.title,
        "description": release.description,
        "version": release.version,
        "licenses": [
            {"name": release.license, "path": release.license_url, "title": release.license_title}
        ],
        "contributors": [{"title": release.creator, "roles": ["creator"]}],
        "keywords": release.keywords,
        "resources": resources,
    }
    return _dump(package)


# --------------------------------------------------------------------------- croissant

CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
"""The Croissant 1.1 JSON-LD context, as the specification's 1.1 examples declare it."""


def _record_set(table: PublishedTable) -> dict[str, Any]:
    # keys into the vocabulary tables are left out: mlcroissant 1.1.1 fails to join a
    # record set whose references reference further (assertions -> claims -> interventions);
    # datapackage.json and the checks carry them
    references = {
        column: (target, key)
        for column, target, key in table.foreign_keys
        if target not in VOCABULARY_TABLES
    }
    fields = []
    for field in table.schema:
        _, data_type = arrow_type_names(field.type)
        entry: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{table.name}/{field.name}",
            "name": field.name,
            "description": description(field),
            "dataType": data_type,
            **({"isArray": True, "arrayShape": "-1"} if pa.types.is_list(field.type) else {}),
            "source": {
                "fileObject": {"@id": table.file_name},
                "extract": {"column": field.name},
            },
        }
        if field.name in references:
            target, key = references[field.name]
            entry["references"] = {"field": {"@id": f"{target}/{key}"}}
        fields.append(entry)
    return {
        "@type": "cr:RecordSet",
        "@id": table.name,
        "name": table.name,
        "description": table.description,
        "key": [{"@id": f"{table.name}/{column}"} for column in table.primary_key],
        "field": fields,
    }


def render_croissant(stage: Path, release: Release) -> str:
    """croissant.json for the Parquet files staged under ``stage/parquet``."""
    distribution = []
    for table in TABLES.values():
        path = _parquet(stage, table)
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": table.file_name,
                "name": table.file_name,
                "description": table.description,
                "contentUrl": f"parquet/{table.file_name}",
                "contentSize": f"{path.stat().st_size} B",
                "encodingFormat": CROISSANT_PARQUET,
                "sha256": sha256_file(path),
            }
        )
    document = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "evidence-kit",
        "description": release.description,
        "conformsTo": CROISSANT_1_1,
        "citeAs": f"{release.creator}. {release.title}, version {release.version} "
        f"({release.release_date.isoformat()}).",
        "creator": {"@type": "sc:Organization", "name": release.creator},
        "datePublished": release.release_date.isoformat(),
        "version": release.version,
        "license": release.license_url,
        "keywords": release.keywords,
        "inLanguage": sorted({"en", *_languages(stage)}),
        "distribution": distribution,
        "recordSet": [_record_set(table) for table in TABLES.values()],
    }
    return _dump(document)


# --------------------------------------------------------------------------- checksums


def checked_files(root: Path) -> list[str]:
    """Paths (relative to ``root``) of the published files SHA256SUMS covers, sorted."""
    names = [f"parquet/{t.file_name}" for t in TABLES.values()]
    return sorted([*names, *CHECKED_FILES, *PUBLISHED_IMAGES])


def render_checksums(root: Path) -> str:
    """``sha256sum``-style lines (hash, two spaces, path) for :func:`checked_files`."""
    return "".join(f"{sha256_file(root / name)}  {name}\n" for name in checked_files(root))


def read_checksums(root: Path) -> dict[str, str]:
    """``root/SHA256SUMS`` as a mapping of relative path to sha256."""
    text = (root / CHECKSUMS_FILE).read_text(encoding="utf-8")
    pairs = (line.split("  ", 1) for line in text.splitlines() if line.strip())
    return {path: digest for digest, path in pairs}


def verify_checksums(root: Path) -> list[Finding]:
    """One finding per published file whose sha256 differs from SHA256SUMS (or is missing)."""
    sums = root / CHECKSUMS_FILE
    if not sums.is_file():
        return [ERR.FILE_MISSING.at(display_path(sums), path=display_path(sums))]
    findings = []
    for name, expected in sorted(read_checksums(root).items()):
        path = root / name
        display = display_path(path)
        if not path.is_file():
            findings.append(ERR.FILE_MISSING.at(display, path=display))
            continue
        actual = sha256_file(path)
        if actual != expected:
            findings.append(
                ERR.CHECKSUM_MISMATCH.at(display, path=display, expected=expected, actual=actual)
            )
    return findings
