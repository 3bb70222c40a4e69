"""Why M3's pre-trained policy clones 2m_vs_1z's good data badly (issue 12, offline fidelity; exploratory, not a paper item).

The `small` offline-fidelity table has M3's greedy return on 2m_vs_1z at 0.37x its behaviour policy (the kiting script), while
the behaviour-cloning control reaches JP 16.0 in Table 1. This script separates the suspects, each on set A's good `small` data
with the experiments' pre-training config (`m3_nb.experiments.pretrain_config`, seed 0) and one change:

* M3 variants (`m3_nb.pretrain.pretrain_files`, held-out 10 % of episodes): the loss terms of Eq 6 switched off one at a time
  or all but L_SL, K = 1 or 4 instead of `small`'s 16, a wider step embedding or hidden layers, 4x the gradient steps, a
  larger learning rate, the no-VQ encoder, a ReLU layer of 128 before each step's projection (`M3Config.step_hidden`, with
  step_dim 32 or 16), no previous actions in the window (`M3Config.prev_action=False`, K = 16 or 1: copycat cloning?; with K = 1 and L_SL alone: BC's input through M3's
  network, and with one extra term removed at a time), no commitment term (beta = 0: z_e is not pulled toward the dictionary), L_recons weighted 0.1 or 0.3, the raw observation (`M3Config.input_norm='none'`, the encoder before
  2026-12-03) or a LayerNorm of each step embedding instead of each observation;
  held-out action accuracy per map and greedy return over 32 episodes on 2m_vs_1z and 3m.
* A plain MLP probe (two hidden layers of 128, Adam 3e-4, 5,000 steps of 256, the same windows' last step) with and without
  an input LayerNorm and the previous action: held-out accuracy per map. It needs no history and no latent.

Results are cached per variant in `results/<scale>/diagnostics/cloning/`, then merged into
`cloning.md` / `cloning.csv` there; a rerun skips a variant whose cached result was made by the same code on the same
data (`identity()`: the library modules it runs, this script and the good files' checksums), and recomputes it otherwise;
the table shows only results of the current identity. Until 2026-12-03 the good data of 2m_vs_1z, 3s_vs_3z and 3s_vs_4z
came from scripts (the kiting script: it reads its weapon's cooldown, which the agents do not observe); that era's
results are kept, as written then, in `results/small/diagnostics/cloning_scripted_good_data/`.

    .venv/bin/python tools/cloning_diagnostics.py                # every variant, one process per core
    .venv/bin/python tools/cloning_diagnostics.py --only default K1
"""
import argparse, json, os, sys, time, dataclasses
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

M3_VARIANTS = {   # name -> PretrainConfig overrides ('model': M3Config fields)
    "default": {}, "no_recons": {"w_recons": 0.0}, "no_emb": {"w_emb": 0.0}, "no_as": {"w_as": 0.0},
    "sl_only": {"w_recons": 0.0, "w_emb": 0.0, "w_as": 0.0}, "steps_x4": {"steps_factor": 4}, "lr1e-3": {"lr": 1e-3},
    "step_dim64": {"model": {"step_dim": 64}}, "hidden256": {"model": {"hidden": 256}}, "hidden64": {"model": {"hidden": 64}},
    "K1": {"model": {"context_len": 1}}, "K4": {"model": {"context_len": 4}},
    "raw_input": {"model": {"input_norm": "none"}}, "raw_input_steps_x4": {"model": {"input_norm": "none"}, "steps_factor": 4},
    "step_norm": {"model": {"input_norm": "step"}},
    "no_vq_encoder": {"model": {"vq": False}},
    "step_mlp128": {"model": {"step_hidden": 128}}, "step_mlp128_dim16": {"model": {"step_hidden": 128, "step_dim": 16}},
    "no_prev_action": {"model": {"prev_action": False}}, "no_prev_action_K1": {"model": {"prev_action": False, "context_len": 1}},
    "K1_no_prev_sl_only": {"model": {"prev_action": False, "context_len": 1}, "w_recons": 0.0, "w_emb": 0.0, "w_as": 0.0},
    "no_commitment": {"beta": 0.0},
    **{f"K1_no_prev_{k}": {"model": {"prev_action": False, "context_len": 1}, **v}
       for k, v in {"no_recons": {"w_recons": 0.0}, "no_emb": {"w_emb": 0.0}, "no_as": {"w_as": 0.0}}.items()},
    "recons_w0.1": {"w_recons": 0.1}, "recons_w0.3": {"w_recons": 0.3},
}
PROBES = {"mlp": (False, False), "mlp+prev": (False, True), "mlp+ln": (True, False), "mlp+ln+prev": (True, True)}
ROLLOUT_MAPS = ("2m_vs_1z", "3m")


