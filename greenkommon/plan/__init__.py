"""``greenkommon plan``: which venues share which roof, what size, which key, at what price.

Entry point :func:`plan_scenario` (a scenario in, a :class:`PlanResult` out); the pure parts
are :mod:`.space` (eligible groupings), :mod:`.corridor` (internal-price corridor) and
:mod:`.rank` (best configurations); :mod:`.evaluate` is the adapter to the evaluation stages;
:mod:`.output` presents and writes a plan. The steps of :func:`plan_scenario` are
:mod:`.candidates` (roofs, search space, energy), :mod:`.pricing` (one grouping sized, keyed and
priced) and :mod:`.core` (ranking, cases); its results' dataclasses are in :mod:`.result`.
"""

from __future__ import annotations

from .config import PlanConfig, RoofConfig, read_plan_config
from .core import (
    Configuration,
    OperationOption,
    PlanResult,
    Rejection,
    VenueOutcome,
    plan_scenario,
    simulate_plan_energy,
    space_from_scenario,
)
from .corridor import Affine, Corridor, price_corridor

__all__ = [
    "Affine",
    "Configuration",
    "Corridor",
    "OperationOption",
    "PlanConfig",
    "PlanResult",
    "Rejection",
    "RoofConfig",
    "VenueOutcome",
    "plan_scenario",
    "price_corridor",
    "read_plan_config",
    "simulate_plan_energy",
    "space_from_scenario",
]
