"""A frictionless plugin that makes ``frictionless validate`` check Parquet bytes.

frictionless 5 reads a Parquet resource through pyarrow from its path, past the byte
stream that counts ``bytes`` and hashes the file, so a resource's declared ``hash`` is
never compared and its ``bytes`` always mismatch (the parser leaves the count empty).
It also goes through pandas, where a list cell becomes a numpy array that the
``array`` field type refuses.  This plugin's parser, used for every ``parquet``
resource that declares ``hash`` or ``bytes``, instead

* reads the file through frictionless's own loader (local or remote), so the loader
  counts and hashes exactly the bytes that are then parsed, and frictionless's baseline
  check reports ``hash-count`` and ``byte-count`` errors by itself;
* parses those bytes with pyarrow and yields native cells: Python lists for list
  columns, ``int`` (never NaN) for integers, ``datetime.date`` for dates, ``str`` for
  dictionary-encoded columns;
* turns a file that is not readable Parquet (truncated, overwritten) into a
  ``source-error`` whose reasons include the hash and byte-count mismatches, instead of
  a traceback.

Resources without ``hash`` and ``bytes`` keep frictionless's own Parquet parser.

frictionless finds plugins by module name: every top-level module called
``frictionless_<name>`` is imported and its ``<Name>Plugin`` class registered (before
the built-in ones, so this parser wins).  The wheel installs such a module,
``frictionless_evidencekit`` (in the repository root), which re-exports
:class:`EvidencekitPlugin`; so the ``frictionless`` command line picks this plugin up in
any environment where evidence-kit is installed.  This module is imported only by that
module and by the publishing code that uses frictionless, never by ``import
evidence_kit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from frictionless import FrictionlessException, Parser, Plugin, Resource, errors, helpers
from frictionless.formats.parquet import ParquetControl

PARQUET_FORMATS = ("parquet", "parq")
BLOCK = 1 << 20
"""Bytes read from the loader's stream at a time."""


def _mismatches(resource: Resource) -> list[Any]:
    """The hash-count and byte-count errors of ``resource``'s counted bytes, if any."""
    found: list[Any] = []
    stats = resource.stats
    if resource.hash:
        algorithm, expected = helpers.parse_resource_hash_v1(resource.hash)
        actual = {"md5": stats.md5, "sha256": stats.sha256}.get(algorithm)
        if actual and actual != expected:
            found.append(errors.HashCountError(note=_note(expected, actual)))
    if resource.bytes and resource.bytes != stats.bytes:
        found.append(errors.ByteCountError(note=_note(resource.bytes, stats.bytes)))
    return found


def _note(expected: object, actual: object) -> str:
    """frictionless's own wording of a count mismatch (its baseline check's)."""
    return f'expected is "{expected}" and actual is "{actual}"'


class CheckedParquetParser(Parser):
    """Parquet read through frictionless's loader: counted, hashed, then parsed by pyarrow."""

    requires_loader = True
    supported_types = [  # noqa: RUF012 - frictionless declares it as a class-level list
        "any",
        "array",
        "boolean",
        "date",
        "datetime",
        "integer",
        "number",
        "object",
        "string",
        "time",
    ]

    def read_cell_stream_create(self) -> Iterator[list[Any]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        stream: Any = self.loader.byte_stream  # counts and hashes what is read1()
        chunks = []
        while chunk := stream.read1(BLOCK):
            chunks.append(chunk)
        control = ParquetControl.from_dialect(self.resource.dialect)
        try:
            table = pq.read_table(
                pa.BufferReader(b"".join(chunks)),
                columns=control.columns,
                filters=control.filters or None,
            )
        except (pa.ArrowException, OSError, ValueError) as exc:
            unreadable = errors.SourceError(note=f"not a readable Parquet file: {exc}")
            raise FrictionlessException(
                unreadable, reasons=[unreadable, *_mismatches(self.resource)]
            ) from None
        yield list(table.column_names)
        for batch in table.to_batches():
            yield from (list(row) for row in zip(*batch.to_pydict().values(), strict=True))


class EvidencekitPlugin(Plugin):
    """Registers :class:`CheckedParquetParser` for Parquet resources declaring hash or bytes."""

    def create_parser(self, resource: Resource) -> Parser | None:
        declares = resource.hash is not None or resource.bytes is not None
        if resource.format in PARQUET_FORMATS and declares:
            return CheckedParquetParser(resource)
        return None
