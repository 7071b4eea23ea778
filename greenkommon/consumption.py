"""Consumption: each venue's energy withdrawn per interval [kWh].

Contract (used by :mod:`greenkommon.pipeline`)::

    build_consumption(loads, names, index, weather=None) -> pandas.DataFrame

returns one column per venue (``names``, in order) on ``index`` (the simulation grid,
interval-start labels), in kWh per interval, ≥ 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._config import Section

ARCHETYPES = ("studios", "events_venue", "offices")


@dataclass(frozen=True)
class LoadConfig:
    """``[venues.load]``: how a venue's consumption curve is obtained.

    Attributes
    ----------
    annual_consumption_kwh : float or None
        Yearly energy the synthetic profile is scaled to [kWh].
    archetype : str
        Synthetic profile shape (see :data:`ARCHETYPES`).
    load_file : Path or None
        A measured load curve; when given, it is used instead of the synthetic profile.
    """

    annual_consumption_kwh: float | None = None
    archetype: str = "offices"
    load_file: Path | None = None

    @classmethod
    def from_section(cls, sec: Section) -> LoadConfig:
        load_file = sec.path("load_file", None)
        annual = sec.float("annual_consumption_kwh", None, min=0, min_exclusive=True, unit="kWh")
        if load_file is None and annual is None:
            raise sec.error("annual_consumption_kwh", sec.raw("annual_consumption_kwh", None),
                            "an annual consumption [kWh] or a load_file")
        if load_file is not None and not load_file.is_file():
            raise sec.error("load_file", str(load_file), "an existing load-curve file")
        cfg = cls(
            annual_consumption_kwh=annual,
            archetype=sec.str("archetype", "offices", choices=ARCHETYPES),
            load_file=load_file,
        )
        sec.finish()
        return cfg
