"""`make paper-cost SCALE=x`: what `make paper SCALE=x` cost on this machine, item by item and in total, from what its
runs recorded (issue 16's stage-time table for the whole paper; `table1_timing` covers Table 1 alone).

Sources, all under `results/<scale>/` unless named:

* run records (`runs*/**/*.json`, the ledger): each record's own `wall_time_s` (one run in one worker process);
* pre-training stages (`checkpoints/<set>/<stage>/*report.json`, their `wall_time_s`): an M3-family record names its
  stage (`lineage.inputs.pretrained`); BC, CARE and MADT records start from `checkpoints/<set>/<bc|care|madt>-seed<s>-*`
  (the stages of the method, set and seed: one folder each unless older code left another, then all are counted);
* which records an item read: `executed/.inputs/<item>.json` (`tools/item_keys.py` logs the files the item's
  processes opened); its last execution's duration: the executed notebook's papermill metadata;
* data collection: `data/<scale>/manifest.json` (`seconds` per map).

Records and stages are counted once in the total however many items read them; "by other code" counts the records
whose lineage names code that differs from the current library (`m3_nb.ledger.ledger_cost`), which a `make paper`
now would remake. The runs ran in `processes` workers at once (2 on this machine), each on about one core, so
core-seconds / processes is the wall time of a perfectly packed run (a lower bound); the notebooks' own execution
(loading records, tables, figures) and data collection are added as wall time. Written to
`results/<scale>/tables/paper_cost.{md,csv}`.

    .venv/bin/python tools/paper_cost.py --scale small --out results/small --target-hours 6
"""
import argparse, json, sys
from pathlib import Path

import pandas as pd

M3_FAMILY_KEY = "pretrained"                       # lineage.inputs key naming an M3-family record's pre-trained model
STAGE_PREFIX = {"BC": "bc", "CARE": "care", "MADT": "madt"}


def _json(p: Path):
    try: return json.loads(p.read_text())
    except (OSError, ValueError): return None


def record_rows(out: Path, scale: str) -> pd.DataFrame:
    "One row per valid run record under `out/runs*`: its path relative to `out`, method, set, seed, stage folders, core-s, whether other code made it."
    from m3_nb.ledger import CorruptRecordError, ledger_cost, read_record
    rows = []
    for runs in sorted(out.glob("runs*")):
        if not runs.is_dir(): continue
        lc = ledger_cost(runs, scale)
        changed = dict(zip(lc.run_id, lc.changed))
        for p in sorted(runs.rglob("*.json")):
            if ".partial" in p.parts: continue
            try: r = read_record(p)
            except CorruptRecordError: continue
            if r["scale"] != scale: continue
            rows.append({"record": p.relative_to(out).as_posix(), "method": r["method"], "task_set": r["task_set"],
                         "seed": int(r["seed"]), "core_s": float(r["wall_time_s"]),
                         "other_code": changed.get(r["run_id"], "") != "",
                         "stages": tuple(stage_dirs(out, r))})
    return pd.DataFrame(rows, columns=["record", "method", "task_set", "seed", "core_s", "other_code", "stages"])


def stage_dirs(out: Path, rec: dict) -> list:
    "The pre-training stage folders (relative to `out`) the record's run started from; [] for a method without one."
    ck = out / "checkpoints" / rec["task_set"]
    name = ((rec.get("lineage") or {}).get("inputs") or {}).get(M3_FAMILY_KEY)
    if name: return [f"checkpoints/{rec['task_set']}/{name}"]
    pre = STAGE_PREFIX.get(rec["method"])
    if not pre or not ck.is_dir(): return []
    return [d.relative_to(out).as_posix() for d in sorted(ck.glob(f"{pre}-seed{int(rec['seed'])}-*")) if d.is_dir()]


def stage_seconds(out: Path, stage: str):
    "`wall_time_s` of the stage folder's report; None when it has no readable report (never finished)."
    for p in sorted((out / stage).glob("*report.json")):
        r = _json(p)
        if isinstance(r, dict) and isinstance(r.get("wall_time_s"), (int, float)): return float(r["wall_time_s"])
    return None


def item_reads(out: Path) -> dict:
    "{item: [record paths relative to out]} from `executed/.inputs/<item>.json`."
    reads = {}
    for p in sorted((out / "executed" / ".inputs").glob("*.json")):
        d = _json(p)
        if isinstance(d, dict): reads[p.stem] = sorted((d.get("records") or {}).keys())
    return reads


def item_duration(out: Path, item: str):
    nb = _json(out / "executed" / f"{item}.ipynb")
    try: return float(nb["metadata"]["papermill"]["duration"])
    except (TypeError, KeyError, ValueError): return None


def data_seconds(data_dir: Path):
    m = _json(data_dir / "manifest.json")
    if not isinstance(m, dict) or not m.get("maps"): return None
    return float(sum(float(e.get("seconds") or 0.0) for e in m["maps"].values()))


