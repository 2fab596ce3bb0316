"""Value distributions, defect kinds and sizes the synthetic generator draws from."""

from __future__ import annotations

import re

from evidence_kit.model.errors import ERR

CHUNK_ROWS = 500_000

MAX_SOURCES = 1000

MISSING_CLAIM = "c-synthetic-missing-claim"

SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")

CLAUSE = re.compile(r"[^,;:，；：、]+")

HEDGES = {"vi": "có thể", "id": "diyakini", "sv": "tros", "zh-Hans": "可能"}

MODES = ("asserted", "hedged", "conditional", "attributed", "negated")

MODE_P = (0.55, 0.2, 0.1, 0.1, 0.05)

SUPPORT = ("none", "clinical_experience", "expert_opinion", "named_study", "journal")

SUPPORT_P = (0.6, 0.15, 0.15, 0.05, 0.05)

ECO = ("ECO:0000303", "ECO:0000304", "ECO:0006017", "ECO:0000305")

ECO_P = (0.6, 0.2, 0.05, 0.15)

AGENTS = ("manual_agent", "automated_agent", "manual_validation_of_automated_agent")

AGENT_P = (0.6, 0.1, 0.3)

CURATORS = ("evidence-kit curators", "synthetic annotator a", "synthetic annotator b")

STATUS = ("active", "retracted")

CERTAINTY = ("very_low", "low", "moderate", "high")

ASSERTION_DEFECTS: tuple[tuple[str, str], ...] = (
    ("quote_en", ERR.MISSING_FIELD.code),
    ("extraction_confidence", ERR.OUT_OF_RANGE.code),
    ("statement_mode", ERR.NOT_ALLOWED_VALUE.code),
    ("claim_id", ERR.PATTERN_MISMATCH.code),
    ("hedge_cue", ERR.INVALID_VALUE.code),
    ("char_end", ERR.OFFSETS_ORDER.code),
    ("evidence_basis", ERR.UNKNOWN_ECO.code),
    ("retraction_reason", ERR.RETRACTION_REASON.code),
    ("assertion_id", ERR.DUPLICATE_ID.code),
    ("claim_id", ERR.DANGLING_REFERENCE.code),
    ("quote", ERR.DUPLICATE_QUOTE.code),
    ("char_end", ERR.QUOTE_OFFSETS_PAST_END.code),
    ("quote", ERR.QUOTE_MISMATCH.code),
    ("quote", ERR.QUOTE_NOT_NFC.code),
    ("prefix", ERR.CONTEXT_MISMATCH.code),
)
