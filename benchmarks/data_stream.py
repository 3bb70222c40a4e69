"""Benchmark (not a test): one shuffled epoch of WindowDataset over every map's file, at 1x and 2x the data.

Prints samples/s and peak RSS for each size; the target is peak RSS growing by < 20% when the data doubles
(the dataset streams windows from disk and holds only a small index in memory).

    .venv/bin/python benchmarks/data_stream.py [--episodes 20] [--workers 0] [--context-len 16]
                                               [--sampler grouped:32|shuffle] [--keep DIR]

Each measurement runs in a fresh process so that peak RSS is that run's own. Data are synthetic episodes in the
layout (random observations at the fixed interface's sizes, episode lengths uniform in [limit/4, limit]), written
with m3_nb.data.EpisodeWriter, one file per map of the paper's suite.
"""
import argparse, json, resource, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np


def interface_sizes():
    "OBS_DIM, STATE_DIM, N_ACTIONS of m3_nb.envs, or stand-ins of similar size when the module is not there yet."
    try:
        from m3_nb.envs import OBS_DIM, STATE_DIM, N_ACTIONS
        return OBS_DIM, STATE_DIM, N_ACTIONS, "m3_nb.envs"
    except ImportError:
        return 160, 220, 18, "stand-in (m3_nb.envs not importable)"


def write_synthetic(out: Path, episodes: int, seed: int) -> list:
    "One file per paper map with `episodes` random but valid episodes; returns the paths."
    from m3_nb.cmg import PAPER_TASKS
    from m3_nb.data import EpisodeWriter
    D, S, A, _ = interface_sizes()
    rng, paths = np.random.default_rng(seed), []
    for m, task in PAPER_TASKS.items():
        N, T = task.n_allies, task.episode_limit
        with EpisodeWriter(out / f"{m}.h5", m, "good", N, D, S, A, T, {"seed": seed, "behaviour": "synthetic"}) as w:
            for s in range(0, episodes, 32):
                B = min(32, episodes - s)
                L = rng.integers(max(1, T // 4), T + 1, B)
                fl = (np.arange(T)[None] < L[:, None]).astype(np.int64)
                m4 = fl[:, :, None, None]
                avail = np.ones((B, T, N, A), np.int32) * m4
                acts = rng.integers(0, A, (B, T, N)) * fl[..., None]
                w.append(rng.standard_normal((B, T, N, D)).astype(np.float32) * m4,
                         rng.standard_normal((B, T, S)).astype(np.float32) * fl[..., None], acts, avail,
                         rng.random((B, T)).astype(np.float32) * fl, ((np.arange(T)[None] == L[:, None] - 1)).astype(np.uint8),
                         fl, rng.random(B) < 0.5)
        paths.append(str(out / f"{m}.h5"))
    return paths


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM). Not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries that
    over an exec from the forked parent, so a child of a large parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def epoch(paths, context_len, workers, batch_size, seed, sampler):
    "Child process: build the dataset, iterate one shuffled epoch, print a JSON line of measurements."
    import torch
    torch.set_num_threads(1)
    from m3_nb.data import WindowDataset, GroupedShuffleSampler
    t0 = time.perf_counter()
    ds = WindowDataset(paths, context_len, validate=False)
    t_index = time.perf_counter() - t0
    order = (dict(shuffle=True, generator=torch.Generator().manual_seed(seed)) if sampler == "shuffle"
             else dict(sampler=GroupedShuffleSampler(ds, group=int(sampler.split(":")[1]), seed=seed)))
    dl = torch.utils.data.DataLoader(ds, batch_size=batch_size, num_workers=workers, **order)
    n, t0 = 0, time.perf_counter()
    for b in dl: n += len(b["obs"])
    dt = time.perf_counter() - t0
    rss = peak_rss_mb()
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if workers else 0.0
    print(json.dumps({"windows": n, "seconds": dt, "samples_per_s": n / dt, "index_s": t_index,
                      "peak_rss_mb": rss, "peak_rss_workers_mb": rss_children}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--episodes", type=int, default=20, help="episodes per map at 1x")
    ap.add_argument("--context-len", type=int, default=16)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sampler", default="grouped:32", help="'shuffle' (full random order) or 'grouped:G'")
    ap.add_argument("--keep", default=None, help="write the synthetic data here instead of a temporary folder")
    ap.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child:
        return epoch(json.loads(a._child), a.context_len, a.workers, a.batch_size, a.seed, a.sampler)
    root = Path(a.keep or tempfile.mkdtemp(prefix="m3_bench_"))
    print(f"interface sizes: obs/state/actions = {interface_sizes()}; sampler {a.sampler}, K={a.context_len}, "
          f"batch {a.batch_size}, workers {a.workers}")
    rows = []
    for mult in (1, 2):
        paths = write_synthetic(root / f"x{mult}", a.episodes * mult, a.seed)
        size = sum(Path(p).stat().st_size for p in paths) / 2**20
        out = subprocess.run([sys.executable, __file__, "--context-len", str(a.context_len), "--workers", str(a.workers),
                              "--batch-size", str(a.batch_size), "--seed", str(a.seed), "--sampler", a.sampler, "--_child", json.dumps(paths)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r.update(data=f"{mult}x", episodes_per_map=a.episodes * mult, files_mb=size)
        rows.append(r)
        print(f"{mult}x: {a.episodes * mult} episodes/map, {size:.1f} MB on disk, {r['windows']} windows, "
              f"{r['samples_per_s']:.0f} samples/s, index {r['index_s']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB "
              + (f" (largest worker {r['peak_rss_workers_mb']:.0f} MB)" if a.workers else ""))
    growth = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"] - 1
    print(f"peak RSS growth from 1x to 2x data: {100 * growth:+.1f}% (target < 20%) -> {'OK' if growth < 0.2 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
