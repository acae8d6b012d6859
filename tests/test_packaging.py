"""The configs ship inside the wheel: a non-editable install runs from outside the checkout."""

import subprocess
import sys

import pytest
from conftest import REPO, cli_env

pytestmark = pytest.mark.slow


def test_wheel_install_finds_its_configs(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, REPO], check=True)
    [wheel] = wheels.glob("bench-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", site, wheel], check=True
    )
    assert (site / "bench" / "conf" / "config.yaml").is_file()
    assert not (site / "benchmarks").exists()  # measurement lives beside the package, not in it
    env = {**cli_env(), "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import bench.config as m; print(m.CONFIG_DIR)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(site / "bench" / "conf")
    result = subprocess.run(
        [sys.executable, "-m", "bench", "dataset=iris", "model=knn", "report.enabled=false"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "iris           knn" in result.stdout and (work / "mlruns.db").is_file()
