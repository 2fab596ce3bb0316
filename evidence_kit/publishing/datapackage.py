"""datapackage.json, built with frictionless's own classes from the Arrow contract.

One tabular resource per published Parquet file (:data:`evidence_kit.model.tables.TABLES`),
each with

* ``hash`` (``sha256:<hex>``, the Data Package v2 form) and ``bytes`` of the staged file,
  which ``frictionless validate`` compares with the file through the plugin in
  :mod:`evidence_kit.publishing.frictionlessplugin`;
* a Table Schema: one field per Arrow column, typed from the Arrow type (list columns
  are ``array`` fields with an ``arrayItem`` naming the element type), ``required`` for
  non-nullable columns, and the column's constraints from the published-table rules
  (:data:`evidence_kit.model.columnrules.RULES`): the closed vocabularies as
  ``enum`` (an ordinal column's levels in their ascending order), numeric bounds as
  ``minimum``/``maximum``, lengths as ``minLength``/``maxLength``;
* the primary key and the foreign keys, those into the vocabulary tables included.  A
  foreign key on a list column applies to each element, which Table Schema cannot say
  (it compares whole cells), so those are left to the published-file checks and listed
  in the field's description.

The package is validated by frictionless as it is exported (``to_descriptor(validate=True,
upgrade=True)``, which also sets the v2 ``$schema``) and written in frictionless's own
key order, with resources in the contract's order and no clock: the same inputs give the
same bytes.  frictionless is imported inside the functions, so only a build loads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.columnrules import RULES, ColumnRule
from evidence_kit.model.tables import EVIDENCE_COPIES, TABLES, PublishedTable
from evidence_kit.publishing.metadata import Release, arrow_type_names, description

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
PACKAGE_NAME = "evidence-kit"

_BOUNDS = (("ge", "minimum"), ("le", "maximum"), ("min_length", "minLength"),
           ("max_length", "maxLength"))  # fmt: skip


def column_rule(table: str, column: str) -> ColumnRule | None:
    """The rule of ``table.column``; an evidence column copied from another table has the
    rule of the column it copies (:data:`EVIDENCE_COPIES`)."""
    for rule in RULES.get(table, ()):
        if rule.column == column:
            return rule
    if table == "evidence" and column in EVIDENCE_COPIES:
        origin, name, _ = EVIDENCE_COPIES[column]
        return column_rule(origin, name)
    return None


def constraints(table: PublishedTable, field: pa.Field) -> dict[str, Any]:
    """Table Schema constraints of one column: required, enum, bounds and lengths."""
    out: dict[str, Any] = {}
    if not field.nullable:
        out["required"] = True
    rule = column_rule(table.name, field.name)
    if rule is None or pa.types.is_list(field.type):
        return out
    if rule.enum is not None:
        levels = table.ordinals.get(field.name)
        out["enum"] = list(levels) if levels else list(rule.enum)
    integer = pa.types.is_integer(field.type)
    for name, key in _BOUNDS:
        value = getattr(rule, name)
        if value is not None:
            out[key] = int(value) if integer or name.endswith("length") else value
    return out


def _field(table: PublishedTable, column: pa.Field) -> Any:
    """One frictionless field of ``table``'s Arrow ``column``."""
    from frictionless import Field

    kind, _ = arrow_type_names(column.type)
    text = description(column)
    descriptor: dict[str, Any] = {"name": column.name, "type": kind, "description": text}
    if kind == "array":
        item, _ = arrow_type_names(column.type.value_type)
        descriptor["arrayItem"] = {"type": item}
        keys = [(t, k) for c, t, k in table.foreign_keys if c == column.name]
        if keys:
            refs = ", ".join(f"{t}.{k}" for t, k in keys)
            descriptor["description"] = f"{text} Each element references {refs}."
    cons = constraints(table, column)
    if cons:
        descriptor["constraints"] = cons
    return Field.from_descriptor(descriptor)


def table_schema(table: PublishedTable) -> Any:
    """The frictionless :class:`~frictionless.Schema` of one published table."""
    from frictionless import Schema

    scalar = [(c, t, k) for c, t, k in table.foreign_keys if c not in table.lists]
    return Schema(
        fields=[_field(table, column) for column in table.schema],
        missing_values=[],
        primary_key=list(table.primary_key),
        foreign_keys=[
            {"fields": [column], "reference": {"resource": target, "fields": [key]}}
            for column, target, key in scalar
        ],
    )


def build_package(stage: Path, release: Release) -> Any:
    """The frictionless :class:`~frictionless.Package` of the Parquet files under ``stage``."""
    from frictionless import Package, Resource

    resources = []
    for table in TABLES.values():
        path = stage / "parquet" / table.file_name
        resources.append(
            Resource(
                name=table.name,
                path=f"parquet/{table.file_name}",
                format="parquet",
                mediatype=PARQUET_MEDIATYPE,
                description=table.description,
                hash=f"sha256:{sha256_file(path)}",
                bytes=path.stat().st_size,
                schema=table_schema(table),
            )
        )
    return Package(
        name=PACKAGE_NAME,
        title=release.title,
        description=release.description,
        version=release.version,
        licenses=[
            {"name": release.license, "path": release.license_url, "title": release.license_title}
        ],
        contributors=[{"title": release.creator, "roles": ["creator"]}],
        keywords=list(release.keywords),
        resources=resources,
    )


def render_datapackage(stage: Path, release: Release) -> str:
    """datapackage.json for the Parquet files staged under ``stage/parquet``.

    frictionless exports the ``scheme`` it detected for each path (``file``); it is
    dropped, since it would make frictionless open a hosted copy
    (``https://.../datapackage.json``) as local files.
    """
    descriptor = build_package(stage, release).to_descriptor(validate=True, upgrade=True)
    for resource in descriptor["resources"]:
        resource.pop("scheme", None)
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
