"""The mini dataset with overlapping and retracted quotes, for the browser tests.

``tests/data/mini`` has no overlapping quotes and nothing retracted; the browser must
handle both.  :func:`write_browse_dataset` copies it and adds to ``s000``:

* ``s000-005``, nested inside ``s000-001`` (same claim);
* ``s000-006``, retracted, crossing the boundary between ``s000-002`` and ``s000-003``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from evidence_kit.curation.provenance import Span, context

MINI = Path(__file__).parent / "data" / "mini"

EXTRA = [
    {
        "assertion_id": "s000-005",
        "claim_id": "c-mn-mech-collagen-production",
        "quote": "stimulerar kollagenproduktionen",
        "quote_en": "stimulates collagen production",
        "statement_mode": "asserted",
        "support_type": "none",
        "evidence_basis": "ECO:0000303",
        "agent_type": "manual_agent",
        "curator": "evidence-kit test suite",
        "extraction_confidence": 0.8,
        "reviewed_by": "a second curator",
        "reviewed_on": "2025-11-01",
    },
    {
        "assertion_id": "s000-006",
        "claim_id": "c-mn-ae-redness",
        "quote": "aknenärr.\nRodnad",
        "quote_en": "acne scars. Redness",
        "qualifiers": {"frequency": "common"},
        "statement_mode": "asserted",
        "support_type": "none",
        "evidence_basis": "ECO:0000303",
        "agent_type": "manual_agent",
        "curator": "evidence-kit test suite",
        "extraction_confidence": 0.3,
        "status": "retracted",
        "retraction_reason": "Crosses two sentences; retracted to test the browser.",
    },
]


def write_browse_dataset(root: Path) -> Path:
    """Copy the mini dataset to ``root`` and add the overlapping and retracted quotes."""
    shutil.copytree(MINI, root)
    text = (root / "texts" / "000_mini_sv.txt").read_text(encoding="utf-8")
    lines = []
    for record in EXTRA:
        start = text.index(str(record["quote"]))
        span = Span(start, start + len(str(record["quote"])))
        prefix, suffix = context(text, span)
        full = {
            **record,
            "char_start": span.start,
            "char_end": span.end,
            "prefix": prefix,
            "suffix": suffix,
        }
        lines.append("  - " + json.dumps(full, ensure_ascii=False))
    path = root / "assertions" / "s000.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + "\n".join(lines) + "\n", "utf-8")
    return root
