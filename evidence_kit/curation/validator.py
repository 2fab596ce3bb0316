"""Validate a curated dataset as a whole: ids, references, provenance, codes.

:func:`validate` reads every file (:mod:`evidence_kit.curation.loader` checks each record against
its model), then checks what no single record can see: unique ids, references between
tables, every source text against its hash, and every quote against the text at its
offsets.  It returns all problems at once in a :class:`ValidationReport`; a valid run
also returns the typed :class:`Dataset` that publishing builds from.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from evidence_kit.curation.loader import TABLES, Curation, Entry, read_curation
from evidence_kit.curation.provenance import check_source_text, quote_problems
from evidence_kit.curation.rulecheck import check_rules
from evidence_kit.model.claims import ClaimBase
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding, ValidationReport
from evidence_kit.model.fields import references
from evidence_kit.model.records import (
    SHA256_PATTERN,
    Assertion,
    Condition,
    Intervention,
    Outcome,
    Source,
)


@dataclass
class Dataset:
    """A valid dataset: typed records by id, and each source's text."""

    root: Path
    sources: dict[str, Source] = field(default_factory=dict)
    claims: dict[str, ClaimBase] = field(default_factory=dict)
    assertions: dict[str, Assertion] = field(default_factory=dict)
    interventions: dict[str, Intervention] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def validate(root: Path) -> tuple[ValidationReport, Dataset]:
    """Check everything under ``root``; the :class:`Dataset` is complete only when valid."""
    curation = read_curation(root)
    findings = list(curation.findings)
    dataset = Dataset(root=root)
    findings += _check_unique_ids(curation, dataset)
    findings += _check_references(curation, dataset)
    findings += _check_texts(curation, dataset)
    findings += _check_quotes(curation, dataset)
    findings += check_rules(curation)
    findings += check_dataset_files(curation)
    stats = {name: len(entries) for name, entries in curation.entries.items()}
    return ValidationReport.from_findings(findings, stats), dataset


def load_dataset(root: Path) -> Dataset:
    """The typed dataset under ``root``; raises :class:`EvidenceKitError` when invalid."""
    report, dataset = validate(root)
    if not report.valid:
        raise EvidenceKitError(report.errors)
    return dataset


