"""The validation report: one finding per defect, a self-contained page, offline in Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromium
import pytest
from click.testing import CliRunner

from evidence_kit.cli import main
from evidence_kit.synth import synthesize

DATASET = Path(__file__).resolve().parent.parent / "dataset"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    out = tmp_path_factory.mktemp("synth")
    synthesize(DATASET, out, 2000, seed=3, corrupt=0.01)
    reports = out / "reports"
    result = CliRunner().invoke(
        main,
        ["validate", "--published", str(out / "parquet"), "--report-dir", str(reports),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    text = CliRunner().invoke(
        main, ["validate", "--published", str(out / "parquet"), "--report-dir", str(reports)]
    )
    return json.loads(result.stdout), text.stdout, reports


def test_json_and_text_name_the_report(run: tuple[dict[str, Any], str, Path]) -> None:
    report, text, reports = run
    assert report["report_path"] == str(reports / "report.html")
    assert Path(report["report_path"]).is_file()
    assert f"report: {reports / 'report.html'}" in text.splitlines()


def test_a_failed_expectation_already_reported_by_the_column_checks_is_folded(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    report, _, _ = run
    stats = report["stats"]
    assert stats["expectations_failed"] > 0
    assert stats["expectations_folded"] == stats["expectations_failed"]
    assert not [f for f in report["findings"] if f["code"] == "EK501"]
    reported = {(f["file"], f["field"]) for f in report["findings"]}
    assert len(reported) <= len(report["findings"])


def test_the_page_lists_every_finding_and_expectation_and_loads_nothing(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    report, _, reports = run
    page = (reports / "report.html").read_text("utf-8")
    assert page.count('<tr class="finding') == len(report["findings"])
    assert page.count('<tr class="expectation') == report["stats"]["expectations"]
    assert page.count("failed (folded)</td>") == report["stats"]["expectations_folded"]
    assert not re.search(r"(?:src|href)\s*=|https?://|@import|url\(", page)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium.start(*chromium.OFFLINE) as browser:
        yield browser


def test_the_report_renders_offline_in_chromium(
    run: tuple[dict[str, Any], str, Path], driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    report, _, reports = run
    driver.get((reports / "report.html").resolve().as_uri())
    rows = driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert len(rows) == len(report["findings"]) > 0
    first = rows[0].find_elements(By.TAG_NAME, "td")
    assert len(first) == 6 and first[3].text.startswith("EK")
    expectations = driver.find_elements(By.CSS_SELECTOR, "#expectations tbody tr")
    assert len(expectations) == report["stats"]["expectations"]
    assert "INVALID" in driver.find_element(By.ID, "state").text
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources == []
