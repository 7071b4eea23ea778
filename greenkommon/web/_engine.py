"""The web app's one door into the simulator: cached energy, then the evaluation.

A page change (plant size, key, prices, finance) must answer in well under a second, so the
expensive, key-independent stages (weather, production, loads) run once per *energy signature*
and are kept in a small LRU cache; the rest (key, allocation, bills, eligibility, finance) runs on
every request. Production scales linearly with the plant size for a given roof layout (every
section scaled in proportion, no host load behind the meter), so a size change reuses the cached
production times ``new kWp / cached kWp`` -- the same rule as :mod:`greenkommon.sweep`.

This module is the only one of :mod:`greenkommon.web` that calls the evaluation stages
(:func:`greenkommon.simulate_energy`, :func:`greenkommon.evaluate`).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..config.scenario import Scenario
    from ..results import EnergyResult, PortfolioResult

#: Top-level tables that never change weather, production or loads.
_CHEAP_TABLES = ("name", "description", "key", "prices", "finance", "optimise", "eligibility")
#: Venue fields that never change its load.
_CHEAP_VENUE_FIELDS = ("contract", "address", "latitude_deg", "longitude_deg", "meter_id")


@dataclass(frozen=True)
class Energy:
    """A cached :class:`~greenkommon.results.EnergyResult` and the plant sizes it was simulated for.

    Attributes
    ----------
    result : EnergyResult
        Weather, production per shared plant, own roofs, gross loads.
    peak_power_kwp : mapping of str to float
        Size of each shared plant the production was simulated for [kWp].
    scalable : frozenset of str
        Plants whose production is proportional to their size (no host load behind the meter).
    """

    result: EnergyResult
    peak_power_kwp: Mapping[str, float]
    scalable: frozenset[str]

    def for_scenario(self, scenario: Scenario) -> EnergyResult:
        """The energy with each scalable plant resized to its size in ``scenario``."""
        factors = {
            p.name: float(p.peak_power_kwp) / self.peak_power_kwp[p.name]
            for p in scenario.plants
            if p.name in self.scalable and p.peak_power_kwp != self.peak_power_kwp[p.name]
        }
        return self.result.scaled(factors) if factors else self.result


def energy_signature(mapping: dict[str, Any], stamp: str = "") -> str:
    """A text that differs whenever weather, production shape or loads may differ.

    A shared plant's sections enter with their share of the plant's size, not their size, when
    its production is proportional to the size; ``stamp`` carries what the mapping cannot (the
    modification time of the files it was read from).
    """
    data = {k: v for k, v in mapping.items() if k not in _CHEAP_TABLES}
    if isinstance(data.get("plant"), dict):
        data["plant"] = _normalised(data["plant"])
    if isinstance(data.get("plants"), list):
        data["plants"] = [_normalised(p) if isinstance(p, dict) else p for p in data["plants"]]
    venues = data.get("venues")
    if isinstance(venues, list):
        data["venues"] = [
            {k: v for k, v in venue.items() if k not in _CHEAP_VENUE_FIELDS}
            if isinstance(venue, dict)
            else venue
            for venue in venues
        ]
    return stamp + json.dumps(data, sort_keys=True, default=str)


def _normalised(plant: dict[str, Any]) -> dict[str, Any]:
    """The plant with section sizes as shares of its size, when its production scales."""
    if not _scalable_plant(plant):
        return plant
    plant = copy.deepcopy(plant)
    sections = plant["sections"]
    total = sum(float(s["peak_power_kwp"]) for s in sections)
    for s in sections:
        s["peak_power_kwp"] = round(float(s["peak_power_kwp"]) / total, 12)
    return plant


def _scalable_plant(plant: dict[str, Any]) -> bool:
    sections = plant.get("sections")
    if not isinstance(sections, list) or not sections:
        return False
    if plant.get("host_load_kw") or plant.get("host_load_file"):
        return False
    try:
        return sum(float(s["peak_power_kwp"]) for s in sections) > 0
    except (KeyError, TypeError, ValueError):
        return False


def simulate(scenario: Scenario) -> Energy:
    """Weather, production and loads of ``scenario`` (the expensive stages)."""
    from ..energy import simulate_energy

    return Energy(
        result=simulate_energy(scenario),
        peak_power_kwp=MappingProxyType({p.name: float(p.peak_power_kwp) for p in scenario.plants}),
        scalable=frozenset(
            p.name for p in scenario.plants if not (p.host_load_kw > 0 or p.host_load_file)
        ),
    )


def evaluate(scenario: Scenario, energy: Energy) -> PortfolioResult:
    """Keys, allocation, bills, eligibility and finance of ``scenario`` on cached ``energy``:
    :func:`greenkommon.evaluate.evaluate`, the evaluation every command uses."""
    from ..evaluate import evaluate as evaluate_portfolio

    return evaluate_portfolio(scenario, energy.for_scenario(scenario))


class EnergyCache:
    """A thread-safe LRU cache of :class:`Energy` by :func:`energy_signature`.

    The one piece of state the server shares between users: it holds physics, not settings.
    """

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[str, Energy] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, signature: str, scenario: Scenario) -> Energy:
        """The energy for ``scenario`` (simulated on a miss)."""
        with self._lock:
            energy = self._items.get(signature)
            if energy is not None:
                self._items.move_to_end(signature)
        if energy is None:
            energy = simulate(scenario)
            with self._lock:
                self.misses += 1
                self._items[signature] = energy
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return energy
