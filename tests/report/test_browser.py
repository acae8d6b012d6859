"""The HTML report of a real sweep, opened in a real headless Chromium."""

import os
import shutil
from pathlib import Path

import pytest
from conftest import run_main

pytestmark = pytest.mark.slow

SECTIONS = ["answer", "summary", "leaderboard", "statistics", "cost", "overfitting", "gradients", "claims", "failures"]
DATASET_PAYLOAD = "<script>alert(1)</script>"
MODEL_PAYLOAD = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A sweep whose dataset name and model name (both logged as params and tags) are markup."""
    cwd = tmp_path_factory.mktemp("browser")
    result = run_main(
        "dataset=moons",
        "model=knn",
        "seed=0,1",
        f"dataset.name={DATASET_PAYLOAD!r}",
        f"model.name={MODEL_PAYLOAD!r}",
        "tracking.experiment=payload",
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return cwd / "reports" / "payload.html"


def test_report_renders_every_section_without_errors(chromium, report, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems, dialogs, requests = [], [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        # the first screen leads with the answer: its sentences and its table before the contents and the summary
        answer = page.locator("section#answer").bounding_box()
        assert answer["y"] < 200 and page.locator("section#answer p.lead").first.is_visible()
        assert page.locator("section#answer p.lead").first.inner_text().startswith("Best model per dataset:")
        assert (
            answer["y"] < page.locator("nav").bounding_box()["y"] < page.locator("section#summary").bounding_box()["y"]
        )
        if folder := os.environ.get("BENCH_SCREENSHOTS"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / "report_first_screen.png"))
        for section in SECTIONS:
            assert page.locator(f"section#{section}").is_visible(), section
            assert page.locator(f"nav a[href='#{section}']").count() == 1
        assert page.locator("figure svg").count() >= 2  # the Pareto and overfitting plots at least
        text = page.inner_text("body")
        assert DATASET_PAYLOAD in text and MODEL_PAYLOAD in text  # shown as text, not run as markup
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert problems == [] and dialogs == []
    assert requests == [report.as_uri()]  # self-contained: the page fetches nothing else
    assert (tmp_path / "report.png").stat().st_size > 10_000
