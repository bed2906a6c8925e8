"""Plugins: samplers and policies in shared libraries (written in Swift with SweepPluginKit, or in
any language against sweepkit.h), and samplers written in Python."""
import os
from typing import Any, Dict, List, Union

from . import _engine


def load_plugin(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """Loads a plugin library and registers its sampler or policy; returns {name, kind, abi_version,
    origin}. Sweep jobs submitted afterwards load it in their engine too. A bad library raises
    ValidationException with the reason (missing symbol, unsupported ABI version, invalid vtable,
    name taken)."""
    return _engine.plugin_load(os.path.abspath(os.fspath(path)))


def plugins() -> List[Dict[str, Any]]:
    """Every registered sampler and policy: built-in, from SWEEPKIT_PLUGIN_PATH, loaded, or Python."""
    return _engine.plugins()["plugins"]


def loaded_plugin_libraries() -> List[str]:
    """The plugin libraries this process loaded (absolute paths), for the sweep jobs it submits."""
    return sorted({p["origin"] for p in plugins() if os.path.isabs(p["origin"])})


def register_sampler(name: str, sampler: Any) -> None:
    """Registers a sampler written in Python for in-process sweeps (`sampling_algorithm=name`).

    `sampler` has `suggest(trial_number, dimension)` returning a point of the unit cube (a list of
    `dimension` floats in [0, 1], mapped through the search space like any sampler's) or None when
    exhausted, and optionally `observe(trial_number, point, state, value, maximize)`; or it is a
    factory called with the sweep's configuration dict ({"seed", "dimension", "search_space",
    "options"}) that returns such an object for each sweep. The engine calls it under the GIL.
    Sweep jobs run in a separate engine process and cannot use Python samplers."""
    shared = not isinstance(sampler, type) and hasattr(sampler, "suggest")
    _engine.register_sampler(name, (lambda config: sampler) if shared else sampler)
