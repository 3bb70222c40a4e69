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
trainer's default `update_threads` (every core this process may use: the environments wait meanwhile; with two or more,
actor and critic are stepped concurrently, `--sequential-update` gives every thread to each operation of one sequential
update instead); rollouts use `--threads` torch threads beside JAX.

    .venv/bin/python benchmarks/mappo_speed.py --jaxmarl-config --updates 4 --out results/benchmarks/mappo_speed_jaxmarl_split.md

runs JaxMARL's SMAX MAPPO config with our recurrent MAPPO instead (3m, GRU 128, 128 envs x 128 steps, 4 epochs x 4
minibatches, lr 2e-3 for actor and critic; our other settings: MAPPOConfig's defaults, evaluation as at scale `small`:
every 25,000 env steps on 32 episodes) as a user's run does: `MAPPOTrainer.run()` with evaluation and logging, timed
from the call to its return (the first update includes JAX's compilation of the env step). It runs the same seed once
per `--paths` entry: `loop` (the GRU stepped cell by cell, `gru_impl='loop'`, the path before `gru_scan`), `scan`
(`gru_scan`, one sequential update using every update thread inside each operation), `split` (`gru_scan`, the critic's
optimiser step in a second thread while the actor's runs: `MAPPOTrainer.split_update`, the default with >= 2 update
threads), and reports full-run env-steps/s with evaluation time apart, the ratio to JaxMARL's own MAPPO
(JAXMARL_REF_SPS below) and how far each run's per-update metrics are from the first path's. The record
`mappo_speed_jaxmarl.md` (loop vs scan, one core: `taskset -c 0 env OMP_NUM_THREADS=1 ... --paths loop scan --updates 4`)
was made before `split` existed.
JAXMARL_REF_SPS is not measured here: it is the figure recorded in the project's DESIGN.md ("JaxMARL's own MAPPO on
SMAX 3m (GRU 128, 128 envs x 128 steps, 4 epochs x 4 minibatches, lr 2e-3) trains at about 2.7-3.3k env-steps/s on
2 cores"), measured on this machine with jaxmarl 0.2.0's baselines/MAPPO/mappo_rnn_smax.py at its SMAX config; DESIGN.md
does not record the exact command line. JaxMARL's baseline script is not a dependency of this project.
What bounds one core here (arithmetic, 2026-12-01): per agent row and step each network does ~115k multiply-adds forward
(MLP 128x128, GRU input and hidden products 2 x 384x128), about three times that with the backward pass; x 2 networks
x 3 agents x 16,384 env steps x 4 epochs is ~270 GFLOP per update, ~4.7 s at the ~57 GFLOP/s one core of this machine
reaches in float32 matrix products (torch.addmm 96x128 @ 128x384 took 165 us). The reference ran on two cores.
"""
import argparse, datetime, os, platform, sys, time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import jax
import torch

import m3_nb.envs as E
from m3_nb.io import atomic_write, code_version
from m3_nb.mappo_train import MAPPOConfig, MAPPOTrainer, validate_config, update_threads_default, TIME_COLUMNS

JAXMARL_REF_SPS = (2700, 3300)       # JaxMARL's MAPPO on SMAX 3m at its own config, 2 cores, this machine (DESIGN.md)
JAXMARL_CONFIG = dict(maps=("3m",), num_envs=128, rollout_len=128, epochs=4, num_minibatches=4, lr_actor=2e-3, lr_critic=2e-3,
                      hidden=128, recurrent=True, scale="small", progress=False)

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

def measure(map_name: str, num_envs: int, rollout_len: int, updates: int, epochs: int, minibatches: int, split: bool | None = None) -> dict:
    "Training updates interleaved with raw-step bursts of the same length, so each pair sees the same machine load."
    cfg = validate_config(MAPPOConfig(maps=(map_name,), num_envs=num_envs, rollout_len=rollout_len, epochs=epochs,
                                      num_minibatches=minibatches, total_env_steps=num_envs * rollout_len * (updates + 2),
                                      eval_every=0, progress=False))
    raw = RawStepper(map_name, num_envs)
    tr = MAPPOTrainer(cfg, seed=0)
    tr.split_update = split
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

PATHS = {"loop": ("GRU cell loop, sequential update", "loop", False),
         "scan": ("gru_scan, sequential update", "scan", False),
         "split": ("gru_scan, actor and critic stepped concurrently", "scan", True)}

def full_run(cfg: MAPPOConfig, gru_impl: str, seed: int = 0, split: bool | None = None) -> dict:
    "One `MAPPOTrainer.run()` as a user runs it, with the GRU path `gru_impl` and `split_update=split`; wall time from the call to its return."
    tr = MAPPOTrainer(cfg, seed)
    for net in (tr.actor, tr.critic): net.torso.gru_impl = gru_impl
    tr.split_update = split
    t_eval, run_eval = [0.0], tr.run_eval
    def timed_eval():
        t = time.perf_counter(); out = run_eval(); t_eval[0] += time.perf_counter() - t
        return out
    tr.run_eval = timed_eval
    t = time.perf_counter(); res = tr.run(); wall = time.perf_counter() - t
    m = res.metrics
    steps = int(m["env_steps"].iloc[-1])
    return {"wall": wall, "steps": steps, "sps": steps / wall, "sps_no_eval": steps / (wall - t_eval[0]), "eval_s": t_eval[0],
            "evals": len(res.evals), "rollout_s": m["time/rollout_s"].sum(), "update_s": m["time/update_s"].sum(),
            "first_update_s": m["time/rollout_s"].iloc[0] + m["time/update_s"].iloc[0],
            "metrics": m.drop(columns=[c for c in m.columns if c in TIME_COLUMNS])}

def compare_metrics(a, b) -> str:
    "How far two runs' per-update metrics are apart: bit-equal, or the largest relative difference (update 1 and overall)."
    num = [c for c in a.columns if a[c].dtype.kind == "f"]
    if a[num].equals(b[num]): return f"every metric of all {len(a)} updates bit-for-bit equal"
    rel = {c: ((a[c] - b[c]).abs() / a[c].abs().clip(lower=1e-3)).max() for c in num}
    worst = max(rel, key=rel.get)
    rel1 = {c: abs(a[c].iloc[0] - b[c].iloc[0]) / max(abs(a[c].iloc[0]), 1e-3) for c in num}   # update 1: same rollout, same weights
    worst1 = max(rel1, key=rel1.get)
    same_eps = int((a["episodes"] == b["episodes"]).cumprod().sum())
    return (f"update 1 (same weights, same rollout) equal to a relative {rel1[worst1]:.1e} ({worst1}); over all {len(a)} updates "
            f"the largest relative difference is {rel[worst]:.1e} ({worst}); episode counts equal in the first {same_eps} of {len(a)}")

def jaxmarl_comparison(updates: int, update_threads: int | None, seed: int = 0, paths=("scan", "split")) -> list[str]:
    "Our recurrent MAPPO at JaxMARL's SMAX config, one full run of the same seed per path in `paths` (keys of PATHS), back to back."
    cfg = validate_config(MAPPOConfig(**JAXMARL_CONFIG, update_threads=update_threads))
    cfg = replace(cfg, total_env_steps=cfg.steps_per_update * updates)
    lo, hi = JAXMARL_REF_SPS
    n = cfg.update_threads or update_threads_default()
    head = (f"Recurrent MAPPO at JaxMARL's SMAX config, {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
            f"{available()} core(s) available to this process of {os.cpu_count()} (load average {os.getloadavg()[0]:.1f} at start); "
            f"jax {jax.__version__}, torch {torch.__version__}; code {code_version()}. 3m, GRU {cfg.hidden}, {cfg.num_envs} envs x "
            f"{cfg.rollout_len} steps, {cfg.epochs} epochs x {cfg.num_minibatches} minibatches, lr {cfg.lr_actor:g}; {updates} updates "
            f"({cfg.total_env_steps:,} env steps) per run, seed {seed}; evaluation every {cfg.eval_every:,} env steps on "
            f"{cfg.eval_episodes} episodes (and before training); {torch.get_num_threads()} torch thread(s) in rollouts; "
            f"{n} update thread(s): a sequential update gives them all to each operation, a concurrent one runs the critic's "
            f"step in a second thread, each network with {max(1, n // 2)}.")
    print(head, flush=True)
    lines = [head, "", "| path | full-run env-steps/s | without evaluation | vs JaxMARL (2.7-3.3k) | wall s | evaluation s (runs) | "
             "rollouts s | updates s | first update s |", "|---|---|---|---|---|---|---|---|---|"]
    warm = MAPPOTrainer(replace(cfg, rollout_len=2, total_env_steps=2 * cfg.num_envs), seed)   # compile the env steps (train, eval)
    warm.rollout(); warm.run_eval()
    runs = {}
    for p in paths:
        label, impl, split = PATHS[p]
        r = runs[p] = full_run(cfg, impl, seed, split)
        row = (f"| {label} | {r['sps']:.0f} | {r['sps_no_eval']:.0f} | {r['sps'] / hi:.2f}-{r['sps'] / lo:.2f}x | {r['wall']:.1f} | "
               f"{r['eval_s']:.1f} ({r['evals']}) | {r['rollout_s']:.1f} | {r['update_s']:.1f} | {r['first_update_s']:.1f} |")
        print(row, flush=True); lines.append(row)
    ref = paths[0]
    tail = [""]
    for p in paths[1:]:
        tail.append(f"{p} / {ref}: {runs[p]['sps'] / runs[ref]['sps']:.2f}x full-run env-steps/s, "
                    f"{runs[ref]['update_s'] / runs[p]['update_s']:.2f}x faster updates; same seed: {compare_metrics(runs[ref]['metrics'], runs[p]['metrics'])}.")
    tail.append("The GRU paths (loop, scan) round differently in the last bits, and runs then drift apart after the first update "
                "because Adam divides each step by the root of its second moment: a weight whose gradient is near zero gets a step "
                "of order lr from rounding-level differences, and once the weights differ, sampled actions eventually differ too "
                "(the GRU-level equality, values and gradients, is tested in nbs/02_mappo). Stepping actor and critic concurrently "
                "computes the same operations as the sequential update, so those runs are equal bit for bit (tested in "
                "nbs/02a_mappo_train). "
                "The JaxMARL figure is the range recorded in DESIGN.md (its MAPPO on SMAX 3m at this config, 2 cores of this machine, "
                "quiet); wall time includes a pre-training evaluation; JAX's env-step compilation is done by a warm-up before the "
                "runs; it was not measured in this run. Ours ran on the cores stated above: with one core it is compared against a "
                f"two-core reference, and a busy machine inflates the absolute times. Load average {os.getloadavg()[0]:.1f} at the end.")
    print("\n".join(tail), flush=True); lines += tail
    return lines

def available() -> int: return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

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
    ap.add_argument("--jaxmarl-config", action="store_true", help="full runs at JaxMARL's SMAX MAPPO config (GRU), one per --paths")
    ap.add_argument("--paths", nargs="+", default=["scan", "split"], choices=sorted(PATHS),
                    help="with --jaxmarl-config: GRU cell loop, gru_scan, gru_scan with actor and critic stepped concurrently")
    ap.add_argument("--update-threads", type=int, default=None, help="torch threads in updates (default: the trainer's)")
    ap.add_argument("--sequential-update", action="store_true",
                    help="without --jaxmarl-config: one sequential update using every update thread (MAPPOTrainer.split_update=False)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.jaxmarl_config:
        lines = jaxmarl_comparison(a.updates, a.update_threads, paths=tuple(a.paths))
        if a.out:
            with atomic_write(a.out) as f: f.write("\n".join(lines) + "\n")
        sys.exit(0)
    _install_timers()
    head = (f"MAPPO training vs raw SMAX step, {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} with "
            f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at start); jax {jax.__version__} "
            f"({jax.default_backend()}), torch {torch.__version__}; code {code_version()}. "
            f"B={a.num_envs} envs x T={a.rollout_len}, {a.epochs} epochs x {a.minibatches} minibatches, {a.threads} torch "
            f"thread(s) in rollouts, {update_threads_default()} in updates ("
            f"{'one sequential update' if a.sequential_update else 'actor and critic stepped concurrently when >= 2'}); {a.updates} updates per map.")
    lines = [head, "", "| map | train env-steps/s | ratio median | ratio min | ratio max | env | JAX->torch | policy+rest | update |",
             "|---|---|---|---|---|---|---|---|---|"]
    print(head)
    for m in a.maps:
        r = measure(m, a.num_envs, a.rollout_len, a.updates, a.epochs, a.minibatches, False if a.sequential_update else None)
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
