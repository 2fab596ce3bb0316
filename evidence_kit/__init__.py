"""evidence-kit: a typed, provenance-first dataset of claims about microneedling.

The published tables ship inside the package, so analysts need nothing but
``pip install evidence-kit``:

>>> import evidence_kit
>>> evidence_kit.list_tables()
['sources', 'claims', 'assertions', 'evidence']

``load("evidence")`` returns a pandas DataFrame, ``load("claims", as_arrow=True)`` a
``pyarrow.Table`` whose fields carry their descriptions.  In a wheel the Parquet files
are package data (``evidence_kit/data``); in a source checkout (editable install) they
are read from ``dataset/parquet``.  Nothing is read or downloaded at import time, and
pandas and pyarrow are imported only when a table is loaded.

``check_published(path)`` checks a directory of published Parquet files and returns a
:class:`~evidence_kit.model.errors.ValidationReport`; it is the stable entry point to the
published-file checks (the modules behind it may move, this function does not).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from evidence_kit.model.errors import ValidationReport

try:
    __version__ = version("evidence-kit")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
    __version__ = "0+unknown"

__all__ = ["TableName", "__version__", "check_published", "data_dir", "list_tables", "load"]

TableName = Literal["sources", "claims", "assertions", "evidence"]
_TABLES: tuple[TableName, ...] = ("sources", "claims", "assertions", "evidence")
_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "dataset" / "parquet"


def list_tables() -> list[str]:
    """Names of the published tables, in the order of the published contract."""
    return list(_TABLES)


def data_dir() -> Traversable:
    """Where the Parquet files are: the package's own data, else the checkout's.

    Raises :class:`EvidenceKitError` when neither holds the published files.
    """
    packaged = files("evidence_kit") / "data"
    if (packaged / "evidence.parquet").is_file():
        return packaged
    if (_CHECKOUT_DATA / "evidence.parquet").is_file():
        return _CHECKOUT_DATA
    from evidence_kit.model.errors import ERR, EvidenceKitError

    raise EvidenceKitError(
        [
            ERR.FILE_MISSING.at(
                str(_CHECKOUT_DATA),
                path="evidence_kit/data/evidence.parquet (or dataset/parquet/ in a checkout)",
            )
        ]
    )


@overload
def load(name: TableName, *, as_arrow: Literal[False] = False) -> pd.DataFrame: ...


@overload
def load(name: TableName, *, as_arrow: Literal[True]) -> pa.Table: ...


def load(name: TableName, *, as_arrow: bool = False) -> pd.DataFrame | pa.Table:
    """One published table as a pandas DataFrame, or as a pyarrow Table with ``as_arrow``.

    Categorical columns come back as pandas ``category`` (Arrow dictionary) columns.
    An unknown ``name`` raises :class:`UsageError` naming the valid choices.
    """
    if name not in _TABLES:
        from evidence_kit.model.errors import UsageError

        raise UsageError(
            f"unknown table {name!r}",
            f"choose one of: {', '.join(_TABLES)} (see evidence_kit.list_tables())",
            file="evidence_kit.load",
        )
    import pyarrow.parquet as pq

    with as_file(data_dir() / f"{name}.parquet") as path:
        table = pq.read_table(path)
    return table if as_arrow else table.to_pandas()


Engine = Literal["fast", "pandas", "spark"]


def check_published(
    path: str | Path, engine: Engine = "fast", suites: bool = True
) -> ValidationReport:
    """Check the published Parquet files in ``path``; every finding in one report.

    * ``engine="fast"`` (default): checksums (when ``SHA256SUMS`` sits next to ``path``)
      and the column-wise checks of every table -- types, value sets, patterns, bounds,
      record rules, keys, references, orphans and every quote against its source text;
      with ``suites=True`` also the Great Expectations suites, run with pandas.
    * ``engine="pandas"`` or ``"spark"``: the same row-level checks, and the suites run
      with that Great Expectations engine (Spark starts only when asked for).
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
