"""Check the built site in a real browser (what `make docs-check` runs): `python docs/check.py [--site _docs/html]`.

1. Link check, without a browser: every `href`/`src` of every page that points inside the site must name a file
   that exists, and a `#fragment` must name an `id` on the target page. Links that leave the site are counted, not
   fetched (the machines that build this have no network).
2. Every page is opened in headless Chromium (Debian's `chromium` driven through Debian's `chromedriver`, served
   from 127.0.0.1): the page must have a title and a non-empty main article, every `<img>` must have loaded, pages
   with maths must have typeset it (MathJax containers present), and the browser log must hold no error
   (a JavaScript exception or a resource that failed to load is logged as SEVERE).
3. Screenshots of the index, one library notebook page and one paper-item page go to `--shots` (results/docs/).

Exits non-zero with a list of every failure.
"""
from __future__ import annotations
import argparse, functools, http.server, os, sys, threading, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000"]
# name -> (page, CSS selector of the element scrolled into view before the screenshot, or None for the top)
SHOTS = {"index": ("index.html", None), "notebook": ("nbs/05_pretrain.html", "#the-losses"),
         "paper_item": ("paper/mappo_learning.html", "article img")}


class _Refs(HTMLParser):
    "The ids a page defines and the (tag, attribute, url) it refers to."
    def __init__(self):
        super().__init__(); self.ids, self.refs = set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"): self.ids.add(a["id"])
        if tag == "a" and a.get("name"): self.ids.add(a["name"])
        for k in ("href", "src"):
            if a.get(k) is not None and not (tag == "link" and a.get("rel") in ("preconnect", "dns-prefetch")):
                self.refs.append((tag, k, a[k]))


@functools.lru_cache(maxsize=None)
def parse(page: Path) -> _Refs:
    p = _Refs(); p.feed(page.read_text(errors="replace")); return p


def site_pages(site: Path) -> list[Path]:
    "Every HTML page of the site (`_static/` holds the theme's assets, among them Jinja macro files, not pages)."
    return [p for p in sorted(site.rglob("*.html")) if p.relative_to(site).parts[0] != "_static"]


def link_errors(site: Path) -> tuple[list[str], int, int]:
    "Broken internal links of every page under `site`: (errors, internal links checked, external links seen)."
    errors, n_int, n_ext = [], 0, 0
    for page in site_pages(site):
        for tag, attr, url in parse(page).refs:
            u = urlsplit(url)
            if u.scheme or u.netloc or url.startswith(("mailto:", "javascript:", "data:")):
                n_ext += 1; continue
            n_int += 1
            target = page if not u.path else (page.parent / unquote(u.path)).resolve()
            if u.path.endswith("/") or (target.is_dir() and not u.fragment): target = target / "index.html"
            where = f"{page.relative_to(site)}: <{tag} {attr}=\"{url}\">"
            if not target.exists(): errors.append(f"{where} -> missing file {target}"); continue
            if u.fragment and target.suffix == ".html" and unquote(u.fragment) not in parse(target).ids:
                errors.append(f"{where} -> no id \"{unquote(u.fragment)}\" in {target.relative_to(site)}")
    return errors, n_int, n_ext


def serve(site: Path):
    "A quiet HTTP server for `site` on 127.0.0.1 (any free port), in a daemon thread."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def browser(chromium: str, driver: str, profile: Path):
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not try to download a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = chromium
    for f in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]: o.add_argument(f)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=o)


_PAGE_STATE = """
const art = document.querySelector('article, main, [role=main]');
return {title: document.title, text: art ? art.innerText.trim().length : 0,
        imgs: Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]),
        math: document.querySelectorAll('.math, .MathJax, mjx-container').length,
        typeset: document.querySelectorAll('mjx-container').length,
        ready: document.readyState};
"""


def page_errors(drv, base: str, rel: str, wait_math: float = 10.0) -> list[str]:
    "Open one page and return what is wrong with it."
    drv.get(f"{base}/{rel}")
    t0 = time.time()
    while True:
        st = drv.execute_script(_PAGE_STATE)
        # maths: wait until MathJax has typeset something (it runs after load)
        if st["ready"] == "complete" and (st["math"] == 0 or st["typeset"] > 0 or time.time() - t0 > wait_math): break
        if time.time() - t0 > wait_math + 5: break
        time.sleep(0.1)
    errs = []
    if st["ready"] != "complete": errs.append("did not finish loading")
    if not st["title"]: errs.append("no <title>")
    if st["text"] < 20: errs.append(f"main article is (nearly) empty ({st['text']} characters)")
    errs += [f"image not loaded: {src}" for src, ok in st["imgs"] if not ok]
    if st["math"] and not st["typeset"]: errs.append(f"{st['math']} maths elements but MathJax typeset none")
    # Chromium asks every new origin for /favicon.ico by itself; the site declares no icon, so that 404 is no fault
    errs += [f"browser log {e['level']}: {e['message']}" for e in drv.get_log("browser")
             if e["level"] == "SEVERE" and not ("/favicon.ico " in e["message"] and "404" in e["message"])]
    return [f"{rel}: {e}" for e in errs]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(ROOT / "_docs" / "html"))
    ap.add_argument("--shots", default=str(ROOT / "results" / "docs"), help="folder for the three screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--driver", default="/usr/bin/chromedriver")
    a = ap.parse_args(argv)
    site = Path(a.site)
    if not (site / "index.html").exists(): sys.exit(f"no site at {site}/index.html: run `make docs` first")
    for exe in (a.chromium, a.driver):
        if not Path(exe).exists(): sys.exit(f"{exe} not found: install Debian's chromium and chromium-driver "
                                            "(`make docs-check` does, as root)")
    errors, n_int, n_ext = link_errors(site)
    pages = [p.relative_to(site).as_posix() for p in site_pages(site)]
    print(f"docs-check: {len(pages)} pages, {n_int} internal links and images checked "
          f"({len(errors)} broken), {n_ext} external links not fetched")
    import tempfile
    srv = serve(site)
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    shots = Path(a.shots); shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        drv = browser(a.chromium, a.driver, Path(profile))
        try:
            print(f"docs-check: {drv.capabilities.get('browserName')} {drv.capabilities.get('browserVersion')}")
            for rel in pages: errors += page_errors(drv, base, rel)
            for name, (rel, sel) in SHOTS.items():
                errors += page_errors(drv, base, rel)
                if sel and not drv.execute_script(
                        "const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView(); return !!e;", sel):
                    errors.append(f"{rel}: nothing matches {sel!r} for the {name} screenshot")
                time.sleep(0.3)
                tmp = shots / f".{name}.tmp.png"
                drv.save_screenshot(str(tmp)); os.replace(tmp, shots / f"{name}.png")
        finally:
            drv.quit(); srv.shutdown()
    print(f"docs-check: {len(pages)} pages opened in Chromium; screenshots in {shots}/ ({', '.join(SHOTS)})")
    if errors:
        print("\n".join(errors)); sys.exit(f"docs-check: {len(errors)} problem(s)")
    print("docs-check: OK")


if __name__ == "__main__":
    main()
