"""MAPPO training throughput vs the raw SMAX step, measured in the same process (a benchmark, not a test).

    .venv/bin/python benchmarks/mappo_speed.py                 # 3m and 8m, 32 envs x 64 steps, 1 torch thread
    .venv/bin/python benchmarks/mappo_speed.py --num-envs 64 --maps 3m

For each map it prints
  raw      env-steps/s of `BatchedEnv.step` alone (the world's interface: jitted SMAX step + JAX->torch conversion),
           stepping a fixed legal joint action (stop for live agents, no-op otherwise);
  train    env-steps/s of MAPPO training (rollout + advantages + PPO update), the trainer's own loop;
  ratio    best train / best raw over --repeats interleaved measurements (target on 3m: >= 0.3);
  shares   of training wall time: env (jitted SMAX step, blocked until ready), conversion (JAX->torch arrays in
           m3_nb.envs._torch), policy+rest of rollout (actor/critic forward, sampling, bookkeeping), update
           (advantages + PPO epochs).
The timers are installed by wrapping m3_nb.envs functions in this process only.
"""
import argparse, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import jax
import torch

import m3_nb.envs as E
from m3_nb.mappo_train import MAPPOConfig, MAPPOTrainer, validate_config

TIMERS = {"env": 0.0, "convert": 0.0}

def _install_timers():
    "Time the jitted step (blocked until ready) and the JAX->torch conversion separately."
    core_step, to_torch = E.SMAXCore.step, E._torch
    def timed_step(self, *a):
        t = time.perf_counter(); out = jax.block_until_ready(core_step(self, *a)); TIMERS["env"] += time.perf_counter() - t
        return out
    def timed_torch(x):
        t = time.perf_counter(); out = to_torch(x); TIMERS["convert"] += time.perf_counter() - t
        return out
    E.SMAXCore.step, E._torch = timed_step, timed_torch

def raw_sps(map_name: str, num_envs: int, steps: int) -> float:
    env = E.make_env(map_name, num_envs=num_envs, seed=0)
    obs, state, avail = env.reset()
    for _ in range(5): obs, state, avail, *_ = env.step(torch.where(avail[..., 1], 1, 0))   # compile + warm up
    t = time.perf_counter()
    for _ in range(steps): obs, state, avail, *_ = env.step(torch.where(avail[..., 1], 1, 0))
    return steps * num_envs / (time.perf_counter() - t)

def train_sps(map_name: str, num_envs: int, rollout_len: int, updates: int, epochs: int, minibatches: int) -> dict:
    cfg = validate_config(MAPPOConfig(maps=(map_name,), num_envs=num_envs, rollout_len=rollout_len, epochs=epochs,
                                      num_minibatches=minibatches, total_env_steps=num_envs * rollout_len * (updates + 2),
                                      eval_every=0, progress=False))
    tr = MAPPOTrainer(cfg, seed=0)
    for _ in range(2): tr.update(*(lambda ro: (ro, tr.advantages(ro)))(tr.rollout()))   # compile + warm up
    TIMERS.update(env=0.0, convert=0.0)
    t_roll = t_upd = 0.0
    for _ in range(updates):
        t0 = time.perf_counter(); ro = tr.rollout(); t1 = time.perf_counter()
        tr.update(ro, tr.advantages(ro)); t2 = time.perf_counter()
        t_roll += t1 - t0; t_upd += t2 - t1
    total = t_roll + t_upd
    return {"sps": updates * cfg.steps_per_update / total, "env": TIMERS["env"] / total, "convert": TIMERS["convert"] / total,
            "policy+rest": (t_roll - TIMERS["env"] - TIMERS["convert"]) / total, "update": t_upd / total}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maps", nargs="+", default=["3m", "8m"])
    ap.add_argument("--num-envs", type=int, default=32)
    ap.add_argument("--rollout-len", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--minibatches", type=int, default=2)
    ap.add_argument("--updates", type=int, default=5)
    ap.add_argument("--raw-steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    _install_timers()
    print(f"B={a.num_envs} envs x T={a.rollout_len}, {a.epochs} epochs x {a.minibatches} minibatches, {a.threads} torch thread(s)")
    for m in a.maps:
        raws, trains = [], []
        for _ in range(a.repeats):          # interleaved, best of each: the machine is shared and its load drifts
            raws.append(raw_sps(m, a.num_envs, a.raw_steps))
            trains.append(train_sps(m, a.num_envs, a.rollout_len, a.updates, a.epochs, a.minibatches))
        raw, tr = max(raws), max(trains, key=lambda d: d["sps"])
        paired = sorted(t["sps"] / r for t, r in zip(trains, raws))
        print(f"{m:>4}: raw {raw:8.0f} env-steps/s  train {tr['sps']:7.0f} env-steps/s  ratio {tr['sps'] / raw:.2f} "
              f"(paired ratios {', '.join(f'{x:.2f}' for x in paired)})  | shares of training time: env {tr['env']:.0%}, "
              f"JAX->torch {tr['convert']:.0%}, policy+rest of rollout {tr['policy+rest']:.0%}, update {tr['update']:.0%}", flush=True)
