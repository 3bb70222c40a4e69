"""Do torch's CPU kernels give the same numbers under every instruction set, and what does pinning them cost?

The same M3 run made on two machine kinds gave different numbers (`results/small/diagnostics/cross_machine/`). torch
picks its kernels by CPU: ATen's vectorised ops by `ATEN_CPU_CAPABILITY` (default: the best the CPU has) and MKL's
GEMM by its own dispatch (`MKL_ENABLE_INSTRUCTIONS`, or a fixed code path with `MKL_CBWR`). This benchmark trains a
small MLP of M3's sizes (K*step_dim=512 -> 128 -> 128 -> 18, Adam, cross-entropy, one thread) under each setting in a
fresh process, and prints per setting the SHA-256 of the final weights and the process time per step, as a ratio to
the machine's own default measured in the same run. Settings that give the same hash on this machine are candidates
for machine-independent numbers (a claim only a second machine kind can confirm: run it there and compare the hashes).

    .venv/bin/python benchmarks/cpu_kernels.py            # writes results/benchmarks/cpu_kernels.{md,json}
"""
from __future__ import annotations
import argparse, datetime, json, os, platform, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = [
    {},
    {"ATEN_CPU_CAPABILITY": "avx2"},
    {"ATEN_CPU_CAPABILITY": "default"},
    {"MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"},
    {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    {"MKL_CBWR": "COMPATIBLE"},
    {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default"},
    {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
]

CHILD = r"""
import hashlib, json, time, torch, torch.nn as nn
torch.manual_seed(0); torch.set_num_threads(1)
net = nn.Sequential(nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 18))
opt = torch.optim.Adam(net.parameters(), 3e-4)
g = torch.Generator().manual_seed(1)
x, y = torch.randn(4096, 512, generator=g), torch.randint(0, 18, (4096,), generator=g)
for i in range(STEPS + 10):
    if i == 10: t = time.process_time()
    loss = nn.functional.cross_entropy(net(x), y); opt.zero_grad(); loss.backward(); opt.step()
dt = (time.process_time() - t) / STEPS
h = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in net.parameters())).hexdigest()
print(json.dumps({"capability": torch.backends.cpu.get_cpu_capability(), "sha256": h, "ms_per_step": dt * 1e3}))
"""


def run(setting: dict, steps: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS")}
    env.update(setting, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD.replace("STEPS", str(steps))], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    try: return next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration): return platform.processor() or "?"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="benchmarks/cpu_kernels.py")
    ap.add_argument("--steps", type=int, default=50, help="timed training steps per setting (after 10 untimed)")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "cpu_kernels.md"))
    ap.add_argument("--note", default="", help="what else the machine was running")
    a = ap.parse_args(argv)
    import pandas as pd
    rows = []
    for s in SETTINGS:
        r = run(s, a.steps)
        rows.append({"setting": " ".join(f"{k}={v}" for k, v in s.items()) or "(machine default)", "ATen capability": r["capability"],
                     "weights sha256": r["sha256"][:12], "ms_per_step": round(r["ms_per_step"], 1)})
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    df["time_vs_default"] = (df.ms_per_step / df.ms_per_step.iloc[0]).round(2)
    df["same weights as"] = [next(df.setting[j] for j in range(len(df)) if df["weights sha256"][j] == h) for h in df["weights sha256"]]
    flags = ""
    try: flags = " ".join(sorted({f for f in next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split()
                                  if f in ("avx2", "avx512f", "avx512_bf16", "amx_tile", "fma")}))
    except (OSError, StopIteration): pass
    from m3_nb.io import atomic_write, provenance, write_json
    import torch
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cap = (f"# torch CPU kernels: same numbers under each instruction set? (benchmarks/cpu_kernels.py)\n\nMeasured {when} on "
           f"{cpu_model()} ({flags}; {os.cpu_count()} cores; platform {platform.platform()}), torch {torch.__version__}, one thread"
           f"{f'; {a.note}' if a.note else ''}. An MLP of M3's window-encoder sizes trained {a.steps} + 10 Adam steps on a fixed "
           f"batch of 4,096, each setting in a fresh process; 'weights sha256' is the hash of the final weights, 'time_vs_default' "
           f"the process time per step as a ratio to this machine's default, in the same run. Equal hashes here show which "
           f"settings fix the numbers on this machine; that they also fix them on another CPU needs the same run there "
           f"(compare the hashes). Code: {provenance()['code_version']}.\n\n")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as f: f.write(cap + df.to_markdown(index=False) + "\n")
    write_json({"measured": when, "cpu": cpu_model(), "flags": flags, "platform": platform.platform(), "rows": rows}, out.with_suffix(".json"))
    print(cap + df.to_markdown(index=False))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
