"""Which paper items' inputs changed since their last successful run, by content rather than by file times.

An executed paper item `results/<scale>/executed/<item>.ipynb` depends on its notebook `nbs/paper/<item>.ipynb`, on
the library `m3_nb/*.py` and on the offline data of its scale `data/<scale>/`. File times say little about those:
a fresh clone gives every file the time of the checkout (so an item made by older code looks current), `make data`
regenerates git-ignored data bit for bit after the clone (so every item looks stale), and `nbdev-export` rewrites
unchanged modules. So after each successful run `make` records the content of those inputs in
`results/<scale>/executed/.inputs/<item>.json` (committed with the executed notebook), and an item is remade when the
content now differs from that record:

- notebook: SHA-256 of `nbs/paper/<item>.ipynb`;
- library: SHA-256 over the names and bytes of `m3_nb/*.py`;
- data: the `<map>/<quality> -> checksum` list of `data/<scale>/manifest.json` (the checksums `m3_nb.collect`
  verifies before it keeps a file), compared only when both the record and the current folder have data (a notebook
  makes and checks its own data when the folder is empty, and the data is regenerated bit for bit).

- run records: the SHA-256 of each ledger record (`runs*/**/*.json` under `results/<scale>/`) the item's processes
  opened for reading during the run, as logged by `tools/read_log/sitecustomize.py` (the Makefile puts it on PYTHONPATH
  and names the log). A record that changed or vanished since makes the item stale (the runs were remade, on another
  machine, or by other code); a record added later does not, since the item never read it.

Outputs: `snapshot` also copies the item's output folders (`tables/`, `figures/`, `cards/` under `results/<scale>/`)
aside; `record` (success) drops the copy, and `restore` (the Makefile calls it when the run fails) puts back every
file there that the failed run changed and removes every file it added since its start, so a failed item leaves
results/ as they were, not half-written (one item at a time, as `make paper` runs them: a file another process wrote
meanwhile would be undone too; a run killed together with `make` is not undone, and its next run rewrites its files).

An item executed before this record existed has none and counts as changed; so does one whose record names no run
records at all (made before they were logged; one that read none has an empty list). The Makefile calls `changed` while it
reads itself, `snapshot` as a run starts and `record` after it succeeds (storing the snapshot: an input edited
while the item runs leaves it stale); `tools/paper_plan.py` calls `reasons` to say why an item is stale. Standard
library only: it runs before the venv exists.
"""
import argparse, hashlib, json, os, shutil, sys, tempfile
from pathlib import Path

ROOT = Path(".")


