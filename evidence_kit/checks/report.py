"""The validation report as one self-contained HTML page (works offline, no CDN).

``validate --published --report-dir DIR`` writes ``DIR/report.html``: a summary, every
finding (table, row, column, code, message, fix) and every expectation result (passed,
failed, or failed and folded into a row-level finding of the same column, so one defect
gives one finding).  CSS is inline; the page loads nothing from anywhere: it renders the
same from ``file://`` on a machine without a network.  Plain :class:`string.Template`,
no template engine.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from string import Template
from typing import Any

from evidence_kit.model.errors import ValidationReport

REPORT_FILE = "report.html"

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evidence-kit validation report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.state-valid { color: #14662c; } .state-invalid { color: #a4161a; }
.passed { color: #14662c; } .failed { color: #a4161a; } .folded { color: #8a5a00; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>evidence-kit validation report</h1>
<p id="state" class="$state_class">$state: $summary</p>
<h2>Findings ($n_findings)</h2>
<table id="findings">
<thead><tr><th>table</th><th>row</th><th>column</th><th>code</th><th>message</th>
<th>fix</th></tr></thead>
<tbody>
$findings
</tbody>
</table>
<h2>Expectations ($n_expectations)</h2>
<p>A failed expectation whose column the row-level checks already reported is shown
as <span class="folded">failed (folded)</span>: it is the same defect, counted once above.</p>
<table id="expectations">
<thead><tr><th>table</th><th>expectation</th><th>columns</th><th>result</th>
<th>detail</th></tr></thead>
<tbody>
$expectations
</tbody>
</table>
$skipped
</body>
</html>
""")


def _cell(value: Any) -> str:
    return "<td>" + ("" if value is None else html.escape(str(value))) + "</td>"


def render_report(
    report: ValidationReport, results: list[dict[str, Any]], skipped: list[str] | None = None
) -> str:
    """The HTML page for ``report`` and the expectation ``results``."""
    finding_rows = []
    for f in report.findings:
        finding_rows.append(
            f'<tr class="finding {f.severity}">'
            + _cell(Path(f.file).stem if f.file.endswith(".parquet") else f.file)
            + _cell(f.line)
            + _cell(f.field)
            + f"<td><code>{html.escape(f.code)}</code> {html.escape(f.name)}</td>"
            + _cell(f.message)
            + _cell(f.fix)
            + "</tr>"
        )
    expectation_rows = []
    for r in results:
        if r["success"]:
            state, css = "passed", "passed"
        elif r.get("folded"):
            state, css = "failed (folded)", "folded"
        else:
            state, css = "failed", "failed"
        expectation_rows.append(
            f'<tr class="expectation {css}">'
            + _cell(r["table"])
            + _cell(r["expectation"])
            + _cell(", ".join(r["columns"]))
            + f'<td class="{css}">{state}</td>'
            + _cell(r.get("reason"))
            + "</tr>"
        )
    skipped_html = ""
    if skipped:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in skipped)
        skipped_html = f"<h2>Skipped expectations ({len(skipped)})</h2>\n<ul>{items}</ul>"
    summary = ", ".join(f"{v} {k}" for k, v in report.stats.items())
    return _PAGE.substitute(
        state="valid" if report.valid else "INVALID",
        state_class="state-valid" if report.valid else "state-invalid",
        summary=html.escape(summary),
        n_findings=len(report.findings),
        findings="\n".join(finding_rows),
        n_expectations=len(results),
        expectations="\n".join(expectation_rows),
        skipped=skipped_html,
    )


def write_report(
    directory: Path,
    report: ValidationReport,
    results: list[dict[str, Any]],
    skipped: list[str] | None = None,
) -> Path:
    """Write ``directory/report.html`` (by rename: never half a page) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / REPORT_FILE
    temporary = directory / f".{REPORT_FILE}.tmp"
    temporary.write_text(render_report(report, results, skipped), encoding="utf-8")
    os.replace(temporary, page)
    return page
