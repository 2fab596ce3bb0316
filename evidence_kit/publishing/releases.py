"""Frozen releases and their release notes.

Every published release is kept, byte for byte, in ``dataset/releases/<version>/`` with
the layout of the published files themselves: ``parquet/*.parquet``,
``datapackage.json``, ``croissant.json``, the card ``README.md`` and a ``SHA256SUMS``
over them (so ``sha256sum -c SHA256SUMS`` works inside the folder, and the paths in
datapackage.json and croissant.json resolve there too).

* :func:`freeze` copies a build's published files into ``releases/<version>/``; a
  release is frozen, so it refuses (``EK600``) when the folder exists with other
  content, and does nothing when the content is identical.
* :func:`resolve_release` (in :mod:`~evidence_kit.publishing.releasepaths`, which the analyst
  install can run) turns what a user typed (``0.1.0``, ``current``, a release folder, a
  folder of Parquet such as ``dataset/parquet``) into a folder of Parquet.
* :func:`release_notes` renders a CHANGELOG entry from a :class:`ReleaseDiff`, and
  :func:`update_changelog` inserts it into CHANGELOG.md (newest first, once per version:
  rebuilding leaves an existing entry, and any hand edits to it, alone).

>>> sorted(["0.10.0", "0.2.0", "0.9.1"], key=version_key)
['0.2.0', '0.9.1', '0.10.0']
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evidence_kit.model.errors import ERR, EvidenceKitError
from evidence_kit.model.tables import CHECKSUMS_FILE
from evidence_kit.publishing.changes import ACTIVE, ReleaseDiff, describe_schema_change
from evidence_kit.publishing.diff import diff_releases
from evidence_kit.publishing.metadata import checked_files, read_checksums
from evidence_kit.publishing.releasepaths import (
    CURRENT,
    RELEASES_DIR,
    VERSION,
    list_releases,
    release_dir,
    releases_dir,
    resolve_release,
    version_key,
)

CHANGELOG_FILE = "CHANGELOG.md"
CHANGELOG_HEADER = (
    "# Changelog\n\n"
    "Release notes of the evidence-kit dataset, newest first. `evidence-kit build` writes the\n"
    "entry of a new release from `evidence-kit diff` against the previous frozen release\n"
    "(`dataset/releases/`); edit an entry freely, a rebuild leaves it alone.\n"
)


def previous_release(root: Path, version: str) -> str | None:
    """The newest frozen release older than ``version``, if any."""
    older = [v for v in list_releases(root) if version_key(v) < version_key(version)]
    return older[-1] if older else None


# --------------------------------------------------------------------------- freezing


def release_files(folder: Path) -> list[str]:
    """The files a release consists of (relative paths): what SHA256SUMS covers, and itself.

    A folder with a SHA256SUMS is what it lists (an older release has the tables of its own
    contract: 0.1.0 and 0.2.0 have no vocabulary tables); without one, what a build of the
    current contract writes."""
    if (folder / CHECKSUMS_FILE).is_file():
        return [*sorted(read_checksums(folder)), CHECKSUMS_FILE]
    return [*checked_files(folder), CHECKSUMS_FILE]


def frozen_differences(published: Path, frozen: Path) -> list[str]:
    """Release files whose bytes differ between ``published`` and ``frozen`` (or are missing
    from one of them), and files in ``frozen`` that are not release files."""
    names = release_files(published)
    different = [
        name
        for name in names
        if not (published / name).is_file()
        or not (frozen / name).is_file()
        or (published / name).read_bytes() != (frozen / name).read_bytes()
    ]
    extra = sorted(
        p.relative_to(frozen).as_posix()
        for p in frozen.rglob("*")
        if p.is_file() and p.relative_to(frozen).as_posix() not in names
    )
    return different + extra


def check_freezable(published: Path, root: Path, version: str) -> None:
    """Raise ``EK600`` if release ``version`` is frozen with content other than ``published``."""
    frozen = release_dir(root, version)
    if not frozen.exists():
        return
    different = frozen_differences(published, frozen)
    if different:
        raise EvidenceKitError(
            [
                ERR.RELEASE_FROZEN.at(
                    frozen.as_posix(),
                    version=version,
                    path=frozen.as_posix(),
                    files=", ".join(different),
                )
            ]
        )


@dataclass(frozen=True)
class Frozen:
    """Where a release is frozen, and whether this call wrote it (False: it was identical)."""

    directory: Path
    written: bool


def freeze(published: Path, root: Path, version: str) -> Frozen:
    """Copy the release files under ``published`` into ``root/releases/<version>``.

    Identical content already there is left as it is; other content raises ``EK600``.
    The copy is staged next to the target and renamed into place, so a failure leaves no
    half-frozen release.
    """
    check_freezable(published, root, version)
    target = release_dir(root, version)
    if target.exists():
        return Frozen(target, written=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{version}-*"):  # left by a killed build (under its lock)
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    try:
        for name in release_files(published):
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(published / name, stage / name)
        os.replace(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Frozen(target, written=True)


# --------------------------------------------------------------------------- notes


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def release_notes(
    version: str, release_date: str, diff: ReleaseDiff | None, counts: dict[str, int]
) -> str:
    """The CHANGELOG entry of release ``version`` (markdown, ending in a blank line).

    ``diff`` is the diff against the previous frozen release (None for the first one);
    ``counts`` are the new release's rows by table.
    """
    previous = f"changes since {diff.old.title}" if diff else "first frozen release"
    out = [f"## {version} ({release_date})", "", f"Release {version}: {previous}."]
    out.append("")
    out.append("Rows: " + ", ".join(f"{name} {n}" for name, n in counts.items()) + ".")
    if diff is None:
        return "\n".join(out) + "\n\n"
    if diff.findings:
        out += ["", "### Problems", ""]
        out += [f"- {f.severity} {f.code} {f.name}: {f.message}" for f in diff.findings]
    if diff.schema_changes:
        out += ["", "### Schema changes", ""]
        out += [f"- {describe_schema_change(c)}" for c in diff.schema_changes]
    out += ["", "### Records", "", "| table | added | retracted | removed | changed |"]
    out += ["|---|---|---|---|---|"]
    for table in diff.tables:
        name = f"{table.table} (derived)" if table.derived else table.table
        out.append(
            f"| {name} | {len(table.added)} | {len(table.retracted)} | "
            f"{len(table.removed)} | {len(table.changed)} |"
        )
    for table in diff.tables:
        if table.empty:
            continue
        out += ["", f"#### {table.table}", ""]
        for ref in table.added:
            status = f" ({ref.status})" if ref.status not in (None, ACTIVE) else ""
            label = f": {_cell(ref.label)}" if ref.label else ""
            out.append(f"- added `{ref.id}`{status}{label}")
        for retraction in table.retracted:
            out.append(f"- retracted `{retraction.id}`: {_cell(retraction.reason)}")
        for ref in table.reinstated:
            out.append(f"- reinstated `{ref.id}`")
        for ref in table.removed:
            out.append(f"- **removed** `{ref.id}` (forbidden: records are retracted, not deleted)")
        for ref in table.unused:
            out.append(f"- no claim names `{ref.id}` any more")
        for change in table.changed:
            fields = ", ".join(f"`{c.field}`" for c in change.changes)
            out.append(f"- changed `{change.id}`: {fields}")
    certainty = diff.certainty
    out += ["", "### Certainty", ""]
    if certainty.moves:
        up = sum(1 for m in certainty.moves if m.direction == "up")
        down = sum(1 for m in certainty.moves if m.direction == "down")
        out.append(f"{len(certainty.moves)} claims moved ({up} up, {down} down):")
        out.append("")
        out += [f"- `{m.claim_id}`: {m.old} → {m.new}" for m in certainty.moves]
        out.append("")
    out += ["| certainty | active claims before | after |", "|---|---|---|"]
    for level in dict.fromkeys([*certainty.before, *certainty.after]):
        out.append(
            f"| {level} | {certainty.before.get(level, 0)} | {certainty.after.get(level, 0)} |"
        )
    return "\n".join(out) + "\n\n"


_ENTRY = re.compile(r"^## \[?([0-9]+\.[0-9]+\.[0-9]+)\b", re.MULTILINE)


def update_changelog(path: Path, version: str, entry: str) -> bool:
    """Insert ``entry`` for ``version`` into the changelog at ``path``, newest first.

    Returns False (and changes nothing) when the changelog has an entry for ``version``
    already, so rebuilding never duplicates it.
    """
    text = path.read_text("utf-8") if path.is_file() else CHANGELOG_HEADER
    entries = [(m.start(), m.group(1)) for m in _ENTRY.finditer(text)]
    if any(v == version for _, v in entries):
        return False
    older = [start for start, v in entries if version_key(v) < version_key(version)]
    at = older[0] if older else len(text)
    head, tail = text[:at], text[at:]
    if head and not head.endswith("\n\n"):
        head = head.rstrip("\n") + "\n\n"
    # written beside and renamed over, so a killed build never leaves a truncated changelog
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text((head + entry + tail).rstrip("\n") + "\n", encoding="utf-8", newline="\n")
    os.replace(partial, path)
    return True


def write_release_notes(
    root: Path, version: str, release_date: str, changelog: Path, counts: dict[str, int]
) -> bool:
    """Diff frozen ``version`` against the previous frozen release; add the notes to
    ``changelog``.  Returns whether the changelog changed."""
    previous = previous_release(root, version)
    diff = None
    if previous is not None:
        diff = diff_releases(
            release_dir(root, previous) / "parquet",
            release_dir(root, version) / "parquet",
            previous,
            version,
        )
    return update_changelog(changelog, version, release_notes(version, release_date, diff, counts))


__all__ = [
    "CHANGELOG_FILE",
    "CURRENT",
    "RELEASES_DIR",
    "VERSION",
    "Frozen",
    "check_freezable",
    "freeze",
    "frozen_differences",
    "list_releases",
    "previous_release",
    "release_dir",
    "release_files",
    "release_notes",
    "releases_dir",
    "resolve_release",
    "update_changelog",
    "version_key",
    "write_release_notes",
]
