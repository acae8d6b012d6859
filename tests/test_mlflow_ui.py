"""The MLflow UI as a comparison tool, checked in a real headless Chromium against a real ``python -m bench ui`` on
the store of a small sweep: the experiment opens on its runs in the model-training view with bench's
description, each sweep is a parent run with its jobs under it, an MLP run's charts are per-epoch lines and
once-per-run bars (no one-point lines), and the compare page of one run per family lists the metrics every
family has before the MLP's own. Screenshots of each page go to ``BENCH_SCREENSHOTS`` (a folder) where it is set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import mlflow
import pytest
from conftest import cli_env, free_port, run_main

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# first visit only: the UI's assistant panel and a GenAI tip would cover the page
QUIET_UI = """try {
  localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
  localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
  localStorage.setItem('mlflow.detectIssues.guidanceShown_v1', 'true');
} catch (e) {}"""
NAME_CELL = '[role="gridcell"][col-id="attributes.`Run Name`"]'
FAMILIES = ("mlp", "decision_tree", "svm", "knn")


@pytest.fixture(scope="module")
def chromium() -> str:
    from shutil import which

    path = which("chromium") or which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("ui")
    done = run_main("dataset=iris", f"model={','.join(FAMILIES)}", "seed=0", "report.enabled=false", cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "compare: " in done.stdout and " -m bench ui " in done.stdout
    return cwd


@pytest.fixture(scope="module")
def ui(sweep: Path):
    """``python -m bench ui`` as the sweep printed it, on a free port; yields (the address it printed, the store)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench", "ui", "--port", str(port)],
        cwd=sweep,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    first = process.stdout.readline()
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"bench ui did not start: {first}{process.stdout.read()[-2000:]}")
            time.sleep(0.5)
    try:
        yield first.split("MLflow UI: ", 1)[1].split()[0], mlflow.MlflowClient(f"sqlite:///{sweep}/mlruns.db")
    finally:
        process.terminate()  # as a service manager stops it: bench ui stops the server and its workers with it
        process.wait(timeout=30)
        assert serving(sweep) == [], "bench ui left its server running"


