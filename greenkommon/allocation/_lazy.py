"""The package's numba modules, loaded on first use.

Importing numba costs ~0.1 s and a single-scenario allocation runs in numpy in a process where
numba has not started (:func:`greenkommon.allocation._checks.numba_running`), so a `greenkommon
run` never needs it: ``_kernels`` and ``_checked`` are bound at import as lazy modules
(:class:`importlib.util.LazyLoader`, the standard library's recipe) whose code, and numba's,
runs on the first attribute read.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object that executes on its first attribute access (the module
    itself if it is already imported)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - our own modules
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
