"""Run (or resume) Table 1's runs of chosen methods at a scale, without the notebook: their data, shared stages and runs.

`make results/<scale>/executed/table1.ipynb` runs every method's runs and then writes the table; this script runs only
the methods named, in worker processes (one (method, task set, seed) group each), writing the same ledger records
under `<out>/runs/` that the notebook then reuses. Use it to spend cores on the records that survive a change to M3:
the baselines' code identity holds no M3 module (`nbs/08_experiments.ipynb`, "Which code a record depends on"), so

    .venv/bin/python tools/sweep_methods.py --scale small --methods MAPPO,BC,CARE,MADT --processes 2

computes records that stay current while M3 is being improved. Interrupted, it resumes: finished runs are records,
a run in progress continues from its last checkpoint under `<out>/runs/.partial/` (same code, same config).
"""
import argparse, sys, time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="small")
    ap.add_argument("--out", default=None, help="results root (default results/<scale>)")
    ap.add_argument("--methods", default="MAPPO,BC,CARE,MADT", help="comma-separated ledger method names")
    ap.add_argument("--sets", default="A,B", help="task sets (Table 1: A,B)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per (method, map); default: the scale's budget")
    ap.add_argument("--qualities", default="good", help="pre-training / AWAC data qualities, as table1's parameter")
    ap.add_argument("--processes", type=int, default=2, help="worker processes (one group each)")
    a = ap.parse_args(argv)
    import m3_nb.care, m3_nb.madt, m3_nb.bc, m3_nb.updet    # noqa: F401  (the baselines register their methods)
    from m3_nb.experiments import PaperSetup, paper_specs, run_paper_sweep, repo_data_root
    out = str(Path(a.out or f"results/{a.scale}").resolve())
    setup = PaperSetup(out, a.scale, data_root=str(repo_data_root()), qualities=tuple(q.strip() for q in a.qualities.split(",")))
    methods = tuple(m.strip() for m in a.methods.split(","))
    specs = paper_specs(setup, [s.strip() for s in a.sets.split(",")], methods=methods, seeds=a.seeds)
    log = lambda m: print(time.strftime("%H:%M:%S"), m, flush=True)
    log(f"{len(specs)} runs of {', '.join(methods)} at {a.scale} -> {setup.runs_dir}")
    frame, times = run_paper_sweep(setup, specs, log=log, processes=a.processes)
    log(f"done: {frame.action.value_counts().to_dict()}; stage seconds {({k: round(v) for k, v in times.items()})}")


if __name__ == "__main__":
    sys.exit(main())