def serving(store_folder: Path) -> list[int]:
    """Processes still serving the store in ``store_folder``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any(str(store_folder) in part for part in proc.info["cmdline"] or []):
            found.append(proc.info["pid"])
    return found


@pytest.fixture(scope="module")
def browser(chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # fresh: the UI keeps state per origin
    context.add_init_script(QUIET_UI)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def shoot(page, name: str) -> None:
    if folder := os.environ.get("BENCH_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_the_printed_address_opens_the_runs_in_the_model_training_view_with_the_sweep_and_its_jobs(ui, page):
    address, client = ui
    assert address.endswith("/runs?workflowType=machine_learning")
    experiment = client.get_experiment_by_name("bench")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    [parent] = client.search_runs([experiment.experiment_id], "tags.`bench.sweep` = 'true'")
    page.goto(address)
    parent_cell = page.locator(NAME_CELL, has=page.get_by_role("link", name=parent.info.run_name, exact=True))
    parent_cell.wait_for(timeout=60_000)
    assert page.get_by_text("Detect Issues in Your Traces").count() == 0  # the GenAI pages' prompt
    assert page.get_by_text("Token Usage").count() == 0
    assert page.get_by_text("Each sweep is a parent run").count() >= 1  # bench's description, under the title
    parent_cell.locator("button").click()  # the parent's expander: its jobs appear beneath it
    page.wait_for_function(f"document.querySelectorAll('{NAME_CELL} a').length > 4")
    names = page.locator(f"{NAME_CELL} a").all_inner_texts()
    assert sorted(set(names) - {parent.info.run_name}) == sorted(f"iris/{m}/seed=0" for m in FAMILIES)
    shoot(page, "runs_list")
    assert page.errors == []


def test_the_parent_run_holds_the_sweeps_command_counts_and_leaderboard(ui):
    _, client = ui
    experiment = client.get_experiment_by_name("bench")
    [parent] = client.search_runs([experiment.experiment_id], "tags.`bench.sweep` = 'true'")
    assert parent.data.params["sweep.command"] == f"python -m bench dataset=iris model={','.join(FAMILIES)} seed=0 " + (
        "report.enabled=false"
    )
    assert parent.data.metrics["runs_made"] == 4 and parent.data.metrics["runs_failed"] == 0
    assert parent.data.params["sweep.protocol"] == "holdout"
    assert "4 runs made, 0 failed." in parent.data.tags["mlflow.note.content"]
    assert 0 < parent.data.metrics["test_accuracy_mean"] <= 1
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {"leaderboard.md", "leaderboard.csv"}
    assert "python -m bench" in parent.data.tags["mlflow.note.content"]


def mlp_run(client):
    experiment = client.get_experiment_by_name("bench")
    [run] = client.search_runs([experiment.experiment_id], "tags.`bench.model` = 'mlp'")
    return experiment.experiment_id, run


def test_an_mlp_runs_charts_are_per_epoch_lines_and_once_per_run_bars(ui, page):
    address, client = ui
    experiment_id, run = mlp_run(client)
    # a metric with a step of 1 or more is drawn as a line: every such metric must have a point per epoch
    series = {key for key in run.data.metrics if client.get_metric_history(run.info.run_id, key)[-1].step >= 1}
    assert series == {"training/loss", "training/val_loss", "training/val_accuracy"} | {
        f"training/grad_norm/layer_{i}" for i in range(3)
    }
    assert all(len(client.get_metric_history(run.info.run_id, key)) > 1 for key in series)
    base = address.split("/#/")[0]
    page.goto(
        f"{base}/#/experiments/{experiment_id}/runs/{run.info.run_id}/model-metrics?workflowType=machine_learning"
    )
    page.get_by_test_id("experiment-view-compare-runs-card").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    shoot(page, "mlp_run")
    charts = drawn_charts(page)
    assert {key for key, kind in charts.items() if kind == "line"} == series
    assert {"test_accuracy", "train_accuracy", "fit_time_s", "training/best_epoch"} <= {
        key for key, kind in charts.items() if kind == "bar"
    }
    assert page.errors == []


def drawn_charts(page) -> dict[str, str]:
    """Every chart of the run's metrics tab (they mount as they scroll into view): its metric and its kind."""
    headers = page.get_by_test_id("experiment-view-compare-runs-section-header")
    headers.first.wait_for(timeout=60_000)
    scroller = headers.first.evaluate_handle(
        "h => { let e = h; while (e && !(e.scrollHeight > e.clientHeight && "
        "['auto', 'scroll'].includes(getComputedStyle(e).overflowY))) e = e.parentElement; return e }"
    )
    charts: dict[str, str] = {}
    while True:
        page.wait_for_timeout(400)
        for card in page.get_by_test_id("experiment-view-compare-runs-card").all():
            key = card.locator("h4").first.get_attribute("title")
            if key in charts:
                continue
            card.locator(".js-plotly-plot .main-svg").first.wait_for()
            bars, lines = card.locator(".barlayer .trace.bars").count(), card.locator(".scatterlayer .trace").count()
            charts[key] = "bar" if bars else "line" if lines else "other"
        moved = "e => { const b = e.scrollTop; e.scrollTop += e.clientHeight * 0.6; return e.scrollTop !== b }"
        if not scroller.evaluate(moved):
            return charts


def test_the_compare_page_of_one_run_per_family_lists_the_shared_metrics_first(ui, page):
    address, client = ui
    experiment = client.get_experiment_by_name("bench")
    jobs = client.search_runs([experiment.experiment_id], "tags.`bench.run_key` != ''")
    runs = {r.data.tags["bench.model"]: r.info.run_id for r in jobs}
    ids = [runs[m] for m in FAMILIES]
    quote = lambda value: urllib.parse.quote(json.dumps(value))  # noqa: E731
    base, experiments = address.split("/#/")[0], quote([experiment.experiment_id])
    page.goto(f"{base}/#/compare-runs?runs={quote(ids)}&experiments={experiments}&workflowType=machine_learning")
    grid = page.locator(".ReactVirtualized__Grid", has=page.locator('a[title="Plot chart"]')).first
    grid.wait_for(timeout=60_000)
    grid.scroll_into_view_if_needed()
    shoot(page, "compare")
    rows: list[str] = []
    while True:
        rows += [name for name in grid.locator('a[title="Plot chart"]').all_inner_texts() if name not in rows]
        if grid.evaluate("g => { const b = g.scrollTop; g.scrollTop += g.clientHeight / 2; return g.scrollTop === b }"):
            break
        page.wait_for_timeout(150)
    shared = [r for r in rows if not r.startswith("training/")]
    assert {"test_accuracy", "train_accuracy", "fit_time_s", "predict_latency_us"} <= set(shared)
    assert rows == shared + [r for r in rows if r.startswith("training/")]  # the MLP's own after every shared one
    params = page.locator(
        ".du-bois-light-collapse-item", has=page.get_by_role("switch", name="Parameters - Show diff only")
    )
    assert "dataset.class_counts" not in params.locator("table.mlflow-compare-run-table th").all_inner_texts()
    assert page.errors == []
