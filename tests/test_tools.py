"""Tools outside the library: `tools/compare_records.py` (same run made twice, compared record by record)."""
import json, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import compare_records as cr
import paper_cost as pc
sys.path.pop(0)


def _rec(seed, jp, last, tt, platform="Linux-6.18.44-fc-v1098-x86_64-with-glibc2.36", cfg="c1"):
    return {"run_id": f"small__A__3m__M3__{seed}", "finetune_map": "3m", "seed": seed, "jp": jp, "tt": tt,
            "eval_returns": [jp, last], "config_hash": cfg, "lineage": {"code": {"m": "x"}, "inputs": {"pretrained": f"seed{seed}-ab"}},
            "provenance": {"platform": platform}, "finished_at": "2026-12-03T11:56:43+00:00"}


def _repo(tmp_path, records):
    runs = tmp_path / "runs"; runs.mkdir()
    for i, r in enumerate(records): (runs / f"r{i}.json").write_text(json.dumps(r))
    git = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)
    git("init", "-q"); git("add", "."); git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "before")
    return runs


def test_compare_pairs_each_changed_record_and_summarises_against_seed_spread(tmp_path):
    runs = _repo(tmp_path, [_rec(0, 8.0, 12.0, None), _rec(1, 10.0, 14.0, 25600.0), _rec(2, 9.0, 13.0, None)])
    (runs / "r0.json").write_text(json.dumps(_rec(0, 9.0, 13.5, None, platform="Linux-6.18.44-fc-v1045-x86_64-with-glibc2.36")))
    (runs / "r1.json").write_text(json.dumps(_rec(1, 10.0, 13.0, 51200.0, platform="Linux-6.18.44-fc-v1045-x86_64-with-glibc2.36")))
    df = cr.compare("HEAD", "runs/*.json", tmp_path)
    assert list(df.run) == ["small__A__3m__M3__0", "small__A__3m__M3__1"]          # r2 unchanged: not a pair
    assert list(df.made_before.str[:10]) == ["fc-v1098 2"] * 2 and df.made_now.iloc[0].startswith("fc-v1045")
    s = cr.summary(df)
    # |9-8|, |10-10| -> JP 0.5; |13.5-12|, |13-14| -> 1.25; seed sd of before JPs {8, 10} = 1, of last {12, 14} = 1
    assert s == {"runs": 2, "jp_equal": 1, "tt_equal": 1, "jp_mean_abs_diff": 0.5, "jp_seed_sd": 1.0,
                 "last_mean_abs_diff": 1.25, "last_seed_sd": 1.0}


def test_compare_refuses_records_of_different_runs(tmp_path):
    runs = _repo(tmp_path, [_rec(0, 8.0, 12.0, None)])
    (runs / "r0.json").write_text(json.dumps(_rec(0, 9.0, 12.0, None, cfg="c2")))
    with pytest.raises(ValueError, match=r"runs/r0.json: field 'config_hash' differs .*not the same run"):
        cr.compare("HEAD", "runs/*.json", tmp_path)


def test_platform_names_the_cpu_when_the_record_does():
    old = _rec(0, 8.0, 12.0, None)
    assert cr._platform(old) == "fc-v1098"
    new = {**old, "provenance": {**old["provenance"], "cpu": {"model": "Intel(R) Xeon(R) Processor", "family_model_stepping": "6/167/1",
                                                             "torch_cpu_capability": "AVX512"}}}
    assert cr._platform(new) == "fc-v1098 (cpu 6/167/1, AVX512)"


def test_paper_cost_counts_each_record_and_stage_once_and_names_other_code(tmp_path):
    "tools/paper_cost.py on a hand-made results folder: per-item sums, the whole-paper row and the packed wall time."
    from m3_nb.io import code_identity
    from m3_nb.ledger import RunSpec, make_record, write_record
    out = tmp_path / "results" / "small"
    res = {"eval_steps": [0, 1000], "eval_returns": [5.0, 19.0]}
    now = {"m3_nb.ledger": code_identity("m3_nb.ledger")}
    specs = [(RunSpec("M3", "A", "3m", 0, "small"), 10.0, {"code": now, "inputs": {"pretrained": "seed0-aa"}}),
             (RunSpec("BC", "A", "3m", 0, "small"), 20.0, {"code": now, "inputs": {}}),
             (RunSpec("MAPPO", "A", "3m", 0, "small"), 40.0, {"code": {"m3_nb.ledger": "0000000000000000"}, "inputs": {}})]
    paths = [write_record(make_record(sp, res, {"c": 1}, w, lineage=lin), out / "runs").relative_to(out).as_posix()
             for sp, w, lin in specs]
    for stage, name, wall in (("seed0-aa", "report.json", 100.0), ("bc-seed0-xx", "bc_report.json", 20.0),
                              ("bc-seed1-yy", "bc_report.json", 7.0)):      # seed 1: no record started from it
        (out / "checkpoints" / "A" / stage).mkdir(parents=True)
        (out / "checkpoints" / "A" / stage / name).write_text(json.dumps({"wall_time_s": wall}))
    (out / "executed" / ".inputs").mkdir(parents=True)
    for item, read in (("table1", paths), ("table2", paths[:1])):
        (out / "executed" / ".inputs" / f"{item}.json").write_text(json.dumps({"records": {p: "h" for p in read}}))
    (out / "executed" / "table1.ipynb").write_text(json.dumps({"metadata": {"papermill": {"duration": 12.5}}}))
    data = tmp_path / "data" / "small"; data.mkdir(parents=True)
    (data / "manifest.json").write_text(json.dumps({"maps": {"3m": {"seconds": 30.0}, "8m": {"seconds": 5.0}}}))
    df, s = pc.cost_table(out, "small", data, processes=2)
    t = df.set_index("item")
    assert t.loc["table1", ["records", "by_other_code", "records_core_s", "stages", "stages_core_s"]].tolist() == [3, 1, 70.0, 2, 120.0]
    assert t.loc["table1", "last_execution_s"] == 12.5 and pd_isna(t.loc["table2", "last_execution_s"])
    assert t.loc["table2", ["records", "records_core_s", "stages", "stages_core_s"]].tolist() == [1, 10.0, 1, 100.0]
    whole = t.loc["whole paper (each record and stage once)"]
    assert whole[["records", "by_other_code", "records_core_s", "stages", "stages_core_s"]].tolist() == [3, 1, 70.0, 2, 120.0]
    # (70 + 120) core-s in 2 workers, then 35 s of data collection
    assert s["packed_wall_s"] == (70.0 + 120.0) / 2 + 35.0 and s["by_method"] == {"BC": 20.0, "M3": 10.0, "MAPPO": 40.0}
    pc.main(["--scale", "small", "--out", str(out), "--data", str(data), "--target-hours", "6"])
    md = (out / "tables" / "paper_cost.md").read_text()
    assert "3 records, 70 core-s" in md and "at least 0.0 h" in md and "(met;" in md and "by other code than the current library: 1" in md


def pd_isna(x):
    import pandas as pd
    return bool(pd.isna(x))
