"""Benchmark (not a test): environment steps per second of m3_nb.envs against SMAX's own jitted, vmapped step.

For each map and batch size B it measures, in the same process and on the same machine:
  raw     JaxMARL's HeuristicEnemySMAX.step (with its own auto-reset) under jax.jit(jax.vmap(...)) with SMAX's own
          unit stats, on a scenario with the map's unit counts (types SMAX lacks stand in as SMAX types: medivac ->
          marine, spine crawler -> hydralisk) and actions already on the device: the ceiling, no Python or torch;
  random  m3_nb.envs.make_env(...).step with uniformly random available actions drawn in torch;
  policy  the same with a torch MLP actor (OBS_DIM -> 64 -> 64 -> N_ACTIONS, masked sampling) choosing the actions
          of the map's real agents (slots 0..n_agents-1, as MAPPO runs it; padded slots take the no-op).
With --breakdown it also times, between raw and random, where the gap comes from:
  core    m3_nb.envs' jitted batched step alone (SMAXCore.step: the game with the unit model's mechanics, the heuristic
          enemy, observations, state and availability in the fixed interface's padded layout), actions fixed on the
          device as raw's are (drawn once from the first availability mask): no Python, torch or action check;
  core-smax  the same under unit model 'smax' (JaxMARL's stats and rules, nothing of SC2's mechanics): core-smax vs
          raw is the padded interface's cost, core vs core-smax the mechanics' cost, random vs core the boundary's
          (action check, torch tensors, Python).
Ratios are env-steps/s over raw's. Target (issue 11): policy >= 0.7x raw at B=512 on 3m and MMM2, with the SC2
unit model's mechanics (armour, bonus, multi-hit, shields, chosen healing, capped reward; `--unit-model`).

    .venv/bin/python benchmarks/env_speed.py [--maps 3m MMM2] [--batches 1 64 512] [--seconds 3] [--unit-model sc2] [--breakdown] [--out results/benchmarks/env_speed.md]

Threads: torch.set_num_threads(1); JAX uses what XLA's CPU client takes (set XLA_FLAGS to pin it if needed).
"""
import argparse, os, platform, time
from pathlib import Path

import numpy as np
import torch

from m3_nb.cmg import UNIT_TYPES, get_task
from m3_nb.io import code_version
from m3_nb.envs import make_env, get_core, random_actions, OBS_DIM, N_ACTIONS, MAX_ALLIES, _quiet_stdout, WORLD_VERSION

import jax
import jax.numpy as jnp
with _quiet_stdout():
    from jaxmarl.environments.smax import HeuristicEnemySMAX, Scenario

_SMAX_STAND_IN = {"medivac": "marine", "spine_crawler": "hydralisk"}   # SMAX has six types: same unit count, SMAX types


def smax_scenario(map_name: str) -> Scenario:
    "SMAX scenario with the map's unit counts, in SMAX's own six types."
    task = get_task(map_name)
    names = [_SMAX_STAND_IN.get(t, t) for t in task.unit_list("allies") + task.unit_list("enemies")]
    return Scenario(jnp.array([UNIT_TYPES.index(t) for t in names], jnp.uint8), task.n_allies, task.n_enemies, False, False)


def time_loop(step, seconds: float, min_iters: int = 5) -> float:
    "Seconds per call of `step()` over at least `seconds` of calls (after two warm-up calls)."
    step(); step()
    n, t0 = 0, time.perf_counter()
    while n < min_iters or time.perf_counter() - t0 < seconds:
        step(); n += 1
    return (time.perf_counter() - t0) / n


def raw_smax(map_name: str, B: int, seconds: float) -> float:
    "Env-steps/s of SMAX's own HeuristicEnemySMAX step, jitted and vmapped (the ceiling)."
    env = HeuristicEnemySMAX(scenario=smax_scenario(map_name))
    keys = jax.random.split(jax.random.PRNGKey(0), B)
    _, states = jax.jit(jax.vmap(env.reset))(keys)
    n_act = env.action_spaces[env.agents[0]].n
    acts = {a: jax.random.randint(jax.random.PRNGKey(i), (B,), 0, n_act) for i, a in enumerate(env.agents)}
    @jax.jit
    def step(k, s):
        "New keys and SMAX's vmapped step (with its auto-reset), all inside one jitted call."
        k = jax.vmap(lambda x: jax.random.split(x)[0])(k)
        return (k, *jax.vmap(env.step)(k, s, acts))
    box = {"s": states, "k": keys}
    def one():
        box["k"], obs, box["s"], r, d, _ = step(box["k"], box["s"])
        jax.block_until_ready(box["s"])
    return B / time_loop(one, seconds)