def cost_table(out: Path, scale: str, data_dir: Path, processes: int = 2) -> tuple:
    "(per-item table with a 'whole paper' row, summary dict). Records and stages count once in the whole-paper row."
    recs = record_rows(out, scale)
    by_path = recs.set_index("record") if len(recs) else recs
    stage_s = {s: stage_seconds(out, s) for s in sorted({s for t in recs.stages for s in t})}
    rows = []
    for item, paths in item_reads(out).items():
        mine = by_path.loc[[p for p in paths if p in by_path.index]] if len(recs) else recs
        stages = sorted({s for t in mine.stages for s in t})
        rows.append({"item": item, "records": len(mine), "by_other_code": int(mine.other_code.sum()),
                     "records_core_s": round(float(mine.core_s.sum()), 1), "stages": len(stages),
                     "stages_core_s": round(sum(stage_s[s] or 0.0 for s in stages), 1),
                     "last_execution_s": item_duration(out, item)})
    all_stages = list(stage_s)
    runs_core = float(recs.core_s.sum()) if len(recs) else 0.0
    stages_core = sum(v or 0.0 for v in stage_s.values())
    execs = sum(r["last_execution_s"] or 0.0 for r in rows)
    rows.append({"item": "whole paper (each record and stage once)", "records": len(recs),
                 "by_other_code": int(recs.other_code.sum()) if len(recs) else 0, "records_core_s": round(runs_core, 1),
                 "stages": len(all_stages), "stages_core_s": round(stages_core, 1), "last_execution_s": None})
    data_s = data_seconds(data_dir)
    summary = {"records": len(recs), "records_core_s": runs_core, "by_other_code": int(recs.other_code.sum()) if len(recs) else 0, "stages": len(all_stages), "stages_core_s": stages_core,
               "stages_unfinished": sum(v is None for v in stage_s.values()), "data_s": data_s, "processes": processes,
               "executions_s": execs,
               "by_method": recs.groupby("method").core_s.sum().round(1).to_dict() if len(recs) else {},
               # runs and stages packed into `processes` workers, then data collection (one process)
               "packed_wall_s": (runs_core + stages_core) / processes + (data_s or 0.0)}
    return pd.DataFrame(rows), summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/paper_cost.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", required=True); ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=None, help="data/<scale> (default: data/<scale> beside results/)")
    ap.add_argument("--processes", type=int, default=2, help="worker processes the runs shared the machine with")
    ap.add_argument("--target-hours", type=float, default=None, help="a wall-time target to compare with")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if not out.is_dir(): raise SystemExit(f"tools/paper_cost.py: no results folder {out} (run make paper SCALE={a.scale} first)")
    data_dir = Path(a.data) if a.data else out.parents[1] / "data" / a.scale
    df, s = cost_table(out, a.scale, data_dir, a.processes)
    from m3_nb.io import provenance, write_table
    h = s["packed_wall_s"] / 3600
    methods = ", ".join(f"{m} {v:,.0f}" for m, v in sorted(s["by_method"].items(), key=lambda kv: -kv[1]))
    unfinished = f" ({s['stages_unfinished']} without a report, not counted)" if s["stages_unfinished"] else ""
    data_txt = "not recorded" if s["data_s"] is None else f"{s['data_s']:,.0f} s"
    target = (f" against a target of {a.target_hours:g} h ({'met' if h <= a.target_hours else 'missed'}; the notebooks' own "
              f"execution comes on top)") if a.target_hours else ""
    caption = (f"What `make paper SCALE={a.scale}` cost, from its own records (`tools/paper_cost.py`; scale {a.scale}, "
               f"results/{a.scale}/ of this checkout): per item, the run records it read (their own wall times, one run per "
               f"worker process on about one core: core-seconds), the pre-training stages those runs started from (their "
               f"reports' wall times), and its notebook's last execution (papermill; little beyond loading when its records "
               f"were reused). The last row counts each record and stage once: {s['records']} records, "
               f"{s['records_core_s']:,.0f} core-s (by method: {methods}); {s['stages']} stages, {s['stages_core_s']:,.0f} "
               f"core-s{unfinished}; data collection {data_txt} ({'/'.join(data_dir.parts[-2:])}/manifest.json). Packed into "
               f"{s['processes']} worker processes that is at least {h:.1f} h of wall time for runs, stages and data{target}; the "
               f"items' last executions took {s['executions_s']:,.0f} s in all (not added: an execution that made runs "
               f"includes their time). "
               f"Records made by other code than the current library: {s['by_other_code']} "
               f"({'a `make paper` now remakes them' if s['by_other_code'] else 'a `make paper` now reuses every record'}). "
               f"Written at code version {provenance()['code_version'][:12]}.")
    write_table(df, out, "paper_cost", caption)
    print(caption); print(df.to_string(index=False))
    return df, s


if __name__ == "__main__": main()
