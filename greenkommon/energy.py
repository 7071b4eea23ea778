"""The physical stages of a scenario: weather, production per plant, loads per venue.

:func:`simulate_energy` is the expensive, key-independent half of an evaluation (pvlib runs,
synthetic weather and loads, file readers); :func:`greenkommon.evaluate.evaluate` is the cheap
half. Keep an :class:`~greenkommon.results.EnergyResult` and evaluate it as often as needed
(other keys, prices, internal prices; other plant sizes with
:meth:`~greenkommon.results.EnergyResult.scaled`).
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from .results import EnergyResult

if TYPE_CHECKING:  # pragma: no cover
    from .config.plant import PlantConfig
    from .config.scenario import Scenario

log = logging.getLogger(__name__)


def simulate_energy(scenario: Scenario, *, weather: pd.DataFrame | None = None) -> EnergyResult:
    """Run the physical stages of a scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`greenkommon.read_scenario`).
    weather : pandas.DataFrame, optional
        One weather year for every plant instead of ``[weather]`` (a year of a multi-year
        series, as :func:`greenkommon.uncertainty.run_uncertainty` samples them).

    Returns
    -------
    EnergyResult
        Grid, weather at the first plant, production of every shared plant and of every own
        roof, gross consumption of every venue [kWh per interval].

    Notes
    -----
    Each plant is simulated with the weather of its own location (a synthetic year depends on
    the latitude through the sun's geometry; a weather file is read once per location). The
    venues' temperature-driven loads use the first plant's weather.
    """
    from . import consumption, production
    from . import weather as weather_stage
    from .timegrid import make_index, step_hours

    sim = scenario.simulation
    index = make_index(sim.year, sim.step, sim.timezone)
    cache: dict[tuple[float, float, float], tuple[pd.DataFrame, dict]] = {}

    def weather_at(plant: PlantConfig) -> tuple[pd.DataFrame, dict]:
        where = (plant.latitude_deg, plant.longitude_deg, plant.altitude_m)
        if where not in cache and weather is not None:
            cache[where] = (weather, {"source": "given"})
        elif where not in cache:
            log.info("weather: %s at %.4f, %.4f", scenario.weather.source, where[0], where[1])
            cache[where] = weather_stage.load_weather(
                scenario.weather, *where, sim.year, sim.timezone
            )
        return cache[where]

    def produce(plant: PlantConfig) -> pd.Series:
        log.info("production: %s, %.0f kWp", plant.name, plant.peak_power_kwp)
        return production.simulate_production(weather_at(plant)[0], plant, index)

    first_weather, first_meta = weather_at(scenario.plants[0])
    shared = pd.DataFrame({p.name: produce(p) for p in scenario.plants}, index=index)
    own = pd.DataFrame(
        {v.name: produce(v.own_plant) for v in scenario.venues if v.own_plant is not None},
        index=index,
        dtype=float,
    )
    log.info("consumption: %d venue(s)", len(scenario.venues))
    loads = consumption.build_consumption(
        [v.load for v in scenario.venues], scenario.venue_names, index, weather=first_weather
    )
    from .consumption_io import check_against_subscribed

    for v in scenario.venues:  # outside the stage cache: said on every run
        if v.load.load_file is not None:
            kva = v.contract.subscribed_kva or max(v.contract.subscribed_kva_by_period or [0.0])
            check_against_subscribed(v.name, loads[v.name], step_hours(sim.step), kva)
    return EnergyResult(
        index=index,
        step_h=step_hours(sim.step),
        weather=first_weather,
        weather_meta=MappingProxyType(dict(first_meta)),
        production_kwh=shared,
        own_production_kwh=own,
        consumption_kwh=loads,
    )


__all__ = ["simulate_energy"]
