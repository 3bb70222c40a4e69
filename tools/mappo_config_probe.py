"""Does MAPPO's published recurrent configuration learn a map our MLP calibration runs do not? (issue 11; exploratory.)

The world-calibration item trains an MLP MAPPO (width 64, 64 envs x 64 steps, 5 epochs x 2 minibatches) and on
2s_vs_1sc it never reaches return 18 within 2e6 steps, where the paper's (recurrent) MAPPO needs 8.3e4. This script
trains MAPPO on one map under named configurations, one seed each, and tabulates the greedy evaluations:

* `mlp_calibration`: the world-calibration item's configuration (`nbs/paper/world_calibration.ipynb`, `calib_config`);
* `gru_calibration`: the same with GRU actor and critic (`MAPPOConfig.recurrent`);
* `gru_paper`: MAPPO's published SMAC settings for the map (`m3_nb.mappo_train.paper_config`: GRU, 128 envs x 25 steps,
  the map's epochs, minibatches and clip).

    .venv/bin/python tools/mappo_config_probe.py --map 2s_vs_1sc --steps 800000 --configs gru_calibration gru_paper

One JSON per (map, config, seed) under `results/<scale>/diagnostics/mappo_configs/` (evaluations, wall time,
provenance, identity: the code of `m3_nb.mappo_train`'s closure; a result made by the same library with the same
configuration, thread counts included, is reused; this script's own edits do not invalidate results, whose full
configuration each JSON records), merged into `mappo_configs.md` / `.csv` there. One process per configuration, one torch thread each. A run
autosaves every 2 minutes under `.partial/` there (git-ignored) and continues from it when the same command runs again.
"""
import argparse, functools, json, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIGS = ("mlp_calibration", "gru_calibration", "gru_paper")


def config(name: str, map_name: str, steps: int, scale: str, eval_every: int = 25_000, threads: int = 1):
    from m3_nb.mappo_train import MAPPOConfig, paper_config, validate_config
    common = dict(total_env_steps=steps, eval_every=eval_every, eval_episodes=32, progress=False, torch_threads=1,
                  update_threads=threads)     # 2: actor and critic stepped concurrently, one thread each (same numbers as 1)
    if name == "gru_paper": return paper_config(map_name, scale=scale, **common)
    if name not in CONFIGS: raise ValueError(f"unknown configuration {name!r}; known: {', '.join(CONFIGS)}")
    return validate_config(MAPPOConfig(maps=(map_name,), scale=scale, num_envs=64, rollout_len=64,
                                       recurrent=name == "gru_calibration", **common))


@functools.cache
def identity() -> str:
    "The library's identity (the closure of `m3_nb.mappo_train`, hashed once per process); results of another library are not shown or reused."
    from m3_nb.io import code_identity
    return code_identity("m3_nb.mappo_train")


def same_library(rec: dict) -> bool:
    "Whether a result was made by the current library (records before 2026-12-04 append this script's hash after a '-')."
    return rec.get("identity", "").split("-")[0] == identity()


def run(args) -> str:
    name, map_name, steps, seed, scale, out, eval_every, threads = args
    import torch
    from dataclasses import asdict
    from m3_nb.io import provenance, write_json
    from m3_nb.mappo_train import make_train, resumable_runs
    torch.set_num_threads(threads)
    cfg = config(name, map_name, steps, scale, eval_every, threads)
    t0 = time.perf_counter()
    # a stopped run continues from its last autosave (every 2 minutes) when called again; wall_s is then the last part's
    with resumable_runs(Path(out) / ".partial", every_s=120.0) as resumed: res = make_train(cfg)(seed=seed)
    ev = res.evals
    rec = {"map": map_name, "config_name": name, "seed": seed, "steps": steps, "config": asdict(cfg),
           "eval_steps": [int(s) for s in ev["env_steps"]], "eval_returns": [float(r) for r in ev["eval/return"]],
           "eval_win_rates": [float(w) for w in ev["eval/win_rate"]], "wall_s": round(time.perf_counter() - t0, 1),
           "resumed_after_update": [u for _, u in resumed],
           "identity": identity(), "provenance": provenance()}
    write_json(rec, Path(out) / f"{map_name}__{name}__seed{seed}.json")
    return f"{map_name} {name} seed {seed}: best greedy return {max(rec['eval_returns']):.2f} in {rec['wall_s']} s"


