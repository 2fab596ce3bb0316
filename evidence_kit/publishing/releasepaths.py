"""Where releases live: frozen versions under ``<dataset>/releases/`` and ``current``.

A release is named by its version (``0.1.0``: the folder ``releases/0.1.0``), by
``current`` (the published ``<dataset>/parquet``) or by a folder of Parquet files;
:func:`resolve_release` turns any of these into the folder to read.

>>> sorted(["0.10.0", "0.9.1", "0.2.0"], key=version_key)
['0.2.0', '0.9.1', '0.10.0']
"""

from __future__ import annotations

import re
from pathlib import Path

from evidence_kit.model.errors import ERR, EvidenceKitError, UsageError

RELEASES_DIR = "releases"
"""Folder of frozen releases inside the dataset directory (docs/releases.md)."""
CURRENT = "current"
"""Release name of the current published files (``<dataset>/parquet``)."""
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


def version_key(version: str) -> tuple[int, ...]:
    """A semantic version as a sortable tuple (``0.10.0`` after ``0.9.1``)."""
    return tuple(int(part) for part in version.split("."))


def releases_dir(root: Path) -> Path:
    return root / RELEASES_DIR


def release_dir(root: Path, version: str) -> Path:
    return releases_dir(root) / version


def list_releases(root: Path) -> list[str]:
    """Versions frozen under ``root/releases``, oldest first."""
    folder = releases_dir(root)
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.match(p.name)]
    return sorted(found, key=version_key)


def resolve_release(spec: str, root: Path) -> Path:
    """The folder of Parquet files that ``spec`` names.

    ``spec`` is a frozen release's version (``0.1.0``, looked up in ``root/releases``),
    ``current`` (``root/parquet``), a release folder (one holding ``parquet/``) or a
    folder of Parquet files.  An unknown name raises :class:`UsageError` naming the
    choices; a folder without Parquet files raises ``EK604``.
    """
    path = Path(spec)
    if spec == CURRENT:
        path = root / "parquet"
    elif VERSION.match(spec) and not path.exists():
        path = release_dir(root, spec)
        if not path.is_dir():
            choices = ", ".join([*list_releases(root), CURRENT])
            raise UsageError(
                f"no release {spec!r} in {releases_dir(root).as_posix()}",
                f"give one of: {choices}, or a folder of published Parquet",
            )
    if not path.is_dir():
        raise UsageError(
            f"{spec!r} is neither a release version nor a folder",
            "give a release version (such as 0.1.0), current, or a folder such as "
            "dataset/releases/0.1.0 or dataset/parquet",
        )
    if (path / "parquet").is_dir():
        path = path / "parquet"
    if not published_tables(path):
        raise EvidenceKitError(
            [
                ERR.RELEASE_UNREADABLE.at(
                    path.as_posix(), path=path.as_posix(), reason="it holds no Parquet files"
                )
            ]
        )
    return path


def published_tables(folder: Path) -> dict[str, Path]:
    """The Parquet files of a published folder, by table name."""
    return {p.stem: p for p in sorted(folder.glob("*.parquet"))}
