"""Where the published files live, and how a build replaces them as a whole.

Every build writes a complete release directory ``.published/<id>/`` (the Parquet files,
``datapackage.json``, ``croissant.json``, ``README.md`` and ``SHA256SUMS``; ``<id>`` is
derived from the bytes of its SHA256SUMS) and then switches one pointer, the symbolic
link ``current``, with a single ``rename``.  The paths analysts and tools use are fixed
links through that pointer::

    dataset/current          -> .published/<id>      (the one pointer)
    dataset/parquet          -> current/parquet
    dataset/SHA256SUMS       -> current/SHA256SUMS   (and README.md, datapackage.json,
                                                      croissant.json alike)

So the published set is at every instant either entirely the old release or entirely
the new one, whatever kills the build.  Builds hold an exclusive lock
(``.build.lock``, ``fcntl.flock``: the kernel drops it when a build dies), and each
build first removes what a killed one left behind: staging directories, a half-made
pointer, release directories no pointer names.  A dataset in the older layout (real
files) is first moved into a release directory of its own bytes and linked, so even
that one-time migration never shows a mix.  See docs/guarantees.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from evidence_kit.model.errors import ERR, EvidenceKitError

RELEASES = ".published"
CURRENT = "current"
LOCK_FILE = ".build.lock"
STAGE_PREFIX = ".build-"
POINTER_TMP = ".current.tmp"
LOCK_TIMEOUT = float(os.environ.get("EVIDENCE_KIT_LOCK_TIMEOUT", "600"))
"""Seconds a build waits for another build's lock before failing with EK561."""


@contextlib.contextmanager
def build_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the dataset's build lock; wait up to ``timeout`` s, then raise EK561."""
    limit = LOCK_TIMEOUT if timeout is None else timeout
    handle = (root / LOCK_FILE).open("a+b")
    try:
        deadline = time.monotonic() + limit
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    shown = str(root / LOCK_FILE)
                    raise EvidenceKitError(
                        [ERR.BUILD_LOCKED.at(shown, path=str(root), expected=limit)]
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        handle.close()


def new_stage(root: Path) -> Path:
    """A fresh staging directory inside ``.published`` (same file system: renames are atomic)."""
    releases = root / RELEASES
    releases.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=releases))


def current_release(root: Path) -> Path | None:
    """The release directory ``current`` points to, when it is a valid pointer."""
    pointer = root / CURRENT
    if not pointer.is_symlink():
        return None
    target = (root / os.readlink(pointer)).resolve()
    return target if target.is_dir() and target.parent == (root / RELEASES).resolve() else None


def release_id(stage: Path, checksums: str) -> str:
    """The name of a release directory: a digest of its SHA256SUMS."""
    return hashlib.sha256((stage / checksums).read_bytes()).hexdigest()[:16]


def publish(root: Path, stage: Path, name: str, names: list[str]) -> Path:
    """Make the complete ``stage`` the published release in one pointer switch.

    ``names`` are the published entries (``parquet``, ``SHA256SUMS`` ...), linked from
    ``root`` through ``current``.  Returns the release directory.
    """
    releases = root / RELEASES
    live = current_release(root)
    if live is not None and _same_tree(stage, live):
        _remove(stage)  # nothing changed: the live release stays, byte for byte
        link_entries(root, names)
        cleanup(root)
        return live
    final = releases / name
    if final.exists() and (live is None or final.resolve() != live):
        _remove(final)  # a leftover of a killed build
    if final.exists():  # the live release has this name: republish under a fresh one
        final = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=releases))
        final.rmdir()
    os.rename(stage, final)
    _fsync_dir(releases)
    _point(root, final)
    link_entries(root, names)
    cleanup(root)
    return final


def _point(root: Path, release: Path) -> None:
    """Switch ``current`` to ``release`` with one rename of a fresh link over it."""
    tmp = root / POINTER_TMP
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(f"{RELEASES}/{release.name}", tmp)
    pointer = root / CURRENT
    if pointer.exists() and not pointer.is_symlink():  # an older layout's real directory
        aside = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=root / RELEASES))
        os.rename(pointer, aside / CURRENT)
    os.replace(tmp, pointer)
    _fsync_dir(root)


def link_entries(root: Path, names: list[str]) -> None:
    """Make each published name a link through ``current`` (no-op when it already is)."""
    for name in names:
        path = root / name
        target = f"{CURRENT}/{name}"
        if path.is_symlink() and os.readlink(path) == target:
            continue
        tmp = root / f".{name}.link"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp)
        if path.is_dir() and not path.is_symlink():
            aside = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=root / RELEASES))
            os.rename(path, aside / name)
        os.replace(tmp, path)
    _fsync_dir(root)


def migrate(root: Path, names: list[str]) -> None:
    """Move a dataset in the older layout (real published files) into a release directory
    holding exactly those bytes, so switching to links never shows a mix."""
    if not _has_real(root, names):
        return
    if current_release(root) is None:
        stage = new_stage(root)
        for name in names:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, stage / name)
            elif source.is_file():
                shutil.copy2(source, stage / name)
        sums = "SHA256SUMS"
        final = root / RELEASES / (release_id(stage, sums) if (stage / sums).is_file() else "old")
        if final.exists():
            _remove(final)
        os.rename(stage, final)
        _point(root, final)
    link_entries(root, names)


def _has_real(root: Path, names: list[str]) -> bool:
    return any((root / n).exists() and not (root / n).is_symlink() for n in names)


def cleanup(root: Path) -> None:
    """Remove what killed builds left: staging directories, a half-made pointer, releases
    no pointer names.  Call with the lock held."""
    releases = root / RELEASES
    live = current_release(root)
    tmp = root / POINTER_TMP
    if tmp.is_symlink():
        tmp.unlink()
    for leftover in root.glob(".*.link"):
        if leftover.is_symlink():
            leftover.unlink()
    if not releases.is_dir():
        return
    for entry in releases.iterdir():
        if live is not None and entry.resolve() == live:
            continue
        if live is None and not entry.name.startswith(STAGE_PREFIX):
            continue  # no pointer yet: keep releases until one is named
        _remove(entry)


def _same_tree(a: Path, b: Path) -> bool:
    """True when directories ``a`` and ``b`` hold the same files with the same bytes."""

    def files(top: Path) -> dict[str, Path]:
        return {p.relative_to(top).as_posix(): p for p in top.rglob("*") if p.is_file()}

    left, right = files(a), files(b)
    return left.keys() == right.keys() and all(
        left[k].read_bytes() == right[k].read_bytes() for k in left
    )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
