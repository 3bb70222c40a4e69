"""`import m3_nb` offers the entry points the README names, each the object its submodule defines, and stays light."""
import subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_entry_points_are_the_submodules_objects():
    import importlib, m3_nb
    for name, mod in m3_nb._ENTRY_POINTS.items():
        assert getattr(m3_nb, name) is getattr(importlib.import_module(f"m3_nb.{mod}"), name), name
        assert name in dir(m3_nb)
    with pytest.raises(AttributeError, match="entry points: get_task"): m3_nb.no_such_thing


def test_import_is_light():
    code = "import sys, m3_nb; print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.stdout.strip() == "[]", r.stdout
