"""``[plant]`` / ``[[plants]]`` / ``[venues.own_plant]``: a PV plant and its roof sections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._section import Section

#: Mounting types of a section (keys of the cell-temperature parameter tables of :mod:`production`).
RACKINGS = ("open_rack", "close_mount", "insulated_back")

#: Cell-temperature models of :mod:`pvlib.temperature` selectable per section.
TEMPERATURE_MODELS = ("sapm", "pvsyst", "faiman")

#: PVWatts loss categories and their PVWatts v5 defaults [%] (pvlib ``pvwatts_losses``; total 14.08 %).
PVWATTS_LOSS_DEFAULTS_PCT = {
    "soiling": 2.0,
    "shading": 3.0,
    "snow": 0.0,
    "mismatch": 2.0,
    "wiring": 2.0,
    "connections": 0.5,
    "lid": 1.5,
    "nameplate_rating": 1.0,
    "age": 0.0,
    "availability": 3.0,
}


#: Sanity bound of a plant's (or a section's) power [kWp]: 100 MWp, far above any plant of an
#: ACC operation (a typo such as 1e9, not a regulatory limit: eligibility checks those).
MAX_PEAK_POWER_KWP = 1e5


@dataclass(frozen=True)
class RoofSection:
    """``[[plant.sections]]``: one homogeneous PV array with its own inverter(s).

    Attributes
    ----------
    name : str
    peak_power_kwp : float
        DC nameplate [kWp].
    tilt_deg : float
        Tilt from horizontal [°].
    azimuth_deg : float
        Orientation [°], 180 = south, 90 = east (pvlib convention).
    losses_pct : float or None
        Total system losses [%]. When given it replaces the breakdown below (PVWatts style:
        one figure applied to DC power). ``None``: combine the breakdown with
        :func:`pvlib.pvsystem.pvwatts_losses`.
    soiling_pct, shading_pct, snow_pct, mismatch_pct, wiring_pct, connections_pct, lid_pct,
    nameplate_rating_pct, age_pct, availability_pct : float
        PVWatts loss categories [%] (defaults: PVWatts v5, :data:`PVWATTS_LOSS_DEFAULTS_PCT`).
    racking : {'open_rack', 'close_mount', 'insulated_back'}
        Mounting, selects the parameters of the cell-temperature model.
    temperature_model : {'sapm', 'pvsyst', 'faiman'}
        pvlib cell-temperature model: SAPM (King et al. 2004, parameters per racking), PVsyst
        (u_c per racking, u_v = 0) or Faiman (pvlib defaults u0 = 25, u1 = 6.84, open rack).
    dc_ac_ratio : float
        DC nameplate / inverter AC rating [-]; above 1 the inverter clips (PVWatts default 1.2).
    gamma_pdc_pct_per_c : float
        Power temperature coefficient [%/°C] (PVWatts v8 'standard' module: −0.37).
    inverter_efficiency_pct : float
        Nominal inverter efficiency [%] (PVWatts: 96).
    module_model : {'pvwatts', 'cec'}
        ``cec`` uses a module of pvlib's bundled SAM CEC table (``cec_module``) with the CEC
        single-diode model, and the Sandia model of ``cec_inverter`` when given.
    cec_module, cec_inverter : str or None
        Names in pvlib's ``retrieve_sam('CECMod')`` / ``retrieve_sam('cecinverter')``.
    """

    name: str
    peak_power_kwp: float
    tilt_deg: float = 10.0
    azimuth_deg: float = 180.0
    losses_pct: float | None = None
    soiling_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["soiling"]
    shading_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["shading"]
    snow_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["snow"]
    mismatch_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["mismatch"]
    wiring_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["wiring"]
    connections_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["connections"]
    lid_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["lid"]
    nameplate_rating_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["nameplate_rating"]
    age_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["age"]
    availability_pct: float = PVWATTS_LOSS_DEFAULTS_PCT["availability"]
    racking: str = "open_rack"
    temperature_model: str = "sapm"
    dc_ac_ratio: float = 1.2
    gamma_pdc_pct_per_c: float = -0.37
    inverter_efficiency_pct: float = 96.0
    module_model: str = "pvwatts"
    cec_module: str | None = None
    cec_inverter: str | None = None

    @property
    def total_losses_pct(self) -> float:
        """System losses applied to DC power [%]."""
        if self.losses_pct is not None:
            return float(self.losses_pct)
        from pvlib.pvsystem import pvwatts_losses

        return float(
            pvwatts_losses(**{k: getattr(self, f"{k}_pct") for k in PVWATTS_LOSS_DEFAULTS_PCT})
        )

    @classmethod
    def from_section(cls, sec: Section) -> RoofSection:
        kwargs: dict[str, Any] = {
            "name": sec.str("name", sec.where),
            "peak_power_kwp": sec.float(
                "peak_power_kwp", min=0, min_exclusive=True, max=MAX_PEAK_POWER_KWP, unit="kWp"
            ),
            "tilt_deg": sec.float("tilt_deg", 10.0, min=0, max=90, unit="°"),
            "azimuth_deg": sec.float("azimuth_deg", 180.0, min=0, max=360, unit="°"),
            "losses_pct": sec.float("losses_pct", None, min=0, max=100, unit="%"),
            "racking": sec.str("racking", "open_rack", choices=RACKINGS),
            "temperature_model": sec.str("temperature_model", "sapm", choices=TEMPERATURE_MODELS),
            "dc_ac_ratio": sec.float("dc_ac_ratio", 1.2, min=0.5, max=3.0),
            "gamma_pdc_pct_per_c": sec.float(
                "gamma_pdc_pct_per_c", -0.37, min=-2.0, max=0.0, unit="%/°C"
            ),
            "inverter_efficiency_pct": sec.float(
                "inverter_efficiency_pct", 96.0, min=50, max=100, unit="%"
            ),
            "module_model": sec.str("module_model", "pvwatts", choices=("pvwatts", "cec")),
            "cec_module": sec.str("cec_module", None),
            "cec_inverter": sec.str("cec_inverter", None),
        }
        for key, default in PVWATTS_LOSS_DEFAULTS_PCT.items():
            kwargs[f"{key}_pct"] = sec.float(f"{key}_pct", default, min=0, max=100, unit="%")
        if kwargs["module_model"] == "cec" and not kwargs["cec_module"]:
            raise sec.error(
                "cec_module",
                kwargs["cec_module"],
                "a module name of pvlib's CEC table when module_model = 'cec'",
            )
        cfg = cls(**kwargs)
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
    albedo : float
        Ground reflectance seen by the modules [-] (0.2: generic; a white roof membrane is higher).
    transposition : {'perez', 'haydavies', 'isotropic'}
        Sky-diffuse model of :func:`pvlib.irradiance.get_total_irradiance`.
    degradation_pct_per_year : float
        Yearly power loss [%/yr], linear: factor 1 − d·(year − commissioning_year).
    commissioning_year : int or None
        First year of operation; ``None``: no degradation applied (a new plant).
    host_load_kw : float
        Constant consumption of the host building behind the plant's meter [kW]; production
        first supplies it, only the remainder is injected and shared (0: total injection).
    host_load_file : Path or None
        CSV of the host's consumption per interval (columns ``time`` ISO 8601 with offset,
        interval start, and ``energy_kwh``), on the simulation grid; added to ``host_load_kw``.
    owner : str
        Who owns and operates the plant (the producer of its operation; information).
    capex_eur_per_kwp : float or None
        Turnkey cost of this plant [€/kWp], overriding ``[finance] capex_eur_per_kwp`` for it.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    sections: tuple[RoofSection, ...]
    altitude_m: float = 40.0
    albedo: float = 0.2
    transposition: str = "perez"
    degradation_pct_per_year: float = 0.5
    commissioning_year: int | None = None
    host_load_kw: float = 0.0
    host_load_file: Path | None = None
    owner: str = ""
    capex_eur_per_kwp: float | None = None

    @property
    def peak_power_kwp(self) -> float:
        """Total DC nameplate of the plant [kWp]."""
        return float(sum(s.peak_power_kwp for s in self.sections))

    @classmethod
    def from_section(cls, sec: Section) -> PlantConfig:
        sections = tuple(RoofSection.from_section(s) for s in sec.sections("sections"))
        if not sections:
            raise sec.error("sections", [], "at least one [[plant.sections]] table")
        host_file = sec.path("host_load_file", None)
        if host_file is not None and not host_file.is_file():
            raise sec.error("host_load_file", str(host_file), "an existing CSV file")
        cfg = cls(
            name=sec.str("name", "plant"),
            latitude_deg=sec.float("latitude_deg", min=-90, max=90, unit="°"),
            longitude_deg=sec.float("longitude_deg", min=-180, max=180, unit="°"),
            altitude_m=sec.float("altitude_m", 40.0, min=-500, max=9000, unit="m"),
            sections=sections,
            albedo=sec.float("albedo", 0.2, min=0, max=1),
            transposition=sec.str(
                "transposition", "perez", choices=("perez", "haydavies", "isotropic")
            ),
            degradation_pct_per_year=sec.float(
                "degradation_pct_per_year", 0.5, min=0, max=10, unit="%/yr"
            ),
            commissioning_year=sec.int("commissioning_year", None, min=1990, max=2100),
            host_load_kw=sec.float("host_load_kw", 0.0, min=0, max=MAX_PEAK_POWER_KWP, unit="kW"),
            host_load_file=host_file,
            owner=sec.str("owner", ""),
            capex_eur_per_kwp=sec.float("capex_eur_per_kwp", None, min=0, unit="€/kWp"),
        )
        sec.finish()
        return cfg
