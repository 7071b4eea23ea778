"""The web app's one door into the simulator: cached energy, then the evaluation.

A page change (plant size, key, prices, finance) must answer in well under a second, so the
expensive, key-independent stages (weather, production, loads) run once per *energy signature*
and are kept in a small LRU cache; the rest (key, allocation, bills, eligibility, finance) runs on
every request. Production scales linearly with the plant size for a given roof layout (every
section scaled in proportion, no host load behind the meter), so a size change reuses the cached
production times ``new kWp / cached kWp`` -- the same rule as :mod:`greenkommon.sweep`.

This module is the only one of :mod:`greenkommon.web` that touches the pipeline: when the
portfolio contracts (``simulate_energy``/``evaluate``) land, only :func:`simulate` and
:func:`evaluate` change.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..pipeline import ScenarioResult
from ..scenario import Scenario

#: Top-level tables that never change weather, production or loads.
_CHEAP_TABLES = ("name", "description", "key", "prices", "finance", "optimise", "eligibility")
#: Venue fields that never change its load.
_CHEAP_VENUE_FIELDS = ("contract", "address", "latitude_deg", "longitude_deg", "meter_id")


@dataclass(frozen=True)
class Energy:
    """Weather, production and loads of one scenario (the key-independent stages).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Simulation grid.
    weather : pandas.DataFrame
        Hourly weather of the plant's site.
    weather_meta : dict
        Source and location of the weather.
    production_kwh : pandas.Series
        Energy injected by the plant per interval [kWh], for ``peak_power_kwp``.
    peak_power_kwp : float
        Plant size the production was simulated for [kWp].
    consumption_kwh : pandas.DataFrame
        Energy withdrawn per venue (columns) and interval [kWh].
    scalable : bool
        Whether the production is proportional to the plant size (no host load behind the meter).
    """

    index: pd.DatetimeIndex
    weather: pd.DataFrame
    weather_meta: dict[str, Any]
    production_kwh: pd.Series
    peak_power_kwp: float
    consumption_kwh: pd.DataFrame
    scalable: bool

    def resized(self, peak_power_kwp: float) -> Energy:
        """The same energy with the production of a plant of ``peak_power_kwp`` [kWp]."""
        if peak_power_kwp == self.peak_power_kwp:
            return self
        factor = float(peak_power_kwp) / self.peak_power_kwp
        return replace(
            self, production_kwh=self.production_kwh * factor, peak_power_kwp=peak_power_kwp
        )


def energy_signature(mapping: dict[str, Any], stamp: str = "") -> str:
    """A text that differs whenever weather, production shape or loads may differ.

    The plant's sections enter with their share of the total size, not their size, when the
    production is proportional to the size; ``stamp`` carries what the mapping cannot (the
    modification time of the files it was read from).
    """
    data = {k: v for k, v in mapping.items() if k not in _CHEAP_TABLES}
    plant = copy.deepcopy(data.get("plant", {}))
    if isinstance(plant, dict) and _scalable_plant(plant):
        sections = plant["sections"]
        total = sum(float(s["peak_power_kwp"]) for s in sections)
        for s in sections:
            s["peak_power_kwp"] = round(float(s["peak_power_kwp"]) / total, 12)
    data["plant"] = plant
    venues = data.get("venues")
    if isinstance(venues, list):
        data["venues"] = [
            {k: v for k, v in venue.items() if k not in _CHEAP_VENUE_FIELDS}
            if isinstance(venue, dict)
            else venue
            for venue in venues
        ]
    return stamp + json.dumps(data, sort_keys=True, default=str)


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
    from ..pipeline import simulate_energy

    index, weather_df, weather_meta, production_kwh, consumption_kwh = simulate_energy(scenario)
    plant = scenario.plant
    return Energy(
        index=index,
        weather=weather_df,
        weather_meta=dict(weather_meta),
        production_kwh=production_kwh,
        peak_power_kwp=float(plant.peak_power_kwp),
        consumption_kwh=consumption_kwh,
        scalable=not (plant.host_load_kw > 0 or plant.host_load_file is not None),
    )


def evaluate(scenario: Scenario, energy: Energy) -> ScenarioResult:
    """Key, allocation, bills, eligibility and finance of ``scenario`` on cached ``energy``.

    Equals :func:`greenkommon.pipeline.run_scenario` (``tests/test_web_engine.py`` checks it).

    TEMPORARY: the tail of ``run_scenario`` until ``greenkommon.evaluate(scenario, energy)``
    lands (issue 12); then this body becomes that one call.
    """
    from .. import allocation, economics, eligibility
    from ..pipeline import build_key

    production_kwh = energy.production_kwh
    consumption_kwh = energy.consumption_kwh[scenario.venue_names]
    index = energy.index
    key, optimiser_report = build_key(scenario.key, scenario, production_kwh, consumption_kwh)
    alloc = allocation.allocate(
        production_kwh.to_numpy(),
        consumption_kwh.to_numpy().T,
        key,
        floor_to_permille=scenario.key.floor_to_permille and scenario.key.type != "prorata",
    )
    names = scenario.venue_names
    allocated = pd.DataFrame(alloc.allocated_kwh.T, index=index, columns=names)
    grid_import = pd.DataFrame(alloc.grid_import_kwh.T, index=index, columns=names)
    surplus = pd.Series(alloc.surplus_kwh, index=index, name="surplus_kwh")
    bills = economics.compute_bills(
        consumption_kwh,
        allocated,
        surplus,
        [v.contract for v in scenario.venues],
        scenario.prices,
        scenario.plant.peak_power_kwp,
    )
    coefficients = getattr(key, "coefficients", None)
    if coefficients is not None and np.ndim(coefficients) != 1:
        coefficients = None
    extras: dict[str, Any] = {"eligibility": eligibility.check_eligibility(scenario)}
    if optimiser_report:
        extras["optimiser"] = optimiser_report
    result = ScenarioResult(
        scenario=scenario,
        index=index,
        weather=energy.weather,
        weather_meta=energy.weather_meta,
        production_kwh=production_kwh.rename("production_kwh"),
        consumption_kwh=consumption_kwh,
        coefficients=None if coefficients is None else np.asarray(coefficients, dtype=float),
        allocation=alloc,
        allocated_kwh=allocated,
        surplus_kwh=surplus,
        grid_import_kwh=grid_import,
        bills=bills,
        extras=extras,
    )
    extras["finance"] = economics.project_result(result)
    return result


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
        """The energy for ``scenario`` (simulated on a miss), sized to its plant."""
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
        if energy.scalable:
            return energy.resized(float(scenario.plant.peak_power_kwp))
        return energy
