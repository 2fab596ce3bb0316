"""Add a new source: copy its text into the dataset, hash it, and write the stubs to fill in.

``evidence-kit add-source FILE --language sv --source-type consumer_health_article``
does the three steps a curator must never do by hand:

1. copies FILE byte for byte to ``texts/<file name>`` (the seed's own name is kept as
   ``source_file``), after checking that it is UTF-8 without BOM and NFC;
2. computes its sha256;
3. appends a source record (``s`` + the next free index) to ``sources.yaml`` and writes an
   empty ``assertions/<source_id>.yaml`` for the quotes to come.

The source record is checked with the model before anything is written, so a bad
language tag or source type is refused with the same error ``validate`` would give.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from evidence_kit.curation.document import utf8_problem
from evidence_kit.curation.loader import display_path
from evidence_kit.curation.provenance import is_nfc, sha256_bytes
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding
from evidence_kit.model.records import Source

SOURCE_ID = re.compile(r"^[\s-]*source_id:\s*[\"']?s([0-9]+)[\"']?\s*(?:#.*)?$", re.M)
OPTIONS = {"language": "--language", "source_type": "--source-type", "work_id": "--work-id"}
"""Record fields the command line sets, by the option that sets them."""


def next_source_id(sources_yaml: str) -> str:
    """``s`` and the index after the highest one in ``sources.yaml`` (three digits at least).

    >>> next_source_id("sources:\\n  - source_id: s000\\n  - source_id: s004\\n")
    's005'
    """
    numbers = [int(n) for n in SOURCE_ID.findall(sources_yaml)]
    return f"s{(max(numbers) + 1) if numbers else 0:03d}"


def add_source(
    root: Path, text: Path, *, language: str, source_type: str, work_id: str | None = None
) -> tuple[str, list[Path]]:
    """Copy ``text`` into ``root`` and write its stubs; returns the source id and the paths.

    Everything is checked before anything is written: the text (a ``.txt`` name, UTF-8
    without BOM, NFC, not yet in ``texts/`` under another file), the record (language
    tag, source type, work id: the errors ``validate`` would give, located at the
    option that set the value) and the assertions file (never overwritten).  A text
    already copied to ``texts/<name>`` by hand is registered where it is.
    """
    name = text.name
    target = root / "texts" / name
    sources = root / "sources.yaml"
    problems = _text_problems(text, target)
    if problems:
        raise EvidenceKitError(problems)
    data = text.read_bytes()
    listing = sources.read_text(encoding="utf-8") if sources.is_file() else "sources:\n"
    if re.search(rf"^\s*text_path:\s*[\"']?texts/{re.escape(name)}[\"']?\s*$", listing, re.M):
        shown = display_path(sources)
        raise EvidenceKitError(
            [
                ERR.USAGE.at(
                    shown,
                    reason=f"a source in {shown} already uses texts/{name}",
                    hint="a source is added once; edit its record in sources.yaml instead",
                )
            ]
        )
    source_id = next_source_id(listing)
    stem = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
    record = {
        "source_id": source_id,
        "source_file": name,
        "text_path": f"texts/{name}",
        "sha256": sha256_bytes(data),
        "language": language,
        "source_type": source_type,
        "work_id": work_id or f"w-{stem or source_id}",
    }
    _check_record(record, display_path(sources))
    assertions = root / "assertions" / f"{source_id}.yaml"
    if assertions.exists():
        shown = display_path(assertions)
        raise EvidenceKitError(
            [
                ERR.USAGE.at(
                    shown,
                    reason=f"{shown} exists already, but sources.yaml has no {source_id}",
                    hint="remove the stray assertions file, or add its source record by hand",
                )
            ]
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    assertions.parent.mkdir(parents=True, exist_ok=True)
    if not _same_file(text, target):
        shutil.copyfile(text, target)
    block = "".join(
        f"    {key}: {_scalar(value)}\n" if key != "source_id" else f"  - source_id: {value}\n"
        for key, value in record.items()
    )
    block += (
        "    title: null            # as the page gives it\n"
        "    title_en: null\n"
        "    publisher: null        # only where the page names it\n"
        "    published_date: null\n"
        "    quality_flags: []      # commercial_interest / machine_translated / cites_literature\n"
    )
    separator = "" if listing.endswith("\n") else "\n"
    assertions.write_text(
        f"# Assertions quoting {source_id} ({name}); add them with `evidence-kit locate`.\n"
        f"source_id: {source_id}\nassertions: []\n",
        encoding="utf-8",
    )
    _replace_text(sources, listing + separator + "\n" + block)
    return source_id, [target, sources, assertions]


def _scalar(value: str) -> str:
    """A YAML scalar for ``value``: plain when safe, else a JSON (double-quoted) string."""
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", value) and value not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "Null", "True", "False"}


def _same_file(a: Path, b: Path) -> bool:
    return b.exists() and a.resolve() == b.resolve()


def _replace_text(path: Path, text: str) -> None:
    """Write ``path`` by rename, so an interrupted run leaves the old file whole."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def _text_problems(text: Path, target: Path) -> list[Finding]:
    shown = display_path(text)
    if not text.is_file():
        return [ERR.FILE_MISSING.at(shown, path=shown)]
    if not re.fullmatch(r"[^/\\]+\.txt", text.name):
        return [
            ERR.USAGE.at(
                shown,
                reason=f"the text's name {text.name!r} does not end in .txt",
                hint="keep the seed's file name, ending in .txt",
            )
        ]
    if target.exists() and not _same_file(text, target):
        return [
            ERR.USAGE.at(
                shown,
                reason=f"{display_path(target)} exists already",
                hint="a source is added once; edit its record in sources.yaml instead",
            )
        ]
    data = text.read_bytes()
    encoding = utf8_problem(data)
    if encoding is not None:
        kind, where = encoding
        return [kind.at(shown, path=shown, **where)]
    if not is_nfc(data.decode("utf-8")):
        return [ERR.TEXT_NOT_NFC.at(shown, path=shown)]
    return []


def _check_record(record: dict[str, str], file: str) -> None:
    from pydantic import ValidationError

    try:
        Source.model_validate(record)
    except ValidationError as exc:
        findings = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            option = OPTIONS.get(field)
            findings.append(
                ERR.INVALID_VALUE.at(
                    "<command line>" if option else file,
                    field=option or field,
                    reason=error["msg"],
                    actual=record.get(field),
                    schema="source.schema.json",
                )
            )
        raise EvidenceKitError(findings) from None
