"""Build the documentation site from the notebooks (what `make docs` runs): `python docs/build.py [--out _docs]`.

Sources are laid out under `<out>/src`, then Sphinx (myst-nb, sphinx-book-theme) writes the site to `<out>/html`:

- `docs/*.md` and `docs/conf.py`: the hand-written pages;
- `nbs/*.ipynb` as committed (prose, maths, code and tests; `#| hide` cells dropped as nbdev's own docs drop
  them). nbdev-clean commits them without outputs and the site does not execute them;
- the executed paper notebooks of the largest scale committed (`results/<scale>/executed/`, or the flat
  `results/executed/` of older checkouts), each followed by the tables and figures it wrote;
- generated pages: `results.md` (every table and figure of that scale), `cards.md` (dataset cards),
  `benchmarks.md` (committed benchmark records) and `api.md` (autodoc of every `m3_nb` module, in notebook order).

Nothing is executed or fetched: the build is offline and takes seconds once the docs dependencies are installed.
"""
from __future__ import annotations
import argparse, json, os, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from m3_nb.cmg import SCALES  # the scales, smallest first

DOCS = ROOT / "docs"
NBS = ROOT / "nbs"
RESULTS = ROOT / "results"


def executed(res: Path) -> list[Path]:
    "The executed paper notebooks under `res`/executed, without a killed run's partial copy (<item>.ipynb.tmp.ipynb, see the Makefile)."
    return sorted(p for p in (res / "executed").glob("*.ipynb") if not p.name.endswith(".tmp.ipynb"))


def results_dir(results: Path = RESULTS) -> tuple[Path, str]:
    "The results folder of the largest scale with executed paper notebooks, and its scale label."
    for scale in reversed(SCALES):
        d = results / scale
        if executed(d): return d, scale
    if executed(results):  # flat layout: the scale is the one papermill was given
        scales = {nb_scale(json.loads(p.read_text())) for p in executed(results)}
        scales.discard(None)
        return results, "/".join(sorted(scales, key=SCALES.index)) or "unknown scale"
    raise FileNotFoundError(f"no executed paper notebooks under {results}/<scale>/executed/ or {results}/executed/ "
                            f"(scales looked for: {', '.join(SCALES)}); run `make paper` first")


def _first_heading(nb: dict, default: str) -> str:
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            for line in "".join(c["source"]).splitlines():
                if line.startswith("# "): return line[2:].strip()
    return default


def _directives(cell: dict) -> list[str]:
    return [l.strip()[3:].strip() for l in "".join(cell["source"]).splitlines() if l.strip().startswith("#|")]


def library_notebook(src: Path, dst: Path) -> dict:
    "Copy a library notebook, dropping `#| hide` and `#| default_exp`-only cells (nbdev's docs show neither)."
    nb = json.loads(src.read_text())
    keep = []
    for c in nb["cells"]:
        d = _directives(c)
        if c["cell_type"] == "code" and any(x.split()[0] == "hide" for x in d if x): continue
        if c["cell_type"] == "code" and "".join(c["source"]).strip().startswith("#| default_exp") \
                and len("".join(c["source"]).strip().splitlines()) == 1: continue
        keep.append(c)
    # the title (`# ...` with its `> summary`) opens the page, before the exported imports that precede it
    title = next((i for i, c in enumerate(keep) if c["cell_type"] == "markdown"
                  and "".join(c["source"]).startswith("# ")), 0)
    nb["cells"] = [keep[title]] + keep[:title] + keep[title + 1:]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))
    return nb


def _md_cell(text: str) -> dict:
    import hashlib
    return {"cell_type": "markdown", "id": "docs-" + hashlib.sha1(text.encode()).hexdigest()[:12], "metadata": {},
            "source": text}


def nb_scale(nb: dict) -> str | None:
    "The scale papermill gave an executed paper notebook."
    return nb.get("metadata", {}).get("papermill", {}).get("parameters", {}).get("scale")


def _table_md(path: Path) -> str:
    "A table written by `m3_nb.io.write_table`: caption paragraph, blank line, pipe table."
    return path.read_text().strip()


def item_files(nb_text: str, item: str, stems: list[str]) -> list[str]:
    "The stems of tables/figures an item wrote: named in its notebook (source or outputs) or prefixed by its name."
    return [s for s in stems if s.startswith(item) or re.search(rf"\b{re.escape(s)}\b", nb_text)]


