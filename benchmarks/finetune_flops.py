"""How much arithmetic does each method's online phase do per environment step? A floor under the speed ratios.

`benchmarks/finetune_speed.py` times each method's rollout and PPO update against MAPPO's (issue 16's target: M3 at
>= 0.6x MAPPO's env-steps/s). This script counts instead of timing: torch's `FlopCounterMode` counts the floating-point
operations of the matrix products (linear layers, attention) of one rollout and one whole PPO update (every epoch
and minibatch, forward and backward, AWAC's extra loss included) of the same trainers the speed benchmark builds
(untrained weights, smoke-sized environments, one torch thread), per environment step. Elementwise work (activations,
LayerNorm, Adam, masking) and the environment are not counted, so the ratio `MAPPO's FLOPs / a method's FLOPs` is
the speed ratio the method would reach if time followed matrix arithmetic alone: what a faster implementation of the
same network could at best approach on a CPU whose time goes to matrix products.

    .venv/bin/python benchmarks/finetune_flops.py      # K of the speed record; writes results/benchmarks/finetune_flops.{md,json}
"""
from __future__ import annotations
import argparse, datetime, json, sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))


def count(fn) -> int:
    with FlopCounterMode(display=False) as fc: fn()
    return int(fc.get_total_flops())


def method_flops(map_name: str, method: str, build, seed: int = 0) -> dict:
    "FLOPs per environment step of one rollout and of one PPO update (after a warm-up update) of `method` on `map_name`."
    from m3_nb.mappo_train import MAPPOConfig, MAPPOTrainer
    from m3_nb.scales import budget
    b = budget("smoke")
    actor, critic, extra, vn, ctxs, over = build()
    c = MAPPOConfig(**{**dict(maps=(map_name,), scale="smoke", num_envs=b.num_envs, eval_every=0, progress=False,
                              total_env_steps=10 ** 6, update_threads=1), **over})
    tr = MAPPOTrainer(c, seed, actor=actor, critic=critic, extra_loss=extra, value_norm=vn, context_vectors=ctxs)
    ro = tr.rollout(); tr.update(ro, tr.advantages(ro))                  # warm-up (caches, first-update paths)
    box = {}
    roll = count(lambda: box.update(ro=tr.rollout()))
    ad = tr.advantages(box["ro"])
    upd = count(lambda: tr.update(box["ro"], ad))
    n = c.steps_per_update
    return {"map": map_name, "method": method, "env_steps": n, "rollout_flops_per_step": roll / n,
            "update_flops_per_step": upd / n, "total_flops_per_step": (roll + upd) / n,
            "actor_params": sum(p.numel() for p in tr.actor.parameters()), "critic_params": sum(p.numel() for p in tr.critic.parameters()),
            "epochs": c.epochs, "minibatches": c.num_minibatches}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="benchmarks/finetune_flops.py")
    ap.add_argument("--maps", nargs="+", default=["3m", "MMM2"])
    ap.add_argument("--methods", nargs="+", default=None, help="methods to count (default: all of finetune_speed's; MAPPO always)")
    ap.add_argument("--context-len", type=int, default=None,
                    help="M3's K (default: the K of the --speed record, so that both count the same network; smoke's without one)")
    ap.add_argument("--data", default=str(ROOT / "data" / "small"), help="datasets AWAC's offline buffer reads (any scale)")
    ap.add_argument("--speed", default=str(ROOT / "results" / "benchmarks" / "finetune_speed.json"),
                    help="a finetune_speed record whose measured ratios are shown beside the FLOP floor (if it exists)")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "finetune_flops.md"))
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    import pandas as pd
    from finetune_speed import online_setups
    from m3_nb.io import atomic_write, provenance, write_json
    sp = Path(a.speed)
    rec = json.loads(sp.read_text()) if sp.exists() else None
    if a.context_len is None:
        from m3_nb.scales import budget
        a.context_len = (rec or {}).get("args", {}).get("context_len") or budget("smoke").context_len
    rows = []
    for mp in a.maps:
        for name, build in online_setups(mp, Path(a.data), a.context_len).items():
            if a.methods and name != "MAPPO" and name not in a.methods: continue
            rows.append(method_flops(mp, name, build)); print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    ref = df[df.method == "MAPPO"].set_index("map")["total_flops_per_step"]
    df["flops_vs_MAPPO"] = df.total_flops_per_step / df["map"].map(ref)
    df["speed_ratio_if_time_were_flops"] = 1 / df.flops_vs_MAPPO
    if rec is not None:
        meas = {(r["map"], r["method"]): r["env_steps_per_s"] for r in rec["online"]}
        df["measured_speed_ratio"] = [meas.get((m, me), float("nan")) / meas.get((m, "MAPPO"), float("nan")) for m, me in zip(df["map"], df.method)]
        src = f"measured ratios: {sp.relative_to(ROOT) if sp.is_relative_to(ROOT) else sp} ({rec.get('when', '?')}, the same K)"
    else: src = "no speed record given"
    for k in ("rollout_flops_per_step", "update_flops_per_step", "total_flops_per_step"): df[k] = (df[k] / 1e6).round(3)
    df = df.rename(columns={k: k.replace("flops", "MFLOP") for k in df.columns if k.endswith("_per_step") and "flops" in k})
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cap = (f"# Matrix arithmetic per environment step of each method's online phase (benchmarks/finetune_flops.py)\n\n"
           f"Counted {when} with torch's FlopCounterMode (matrix products only: linear layers and attention, forward and backward; "
           f"elementwise work, Adam and the environment not counted): one rollout and one PPO update (every epoch and minibatch, "
           f"AWAC's loss included for M3 and BC) of the trainers benchmarks/finetune_speed.py times, untrained weights, smoke-sized "
           f"environments, M3's K = {a.context_len}, per environment step. 'speed_ratio_if_time_were_flops' = MAPPO's FLOPs / the "
           f"method's: the env-steps/s ratio to MAPPO the same network would reach if its time followed matrix arithmetic "
           f"alone; {src}. Code: {provenance()['code_version']}.\n\n")
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as f: f.write(cap + df.round(3).to_markdown(index=False) + "\n")
    write_json({"when": when, "args": vars(a), "rows": rows}, out.with_suffix(".json"))
    print(cap + df.round(3).to_markdown(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
