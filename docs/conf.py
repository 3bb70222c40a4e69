# Sphinx configuration of the compendium's documentation site. `make docs` runs docs/build.py, which lays the
# sources out under _docs/src (this file, the pages in docs/, nbs/*.ipynb and the executed paper notebooks of the
# largest committed scale) and builds them into _docs/html. Nothing is fetched at build or view time: notebooks are
# not re-executed (nb_execution_mode "off") and MathJax is served from the site itself.
import os, shutil, sys
from importlib import resources
from pathlib import Path

ROOT = Path(os.environ.get("M3_DOCS_ROOT", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(ROOT))  # autodoc imports this checkout's m3_nb

project = "M3 compendium"
author = "M3 compendium developers"
copyright = "M3 compendium developers"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"           # the site shows the outputs committed with each notebook; it never trains
nb_merge_streams = True
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header", "misc.highlighting_failure"]

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "signature"
viewcode_follow_imported_members = False  # source pages for m3_nb only

html_theme = "sphinx_book_theme"
html_title = "M3 compendium"
html_static_path = ["_static"]
html_theme_options = {
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
}
html_last_updated_fmt = None
html_context = {"default_mode": "light"}  # an explicit mode: the theme logs an error for an empty one

# MathJax 3 from the django-static-mathjax wheel (pure PyPI), copied next to the pages: the site renders maths
# offline. Sphinx reads a non-URL mathjax_path relative to _static/.
_mj = resources.files("mathjax") / "static" / "mathjax" / "es5"
_dst = Path(__file__).parent / "_static" / "mathjax"
if not _dst.exists(): shutil.copytree(str(_mj), _dst)
mathjax_path = "mathjax/tex-mml-chtml.js"

# nbdev docstrings are Markdown (`code`, z_i, |x|); autodoc parses reStructuredText. Turn code spans into RST
# literals and escape RST's markup characters elsewhere, so a docstring reads as written.
import re as _re

def _md_docstring(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        parts, out = _re.split(r"(`[^`]+`)", line), []
        for j, p in enumerate(parts):
            if j % 2:  # a code span: an RST literal, set off by an escaped space where a word touches it
                pre = "\\ " if out and out[-1][-1:].isalnum() else ""
                post = "\\ " if j + 1 < len(parts) and parts[j + 1][:1].isalnum() else ""
                out.append(f"{pre}``{p[1:-1]}``{post}")
            else: out.append(_re.sub(r"([\\*|_])", r"\\\1", p))
        lines[i] = "".join(out)

def setup(app):
    app.connect("autodoc-process-docstring", _md_docstring)
