"""Same run, two makings: compare the ledger records committed at an earlier commit with today's, run by run.

A run record names its code identity, its inputs and its configuration (the config hash); two records with equal
identities should hold equal numbers. This tool finds the records under `--glob` whose file changed between `--ref`
and the working tree, checks that they describe the same run (config hash, code and input identities), and writes one
row per run (JP, time to 18 and last evaluation return, before and after; the platforms that made them) and a summary
that sets the differences beside the seed spread of the same cells. Used for the records rerun on another machine:

    .venv/bin/python tools/compare_records.py --ref 9c80a58 --glob 'results/small/runs/A/*__M3__*.json' \\
        --out results/small/diagnostics/cross_machine --title "M3, set A"

writes `<out>.md` and `<out>.csv` (atomically). Standard library and pandas only; reads git with `git show`.
"""
import argparse, json, statistics, subprocess, sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _git_json(ref: str, path: str, root: Path = ROOT) -> dict | None:
    r = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=root, capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def _platform(rec: dict) -> str:
    "The machine kind that made `rec`: the kernel build (it names the kind here), and the CPU where the record names it (since 2026-12-03)."
    prov = rec.get("provenance", {})
    kind = str(prov.get("platform", "?")).split("-with-")[0].rsplit("-", 1)[0].replace("Linux-6.18.44-", "")
    cpu = prov.get("cpu")
    if not isinstance(cpu, dict): return kind
    return f"{kind} (cpu {cpu.get('family_model_stepping') or cpu.get('model', '?')}, {cpu.get('torch_cpu_capability', '?')})"


def compare(ref: str, pattern: str, root: Path = ROOT) -> pd.DataFrame:
    "One row per record under `pattern` (relative to the repository `root`) that exists at `ref` and now, and differs."
    rows = []
    for p in sorted(root.glob(pattern)):
        rel = p.relative_to(root).as_posix()
        old, new = _git_json(ref, rel, root), json.loads(p.read_text())
        if old is None or old == new: continue
        for k in ("config_hash", "lineage"):
            if old.get(k) != new.get(k):
                raise ValueError(f"{rel}: field {k!r} differs between {ref} and now ({str(old.get(k))[:60]} vs "
                                 f"{str(new.get(k))[:60]}): not the same run, so not comparable")
        inf = lambda t: float("inf") if t is None else float(t)
        rows.append({"run": new["run_id"], "map": new["finetune_map"], "seed": new["seed"],
                     "jp_before": round(old["jp"], 3), "jp_now": round(new["jp"], 3),
                     "tt_before": inf(old["tt"]), "tt_now": inf(new["tt"]),
                     "last_before": round(old["eval_returns"][-1], 3), "last_now": round(new["eval_returns"][-1], 3),
                     "made_before": f"{_platform(old)} {old['finished_at'][:16]}", "made_now": f"{_platform(new)} {new['finished_at'][:16]}"})
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> dict:
    "Mean absolute differences, and the mean over maps of the seed standard deviation (of the earlier records) for scale."
    out = {"runs": len(df), "jp_equal": int((df.jp_before == df.jp_now).sum()), "tt_equal": int((df.tt_before == df.tt_now).sum())}
    for k in ("jp", "last"):
        out[f"{k}_mean_abs_diff"] = float((df[f"{k}_now"] - df[f"{k}_before"]).abs().mean())
        sds = [statistics.pstdev(g[f"{k}_before"]) for _, g in df.groupby("map") if len(g) > 1]
        out[f"{k}_seed_sd"] = float(statistics.mean(sds)) if sds else float("nan")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/compare_records.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", required=True, help="the commit whose records are the 'before'")
    ap.add_argument("--glob", required=True, help="records to compare, relative to the repository root")
    ap.add_argument("--out", required=True, help="output stem: <out>.md and <out>.csv")
    ap.add_argument("--title", default="")
    a = ap.parse_args(argv)
    from m3_nb.io import atomic_write
    df = compare(a.ref, a.glob)
    if df.empty: sys.exit(f"no record under {a.glob} differs from {a.ref}: nothing to compare")
    s = summary(df)
    ref = subprocess.run(["git", "rev-parse", "--short=12", a.ref], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    caption = (f"Same runs made twice{f' ({a.title})' if a.title else ''}: {s['runs']} ledger records under `{a.glob}` as committed at "
               f"{ref} ('before') and as remade ('now'), each pair with equal config hash, code identity and input identities "
               f"(pre-trained checkpoint name, data checksums). JP equal in {s['jp_equal']} of {s['runs']}, time to 18 equal in "
               f"{s['tt_equal']}; mean |difference| JP {s['jp_mean_abs_diff']:.2f} and last evaluation return {s['last_mean_abs_diff']:.2f} "
               f"return points, against a seed standard deviation (population, per map, averaged; 'before' records) of "
               f"{s['jp_seed_sd']:.2f} and {s['last_seed_sd']:.2f}. 'made' names the machine kind (kernel build) and the time. "
               f"Written by tools/compare_records.py.")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out.with_suffix(".md")) as f: f.write(f"{caption}\n\n{df.to_markdown(index=False)}\n")
    with atomic_write(out.with_suffix(".csv")) as f: df.to_csv(f, index=False)
    print(caption); print(df.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