def table(out: Path, scale: str):
    import pandas as pd
    from m3_nb.io import atomic_write
    rows = []
    for p in sorted(out.glob("*.json")):
        r = json.loads(p.read_text())
        if not same_library(r): continue
        c, steps, rets = r["config"], r["eval_steps"], r["eval_returns"]
        hit = [s for s, v in zip(steps, rets) if v >= 18.0]
        rows.append({"map": r["map"], "config": r["config_name"], "seed": r["seed"], "recurrent": c["recurrent"],
                     "eval_every": c["eval_every"], "envs_x_steps": f"{c['num_envs']} x {c['rollout_len']}", "epochs_x_minibatches": f"{c['epochs']} x {c['num_minibatches']}",
                     "env_steps": steps[-1], "evaluations": len(steps), "first_return": round(rets[0], 2),
                     "best_return": round(max(rets), 2), "last_return": round(rets[-1], 2),
                     "best_win_rate": round(max(r["eval_win_rates"]), 3), "steps_to_18": hit[0] if hit else None,
                     "update_threads": c.get("update_threads", 1), "wall_s": r["wall_s"], "code_version": r["provenance"]["code_version"][:12]})
    if not rows: raise SystemExit(f"no results of the current identity in {out}")
    df = pd.DataFrame(rows)
    caption = (f"MAPPO configurations probed (exploratory, issue 11), scale {scale}, one seed per row, SMAX with the SC2 unit "
               "model: greedy evaluation (32 episodes) before training and every eval_every env steps; steps_to_18 = first "
               "evaluation with return >= 18 (empty: none). mlp_calibration = the world-calibration item's configuration; "
               "gru_calibration = the same with GRU actor and critic; gru_paper = MAPPO's published SMAC settings for the "
               "map (m3_nb.mappo_train.paper_config). One torch thread per run in rollouts; update_threads 2 steps actor and critic concurrently (one thread each; the same numbers as one, nbs/02a_mappo_train); wall_s is the last resumed part's. Written by tools/mappo_config_probe.py.")
    with atomic_write(out / "mappo_configs.csv") as f: f.write(df.to_csv(index=False))
    with atomic_write(out / "mappo_configs.md") as f: f.write(caption + "\n\n" + df.to_markdown(index=False) + "\n")
    print((out / "mappo_configs.md").read_text())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--map", default="2s_vs_1sc")
    ap.add_argument("--steps", type=int, default=800_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=25_000, help="env steps between greedy evaluations (32 episodes)")
    ap.add_argument("--scale", default="small")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS)
    ap.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--threads", type=int, default=1, choices=(1, 2), help="update threads per run (2: actor and critic concurrently)")
    a = ap.parse_args()
    out = ROOT / "results" / a.scale / "diagnostics" / "mappo_configs"
    out.mkdir(parents=True, exist_ok=True)
    def done(n):
        p = out / f"{a.map}__{n}__seed{a.seed}.json"
        r = json.loads(p.read_text()) if p.exists() else {}
        return (same_library(r) and r["steps"] == a.steps and r["config"]["eval_every"] == a.eval_every
                and r["config"].get("update_threads", 1) == a.threads)
    todo = [(n, a.map, a.steps, a.seed, a.scale, str(out), a.eval_every, a.threads) for n in a.configs if not done(n)]
    print(f"{len(todo)} to run in {a.processes} process(es); results in {out}", flush=True)
    with ProcessPoolExecutor(max(1, min(a.processes, len(todo) or 1))) as ex:
        for msg in ex.map(run, todo): print(msg, flush=True)
    table(out, a.scale)
