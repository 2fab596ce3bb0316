"""The certainty rule of evidence_kit/certainty.py, clause by clause.

Sources and assertions are built in code; expected confidences are the documented
formula written out, so a change to the rule shows up as a failing clause.
"""

from __future__ import annotations

import random
from itertools import count
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit.curation.certainty import BASE, LEVELS, PEER_REVIEWED_BASE, assess
from evidence_kit.model.records import Assertion, Source
from evidence_kit.model.vocabulary import ECO_CODES, QUALITY_FLAGS, SOURCE_TYPES, STATEMENT_MODES

_ids = count()


def source(
    source_id: str,
    work: str | None = None,
    kind: str = "consumer_health_article",
    flags: tuple[str, ...] = (),
) -> Source:
    return Source.model_validate(
        {
            "source_id": source_id,
            "source_file": f"{source_id}.txt",
            "text_path": f"texts/{source_id}.txt",
            "sha256": "0" * 64,
            "language": "sv",
            "source_type": kind,
            "work_id": f"w-{work or source_id}",
            "quality_flags": [{"flag": f, "reason": "test"} for f in flags],
        }
    )


def assertion(
    source_id: str,
    mode: str = "asserted",
    basis: str = "ECO:0000303",
    confidence: float = 1.0,
    status: str = "active",
) -> Assertion:
    data: dict[str, Any] = {
        "assertion_id": f"{source_id}-{next(_ids) % 1000:03d}",
        "source_id": source_id,
        "claim_id": "c-x",
        "quote": "q",
        "char_start": 0,
        "char_end": 1,
        "prefix": "",
        "suffix": "",
        "quote_en": "q",
        "statement_mode": mode,
        "hedge_cue": "may" if mode == "hedged" else None,
        "attributed_to": "a study" if mode == "attributed" else None,
        "support_type": "named_study" if basis == "ECO:0006017" else "none",
        "evidence_basis": basis,
        "agent_type": "manual_agent",
        "curator": "test",
        "extraction_confidence": confidence,
    }
    if status == "retracted":
        data.update(status="retracted", retraction_reason="test")
    return Assertion.model_validate(data)


def by_id(*sources: Source) -> dict[str, Source]:
    return {s.source_id: s for s in sources}


STUDY = "ECO:0006017"


# --------------------------------------------------------------------------- works


def test_translations_of_one_work_count_once():
    sources = by_id(source("s001", "article"), source("s003", "article"), source("s002"))
    one = assess([assertion("s001")], sources)
    translated = assess([assertion("s001"), assertion("s003")], sources)
    independent = assess([assertion("s001"), assertion("s002")], sources)
    assert (translated.n_works, translated.n_sources, translated.n_assertions) == (1, 2, 2)
    assert translated.confidence == one.confidence == BASE["ECO:0000303"]
    assert independent.n_works == 2
    assert independent.confidence == round(BASE["ECO:0000303"] + 0.10, 3)


def test_three_sources_of_two_works_do_not_make_three_confirmations():
    sources = by_id(source("s001", "a"), source("s002", "a"), source("s003", "b"), source("s004"))
    two_works = assess([assertion(s) for s in ("s001", "s002", "s003")], sources)
    three_works = assess([assertion(s) for s in ("s001", "s003", "s004")], sources)
    assert (two_works.n_works, two_works.certainty) == (2, "very_low")
    assert (three_works.n_works, three_works.certainty) == (3, "low")


def test_extra_works_add_at_most_0_2():
    sources = by_id(*(source(f"s00{i}") for i in range(6)))
    result = assess([assertion(f"s00{i}") for i in range(6)], sources)
    assert result.confidence == round(BASE["ECO:0000303"] + 0.20, 3)


# --------------------------------------------------------------------------- certainty


def test_study_backed_assertion_in_a_source_citing_literature_is_low():
    citing = by_id(source("s002", flags=("cites_literature",)))
    plain = by_id(source("s002"))
    result = assess([assertion("s002", "attributed", STUDY)], citing)
    assert result.certainty == "low"
    assert result.confidence == BASE[STUDY]
    assert assess([assertion("s002", "attributed", STUDY)], plain).certainty == "very_low"
    assert assess([assertion("s002", basis="ECO:0000304")], citing).certainty == "very_low"


def test_web_pages_alone_never_reach_moderate():
    web = [k for k in SOURCE_TYPES if k != "peer_reviewed_article"]
    sources = by_id(
        *(source(f"s00{i}", kind=web[i % len(web)], flags=("cites_literature",)) for i in range(9))
    )
    result = assess([assertion(f"s00{i}", "attributed", STUDY) for i in range(9)], sources)
    assert result.n_works == 9
    assert result.certainty == "low"


@settings(max_examples=200)
@given(st.data())
def test_only_web_pages_never_reach_moderate_or_high(data):
    web = [k for k in SOURCE_TYPES if k != "peer_reviewed_article"]
    n = data.draw(st.integers(min_value=1, max_value=8))
    sources = by_id(
        *(
            source(
                f"s00{i}",
                work=data.draw(st.sampled_from(["a", "b", "c", f"own{i}"])),
                kind=data.draw(st.sampled_from(web)),
                flags=tuple(data.draw(st.sets(st.sampled_from(list(QUALITY_FLAGS))))),
            )
            for i in range(n)
        )
    )
    assertions = [assertion_for(data, sorted(sources)) for _ in range(data.draw(st.integers(1, 8)))]
    assert assess(assertions, sources).certainty in ("very_low", "low")


