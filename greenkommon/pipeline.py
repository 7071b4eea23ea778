"""The orchestrator: wires the stages for one scenario and returns a typed result.

It holds no physics, rule or price of its own: each stage is a pure function of arrays and
frames; this module only converts the validated :class:`~greenkommon.scenario.Scenario` into
their arguments, in pipeline order::

    weather → production → consumption → allocation → economics (bills, then finance)

and checks eligibility (distance and power rules) on the way.

The key optimiser (``key.type = 'optimised'``) runs between consumption and allocation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from . import allocation, consumption, economics, eligibility, production, weather
from .errors import DataError, ScenarioError
from .scenario import KEY_TYPES, KeyConfig, Scenario
from .timegrid import check_on_grid, make_index, step_hours

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one scenario run produced.

    Attributes
    ----------
    scenario : Scenario
        The validated input.
    index : pandas.DatetimeIndex
        Simulation grid (interval-start labels, local time).
    weather : pandas.DataFrame
        Hourly weather (``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s]).
    weather_meta : dict
        Source and location of the weather.
    production_kwh : pandas.Series
        Energy injected by the plant per interval [kWh].
    consumption_kwh : pandas.DataFrame
        Energy withdrawn per venue (columns) and interval [kWh].
    coefficients : numpy.ndarray or None
        Static coefficients used (static / optimised keys) [-], venue order.
    allocation : allocation.Allocation
        Arrays of the allocation core (``allocated_kwh (N, T)``, ``surplus_kwh (T,)``, ...).
    allocated_kwh : pandas.DataFrame
        Production allocated to each venue (AUTOCONS) per interval [kWh].
    surplus_kwh : pandas.Series
        Production not allocated (SURPLUS) per interval [kWh].
    grid_import_kwh : pandas.DataFrame
        Energy each venue buys from its supplier (COMPLEMENT) per interval [kWh].
    bills : pandas.DataFrame
        One row per venue: ``bill_without_eur``, ``bill_with_eur``, ``savings_eur`` [€/yr] and
        the economics stage's breakdown.
    extras : dict
        Outputs of the later stages: ``'eligibility'``
        (:class:`~greenkommon.eligibility.EligibilityReport`), ``'finance'``
        (:class:`~greenkommon.economics.finance.FinanceResult`), ``'optimiser'`` (the optimiser's
        report, for ``key.type = 'optimised'``).
    """

    scenario: Scenario
    index: pd.DatetimeIndex
    weather: pd.DataFrame
    weather_meta: dict[str, Any]
    production_kwh: pd.Series
    consumption_kwh: pd.DataFrame
    coefficients: np.ndarray | None
    allocation: Any
    allocated_kwh: pd.DataFrame
    surplus_kwh: pd.Series
    grid_import_kwh: pd.DataFrame
    bills: pd.DataFrame
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def step_h(self) -> float:
        """Interval length [h]."""
        return step_hours(self.scenario.simulation.step)

    def venue_summary(self) -> pd.DataFrame:
        """Yearly energy and money per venue.

        Columns: ``consumption_kwh``, ``allocated_kwh``, ``grid_import_kwh`` [kWh/yr],
        ``self_sufficiency_pct`` [%], then the bill columns [€/yr].
        """
        cons = self.consumption_kwh.sum()
        alloc = self.allocated_kwh.sum()
        table = pd.DataFrame(
            {
                "consumption_kwh": cons,
                "allocated_kwh": alloc,
                "grid_import_kwh": self.grid_import_kwh.sum(),
                "self_sufficiency_pct": 100.0 * alloc / cons.where(cons > 0),
            }
        )
        table.index.name = "venue"
        return table.join(self.bills[["bill_without_eur", "bill_with_eur", "savings_eur"]])

    def collective_summary(self) -> dict[str, float]:
        """Yearly totals of the operation (energies [kWh/yr], rates [%], money [€/yr])."""
        production_kwh = float(self.production_kwh.sum())
        allocated_kwh = float(self.allocated_kwh.to_numpy().sum())
        consumption_kwh = float(self.consumption_kwh.to_numpy().sum())
        return {
            "peak_power_kwp": self.scenario.plant.peak_power_kwp,
            "production_kwh": production_kwh,
            "specific_yield_kwh_per_kwp": production_kwh / self.scenario.plant.peak_power_kwp,
            "consumption_kwh": consumption_kwh,
            "allocated_kwh": allocated_kwh,
            "surplus_kwh": float(self.surplus_kwh.sum()),
            "flooring_surplus_kwh": float(getattr(self.allocation, "flooring_surplus_kwh", 0.0)),
            "self_consumption_pct": 100.0 * allocated_kwh / production_kwh
            if production_kwh > 0
            else float("nan"),
            "self_sufficiency_pct": 100.0 * allocated_kwh / consumption_kwh
            if consumption_kwh > 0
            else float("nan"),
            "bill_without_eur": float(self.bills["bill_without_eur"].sum()),
            "bill_with_eur": float(self.bills["bill_with_eur"].sum()),
            "savings_eur": float(self.bills["savings_eur"].sum()),
        }


