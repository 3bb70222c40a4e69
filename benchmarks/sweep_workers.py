"""Persistent sweep workers against one fresh process per group (issue 16: `make paper SCALE=smoke` in <= 20 minutes).

`run_paper_sweep(..., processes=n)` hands each (method, task set, seed) group to a worker process (`run_groups`). A worker
now runs group after group and keeps what it built: imports (torch, JAX, jaxmarl) and the environments JAX compiled for
each (map, number of environments). The reference is what it did before: one fresh process per group, emulated exactly by
calling `run_paper_sweep` once per group (each call starts its own worker). Both run the same runs, MAPPO from scratch on
set A's five maps at `smoke`, `--seeds` seeds (one group per seed), one worker, in fresh result folders; a warm-up run
first fills JAX's persistent compilation cache so neither side pays XLA compilation that the other does not. Wall time
of the whole sweep is compared; the runs' own training time is in the records and is the same work on both sides.

    .venv/bin/python benchmarks/sweep_workers.py --note "the small sweep ran on both cores"   # writes results/benchmarks/sweep_workers.{md,json}
"""
from __future__ import annotations
import argparse, datetime, os, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sweep_once(specs, label: str, per_group: bool) -> dict:
    import m3_nb.experiments as E
    from m3_nb.ledger import PaperSetup, scan_ledger
    setup = PaperSetup(tempfile.mkdtemp(prefix=f"sweep_workers_{label}_"), "smoke")
    methods = {"MAPPO": E.mappo_method(setup)}
    groups = {}
    for s in specs: groups.setdefault((s.method, s.task_set, s.seed), []).append(s)
    t = time.perf_counter()
    for batch in (list(groups.values()) if per_group else [specs]):
        E.run_paper_sweep(setup, batch, methods, log=lambda m: None, processes=1)
    wall = time.perf_counter() - t
    recs, bad = scan_ledger(setup.runs_dir)
    assert not bad and len(recs) == len(specs), (len(recs), len(specs), bad)
    return {"label": label, "groups": len(groups), "runs": len(recs), "wall_s": round(wall, 1),
            "run_wall_s": round(sum(r["wall_time_s"] for r in recs), 1),
            "returns": {f"{r['finetune_map']}/{r['seed']}": r["eval_returns"] for r in recs}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--note", default="")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "sweep_workers.md"))
    a = ap.parse_args(argv)
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path.home() / ".cache" / "m3_nb" / "jax"))
    import m3_nb.experiments as E
    from m3_nb.ledger import PaperSetup
    from m3_nb.io import provenance, write_json, atomic_write
    specs = E.paper_specs(PaperSetup("/tmp", "smoke"), ["A"], methods=("MAPPO",), seeds=a.seeds)
    load0 = os.getloadavg()[0]
    sweep_once(specs[:5], "warmup", per_group=True)                      # JAX's persistent cache: compiled once for both
    ref = sweep_once(specs, "fresh_process_per_group", per_group=True)
    new = sweep_once(specs, "persistent_workers", per_group=False)
    same = ref["returns"] == new["returns"]
    ratio = ref["wall_s"] / new["wall_s"]
    load1 = os.getloadavg()[0]
    rows = [{k: v for k, v in r.items() if k != "returns"} for r in (ref, new)]
    note = (f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, load average "
            f"{load0:.1f} at the start and {load1:.1f} at the end{'; ' + a.note if a.note else ''}. MAPPO from scratch on set A's five maps "
            f"at smoke, {a.seeds} seed(s) = {len(specs)} runs in {ref['groups']} groups, one worker process; JAX's persistent "
            f"compilation cache warmed by a first sweep. Persistent workers: {ratio:.2f}x faster in wall time than one fresh "
            f"process per group; evaluation returns of every run {'equal' if same else 'DIFFERENT'} on both sides. "
            f"run_wall_s: the runs' own wall times from their records (each run's environment compilation included). "
            f"Code: {provenance()['code_version']}.")
    import pandas as pd
    md = f"# Sweep workers (benchmarks/sweep_workers.py)\n\n{note}\n\n{pd.DataFrame(rows).to_markdown(index=False)}\n"
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as f: f.write(md)
    write_json({"note": note, "rows": rows, "ratio": ratio, "returns_equal": same, "provenance": provenance()}, out.with_suffix(".json"))
    print(md)
    if not same: sys.exit("evaluation returns differ between the two sides")


if __name__ == "__main__":
    main()
