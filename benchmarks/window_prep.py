"""Benchmark (not a test): preparing pre-training windows from a 2,000-episode 3m file vs 1,000 M3 gradient steps (issue 12).

Tried as a new user would on an external 2,000-episode 3m file, `pretrain_files` spent ~75 s of 81 s building windows
one at a time and ~5 s on 300 gradient steps. Target: data preparation for 2,000 episodes <= 0.2 x the time of 1,000
gradient steps, measured in the same run, with the peak RSS of each phase.

    .venv/bin/python benchmarks/window_prep.py [--episodes 2000] [--interface smac_native|m3_fixed] [--slow full|N|0]
                                               [--steps 1000] [--rounds 2] [--threads 1] [--check 20]
                                               [--out results/benchmarks/window_prep.json]

What is timed, each phase in a fresh child process (so each peak RSS is that phase's own, VmHWM):
  prep          : what `pretrain_files` does before training (`m3_nb.pretrain.prepare_windows`): WindowDataset(...)
                  with full validation (values and checksum), every episode held once in memory (`EpisodeWindows`,
                  copied from the blocks validation read), the episode split, training and held-out window sets as
                  views; batches are gathered from the episodes by index during training;
  stack         : the path it replaces: the same dataset and split, then every training and held-out window stacked
                  (`stack_windows`); then --check batches of 64 drawn by `sample_batch` with seeds 0.. from the stacked
                  windows and from `EpisodeWindows` are compared element-wise (all must be equal);
  train         : `pretrain` on `EpisodeWindows` of the training windows (each batch gathered by index: that cost is
                  inside the step time) for --steps gradient steps minus the same call with 0 steps (model
                  construction and the k-means codebook start are not gradient steps), default PretrainConfig
                  (batch 64, context_len 8) on CPU with --threads torch threads;
  train_stacked : the same on the stacked windows (the old path's step time);
  slow          : the one-window-at-a-time path, `default_collate([ds[i] for i in indices])` ('full': all training
                  windows; N: the first N, extrapolated linearly, marked as such; 0: skipped).
prep and train alternate for --rounds rounds; each ratio uses each phase's fastest round (a shared machine's load
inflates single runs unevenly). Data: synthetic episodes at SMAC's native 3m sizes (obs 30, state 48, 9 actions: what
an external file imported with `import_pymarl_h5` has) or our fixed interface's, lengths uniform in [15, 60] (3m's
limit), written with EpisodeWriter.
"""
from __future__ import annotations
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    "This process's peak resident set size (VmHWM; not ru_maxrss, which Linux carries over an exec from the parent)."
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
    return float("nan")