def _sha(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks: h.update(c)
    return h.hexdigest()[:16]


def data_content(manifest: Path) -> dict:
    "{'<map>/<quality>': checksum} of a data manifest; ValueError naming the file and the field when it is malformed."
    try: m = json.loads(manifest.read_text())
    except (OSError, ValueError) as e: raise ValueError(f"{manifest}: not a readable JSON data manifest ({e})") from e
    maps = m.get("maps") if isinstance(m, dict) else None
    if not isinstance(maps, dict): raise ValueError(f"{manifest}: field 'maps' should be an object, found {type(maps).__name__}")
    out = {}
    for name, entry in sorted(maps.items()):
        files = entry.get("files") if isinstance(entry, dict) else None
        if not isinstance(files, dict):
            raise ValueError(f"{manifest}: field 'maps/{name}/files' should be an object, found {type(files).__name__}")
        for q, f in sorted(files.items()):
            c = f.get("checksum") if isinstance(f, dict) else None
            if not isinstance(c, str) or not c:
                raise ValueError(f"{manifest}: field 'maps/{name}/files/{q}/checksum' should be a non-empty string, found {c!r}")
            out[f"{name}/{q}"] = c
    return out


def current_inputs(item: str, scale: str, root: Path = ROOT) -> dict:
    "The content of `item`'s inputs now: notebook and library hashes, and the data checksums (None without data)."
    nb = root / "nbs" / "paper" / f"{item}.ipynb"
    lib = sorted((root / "m3_nb").glob("*.py"))
    manifest = root / "data" / scale / "manifest.json"
    try: data = data_content(manifest) if manifest.exists() else None
    except ValueError as e: data = {"unreadable manifest": str(e)}     # differs from any record: the item reruns and says why
    return {"notebook": _sha(nb.read_bytes()) if nb.exists() else None,
            "library": _sha(*(f"{p.name}\0".encode() + p.read_bytes() + b"\0" for p in lib)),
            "data": data}


def key_path(out: Path, item: str) -> Path: return out / "executed" / ".inputs" / f"{item}.json"


def read_log_path(out: Path, item: str) -> Path:
    "Where the item's processes log the files they read during its run (`tools/read_log`); deleted once recorded."
    return out / "executed" / ".inputs" / f".{item}.reads"


def snapshot_path(out: Path, item: str) -> Path:
    "Where `snapshot` keeps the item's input content as its run starts; `record` stores that content, then deletes it."
    return out / "executed" / ".inputs" / f".{item}.start.json"


OUTPUT_DIRS = ("tables", "figures", "cards")     # what paper items write under results/<scale>/ (besides executed/)


def guard_path(out: Path, item: str) -> Path:
    "Where `snapshot` copies the output folders as the item's run starts; `record` deletes it, `restore` restores from it."
    return out / "executed" / ".inputs" / f".{item}.outputs"


def _outputs(out: Path) -> dict:
    "{relative path: Path} of every file in the output folders."
    return {f.relative_to(out).as_posix(): f for d in OUTPUT_DIRS if (out / d).is_dir() for f in sorted((out / d).rglob("*")) if f.is_file()}


def guard_outputs(out: Path, item: str) -> Path:
    "Copy the output folders aside (a fresh copy; the start time is the copy's own)."
    g = guard_path(out, item)
    shutil.rmtree(g, ignore_errors=True)
    for rel, f in _outputs(out).items():
        (g / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, g / rel)
    g.mkdir(parents=True, exist_ok=True)
    (g / ".started").write_text("")
    return g


def restore(item: str, out: Path) -> list:
    "Undo a failed run's writes to the output folders: changed files back from the copy, files added since its start removed; the list of what was done."
    g = guard_path(out, item)
    if not (g / ".started").exists(): return []
    started, done = (g / ".started").stat().st_mtime, []
    for rel, f in _outputs(out).items():
        kept = g / rel
        if kept.is_file():
            if kept.read_bytes() != f.read_bytes(): shutil.copy2(kept, f); done.append(f"restored {rel}")
        elif f.stat().st_mtime >= started: f.unlink(); done.append(f"removed {rel} (new)")
    for rel in _outputs(g):
        if not (out / rel).exists(): (out / rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(g / rel, out / rel); done.append(f"restored {rel} (deleted)")
    shutil.rmtree(g, ignore_errors=True)
    return done


def _write_atomic(path: Path, obj: dict):
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as f: f.write(json.dumps(obj, indent=1, sort_keys=True) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def snapshot(item: str, scale: str, out: Path, root: Path = ROOT) -> Path:
    "Keep `item`'s input content as its run starts: a notebook or library edited while it runs must leave the item stale."
    sp = snapshot_path(out, item)
    sp.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(sp, current_inputs(item, scale, root))
    guard_outputs(out, item)
    return sp


def _is_record(rel: Path) -> bool: return len(rel.parts) >= 2 and rel.parts[0].startswith("runs") and rel.suffix == ".json"


def records_read(out: Path, log: Path) -> dict | None:
    "{'runs.../<file>.json': SHA-256} of the run records named in the read log `log` that still exist; None without a log."
    if not log.exists(): return None
    base, found = out.resolve(), {}
    for line in sorted(set(log.read_text().splitlines())):
        p = Path(line)
        try: rel = p.relative_to(base)
        except ValueError: continue
        if _is_record(rel) and p.is_file(): found[rel.as_posix()] = _sha(p.read_bytes())
    return found


def reasons(item: str, scale: str, out: Path, root: Path = ROOT, data_now: dict | None = None) -> list:
    """Why `item`'s last run is not current ([] when its recorded inputs equal today's; nothing when it never ran).
    `data_now`: the data checksums to compare with instead of this checkout's data/<scale>/ (`committed_data`)."""
    if not (out / "executed" / f"{item}.ipynb").exists(): return []
    kp = key_path(out, item)
    try: rec = json.loads(kp.read_text())
    except OSError: return [f"no record of the inputs of its last run (executed/.inputs/{item}.json)"]
    except ValueError: return [f"its input record executed/.inputs/{item}.json is not JSON"]
    now = current_inputs(item, scale, root)
    if data_now is not None: now["data"] = data_now
    why = []
    if rec.get("notebook") != now["notebook"]: why.append(f"notebook nbs/paper/{item}.ipynb changed")
    if rec.get("library") != now["library"]: why.append("library m3_nb/ changed")
    old, new = rec.get("data"), now["data"]
    if old is not None and new is not None and old != new:
        diff = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        why.append(f"data/{scale} content changed ({', '.join(diff[:4])}{f' +{len(diff) - 4} more' if len(diff) > 4 else ''})")
    read = rec.get("records")
    if read is None: why.append("the run records its last run read were not logged (made before they were)")
    elif isinstance(read, dict):
        gone = sorted(k for k in read if not (out / k).is_file())
        changed = sorted(k for k in read if k not in gone and _sha((out / k).read_bytes()) != read[k])
        for what, ks in (("changed", changed), ("gone", gone)):
            if ks: why.append(f"{len(ks)} of the {len(read)} run records it read {what} ({', '.join(ks[:3])}{f' +{len(ks) - 3} more' if len(ks) > 3 else ''})")
    return why


def committed_data(out: Path, item: str = "dataset_cards") -> dict | None:
    """The data checksums `item` (the dataset cards) recorded at its last run: the committed view of data/<scale>/, the
    same on every checkout (a fresh clone has no data/; this one's may differ until `make data`). None if not recorded."""
    try: return json.loads(key_path(out, item).read_text()).get("data")
    except (OSError, ValueError): return None


def record(item: str, scale: str, out: Path, root: Path = ROOT) -> Path:
    "Store `item`'s inputs as the record of its last successful run (atomically): notebook and library as its run started (its `snapshot`; without one, as now), data as now, and the run records it read (if logged)."
    kp, log, sp = key_path(out, item), read_log_path(out, item), snapshot_path(out, item)
    kp.parent.mkdir(parents=True, exist_ok=True)
    keys = current_inputs(item, scale, root)
    try: start = json.loads(sp.read_text())
    except (OSError, ValueError): start = {}
    # notebook and library as the run started (a kernel reads them then); data as it ended (an item may make its own)
    keys.update({k: start[k] for k in ("notebook", "library") if k in start})
    read = records_read(out, log)
    if read is not None: keys["records"] = read
    _write_atomic(kp, keys)
    log.unlink(missing_ok=True)
    sp.unlink(missing_ok=True)
    shutil.rmtree(guard_path(out, item), ignore_errors=True)
    return kp


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/item_keys.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["changed", "snapshot", "record", "restore", "reasons"],
                    help="changed: print the items whose inputs changed; snapshot: keep an item's inputs (and a copy of the "
                         "output folders) as its run starts; record: store them after its run; restore: undo a failed run's "
                         "writes to the output folders; reasons: say why, per item")
    ap.add_argument("items", nargs="*")
    ap.add_argument("--scale", required=True)
    ap.add_argument("--out", required=True, help="results/<scale>")
    a = ap.parse_intermixed_args(argv)
    out = Path(a.out)
    if a.command == "changed": print(" ".join(i for i in a.items if reasons(i, a.scale, out)))
    elif a.command == "snapshot":
        for i in a.items: snapshot(i, a.scale, out)
    elif a.command == "record":
        for i in a.items: record(i, a.scale, out)
    elif a.command == "restore":
        for i in a.items:
            done = restore(i, out)
            print(f"== {i}: its failed run's writes undone in {out}/: " + ("; ".join(done) if done else "none"), file=sys.stderr)
    else:
        for i in a.items: print(f"{i}: {'; '.join(reasons(i, a.scale, out)) or 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
