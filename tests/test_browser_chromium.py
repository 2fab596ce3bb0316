"""The evidence browser in a real browser: headless Chromium driven by Selenium.

Uses Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium`` and
``/usr/bin/chromedriver``; ``apt-get install chromium chromium-driver``); Selenium is told
where they are and never downloads a browser.  Skipped, with the reason, when they are
absent.

The screenshot of a source page goes to ``tmp_path``; with ``EVIDENCE_KIT_SCREENSHOT=PATH``
(``make screenshot`` sets ``docs/browser-source.png``) it is also written there, from the
real dataset when that validates and from the test fixture otherwise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromium
import pytest
from browse_data import write_browse_dataset

from evidence_kit.curation.validator import Dataset, load_dataset, validate
from evidence_kit.publishing.browser import write_site

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not chromium.available(), reason=chromium.MISSING)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium.start("--window-size=1400,1000", "--allow-file-access-from-files") as browser:
        yield browser


def _site(tmp_path_factory: pytest.TempPathFactory, root: Path) -> tuple[Dataset, Path]:
    dataset = load_dataset(root)
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(dataset, out)
    return dataset, out


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Path]:
    return _site(tmp_path_factory, write_browse_dataset(tmp_path_factory.mktemp("d") / "data"))


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Path]:
    report, _ = validate(REPO / "dataset")
    if not report.valid:
        pytest.skip("the curated dataset under dataset/ does not validate (being re-curated)")
    return _site(tmp_path_factory, REPO / "dataset")


JOIN_HIGHLIGHTS = """
const joined = {};
for (const el of document.querySelectorAll('#source-text .hl')) {
  for (const id of el.dataset.ids.split(' ')) {
    joined[id] = (joined[id] || '') + el.textContent;
  }
}
return [joined, document.getElementById('source-text').textContent];
"""


def check_highlights(driver: Any, dataset: Dataset, site: Path) -> int:
    """Every assertion's highlight segments, read from the DOM, join to its quote."""
    checked = 0
    for source_id, text in dataset.texts.items():
        driver.get((site / "sources" / f"{source_id}.html").as_uri())
        joined, whole = driver.execute_script(JOIN_HIGHLIGHTS)
        assert whole == text, f"{source_id}: the page's text differs from the source text"
        mine = {a.assertion_id: a for a in dataset.assertions.values() if a.source_id == source_id}
        assert set(joined) == set(mine)
        for assertion_id, assertion in mine.items():
            assert joined[assertion_id] == assertion.quote, assertion_id
            checked += 1
    return checked


def check_kind_filter(driver: Any, dataset: Dataset, site: Path, kind: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get((site / "index.html").as_uri())
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.claim-row")
    assert len(rows) == len(dataset.claims)
    Select(driver.find_element(By.ID, "filter-kind")).select_by_value(kind)
    visible = [r for r in rows if r.is_displayed()]
    expected = {
        c.claim_id
        for c in dataset.claims.values()
        if getattr(c, "kind", None) == kind and c.status == "active"
    }
    assert expected, f"no active {kind} claim to filter for"
    assert {r.get_attribute("data-claim") for r in visible} == expected
    assert all(r.get_attribute("data-kind") == kind for r in visible)
    assert len(visible) < len(rows)
    count = driver.find_element(By.ID, "filter-count").text
    assert count == f"{len(expected)} of {len(rows)} claims shown"
    driver.find_element(By.ID, "filter-reset").click()
    assert sum(r.is_displayed() for r in rows) == sum(
        c.status == "active" for c in dataset.claims.values()
    )


def save_screenshot(driver: Any, site: Path, source_id: str, target: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.set_window_size(1400, 1000)
    driver.get((site / "sources" / f"{source_id}.html").as_uri())
    first = driver.find_elements(By.CSS_SELECTOR, "#source-text .hl")[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
    first.click()
    target.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(target))
    assert target.read_bytes().startswith(b"\x89PNG")
    wanted = os.environ.get("EVIDENCE_KIT_SCREENSHOT")
    if wanted:
        shutil.copyfile(target, REPO / wanted)


def test_highlights_equal_quotes_in_the_dom(
    driver: Any, fixture_site: tuple[Dataset, Path]
) -> None:
    dataset, site = fixture_site
    assert check_highlights(driver, dataset, site) == len(dataset.assertions)


def test_kind_and_language_filters(driver: Any, fixture_site: tuple[Dataset, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    dataset, site = fixture_site
    check_kind_filter(driver, dataset, site, "adverse_effect")
    Select(driver.find_element(By.ID, "filter-language")).select_by_value("zh-Hans")
    visible = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.claim-row") if r.is_displayed()]
    assert {r.get_attribute("data-claim") for r in visible} == {
        "c-mn-mech-collagen-production",
        "c-mn-ae-redness",
        "c-mn-cost-session-cny",
    }
    Select(driver.find_element(By.ID, "filter-flag")).select_by_value("cites_literature")
    Select(driver.find_element(By.ID, "filter-certainty")).select_by_value("low")
    assert not any(r.is_displayed() for r in driver.find_elements(By.CSS_SELECTOR, "tr.claim-row"))


def test_selecting_a_span_shows_its_assertions(
    driver: Any, fixture_site: tuple[Dataset, Path], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _, site = fixture_site
    driver.get((site / "sources" / "s000.html").as_uri())

    def shown() -> list[str]:
        return [
            d.get_attribute("data-for")
            for d in driver.find_elements(By.CSS_SELECTOR, "#details .detail")
            if d.is_displayed()
        ]

    assert shown() == []
    driver.find_element(By.CSS_SELECTOR, '.hl[data-ids="s000-001 s000-005"]').click()
    assert shown() == ["s000-001", "s000-005"]
    panel = driver.find_element(By.ID, "a-s000-005").text
    assert "stimulates collagen production" in panel and "a second curator" in panel
    assert "ECO:0000303" in panel and "cites literature" in panel
    retracted = driver.find_element(By.CSS_SELECTOR, '.hl[data-ids="s000-002 s000-006"]')
    retracted.click()
    assert shown() == ["s000-002", "s000-006"]
    assert "Retracted: Crosses two sentences" in driver.find_element(By.ID, "a-s000-006").text
    driver.find_element(By.ID, "show-retracted").click()  # hide retracted
    retracted.click()
    assert shown() == ["s000-002"]
    driver.get((site / "sources" / "s000.html").as_uri() + "#a-s000-003")
    assert shown() == ["s000-003"]
    save_screenshot(driver, site, "s000", tmp_path / "browser-source.png")


def test_real_dataset_in_the_browser(
    driver: Any, real_site: tuple[Dataset, Path], tmp_path: Path
) -> None:
    dataset, site = real_site
    assert check_highlights(driver, dataset, site) == len(dataset.assertions)
    check_kind_filter(driver, dataset, site, "adverse_effect")
    save_screenshot(driver, site, sorted(dataset.sources)[0], tmp_path / "browser-source.png")
