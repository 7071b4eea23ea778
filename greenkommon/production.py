"""Production: AC energy of the rooftop plant per interval, with pvlib.

Contract (used by :mod:`greenkommon.pipeline`)::

    simulate_production(weather, plant, index) -> pandas.Series

returns the energy injected into the network [kWh] in each interval of ``index`` (the
simulation grid, interval-start labels), i.e. what the operation can share.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._config import Section


@dataclass(frozen=True)
class RoofSection:
    """``[[plant.sections]]``: one homogeneous PV array.

    Attributes
    ----------
    name : str
    peak_power_kwp : float
        DC nameplate [kWp].
    tilt_deg : float
        Tilt from horizontal [°].
    azimuth_deg : float
        Orientation [°], 180 = south, 90 = east (pvlib convention).
    losses_pct : float
        System losses (soiling, mismatch, wiring, availability, ...) [%].
    """

    name: str
    peak_power_kwp: float
    tilt_deg: float = 10.0
    azimuth_deg: float = 180.0
    losses_pct: float = 14.0

    @classmethod
    def from_section(cls, sec: Section) -> RoofSection:
        cfg = cls(
            name=sec.str("name", sec.where),
            peak_power_kwp=sec.float("peak_power_kwp", min=0, min_exclusive=True, unit="kWp"),
            tilt_deg=sec.float("tilt_deg", 10.0, min=0, max=90, unit="°"),
            azimuth_deg=sec.float("azimuth_deg", 180.0, min=0, max=360, unit="°"),
            losses_pct=sec.float("losses_pct", 14.0, min=0, max=100, unit="%"),
        )
        sec.finish()
        return cfg


@dataclass(frozen=True)
class PlantConfig:
    """``[plant]``: the shared PV plant.

    Attributes
    ----------
    name : str
    latitude_deg, longitude_deg : float
        Injection point [°, WGS84].
    altitude_m : float
        [m].
    sections : tuple of RoofSection
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    sections: tuple[RoofSection, ...]
    altitude_m: float = 40.0

    @property
    def peak_power_kwp(self) -> float:
        """Total DC nameplate of the plant [kWp]."""
        return float(sum(s.peak_power_kwp for s in self.sections))

    @classmethod
    def from_section(cls, sec: Section) -> PlantConfig:
        sections = tuple(RoofSection.from_section(s) for s in sec.sections("sections"))
        if not sections:
            raise sec.error("sections", [], "at least one [[plant.sections]] table")
        cfg = cls(
            name=sec.str("name", "plant"),
            latitude_deg=sec.float("latitude_deg", min=-90, max=90, unit="°"),
            longitude_deg=sec.float("longitude_deg", min=-180, max=180, unit="°"),
            altitude_m=sec.float("altitude_m", 40.0, min=-500, max=9000, unit="m"),
            sections=sections,
        )
        sec.finish()
        return cfg
