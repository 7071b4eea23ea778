"""greenkommon: simulator of French collective self-consumption (ACC) operations.

A scenario is a portfolio of ACC operations (:mod:`greenkommon.config`). Two stages evaluate it:
:func:`simulate_energy` (weather, production, loads: the expensive, key-independent part) and
:func:`evaluate` (keys, allocation, bills, eligibility, finance: cheap, typed results per
operation and per venue). In a notebook::

    import greenkommon as gk
    scenario = gk.read_scenario("scenarios/portfolio.toml")
    energy = gk.simulate_energy(scenario)
    result = gk.evaluate(scenario, energy)
    result.venues_frame()

Importing the package is light: the entry points load their stages on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from .errors import (
    DataError,
    GreenkommonError,
    GreenkommonWarning,
    OptimisationError,
    ScenarioError,
)

if TYPE_CHECKING:  # pragma: no cover
    from .config import Scenario, load_scenario, read_scenario
    from .energy import simulate_energy
    from .evaluate import evaluate, resize_plants, run_scenario
    from .results import (
        CollectiveResult,
        EnergyResult,
        OperationResult,
        OptimiserReport,
        PortfolioResult,
        VenueResult,
    )

__version__ = "0.1.0"

#: Public name → module that defines it (imported on first access).
_LAZY = {
    "Scenario": "config",
    "read_scenario": "config",
    "load_scenario": "config",
    "simulate_energy": "energy",
    "evaluate": "evaluate",
    "resize_plants": "evaluate",
    "run_scenario": "evaluate",
    "CollectiveResult": "results",
    "EnergyResult": "results",
    "OperationResult": "results",
    "OptimiserReport": "results",
    "PortfolioResult": "results",
    "VenueResult": "results",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # a stage module reached as an attribute (greenkommon.allocation): import it now
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"):
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module 'greenkommon' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CollectiveResult",
    "DataError",
    "EnergyResult",
    "GreenkommonError",
    "GreenkommonWarning",
    "OperationResult",
    "OptimisationError",
    "OptimiserReport",
    "PortfolioResult",
    "Scenario",
    "ScenarioError",
    "VenueResult",
    "__version__",
    "evaluate",
    "load_scenario",
    "read_scenario",
    "resize_plants",
    "run_scenario",
    "simulate_energy",
]