def paper_item(src: Path, dst: Path, res: Path) -> list[str]:
    "Copy an executed paper notebook and append the tables and figures it wrote; return the stems shown."
    text = src.read_text()
    nb = json.loads(text)
    scale = nb_scale(nb) or "unknown"
    tables = sorted(p.stem for p in (res / "tables").glob("*.md"))
    figures = sorted(p.stem for p in (res / "figures").glob("*.png"))
    t_shown, f_shown = item_files(text, src.stem, tables), item_files(text, src.stem, figures)
    cells = [_md_cell(f"## What this item wrote (scale {scale})\n\nCopied from `{res.relative_to(ROOT)}/` by the docs "
                      f"build; the notebook above is the executed copy `make paper` saved.")]
    for s in f_shown:
        cells.append(_md_cell(f"### Figure `{s}.png`\n\n![{s}](figures/{s}.png)"))
    for s in t_shown:
        cells.append(_md_cell(f"### Table `{s}`\n\n{_table_md(res / 'tables' / (s + '.md'))}"))
    if t_shown or f_shown: nb["cells"] += cells
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))
    return t_shown + f_shown


def results_page(res: Path, scale: str, out: Path) -> None:
    "Every table and figure of the chosen scale on one page."
    lines = [f"# Results (scale {scale})", "",
             f"Every table and figure under `{res.relative_to(ROOT)}/`, as written by `make paper` (nothing here is "
             f"typed by hand). Each caption names its scale, seeds and world.", ""]
    for p in sorted((res / "figures").glob("*.png")):
        shutil.copy2(p, out / "figures" / p.name)
        lines += [f"## Figure `{p.stem}`", "", f"![{p.stem}](figures/{p.name})", ""]
    for p in sorted((res / "tables").glob("*.md")):
        lines += [f"## Table `{p.stem}`", "", _table_md(p), ""]
    (out / "results.md").write_text("\n".join(lines))


def cards_page(res: Path, out: Path) -> bool:
    "The dataset cards (markdown + return histogram per map and quality), if any are committed."
    cards = res / "cards" if (res / "cards").is_dir() else RESULTS / "cards"
    mds = sorted(cards.glob("*.md"))
    if not mds: return False
    (out / "cards").mkdir(exist_ok=True)
    lines = ["# Dataset cards", "", f"One card per offline dataset, from `{cards.relative_to(ROOT)}/` "
             "(written by `nbs/paper/dataset_cards.ipynb`).", ""]
    for p in mds:
        for png in cards.glob(p.stem + "*.png"): shutil.copy2(png, out / "cards" / png.name)
        body = p.read_text().strip()
        body = re.sub(r"!\[([^\]]*)\]\(([^)/]+\.png)\)", r"![\1](cards/\2)", body)  # images sit in cards/
        body = re.sub(r"^# ", "## ", body, flags=re.M)
        lines += [body, ""]
    (out / "cards.md").write_text("\n".join(lines))
    return True


def benchmarks_page(out: Path) -> bool:
    "The committed benchmark records (speed and memory live in benchmarks, never in tests)."
    recs = sorted((RESULTS / "benchmarks").glob("*.md")) + sorted((RESULTS / "benchmarks").glob("*.json"))
    if not recs: return False
    lines = ["# Benchmarks", "", "Records written by `benchmarks/*.py --out`; each states the reference it was "
             "measured against in the same run.", ""]
    for p in recs:
        body = p.read_text().strip()
        lines += [f"## `{p.name}`", ""] + ([body] if p.suffix == ".md" else ["```json", body, "```"]) + [""]
    (out / "benchmarks.md").write_text("\n".join(lines))
    return True


def module_of(nb: Path) -> str | None:
    "The module a notebook exports to (`#| default_exp name`), or None."
    for c in json.loads(nb.read_text())["cells"]:
        m = re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(c["source"]), re.M)
        if m: return m.group(1)
    return None


