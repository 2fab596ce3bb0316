"""Download metadata: the release file, the published types, and SHA256SUMS.

Everything published is generated from the Arrow contract (:mod:`evidence_kit.model.tables`),
the release file (``dataset/release.yaml``) and the staged Parquet files, never from the
clock, so the metadata is as reproducible as the data:

* ``datapackage.json``: a Frictionless Data Package v2 built with frictionless's classes
  (:mod:`evidence_kit.publishing.datapackage`);
* ``croissant.json``: MLCommons Croissant 1.1 built with mlcroissant's classes
  (:mod:`evidence_kit.publishing.croissant`);
* ``SHA256SUMS``: ``sha256sum -c`` compatible lines for every published file (here).

Both documents type their columns with :func:`arrow_type_names`.

>>> arrow_type_names(pa.int32())
('integer', 'sc:Integer')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
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
)

RELEASE_FILE = "release.yaml"
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