def _setup(scale):
    from m3_nb.experiments import PaperSetup, repo_data_root, pretrain_config
    setup = PaperSetup(f"/tmp/cloning_diagnostics_{scale}", scale, data_root=str(repo_data_root()))
    pc = pretrain_config(setup, "A", 0)
    paths = [p for m in pc.tasks for p in setup.data_paths(m)]
    if not paths: raise FileNotFoundError(f"no good data of set A in {setup.data_dir}: run `make data SCALE={scale}` first")
    return setup, pc, paths


def run_m3(name: str, scale: str) -> dict:
    import torch
    from m3_nb.pretrain import pretrain_files, rollout_return
    torch.set_num_threads(1)
    setup, pc, paths = _setup(scale)
    ov = dict(M3_VARIANTS[name])
    if "steps_factor" in ov: ov["steps"] = pc.steps * ov.pop("steps_factor")
    if "model" in ov: ov["model"] = {**pc.model, **ov["model"]}
    pc = dataclasses.replace(pc, checkpoint_dir=None, **ov)
    t = time.perf_counter()
    run = pretrain_files(paths, pc, held_out=0.1)
    out = {"kind": "M3", "variant": name, "overrides": ov, "steps": pc.steps, "wall_s": round(time.perf_counter() - t, 1),
           "final_metrics": run["metrics"][-1], "accuracy": {r["map"]: r["accuracy"] for r in run["accuracy"].to_dict("records")}}
    for m in ROLLOUT_MAPS:
        r = rollout_return(run["model"], m, episodes=32, num_envs=32, seed=0)
        out[f"greedy_return/{m}"], out[f"win_rate/{m}"] = r["return_mean"], r["win_rate"]
    return out


def run_probe(name: str, scale: str, steps: int = 5000, batch: int = 256, hidden: int = 128) -> dict:
    import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
    from m3_nb.pretrain import prepare_windows
    torch.set_num_threads(1); torch.manual_seed(0)
    setup, pc, paths = _setup(scale)
    ln, prev = PROBES[name]
    _, tr, te = prepare_windows(paths, pc.tasks, 1, 0.1, 0)
    A, B = ({k: torch.as_tensor(np.asarray(v)) for k, v in w.windows(np.arange(len(w))).items()} for w in (tr, te))
    D, nA = A["obs"].shape[-1], A["avail"].shape[-1]
    d_in = D + (nA if prev else 0)
    net = nn.Sequential(*([nn.LayerNorm(d_in)] if ln else []), nn.Linear(d_in, hidden), nn.ReLU(),
                        nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, nA))
    opt = torch.optim.Adam(net.parameters(), 3e-4)
    def x(b, i=slice(None)):
        o = b["obs"][i][:, -1].float()
        return torch.cat([o, F.one_hot(b["prev_actions"][i][:, -1].long(), nA).float()], -1) if prev else o
    def logits(b, i=slice(None)):
        return net(x(b, i)).masked_fill(~b["avail"][i][:, -1].bool(), -1e9)
    g, t = torch.Generator().manual_seed(0), time.perf_counter()
    for _ in range(steps):
        i = torch.randint(0, len(A["obs"]), (batch,), generator=g)
        loss = F.cross_entropy(logits(A, i), A["actions"][i][:, -1].long())
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        ok = (logits(B).argmax(-1) == B["actions"][:, -1].long()).float()
    tid = B["task_id"].long()
    return {"kind": "probe", "variant": name, "layer_norm": ln, "prev_action": prev, "steps": steps,
            "wall_s": round(time.perf_counter() - t, 1),
            "accuracy": {pc.tasks[k]: float(ok[tid == k].mean()) for k in range(len(pc.tasks))}}


def data_behaviours(scale: str) -> dict:
    "{map: 'behaviour (checksum)'} of set A's good files, as their data manifest names them."
    setup, pc, _ = _setup(scale)
    ident = setup.data_identity(pc.tasks)
    files = json.loads((Path(setup.data_dir) / "manifest.json").read_text())["maps"]
    return {m: f"{files[m]['files']['good']['behaviour']} ({str(ident.get(f'{m}/good'))[:12]})" for m in pc.tasks}