def test_peer_reviewed_works_reach_moderate_and_high():
    peer = [source(f"s00{i}", kind="peer_reviewed_article") for i in range(3)]
    sources = by_id(*peer)
    two = assess([assertion("s000", basis=STUDY), assertion("s001", basis=STUDY)], sources)
    three = assess([assertion(s.source_id, basis=STUDY) for s in peer], sources)
    assert two.certainty == "moderate"
    assert two.confidence == round(PEER_REVIEWED_BASE + 0.10, 3)
    assert three.certainty == "high"


def test_two_translations_of_one_peer_reviewed_article_are_not_moderate():
    sources = by_id(
        source("s000", "paper", "peer_reviewed_article"),
        source("s001", "paper", "peer_reviewed_article"),
    )
    result = assess([assertion("s000", basis=STUDY), assertion("s001", basis=STUDY)], sources)
    assert result.certainty == "very_low"


def test_all_hedged_lowers_certainty_and_confidence():
    sources = by_id(source("s002", flags=("cites_literature",)), source("s003"))
    hedged = [assertion("s002", "hedged", STUDY), assertion("s003", "conditional")]
    result = assess(hedged, sources)
    assert result.certainty == "very_low"  # low, one level down
    assert result.confidence == round((BASE[STUDY] + 0.10) * 0.85, 3)
    mixed = [assertion("s002", "hedged", STUDY), assertion("s003", "asserted")]
    assert assess(mixed, sources).certainty == "low"
    assert assess(mixed, sources).confidence == round(BASE[STUDY] + 0.10, 3)


def test_all_hedged_never_goes_below_very_low():
    result = assess([assertion("s000", "hedged")], by_id(source("s000")))
    assert result.certainty == "very_low"


def test_a_denying_assertion_lowers():
    peer = [source(f"s00{i}", kind="peer_reviewed_article") for i in range(4)]
    sources = by_id(*peer)
    support = [assertion(f"s00{i}", basis=STUDY) for i in range(3)]
    denial = assertion("s003", "negated", STUDY)
    before, after = assess(support, sources), assess([*support, denial], sources)
    assert before.certainty == "high"
    # high needs no contradiction, then one level down for the denial
    assert after.certainty == "low"
    assert after.confidence == round((PEER_REVIEWED_BASE + 0.20) * 3 / 4, 3)
    assert "1 denying assertion(s)" in after.rationale
    assert after.n_assertions == 3


def test_only_denials_give_very_low_and_zero():
    result = assess([assertion("s000", "negated")], by_id(source("s000")))
    assert (result.certainty, result.confidence, result.n_assertions) == ("very_low", 0.0, 0)
    assert "1 deny it" in result.rationale


# --------------------------------------------------------------------------- confidence


def test_confidence_factors_multiply():
    sources = by_id(source("s004", flags=("commercial_interest", "machine_translated")))
    result = assess([assertion("s004", basis="ECO:0000304", confidence=0.8)], sources)
    assert result.confidence == round(BASE["ECO:0000304"] * 0.85 * 0.90 * 0.8, 3)
    assert "only commercially interested sources" in result.rationale
    assert "only machine-translated sources" in result.rationale


def test_commercial_factor_needs_every_work_to_be_commercial():
    sources = by_id(source("s000", flags=("commercial_interest",)), source("s001"))
    result = assess([assertion("s000"), assertion("s001")], sources)
    assert result.confidence == round(BASE["ECO:0000303"] + 0.10, 3)


def test_strongest_basis_sets_the_base():
    sources = by_id(source("s000"), source("s001", "s000"))
    weak_and_strong = [assertion("s000", basis="ECO:0000305"), assertion("s001", basis=STUDY)]
    result = assess(weak_and_strong, sources)
    assert result.confidence == BASE[STUDY]
    assert f"strongest basis {STUDY}" in result.rationale


def test_retracted_assertions_are_ignored():
    sources = by_id(source("s000"), source("s001"), source("s002", flags=("cites_literature",)))
    active = [assertion("s000", "hedged")]
    retracted = [
        assertion("s001", "negated", status="retracted"),
        assertion("s002", "attributed", STUDY, status="retracted"),
    ]
    assert assess([*active, *retracted], sources) == assess(active, sources)


def assertion_for(data: st.DataObject, source_ids: list[str]) -> Assertion:
    return assertion(
        data.draw(st.sampled_from(source_ids)),
        mode=data.draw(st.sampled_from(list(STATEMENT_MODES))),
        basis=data.draw(st.sampled_from(list(ECO_CODES))),
        confidence=data.draw(st.floats(min_value=0, max_value=1)),
        status=data.draw(st.sampled_from(["active", "active", "retracted"])),
    )


@settings(max_examples=300)
@given(st.data())
def test_confidence_is_in_unit_interval_and_deterministic(data):
    n = data.draw(st.integers(min_value=1, max_value=6))
    sources = by_id(
        *(
            source(
                f"s00{i}",
                work=data.draw(st.sampled_from(["a", "b", f"own{i}"])),
                kind=data.draw(st.sampled_from(list(SOURCE_TYPES))),
                flags=tuple(data.draw(st.sets(st.sampled_from(list(QUALITY_FLAGS))))),
            )
            for i in range(n)
        )
    )
    assertions = [assertion_for(data, sorted(sources)) for _ in range(data.draw(st.integers(0, 8)))]
    result = assess(assertions, sources)
    assert 0.0 <= result.confidence <= 1.0
    assert result.confidence == round(result.confidence, 3)
    assert result.certainty in LEVELS
    assert assess(assertions, sources) == result
    shuffled = list(assertions)
    random.Random(data.draw(st.integers())).shuffle(shuffled)
    assert assess(shuffled, sources) == result


@pytest.mark.parametrize("basis", list(ECO_CODES))
def test_every_evidence_code_has_a_base(basis):
    assert 0 < BASE[basis] < PEER_REVIEWED_BASE
