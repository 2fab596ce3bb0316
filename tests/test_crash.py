"""Kill the build at every rename, unlink and symlink of the publish phase; the published
files must then be entirely the old release or entirely the new one, and the next build
must recover.  Concurrent builds are serialised by the lock.

With strace installed (``apt-get install strace``), the kill is injected by the kernel
tracer without touching the code (``-e inject=SYSCALL:signal=SIGKILL:when=K``), once per
syscall family and K; without it, ``tests/crashhook.py`` kills the process from a Python
hook on the same calls.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from publish_data import snapshot, write_synthetic_dataset

from evidence_kit.publishing import build as publish
from evidence_kit.publishing import layout

HERE = Path(__file__).resolve().parent
SYSCALLS = {
    "rename": "rename,renameat,renameat2",
    "unlink": "unlink,unlinkat,rmdir",
    "symlink": "symlink,symlinkat",
}
STRACE = shutil.which("strace")
BUILD = [sys.executable, "-c", "from evidence_kit.cli import main; main()", "build"]
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], dict]:
    """A built dataset with changed inputs (the template), and the old and new releases."""
    base = tmp_path_factory.mktemp("crash")
    template = write_synthetic_dataset(base / "template")
    publish.build(template)
    old = snapshot(template)
    claims = template / "claims.yaml"
    claims.write_text(claims.read_text("utf-8").replace("redness.", "redness!"), "utf-8")
    release = template / "release.yaml"  # new content is a new release: the old one is frozen
    text = release.read_text("utf-8")
    release.write_text(re.sub(r"(?m)^version: .*$", "version: 9.9.9", text), "utf-8")
    probe = base / "probe"
    shutil.copytree(template, probe, symlinks=True)
    publish.build(probe)
    new = snapshot(probe)
    assert new != old
    return template, old, new


def _killed_build(work: Path, family: str, k: int, strace: bool) -> int:
    if strace:
        assert STRACE is not None
        spec = SYSCALLS[family]
        command = [STRACE, "-f", "-qq", "-o", os.devnull, "-e", f"trace={spec}",
                   "-e", f"inject={spec}:signal=SIGKILL:when={k}", *BUILD, str(work)]  # fmt: skip
    else:
        command = [sys.executable, str(HERE / "crashhook.py"), str(k), str(work)]
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    return done.returncode


def _sweep(states: tuple[Path, dict[str, bytes], dict], tmp: Path, family: str, strace: bool):
    template, old, new = states
    killed = 0
    for k in range(1, 200):
        work = tmp / f"{family}-{k}"
        shutil.copytree(template, work, symlinks=True)
        code = _killed_build(work, family, k, strace)
        seen = snapshot(work)
        assert seen in (old, new), f"kill at {family} #{k}: published files are a mix"
        if code == 0:
            assert seen == new
            break
        assert code in (-signal.SIGKILL, 128 + signal.SIGKILL, 137), (family, k, code)
        killed += 1
        publish.build(work)  # the next build recovers
        assert snapshot(work) == new
        live = os.readlink(work / layout.CURRENT)
        assert [p.name for p in (work / layout.RELEASES).iterdir()] == [Path(live).name]
        shutil.rmtree(work)
    else:
        pytest.fail(f"the build never finished under {family} injection")
    return killed


@pytest.mark.slow
@pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")
@pytest.mark.parametrize("family", list(SYSCALLS))
def test_kill_at_every_publish_syscall_with_strace(states, tmp_path: Path, family: str) -> None:
    killed = _sweep(states, tmp_path, family, strace=True)
    if family != "unlink":
        assert killed >= 1, f"no {family} happened in the publish phase"


@pytest.mark.slow
@pytest.mark.skipif(
    STRACE is not None and not os.environ.get("EVIDENCE_KIT_CRASH_HOOK"),
    reason="strace runs the sweep; set EVIDENCE_KIT_CRASH_HOOK=1 to run both",
)
def test_kill_at_every_publish_call_with_a_python_hook(states, tmp_path: Path) -> None:
    assert _sweep(states, tmp_path, "hook", strace=False) >= 2


def test_concurrent_builds_are_serialised(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    claims = root / "claims.yaml"
    claims.write_text(claims.read_text("utf-8").replace("redness.", "redness!"), "utf-8")
    release = root / "release.yaml"  # new content is a new release: the old one is frozen
    text = release.read_text("utf-8")
    release.write_text(re.sub(r"(?m)^version: .*$", "version: 9.9.9", text), "utf-8")
    runs = [
        subprocess.Popen(
            [*BUILD, str(root)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    codes = [p.wait(timeout=600) for p in runs]
    assert codes == [0, 0, 0], [p.stderr.read() for p in runs if p.stderr]
    before = snapshot(root)
    publish.build(root)
    assert snapshot(root) == before
    assert len(list((root / layout.RELEASES).iterdir())) == 1


def test_a_held_lock_fails_the_second_build_with_ek561(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    env = {**ENV, "EVIDENCE_KIT_LOCK_TIMEOUT": "0"}
    with layout.build_lock(root):
        done = subprocess.run([*BUILD, str(root)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "error EK561 build-locked" in done.stderr
    assert not (root / "parquet").exists()
