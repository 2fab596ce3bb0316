"""croissant.json, built with mlcroissant's own classes from the Arrow contract.

MLCommons Croissant 1.1: a ``cr:FileObject`` per published Parquet file (with its
sha256 and size) and a ``cr:RecordSet`` per table, one ``cr:Field`` per column typed
from the Arrow type; list columns are declared as arrays (``isArray``, ``arrayShape``
``-1``), so mlcroissant yields Python lists for them.  Each record set names its primary
key, and scalar foreign keys between the record tables are ``references``.

Two kinds of foreign key are not declared, both because of what mlcroissant 1.1.1 does
with ``references`` when it reads records (a pandas merge per record set):

* keys into the vocabulary tables (``claims.subject`` -> ``interventions``): with one,
  reading ``claims`` and then ``assertions`` or ``evidence`` from the same
  ``mlc.Dataset`` fails (``GenerationError`` in ``Join(assertions)``: "'generator'
  object has no attribute 'columns'"): mlcroissant keeps the records of ``claims`` it
  streamed as a spent generator and hands it to the later join.  (Each record set read
  from a fresh ``mlc.Dataset`` would load; the common one-dataset pattern would not.)
* keys on list columns (``co_interventions``, ``outcomes``): mlcroissant merges on whole
  cells, and a list is not a join key.

datapackage.json declares the first kind, the dataset card lists every key, and
``evidence-kit validate --published`` checks them all, list elements included.
``tests/test_metadata.py`` pins the first limitation: it fails, saying to declare the
vocabulary references, once mlcroissant reads them.

The document is checked by mlcroissant as it is built (an invalid node raises
:class:`mlcroissant.ValidationError`) and written in mlcroissant's own key order, with
no clock involved (the date is release.yaml's): the same inputs give the same bytes.
mlcroissant is imported inside the functions, so only a build loads it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES, PublishedTable
from evidence_kit.publishing.metadata import Release, arrow_type_names, description

CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"
SCHEMA_ORG = "https://schema.org/"
DATASET_NAME = "evidence-kit"


def declared_references(table: PublishedTable) -> dict[str, tuple[str, str]]:
    """The foreign keys of ``table`` croissant.json declares: column -> (table, column).

    Those on list columns and those into the vocabulary tables are left out (see the
    module docstring for mlcroissant's reasons).
    """
    return {
        column: (target, key)
        for column, target, key in table.foreign_keys
        if target not in VOCABULARY_TABLES and column not in table.lists
    }


def _languages(stage: Path) -> list[str]:
    sources = stage / "parquet" / TABLES["sources"].file_name
    values = pq.read_table(sources, columns=["language"]).column("language").to_pylist()
    return sorted({"en", *(str(v) for v in values if v)})


def _field(ctx: Any, table: PublishedTable, column: pa.Field) -> Any:
    import mlcroissant as mlc
    from rdflib import term

    is_list = pa.types.is_list(column.type)
    _, data_type = arrow_type_names(column.type)
    references = declared_references(table)
    extra: dict[str, Any] = {}
    if is_list:
        extra.update(is_array=True, array_shape="-1")
    if column.name in references:
        target, key = references[column.name]
        extra["references"] = mlc.Source(ctx=ctx, field=f"{target}/{key}")
    return mlc.Field(
        ctx=ctx,
        id=f"{table.name}/{column.name}",
        name=column.name,
        description=description(column),
        data_types=[term.URIRef(SCHEMA_ORG + data_type.removeprefix("sc:"))],
        source=mlc.Source(
            ctx=ctx,
            file_object=table.file_name,
            extract=mlc.Extract(ctx=ctx, column=column.name),
        ),
        **extra,
    )


def build_metadata(stage: Path, release: Release) -> Any:
    """The :class:`mlcroissant.Metadata` of the Parquet files under ``stage/parquet``."""
    import mlcroissant as mlc

    ctx = mlc.Context(conforms_to=CROISSANT_1_1)
    files = []
    for table in TABLES.values():
        path = stage / "parquet" / table.file_name
        files.append(
            mlc.FileObject(
                ctx=ctx,
                id=table.file_name,
                name=table.file_name,
                description=table.description,
                content_url=f"parquet/{table.file_name}",
                content_size=f"{path.stat().st_size} B",
                encoding_formats=[mlc.EncodingFormat.PARQUET],
                sha256=sha256_file(path),
            )
        )
    record_sets = [
        mlc.RecordSet(
            ctx=ctx,
            id=table.name,
            name=table.name,
            description=table.description,
            key=[f"{table.name}/{column}" for column in table.primary_key],
            fields=[_field(ctx, table, column) for column in table.schema],
        )
        for table in TABLES.values()
    ]
    released = dt.datetime.combine(release.release_date, dt.time())
    return mlc.Metadata(
        ctx=ctx,
        name=DATASET_NAME,
        description=release.description,
        cite_as=f"{release.creator}. {release.title}, version {release.version} "
        f"({release.release_date.isoformat()}).",
        creators=[mlc.Organization(ctx=ctx, name=release.creator)],
        date_published=released,
        version=release.version,
        license=[release.license_url],
        keywords=list(release.keywords),
        in_language=_languages(stage),
        distribution=files,
        record_sets=record_sets,
    )


def render_croissant(stage: Path, release: Release) -> str:
    """croissant.json for the Parquet files staged under ``stage/parquet``."""
    document = build_metadata(stage, release).to_json()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
