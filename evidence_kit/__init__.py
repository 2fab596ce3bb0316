"""evidence-kit: a typed, provenance-first dataset of claims about microneedling.

The published tables ship inside the package, so analysts need nothing but
``pip install evidence-kit``:

>>> import evidence_kit
>>> evidence_kit.list_tables()
['sources', 'claims', 'assertions', 'evidence', 'interventions', 'conditions', 'outcomes']

``load("evidence")`` returns a pandas DataFrame, ``load("claims", as_arrow=True)`` a
``pyarrow.Table`` whose fields carry their descriptions.  In a wheel the current
published folder is package data, ``evidence_kit/data`` (the Parquet files in
``parquet/``, next to the dataset card, ``datapackage.json``, ``croissant.json``, the
evidence map and ``SHA256SUMS``); in a source checkout (editable install) it is
``dataset/``.  Nothing is read or downloaded at import time, and pandas and pyarrow are
imported only when a table is loaded.

Every published release is kept frozen (``dataset/releases/<version>/``, in a wheel
``evidence_kit/releases/<version>/``): ``list_releases()`` names them, oldest first, and
``load("claims", release="0.1.0")`` reads an older one; ``load(name)`` is the current
release.

``check_published(path)`` checks a directory of published Parquet files and returns a
:class:`~evidence_kit.model.errors.ValidationReport`; it is the stable entry point to the
published-file checks (the modules behind it may move, this function does not).
``check_installed()`` runs its checksum and row-level checks on the installed data
(``evidence-kit validate --installed``); the source texts are not redistributed, so the
quote checks are reported as skipped, with the reason.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args, overload

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from evidence_kit.model.errors import ValidationReport

try:
    __version__ = version("evidence-kit")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
    __version__ = "0+unknown"

__all__ = [
    "TableName",
    "__version__",
    "check_installed",
    "check_published",
    "data_dir",
    "list_releases",
    "list_tables",
    "load",
    "to_pandas",
]

TableName = Literal[
    "sources", "claims", "assertions", "evidence", "interventions", "conditions", "outcomes"
]
"""The published tables; ``load``'s signature shows them (kept equal to ``model.tables.TABLES``
by a test, and not imported from there so that ``import evidence_kit`` stays instant)."""
_TABLES: tuple[TableName, ...] = get_args(TableName)
_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "dataset" / "parquet"
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
_CHECKOUT_RELEASES = Path(__file__).resolve().parent.parent / "dataset" / "releases"


def list_tables() -> list[str]:
    """Names of the published tables, in the order of the published contract."""
    return list(_TABLES)


def data_dir() -> Traversable:
    """Where the Parquet files are: the package's own data, else the checkout's.

    The package's is ``evidence_kit/data/parquet``, inside the installed published folder
    (the card, metadata and ``SHA256SUMS`` sit in ``evidence_kit/data``).  Raises
    :class:`EvidenceKitError` when neither holds the published files.
    """
    packaged = files("evidence_kit") / "data" / "parquet"
    if (packaged / "evidence.parquet").is_file():
        return packaged
    if (_CHECKOUT_DATA / "evidence.parquet").is_file():
        return _CHECKOUT_DATA
    from evidence_kit.model.errors import ERR, EvidenceKitError

    raise EvidenceKitError(
        [
            ERR.FILE_MISSING.at(
                str(_CHECKOUT_DATA),
                path="evidence_kit/data/parquet/evidence.parquet "
                "(or dataset/parquet/ in a checkout)",
            )
        ]
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _releases() -> dict[str, Traversable]:
    """Frozen releases by version: the package's own, else the checkout's."""
    for folder in (files("evidence_kit") / "releases", _CHECKOUT_RELEASES):
        if folder.is_dir():
            found = {
                entry.name: entry
                for entry in folder.iterdir()
                if entry.is_dir() and _VERSION.match(entry.name)
            }
            if found:
                return found
    return {}


def list_releases() -> list[str]:
    """Versions of the frozen releases that ``load(name, release=...)`` reads, oldest first.

    The current release (what ``load(name)`` reads) is the newest once it is built.
    """
    return sorted(_releases(), key=_version_key)


@overload
def load(
    name: TableName, *, as_arrow: Literal[False] = False, release: str | None = None
) -> pd.DataFrame: ...


@overload
def load(name: TableName, *, as_arrow: Literal[True], release: str | None = None) -> pa.Table: ...


def load(
    name: TableName, *, as_arrow: bool = False, release: str | None = None
) -> pd.DataFrame | pa.Table:
    """One published table as a pandas DataFrame, or as a pyarrow Table with ``as_arrow``.

    ``release`` names a frozen release (see :func:`list_releases`); without it the
    current release is read.  The DataFrame has pandas' nullable dtypes (``Int32``,
    ``boolean``, ``string``, ``Float64``), ``category`` for categorical columns --
    ordinal ones (``certainty``, ``claim_certainty``) ordered, with every level
    (``very_low < low < moderate < high``), so ``sort_values("certainty")`` and
    ``.max()`` work --, Python lists for the multi-valued columns (``co_interventions``,
    ``outcomes``, ``synonyms``, ``severity_grades``, ``cited_*`` ...) and
    ``datetime64`` for dates; its ``attrs["evidence_kit"]`` carries the release's
    version, date, schema version and licence.  An unknown ``name`` or ``release``
    raises :class:`UsageError` naming the valid choices.
    """
    if name not in _TABLES:
        from evidence_kit.model.errors import UsageError

        raise UsageError(
            f"unknown table {name!r}",
            f"choose one of: {', '.join(_TABLES)} (see evidence_kit.list_tables())",
            file="evidence_kit.load",
        )
    if release is None:
        folder = data_dir()
    else:
        releases = _releases()
        if release not in releases:
            from evidence_kit.model.errors import UsageError

            choices = ", ".join(sorted(releases, key=_version_key)) or "none are frozen"
            raise UsageError(
                f"unknown release {release!r}",
                f"choose one of: {choices} (see evidence_kit.list_releases())",
                file="evidence_kit.load",
            )
        folder = releases[release] / "parquet"
    import pyarrow.parquet as pq

    with as_file(folder / f"{name}.parquet") as path:
        table = pq.read_table(path)
    return table if as_arrow else to_pandas(table)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """``table`` as a DataFrame with nullable dtypes, its release metadata in ``attrs``."""
    import pandas as pd
    import pyarrow as pa

    nullable = {
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.string(): pd.StringDtype(),
    }
    frame = table.to_pandas(types_mapper=nullable.get, date_as_object=False)
    for field in table.schema:
        if pa.types.is_dictionary(field.type) and field.type.ordered:
            levels = table.column(field.name).type  # every level, in order (see the build)
            chunks = table.column(field.name).chunks
            values = chunks[0].dictionary.to_pylist() if chunks else []
            frame[field.name] = pd.Categorical(
                frame[field.name].astype(object), categories=values, ordered=levels.ordered
            )
        elif pa.types.is_list(field.type):
            frame[field.name] = pd.Series(
                table.column(field.name).to_pylist(), index=frame.index, dtype=object
            )
    meta = table.schema.metadata or {}
    prefix = b"evidence_kit."
    frame.attrs["evidence_kit"] = {
        key[len(prefix) :].decode(): value.decode()
        for key, value in sorted(meta.items())
        if key.startswith(prefix)
    }
    return frame


Engine = Literal["fast", "pandas", "spark"]


def check_published(
    path: str | Path, engine: Engine = "fast", suites: bool = True
) -> ValidationReport:
    """Check the published Parquet files in ``path``; every finding in one report.

    * ``engine="fast"`` (default): checksums (when ``SHA256SUMS`` sits next to ``path``)
      and the column-wise checks of every table -- types, value sets, patterns, bounds,
      record rules, keys, references, orphans and every quote against its source text;
      with ``suites=True`` also the Great Expectations suites, run with pandas.
    * ``engine="pandas"``: the same row-level checks, and the suites run with pandas.
    * ``engine="spark"``: every row-level check runs as Spark jobs
      (:mod:`evidence_kit.checks.sparkcheck`, the same findings as the fast path), and the
      suites with Great Expectations' Spark engine (Spark starts only when asked for).
    * ``suites=False`` skips the Great Expectations suites (Great Expectations is then not
      imported); the row-level checks are the same.

    ``path`` is the directory holding the Parquet files (``dataset/parquet``); source
    texts are read relative to its parent.  Findings locate the file, the 1-based row and
    the column; ``report.valid`` is False when any is an error.  Raises
    :class:`~evidence_kit.model.errors.UsageError` for an unknown engine or a missing
    directory.
    """
    from evidence_kit.checks.published import validate_published

    if engine not in ("fast", "pandas", "spark"):
        from evidence_kit.model.errors import UsageError

        raise UsageError(f"unknown engine {engine!r}", "use one of: fast, pandas, spark")
    return validate_published(
        Path(path), engine="pandas" if engine == "fast" else engine, suites=suites
    )


def check_installed() -> ValidationReport:
    """Check the data installed with this package; every finding in one report.

    The same checks as ``check_published(path, suites=False)`` on the installed published
    folder (``evidence_kit/data``, or ``dataset/`` in a source checkout): every file
    against ``SHA256SUMS`` (which must be there), then the row-level checks of every
    table.  The source texts are third-party web pages and are not redistributed with
    the package, so where they are absent the source-text and quote checks are not run:
    ``report.skipped`` says so, with the reason and how to run them from a clone
    (``evidence-kit validate --published dataset/parquet``).  ``report.valid`` is True
    when everything that could be checked passed.
    """
    folder = data_dir()
    if not isinstance(folder, Path):  # pragma: no cover - zip imports are not supported
        from evidence_kit.model.errors import UsageError

        raise UsageError(
            f"the installed data in {folder} is not a folder on disk",
            "install evidence-kit from its wheel into a regular environment",
        )
    try:
        from evidence_kit.checks.installed import validate_installed

        return validate_installed(folder.parent)
    except ModuleNotFoundError as exc:  # the checks need the [validate] extra
        module = (exc.name or "").split(".")[0]
        if not module or module == "evidence_kit":
            raise
        from evidence_kit.model.errors import ERR, EvidenceKitError

        where = "evidence_kit.check_installed"
        raise EvidenceKitError(
            [ERR.MISSING_EXTRA.at(where, module=module, extra="validate")]
        ) from None
