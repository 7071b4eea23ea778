"""Former orchestrator, kept importable: the evaluation lives in :mod:`greenkommon.energy`
(:func:`simulate_energy`, the physical stages) and :mod:`greenkommon.evaluate` (:func:`evaluate`,
keys, allocation, bills, eligibility, finance).

``ScenarioResult`` is :class:`~greenkommon.results.OperationResult` (one operation's result);
:func:`run_scenario` returns a :class:`~greenkommon.results.PortfolioResult`, which answers the
attributes of its operation when it holds exactly one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .evaluate import build_key, evaluate, run_scenario
from .results import OperationResult as ScenarioResult

if TYPE_CHECKING:  # pragma: no cover
    from .config.scenario import Scenario


def simulate_energy(
    scenario: Scenario,
) -> tuple[pd.DatetimeIndex, pd.DataFrame, dict, pd.Series, pd.DataFrame]:
    """The physical stages of a single-plant scenario as a tuple (former interface).

    Returns
    -------
    index, weather, weather_meta, production_kwh (the first plant), consumption_kwh (gross)

    Use :func:`greenkommon.simulate_energy` (an :class:`~greenkommon.results.EnergyResult`).
    """
    from .energy import simulate_energy as _simulate

    energy = _simulate(scenario)
    production = energy.production_kwh[scenario.plant.name].rename("production_kwh")
    return (
        energy.index,
        energy.weather,
        dict(energy.weather_meta),
        production,
        energy.consumption_kwh,
    )


__all__ = ["ScenarioResult", "build_key", "evaluate", "run_scenario", "simulate_energy"]
