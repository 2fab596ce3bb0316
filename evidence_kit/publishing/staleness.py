"""Is the published release what the curated inputs would build now? (``build --check``)

:func:`stale_files` renders a complete release from the current curation into a temporary
directory (outside the dataset: nothing is published, frozen or locked) with the same
code a build uses, then compares it byte for byte with the published files seen through
``dataset/parquet``, ``dataset/SHA256SUMS`` and the metadata links.  Every file that
differs, is missing, or is published without being built is one EK590 finding; a
Parquet file whose ``evidence_kit.input_hash`` metadata differs from the curation's
hash says so, which names the usual cause (curated YAML edited, not rebuilt).

The curated data is validated first, as by a build: invalid data raises
:class:`~evidence_kit.model.errors.EvidenceKitError` with its findings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from evidence_kit.curation.inputs import input_hash
from evidence_kit.curation.loader import display_path
from evidence_kit.curation.validator import load_dataset
from evidence_kit.model.errors import ERR, Finding
from evidence_kit.model.tables import CHECKSUMS_FILE, PUBLISHED_IMAGES
from evidence_kit.publishing.build import PARQUET_DIR, read_metadata, table_rows
from evidence_kit.publishing.build import _write_release as write_release
from evidence_kit.publishing.metadata import CHECKED_FILES, read_release

HASH_KEY = "evidence_kit.input_hash"


def stale_files(root: Path) -> list[Finding]:
    """One EK590 finding per published file that a build of ``root`` now would change."""
    dataset = load_dataset(root)
    release = read_release(root)
    digest = input_hash(root)
    rows = table_rows(dataset)
    with tempfile.TemporaryDirectory(prefix="evidence-kit-check-") as tmp:
        stage = Path(tmp) / "release"
        stage.mkdir()
        write_release(stage, release, digest, rows, dataset)
        return _compare(root, stage, digest)


def _compare(root: Path, stage: Path, digest: str) -> list[Finding]:
    built = sorted(p.relative_to(stage) for p in (stage / PARQUET_DIR).glob("*.parquet"))
    built += [Path(name) for name in (*CHECKED_FILES, *PUBLISHED_IMAGES, CHECKSUMS_FILE)]
    published_dir = root / PARQUET_DIR
    extra = (
        sorted(
            p.relative_to(root)
            for p in published_dir.glob("*.parquet")
            if not (stage / PARQUET_DIR / p.name).exists()
        )
        if published_dir.is_dir()
        else []
    )
    shown_root = display_path(root)
    findings: list[Finding] = []
    for relative in built:
        path = root / relative
        shown = display_path(path)
        if not path.is_file():
            reason = "it is not published (never built, or removed)"
        elif path.read_bytes() == (stage / relative).read_bytes():
            continue
        else:
            reason = _why(path, digest)
        findings.append(ERR.PUBLISHED_STALE.at(shown, path=shown, reason=reason, root=shown_root))
    for relative in extra:
        shown = display_path(root / relative)
        findings.append(
            ERR.PUBLISHED_STALE.at(
                shown,
                path=shown,
                reason="a build publishes no such table, so it would be removed",
                root=shown_root,
            )
        )
    return findings


def _why(path: Path, digest: str) -> str:
    if path.suffix != ".parquet":
        return "its bytes differ"
    try:
        published = read_metadata(path).get(HASH_KEY)
    except Exception:  # an unreadable file is simply different
        return "it is not a readable Parquet file"
    if published != digest:
        return (
            f"it was built from inputs {str(published)[:12]}, the curated inputs are now "
            f"{digest[:12]}"
        )
    return "same inputs, but its bytes differ"
