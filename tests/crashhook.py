"""Run ``evidence-kit build DIR`` and SIGKILL it at the K-th file-system change.

The pure-Python stand-in for ``strace -e inject=...:signal=SIGKILL:when=K`` when strace
is not installed: ``python crashhook.py K DIR`` wraps the calls that change names
(rename, replace, unlink, rmdir, symlink) and kills the process just before the K-th.
"""

import os
import signal
import sys

from evidence_kit.cli import main

count = 0
limit = 0


def wrap(name: str) -> None:
    real = getattr(os, name)

    def hooked(*args: object, **kwargs: object) -> object:
        global count
        count += 1
        if count == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    setattr(os, name, hooked)


if __name__ == "__main__":
    limit = int(sys.argv[1])
    for name in ("rename", "replace", "unlink", "remove", "rmdir", "symlink"):
        wrap(name)
    sys.argv = ["evidence-kit", "build", sys.argv[2]]
    main()
