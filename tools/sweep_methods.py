"""Run (or resume) the paper's ledger runs of chosen methods and task sets at a scale (Table 1's sets A/B, Table 2's held-out sets, Figure 3's variants), without the notebooks: their data, shared stages and runs.

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
    ap.add_argument("--methods", default="MAPPO,BC,CARE,MADT",
                    help="comma-separated ledger method names; Figure 3's variants too (M3-noVQ, M3-noPrompt, M3-noSplit, M3-noAWAC)")
    ap.add_argument("--sets", default="A,B", help="task sets (Table 1: A,B)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per (method, map); default: the scale's budget")
    ap.add_argument("--qualities", default="good", help="pre-training / AWAC data qualities, as table1's parameter")
    ap.add_argument("--processes", type=int, default=2, help="worker processes (one group each)")
    a = ap.parse_args(argv)
    import m3_nb.care, m3_nb.madt, m3_nb.bc, m3_nb.updet    # noqa: F401  (the baselines register their methods)
    from m3_nb.experiments import PaperSetup, paper_specs, run_paper_sweep, repo_data_root, VARIANT_NAMES, VARIANT_AFTER, variant_method
    from m3_nb.ledger import build_methods
    out = str(Path(a.out or f"results/{a.scale}").resolve())
    setup = PaperSetup(out, a.scale, data_root=str(repo_data_root()), qualities=tuple(q.strip() for q in a.qualities.split(",")))
    methods = tuple(m.strip() for m in a.methods.split(","))
    specs = paper_specs(setup, [s.strip() for s in a.sets.split(",")], methods=methods, seeds=a.seeds)
    variants = {name: v for v, name in VARIANT_NAMES.items() if name != "M3"}    # built as Figure 3's notebook builds them
    built = {**build_methods(setup, [m for m in methods if m not in variants]),
             **{m: variant_method(setup, variants[m]) for m in methods if m in variants}}
    after = {m: ref for m, ref in VARIANT_AFTER.items() if m in methods} or None   # no AWAC fine-tunes M3's own checkpoint
    if after and not set(after.values()) <= set(methods):
        ap.error("M3-noAWAC fine-tunes M3's checkpoint: name M3 too (its finished records are reused), as Figure 3's notebook does")
    log = lambda m: print(time.strftime("%H:%M:%S"), m, flush=True)
    log(f"{len(specs)} runs of {', '.join(methods)} at {a.scale} -> {setup.runs_dir}")
    frame, times = run_paper_sweep(setup, specs, methods=built, log=log, processes=a.processes, after=after)
    log(f"done: {frame.action.value_counts().to_dict()}; stage seconds {({k: round(v) for k, v in times.items()})}")


if __name__ == "__main__":
    sys.exit(main())
