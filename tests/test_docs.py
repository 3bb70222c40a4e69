"""The documentation site: the checker catches what it should (always), and the built site passes it in headless
Chromium (`make docs-check`: in CI, where CI=true, or with M3_DOCS_CHECK=1; elsewhere skipped, so that `make test`
installs neither Sphinx nor Chromium on a developer's machine)."""
import json, os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import build, check  # noqa: E402  (docs/build.py, docs/check.py)


def _page(path: Path, body: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><head><title>t</title></head><body>{body}</body></html>")


def test_link_check_finds_broken_links(tmp_path):
    _page(tmp_path / "index.html", '<a href="nbs/a.html#sec">ok</a> <a href="nbs/a.html#nope">bad id</a> '
          '<img src="missing.png"> <a href="https://example.org/x">external</a> <a href="#top">self</a>'
          '<h1 id="top">x</h1>')
    _page(tmp_path / "nbs" / "a.html", '<h2 id="sec">s</h2> <a href="../index.html">up</a> <a href="b.html">gone</a>')
    _page(tmp_path / "_static" / "macros.html", '<a href="{{ pathto(x) }}">a template, not a page</a>')
    errors, n_int, n_ext = check.link_errors(tmp_path)
    assert (n_int, n_ext) == (6, 1)  # index: a.html#sec, a.html#nope, missing.png, #top; a.html: ../index.html, b.html
    assert len(errors) == 3, errors
    assert any('no id "nope"' in e for e in errors)
    assert any(e.startswith("index.html: <img src=\"missing.png\">") for e in errors)
    assert any(e.startswith("nbs/a.html: <a href=\"b.html\">") for e in errors)


def _executed(d: Path, item: str, scale: str):
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{item}.ipynb").write_text(json.dumps({"cells": [], "metadata": {"papermill": {"parameters": {"scale": scale}}}}))


def test_results_dir_takes_the_largest_scale(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `make paper` first"): build.results_dir(tmp_path)
    _executed(tmp_path / "executed", "table1", "smoke"); _executed(tmp_path / "executed", "sanity", "small")
    assert build.results_dir(tmp_path) == (tmp_path, "smoke/small")        # flat layout: the scales papermill got
    _executed(tmp_path / "smoke" / "executed", "table1", "smoke")
    assert build.results_dir(tmp_path) == (tmp_path / "smoke", "smoke")
    _executed(tmp_path / "full" / "executed", "table1.ipynb.tmp", "full")  # a killed run's partial copy only
    assert build.results_dir(tmp_path) == (tmp_path / "smoke", "smoke")
    _executed(tmp_path / "small" / "executed", "table1", "small")
    assert build.results_dir(tmp_path) == (tmp_path / "small", "small")
    _executed(tmp_path / "small" / "executed", "table2.ipynb.tmp", "small")
    assert [p.name for p in build.executed(tmp_path / "small")] == ["table1.ipynb"]


def test_item_files_by_name_or_prefix():
    nb_text = 'write_table(df, out_dir, "mappo_budget", cap)  fig.savefig(figures / "mappo_3m_learning.png")'
    stems = ["mappo_3m_learning", "mappo_budget", "mappo_learning_extra", "sanity", "table1"]
    assert build.item_files(nb_text, "mappo_learning", stems) == ["mappo_3m_learning", "mappo_budget", "mappo_learning_extra"]


@pytest.mark.skipif(not (os.environ.get("CI") or os.environ.get("M3_DOCS_CHECK")),
                    reason="the site build and browser check run in CI (CI=true) or with M3_DOCS_CHECK=1 (make docs-check)")
def test_docs_site_in_chromium():
    r = subprocess.run(["make", "--no-print-directory", "docs-check"], cwd=ROOT, capture_output=True, text=True,
                       timeout=1800)
    print(r.stdout[-4000:])
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-6000:]
    assert "docs-check: OK" in r.stdout
    for name in check.SHOTS: assert (ROOT / "results" / "docs" / f"{name}.png").stat().st_size > 10_000


def test_readme_results_block_is_current():
    readme = (ROOT / "README.md").read_text()
    assert build.readme_with_results(readme, build.readme_results()) == readme, \
        "README.md's results block differs from results/: run `make readme` and commit README.md"


def test_readme_links_exist():
    import re
    readme = (ROOT / "README.md").read_text()
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", readme) if not re.match(r"[a-z]+:", t)]
    assert targets, "no relative links found"
    missing = [t for t in targets if t and not (ROOT / t).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"
