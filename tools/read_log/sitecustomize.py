"""Which files a paper item reads, for `tools/item_keys.py` (loaded at start-up through PYTHONPATH by every Python process
`make` runs for an item: papermill, the notebook's kernel and the kernel's worker processes).

When the environment names M3_READ_LOG (a file) and M3_READ_ROOT (a folder), every `.json` file under the root that the
process opens for reading is appended to the log, one absolute path per line (an O_APPEND write of one short line, so
concurrent processes do not interleave). Nothing else is changed; without the two variables this module does nothing.
A sitecustomize found later on sys.path (a distribution's) is still run.
"""
import os, sys

_LOG, _ROOT = os.environ.get("M3_READ_LOG"), os.environ.get("M3_READ_ROOT")

if _LOG and _ROOT:
    import threading
    _root = os.path.realpath(_ROOT) + os.sep
    _local = threading.local()

    def _reading(mode, flags) -> bool:
        if isinstance(mode, str): return not any(c in mode for c in "wax+")
        return isinstance(flags, int) and (flags & os.O_ACCMODE) == os.O_RDONLY

    def _hook(event, args):
        if event != "open" or getattr(_local, "busy", False): return
        path = args[0]
        if isinstance(path, os.PathLike): path = os.fspath(path)
        if isinstance(path, bytes): path = os.fsdecode(path)
        if not isinstance(path, str) or not path.endswith(".json") or not _reading(args[1], args[2] if len(args) > 2 else None): return
        _local.busy = True
        try:
            full = os.path.realpath(path)
            if full.startswith(_root):
                fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try: os.write(fd, (full + "\n").encode())
                finally: os.close(fd)
        except OSError: pass                      # a read log that cannot be written must never break the item
        finally: _local.busy = False

    sys.addaudithook(_hook)

# run the sitecustomize this one shadows, if there is one
import importlib.machinery as _mach, importlib.util as _util
_here = os.path.dirname(os.path.abspath(__file__))
_spec = _mach.PathFinder.find_spec("sitecustomize", [p for p in sys.path if os.path.abspath(p or ".") != _here])
if _spec is not None and _spec.loader is not None:
    _mod = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