def simulate_energy(
    scenario: Scenario,
) -> tuple[pd.DatetimeIndex, pd.DataFrame, dict, pd.Series, pd.DataFrame]:
    """Run the physical stages: grid, weather, production and consumption.

    Returns
    -------
    index, weather, weather_meta, production_kwh, consumption_kwh
    """
    sim = scenario.simulation
    index = make_index(sim.year, sim.step, sim.timezone)
    plant = scenario.plant
    log.info("weather: %s", scenario.weather.source)
    weather_df, weather_meta = weather.load_weather(
        scenario.weather,
        plant.latitude_deg,
        plant.longitude_deg,
        plant.altitude_m,
        sim.year,
        sim.timezone,
    )
    log.info("production: %.0f kWp in %d section(s)", plant.peak_power_kwp, len(plant.sections))
    production_kwh = production.simulate_production(weather_df, plant, index)
    log.info("consumption: %d venue(s)", len(scenario.venues))
    consumption_kwh = consumption.build_consumption(
        [v.load for v in scenario.venues], scenario.venue_names, index, weather=weather_df
    )
    return index, weather_df, weather_meta, production_kwh, consumption_kwh


def build_key(
    key: KeyConfig, scenario: Scenario, production_kwh: pd.Series, consumption_kwh: pd.DataFrame
) -> tuple[Any, dict[str, Any]]:
    """Turn the ``[key]`` table into an allocation key of :mod:`greenkommon.allocation`.

    Returns
    -------
    key : allocation key object
    report : dict
        The optimiser's report for ``type = 'optimised'`` (empty otherwise).
    """
    names = scenario.venue_names
    if key.type == "prorata":
        return allocation.ProrataKey(), {}
    if key.type == "static":
        return allocation.StaticKey(np.asarray(key.coefficients, dtype=float)), {}
    if key.type == "redistributed":
        return allocation.RedistributedKey(np.asarray(key.coefficients, dtype=float)), {}
    if key.type == "priority":
        order = np.array([names.index(n) for n in key.priority_order or ()], dtype=np.int64)
        return allocation.PriorityKey(order), {}
    if key.type == "dynamic":
        assert key.coefficients_file is not None  # validated by the scenario
        coefficients = _dynamic_key_on_grid(key, names, consumption_kwh.index)
        return allocation.DynamicKey(coefficients), {}
    if key.type == "optimised":
        from . import optimise

        coefficients, report = optimise.optimised_key_coefficients(
            scenario, production_kwh.to_numpy(), consumption_kwh.to_numpy().T
        )
        coefficients = np.asarray(coefficients, dtype=float)
        if coefficients.ndim == 2:
            return allocation.DynamicKey(coefficients), report
        return allocation.StaticKey(coefficients), report
    raise ScenarioError(f"key.type = {key.type!r}: expected one of {', '.join(KEY_TYPES)}")


def _dynamic_key_on_grid(key: KeyConfig, names: list[str], index: pd.DatetimeIndex) -> np.ndarray:
    """Read a dynamic key file (``Horodate;<venue or meter>;...`` in %) onto the grid, (N, T)."""
    from .enedis import read_dynamic_key

    path = cast(Path, key.coefficients_file)  # KeyConfig requires it for dynamic keys
    frame = read_dynamic_key(path, step=index[1] - index[0], tz=str(index.tz))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no column for venue {missing[0]!r}; expected one column per venue: "
            f"{', '.join(map(repr, names))}"
        )
    check_on_grid(frame, index, str(path))
    return frame[names].to_numpy().T


def run_scenario(scenario: Scenario) -> ScenarioResult:
    """Simulate one scenario end to end.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`greenkommon.scenario.load_scenario`).

    Returns
    -------
    ScenarioResult
    """
    index, weather_df, weather_meta, production_kwh, consumption_kwh = simulate_energy(scenario)
    key, optimiser_report = build_key(scenario.key, scenario, production_kwh, consumption_kwh)
    log.info("allocation: %s key", scenario.key.type)
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
        coefficients = None  # dynamic keys: per-interval coefficients live in the allocation
    extras: dict[str, Any] = {"eligibility": eligibility.check_eligibility(scenario)}
    if optimiser_report:
        extras["optimiser"] = optimiser_report
    result = ScenarioResult(
        scenario=scenario,
        index=index,
        weather=weather_df,
        weather_meta=weather_meta,
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
