"""The README's performance targets are the committed full run's (``reports/perf.json``), each with its figure."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def committed() -> dict:
    return json.loads((ROOT / "reports" / "perf.json").read_text())


def test_the_committed_run_is_a_full_run_and_the_readme_names_its_commit():
    run = committed()
    assert run["mode"] == "full" and run["groups"]
    assert f"commit `{run['machine']['git_commit'][:7]}`" in (ROOT / "README.md").read_text()


def test_the_readme_states_every_target_of_the_committed_run_with_its_figure():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Performance") : readme.index("## Development")]
    for target in committed()["targets"]:
        met = "met" if target["met"] else "**not met**"
        assert f"| {target['target']} | {target['figure']} | {met} |" in section, target["target"]
