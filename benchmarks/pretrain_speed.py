"""Pre-training throughput and memory of M3 vs a plain MLP behaviour-cloning policy of equal width (issue 6).

Both train on the same windows (batch 256, CPU, one thread), each in its own child process so that the peak RSS
of one does not hide the other's. Prints one table and writes it as JSON ({when, rounds, data, provenance, rows}).

    .venv/bin/python benchmarks/pretrain_speed.py                      # synthetic windows of the fixed interface
    .venv/bin/python benchmarks/pretrain_speed.py --data a.h5 b.h5     # windows read from dataset files

Target (issue 6): M3 samples/s >= 0.5 x the BC baseline's.
"""
from __future__ import annotations
import argparse, json, resource, subprocess, sys, time
from pathlib import Path


def _windows(args):
    import torch
    from m3_nb.m3 import synthetic_windows
    if args.data:
        from m3_nb.data import WindowDataset
        from m3_nb.pretrain import stack_windows
        ds = WindowDataset(args.data, context_len=args.K)
        n = min(len(ds), args.windows)
        return stack_windows(ds, range(n)), list(ds.tasks)
    try:
        from m3_nb.envs import OBS_DIM, N_ACTIONS
    except ImportError:                      # before the env notebook exists: the sizes must be given
        OBS_DIM, N_ACTIONS = args.obs_dim, args.n_actions
    return synthetic_windows(args.windows, OBS_DIM, N_ACTIONS, args.K, n_tasks=5, seed=0), \
        ["2m_vs_1z", "2s_vs_1sc", "3m", "3s_vs_3z", "3s_vs_4z"]


class BCPolicy:
    "Plain MLP behaviour cloning over the same flattened K-step window, width `hidden`, masked cross-entropy."
    def __init__(self, obs_dim, n_actions, K, hidden):
        import torch
        from torch import nn
        self.n_actions = n_actions
        self.net = nn.Sequential(nn.Linear(K * (obs_dim + n_actions), hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, n_actions))

    def loss(self, b):
        import torch
        from m3_nb.m3 import step_features
        from m3_nb.mappo import mask_logits
        from m3_nb.pretrain import supervised_action_loss
        x = step_features(b["obs"], b["prev_actions"], b["mask"].bool(), self.n_actions).flatten(1)
        logits = mask_logits(self.net(x), b["avail"][:, -1].bool())
        return supervised_action_loss(logits, b["actions"][:, -1], b["mask"][:, -1])


def child(args):
    import torch
    torch.set_num_threads(1); torch.manual_seed(0)
    from m3_nb.m3 import M3Config, M3Model
    from m3_nb.pretrain import offline_terms, offline_loss, sample_batch
    data, tasks = _windows(args)
    D, A = data["obs"].shape[-1], data["avail"].shape[-1]
    if args.method == "bc":
        pol = BCPolicy(D, A, args.K, args.hidden); params = pol.net.parameters(); step_loss = pol.loss
    else:
        flags = {"m3": {}, "m3_no_vq": {"vq": False}}[args.method]
        model = M3Model(M3Config(obs_dim=D, n_actions=A, context_len=args.K, hidden=args.hidden, context_kind="semantic",
                                 tasks=tuple(tasks), **flags)).train()
        params = model.parameters()
        step_loss = lambda b: offline_loss(*offline_terms(model, b)[0].values())
    opt = torch.optim.Adam(params, lr=3e-4)
    g = torch.Generator().manual_seed(0)
    batches = [sample_batch(data, args.batch, g) for _ in range(8)]
    def run(n):
        for i in range(n):
            loss = step_loss(batches[i % len(batches)])
            opt.zero_grad(); loss.backward(); opt.step()
    run(args.warmup)
    t0 = time.perf_counter(); run(args.steps); dt = time.perf_counter() - t0
    print(json.dumps({"method": args.method, "samples_per_s": args.steps * args.batch / dt,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "obs_dim": D, "n_actions": A, "K": args.K, "hidden": args.hidden, "batch": args.batch}))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="*", default=None, help="dataset files (default: synthetic windows)")
    p.add_argument("--windows", type=int, default=4096)
    p.add_argument("--K", type=int, default=8)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--obs-dim", type=int, default=None)
    p.add_argument("--n-actions", type=int, default=18)
    p.add_argument("--methods", nargs="*", default=["bc", "m3", "m3_no_vq"])
    p.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; the median samples/s is reported")
    p.add_argument("--method", default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default="results/benchmarks/pretrain_speed.json")
    args = p.parse_args()
    if args.method: return child(args)
    child_args, skip = [], False
    for a in sys.argv[1:]:                       # pass everything but --methods/--rounds on to the children
        if a in ("--methods", "--rounds"): skip = True; continue
        if skip and not a.startswith("--"): continue
        skip = False; child_args.append(a)
    runs = {m: [] for m in args.methods}
    for _ in range(args.rounds):                 # interleaved, so load from other processes hits every method alike
        for m in args.methods:
            out = subprocess.run([sys.executable, __file__, "--method", m, *child_args], capture_output=True, text=True)
            if out.returncode: sys.exit(f"{m} failed:\n{out.stderr[-3000:]}")
            runs[m].append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = []
    for m, rs in runs.items():
        sps = sorted(r["samples_per_s"] for r in rs)
        rows.append({**rs[0], "samples_per_s": sps[len(sps) // 2], "samples_per_s_all": sps,
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in rs)})
    bc = next(r for r in rows if r["method"] == "bc")
    for r in rows: r["speed_vs_bc"] = r["samples_per_s"] / bc["samples_per_s"]; r["rss_vs_bc"] = r["peak_rss_mb"] / bc["peak_rss_mb"]
    print(f"{'method':10s} {'samples/s':>10s} {'x BC':>6s} {'peak RSS MB':>12s} {'x BC':>6s}")
    for r in rows:
        print(f"{r['method']:10s} {r['samples_per_s']:10.0f} {r['speed_vs_bc']:6.2f} {r['peak_rss_mb']:12.0f} {r['rss_vs_bc']:6.2f}")
    print(f"(median of {args.rounds} interleaved rounds; obs_dim {bc['obs_dim']}, n_actions {bc['n_actions']}, K {bc['K']}, "
          f"hidden {bc['hidden']}, batch {bc['batch']}, CPU, 1 thread; data: {'files' if args.data else 'synthetic windows'})")
    from m3_nb.io import provenance, write_json
    write_json({"when": time.strftime("%Y-%m-%d %H:%M"), "rounds": args.rounds, "data": args.data or "synthetic windows",
                "provenance": provenance(), "rows": rows}, args.out)   # atomic, with code and package versions


if __name__ == "__main__":
    main()
