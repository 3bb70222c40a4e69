"""`make paper`'s bookkeeping, on a scratch project with one tiny paper item (a "probe" notebook that needs no m3_nb):
results per scale, reruns only when inputs change, FRESH=1, paper-plan, output visible in the terminal, and an
executed notebook that survives a failed or SIGKILLed rerun. Each test reproduces a failure of issue 15."""
import json, os, signal, shutil, subprocess, sys, time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent

PROBE = '''import json, os, time, warnings
from pathlib import Path
print(f"probe stage 1/2 at scale {scale}", flush=True)
m = Path("../../data") / scale / "manifest.json"       # as the paper notebooks do: make the scale's data if it is missing
if not m.exists():
    m.parent.mkdir(parents=True, exist_ok=True)
    m.write_text(json.dumps({"maps": {"m": {"files": {"good": {"checksum": "c0"}}}}}))
time.sleep(float(os.environ.get("PROBE_SLEEP", "0")))
if os.environ.get("PROBE_FAIL"): raise RuntimeError("probe failed on purpose")
for name in filter(None, os.environ.get("PROBE_READ", "").split(",")):   # run records the item reads: here, and in a worker process
    rec = Path(out_dir) / "runs" / "A" / name
    json.loads(rec.read_text())
    import subprocess, sys
    subprocess.run([sys.executable, "-c", f"import json; json.load(open({str(rec)!r}))"], check=True)
if os.environ.get("PROBE_WRITE"): (Path(out_dir) / "runs" / "A" / os.environ["PROBE_WRITE"]).write_text("{}")
warnings.warn("probe repaired something")
t = Path(out_dir) / "tables"; t.mkdir(parents=True, exist_ok=True)
(t / "probe.md").write_text(f"probe at scale {scale}\\n")
print("probe stage 2/2 done", flush=True)'''


def _project(tmp_path: Path) -> Path:
    "Makefile, tools/ and a one-item nbs/paper/ in a scratch folder; the real venv, whose stamp is newer than the copied pins."
    proj = tmp_path / "proj"
    (proj / "nbs" / "paper").mkdir(parents=True); (proj / "m3_nb").mkdir(); (proj / "tools").mkdir()
    (proj / "tools" / "read_log").mkdir()
    for f in ("Makefile", "requirements.txt", "pyproject.toml", "tools/paper_plan.py", "tools/paper_cost.py", "tools/item_keys.py", "tools/read_log/sitecustomize.py"):
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
    # a fresh clone dates every file at the checkout, `make data` regenerates the data bit for bit, nbdev-export rewrites
    # unchanged modules: newer files with the same content rerun nothing
    manifest = proj / "data/small/manifest.json"
    assert json.loads((ex.parent / ".inputs/probe.json").read_text())["data"] == {"m/good": "c0"}
    manifest.write_text(manifest.read_text())
    for p in (manifest, proj / "m3_nb/lib.py", proj / "nbs/paper/probe.ipynb"): _touch_future(p)
    os.utime(ex, (0, 0))
    same = _make(proj, "paper", "SCALE=small")
    assert same.returncode == 0 and ex.stat().st_mtime_ns == 0 and "up to date" in same.stdout, same.stdout + same.stderr
    assert "probe            current  reuse" in _make(proj, "paper-plan", "SCALE=small").stdout
    # the data's content changed: the item is stale, the plan says what changed and how long it took, make paper reruns it
    manifest.write_text(json.dumps({"maps": {"m": {"files": {"good": {"checksum": "c1"}}}}}))
    plan = _make(proj, "paper-plan", "SCALE=small")
    assert "probe            stale    recompute" in plan.stdout and "data/small content changed (m/good)" in plan.stdout, plan.stdout
    assert " s  data/small" in plan.stdout                       # an estimate from the previous run's duration
    assert "missing" in _make(proj, "paper-plan", "SCALE=full").stdout
    assert _make(proj, "paper", "SCALE=small").returncode == 0 and ex.stat().st_mtime_ns != 0
    assert "probe            current  reuse" in _make(proj, "paper-plan", "SCALE=small").stdout
    # the library's content changed: stale, named, rerun
    m1 = ex.stat().st_mtime_ns; (proj / "m3_nb/lib.py").write_text("x = 2\n")
    assert "library m3_nb/ changed" in _make(proj, "paper-plan", "SCALE=small").stdout
    assert _make(proj, "paper", "SCALE=small").returncode == 0 and ex.stat().st_mtime_ns != m1
    # an executed notebook without a record of its inputs (made before they were recorded) is stale
    (ex.parent / ".inputs/probe.json").unlink()
    assert "no record of the inputs of its last run" in _make(proj, "paper-plan", "SCALE=small").stdout
    assert _make(proj, "paper", "SCALE=small").returncode == 0 and (ex.parent / ".inputs/probe.json").exists()
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
    (proj / "m3_nb/lib.py").write_text("x = 3\n")
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


