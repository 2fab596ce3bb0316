"""Every problem evidence-kit can report, with a stable code and a message template.

Problems are data (as in frictionless-py): a :class:`Finding` names the file, line,
column and field path, the error code, what was expected and what was found, and the
fix.  A :class:`ValidationReport` collects all findings of one run, so a curator sees
every mistake at once instead of the first one.

The catalogue :data:`CODES` is the single list of error types; the codes are part of
the public interface (``--format json`` reports and tests assert on them), so a code
is never reused for a different meaning.

>>> f = ERR.DUPLICATE_ID.at("claims.yaml", line=12, field="claim_id", id="c-x", other="line 3")
>>> f.code, f.line
('EK301', 12)
"""

from __future__ import annotations

import errno
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ErrorType:
    """One kind of problem: a stable code, a slug name, a message and a fix template."""

    code: str
    name: str
    template: str
    fix: str
    severity: Severity = "error"

    def at(
        self,
        file: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        expected: Any = None,
        actual: Any = None,
        **params: Any,
    ) -> Finding:
        """Fill the templates and return a located :class:`Finding`."""
        values = {"expected": expected, "actual": actual, "field": field, **params}
        return Finding(
            severity=self.severity,
            code=self.code,
            name=self.name,
            file=shown_path(file),
            line=line,
            column=column,
            field=None if field is None else shown_path(field),
            message=shown_path(self.template.format(**values)),
            expected=None if expected is None else shown_path(expected),
            actual=None if actual is None else shown_path(actual),
            fix=shown_path(self.fix.format(**values)),
        )


