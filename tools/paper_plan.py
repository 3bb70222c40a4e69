"""`make paper-plan`: what `make paper SCALE=x` would reuse, recompute or finds stale, with estimated times.

An item is *reused* when make finds its executed notebook up to date (make decides: `make -q`, the same rule that
`make paper` follows), *missing* when it was never run at this scale, and *stale* when the content of one of its inputs
(its notebook, the library m3_nb/, the data checksums of the scale) differs from the record of its last run
(`tools/item_keys.py`); what changed is named.
The estimate is the previous run's duration (papermill records it in the executed notebook). For table1 the run
ledger is planned too (`m3_nb.experiments.main(["--plan", ...])`): which runs are done, stale (and why) or missing.
An item's duration says little when it reused its runs' records, so the whole ledger of the scale is costed as well
(`m3_nb.ledger.ledger_cost`): how many records the current code would not reuse, and the core-seconds they took.
That line counts code changes only (a changed configuration or input also makes a record stale: the table1 plan
below checks those for table1's runs)."""
import argparse, subprocess, sys
from pathlib import Path

from item_keys import reasons     # tools/, this script's folder
from paper_cost import item_duration


def item_plan(item: str, scale: str, out: Path, up_to_date: set) -> dict:
    ex = out / "executed" / f"{item}.ipynb"
    if not ex.exists(): return {"item": item, "status": "missing", "action": "compute", "est_s": None, "why": "never run at this scale"}
    dur = item_duration(out, item)
    if item in up_to_date: return {"item": item, "status": "current", "action": "reuse", "est_s": 0, "why": ""}
    why = "; ".join(reasons(item, scale, out)) or "make wants to rerun it (FRESH=1)"
    return {"item": item, "status": "stale", "action": "recompute", "est_s": dur, "why": why}


def ledger_summary(runs_dir: Path, scale: str):
    "Print what rerunning the scale's records made by other code would cost, by method, from their own wall times."
    if not runs_dir.exists(): print(f"run ledger at {scale} ({runs_dir}): no records"); return
    from m3_nb.ledger import ledger_cost
    lc = ledger_cost(runs_dir, scale)
    if lc.empty: print(f"run ledger at {scale} ({runs_dir}): no records"); return
    lc["stale"] = lc["changed"] != ""
    lc["stale_s"] = lc["wall_time_s"].where(lc["stale"], 0.0)
    by = lc.groupby("method").agg(records=("run_id", "size"), by_other_code=("stale", "sum"), their_core_s=("stale_s", "sum"))
    st = lc[lc.stale]
    if st.empty: print(f"run ledger at {scale} ({runs_dir}): {len(lc)} records, all made by the current library"); return
    mods = st["changed"].str.split(", ").explode().value_counts()
    print(f"run ledger at {scale} ({runs_dir}): {len(lc)} records, {len(st)} made by other code than the current library"
          + f" ({', '.join(f'{m}: {n}' for m, n in mods.items())})"
          + f"; rerunning those took {st.wall_time_s.sum():,.0f} core-s when they were made ({st.wall_time_s.sum() / 3600:.1f} core-h, "
            "pre-training and data not included; divide by the processes that run at once)")
    print(by.assign(their_core_s=by.their_core_s.round(0).astype(int)).to_string())


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/paper_plan.py")
    ap.add_argument("--scale", required=True); ap.add_argument("--out", required=True)
    ap.add_argument("--items", nargs="*", default=[])
    ap.add_argument("--up-to-date", default="", help="items make -q finds up to date, whitespace-separated")
    a = ap.parse_args(argv)
    out = Path(a.out)
    rows = [item_plan(i, a.scale, out, set(a.up_to_date.split())) for i in a.items]
    print(f"make paper SCALE={a.scale} -> {out}/")
    print(f"{'item':<16} {'status':<8} {'action':<10} {'est. time':>10}  why")
    for r in rows:
        est = "?" if r["est_s"] is None else f"{r['est_s']:.0f} s"
        print(f"{r['item']:<16} {r['status']:<8} {r['action']:<10} {est:>10}  {r['why']}")
    todo = [r for r in rows if r["action"] != "reuse"]
    known = sum(r["est_s"] or 0 for r in todo)
    print(f"{len(rows) - len(todo)} reused, {len(todo)} to run; estimated {known:.0f} s"
          + (f" + {sum(r['est_s'] is None for r in todo)} item(s) never timed" if any(r["est_s"] is None for r in todo) else ""))
    for runs_dir in sorted(out.glob("runs*")) or [out / "runs"]:      # Tables' runs/, world_calibration's runs_calibration/
        ledger_summary(runs_dir, a.scale)
    if "table1" in [r["item"] for r in todo]:
        sys.stdout.flush()
        # through -c, not -m: under -m the module itself is __main__, so the code identities it computes for the runs
        # name __main__ where the records name m3_nb.experiments, and every record would look stale
        subprocess.run([sys.executable, "-c", "import sys; from m3_nb.experiments import main; main(sys.argv[1:])",
                        "--plan", "--scale", a.scale, "--out", str(out)], check=False)
    return rows


if __name__ == "__main__": main()