def test_remade_run_records_stale_the_items_that_read_them(tmp_path):
    "An item is stale when a run record it read changed or vanished (runs remade); records it did not read do not count."
    proj = _project(tmp_path)
    runs = proj / "results/small/runs/A"; runs.mkdir(parents=True)
    for n in ("r.json", "s.json", "u.json"): (runs / n).write_text(json.dumps({"run": n}))
    res = _make(proj, "paper", "SCALE=small", PROBE_READ="r.json,u.json", PROBE_WRITE="w.json")
    assert res.returncode == 0, res.stdout + res.stderr
    keys = json.loads((proj / "results/small/executed/.inputs/probe.json").read_text())
    assert sorted(keys["records"]) == ["runs/A/r.json", "runs/A/u.json"], keys   # read ones only: not s (unread), not w (written)
    assert not list((proj / "results/small/executed/.inputs").glob(".*.reads"))     # the read log is gone once recorded
    plan = lambda: _make(proj, "paper-plan", "SCALE=small").stdout
    (runs / "s.json").write_text(json.dumps({"run": "s", "remade": True})); (runs / "t.json").write_text("{}")
    assert "probe            current  reuse" in plan()                              # an unread record changed, one was added
    (runs / "r.json").write_text(json.dumps({"run": "r", "remade": True}))
    p = plan()
    assert "probe            stale    recompute" in p and "1 of the 2 run records it read changed (runs/A/r.json)" in p, p
    (runs / "u.json").unlink()
    assert "1 of the 2 run records it read gone (runs/A/u.json)" in plan()
    (runs / "u.json").write_text("{}")
    res = _make(proj, "paper", "SCALE=small", PROBE_READ="r.json,u.json")
    assert res.returncode == 0 and "probe            current  reuse" in plan(), res.stdout + res.stderr
    # a record of inputs made before run records were logged has no list of them: it counts as changed
    k = proj / "results/small/executed/.inputs/probe.json"
    k.write_text(json.dumps({x: v for x, v in json.loads(k.read_text()).items() if x != "records"}))
    assert "the run records its last run read were not logged" in plan()



def _from_tools(module: str, *names: str) -> list:
    "The objects `names` of tools/<module>.py (tools/ is not a package: imported with it on sys.path for the moment)."
    import importlib
    sys.path.insert(0, str(ROOT / "tools"))
    try: mod = importlib.import_module(module)
    finally: sys.path.pop(0)
    return [getattr(mod, n) for n in names]

def test_item_keys_names_the_field_of_a_bad_manifest(tmp_path):
    "A malformed data manifest is refused naming the file and the field; the plan then counts the item as changed."
    data_content, current_inputs = _from_tools("item_keys", "data_content", "current_inputs")
    m = tmp_path / "data/small/manifest.json"; m.parent.mkdir(parents=True)
    m.write_text(json.dumps({"maps": {"3m": {"files": {"good": {"checksum": 7}}}}}))
    with pytest.raises(ValueError, match=r"manifest.json: field 'maps/3m/files/good/checksum' should be a non-empty string, found 7"):
        data_content(m)
    m.write_text(json.dumps({"maps": []}))
    with pytest.raises(ValueError, match=r"field 'maps' should be an object, found list"): data_content(m)
    m.write_text(json.dumps({"maps": {"3m": {"files": {"good": {"checksum": "ab12"}}}}}))
    assert data_content(m) == {"3m/good": "ab12"}
    (tmp_path / "m3_nb").mkdir(); (tmp_path / "m3_nb/a.py").write_text("x = 1\n")
    assert current_inputs("probe", "small", tmp_path)["data"] == {"3m/good": "ab12"}
    m.write_text("{")
    assert "unreadable manifest" in current_inputs("probe", "small", tmp_path)["data"]