class _Catalogue:
    """Namespace of every :class:`ErrorType`; attribute names are the constants."""

    # 1xx: files and their syntax
    FILE_MISSING = ErrorType(
        "EK101",
        "file-missing",
        "File {path} does not exist.",
        "Create the file, or correct the path that refers to it.",
    )
    NOT_UTF8 = ErrorType(
        "EK102",
        "not-utf8",
        "File is not valid UTF-8: {reason}.",
        "Re-save the file as UTF-8 (without a byte-order mark).",
    )
    YAML_SYNTAX = ErrorType(
        "EK103",
        "yaml-syntax",
        "YAML syntax error: {reason}.",
        "Fix the YAML at the line and column shown (indentation, quotes, a missing colon).",
    )
    YAML_DUPLICATE_KEY = ErrorType(
        "EK104",
        "yaml-duplicate-key",
        "Key {key!r} appears twice in the same mapping.",
        "Keep one of the two entries; YAML would silently drop the other.",
    )
    DOCUMENT_SHAPE = ErrorType(
        "EK105",
        "document-shape",
        "Top level of the file is wrong: {reason}.",
        "Follow the layout in docs/curating.md: {hint}",
    )
    PATH_ESCAPES = ErrorType(
        "EK106",
        "path-escapes-dataset",
        "Path {path!r} points outside the dataset directory.",
        "Use a path relative to the dataset directory, such as texts/<seed file name>.",
    )
    BOM = ErrorType(
        "EK107",
        "byte-order-mark",
        "File starts with a UTF-8 byte-order mark.",
        "Re-save the file as UTF-8 without BOM.",
    )
    USAGE = ErrorType("EK108", "usage", "{reason}", "{hint}")
    MISSING_EXTRA = ErrorType(
        "EK109",
        "missing-extra",
        "This command needs the package {module!r}, which the installed extras do not include.",
        "Install the role's extra: pip install 'evidence-kit[{extra}]' (curate: validate, "
        "locate, build; validate: validate --published, validate --installed; spark: "
        "--engine spark).",
    )

    # 12x-14x: files, I/O and parsing that fail below the data
    PERMISSION_DENIED = ErrorType(
        "EK120",
        "permission-denied",
        "Permission denied for {path} ({reason}).",
        "Give yourself read access to inputs and write access to the dataset and output "
        "folders (chmod/chown), or run from a copy you own.",
    )
    READ_ONLY = ErrorType(
        "EK121",
        "read-only-file-system",
        "Cannot write {path}: the file system is read-only ({reason}).",
        "Write to a folder on a writable file system (copy the dataset there).",
    )
    DISK_FULL = ErrorType(
        "EK122",
        "disk-full",
        "No space left while writing {path} ({reason}).",
        "Free disk space (or raise the quota / file-size limit) and run again; the "
        "previously published files were left as they were.",
    )
    OS_ERROR = ErrorType(
        "EK123",
        "os-error",
        "The operating system refused an operation on {path}: {reason}.",
        "Check that the path exists, is the right kind of file and is accessible.",
    )
    YAML_TOO_DEEP = ErrorType(
        "EK124",
        "yaml-too-deep",
        "YAML is nested deeper than {expected} levels.",
        "Curation files are at most a few levels deep; remove the extra nesting.",
    )
    YAML_ALIAS = ErrorType(
        "EK125",
        "yaml-alias",
        "YAML anchors and aliases ({actual}) are not allowed in curation files.",
        "Write the value out in full where it is used; aliases can expand without bound.",
    )
    YAML_TAG = ErrorType(
        "EK126",
        "yaml-tag",
        "Explicit YAML tag {actual!r} is not allowed.",
        "Remove the tag; curation files hold plain strings, numbers, booleans, dates, "
        "lists and mappings.",
    )
    YAML_CONTROL_CHARACTER = ErrorType(
        "EK127",
        "yaml-control-character",
        "Character {actual} is not allowed in YAML ({reason}).",
        "Delete the character, or write it as an escape in a double-quoted string.",
    )
    YAML_BAD_ESCAPE = ErrorType(
        "EK128",
        "yaml-invalid-escape",
        "String holds {actual}, which is not a Unicode character (lone surrogate escape).",
        "Write the character itself, or the \\UXXXXXXXX escape of its code point.",
    )
    INVALID_DATE = ErrorType(
        "EK129",
        "invalid-date",
        "Date {actual!r} does not exist ({reason}).",
        "Give a real calendar date as YYYY-MM-DD.",
    )
    FILE_NAME_NOT_UTF8 = ErrorType(
        "EK130",
        "file-name-not-utf8",
        "File name {actual} is not valid UTF-8.",
        "Rename the file to a UTF-8 name (ASCII letters, digits, '-', '_' and '.' are safest).",
    )
    STRAY_TEXT = ErrorType(
        "EK131",
        "stray-text-file",
        "Text file {path} is not the text_path of any source.",
        "Add a source record for it in sources.yaml, or remove the file from texts/.",
    )
    UNEXPECTED_FILE = ErrorType(
        "EK132",
        "unexpected-file",
        "File {path} is not read: {reason}.",
        "{hint}",
    )
    INVALID_PATH = ErrorType(
        "EK134",
        "invalid-path",
        "Path {path!r} cannot name a file: {reason}.",
        "Use a path relative to the dataset directory, such as texts/<seed file name>.",
    )
    YAML_NUMBER_TOO_LONG = ErrorType(
        "EK133",
        "yaml-number-too-long",
        "Integer of {actual} digits is larger than Python prints ({expected} decimal digits "
        "at most).",
        'Quote it if it is an identifier or a text ("..."); numbers in curation files are small.',
    )

    # 2xx: a single record against its model
    UNKNOWN_FIELD = ErrorType(
        "EK201",
        "unknown-field",
        "Field {field!r} is not part of the {record} record.",
        "Remove it or correct its spelling; allowed fields are listed in schema/{schema}.",
    )
    MISSING_FIELD = ErrorType(
        "EK202",
        "missing-field",
        "Required field {field!r} of the {record} record is missing.",
        "Add {field!r}; see its description in schema/{schema}.",
    )
    WRONG_TYPE = ErrorType(
        "EK203",
        "wrong-type",
        "Field {field!r} has the wrong type: {reason}.",
        "Give a value of type {expected}.",
    )
    OUT_OF_RANGE = ErrorType(
        "EK204",
        "out-of-range",
        "Field {field!r} is out of range: {reason}.",
        "Give a value {expected}.",
    )
    NOT_ALLOWED_VALUE = ErrorType(
        "EK205",
        "value-not-allowed",
        "Field {field!r} has a value that is not allowed: {reason}.",
        "Use one of: {expected}.",
    )
    PATTERN_MISMATCH = ErrorType(
        "EK206",
        "pattern-mismatch",
        "Field {field!r} does not match its pattern: {reason}.",
        "Give a value matching {expected}.",
    )
    INVALID_VALUE = ErrorType(
        "EK207",
        "invalid-value",
        "Field {field!r} is invalid: {reason}.",
        "Correct the value; see the field's description in schema/{schema}.",
    )
    OFFSETS_ORDER = ErrorType(
        "EK208",
        "offsets-order",
        "char_end must be greater than char_start: {reason}.",
        'Run `evidence-kit locate SOURCE "quote"` and copy the offsets it prints.',
    )
    UNKNOWN_LANGUAGE = ErrorType(
        "EK209",
        "unknown-language",
        "Language tag {actual!r} is not a valid BCP-47 tag.",
        "Use a BCP-47 tag such as vi, id, sv, zh-Hans or en.",
    )
    UNKNOWN_ECO = ErrorType(
        "EK210",
        "unknown-eco-code",
        "Evidence code {actual!r} is not in the closed ECO list.",
        "Use one of: {expected}.",
    )
    ICD_UNKNOWN = ErrorType(
        "EK211",
        "icd10cm-unknown",
        "ICD-10-CM code {actual!r} does not exist.",
        "Look the code up in ICD-10-CM (simple-icd-10-cm) or leave the condition uncoded.",
    )
    ICD_LABEL = ErrorType(
        "EK212",
        "icd10cm-label-mismatch",
        "Label for ICD-10-CM {code} is {actual!r}, but the code's description is {expected!r}.",
        "Copy the code's own description exactly: {expected!r}.",
    )
    RETRACTION_REASON = ErrorType(
        "EK213",
        "retraction-reason",
        "A retracted record needs a retraction_reason.",
        "Say why the record was retracted in retraction_reason, or set status: active.",
    )

    # 3xx: the dataset as a whole
    DUPLICATE_ID = ErrorType(
        "EK301",
        "duplicate-id",
        "Identifier {id!r} is used by more than one record ({other}).",
        "Give each record its own identifier.",
    )
    DANGLING_REFERENCE = ErrorType(
        "EK302",
        "dangling-reference",
        "{field} refers to {target} {actual!r}, which does not exist.",
        "Use an existing {target} id{hint}, or add the missing record.",
    )
    ASSERTION_ID_SOURCE = ErrorType(
        "EK303",
        "assertion-id-source",
        "Assertion id {actual!r} does not belong to source {expected!r}.",
        "Name assertions of source {expected} as {expected}-NNN.",
    )
    ORPHAN_CLAIM = ErrorType(
        "EK304",
        "claim-without-assertion",
        "Claim {id!r} has no assertion supporting it.",
        "Add an assertion quoting a source for it, or remove the claim.",
    )
    UNUSED_VOCABULARY = ErrorType(
        "EK305",
        "unused-vocabulary-term",
        "{target} {id!r} is defined but no claim uses it.",
        "Remove it, or reference it from a claim.",
        "warning",
    )
    SOURCE_FILE_NAME = ErrorType(
        "EK306",
        "source-file-name",
        "source_file {actual!r} does not match the text file name {expected!r}.",
        "Keep the seed's file name as source_file and as the name of the text under texts/.",
    )
    DUPLICATE_QUOTE = ErrorType(
        "EK307",
        "duplicate-assertion",
        "Assertion repeats {other} (same source, offsets and claim).",
        "Remove one of the two assertions.",
    )
    ASSERTIONS_FILE_SOURCE = ErrorType(
        "EK308",
        "assertions-file-source",
        "Assertions file is named for {expected!r} but declares source_id {actual!r}.",
        "Name the file assertions/<source_id>.yaml after the source it annotates.",
    )

    # 33x-34x: evidence-basis, qualifier and wording rules (docs/certainty.md)
    STUDY_NEEDS_CITATION = ErrorType(
        "EK330",
        "eco-study-needs-citation",
        "evidence_basis ECO:0006017 (author statement from published clinical study) needs a "
        "reference the page identifies, but the assertion cites none.",
        "Add cites: [rN] naming the source's cited_reference (journal, author, title or "
        "identifier); if the page only says 'a study', use ECO:0000303 with attribution: unnamed.",
    )
    TRACEABLE_NEEDS_NAMED = ErrorType(
        "EK331",
        "eco-traceable-needs-named-party",
        "evidence_basis ECO:0000304 (traceable author statement) needs attribution: named, "
        "but it is {actual!r}.",
        "Name the traceable party in attributed_to with attribution: named; for 'many', "
        "'doctors' or 'clinical experience' use ECO:0000303 with attribution: unnamed.",
    )
    UNNAMED_ATTRIBUTION_BASIS = ErrorType(
        "EK332",
        "unnamed-attribution-basis",
        "An unnamed attribution ({attributed_to!r}) is coded {actual}, which claims a "
        "traceable or study-backed statement.",
        "Use evidence_basis ECO:0000303 (or ECO:0000305 for a curator's inference) and keep "
        "the page's words in attributed_to.",
    )
    ATTRIBUTION_MISSING = ErrorType(
        "EK333",
        "attribution-missing",
        "{reason}.",
        "Give attributed_to (the page's words) together with attribution: named or unnamed.",
    )
    SUPPORT_NEEDS_CITATION = ErrorType(
        "EK334",
        "support-needs-citation",
        "support_type {actual!r} needs a cited reference the page identifies, but the "
        "assertion cites none.",
        "Add cites: [rN], or use support_type: none when the page names no study or journal.",
    )
    SUPPORT_NEEDS_NAMED = ErrorType(
        "EK335",
        "support-needs-named-party",
        "support_type {actual!r} needs a named party (attribution: named), but attribution "
        "is {attribution!r}.",
        "Use support_type: none for unnamed 'many', 'doctors' or 'clinical experience'.",
    )
    UNKNOWN_REFERENCE = ErrorType(
        "EK336",
        "unknown-reference",
        "cites {actual!r}, but source {source} has no cited_reference with that reference_id.",
        "Use one of the source's reference_ids: {expected}.",
    )
    REVIEWER_IS_CURATOR = ErrorType(
        "EK337",
        "reviewer-is-curator",
        "reviewed_by {actual!r} is the assertion's curator.",
        "A review is by someone other than the curator: name the reviewer.",
    )
    REVIEW_INCOMPLETE = ErrorType(
        "EK338",
        "review-incomplete",
        "{reason}.",
        "Give reviewed_by and reviewed_on together.",
    )
    QUALIFIER_NOT_STATED = ErrorType(
        "EK339",
        "qualifier-not-in-statement",
        "The claim's {qualifier} qualifier {expected!r} is missing from its statement.",
        "Word the statement so that it contains {expected!r}: a canonical claim keeps its "
        "qualifiers.",
    )
    QUALIFIER_MISMATCH = ErrorType(
        "EK340",
        "qualifier-mismatch",
        "The assertion states {qualifier} {actual!r}, but its claim {claim} states {expected!r}.",
        "Point the assertion at a claim with the same qualifiers (retract and replace it), or "
        "correct the assertion's qualifiers to what the page says.",
    )
    PREDICATE_WORDING = ErrorType(
        "EK341",
        "predicate-wording",
        "{reason}.",
        "Word the statement as the predicate says ({expected}), or change the predicate.",
    )
    RETRACTED_CLAIM_SUPPORTED = ErrorType(
        "EK342",
        "active-assertion-on-retracted-claim",
        "Active assertion points to retracted claim {actual!r}.",
        "Retract the assertion too, or point a new assertion at the claim that replaced it.",
    )

    # 4xx: provenance
    HASH_MISMATCH = ErrorType(
        "EK401",
        "sha256-mismatch",
        "Source text {path} has sha256 {actual}, but the source record says {expected}.",
        "If the text was changed by accident, restore the seed byte-for-byte; if the change is "
        "intended, update sha256 and re-locate every quote of this source.",
    )
    TEXT_NOT_NFC = ErrorType(
        "EK402",
        "text-not-nfc",
        "Source text {path} is not in Unicode NFC form.",
        "Normalise the text to NFC (offsets count code points of the NFC text).",
    )
    QUOTE_OFFSETS_PAST_END = ErrorType(
        "EK403",
        "offsets-past-text",
        "Offsets [{start}:{end}) run past the end of the source text ({length} code points).",
        'Run `evidence-kit locate {source} "quote"` and copy the offsets it prints.',
    )
    QUOTE_MISMATCH = ErrorType(
        "EK404",
        "quote-mismatch",
        "Quote differs from the source text at [{start}:{end}): expected {expected!r}, "
        "found {actual!r}.",
        'Copy the quote exactly from the source and run `evidence-kit locate {source} "quote"`'
        "{hint}.",
    )
    QUOTE_NOT_NFC = ErrorType(
        "EK405",
        "quote-not-nfc",
        "Quote is not in Unicode NFC form (for example decomposed accents).",
        "Re-type or paste the quote from the NFC source text; `evidence-kit locate` prints it.",
    )
    CONTEXT_MISMATCH = ErrorType(
        "EK406",
        "context-mismatch",
        "{field} differs from the source text around the quote: expected {expected!r}, "
        "found {actual!r}.",
        'Copy {field} from `evidence-kit locate {source} "quote"`.',
    )
    QUOTE_NOT_FOUND = ErrorType(
        "EK407",
        "quote-not-found",
        "Quote {actual!r} does not occur in source {source}.",
        "Copy the quote exactly as the source text has it (same spaces and punctuation).",
    )
    QUOTE_AMBIGUOUS = ErrorType(
        "EK408",
        "quote-ambiguous",
        "Quote occurs {count} times in source {source}: {places}.",
        "Quote a longer passage so it occurs once, or pick one place with --occurrence N.",
    )
    QUOTE_WHITESPACE = ErrorType(
        "EK409",
        "quote-whitespace",
        "Quote starts or ends with white space.",
        "Trim the quote to the words that state the claim.",
        "warning",
    )

    # 5xx: published tables
    EXPECTATION_FAILED = ErrorType(
        "EK501",
        "expectation-failed",
        "Expectation {expectation} failed on {table}: {reason}.",
        "Rebuild with `evidence-kit build`; if it persists, the curated data breaks the rule.",
    )
    PUBLISHED_CHECK = ErrorType(
        "EK502",
        "published-check-failed",
        "{reason}.",
        "Rebuild the published files from valid curated data with `evidence-kit build`.",
    )
    CHECKSUM_MISMATCH = ErrorType(
        "EK503",
        "checksum-mismatch",
        "Published file {path} has sha256 {actual}, SHA256SUMS says {expected}.",
        "Rebuild with `evidence-kit build` or restore the file.",
    )
    PARQUET_UNREADABLE = ErrorType(
        "EK560",
        "parquet-unreadable",
        "{path} is not a readable Parquet file: {reason}.",
        "Rebuild with `evidence-kit build` or restore the file from the release.",
    )
    BUILD_LOCKED = ErrorType(
        "EK561",
        "build-locked",
        "Another build of {path} holds the lock and did not finish within {expected} s.",
        "Wait for the other `evidence-kit build` to finish, then run again.",
    )
    EVIDENCE_COPY_MISMATCH = ErrorType(
        "EK562",
        "evidence-copy-mismatch",
        "Column {field} of evidence row {id} differs from {table}.{source_column}: "
        "expected {expected!r}, found {actual!r}.",
        "evidence.parquet is derived from the other tables; rebuild with `evidence-kit build`.",
    )
    KEY_VALUE_MISMATCH = ErrorType(
        "EK563",
        "key-value-metadata-mismatch",
        "Parquet key-value metadata {field} is {actual!r}, expected {expected!r} ({reason}).",
        "Rebuild with `evidence-kit build` from the curated inputs and release.yaml.",
    )
    CHECKSUMS_INCOMPLETE = ErrorType(
        "EK564",
        "checksums-incomplete",
        "{shown} does not list the published file {path}.",
        "Rebuild with `evidence-kit build`; SHA256SUMS must list every published file.",
    )
    DOCUMENT_MISMATCH = ErrorType(
        "EK565",
        "published-document-mismatch",
        "{path} says {field} = {actual!r}, but {reason} says {expected!r}.",
        "Rebuild with `evidence-kit build`; the metadata is generated, never edited by hand.",
    )
    EVIDENCE_ROWS = ErrorType(
        "EK566",
        "evidence-rows-mismatch",
        "evidence.parquet {reason}: {actual}.",
        "evidence.parquet holds exactly one row per assertion; rebuild with `evidence-kit build`.",
    )

    # 59x: the published files against the curation (build --check)
    PUBLISHED_STALE = ErrorType(
        "EK590",
        "published-stale",
        "Published file {path} is not what the curated inputs build now: {reason}.",
        "Rebuild with `evidence-kit build {root}` and commit the curation files and the "
        "rebuilt outputs together.",
    )

    # 9xx: bugs
    INTERNAL = ErrorType(
        "EK900",
        "internal-error",
        "Internal error: {reason}.",
        "This is a bug in evidence-kit, not in your data. Please report it with the command "
        "you ran and this message (run with EVIDENCE_KIT_DEBUG=1 for the traceback).",
    )

    # 60x: frozen releases and the differences between them (docs/releases.md)
    RELEASE_FROZEN = ErrorType(
        "EK600",
        "release-frozen",
        "Release {version} is frozen in {path}, and this build differs from it in: {files}.",
        "A published release never changes: bump version in release.yaml for new content. If "
        "release {version} was never published (not committed, not distributed), delete {path} "
        "and build again.",
    )
    RECORD_REMOVED = ErrorType(
        "EK601",
        "record-removed",
        "{table} record {id!r} of release {old} is absent from release {new}.",
        "Records are never deleted: restore it, and retract it (status: retracted with a "
        "retraction_reason) if it is wrong.",
    )
    TABLE_REMOVED = ErrorType(
        "EK602",
        "table-removed",
        "Table {table} of release {old} is absent from release {new}.",
        "Published tables are never dropped: publish {table} again.",
    )
    RETRACTION_WITHOUT_REASON = ErrorType(
        "EK603",
        "retraction-without-reason",
        "{table} record {id!r} is retracted in release {new} without a retraction_reason.",
        "Say why the record was retracted in retraction_reason.",
        "warning",
    )
    RELEASE_UNREADABLE = ErrorType(
        "EK604",
        "release-unreadable",
        "{path} is not a release: {reason}.",
        "Give a release version (see `evidence-kit diff --help`), a frozen release folder such "
        "as dataset/releases/0.1.0, or a folder of published Parquet such as dataset/parquet.",
    )


