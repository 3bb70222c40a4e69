"""Run Figure 3's variants at a scale in several processes that share the work through claim folders.

`make results/<scale>/executed/fig3_ablations.ipynb` runs its stages one after another in one process; on a machine
with several cores and a run budget spread over sessions, start one of these per core instead, then run the notebook
(it reuses every record and checkpoint these leave):

    for c in 0 1; do taskset -c $c .venv/bin/python tools/claim_sweep.py --scale small --variants "no VQ" \
        --claims /tmp/fig3_claims > fig3_c$c.log 2>&1 & done

Tasks, in order: each variant's pre-training per seed, then its fine-tuning runs (a run waits for its seed's
pre-training). A process takes a task by creating `<claims>/<task>` (os.mkdir is atomic), so two processes never do
the same task; a task whose record or checkpoint is already current is skipped. Claims are not released when a process
dies: use a fresh claims folder for each start (a task left half-done restarts then; the ledger writes records only
when a run finishes). With `--stop-by HH:MM` (UTC) a process starts no fine-tuning run that would not finish by then
(its estimate: the longest record of that method on that map, else the method's mean, else none; a long run is
skipped for a shorter one that fits) and exits when none fits: on a machine that is handed back at a fixed time, cores
are not spent on runs that would be cut.
"""
import argparse, dataclasses, os, sys, time
from pathlib import Path

from m3_nb.cmg import get_task_set
from m3_nb.experiments import PaperSetup, RunSpec, pretrain_config, pretrain_stage, repo_data_root, current_records
from m3_nb.ledger import register_method, scan_ledger, sweep
from m3_nb.m3 import load_checkpoint

try:
    from m3_nb.experiments import VARIANT_NAMES as NAMES, variant_setup, variant_method
except ImportError:          # a library from before these existed (the `small` runs of commit 3a80465): the same construction
    from m3_nb.experiments import m3_method
    from m3_nb.finetune import ablation_variant
    NAMES = {"M3": "M3", "no VQ": "M3-noVQ", "no task prompt": "M3-noPrompt", "no agent split": "M3-noSplit", "no AWAC": "M3-noAWAC"}
    def variant_setup(setup, v):
        model, ft = ablation_variant(v, setup.model, setup.ft())
        return dataclasses.replace(setup, model=model, finetune=ft)
    def variant_method(setup, v): return dataclasses.replace(m3_method(variant_setup(setup, v)), name=NAMES[v])


def pretrained(setup: PaperSetup, task_set: str, seed: int) -> bool:
    "Whether the checkpoint of (task set, seed) is complete (what `pretrain_stage` would reuse)."
    cfg = pretrain_config(setup, task_set, seed)
    ck = Path(cfg.checkpoint_dir) / "last.pt"
    return ck.exists() and load_checkpoint(ck).get("step") == cfg.steps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="small")
    ap.add_argument("--out", default=None, help="results root (default results/<scale>)")
    ap.add_argument("--variants", default="no VQ", help=f"comma-separated, of {', '.join(NAMES)}")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--task-set", default="A")
    ap.add_argument("--claims", required=True, help="claim folder shared by the processes of one start")
    ap.add_argument("--pretrain-only", action="store_true", help="only the pre-training stages")
    ap.add_argument("--stop-by", default=None, help="HH:MM (UTC): start no fine-tuning run that would end after it")
    a = ap.parse_args(argv)
    out = a.out or f"results/{a.scale}"
    seeds = [int(s) for s in a.seeds.split(",")]
    variants = [v.strip() for v in a.variants.split(",")]
    bad = [v for v in variants if v not in NAMES]
    if bad: sys.exit(f"--variants: {bad} are not variants; expected some of {list(NAMES)}")
    base = PaperSetup(out, a.scale, data_root=str(repo_data_root()))
    ts = get_task_set(a.task_set)
    claims = Path(a.claims); claims.mkdir(parents=True, exist_ok=True)
    setups, methods = {}, {}
    for v in variants:
        setups[v], methods[NAMES[v]] = variant_setup(base, v), variant_method(base, v)
        register_method(methods[NAMES[v]])
    deadline = None
    if a.stop_by:
        hh, mm = (int(x) for x in a.stop_by.split(":"))
        now = time.gmtime(); deadline = time.time() - (now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec) + hh * 3600 + mm * 60
        if deadline < time.time(): deadline += 86400                   # a time past today's: tomorrow's
    def estimates():
        "Expected wall time of each (method, map) run: the longest record of that map, else the method's mean (0: none)."
        walls = {}
        for r in scan_ledger(base.runs_dir, a.scale)[0]: walls.setdefault(r["method"], {}).setdefault(r["finetune_map"], []).append(r["wall_time_s"])
        every = {k: [x for ws in d.values() for x in ws] for k, d in walls.items()}
        mean = {k: sum(w) / len(w) for k, w in every.items()}
        return lambda method, m: max(walls[method][m]) if m in walls.get(method, {}) else mean.get(method, 0.0)
    tasks = []                     # ("pretrain", variant, seed, None) | ("run", variant, seed, map)
    for v in variants:
        pre = [] if v == "no AWAC" else [("pretrain", v, s, None) for s in seeds]   # no AWAC fine-tunes M3's checkpoint
        runs = [] if a.pretrain_only else [("run", v, s, m) for s in seeds for m in ts.finetune]
        tasks += pre[:2] + [t for t in runs if t[2] == seeds[0]] + pre[2:] + [t for t in runs if t[2] != seeds[0]]

    def done(t):
        kind, v, s, m = t
        if kind == "pretrain": return pretrained(setups[v], a.task_set, s)
        return bool(current_records([RunSpec(NAMES[v], a.task_set, m, s, a.scale)], base.runs_dir, methods))

    claim = lambda t: claims / "__".join(str(x) for x in (t[0], NAMES[t[1]], t[2], t[3]))
    while True:
        left = [t for t in tasks if not done(t)]
        if not left: print("all tasks done", flush=True); return
        est = estimates() if deadline is not None else None
        took, too_long = False, []
        for t in left:
            kind, v, s, m = t
            if kind == "run" and v != "no AWAC" and not pretrained(setups[v], a.task_set, s): continue
            if claim(t).is_dir(): continue                                  # another process has it
            if kind == "run" and est is not None and time.time() + est(NAMES[v], m) > deadline:
                too_long.append(f"{NAMES[v]} {m} seed {s} (~{est(NAMES[v], m):.0f} s)"); continue   # a shorter one may fit
            try: os.mkdir(claim(t))
            except FileExistsError: continue
            t0 = time.time()
            print(f"[{time.strftime('%H:%M:%S')}] {claim(t).name}: start", flush=True)
            if kind == "pretrain": pretrain_stage(setups[v], a.task_set, s)
            else: sweep([RunSpec(NAMES[v], a.task_set, m, s, a.scale)], base.runs_dir, methods)
            print(f"[{time.strftime('%H:%M:%S')}] {claim(t).name}: done in {time.time() - t0:.0f} s", flush=True)
            took = True
            break
        if not took:
            if too_long:
                print(f"[{time.strftime('%H:%M:%S')}] no run left would end by {a.stop_by} UTC ({'; '.join(too_long)}); stopping", flush=True)
                return
            if all(claim(t).is_dir() for t in left):
                print("every task left is claimed by another process", flush=True); return
            time.sleep(30)


if __name__ == "__main__":
    main()
