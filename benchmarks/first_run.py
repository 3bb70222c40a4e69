"""What a run pays before it trains: the first MAPPO run on a map in a fresh process vs the same run repeated there.

Issue 16 asks `make paper SCALE=smoke` to take <= 20 minutes; it took 1,906 s (the committed smoke notebooks' papermill
durations), 1,660 core-s of it in run records whose MAPPO runs average ~15 s for 8,000 env steps that train at several
thousand steps/s. This benchmark separates that fixed cost: in one fresh process per map it times Table 1's MAPPO run
at `smoke` (`m3_nb.finetune.train_from_scratch`, seed 0) twice, then a third time with another seed. The first run
pays JAX's tracing and lowering of the map's environment functions (and XLA's compilation unless JAX's persistent
cache, `$JAX_COMPILATION_CACHE_DIR`, already holds it; `make` points it at `~/.cache/m3_nb/jax`); the repeats reuse the
process's jitted functions. Every paper item starts its own kernel and worker processes, so each pays the first-run
cost again for every map it touches.

    .venv/bin/python benchmarks/first_run.py                 # 3m, 8m, MMM; writes results/benchmarks/first_run.{md,json}
    .venv/bin/python benchmarks/first_run.py --maps 3m --out /tmp/first_run.md
"""
from __future__ import annotations
import argparse, datetime, json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, torch
torch.set_num_threads(1)
t0 = time.perf_counter()
from m3_nb.finetune import train_from_scratch
from m3_nb.scales import budget
t_import = time.perf_counter() - t0
b, out = budget("smoke"), {"import_s": t_import}
for key, seed in (("first_s", 0), ("repeat_s", 0), ("other_seed_s", 1)):
    t = time.perf_counter(); train_from_scratch(sys.argv[1], b, seed); out[key] = time.perf_counter() - t
print(json.dumps(out))
"""


def one_map(map_name: str) -> dict:
    "Time the three runs of `map_name` in a fresh Python process (the library imported there)."
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run([sys.executable, "-c", CHILD, map_name], cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"the run of {map_name} failed:\n{r.stderr[-2000:]}")
    return {"map": map_name, **json.loads(r.stdout.strip().splitlines()[-1])}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maps", nargs="+", default=["3m", "8m", "MMM"])
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "first_run.md"))
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import pandas as pd
    from m3_nb.io import atomic_write, provenance, write_json
    from m3_nb.scales import budget
    load = os.getloadavg()[0]
    rows = [one_map(m) for m in a.maps]
    for r in rows: print(r, flush=True)
    df = pd.DataFrame(rows)
    df["first_vs_repeat"] = df.first_s / df.repeat_s
    df["fixed_cost_s"] = df.first_s - df.repeat_s
    b = budget("smoke")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cache = os.environ.get("JAX_COMPILATION_CACHE_DIR") or "~/.cache/m3_nb/jax (m3_nb.envs' default)"
    cap = (f"# The first run on a map in a fresh process vs a repeat (benchmarks/first_run.py)\n\n"
           f"Measured {when} on {os.cpu_count()} cores (load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at the end: "
           f"absolute seconds move with other load, the ratio within a map is the comparable quantity). Table 1's MAPPO run at "
           f"smoke ({b.finetune_steps:,} env steps, {b.num_envs} envs, evaluation every {b.eval_every:,} steps on {b.eval_episodes} "
           f"episodes), one process per map, one torch thread: first_s = the first run in the process, repeat_s = the same run "
           f"again, other_seed_s = seed 1 after them; fixed_cost_s = first - repeat (tracing and lowering of the map's jitted "
           f"environment functions, XLA compilation where JAX's persistent cache ({cache}) lacks them). Code: "
           f"{provenance()['code_version']}.\n\n")
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as f: f.write(cap + df.round(2).to_markdown(index=False) + "\n")
    write_json({"when": when, "args": vars(a), "rows": rows, "load_start": load}, out.with_suffix(".json"))
    print(cap + df.round(2).to_markdown(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
