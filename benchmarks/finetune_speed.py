"""Online-training and pre-training throughput of Table 1's methods, as ratios to a reference measured in the same run (issue 13).

Online: environment steps per second of the training loop (rollout + PPO update, evaluation excluded) of MAPPO, M3
(MAPPO + AWAC with the M3 policy, K = the scale's context length), MADT (GPT actor and critic, MADT's PPO settings),
CARE (mixture-encoder actor and critic, task-embedding context), UPDeT (entity-token transformer actor, MAPPO critic)
and BC (MAPPO's actor + AWAC) on SMAX 3m and MMM2, untrained weights, smoke-scale environments and rollouts; each a
ratio to MAPPO's on the same map. Target (issue 16): M3 >= 0.6x MAPPO on both maps.
Pre-training: samples (windows / agent-steps) per second of M3, BC and MADT on set A's smoke data, as ratios to M3's.
One process, one torch thread in rollouts (as the sweep); the first update of each run is a warm-up and not timed.
On a shared machine pin it to one core and say what else runs (--note), e.g.

    taskset -c 0 env OMP_NUM_THREADS=1 XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        .venv/bin/python benchmarks/finetune_speed.py --note "core 1 busy with another run"   # writes results/benchmarks/finetune_speed.{md,json}
    .venv/bin/python benchmarks/finetune_speed.py --maps 3m --updates 2                       # quicker
"""
from __future__ import annotations
import argparse, datetime, json, os, sys, time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def online_setups(map_name: str, data_dir: Path, context_len: int | None = None):
    "{method: (actor, critic, extra_loss, value_norm, context_vectors, mappo overrides)} for one map, untrained."
    from m3_nb.mappo import ValueNorm, MAPPOActor
    from m3_nb.m3 import M3Model, M3Config
    from m3_nb.finetune import FinetuneConfig, make_awac_loss, load_offline_episodes
    from m3_nb.madt import MADTActor, MADTCritic, MADT_PPO
    from m3_nb.care import care_nets, task_embeddings
    from m3_nb.mappo_train import MAPPOConfig
    from m3_nb.updet import updet_actor
    from m3_nb.scales import budget
    from m3_nb.envs import make_env
    info = make_env(map_name, num_envs=1, seed=0).get_env_info()
    offline = load_offline_episodes(sorted((data_dir / map_name).glob("*.h5")))
    ft = FinetuneConfig()
    out = {"MAPPO": lambda: (None, None, None, None, None, {})}
    K = context_len or budget("smoke").context_len
    def m3(**over):
        model = M3Model(M3Config(obs_dim=info["obs_shape"], n_actions=info["n_actions"], context_len=K,
                                 context_kind="semantic", tasks=(map_name,), **over))
        ctx = model.task_context(map_name); vn = ValueNorm()
        return model, None, make_awac_loss(offline, ctx, ft, 0.99, vn), vn, {map_name: ctx}, {"context": "custom"}
    def bc():
        vn = ValueNorm()
        return (MAPPOActor(info["obs_shape"], info["n_actions"], 10, 0, 64), None, make_awac_loss(offline, None, ft, 0.99, vn), vn, None, {})
    def madt():
        return MADTActor(info["obs_shape"], info["n_actions"]), MADTCritic(info["state_shape"], 10), None, None, None, dict(MADT_PPO)
    def care():
        a, c = care_nets(info, MAPPOConfig())
        return a, c, None, None, task_embeddings([map_name]), {"context": "custom"}
    def updet():
        return updet_actor(map_name), None, None, None, None, {}
    out.update(M3=m3, MADT=madt, CARE=care, UPDeT=updet, BC=bc,
               **{"M3-noVQ": lambda: m3(vq=False),                          # Figure 3's no-VQ variant: MADT's GPT at MADT's sizes
                  "M3-noVQ-wide": lambda: m3(vq=False, tf_dim=128, tf_heads=4, tf_style="post_ln"),   # its encoder before 2026-12-03c
                  "M3-hidden64": lambda: m3(hidden=64)})                   # M3 at MAPPO's width (a size the paper does not fix)
    return out