def write_file(path: Path, episodes: int, interface: str, seed: int) -> dict:
    "A 3m dataset file of `episodes` random but valid episodes at the chosen interface's sizes."
    from m3_nb.cmg import get_task
    from m3_nb.data import EpisodeWriter
    if interface == "smac_native":                 # SMAC's default flags: 30, 48, 9 on 3m
        from m3_nb.smac import smac_layout
        lay = smac_layout("3m"); D, S, A = lay.obs_dim, lay.state_dim, lay.n_actions
    else:
        from m3_nb.envs import OBS_DIM as D, STATE_DIM as S, N_ACTIONS as A
    task = get_task("3m"); N, T = task.n_allies, task.episode_limit
    rng = np.random.default_rng(seed)
    with EpisodeWriter(path, "3m", "good", N, D, S, A, T, {"seed": seed, "behaviour": "synthetic"}, interface=interface) as w:
        for s in range(0, episodes, 256):
            B = min(256, episodes - s)
            L = rng.integers(T // 4, T + 1, B)
            fl = (np.arange(T)[None] < L[:, None]).astype(np.int64)
            m4 = fl[:, :, None, None]
            avail = (rng.random((B, T, N, A)) < 0.7).astype(np.int32); avail[..., 1] = 1; avail *= m4
            acts = np.where(avail > 0, rng.random((B, T, N, A)), -1).argmax(-1) * fl[..., None]
            w.append(np.where(m4, rng.standard_normal((B, T, N, D)).astype(np.float32), 0),
                     np.where(fl[..., None], rng.standard_normal((B, T, S)).astype(np.float32), 0), acts, avail,
                     rng.random((B, T)).astype(np.float32) * fl / 3, ((np.arange(T)[None] == L[:, None] - 1) & (L[:, None] < T)),
                     fl, rng.random(B) < 0.5)
    return {"obs_dim": D, "state_dim": S, "n_actions": A, "episodes": episodes}


def child(phase: str, path: str, a) -> dict:
    "One measured phase; returns its numbers."
    import torch
    torch.set_num_threads(a.threads)
    from torch.utils.data import default_collate
    from m3_nb.data import WindowDataset, EpisodeWindows
    from m3_nb.pretrain import PretrainConfig, M3Config, episode_split, stack_windows, pretrain, sample_batch
    K = M3Config.__dataclass_fields__["context_len"].default
    if phase in ("prep", "train"):                        # the new path: what pretrain_files does
        from m3_nb.pretrain import prepare_windows
        if phase == "prep":
            t0 = time.perf_counter(); ds, e_tr, e_te = prepare_windows([path], ["3m"], K, 0.2, a.seed)
            return {"prep_s": time.perf_counter() - t0, "windows_train": len(e_tr), "windows_held_out": len(e_te),
                    "kept_mb": e_tr.nbytes / 2**20, "peak_rss_mb": peak_rss_mb()}
        data = prepare_windows([path], ["3m"], K, 0.2, a.seed)[1]
        return train(data, a, pretrain, PretrainConfig)
    t0 = time.perf_counter()
    ds = WindowDataset([path], context_len=K, tasks=["3m"])
    t_index = time.perf_counter() - t0
    tr, te = episode_split(ds, 0.2, a.seed)
    mb = lambda w: sum(v.numel() * v.element_size() for v in w.values()) / 2**20
    if phase == "stack":
        t1 = time.perf_counter(); w_tr = stack_windows(ds, tr); t_tr = time.perf_counter() - t1
        t1 = time.perf_counter(); w_te = stack_windows(ds, te); t_te = time.perf_counter() - t1
        prep = time.perf_counter() - t0
        e_tr, equal = EpisodeWindows(ds, tr), 0
        for s in range(a.check):
            x, y = (sample_batch(d, 64, torch.Generator().manual_seed(s)) for d in (w_tr, e_tr))
            equal += sorted(x) == sorted(y) and all(torch.equal(x[k], y[k]) for k in x)
        return {"index_and_validate_s": t_index, "windows_train_s": t_tr, "windows_held_out_s": t_te, "prep_s": prep,
                "windows_mb": mb(w_tr) + mb(w_te), "batches_compared": a.check, "batches_equal": int(equal),
                "peak_rss_mb": peak_rss_mb()}
    if phase == "slow":
        n = len(tr) if a.slow == "full" else min(int(a.slow), len(tr))
        t1 = time.perf_counter(); default_collate([ds[int(i)] for i in tr[:n]]); dt = time.perf_counter() - t1
        return {"windows_read": n, "seconds": dt, "seconds_all_train_windows": dt * len(tr) / n,
                "extrapolated": n < len(tr), "peak_rss_mb": peak_rss_mb()}
    return train(stack_windows(ds, tr), a, pretrain, PretrainConfig)


def train(data, a, pretrain, PretrainConfig) -> dict:
    "Time --steps gradient steps of `pretrain` on `data` (minus the same call with 0 steps), after an untimed warm-up."
    out = {}
    pretrain(PretrainConfig(tasks=("3m",), steps=10, seed=a.seed, progress=False), data)   # warm-up (lazy inits), not timed
    for steps in (0, a.steps):
        cfg = PretrainConfig(tasks=("3m",), steps=steps, seed=a.seed, progress=False)
        t1 = time.perf_counter(); pretrain(cfg, data); out[steps] = time.perf_counter() - t1
    return {"steps": a.steps, "setup_s": out[0], "gradient_steps_s": out[a.steps] - out[0],
            "steps_per_s": a.steps / (out[a.steps] - out[0]), "peak_rss_mb": peak_rss_mb()}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--interface", default="smac_native", choices=("smac_native", "m3_fixed"))
    ap.add_argument("--steps", type=int, default=1000, help="gradient steps of the reference")
    ap.add_argument("--slow", default="full", help="'full', a number of windows (extrapolated), or 0 to skip")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2, help="prep/train alternations; each phase's fastest round counts")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", type=int, default=20, help="batches compared between the stacked and the gathered path")
    ap.add_argument("--out", default=None, help="write the record here as JSON (atomically)")
    ap.add_argument("--_child", nargs=2, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child:
        print(json.dumps(child(a._child[0], a._child[1], a))); return
    root = Path(tempfile.mkdtemp(prefix="m3_winprep_"))
    path = root / "3m_good.h5"
    t0 = time.perf_counter(); sizes = write_file(path, a.episodes, a.interface, a.seed); t_write = time.perf_counter() - t0
    print(f"{a.episodes} episodes of 3m at {a.interface} sizes {sizes}: {path.stat().st_size / 2**20:.1f} MB written in {t_write:.1f} s")
    phases = ["prep", "train"] * a.rounds + ["stack", "train_stacked"] + (["slow"] if a.slow != "0" else [])
    runs = {}
    for ph in phases:
        cmd = [sys.executable, __file__, "--_child", ph, str(path), "--steps", str(a.steps), "--slow", a.slow,
               "--threads", str(a.threads), "--seed", str(a.seed), "--check", str(a.check)]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if r.returncode: sys.exit(f"phase {ph} failed:\n{r.stderr[-3000:]}")
        runs.setdefault(ph, []).append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(ph, json.dumps(runs[ph][-1]))
    fastest = {"prep": "prep_s", "train": "gradient_steps_s", "stack": "prep_s", "train_stacked": "gradient_steps_s", "slow": "seconds"}
    rec = {ph: min(rs, key=lambda x: x[fastest[ph]]) | {"rounds": [x[fastest[ph]] for x in rs]} for ph, rs in runs.items()}
    ratio = rec["prep"]["prep_s"] / rec["train"]["gradient_steps_s"]
    ratio_stacked = rec["stack"]["prep_s"] / rec["train_stacked"]["gradient_steps_s"]
    equal = rec["stack"]["batches_equal"] == rec["stack"]["batches_compared"]
    verdict = ("OK" if ratio <= 0.2 else "ABOVE TARGET") + ("" if equal else "; BATCHES DIFFER FROM THE STACKED PATH")
    print(f"data preparation {rec['prep']['prep_s']:.2f} s (peak RSS {rec['prep']['peak_rss_mb']:.0f} MB) vs {a.steps} gradient "
          f"steps {rec['train']['gradient_steps_s']:.2f} s: ratio {ratio:.3f} (target <= 0.2) -> {verdict}")
    print(f"stacked path (replaced): preparation {rec['stack']['prep_s']:.2f} s (peak RSS {rec['stack']['peak_rss_mb']:.0f} MB, "
          f"windows {rec['stack']['windows_mb']:.0f} MB) vs {a.steps} steps on stacked windows {rec['train_stacked']['gradient_steps_s']:.2f} s: "
          f"ratio {ratio_stacked:.3f}; {rec['stack']['batches_equal']}/{rec['stack']['batches_compared']} sampled batches equal")
    if "slow" in rec:
        print(f"one-at-a-time path over the same training windows: {rec['slow']['seconds_all_train_windows']:.1f} s"
              f"{' (extrapolated)' if rec['slow']['extrapolated'] else ''}")
    if a.out:
        from m3_nb.io import provenance, write_json
        write_json({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "episodes": a.episodes,
                    "interface": a.interface, "sizes": sizes, "threads": a.threads, "seed": a.seed, "rounds": a.rounds,
                    "prep_vs_steps": ratio, "stacked_prep_vs_steps": ratio_stacked, "batches_equal": equal, "target": 0.2,
                    "verdict": verdict, "phases": rec, "note": "phases run back to back on one CPU core shared with other jobs "
                    "(taskset -c 0): absolute seconds are inflated, ratios of phases measured in this run are what counts",
                    "command": " ".join(["benchmarks/window_prep.py"] + sys.argv[1:]), "provenance": provenance()}, a.out)
        print(f"record written to {a.out}")


if __name__ == "__main__":
    main()
