"""The committed ICD-10-CM answers are the library's own for every code validate asks.

``evidence_kit/model/icd10cm.json`` lets a fresh machine validate the dataset without
importing ``simple_icd_10_cm`` (1.5 s).  This test records every code ``validate`` looks
up, asks the library itself, and requires the committed file to hold exactly those
answers for the installed library version.  To regenerate it after a vocabulary change::

    EVIDENCE_KIT_REGENERATE=1 .venv/bin/python -m pytest tests/test_icd10cm.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_kit.model import icd10cm

DATASET = Path(__file__).resolve().parent.parent / "dataset"


def _asked_codes(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    from evidence_kit.curation.validator import validate

    asked: set[str] = set()
    original = icd10cm.description

    def recording(code: str) -> str | None:
        asked.add(code)
        return original(code)

    monkeypatch.setattr(icd10cm, "description", recording)
    validate(DATASET)
    return asked


def test_bundled_answers_are_the_librarys_for_every_code_validate_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import simple_icd_10_cm as icd

    asked = _asked_codes(monkeypatch)
    assert len(asked) > 20
    want = {
        "simple_icd_10_cm": icd10cm.installed_version(),
        "answers": {
            code: (icd.get_description(code) if icd.is_valid_item(code) else None)
            for code in sorted(asked)
        },
    }
    text = json.dumps(want, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("EVIDENCE_KIT_REGENERATE"):
        icd10cm.BUNDLED.write_text(text, "utf-8")
    assert icd10cm.BUNDLED.read_text("utf-8") == text, "regenerate: see this module's doc"


def test_a_fresh_machine_validates_without_loading_the_code_set(tmp_path: Path) -> None:
    """With an empty cache directory, validating the dataset never imports the library."""
    code = (
        "import sys; from pathlib import Path; "
        "from evidence_kit.curation.validator import validate; "
        f"report, _ = validate(Path({str(DATASET)!r})); "
        "print(report.valid, 'simple_icd_10_cm' in sys.modules)"
    )
    env = {**os.environ, "EVIDENCE_KIT_CACHE": str(tmp_path / "empty")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["True", "False"]