def online_sps(map_name: str, method: str, build, updates: int, seed: int = 0) -> dict:
    from m3_nb.mappo_train import MAPPOConfig, make_train
    from m3_nb.scales import budget
    b = budget("smoke")
    actor, critic, extra, vn, ctxs, over = build()
    base = dict(maps=(map_name,), scale="smoke", num_envs=b.num_envs, eval_every=0, progress=False)
    c = MAPPOConfig(**{**base, **over, "total_env_steps": 1})
    c = MAPPOConfig(**{**base, **over, "total_env_steps": (updates + 1) * c.steps_per_update})
    res = make_train(c, actor=actor, critic=critic, extra_loss=extra, value_norm=vn, context_vectors=ctxs)(seed)
    m = res.metrics.iloc[1:]                                             # the first update warms up (JIT, caches)
    secs = float((m["time/rollout_s"] + m["time/update_s"]).sum())
    return {"map": map_name, "method": method, "env_steps": int(len(m) * c.steps_per_update), "seconds": round(secs, 2),
            "env_steps_per_s": len(m) * c.steps_per_update / secs, "rollout_s": round(float(m["time/rollout_s"].sum()), 2),
            "update_s": round(float(m["time/update_s"].sum()), 2),
            "rollout_share": float(m["time/rollout_s"].sum() / secs), "epochs": c.epochs, "minibatches": c.num_minibatches}