def test_readme_status_compares_data_with_the_committed_cards_not_the_checkout(tmp_path):
    "The README's status table is the same on every checkout: data 'now' is what the dataset cards recorded, so a clone without data/ and one with other data agree."
    reasons, committed_data, current_inputs, key_path = _from_tools("item_keys", "reasons", "committed_data", "current_inputs", "key_path")
    out = tmp_path / "results/small"
    for item, data in (("probe", {"3m/good": "old"}), ("dataset_cards", {"3m/good": "new"})):
        (out / "executed/.inputs").mkdir(parents=True, exist_ok=True)
        (out / "executed" / f"{item}.ipynb").write_text("{}")
        key_path(out, item).write_text(json.dumps({**current_inputs(item, "small"), "data": data, "records": {}}))
    assert committed_data(out) == {"3m/good": "new"}
    assert reasons("probe", "small", out, data_now=committed_data(out)) == ["data/small content changed (3m/good)"]
    assert reasons("dataset_cards", "small", out, data_now=committed_data(out)) == []
    assert reasons("probe", "small", out, data_now={"3m/good": "old"}) == []
    assert committed_data(tmp_path / "nowhere") is None


def _probe_item(root: Path) -> tuple:
    "A checkout under `root` with one paper item 'probe' (notebook, one library module) executed once: (notebook, results/small)."
    (root / "nbs/paper").mkdir(parents=True); (root / "m3_nb").mkdir()
    nb, out = root / "nbs/paper/probe.ipynb", root / "results/small"
    nb.write_text('{"cells": []}'); (root / "m3_nb/a.py").write_text("x = 1\n")
    (out / "executed").mkdir(parents=True); (out / "executed/probe.ipynb").write_text("{}")
    return nb, out


def test_an_item_edited_while_it_runs_stays_stale(tmp_path):
    "item_keys snapshot (as the run starts) then record (after it): an edit to the notebook in between leaves the item stale; without an edit it is current."
    reasons, record, snapshot, snapshot_path = _from_tools("item_keys", "reasons", "record", "snapshot", "snapshot_path")
    nb, out = _probe_item(tmp_path)
    snapshot("probe", "small", out, tmp_path)
    nb.write_text('{"cells": [1]}')                               # edited while the item runs
    record("probe", "small", out, tmp_path)
    assert not snapshot_path(out, "probe").exists()
    assert reasons("probe", "small", out, tmp_path)[0] == "notebook nbs/paper/probe.ipynb changed"
    snapshot("probe", "small", out, tmp_path); record("probe", "small", out, tmp_path)   # a run with no edit
    assert [r for r in reasons("probe", "small", out, tmp_path) if "notebook" in r or "library" in r] == []


def test_a_failed_item_leaves_its_outputs_as_they_were(tmp_path):
    "item_keys snapshot copies tables/, figures/ and cards/ aside; restore (a failed run) puts changed and deleted files back and removes new ones; record (success) keeps the run's writes and drops the copy."
    guard_path, record, restore, snapshot = _from_tools("item_keys", "guard_path", "record", "restore", "snapshot")
    _, out = _probe_item(tmp_path)
    for rel, text in (("tables/t.md", "old table"), ("tables/gone.md", "kept"), ("figures/f.png", "old figure"), ("runs/A/r.json", "{}")):
        (out / rel).parent.mkdir(parents=True, exist_ok=True); (out / rel).write_text(text)
    snapshot("probe", "small", out, tmp_path)
    (out / "tables/t.md").write_text("half-written"); (out / "tables/new.md").write_text("from the failed run")
    (out / "tables/gone.md").unlink(); (out / "runs/A/r2.json").write_text("{}")          # a run record is not an output
    done = restore("probe", out)
    assert sorted(done) == ["removed tables/new.md (new)", "restored tables/gone.md (deleted)", "restored tables/t.md"], done
    assert (out / "tables/t.md").read_text() == "old table" and (out / "tables/gone.md").read_text() == "kept"
    assert not (out / "tables/new.md").exists() and (out / "figures/f.png").read_text() == "old figure"
    assert (out / "runs/A/r2.json").exists() and not guard_path(out, "probe").exists()
    assert restore("probe", out) == []                                       # nothing to undo without a copy
    snapshot("probe", "small", out, tmp_path)                                # a successful run keeps what it wrote
    (out / "tables/t.md").write_text("new table")
    record("probe", "small", out, tmp_path)
    assert (out / "tables/t.md").read_text() == "new table" and not guard_path(out, "probe").exists()