def api_page(nbs: list[Path], out: Path) -> None:
    "Autodoc of every exported module, in notebook order, each linked to the notebook that defines it."
    lines = ["# API reference", "", "Signatures and docstrings of `m3_nb`, generated from the library by Sphinx autodoc. "
             "Each module is exported from a notebook (`make export`); the notebook holds the explanation and the tests.", ""]
    seen = set()
    for nb in nbs:
        mod = module_of(nb)
        if not mod: continue
        lines += [f"## `m3_nb.{mod}`", "", f"Defined in [{nb.stem}](nbs/{nb.stem}.ipynb).", "",
                  "```{eval-rst}", f".. automodule:: m3_nb.{mod}"]
        # a module that re-exports names of an earlier one (experiments re-exports ledger) documents only its own
        own = [n for n in _all_names(mod) if n not in seen]
        seen.update(own)
        lines += [f"   :members: {', '.join(own)}" if own else "   :no-members:", "```", ""]
    (out / "api.md").write_text("\n".join(lines))


def _all_names(mod: str) -> list[str]:
    "The names of `m3_nb.<mod>.__all__` that the module itself defines (read from its source, not imported)."
    import ast
    tree = ast.parse((ROOT / "m3_nb" / f"{mod}.py").read_text())
    own, names = set(), []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): own.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                own.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names = [ast.literal_eval(e) for e in node.value.elts]
    return [n for n in names if n in own]


def layout(out: Path) -> dict:
    "Lay out the Sphinx sources under `out`; return what went where."
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    for p in DOCS.glob("*.md"): shutil.copy2(p, out / p.name)
    shutil.copy2(DOCS / "conf.py", out / "conf.py")
    (out / "_static").mkdir()
    (out / "figures").mkdir()
    lib = sorted(NBS.glob("*.ipynb"))
    titles = {}
    for nb in lib: titles[nb.stem] = _first_heading(library_notebook(nb, out / "nbs" / nb.name), nb.stem)
    res, scale = results_dir()
    items = executed(res)
    (out / "paper" / "figures").mkdir(parents=True)
    for p in (res / "figures").glob("*.png"): shutil.copy2(p, out / "paper" / "figures" / p.name)
    shown = {p.stem: paper_item(p, out / "paper" / p.name, res) for p in items}
    results_page(res, scale, out)
    extra = ["results"] + (["cards"] if cards_page(res, out) else []) + (["benchmarks"] if benchmarks_page(out) else [])
    api_page(lib, out)
    toc = ["```{toctree}", ":caption: Library notebooks", ":maxdepth: 1", ""] + [f"nbs/{nb.stem}" for nb in lib] + ["```", "",
           "```{toctree}", f":caption: Paper items (scale {scale})", ":maxdepth: 1", ""] + [f"paper/{p.stem}" for p in items] + ["```", "",
           "```{toctree}", ":caption: Results and reference", ":maxdepth: 1", ""] + extra + ["api", "```", ""]
    index = (out / "index.md").read_text()
    (out / "index.md").write_text(index.replace("<!-- toctrees -->", "\n".join(toc)).replace("{{scale}}", scale)
                                  .replace("{{results}}", str(res.relative_to(ROOT))))
    return {"scale": scale, "results": res, "library": list(titles), "items": shown}


# The README's results section: these items, in this order, where present (a table's Markdown, else the figure's PNG).
HEADLINE = ("table1", "table1_orderings", "table2", "table2_orderings", "tableE", "fig3_ablations", "fig4_representations", "gap_decomposition",
            "sanity", "mappo_budget", "mappo_3m_learning", "dataset_returns")
README_BEGIN, README_END = "<!-- results:begin -->", "<!-- results:end -->"


def item_status(res: Path, scale: str, nbs: dict) -> list[str]:
    "A markdown table of every executed paper item under `res`: when its run ended, how long it took, and whether its inputs are still those of that run (`tools/item_keys.py`; data: as the committed dataset cards recorded it, not this checkout's data/)."
    sys.path.insert(0, str(ROOT / "tools"))
    try: from item_keys import reasons, committed_data
    finally: sys.path.pop(0)
    rows = ["| item | run ended (UTC) | took | inputs now (notebook, library, data, run records it read) |", "|:--|:--|--:|:--|"]
    data = committed_data(res)      # the data as the committed dataset cards describe it: the same table on every checkout
    for item, text in sorted(nbs.items()):
        pm = json.loads(text).get("metadata", {}).get("papermill", {})
        end, dur = str(pm.get("end_time") or "?")[:16].replace("T", " "), pm.get("duration")
        why = reasons(item, scale, res, data_now=data)
        rows.append(f"| `{item}` | {end} | {'?' if dur is None else f'{dur:,.0f} s'} | "
                    + ("as in that run" if not why else "**changed since**: " + "; ".join(why).replace("|", "/")) + " |")
    return rows