def core_step(map_name: str, B: int, seconds: float, unit_model: str) -> float:
    "Env-steps/s of m3_nb.envs' jitted batched step alone (SMAXCore.step), actions fixed on the device as raw's."
    core = get_core(map_name, unit_model)
    key, states, _, _, avail = core.reset(jax.random.PRNGKey(0), B)
    acts = jnp.asarray(random_actions(torch.from_numpy(np.asarray(avail)), torch.Generator().manual_seed(0)).numpy().astype(np.int32))
    box = {"k": key, "s": states}
    def one():
        box["k"], box["s"], *_ = core.step(box["k"], box["s"], acts, True)
        jax.block_until_ready(box["s"])
    return B / time_loop(one, seconds)


class MLPActor(torch.nn.Module):
    "A small policy: obs -> logits, unavailable actions masked."
    def __init__(self, hidden: int = 64):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(OBS_DIM, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.ReLU(), torch.nn.Linear(hidden, N_ACTIONS))
    def forward(self, obs, avail): return self.net(obs).masked_fill(~avail, -1e9)


def ours(map_name: str, B: int, seconds: float, policy: str, unit_model: str = "sc2") -> float:
    "Env-steps/s of m3_nb.envs with random actions or a torch MLP actor choosing them."
    env, g = make_env(map_name, num_envs=B, seed=0, unit_model=unit_model), torch.Generator().manual_seed(0)
    actor, N = MLPActor(), int(env.agent_mask.sum())
    acts = torch.zeros(B, MAX_ALLIES, dtype=torch.long)
    box = {}
    box["obs"], _, box["avail"] = env.reset()
    @torch.no_grad()
    def one():
        if policy == "random": a = random_actions(box["avail"], g)
        else:
            logits = actor(box["obs"][:, :N], box["avail"][:, :N])
            acts[:, :N] = torch.multinomial(torch.softmax(logits.reshape(-1, N_ACTIONS), -1), 1, generator=g).reshape(B, N)
            a = acts
        box["obs"], _, box["avail"], r, d, info = env.step(a)
    return B / time_loop(one, seconds)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--maps", nargs="+", default=["3m", "MMM2"])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 64, 512])
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds per measurement")
    p.add_argument("--unit-model", default="sc2", help="m3_nb.envs unit model: sc2 (default) or smax")
    p.add_argument("--breakdown", action="store_true", help="also time the jitted core step alone, under the unit model and under 'smax'")
    p.add_argument("--out", default=None, help="also write the table (markdown) here")
    a = p.parse_args()
    torch.set_num_threads(1)
    head = (f"env-steps/s, {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()} with {os.cpu_count()} cores "
            f"(load average {os.getloadavg()[0]:.1f} at start); jax {jax.__version__} ({jax.devices()[0].platform}), "
            f"torch {torch.__version__} with {torch.get_num_threads()} thread; {a.seconds} s per measurement; "
            f"ours: unit model {a.unit_model!r}, world {WORLD_VERSION}, code {code_version()}. The machine is shared (see the load averages): "
            f"ratios are measured in one process, back to back, but absolute rates are noisy")
    cols = ["map", "B", "raw SMAX/s"] + (["core/s", "core ratio", "core-smax/s", "core-smax ratio"] if a.breakdown else []) + \
           ["random/s", "random ratio", "policy/s", "policy ratio"]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    print(head)
    for m in a.maps:
        for B in a.batches:
            raw = raw_smax(m, B, a.seconds)
            cells = [m, B, f"{raw:.0f}"]
            if a.breakdown:
                for model in (a.unit_model, "smax"):
                    c = core_step(m, B, a.seconds, model)
                    cells += [f"{c:.0f}", f"{c / raw:.2f}"]
            rnd = ours(m, B, a.seconds, "random", a.unit_model)
            pol = ours(m, B, a.seconds, "policy", a.unit_model)
            cells += [f"{rnd:.0f}", f"{rnd / raw:.2f}", f"{pol:.0f}", f"{pol / raw:.2f}"]
            lines.append("| " + " | ".join(map(str, cells)) + " |")
            print(lines[-1], flush=True)
    lines.append(f"\n(load average {os.getloadavg()[0]:.1f} at the end)")
    if a.out:
        from m3_nb.io import atomic_write
        with atomic_write(a.out) as f: f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