ERR = _Catalogue()
CODES: dict[str, ErrorType] = {
    t.code: t for t in vars(_Catalogue).values() if isinstance(t, ErrorType)
}


class Finding(BaseModel):
    """One located problem: what, where, expected vs actual, and the fix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity
    code: str = Field(description="Stable error code, e.g. EK301.")
    name: str = Field(description="Slug of the error type, e.g. duplicate-id.")
    file: str = Field(description="File the problem is in, relative to the working directory.")
    line: int | None = Field(default=None, description="1-based line number.")
    column: int | None = Field(default=None, description="1-based column number.")
    field: str | None = Field(default=None, description="Dotted path of the field.")
    message: str
    expected: str | None = None
    actual: str | None = None
    fix: str

    def render(self) -> str:
        """One human-readable block: ``file:line:col: CODE name [field] message`` and the fix."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" [{self.field}]" if self.field else ""
        return (
            f"{where}: {self.severity} {self.code} {self.name}{field}: {self.message}\n"
            f"    fix: {self.fix}"
        )


class SkippedCheck(BaseModel):
    """A check a run did not do, and why: reported, never passed silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(description="What was not checked, e.g. source-texts.")
    reason: str = Field(description="Why it could not run here.")
    count: int = Field(default=0, description="How many records it would have covered.")
    run: str = Field(description="How to run it where it can run.")

    def render(self) -> str:
        """One line for people: ``skipped: CHECK (COUNT): REASON; RUN``."""
        return f"skipped: {self.check} ({self.count}): {self.reason}; {self.run}"


class ValidationReport(BaseModel):
    """All findings of one validation run, and the checks it skipped (with the reason)."""

    model_config = ConfigDict(extra="forbid")

    valid: bool
    stats: dict[str, int] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    skipped: list[SkippedCheck] = Field(
        default_factory=list, description="Checks this run could not do, each with its reason."
    )
    report_path: str | None = Field(
        default=None, description="The HTML report written by this run, when there is one."
    )

    @classmethod
    def from_findings(cls, findings: list[Finding], stats: dict[str, int]) -> ValidationReport:
        ordered = sorted(findings, key=lambda f: (f.file, f.line or 0, f.column or 0, f.code))
        errors = sum(1 for f in ordered if f.severity == "error")
        counts = {**stats, "errors": errors, "warnings": len(ordered) - errors}
        return cls(valid=errors == 0, stats=counts, findings=ordered)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def flatten(self, keys: list[str]) -> list[list[Any]]:
        """The findings as rows of the named attributes, for tests to compare."""
        return [[getattr(f, k) for k in keys] for f in self.findings]

    def codes(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)


_DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_DENIED = {errno.EACCES, errno.EPERM}


def shown_path(value: object) -> str:
    """Text safe to print and to write as JSON: bytes that are not UTF-8 (surrogate
    escapes in file names) are shown as ``\\xNN``, lone surrogates as ``\\udNNN``."""
    text = os.fsdecode(value) if isinstance(value, bytes | os.PathLike) else str(value)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def os_error_kind(exc: OSError) -> ErrorType:
    """The catalogue entry of an operating-system error: permission, read-only, disk full."""
    if exc.errno in _DISK_FULL:
        return ERR.DISK_FULL
    if exc.errno == errno.EROFS:
        return ERR.READ_ONLY
    if exc.errno in _DENIED or isinstance(exc, PermissionError):
        return ERR.PERMISSION_DENIED
    return ERR.OS_ERROR


def os_error_finding(exc: OSError, path: object = None) -> Finding:
    """An :class:`OSError` as a finding located at the file it names."""
    where = shown_path(exc.filename if exc.filename is not None else path or "<unknown>")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return os_error_kind(exc).at(where, path=where, reason=shown_path(reason), actual=exc.errno)


class EvidenceKitError(Exception):
    """Raised by library calls that cannot go on; carries the findings that stopped them."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(f.render() for f in findings))


class UsageError(EvidenceKitError):
    """The caller asked for something impossible (unknown table, missing directory)."""

    def __init__(self, reason: str, hint: str, file: str = "<command line>"):
        super().__init__([ERR.USAGE.at(file, reason=reason, hint=hint)])
