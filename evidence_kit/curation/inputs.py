"""The curation inputs of a dataset directory, and the hash that names them.

The hash is stamped into every published Parquet file (``evidence_kit.input_hash``) and
checked against the curation by ``validate --published``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from evidence_kit.curation.loader import TABLES as CURATION_TABLES

TEXT_INPUTS = "texts/**/*"


def input_files(root: Path) -> list[Path]:
    """Every curation input under ``root`` (the files the loader reads, and the texts)."""
    patterns = [t.path for t in CURATION_TABLES.values()] + [TEXT_INPUTS]
    found = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def input_hash(root: Path) -> str:
    """sha256 over the sorted relative paths and bytes of every curation input.

    Each file contributes its POSIX path, a NUL, its length as 8 bytes and its bytes,
    so renaming a file or moving bytes between files changes the hash too.
    """
    digest = hashlib.sha256()
    for path in input_files(root):
        data = path.read_bytes()
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()
