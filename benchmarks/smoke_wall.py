"""`make paper SCALE=smoke` from an empty results folder on a fresh clone: wall time against issue 16's 20-minute target.

The clone is made from this checkout's committed HEAD (uncommitted changes are not in it: commit first) in a temporary
folder and its committed `results/smoke/` removed; `make venv` runs there first and is timed apart (pip's cache makes
it minutes here; on a machine without the cache it downloads ~2.7 GB), then `make paper SCALE=smoke` (offline data,
every paper item, their run records and pre-training) is timed. By default JAX's persistent compilation cache points
at a new empty folder (`--warm-cache` keeps the machine's, `~/.cache/m3_nb/jax`), so a machine that never compiled
these environments is what is measured. Per-item seconds come from the Makefile's `== <item> done in N s` lines (offline
data is collected inside the first item that reads it, dataset_cards); the rest is make's own checks between items.

    .venv/bin/python benchmarks/smoke_wall.py                   # writes results/benchmarks/smoke_wall.{md,json}
    .venv/bin/python benchmarks/smoke_wall.py --warm-cache --keep
    .venv/bin/python benchmarks/smoke_wall.py --render           # the Markdown again from the committed JSON record
"""
from __future__ import annotations
import argparse, datetime, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 20 * 60
DONE = re.compile(r"^== (\S+) done in (\d+) s")


def timed(cmd: list[str], cwd: Path, env: dict, log: Path) -> float:
    "Run `cmd` in `cwd`, its output appended to `log`; seconds of wall time. A failure raises, naming the log."
    t = time.perf_counter()
    with open(log, "a") as f:
        r = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if r.returncode: raise RuntimeError(f"{' '.join(cmd)} failed in {cwd} (exit {r.returncode}); its output: {log}")
    return time.perf_counter() - t


def write_markdown(rec: dict, out: Path) -> str:
    "The Markdown record (caption and per-item table) of one measurement `rec` (the JSON record), written to `out`."
    import pandas as pd
    from m3_nb.io import atomic_write
    items, paper_s = rec["items"], rec["paper_s"]
    rows = list(items.items()) + [("(between items: make's own checks)", round(paper_s - sum(items.values()))),
                                  ("make paper SCALE=smoke", round(paper_s))]
    df = pd.DataFrame(rows, columns=["stage", "seconds"])
    cache = "the machine's (~/.cache/m3_nb/jax, warm)" if rec["warm_cache"] else "an empty folder (cold)"
    verdict = "met" if paper_s <= TARGET_S else "MISSED"
    cores = f" on {rec['cores']} cores" if "cores" in rec else ""      # records before 2026-12-04 13:00 did not store it
    cap = (f"# `make paper SCALE=smoke` on a fresh clone (benchmarks/smoke_wall.py)\n\n"
           f"Measured {rec['when']}{cores} (load average {rec['load_start']:.1f} at start, "
           f"{rec['load_end']:.1f} at the end: other load moves the seconds). A clone of {rec['code_version']}"
           f"{' (the checkout had uncommitted changes, not measured)' if rec['dirty_checkout'] else ''} from an empty results "
           f"folder, JAX compilation cache {cache}. `make venv` took {rec['venv_s']:,.0f} s before it (pip's cache present; "
           f"not counted). `make paper SCALE=smoke`: {paper_s:,.0f} s = {paper_s / 60:.1f} min against issue 16's target of "
           f"{TARGET_S // 60} min ({paper_s / TARGET_S:.2f}x the target: {verdict}). Offline data is collected inside the "
           f"first item that reads it (dataset_cards).\n\n")
    text = cap + df.to_markdown(index=False) + "\n"
    with atomic_write(out) as f: f.write(text)
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warm-cache", action="store_true", help="keep the machine's JAX compilation cache (default: an empty one)")
    ap.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "smoke_wall.md"))
    ap.add_argument("--render", action="store_true", help="only rewrite --out's Markdown from its JSON record (no measurement)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from m3_nb.io import write_json
    out = Path(a.out)
    if a.render:
        print(write_markdown(json.loads(out.with_suffix(".json").read_text()), out))
        return 0
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip())
    work = Path(tempfile.mkdtemp(prefix="m3_smoke_wall_"))
    clone, log = work / "clone", work / "make.log"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    shutil.rmtree(clone / "results" / "smoke", ignore_errors=True)   # the committed smoke results: start from an empty folder
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    if not a.warm_cache: env["JAX_COMPILATION_CACHE_DIR"] = str(work / "jax_cache")
    print(f"clone of {head[:12]} in {clone}; log {log}", flush=True)
    load0 = os.getloadavg()[0]
    venv_s = timed(["make", "venv"], clone, env, log)
    print(f"make venv: {venv_s:.0f} s", flush=True)
    paper_s = timed(["make", "paper", "SCALE=smoke"], clone, env, log)
    load1 = os.getloadavg()[0]
    items = [(m.group(1), int(m.group(2))) for m in map(DONE.match, log.read_text().splitlines()) if m]
    if not items: raise RuntimeError(f"make paper ran no paper item in {clone}: nothing was measured (its output: {log})")
    rec = {"when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
           "code_version": head, "dirty_checkout": dirty, "warm_cache": a.warm_cache, "venv_s": venv_s, "paper_s": paper_s,
           "items": dict(items), "load_start": load0, "load_end": load1}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(rec, out.with_suffix(".json"))
    print(write_markdown(rec, out))
    if a.keep: print(f"clone kept: {clone}")
    else: shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
