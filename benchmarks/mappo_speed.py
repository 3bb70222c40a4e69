"""MAPPO training throughput vs the raw SMAX step, measured in the same process (a benchmark, not a test).

    .venv/bin/python benchmarks/mappo_speed.py                 # 3m and 8m at MAPPOConfig's defaults (smoke: 16 envs x 64 steps,
                                                               # 5 epochs x 2 minibatches), 1 torch thread
    .venv/bin/python benchmarks/mappo_speed.py --num-envs 64 --maps 3m
    .venv/bin/python benchmarks/mappo_speed.py --updates 25 --out results/benchmarks/mappo_speed.md   # the committed record

For each map it prints
  train    env-steps/s of MAPPO training (rollout + advantages + PPO update), the trainer's own loop;
  ratio    train / raw per update, where raw is a burst of `BatchedEnv.step` alone (the world's interface: jitted SMAX
           step + JAX->torch conversion, a fixed legal joint action) of the same length run right before the update,
           so both sides of each ratio see the same load of a shared machine; median, min and max over the updates
           (target on 3m: >= 0.3);
  shares   of training wall time: env (jitted SMAX step, blocked until ready), conversion (JAX->torch arrays in
           m3_nb.envs._torch), policy+rest of rollout (actor/critic forward, sampling, bookkeeping), update
           (advantages + PPO epochs).
The timers are installed by wrapping m3_nb.envs functions in this process only. The PPO update runs with the
trainer's default `update_threads` (every core this process may use: the environments wait meanwhile); rollouts use
`--threads` torch threads beside JAX.
"""
import argparse, datetime, os, platform, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import jax
import torch

import m3_nb.envs as E
from m3_nb.io import atomic_write, code_version
from m3_nb.mappo_train import MAPPOConfig, MAPPOTrainer, validate_config, update_threads_default

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

class RawStepper:
    "The world's interface stepped alone with a fixed legal joint action (stop for live agents, no-op otherwise)."
    def __init__(self, map_name: str, num_envs: int):
        self.env, self.B = E.make_env(map_name, num_envs=num_envs, seed=0), num_envs
        self.avail = self.env.reset()[2]
        self.burst(5)                                                   # compile + warm up

    def burst(self, steps: int) -> float:
        "env-steps/s over `steps` batched steps."
        t = time.perf_counter()
        for _ in range(steps): self.avail = self.env.step(torch.where(self.avail[..., 1], 1, 0))[2]
        return steps * self.B / (time.perf_counter() - t)

def measure(map_name: str, num_envs: int, rollout_len: int, updates: int, epochs: int, minibatches: int) -> dict:
    "Training updates interleaved with raw-step bursts of the same length, so each pair sees the same machine load."
    cfg = validate_config(MAPPOConfig(maps=(map_name,), num_envs=num_envs, rollout_len=rollout_len, epochs=epochs,
                                      num_minibatches=minibatches, total_env_steps=num_envs * rollout_len * (updates + 2),
                                      eval_every=0, progress=False))
    raw = RawStepper(map_name, num_envs)
    tr = MAPPOTrainer(cfg, seed=0)
    for _ in range(2): tr.update(*(lambda ro: (ro, tr.advantages(ro)))(tr.rollout()))   # compile + warm up
    pairs, t_env, t_conv, t_roll, t_upd = [], 0.0, 0.0, 0.0, 0.0
    for _ in range(updates):
        r = raw.burst(rollout_len)
        TIMERS.update(env=0.0, convert=0.0)
        t0 = time.perf_counter(); ro = tr.rollout(); t1 = time.perf_counter()
        tr.update(ro, tr.advantages(ro)); t2 = time.perf_counter()
        pairs.append((cfg.steps_per_update / (t2 - t0)) / r)
        t_env += TIMERS["env"]; t_conv += TIMERS["convert"]; t_roll += t1 - t0; t_upd += t2 - t1
    total = t_roll + t_upd
    return {"sps": updates * cfg.steps_per_update / total, "ratios": sorted(pairs), "env": t_env / total,
            "convert": t_conv / total, "policy+rest": (t_roll - t_env - t_conv) / total, "update": t_upd / total}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maps", nargs="+", default=["3m", "8m"])
    d = validate_config(MAPPOConfig())                  # the trainer's default batch
    ap.add_argument("--num-envs", type=int, default=d.num_envs)
    ap.add_argument("--rollout-len", type=int, default=d.rollout_len)
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--minibatches", type=int, default=d.num_minibatches)
    ap.add_argument("--updates", type=int, default=9)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="also write the results (markdown) here, atomically")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    _install_timers()
    head = (f"MAPPO training vs raw SMAX step, {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} with "
            f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at start); jax {jax.__version__} "
            f"({jax.default_backend()}), torch {torch.__version__}; code {code_version()}. "
            f"B={a.num_envs} envs x T={a.rollout_len}, {a.epochs} epochs x {a.minibatches} minibatches, {a.threads} torch "
            f"thread(s) in rollouts, {update_threads_default()} in updates; {a.updates} updates per map.")
    lines = [head, "", "| map | train env-steps/s | ratio median | ratio min | ratio max | env | JAX->torch | policy+rest | update |",
             "|---|---|---|---|---|---|---|---|---|"]
    print(head)
    for m in a.maps:
        r = measure(m, a.num_envs, a.rollout_len, a.updates, a.epochs, a.minibatches)
        q = r["ratios"]
        print(f"{m:>4}: train {r['sps']:6.0f} env-steps/s; train/raw ratio median {q[len(q) // 2]:.2f} (min {q[0]:.2f}, max {q[-1]:.2f}, "
              f"{len(q)} interleaved pairs) | shares of training time: env {r['env']:.0%}, JAX->torch {r['convert']:.0%}, "
              f"policy+rest of rollout {r['policy+rest']:.0%}, update {r['update']:.0%}", flush=True)
        lines.append(f"| {m} | {r['sps']:.0f} | {q[len(q) // 2]:.2f} | {q[0]:.2f} | {q[-1]:.2f} | {r['env']:.0%} | {r['convert']:.0%} | "
                     f"{r['policy+rest']:.0%} | {r['update']:.0%} |")
    lines.append(f"\nratio = training env-steps/s over the raw `BatchedEnv.step` burst run right before each update (target on 3m: "
                 f">= 0.3); shares are of training wall time. Load average {os.getloadavg()[0]:.1f} at the end.")
    if a.out:
        with atomic_write(a.out) as f: f.write("\n".join(lines) + "\n")
