__version__ = "0.0.1"

# The entry points a user needs first, importable from the package itself (`from m3_nb import make_env`). Each is
# imported from its module on first use, so `import m3_nb` stays light (no torch or jax until one is asked for).
# Everything else lives in the submodules, one per notebook (README, "Using the library").
_ENTRY_POINTS = {
    "get_task": "cmg", "known_tasks": "cmg", "get_task_set": "cmg",         # the paper's maps and task sets
    "budget": "scales",                                                        # smoke / small / full budgets
    "make_env": "envs", "SMACStyleEnv": "envs",                                # SMAX maps, batched; SMAC's API on one
    "MAPPOConfig": "mappo_train", "make_train": "mappo_train",                 # MAPPO: make_train(config) -> train(seed)
    "write_dataset": "data", "validate_file": "data", "read_dataset": "data", "WindowDataset": "data",
    "import_pymarl_h5": "importers", "import_madt": "importers",               # your own ODIS/PyMARL or MADT data
    "collect_all": "collect",                                                  # `make data`
    "M3Config": "m3", "M3Model": "m3", "load_m3": "m3",                        # the model
    "PretrainConfig": "pretrain", "pretrain_files": "pretrain",                # offline pre-training (Eqs 3-6)
    "FinetuneConfig": "finetune",  # fine-tuning (Eq 7): the function is m3_nb.finetune.finetune (a name the package
}                                  # cannot hold: importing the submodule m3_nb.finetune binds that name to it)

def __getattr__(name):
    if name in _ENTRY_POINTS:
        from importlib import import_module
        return getattr(import_module(f"{__name__}.{_ENTRY_POINTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}; entry points: {', '.join(_ENTRY_POINTS)} "
                         f"(everything else is in the submodules, e.g. m3_nb.envs)")

def __dir__(): return sorted([*globals(), *_ENTRY_POINTS])
