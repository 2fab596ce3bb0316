"""ICD-10-CM look-ups, remembered on disk so that validating does not load the code set.

``simple_icd_10_cm`` parses the whole ICD-10-CM tabular list when imported (about 1.5 s),
more than the rest of ``evidence-kit validate`` together.  :func:`description` answers
from the committed answers for the dataset's codes (:data:`BUNDLED`), then from a small
cache file -- one JSON object per installed ``simple_icd_10_cm``
version, ``code -> official description`` (``null`` for a code that does not exist) --
and imports the library only for a code it has not seen.  The answers are the library's
own, so a cached run and an uncached run validate identically; a cache that cannot be
read or written is ignored.  ``EVIDENCE_KIT_CACHE`` overrides the directory
(default ``$XDG_CACHE_HOME/evidence-kit``, else ``~/.cache/evidence-kit``).
"""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_MEMORY: dict[str, str | None] = {}  # every answer known in this process
_SEEN: dict[str, str | None] = {}  # those of the cache file and this run's look-ups


def cache_file() -> Path:
    """Where the look-ups of the installed ``simple_icd_10_cm`` version are kept."""
    release = installed_version()
    root = os.environ.get("EVIDENCE_KIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "evidence-kit",
    )
    return Path(root) / f"icd10cm-{release}.json"


BUNDLED = Path(__file__).with_name("icd10cm.json")
"""The library's answers for every code the curated dataset uses, generated and committed
(``tests/test_icd10cm.py`` regenerates and compares it), so that a fresh machine
validates the dataset without loading the code set; used only when it was made with the
installed ``simple_icd_10_cm`` version."""


def installed_version() -> str:
    try:
        return version("simple-icd-10-cm")
    except PackageNotFoundError:  # pragma: no cover - a dependency of the package
        return "unknown"


def _answers(data: object) -> dict[str, str | None]:
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if v is None or isinstance(v, str)}


def _load() -> None:
    if _MEMORY:
        return
    try:
        bundled = json.loads(BUNDLED.read_text("utf-8"))
        if bundled.get("simple_icd_10_cm") == installed_version():
            _MEMORY.update(_answers(bundled.get("answers")))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        data = json.loads(cache_file().read_text("utf-8"))
    except (OSError, ValueError):
        return
    _SEEN.update(_answers(data))
    _MEMORY.update(_SEEN)


def description(code: str) -> str | None:
    """The official description of an ICD-10-CM item, or None when it does not exist."""
    _load()
    if code in _MEMORY:
        return _MEMORY[code]
    import simple_icd_10_cm as icd  # slow to import (~1.7 s): only for a code not cached

    answer = icd.get_description(code) if icd.is_valid_item(code) else None
    _MEMORY[code] = _SEEN[code] = answer
    path = cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_SEEN, ensure_ascii=False, sort_keys=True), "utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return answer
