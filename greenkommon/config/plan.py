"""``[plan]``: the candidate roofs and options of ``greenkommon plan``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._section import _MISSING, Section


@dataclass(frozen=True)
class RoofConfig:
    """``[[plan.roofs]]``: a candidate roof besides the scenario's plant.

    Example::

        [[plan.roofs]]
        name = "le 6b roof"                   # ASSUMPTION: position and size not public
        latitude_deg = 48.9318
        longitude_deg = 2.3476
        max_peak_power_kwp = 120.0            # or roof_area_m2 and peak_power_kwp_per_m2
        capex_eur_per_kwp = 1200.0            # optional; default: [finance]
        owner = "le 6b"                       # optional: the venue whose own roof this is

    Attributes
    ----------
    name : str
    latitude_deg, longitude_deg : float
        Injection point [°, WGS84].
    max_peak_power_kwp : float
        Largest plant on the roof [kWp].
    capex_eur_per_kwp : float or None
        [€/kWp]; ``None``: the scenario's ``[finance]``.
    owner : str or None
        Venue whose own roof it is (a name that is not a venue of the scenario: a third party).
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    max_peak_power_kwp: float
    capex_eur_per_kwp: float | None = None
    owner: str | None = None

    @classmethod
    def from_section(cls, sec: Section) -> RoofConfig:
        area = sec.float("roof_area_m2", None, min=0, min_exclusive=True, unit="m²")
        density = sec.float("peak_power_kwp_per_m2", None, min=0, min_exclusive=True, unit="kWp/m²")
        kwp = sec.float("max_peak_power_kwp", None, min=0, min_exclusive=True, unit="kWp")
        if kwp is None:
            if area is None or density is None:
                raise sec.error(
                    "max_peak_power_kwp",
                    _MISSING,
                    "a size limit [kWp], or roof_area_m2 and peak_power_kwp_per_m2",
                )
            kwp = area * density
        elif area is not None and density is not None:
            kwp = min(kwp, area * density)
        # an owner that is not (or no longer, after ``remove = true``) a venue of the scenario
        # keeps its roof as a third party's; the plan says so
        owner = sec.str("owner", None)
        cfg = cls(
            name=sec.str("name"),
            latitude_deg=sec.float("latitude_deg", min=-90, max=90, unit="°"),
            longitude_deg=sec.float("longitude_deg", min=-180, max=180, unit="°"),
            max_peak_power_kwp=kwp,
            capex_eur_per_kwp=sec.float("capex_eur_per_kwp", None, min=0, unit="€/kWp"),
            owner=owner,
        )
        sec.finish()
        return cfg


@dataclass(frozen=True)
class PlanConfig:
    """``[plan]``: what ``greenkommon plan`` may change.

    Attributes
    ----------
    roofs : tuple of RoofConfig
        Candidate roofs besides the scenario's plant.
    plant_max_peak_power_kwp : float or None
        Largest plant on the scenario's own roof [kWp] (default: the plant as described).
    irr_target : float or None
        The producer's target return [-/yr]: its NPV is taken at this rate instead of
        ``[finance] discount_rate`` for the lower end of the price corridor.
    max_roofs_per_operation : int
        Most roofs pooled in one operation.
    year_one_savings : bool
        Also require every venue to save from the first year (not only over the plant's life).
    """

    roofs: tuple[RoofConfig, ...] = ()
    plant_max_peak_power_kwp: float | None = None
    irr_target: float | None = None
    max_roofs_per_operation: int = 2
    year_one_savings: bool = False
    file: Path | None = None

    @classmethod
    def from_section(cls, sec: Section, venue_names: list[str]) -> PlanConfig:
        roofs = tuple(RoofConfig.from_section(s) for s in sec.sections("roofs", []))
        names = [r.name for r in roofs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise sec.error("roofs", dup[0], "unique roof names (this name appears twice)")
        cfg = cls(
            roofs=roofs,
            plant_max_peak_power_kwp=sec.float(
                "plant_max_peak_power_kwp", None, min=0, min_exclusive=True, unit="kWp"
            ),
            irr_target=sec.float("irr_target", None, min=-0.5, max=1.0, unit="-/yr"),
            max_roofs_per_operation=sec.int("max_roofs_per_operation", 2, min=1, max=4),
            year_one_savings=sec.bool("year_one_savings", False),
            file=sec.file,
        )
        sec.finish()
        return cfg