def _check_unique_ids(curation: Curation, dataset: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    for name, table in TABLES.items():
        seen: dict[str, Entry] = {}
        target: dict[str, Any] = getattr(dataset, name)
        for entry, model in curation.models(name):
            record_id = getattr(model, table.id_field)
            if record_id in seen:
                first = seen[record_id]
                findings.append(
                    entry.finding(
                        ERR.DUPLICATE_ID,
                        (table.id_field,),
                        id=record_id,
                        other=f"first at {first.file}:{first.position()[0]}",
                    )
                )
                continue
            seen[record_id] = entry
            target[record_id] = model
    for entry, model in curation.models("assertions"):
        if not model.assertion_id.startswith(model.source_id + "-"):
            findings.append(
                entry.finding(
                    ERR.ASSERTION_ID_SOURCE,
                    ("assertion_id",),
                    expected=model.source_id,
                    actual=model.assertion_id,
                )
            )
    return findings


def _check_references(curation: Curation, dataset: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    known = {name: set(getattr(dataset, name)) for name in TABLES}
    # ids of records that exist but failed validation are not dangling: do not report twice
    for name, entries in curation.entries.items():
        known[name] |= {e.record_id for e in entries if e.record_id}
    used: dict[str, set[str]] = defaultdict(set)
    for name in TABLES:
        for entry, model in curation.models(name):
            for path, target, value in references(model):
                used[target].add(value)
                if value not in known[target] and target not in curation.unreadable:
                    sub = tuple(int(p) if p.isdigit() else p for p in path.split("."))
                    findings.append(
                        entry.finding(
                            ERR.DANGLING_REFERENCE,
                            sub,
                            target=TABLES[target].record,
                            actual=value,
                            hint=_suggest(value, known[target]),
                        )
                    )
    findings += _check_claims_supported(curation)
    if "claims" in curation.unreadable:  # which terms claims use is unknown
        return findings
    for entry in curation.entries["claims"]:
        if entry.model is None:  # an invalid claim still uses its terms: no false warning
            for vocab in ("interventions", "conditions", "outcomes"):
                used[vocab] |= set(_strings_in(entry.data))
    for vocab in ("interventions", "conditions", "outcomes"):
        for entry, model in curation.models(vocab):
            term = getattr(model, TABLES[vocab].id_field)
            if term not in used[vocab]:
                findings.append(
                    entry.finding(
                        ERR.UNUSED_VOCABULARY,
                        (TABLES[vocab].id_field,),
                        target=TABLES[vocab].record,
                        id=term,
                    )
                )
    return findings


def _check_claims_supported(curation: Curation) -> list[Finding]:
    """Every active claim needs an active assertion; an assertion that failed its own
    checks still counts (its error is reported), and an unreadable assertions file
    leaves the question open."""
    if "assertions" in curation.unreadable:
        return []
    supported = {
        e.data.get("claim_id")
        for e in curation.entries["assertions"]
        if e.data.get("status", "active") == "active"
    }
    return [
        entry.finding(ERR.ORPHAN_CLAIM, ("claim_id",), id=claim.claim_id)
        for entry, claim in curation.models("claims")
        if claim.status == "active" and claim.claim_id not in supported
    ]


def _strings_in(data: Any) -> list[str]:
    """Every string value in raw record data, lists and mappings included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings_in(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings_in(v)]
    return []


def _suggest(value: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _TextFields(NamedTuple):
    source_id: str
    source_file: str
    text_path: str
    sha256: str


def _text_fields(entry: Entry) -> _TextFields | None:
    """What the text checks need from a source record: from its model, or, when another
    field of the record is wrong, from its raw data (one typo in a source's title must
    not hide every problem of its text and quotes).  None when these fields are broken
    themselves (reported already)."""
    if entry.model is not None:
        return _TextFields(*(getattr(entry.model, f) for f in _TextFields._fields))
    values = [v for v in (entry.data.get(f) for f in _TextFields._fields) if isinstance(v, str)]
    if len(values) != len(_TextFields._fields):
        return None
    fields = _TextFields(*values)
    if re.fullmatch(SHA256_PATTERN, fields.sha256) is None:
        return None
    return fields


def _check_texts(curation: Curation, dataset: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    for entry in curation.entries["sources"]:
        source = _text_fields(entry)
        if source is None:
            continue
        problems, text = check_source_text(
            curation.root, source.text_path, source.source_file, source.sha256
        )
        for p in problems:
            if p.in_text:  # located in the text file itself
                findings.append(p.kind.at(p.params["path"], **p.params))
            else:
                findings.append(entry.finding(p.kind, (p.field,), **p.params))
        if text is not None:
            dataset.texts.setdefault(source.source_id, text)
    return findings


TEXTS_DIR = "texts"
ASSERTIONS_DIR = "assertions"


def _utf8_name(path: Path) -> bool:
    try:
        os.fsencode(path.name).decode("utf-8")
    except UnicodeError:
        return False
    return True


def check_dataset_files(curation: Curation) -> list[Finding]:
    """Files nothing accounts for: undecodable names (EK130) and texts no source uses
    (EK131, as ``validate --published`` rejects them).  The loader reports files under
    assertions/ it does not read (EK132)."""
    findings: list[Finding] = []
    root = curation.root
    used = {
        (root / str(e.data.get("text_path"))).resolve()
        for e in curation.entries["sources"]
        if isinstance(e.data.get("text_path"), str)
    }
    for folder in (TEXTS_DIR, ASSERTIONS_DIR):
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            shown = curation.display(path)
            if not _utf8_name(path):
                findings.append(ERR.FILE_NAME_NOT_UTF8.at(shown, actual=shown))
                continue
            if folder == TEXTS_DIR:
                stray = path.is_file() and path.resolve() not in used
                if stray and "sources" not in curation.unreadable:
                    findings.append(ERR.STRAY_TEXT.at(shown, path=shown))
    return findings


def _check_quotes(curation: Curation, dataset: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[tuple[str, int, int, str], str] = {}
    for entry, assertion in curation.models("assertions"):
        text = dataset.texts.get(assertion.source_id)
        if text is None:  # source missing or its text broken: reported already
            continue
        findings += check_quote(entry, assertion, text)
        if assertion.status != "active":  # a retracted record may share its span with its successor
            continue
        key = (assertion.source_id, assertion.char_start, assertion.char_end, assertion.claim_id)
        if key in seen:
            findings.append(entry.finding(ERR.DUPLICATE_QUOTE, ("quote",), other=seen[key]))
        seen.setdefault(key, assertion.assertion_id)
    return findings


def check_quote(entry: Entry, assertion: Assertion, text: str) -> list[Finding]:
    """The quote must be NFC and equal ``text[char_start:char_end]``; context must match."""
    a = assertion
    problems = quote_problems(
        text, a.quote, a.char_start, a.char_end, a.prefix, a.suffix, a.source_id
    )
    return [entry.finding(p.kind, (p.field,), **p.params) for p in problems]