def readme_results(results: Path = RESULTS) -> str:
    "The README's results block: where each paper item stands, then the headline tables (inline) and figures of the largest committed scale, labelled."
    res, res_scale = results_dir(results)
    rel = res.relative_to(ROOT).as_posix() if res.is_relative_to(ROOT) else str(res)
    nbs = {p.stem: p.read_text() for p in executed(res)}
    out = [README_BEGIN, f"<!-- written by `make readme` (docs/build.py --readme) from {rel}/: never edit by hand -->", "",
           f"**Where each paper item of `{rel}/` stands** (`make paper-plan SCALE={res_scale}` says the same and what a rerun "
           "would cost; an item whose inputs changed since its run shows numbers of an earlier library, data or run record, "
           "and its caption names the code of its runs):", "", *item_status(res, res_scale, nbs), ""]
    for stem in HEADLINE:
        item = next((i for i, text in nbs.items() if item_files(text, i, [stem])), None)
        scale = nb_scale(json.loads(nbs[item])) if item else None
        md, png = res / "tables" / f"{stem}.md", res / "figures" / f"{stem}.png"
        src = f"paper item `{item}`, " if item else ""
        if md.exists():
            # a file without an executed notebook was written outside `make paper` (e.g. an interim table): its folder's
            # scale, and INTERIM in the heading when its caption says so
            table = _table_md(md)
            interim = ", **INTERIM: see caption**" if "INTERIM" in table.split("\n\n", 1)[0] else ""
            out += [f"**`{stem}`** ({src}scale **{scale or res_scale}**{interim}; [`{rel}/tables/{stem}.md`]({rel}/tables/{stem}.md))",
                    "", table, ""]
        elif png.exists():
            out += [f"**`{stem}`** ({src}scale **{scale or res_scale}**; `{rel}/figures/{stem}.png`)", "",
                    f"![{stem}]({rel}/figures/{stem}.png)", ""]
    return "\n".join(out + [README_END])


def readme_with_results(readme: str, block: str) -> str:
    "`readme` with its results block replaced by `block`."
    if README_BEGIN not in readme or README_END not in readme:
        raise ValueError(f"README.md has no {README_BEGIN} ... {README_END} block to fill")
    head, rest = readme.split(README_BEGIN, 1)
    return head + block + rest.split(README_END, 1)[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_docs"), help="build folder: <out>/src (sources), <out>/html (site)")
    ap.add_argument("--readme", action="store_true", help="only rewrite README.md's results block (make readme)")
    a = ap.parse_args(argv)
    if a.readme:
        from m3_nb.io import atomic_write
        new = readme_with_results((ROOT / "README.md").read_text(), readme_results())
        with atomic_write(ROOT / "README.md") as f: f.write(new)
        print("README.md: results block rewritten from", results_dir()[0].relative_to(ROOT)); return
    out = Path(a.out)
    if (out / "html").exists(): shutil.rmtree(out / "html")  # a clean build: no page survives from an older one
    info = layout(out / "src")
    print(f"docs: {len(info['library'])} library notebooks, {len(info['items'])} paper items "
          f"(scale {info['scale']}, from {info['results'].relative_to(ROOT)}/)")
    for item, stems in info["items"].items(): print(f"docs:   paper/{item}: {', '.join(stems) or 'no tables or figures matched'}")
    env = {**os.environ, "M3_DOCS_ROOT": str(ROOT), "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto", "-w", str(out / "warnings.txt"),
           str(out / "src"), str(out / "html")]
    r = subprocess.run(cmd, env=env)
    if r.returncode: sys.exit(f"sphinx-build failed ({r.returncode}); warnings in {out / 'warnings.txt'}")
    print(f"docs: site in {out / 'html'}/index.html (open it in a browser; `make docs-check` checks it in Chromium)")


if __name__ == "__main__":
    main()
