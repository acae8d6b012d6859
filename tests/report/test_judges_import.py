"""Judging needs no plotting library: the judges hand their figures' frames over and draw nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

JUDGES = Path(__file__).resolve().parents[2] / "bench" / "report" / "claims"
PLOTTING = ("matplotlib", "bench.report.plots", "bench.report.claims.figures")


def test_importing_the_judges_loads_no_matplotlib():
    code = "import sys, bench.report.claims.judges; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_judges_import_no_plotting_module():
    for module in ("judges.py", "mlp_judges.py", "runs.py", "rules.py", "evidence.py"):
        imported = set()
        for node in ast.walk(ast.parse((JUDGES / module).read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported |= {node.module or ""} | {f"{node.module}.{alias.name}" for alias in node.names}
        assert not {name for name in imported if name.startswith(PLOTTING)}, module
