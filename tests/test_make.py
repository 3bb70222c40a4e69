"""`make paper`'s bookkeeping, on a scratch project with one tiny paper item (a "probe" notebook that needs no m3_nb):
results per scale, reruns only when inputs change, FRESH=1, paper-plan, output visible in the terminal, and an
executed notebook that survives a failed or SIGKILLed rerun. Each test reproduces a failure of issue 15."""
import json, os, signal, shutil, subprocess, sys, time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent

PROBE = '''import os, time, warnings
from pathlib import Path
print(f"probe stage 1/2 at scale {scale}", flush=True)
time.sleep(float(os.environ.get("PROBE_SLEEP", "0")))
if os.environ.get("PROBE_FAIL"): raise RuntimeError("probe failed on purpose")
warnings.warn("probe repaired something")
t = Path(out_dir) / "tables"; t.mkdir(parents=True, exist_ok=True)
(t / "probe.md").write_text(f"probe at scale {scale}\\n")
print("probe stage 2/2 done", flush=True)'''


def _project(tmp_path: Path) -> Path:
    "Makefile, tools/ and a one-item nbs/paper/ in a scratch folder; the real venv, whose stamp is newer than the copied pins."
    proj = tmp_path / "proj"
    (proj / "nbs" / "paper").mkdir(parents=True); (proj / "m3_nb").mkdir(); (proj / "tools").mkdir()
    for f in ("Makefile", "requirements.txt", "pyproject.toml", "tools/paper_plan.py"):
        shutil.copy(ROOT / f, proj / f)
    for f in ("requirements.txt", "pyproject.toml"): os.utime(proj / f, (0, 0))   # never reinstall the shared venv
    (proj / "m3_nb" / "lib.py").write_text("x = 1\n")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('scale = "smoke"\nout_dir = None'); params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(PROBE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, proj / "nbs" / "paper" / "probe.ipynb")
    return proj


def _make(proj: Path, *args, **env) -> subprocess.CompletedProcess:
    res = subprocess.run(["make", f"VENV={VENV}", *args], cwd=proj, capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=600)
    return res


def _tree(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _touch_future(p: Path, dt: float = 5.0):
    t = time.time() + dt; os.utime(p, (t, t))


def test_scales_side_by_side_reruns_fresh_and_plan(tmp_path):
    proj = _project(tmp_path)
    small = _make(proj, "paper", "SCALE=small")
    assert small.returncode == 0, small.stdout + small.stderr
    out = small.stdout + small.stderr
    # the notebook's output and warnings reach the terminal while it runs
    assert "probe stage 1/2 at scale small" in out and "probe repaired something" in out, out
    ex = proj / "results/small/executed/probe.ipynb"
    assert (proj / "results/small/tables/probe.md").read_text() == "probe at scale small\n"
    before = _tree(proj / "results/small")
    # smoke after small leaves small's files byte-identical
    smoke = _make(proj, "paper", "SCALE=smoke")
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert _tree(proj / "results/small") == before
    assert (proj / "results/smoke/tables/probe.md").read_text() == "probe at scale smoke\n"
    assert not (proj / "results/tables").exists() and not (proj / "results/executed").exists()
    # nothing changed: nothing reruns
    m0 = ex.stat().st_mtime_ns
    again = _make(proj, "paper", "SCALE=small")
    assert again.returncode == 0 and ex.stat().st_mtime_ns == m0 and "up to date" in again.stdout, again.stdout
    plan = _make(proj, "paper-plan", "SCALE=small")
    assert plan.returncode == 0 and "probe            current  reuse" in plan.stdout, plan.stdout + plan.stderr
    # data of the scale changed: the item is stale, the plan says why and how long, and make paper reruns it
    (proj / "data/small").mkdir(parents=True); (proj / "data/small/manifest.json").write_text("{}")
    _touch_future(proj / "data/small/manifest.json")
    plan = _make(proj, "paper-plan", "SCALE=small")
    assert "probe            stale    recompute" in plan.stdout and "data/small/manifest.json" in plan.stdout, plan.stdout
    assert " s  newer inputs" in plan.stdout                     # an estimate from the previous run's duration
    assert "missing" in _make(proj, "paper-plan", "SCALE=full").stdout
    assert _make(proj, "paper", "SCALE=small").returncode == 0 and ex.stat().st_mtime_ns != m0
    # the library changed: rerun
    m1 = ex.stat().st_mtime_ns; _touch_future(proj / "m3_nb/lib.py", 10)
    assert _make(proj, "paper", "SCALE=small").returncode == 0 and ex.stat().st_mtime_ns != m1
    # FRESH=1 reruns an up-to-date item, and moves earlier runs aside instead of deleting them
    (proj / "results/small/runs/A").mkdir(parents=True); (proj / "results/small/runs/A/r.json").write_text("{}")
    m2 = ex.stat().st_mtime_ns
    fresh = _make(proj, "paper", "SCALE=small", "FRESH=1")
    assert fresh.returncode == 0 and ex.stat().st_mtime_ns != m2, fresh.stdout + fresh.stderr
    assert not (proj / "results/small/runs").exists() and list((proj / "results/small/.previous").glob("*/runs/A/r.json"))


def test_failed_or_killed_item_keeps_previous_executed_notebook(tmp_path):
    proj = _project(tmp_path)
    assert _make(proj, "paper", "SCALE=smoke").returncode == 0
    ex = proj / "results/smoke/executed/probe.ipynb"
    good = ex.read_bytes()
    _touch_future(proj / "m3_nb/lib.py")
    failed = _make(proj, "paper", "SCALE=smoke", PROBE_FAIL="1")
    assert failed.returncode != 0 and "FAILED" in failed.stderr and ex.read_bytes() == good, failed.stderr
    # SIGKILL to make and everything under it, in the middle of the notebook
    proc = subprocess.Popen(["make", f"VENV={VENV}", "paper", "SCALE=smoke"], cwd=proj, start_new_session=True,
                            env={**os.environ, "PROBE_SLEEP": "120"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp = ex.with_name("probe.ipynb.tmp.ipynb")
    t0 = time.time()
    while time.time() - t0 < 120:
        if tmp.exists() and "probe stage 1/2" in tmp.read_text(errors="replace"): break
        time.sleep(0.2)
    else: pytest.fail("the probe notebook never started")
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    assert ex.read_bytes() == good                                   # the previous executed notebook is in place
    assert json.loads(ex.read_text())["metadata"]["papermill"]["parameters"]["scale"] == "smoke"
