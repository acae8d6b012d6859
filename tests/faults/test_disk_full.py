"""3. The disk fills up in the middle of a sweep: a real tmpfs of a few megabytes, mounted in a mount namespace of
the test's own, holds the store, the sweep's folder and the reports; another process fills it while jobs run."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env
from faultkit import no_process_left  # noqa: F401

pytestmark = pytest.mark.faults

FIRST = ["dataset=iris", "model=knn,decision_tree", "seed=0"]
SECOND = ["dataset=iris,wine,breast_cancer", "model=mlp,knn", "seed=0,1", "report.enabled=false"]

# Runs inside the namespace, where the tmpfs is mounted on $DISK; what the test reads afterwards goes to $OUT.
SCRIPT = """
set -u
mount -t tmpfs -o size=64m tmpfs "$DISK" || exit 97
cd "$DISK"
keep() { for f in mlruns.db*; do cp "$f" "$OUT/$1${f#mlruns.db}"; done; }  # with its write-ahead log
step() { name=$1; shift; "$PY" -m bench "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
finished() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect("file:mlruns.db?mode=ro",uri=True)
print(c.execute("select count(*) from runs where status=\\"FINISHED\\"").fetchone()[0])'; }
step first $FIRST
cp reports/bench.html "$OUT/report_before.html"
start=$(finished)
"$PY" -m bench $SECOND >"$OUT/second.out" 2>"$OUT/second.err" & pid=$!
while [ "$(finished)" -lt $((start + 3)) ] && kill -0 $pid 2>/dev/null; do sleep 0.2; done
dd if=/dev/zero of=ballast bs=64k 2>/dev/null
wait $pid; echo $? >"$OUT/second.rc"
step report report
step start $SECOND
cp reports/bench.html "$OUT/report_full.html"
keep full.db
rm ballast
step rerun $SECOND
keep final.db
"""


def namespace() -> list[str] | None:
    """The ``unshare`` command that gives this process a mount namespace where it may mount a tmpfs (as root, or
    as root of a user namespace of its own), or None where the kernel allows neither."""
    if shutil.which("unshare") is None:
        return None
    for command in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        probe = subprocess.run([*command, "mount", "-t", "tmpfs", "tmpfs", "/mnt"], capture_output=True)
        if probe.returncode == 0:
            return command
    return None


def jobs(db: Path) -> list[tuple[str, str, float | None]]:
    """Each job run's name, status and test accuracy; the store's own integrity check first."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        rows = connection.execute(
            "select r.name, r.status, m.value from runs r join tags t on t.run_uuid = r.run_uuid "
            "left join latest_metrics m on m.run_uuid = r.run_uuid and m.key = 'test/accuracy' "
            "where t.key = 'bench.run_key'"
        ).fetchall()
    return rows


def test_a_disk_that_fills_mid_sweep_stops_it_in_one_line_keeps_what_was_recorded_and_a_rerun_finishes(tmp_path):
    command = namespace()
    if command is None:
        pytest.skip("this kernel lets the test mount no tmpfs (no mount namespace, as root or in a user namespace)")
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir(), out.mkdir()
    env = {**cli_env(), "DISK": str(disk), "OUT": str(out), "PY": sys.executable}
    env |= {"FIRST": " ".join(FIRST), "SECOND": " ".join(SECOND)}
    done = subprocess.run([*command, "bash", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]

    def said(step: str) -> tuple[int, str]:
        return int((out / f"{step}.rc").read_text()), (out / f"{step}.err").read_text()

    assert said("first")[0] == 0
    code, err = said("second")
    assert code == 1, err[-2000:]
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: no space left on the disk holding") and "Not recorded" in last, err[-2000:]

    # what was recorded before the disk filled is intact, and nothing is left running
    full = jobs(out / "full.db")
    recorded = [row for row in full if row[1] == "FINISHED"]
    assert {f"iris/{m}/seed=0" for m in ("knn", "decision_tree")} <= {name for name, _, _ in recorded}
    assert len(recorded) >= 2 + 3
    # a run can be closed only while the store can take the write: on a full disk SQLite may refuse even that, so
    # at most the runs in flight when it filled (the parent and one job) stay RUNNING, until the next command with
    # room closes them (below)
    assert sum(status == "RUNNING" for _, status, _ in full) <= 2

    # a report onto the full disk says so in one line and leaves the report that was there as it was
    code, err = said("report")
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "cannot write" in err and "no space left on device" in err, err
    digest = [hashlib.sha256((out / f).read_bytes()).hexdigest() for f in ("report_before.html", "report_full.html")]
    assert digest[0] == digest[1]

    # a sweep started on the full disk stops before any job, in one line naming the disk
    code, err = said("start")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: only 0.0 MB free on the disk holding") and str(tmp_path / "disk") in err, err

    # the rerun, with room again, runs only what was not recorded and finishes the sweep
    assert said("rerun")[0] == 0, said("rerun")[1][-2000:]
    finished = [row for row in jobs(out / "final.db") if row[1] == "FINISHED"]
    names = {f"{d}/{m}/seed={s}" for d in ("iris", "wine", "breast_cancer") for m in ("mlp", "knn") for s in (0, 1)}
    assert sorted(name for name, _, _ in finished) == sorted(names | {"iris/decision_tree/seed=0"})
    assert set(recorded) <= set(finished)  # recorded runs were kept as they were, not run again
    assert "RUNNING" not in {status for _, status, _ in jobs(out / "final.db")}
