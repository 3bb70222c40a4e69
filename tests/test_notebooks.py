"""The notebooks are the tests. Gates run in order: nbdev-clean changes nothing, nbdev-export changes
nothing, then every notebook under nbs/ runs through nbdev's own runner (one pytest test per notebook).
Set M3_TEST_FLAGS="slow" (what `make test-slow` does) to run `#| slow` cells too."""
import os, shutil, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NBS = sorted(p for p in (ROOT / "nbs").rglob("*.ipynb")
             if not any(part.startswith((".", "_")) for part in p.relative_to(ROOT / "nbs").parts))
FLAGS = os.environ.get("M3_TEST_FLAGS", "")


def _snapshot(root: Path) -> dict:
    """Bytes of every notebook and library file under `root`."""
    files = [*(root / "nbs").rglob("*.ipynb"), *(root / "m3_nb").rglob("*.py")]
    return {str(p.relative_to(root)): p.read_bytes() for p in files if ".ipynb_checkpoints" not in p.parts}


def _copy_project(tmp_path: Path) -> Path:
    """A scratch copy of the project, so the gates never touch the working tree."""
    dst = tmp_path / "proj"
    dst.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists(): shutil.copy(ROOT / name, dst / name)
    ign = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(ROOT / "nbs", dst / "nbs", ignore=ign)
    shutil.copytree(ROOT / "m3_nb", dst / "m3_nb", ignore=ign)
    return dst


def _changed(before: dict, after: dict) -> list:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _assert_tool_changes_nothing(tmp_path, tool: str, what: str):
    "Run nbdev's `tool` on a scratch copy of the project and fail naming every file it changed."
    proj = _copy_project(tmp_path)
    before = _snapshot(proj)
    subprocess.run([BIN / tool], cwd=proj, check=True, capture_output=True)
    changed = _changed(before, _snapshot(proj))
    assert not changed, f"{tool} changed {changed}: {what}; run `make export` and commit"


def test_gate_1_nbdev_clean_changes_nothing(tmp_path):
    _assert_tool_changes_nothing(tmp_path, "nbdev-clean", "the notebooks are not clean")


def test_gate_2_nbdev_export_changes_nothing(tmp_path):
    _assert_tool_changes_nothing(tmp_path, "nbdev-export", "m3_nb/ is out of sync with nbs/")


@pytest.mark.parametrize("nb", NBS, ids=[str(p.relative_to(ROOT / "nbs")) for p in NBS])
def test_notebook(nb):
    cmd = [BIN / "nbdev-test", nb, "--n-workers", "0", "--do-print"]
    if FLAGS: cmd += ["--flags", FLAGS]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, f"{nb.name} failed under nbdev-test:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"


def test_paper_items_take_papermill_parameters():
    "Every paper item has one cell tagged `parameters` that sets `scale` and `out_dir`: without it papermill puts the values above the notebook's own defaults, which then override them (the item runs as its tiny test version under `make paper`)."
    import json
    bad = []
    for nb in sorted((ROOT / "nbs" / "paper").glob("*.ipynb")):
        cells = [c for c in json.loads(nb.read_text())["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        src = "".join(cells[0]["source"]) if len(cells) == 1 else ""
        if not ("scale =" in src and "out_dir =" in src): bad.append(f"{nb.name}: {len(cells)} cell(s) tagged 'parameters'")
    assert not bad, "paper items without one parameters cell setting scale and out_dir: " + "; ".join(bad)
