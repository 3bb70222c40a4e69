"""Tools outside the library: `tools/compare_records.py` (same run made twice, compared record by record)."""
import json, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import compare_records as cr
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
