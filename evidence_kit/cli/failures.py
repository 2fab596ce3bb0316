"""Every failure as located findings and exit 1 (2 for usage), never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from evidence_kit.cli.conventions import print_findings

if TYPE_CHECKING:  # imported where used: --help and startup load no pydantic
    from evidence_kit.model.errors import Finding

#: Which extra brings each optional import (pyproject's [project.optional-dependencies]).
EXTRAS = {
    "pyspark": "spark",
    "great_expectations": "validate",
    "polars": "validate",
    "jinja2": "browse",
    "matplotlib": "browse",
}


def fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into located messages and exit 1, never a traceback.

    Library errors carry their findings; operating-system errors (permission, read-only
    file system, full disk), unreadable Parquet and undecodable names get their own codes
    (:func:`failure_findings`); anything else is reported as an internal error (EK900)
    with a bug-report hint.  ``EVIDENCE_KIT_DEBUG=1`` re-raises for the traceback.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from evidence_kit.model.errors import EvidenceKitError

        as_json = kwargs.get("fmt") == "json"
        try:
            return func(*args, **kwargs)
        except EvidenceKitError as exc:
            report_failure(exc.findings, as_json)
            usage = all(f.code == "EK108" for f in exc.findings)
            sys.exit(2 if usage else 1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("EVIDENCE_KIT_DEBUG"):
                raise
            from evidence_kit.model.errors import ERR

            missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
            module = (missing or "").split(".")[0]
            if module and module != "evidence_kit":
                report_failure(
                    [ERR.MISSING_EXTRA.at(func.__name__, module=module, extra=extra_for(module))],
                    as_json,
                )
            else:
                report_failure(failure_findings(exc), as_json)
            sys.exit(1)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def report_failure(findings: list[Finding], as_json: bool) -> None:
    """Findings on stderr; with ``--format json`` also a report on stdout."""
    print_findings(findings)
    if as_json:
        from evidence_kit.model.errors import ValidationReport

        click.echo(ValidationReport.from_findings(findings, {}).model_dump_json(indent=2))


def extra_for(module: str) -> str:
    """The extra to install for a missing optional ``module``."""
    return EXTRAS.get(module, "curate")


def failure_findings(exc: BaseException) -> list[Finding]:
    """An exception from outside the error catalogue as findings with real codes."""
    from evidence_kit.model.errors import ERR, os_error_finding, shown_path

    if isinstance(exc, OSError):
        return [os_error_finding(exc)]
    if type(exc).__module__.startswith("pyarrow"):
        return [
            ERR.PARQUET_UNREADABLE.at("<parquet>", path="a Parquet file", reason=shown_path(exc))
        ]
    if isinstance(exc, UnicodeError):
        reason = shown_path(exc)
        return [ERR.FILE_NAME_NOT_UTF8.at("<file name>", actual=reason)]
    if isinstance(exc, RecursionError):
        return [ERR.YAML_TOO_DEEP.at("<input>", expected="the interpreter's recursion limit")]
    where = "<evidence-kit>"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    reason = f"{type(exc).__name__}: {shown_path(exc)} (at {where})"
    return [ERR.INTERNAL.at("<evidence-kit>", reason=reason)]