def pretrain_sps(data_dir: Path, steps: int) -> list[dict]:
    "Samples/s of one gradient step of M3 (Eq 6), BC (cross-entropy) and MADT (actor CE + critic Huber) on set A's files."
    from m3_nb.cmg import get_task_set
    from m3_nb.data import WindowDataset
    from m3_nb.m3 import M3Config, M3Model
    from m3_nb.pretrain import offline_terms, offline_loss, stack_windows, sample_batch
    from m3_nb.bc import bc_loss
    from m3_nb.mappo import MAPPOActor
    from m3_nb.madt import madt_rows, MADTActor, MADTCritic, madt_losses, MADTConfig, _adamw
    from m3_nb.scales import budget
    b = budget("smoke")
    tasks = list(get_task_set("A").pretrain)
    paths = [p for t in tasks for p in sorted((data_dir / t).glob("*.h5"))]
    rows = []
    def timed(name, batch, step_fn, n_samples):
        for _ in range(3): step_fn()
        t0 = time.perf_counter()
        for _ in range(steps): step_fn()
        dt = time.perf_counter() - t0
        rows.append({"method": name, "batch": batch, "samples_per_s": steps * batch / dt, "samples_in_data": n_samples})
    g = torch.Generator().manual_seed(0)
    ds = WindowDataset(paths, context_len=b.context_len, tasks=tasks)
    w = stack_windows(ds)
    model = M3Model(M3Config(obs_dim=ds.obs_dim, n_actions=ds.n_actions, context_len=b.context_len, tasks=tuple(tasks)))
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    def m3_step():
        loss = offline_loss(*offline_terms(model, sample_batch(w, b.pretrain_batch, g))[0].values())
        opt.zero_grad(); loss.backward(); opt.step()
    timed("M3", b.pretrain_batch, m3_step, len(w["obs"]))
    w1 = stack_windows(WindowDataset(paths, context_len=1, tasks=tasks))
    actor = MAPPOActor(ds.obs_dim, ds.n_actions, 10, 0, 64); opt_b = torch.optim.Adam(actor.parameters(), lr=3e-4)
    def bc_step():
        loss = bc_loss(actor, sample_batch(w1, b.pretrain_batch, g)); opt_b.zero_grad(); loss.backward(); opt_b.step()
    timed("BC", b.pretrain_batch, bc_step, len(w1["obs"]))
    r = madt_rows(paths); cfg = MADTConfig(tasks=tuple(tasks))
    a, c = MADTActor(ds.obs_dim, ds.n_actions), MADTCritic(r["state"].shape[-1], 10)
    oa, oc = _adamw(a, cfg.lr, cfg), _adamw(c, cfg.lr * 10, cfg)
    def madt_step():
        idx = torch.randint(0, len(r["obs"]), (cfg.batch_size,), generator=g)
        la, lc = madt_losses(a, c, {k: v[idx] for k, v in r.items()})
        for o, l in ((oa, la), (oc, lc)): o.zero_grad(); l.backward(); o.step()
    timed("MADT", cfg.batch_size, madt_step, len(r["obs"]))
    ref = rows[0]["samples_per_s"]
    for row in rows: row["ratio_to_M3"] = row["samples_per_s"] / ref
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maps", nargs="+", default=["3m", "MMM2"])
    ap.add_argument("--methods", nargs="+", default=None, help="online methods to time (default: all; MAPPO, the reference, always)")
    ap.add_argument("--context-len", type=int, default=None, help="M3's K (default: smoke's; small and full use 16)")
    ap.add_argument("--no-pretrain", action="store_true", help="skip the pre-training part")
    ap.add_argument("--updates", type=int, default=3, help="timed updates per (map, method), after one warm-up update")
    ap.add_argument("--note", default="", help="what else the machine was running (goes into the record)")
    ap.add_argument("--pretrain-steps", type=int, default=30)
    ap.add_argument("--data", default=str(ROOT / "data" / "smoke"), help="smoke datasets (make data SCALE=smoke)")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "finetune_speed.md"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    from m3_nb.io import provenance, write_json
    import pandas as pd
    load0, t_start = os.getloadavg()[0], time.perf_counter()
    data_dir = Path(args.data)
    online = []
    for mp in args.maps:
        for name, build in online_setups(mp, data_dir, args.context_len).items():
            if args.methods and name != "MAPPO" and name not in args.methods: continue
            row = online_sps(mp, name, build, args.updates); online.append(row)
            print(f"{mp:5s} {name:6s} {row['env_steps_per_s']:8.0f} env-steps/s", flush=True)
    on = pd.DataFrame(online)
    ref = on[on["method"] == "MAPPO"].set_index("map")["env_steps_per_s"]          # (DataFrame.map is a method: index the column)
    on["ratio_to_MAPPO"] = on["env_steps_per_s"] / on["map"].map(ref)
    pre = pd.DataFrame([] if args.no_pretrain else pretrain_sps(data_dir, args.pretrain_steps))
    print(on.round(3).to_string(index=False)); print(pre.round(3).to_string(index=False))
    load1 = os.getloadavg()[0]
    note = (f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
            f"(load average {load0:.1f} at start, before this process, and {load1:.1f} at the end, this process included; "
            f"the load average trails by a minute; what else ran is in the note after this; absolute numbers move with other load, ratios within one "
            f"run are the comparable quantity). Process pinned to core(s) {sorted(os.sched_getaffinity(0))}{'; ' + args.note if args.note else ''}. "
            f"One torch thread in rollouts; M3's K = {args.context_len or 'smoke'}; {args.updates} timed updates per cell after one warm-up; untrained weights.")
    out = Path(args.out)
    write_json({"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "note": note,
                "args": vars(args), "provenance": provenance(), "online": online, "pretrain": pre.to_dict("records"),
                "wall_s": time.perf_counter() - t_start}, out.with_suffix(".json"))
    m3 = on[on["method"] == "M3"].set_index("map")["ratio_to_MAPPO"] if "M3" in set(on["method"]) else pd.Series(dtype=float)
    target = "; ".join(f"{mp}: {r:.2f}x ({'met' if r >= 0.6 else 'MISSED'})" for mp, r in m3.items())
    md = (f"# Fine-tuning and pre-training speed (benchmarks/finetune_speed.py)\n\n{note}\n\n"
          f"Target M3 >= 0.6x MAPPO (issue 16): {target}. Code: {provenance()['code_version']}.\n\n## Online training, env-steps/s\n\n"
          f"{on.round(3).to_markdown(index=False)}\n" + ("" if pre.empty else f"\n## Pre-training, samples/s\n\n{pre.round(3).to_markdown(index=False)}\n"))
    from m3_nb.io import atomic_write
    with atomic_write(out) as f: f.write(md)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
