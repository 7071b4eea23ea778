"""Energy groups: the physical inputs (weather, production, loads) shared by the variants of a
sweep that differ only in cheap overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .grid import _parseable, is_portfolio

if TYPE_CHECKING:  # pragma: no cover
    from ..results import EnergyResult


# ---------------------------------------------------------------------------------------------
# energy groups
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupEnergy:
    """Physical inputs shared by all variants of one energy group (picklable, for Dask).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Simulation grid.
    production_per_kwp : numpy.ndarray
        Production of the group's plant divided by its peak power, (T,) [kWh/kWp per interval].
    peak_power_kwp : float
        Peak power of the group's plant [kWp].
    consumption_kwh : numpy.ndarray
        (N, T) venue-major, C-contiguous [kWh per interval].
    venue_names : tuple of str
    """

    index: pd.DatetimeIndex
    production_per_kwp: np.ndarray
    peak_power_kwp: float
    consumption_kwh: np.ndarray
    venue_names: tuple[str, ...]
    host_load_kwh: np.ndarray | None = None
    #: A portfolio's simulated energy (``[[plants]]`` / ``[[operations]]``): its variants go
    #: through :func:`greenkommon.evaluate.evaluate` one by one (the production fields are then
    #: those of the first plant, unused).
    portfolio: EnergyResult | None = None

    def production_kwh(self, peak_power_kwp: float) -> np.ndarray:
        """Injection of the same plant scaled to ``peak_power_kwp`` [kWh per interval].

        The plant's output scales with its size; a host load behind the meter does not, so the
        injection is ``max(per_kWp · size − host load, 0)`` (see
        :func:`greenkommon.production.simulate_production`).
        """
        gross = self.production_per_kwp * float(peak_power_kwp)
        if self.host_load_kwh is None:
            return gross
        return np.clip(gross - self.host_load_kwh, 0.0, None)

    def consumption_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.consumption_kwh.T, index=self.index, columns=list(self.venue_names)
        )


def compute_group_energy(mapping: dict[str, Any], file: str | Path | None) -> GroupEnergy:
    """Run weather, production and consumption once for a group mapping."""
    from .. import production
    from ..energy import simulate_energy
    from ..scenario import parse_scenario

    scenario = parse_scenario(_parseable(mapping), file)
    simulated = simulate_energy(scenario)
    plant = scenario.plant
    index, weather_df = simulated.index, simulated.weather
    production_kwh = simulated.production_kwh[plant.name]
    consumption_kwh = simulated.consumption_kwh
    if is_portfolio(mapping):
        return GroupEnergy(
            index=index,
            production_per_kwp=np.zeros(0),
            peak_power_kwp=float("nan"),
            consumption_kwh=np.ascontiguousarray(consumption_kwh.to_numpy(dtype=float).T),
            venue_names=tuple(scenario.venue_names),
            portfolio=simulated,
        )
    kwp = plant.peak_power_kwp
    host = None
    gross = np.asarray(production_kwh, dtype=float)
    if plant.host_load_kw > 0 or plant.host_load_file is not None:
        # the injection is not proportional to the size: keep the plant's output and the host load
        gross = (
            production.simulate_sections(weather_df, plant, index).sum(axis=1).to_numpy(dtype=float)
        )
        host = np.ascontiguousarray(production.host_load_kwh(plant, index).to_numpy(dtype=float))
    return GroupEnergy(
        index=index,
        production_per_kwp=np.ascontiguousarray(gross / kwp),
        peak_power_kwp=kwp,
        consumption_kwh=np.ascontiguousarray(consumption_kwh.to_numpy(dtype=float).T),
        venue_names=tuple(scenario.venue_names),
        host_load_kwh=host,
    )