def identity(scale: str = "small") -> str:
    "Identity of what a result depends on: the library modules the runs import, this script, and the data's checksums."
    import hashlib
    from m3_nb.io import code_identity
    lib = code_identity("m3_nb.experiments", "m3_nb.pretrain", "m3_nb.m3", "m3_nb.envs", "m3_nb.collect")
    data = hashlib.sha256(json.dumps(data_behaviours(scale), sort_keys=True).encode()).hexdigest()[:8]
    return lib + "-" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12] + "-" + data


def _cached(path: Path, ident: str) -> bool:
    return path.exists() and json.loads(path.read_text()).get("identity") == ident


def _job(args):
    kind, name, scale, out_dir = args
    from m3_nb.io import write_json, provenance
    res = (run_m3 if kind == "M3" else run_probe)(name, scale)
    res["provenance"], res["identity"], res["data"] = provenance(), identity(scale), data_behaviours(scale)
    write_json(res, Path(out_dir) / f"{kind}__{name}.json")
    return f"{kind} {name}: {res['wall_s']} s"


def table(out_dir: Path, scale: str):
    import pandas as pd
    rows, ident = [], identity(scale)
    for p in sorted(out_dir.glob("*.json")):
        r = json.loads(p.read_text())
        if r.get("identity") != ident: continue           # made by other code or on other data: not in this table
        row = {"kind": r["kind"], "variant": r["variant"], "steps": r["steps"],
               **{f"acc/{m}": round(v, 3) for m, v in r["accuracy"].items()},
               **{k: round(v, 2) for k, v in r.items() if k.startswith("greedy_return/")},
               "code_version": r["provenance"]["code_version"][:12]}
        rows.append(row)
    if not rows: raise SystemExit(f"no results in {out_dir}")
    df = pd.DataFrame(rows)
    df = df.assign(_o=df.variant != "default").sort_values(["kind", "_o", "variant"]).drop(columns="_o")
    caption = (f"Cloning diagnostics (exploratory, issue 12): set A's good data at scale {scale}, held-out 10 % of episodes, "
               "seed 0 only (one pre-training per row: differences of ~0.01 in accuracy are within noise). 'M3' rows: the "
               "experiments' pre-training config (the encoder LayerNorms each observation, M3Config.input_norm='obs'; "
               "'raw_input' is the encoder before 2026-12-03) with one change (variant; steps = gradient steps), greedy return over 32 "
               "episodes of the pre-trained policy. 'probe' rows: a plain MLP (2 x 128) on the last step's observation "
               "(+ LayerNorm / + previous action), 5,000 Adam steps of 256. World: SMAX with the SC2 unit model. Written by "
               "tools/cloning_diagnostics.py; code versions in the last column. Good data of set A (behaviour, checksum): "
               + "; ".join(f"{m}: {b}" for m, b in data_behaviours(scale).items()) + ".")
    from m3_nb.io import atomic_write
    with atomic_write(out_dir / "cloning.csv") as f: f.write(df.to_csv(index=False))
    with atomic_write(out_dir / "cloning.md") as f: f.write(caption + "\n\n" + df.to_markdown(index=False) + "\n")
    print((out_dir / "cloning.md").read_text())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", default="small")
    ap.add_argument("--only", nargs="*", help="variant names (M3 variants or probes)")
    ap.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    a = ap.parse_args()
    out_dir = ROOT / "results" / a.scale / "diagnostics" / "cloning"
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [("M3", n) for n in M3_VARIANTS] + [("probe", n) for n in PROBES]
    unknown = set(a.only or ()) - {n for _, n in jobs}
    if unknown: ap.error(f"unknown variants {sorted(unknown)}; known: {[n for _, n in jobs]}")
    ident = identity(a.scale)
    todo = [(k, n, a.scale, str(out_dir)) for k, n in jobs
            if (not a.only or n in a.only) and not _cached(out_dir / f"{k}__{n}.json", ident)]
    todo.sort(key=lambda j: j[1] not in ("steps_x4", "raw_input_steps_x4", "no_vq_encoder"))     # the longest (~350-410 s) first
    print(f"{len(todo)} to run in {a.processes} process(es); results in {out_dir}", flush=True)
    with ProcessPoolExecutor(a.processes) as ex:
        for msg in ex.map(_job, todo): print(msg, flush=True)
    table(out_dir, a.scale)
