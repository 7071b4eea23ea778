"""The offline synthetic weather year: monthly climatology, daily and hourly clearness
indices, temperature, sampled years (interannual variability)."""

from __future__ import annotations

import functools
import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._config import Section
from .._pvlib import quiet_pvlib
from .._sun import solar_position
from ..config.weather import WEATHER_FORMATS, WEATHER_SOURCES, WeatherConfig  # noqa: F401
from ..errors import DataError, GreenkommonWarning


#: Repository folder holding the climatology of the synthetic default.
def _weather_dir() -> Path:
    """The top-level ``weather/`` folder of a source checkout, else its copy installed with the
    package as ``greenkommon/climatology`` (see ``[tool.setuptools.package-dir]``)."""
    source = Path(__file__).resolve().parents[2] / "weather"
    if (source / "climatology_saint_denis.toml").is_file():
        return source
    return Path(__file__).resolve().parents[1] / "climatology"


WEATHER_DIR = _weather_dir()

#: Climatology used when ``[weather].climatology`` is not given.
DEFAULT_CLIMATOLOGY = WEATHER_DIR / "climatology_saint_denis.toml"

#: Upper bound of the daily clearness index in the Hollands & Huget (1983) distribution [-].
HOLLANDS_HUGET_KT_MAX = 0.864

#: Upper bound of the daily (and hourly) clearness index as a multiple of the clear-sky
#: clearness index from pvlib's Ineichen model (0: Hollands & Huget's fixed 0.864 for the daily
#: density). The clearest days of the RT2012 H1a year reach 1.04 x the Ineichen clear sky.
KT_UPPER_FACTOR = 1.05

#: Lag-one autocorrelation of the Gaussian-transformed daily clearness index, Graham, Hollands
#: & Unny (1988) (they report values around 0.3 for a wide range of climates) [-].
DAILY_KT_LAG1 = 0.3

#: A sampled month's irradiation is kept below this fraction of the most the clear-sky-bounded
#: generator can reach in that month (1.05 x the Ineichen clear-sky sum), so that a rare
#: lognormal draw cannot ask for an unreachable month [-].
INTERANNUAL_MAX_FILL = 0.97

#: Coefficients of the normalised diurnal temperature profile of Erbs, Klein & Beckman (1983):
#: θ(t*) = Σ a_i cos(i t* − b_i), t* = 2π (t − 1) / 24, t = hour of the day (1..24, solar).
ERBS_TEMPERATURE_COEFFS = ((0.4632, 3.805), (0.0984, 0.360), (0.0168, 0.822), (0.0138, 3.513))


# ---------------------------------------------------------------------------------------------
# climatology and synthetic generator
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Climatology:
    """Monthly figures the synthetic generator reproduces.

    Attributes
    ----------
    name : str
    source : str
        Where the figures come from.
    ghi_kwh_per_m2 : tuple of 12 float
        Monthly global horizontal irradiation [kWh/m²].
    temp_air_c : tuple of 12 float
        Monthly mean air temperature [°C].
    temp_range_c : tuple of 12 float
        Monthly mean daily temperature range (max − min) [°C].
    wind_speed_m_per_s : tuple of 12 float
        Monthly mean wind speed [m/s].
    ghi_annual_sd_pct : float or None
        Year-to-year standard deviation of the annual irradiation [%] (``[interannual]``
        table; None: the climatology gives no figure).
    ghi_monthly_sd_pct : tuple of 12 float or None
        Year-to-year standard deviation of each month's irradiation [%], when the source
        gives monthly figures (otherwise derived from the annual one, see
        :meth:`monthly_sd_fraction`).
    interannual_source, interannual_confidence : str
        Where the variability figures come from and how far they can be trusted.
    """

    name: str
    source: str
    ghi_kwh_per_m2: tuple[float, ...]
    temp_air_c: tuple[float, ...]
    temp_range_c: tuple[float, ...]
    wind_speed_m_per_s: tuple[float, ...]
    ghi_annual_sd_pct: float | None = None
    ghi_monthly_sd_pct: tuple[float, ...] | None = None
    interannual_source: str = ""
    interannual_confidence: str = ""

    def annual_sd_pct(self, override_pct: float | None = None) -> float:
        """Year-to-year standard deviation of the annual irradiation [%] of sampled years.

        ``override_pct`` (e.g. ``[weather].interannual_sd_pct``) wins over the climatology's
        figure. With monthly figures only, the annual one follows from independent months:
        σ_y = √(Σ (H_m σ_m)²) / Σ H_m.

        Raises
        ------
        DataError
            Neither an override nor a figure in the climatology.
        """
        if override_pct is not None:
            return float(override_pct)
        if self.ghi_annual_sd_pct is not None:
            return float(self.ghi_annual_sd_pct)
        if self.ghi_monthly_sd_pct is not None:
            h = np.asarray(self.ghi_kwh_per_m2, dtype=float)
            m = np.asarray(self.ghi_monthly_sd_pct, dtype=float)
            return float(np.sqrt(np.sum((h * m) ** 2)) / h.sum())
        raise DataError(
            f"climatology {self.name}: no year-to-year variability ([interannual] "
            "ghi_annual_sd_pct): give one in the climatology, or interannual_sd_pct"
        )

    def monthly_sd_fraction(self, override_pct: float | None = None) -> np.ndarray:
        """Relative year-to-year standard deviation of each month's irradiation [-] (12,).

        Notes
        -----
        Monthly figures of the climatology are used as given unless ``override_pct`` is set.
        Otherwise every month gets the same relative deviation c, months being independent
        (the anomalies of the monthly irradiation of successive months are nearly
        uncorrelated), chosen so that the annual sum has the annual deviation σ_y::

            Var(Σ H_m f_m) = c² Σ H_m²  =  (σ_y Σ H_m)²   ⇒   c = σ_y Σ H_m / √(Σ H_m²)

        For the RT2012 H1a sums and σ_y = 3.9 %, c = 11.6 %.
        """
        h = np.asarray(self.ghi_kwh_per_m2, dtype=float)
        if override_pct is None and self.ghi_monthly_sd_pct is not None:
            return np.asarray(self.ghi_monthly_sd_pct, dtype=float) / 100.0
        sd_y = self.annual_sd_pct(override_pct) / 100.0
        norm = math.sqrt(float(np.sum(h**2)))
        c = sd_y * h.sum() / norm if norm > 0 else 0.0
        return np.full(12, c)


def load_climatology(path: str | Path) -> Climatology:
    """Read a monthly climatology TOML (format documented in ``weather/README.md``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: climatology file not found (expected weather/climatology_*.toml)")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: invalid TOML: {exc}") from None
    sec = Section(data, "", path)
    inter = sec.section("interannual", {})
    annual_sd = inter.float("ghi_annual_sd_pct", None, min=0.0, max=50.0, unit="%")
    monthly_sd = inter.floats("ghi_monthly_sd_pct", None, length=12, min=0)
    if annual_sd is not None and monthly_sd is not None:
        raise inter.error(
            "ghi_monthly_sd_pct",
            monthly_sd,
            "either ghi_annual_sd_pct or ghi_monthly_sd_pct, not both",
        )
    has_figure = annual_sd is not None or monthly_sd is not None
    inter_source = inter.str("source", None)
    if has_figure and not inter_source:
        raise inter.error(
            "source", inter_source, "the source of the year-to-year variability figure"
        )
    inter_conf = inter.str("confidence", None)
    for key in ("notes", "derived"):
        inter.raw(key, None)
    inter.finish()
    clim = Climatology(
        name=sec.str("name", path.stem),
        source=sec.str("source"),
        ghi_kwh_per_m2=tuple(sec.floats("ghi_kwh_per_m2", length=12, min=0)),
        temp_air_c=tuple(sec.floats("temp_air_c", length=12)),
        temp_range_c=tuple(sec.floats("temp_range_c", [8.0] * 12, length=12, min=0)),
        wind_speed_m_per_s=tuple(sec.floats("wind_speed_m_per_s", [3.0] * 12, length=12, min=0)),
        ghi_annual_sd_pct=annual_sd,
        ghi_monthly_sd_pct=tuple(monthly_sd) if monthly_sd is not None else None,
        interannual_source=inter_source or "",
        interannual_confidence=inter_conf or "",
    )
    for key in ("latitude_deg", "longitude_deg", "notes", "confidence"):
        sec.raw(key, None)
    sec.finish()
    return clim


@functools.lru_cache(maxsize=8)
@quiet_pvlib
def _sky_geometry(
    latitude_deg: float, longitude_deg: float, altitude_m: float, year: int, tz: str
) -> pd.DataFrame:
    """Sun and clear sky at the mid-point of each hour of the local year (cached per site)."""
    import pvlib

    index = hourly_index(year, tz)
    mid = index + pd.Timedelta(minutes=30)
    loc = pvlib.location.Location(latitude_deg, longitude_deg, altitude=altitude_m)
    # = loc.get_solarposition(mid), its time terms shared by the sites of one year
    sp = solar_position(
        mid, latitude_deg, longitude_deg, altitude_m, pvlib.atmosphere.alt2pres(altitude_m)
    )
    cs = loc.get_clearsky(mid, model="ineichen", solar_position=sp)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid)
    cos_z = np.cos(np.radians(sp["zenith"].to_numpy()))
    e0h = np.clip(dni_extra.to_numpy() * cos_z, 0.0, None)
    # day label in the longitude's standard time, so that a day is one sunrise-to-sunset cycle
    std_offset = pd.Timedelta(hours=round(longitude_deg / 15.0))
    day = (index.tz_convert("UTC") + std_offset).tz_localize(None).floor("D")
    return pd.DataFrame(
        {
            "zenith": sp["zenith"].to_numpy(),
            "apparent_zenith": sp["apparent_zenith"].to_numpy(),
            "sin_elev": np.sin(np.radians(sp["apparent_elevation"].to_numpy())),
            "e0h": e0h,
            "ghi_clear": cs["ghi"].to_numpy(),
            "dni_extra": dni_extra.to_numpy(),
            "day": day,
            "month": index.month,
        },
        index=index,
    )


def hourly_index(year: int, tz: str = "Europe/Paris") -> pd.DatetimeIndex:
    """Hourly interval-start labels of the local calendar ``year`` (8760 or 8784 hours)."""
    return pd.date_range(
        pd.Timestamp(year=year, month=1, day=1),
        pd.Timestamp(year=year + 1, month=1, day=1),
        freq="1h",
        tz=tz,
        inclusive="left",
        name="interval_start",
    )


@functools.lru_cache(maxsize=512)
def _hollands_huget_lambda(mean_kt: float, kt_max: float = HOLLANDS_HUGET_KT_MAX) -> float:
    """Shape λ of the Hollands–Huget density whose mean is ``mean_kt`` (solved numerically).

    Remembered per (mean, bound): a plan's candidate roofs read the same monthly means, and the
    160 trapezoid integrals of the bisection are the same each time.
    """
    k = np.linspace(0.0, kt_max, 2001)

    def mean_of(lam: float) -> float:
        w = (kt_max - k) * np.exp(lam * k - max(lam * kt_max, 0.0))
        return float(np.trapezoid(k * w, k) / np.trapezoid(w, k))

    lo, hi = -60.0, 60.0
    target = min(max(mean_kt, 0.02), kt_max / 3.0 + (2 * kt_max / 3.0 - 0.02) * 0.999)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if mean_of(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _hollands_huget_ppf(
    u: np.ndarray, mean_kt: float, kt_max: float = HOLLANDS_HUGET_KT_MAX
) -> np.ndarray:
    """Quantile function of the Hollands & Huget (1983) daily clearness-index density.

    p(K) ∝ (K_u − K) exp(λ K) on [0, K_u], λ chosen so that E[K] = ``mean_kt``.
    """
    lam = _hollands_huget_lambda(mean_kt, kt_max)
    k = np.linspace(0.0, kt_max, 2001)
    w = (kt_max - k) * np.exp(lam * k - max(lam * kt_max, 0.0))
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(k))])
    cdf /= cdf[-1]
    return np.interp(u, cdf, k)


def _tag_hourly_kt(
    daily_kt: np.ndarray, sin_elev: np.ndarray, kt_cap: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Hourly clearness indices of the TAG model (Aguiar & Collares-Pereira 1992).

    Parameters
    ----------
    daily_kt : (D,) array
        Daily clearness index of each day [-].
    sin_elev : (D, 24) array
        Sine of the solar elevation at each hour's mid-point; hours with ``sin_elev <= 0``
        are night.
    kt_cap : (D, 24) array
        Upper bound of the hourly clearness index (clear-sky GHI / extraterrestrial) [-].

    Notes
    -----
    kt = ktm(Kt, α) + σ(Kt, α) · y, with y a first-order autoregressive standard Gaussian
    process y_h = φ y_{h−1} + √(1 − φ²) r_h, and (Aguiar & Collares-Pereira 1992, eqs. 7–12)::

        ktm = λ + ε exp(−κ / sin α)
        λ = −0.19 + 1.12 Kt + 0.24 exp(−8 Kt);  ε = 0.32 − 1.6 (Kt − 0.5)²
        κ = 0.19 + 2.27 Kt² − 2.51 Kt³
        σ = A exp(B (1 − sin α));  A = 0.14 exp(−20 (Kt − 0.35)²);  B = 3 (Kt − 0.45)² + 16 Kt⁵
        φ = 0.38 + 0.06 cos(7.4 Kt − 2.5)

    Draws outside [0, cap] are redrawn (as in the paper), then clipped after a few attempts.
    """
    kt = daily_kt[:, None]
    lam = -0.19 + 1.12 * kt + 0.24 * np.exp(-8.0 * kt)
    eps = 0.32 - 1.6 * (kt - 0.5) ** 2
    kap = 0.19 + 2.27 * kt**2 - 2.51 * kt**3
    a = 0.14 * np.exp(-20.0 * (kt - 0.35) ** 2)
    b = 3.0 * (kt - 0.45) ** 2 + 16.0 * kt**5
    phi = (0.38 + 0.06 * np.cos(7.4 * kt - 2.5))[:, 0]
    day = sin_elev > 0
    s = np.where(day, sin_elev, 1.0)
    ktm = lam + eps * np.exp(-kap / s)
    sigma = a * np.exp(b * (1.0 - s))
    n_days, n_hours = sin_elev.shape
    out = np.zeros((n_days, n_hours))
    y_prev = np.zeros(n_days)
    innov = np.sqrt(1.0 - phi**2)
    for h in range(n_hours):
        y = phi * y_prev + innov * rng.standard_normal(n_days)
        val = ktm[:, h] + sigma[:, h] * y
        bad = (val < 0) | (val > kt_cap[:, h])
        for _ in range(6):
            if not bad.any():
                break
            y_new = phi * y_prev + innov * rng.standard_normal(n_days)
            y = np.where(bad, y_new, y)
            val = ktm[:, h] + sigma[:, h] * y
            bad = (val < 0) | (val > kt_cap[:, h])
        val = np.clip(val, 0.0, kt_cap[:, h])
        out[:, h] = np.where(day[:, h], val, 0.0)
        y_prev = np.where(day[:, h], y, 0.0)
    return out


def _scale_to_target(values: np.ndarray, cap: np.ndarray, target: float) -> np.ndarray:
    """Scale ``values`` so they sum to ``target`` without exceeding ``cap`` (water-filling)."""
    v = values.copy()
    if target <= 0 or v.sum() <= 0:
        return v * 0.0 if target <= 0 else v
    for _ in range(20):
        free = v < cap - 1e-12
        fixed = v[~free].sum()
        free_sum = v[free].sum()
        if free_sum <= 0:
            break
        v[free] *= (target - fixed) / free_sum
        over = v > cap
        if not over.any():
            break
        v[over] = cap[over]
    return np.minimum(v, cap)


@quiet_pvlib
def synthetic_weather(
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    year: int,
    tz: str = "Europe/Paris",
    seed: int = 1,
    climatology: Climatology | str | Path | None = None,
    decomposition: str = "erbs",
    monthly_factors: np.ndarray | list[float] | None = None,
    interannual: bool = False,
    annual_sd_pct: float | None = None,
) -> pd.DataFrame:
    """Stochastic hourly weather year reproducing a monthly climatology.

    Parameters
    ----------
    latitude_deg, longitude_deg : float
        Site [°].
    altitude_m : float
        Site altitude [m] (clear-sky model).
    year : int
        Local calendar year generated.
    tz : str
        Time zone of the labels.
    seed : int
        Random seed: the same seed gives the same year, different seeds different years.
    climatology : Climatology or path, optional
        Monthly figures (default: ``weather/climatology_saint_denis.toml``).
    decomposition : {'erbs', 'dirint'}
        pvlib model splitting GHI into DNI and DHI.
    monthly_factors : 12 floats, optional
        Multiply the climatology's monthly irradiation (year-to-year variability of the monthly
        sums, see :func:`synthetic_weather_for_seed`); default: reproduce it exactly.
    interannual : bool
        False (default): the *typical year*, monthly GHI sums equal to the climatology.
        True: a *sampled year*, monthly sums multiplied by :func:`interannual_factors`
        ``(seed, climatology, annual_sd_pct)`` (drawn from a stream of their own, so the
        day-to-day draws of a seed are the same in both modes); combined with
        ``monthly_factors`` by multiplication.
    annual_sd_pct : float, optional
        Year-to-year standard deviation of the annual irradiation [%] of sampled years
        (default: the climatology's ``[interannual]`` figure).

    Returns
    -------
    pandas.DataFrame
        Hourly, interval-start labels in ``tz``; :data:`WEATHER_COLUMNS`.

    Notes
    -----
    1. Monthly mean clearness index K̄_m = H_m / H0_m, with H0_m the extraterrestrial horizontal
       irradiation of the month at the site (pvlib sun position at hour mid-points).
    2. Daily clearness indices: the Hollands & Huget (1983) density p(K) ∝ (K_u − K) e^{λK}
       with mean K̄_m and upper bound K_u = :data:`KT_UPPER_FACTOR` × the month's clear-sky
       clearness index (instead of their fixed 0.864, which gave a day-to-day variability 20 %
       above the RT2012 reference year), sampled through a lag-one autoregressive Gaussian
       process (Graham, Hollands & Unny 1988, ρ = :data:`DAILY_KT_LAG1`), so that cloudy and
       sunny spells last more than a day.
    3. Hourly clearness indices: the TAG model (Aguiar & Collares-Pereira 1992) bounded by the
       pvlib Ineichen clear sky with pvlib's Linke turbidity climatology; each day is then
       rescaled (without exceeding the clear sky) to its daily index, and each month to the
       climatology's irradiation, so monthly GHI sums are reproduced exactly (the typical
       year) or the sampled year's sums (``interannual``). Without that last rescaling the
       Markov daily process alone gives monthly sums spreading 6-12 % and annual sums
       2.7 % (1 sd over 200 seeds), centred on the climatology: day-to-day generators are
       known to under-represent the year-to-year variance, hence the explicit sampling.
    4. DNI/DHI from GHI with pvlib's Erbs (or DIRINT) decomposition.
    5. Temperature: monthly means interpolated to daily values (mean-preserving), a daily
       AR(1) anomaly (σ = 2 °C, ρ = 0.7; sunny days warmer in summer and colder in winter
       through the daily clearness anomaly) and the normalised diurnal profile of Erbs, Klein &
       Beckman (1983) with the month's mean daily range scaled by the day's clearness.
       Wind: the monthly mean.

    References
    ----------
    R. Aguiar, M. Collares-Pereira, "TAG: a time-dependent, autoregressive, Gaussian model for
    generating synthetic hourly radiation", Solar Energy 49 (1992) 167–174.
    K.G.T. Hollands, R.G. Huget, "A probability density function for the clearness index, with
    applications", Solar Energy 30 (1983) 195–209.
    V.A. Graham, K.G.T. Hollands, T.E. Unny, "A time series model for Kt with application to
    global synthetic weather generation", Solar Energy 40 (1988) 83–92.
    D.G. Erbs, S.A. Klein, W.A. Beckman, "Estimation of degree-days and ambient temperature bin
    data from monthly-average temperatures", ASHRAE Journal 25 (1983) 60–65.
    """
    import pvlib

    if climatology is None:
        climatology = DEFAULT_CLIMATOLOGY
    clim = climatology if isinstance(climatology, Climatology) else load_climatology(climatology)
    geo = _sky_geometry(float(latitude_deg), float(longitude_deg), float(altitude_m), int(year), tz)
    rng = np.random.default_rng(seed)
    index = geo.index

    day_pos, hour_in_day, grid_sin, grid_e0, grid_cap, day_month = _day_grid(geo)
    n_days = len(day_month)

    # 1-2. daily clearness index per month
    e0_month, kt_upper = _month_bounds(geo)
    target_month = np.asarray(clim.ghi_kwh_per_m2, dtype=float)
    if monthly_factors is not None:
        factors = np.asarray(monthly_factors, dtype=float)
        if factors.shape != (12,) or not np.all(np.isfinite(factors)) or (factors < 0).any():
            raise DataError(f"monthly_factors: expected 12 finite numbers >= 0, got {factors!r}")
        target_month = target_month * factors
    if interannual:
        target_month = target_month * interannual_factors(
            seed, clim, annual_sd_pct, max_factor=_max_month_factor(geo, clim)
        )
    mean_kt = np.clip(
        target_month / np.where(e0_month > 0, e0_month, np.nan), 0.03, 0.95 * kt_upper
    )
    u = np.empty(n_days)
    u_prev = rng.standard_normal()
    for d in range(n_days):
        u_prev = DAILY_KT_LAG1 * u_prev + math.sqrt(1 - DAILY_KT_LAG1**2) * rng.standard_normal()
        u[d] = u_prev
    from scipy.special import ndtr

    quant = ndtr(u)
    daily_kt = np.empty(n_days)
    for m in range(1, 13):
        sel = day_month == m
        daily_kt[sel] = _hollands_huget_ppf(
            quant[sel], float(mean_kt[m - 1]), float(kt_upper[m - 1])
        )

    # 3. hourly clearness (TAG), bounded by the clear sky, rescaled to each day's index
    kt_h = _tag_hourly_kt(daily_kt, grid_sin, grid_cap, rng)
    ghi_grid = kt_h * grid_e0
    cap_grid = grid_cap * grid_e0
    for d in range(n_days):
        ghi_grid[d] = _scale_to_target(ghi_grid[d], cap_grid[d], daily_kt[d] * grid_e0[d].sum())
    ghi = ghi_grid[day_pos, hour_in_day]
    cap_h = cap_grid[day_pos, hour_in_day]
    months = geo["month"].to_numpy()
    for m in range(1, 13):
        sel = months == m
        ghi[sel] = _scale_to_target(ghi[sel], cap_h[sel], target_month[m - 1] * 1000.0)
        reached = ghi[sel].sum() / 1000.0
        if reached < 0.995 * target_month[m - 1]:
            warnings.warn(
                f"synthetic weather: month {m} reaches {reached:.1f} of {target_month[m - 1]:.1f} kWh/m² "
                "(the clear sky bounds it): climatology too sunny for this site?",
                GreenkommonWarning,
                stacklevel=2,
            )
    ghi_s = pd.Series(ghi, index=index)

    # 4. decomposition
    mid = index + pd.Timedelta(minutes=30)
    zen = pd.Series(geo["zenith"].to_numpy(), index=mid)
    if decomposition == "dirint":
        dni = pvlib.irradiance.dirint(pd.Series(ghi, index=mid), zen, mid).fillna(0.0).to_numpy()
        cos_z = np.clip(np.cos(np.radians(geo["zenith"].to_numpy())), 0.0, None)
        # keep the closure GHI = DNI cos z + DHI with DHI >= 0
        dni = np.where(cos_z > 0, np.minimum(dni, ghi / np.where(cos_z > 0, cos_z, 1.0)), 0.0)
        dhi = ghi - dni * cos_z
    else:
        parts = pvlib.irradiance.erbs(pd.Series(ghi, index=mid), zen, mid)
        dni = parts["dni"].fillna(0.0).to_numpy()
        dhi = parts["dhi"].fillna(0.0).to_numpy()

    # 5. temperature and wind
    temp = _synthetic_temperature(
        index, geo, clim, daily_kt, mean_kt, day_pos, day_month, rng, float(longitude_deg)
    )
    wind = np.asarray(clim.wind_speed_m_per_s)[index.month - 1]
    out = pd.DataFrame(
        {"ghi": ghi_s.to_numpy(), "dni": dni, "dhi": dhi, "temp_air": temp, "wind_speed": wind},
        index=index,
    )
    return out


def _day_grid(geo: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The hours of :func:`_sky_geometry` as standard-time days × 24 (ragged first and last days
    padded): each hour's day and hour in it, the sine of the sun's elevation (0 where the
    extraterrestrial irradiance is 0), that irradiance [W/m²], the clearness bound
    (:data:`KT_UPPER_FACTOR` × clear sky / extraterrestrial) and each day's month."""
    days = geo["day"].to_numpy()
    uniq, day_pos = np.unique(days, return_inverse=True)
    day_start = np.searchsorted(day_pos, np.arange(len(uniq)))
    hour_in_day = np.arange(len(days)) - day_start[day_pos]
    shape = (len(uniq), 24)
    grid_sin = np.zeros(shape)
    grid_e0 = np.zeros(shape)
    grid_cap = np.zeros(shape)
    grid_sin[day_pos, hour_in_day] = geo["sin_elev"].to_numpy()
    grid_e0[day_pos, hour_in_day] = geo["e0h"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(geo["e0h"] > 1.0, geo["ghi_clear"] / geo["e0h"], 0.0)
    grid_cap[day_pos, hour_in_day] = np.clip(KT_UPPER_FACTOR * cap, 0.0, 1.0)
    grid_sin = np.where(grid_e0 > 0, grid_sin, 0.0)
    day_month = pd.DatetimeIndex(uniq).month.to_numpy()
    return day_pos, hour_in_day, grid_sin, grid_e0, grid_cap, day_month


def _month_bounds(geo: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each month's extraterrestrial horizontal irradiation [kWh/m²] and the upper bound of its
    daily clearness index [-] (12,)."""
    e0_month = geo.groupby("month")["e0h"].sum().reindex(range(1, 13)).to_numpy() / 1000.0
    clear_month = geo.groupby("month")["ghi_clear"].sum().reindex(range(1, 13)).to_numpy() / 1000.0
    kt_clear = clear_month / np.where(e0_month > 0, e0_month, np.nan)
    kt_upper = (
        KT_UPPER_FACTOR * kt_clear if KT_UPPER_FACTOR > 0 else np.full(12, HOLLANDS_HUGET_KT_MAX)
    )
    return e0_month, kt_upper


def _max_month_factor(geo: pd.DataFrame, clim: Climatology) -> np.ndarray:
    """Largest reachable multiple of each climatology month (clear-sky bound) [-] (12,)."""
    clear = geo.groupby("month")["ghi_clear"].sum().reindex(range(1, 13)).to_numpy() / 1000.0
    h = np.asarray(clim.ghi_kwh_per_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = INTERANNUAL_MAX_FILL * KT_UPPER_FACTOR * clear / h
    return np.where(h > 0, out, np.inf)


def interannual_factors(
    seed: int,
    climatology: Climatology | str | Path | None = None,
    annual_sd_pct: float | None = None,
    max_factor: np.ndarray | None = None,
) -> np.ndarray:
    """Year-to-year factors on the twelve monthly irradiation sums of sampled year ``seed``.

    Parameters
    ----------
    seed : int
        Year number; the factors come from ``numpy.random.default_rng([seed, 2])``, a stream
        of their own (the day-to-day draws use ``default_rng(seed)``).
    climatology : Climatology or path, optional
        Gives the monthly sums and the variability figures (default: the bundled one).
    annual_sd_pct : float, optional
        Year-to-year standard deviation of the annual irradiation [%]; default: the
        climatology's ``[interannual]`` figure.
    max_factor : (12,) array, optional
        Upper bound of each factor (the clear-sky limit of the month, see
        :data:`INTERANNUAL_MAX_FILL`); None: unbounded.

    Returns
    -------
    numpy.ndarray
        (12,) factors [-], ≥ 0, mean 1.

    Notes
    -----
    Each month independently: f_m lognormal with mean 1 and standard deviation c_m
    (:meth:`Climatology.monthly_sd_fraction`), σ² = ln(1 + c_m²), μ = −σ²/2; the annual sum
    Σ H_m f_m then has mean Σ H_m and standard deviation √(Σ (H_m c_m)²), i.e. the configured
    annual figure. The lognormal keeps the factors positive and is skewed the way monthly
    irradiation is (a dull month cannot fall below zero, a sunny one is bounded by the clear
    sky). For the bundled climatology at 3.9 % the clear-sky bound caps about 1 monthly draw
    in 2,000 (0.6 % of the years), which does not shift the mean measurably.
    """
    if climatology is None:
        climatology = DEFAULT_CLIMATOLOGY
    clim = climatology if isinstance(climatology, Climatology) else load_climatology(climatology)
    c = clim.monthly_sd_fraction(annual_sd_pct)
    rng = np.random.default_rng([int(seed), 2])
    z = rng.standard_normal(12)
    sigma = np.sqrt(np.log1p(c * c))
    factors = np.exp(sigma * z - sigma * sigma / 2.0)
    if max_factor is not None:
        factors = np.minimum(factors, np.asarray(max_factor, dtype=float))
    return factors


def _daily_base_temperature(clim: Climatology, n_days: int) -> np.ndarray:
    """Daily temperature before the anomaly [°C] (n_days,): piecewise-linear through the
    mid-month values (each month is then shifted so its mean equals the climatology)."""
    t_month = np.asarray(clim.temp_air_c)
    mids = np.array([15.5 + 30.42 * i for i in range(12)])
    return np.interp(
        np.arange(n_days),
        np.concatenate([[mids[-1] - 365], mids, [mids[0] + 365]]),
        np.concatenate([[t_month[-1]], t_month, [t_month[0]]]),
    )


def _synthetic_temperature(
    index: pd.DatetimeIndex,
    geo: pd.DataFrame,
    clim: Climatology,
    daily_kt: np.ndarray,
    mean_kt: np.ndarray,
    day_pos: np.ndarray,
    day_month: np.ndarray,
    rng: np.random.Generator,
    longitude_deg: float,
) -> np.ndarray:
    n_days = len(daily_kt)
    t_month = np.asarray(clim.temp_air_c)
    base = _daily_base_temperature(clim, n_days)
    # daily anomaly: AR(1) plus a clearness-driven part (sunny summer days warm, winter cold)
    anomaly = np.empty(n_days)
    a = 0.0
    for d in range(n_days):
        a = 0.7 * a + math.sqrt(1 - 0.49) * 2.0 * rng.standard_normal()
        anomaly[d] = a
    kt_anom = daily_kt - mean_kt[day_month - 1]
    season = np.cos(2 * np.pi * (day_month - 7) / 12.0)  # +1 in July, −1 in January
    anomaly += 8.0 * kt_anom * season
    t_day = base + anomaly
    for m in range(1, 13):
        sel = day_month == m
        if sel.any():
            t_day[sel] += t_month[m - 1] - t_day[sel].mean()
    # diurnal cycle (solar hour of the day from the sun's hour angle)
    # Erbs et al.'s profile is in solar hours 1..24 (hour t covers t-1..t); mean solar time
    # of the interval mid-point = UTC + longitude/15
    mid_utc = index.tz_convert("UTC") + pd.Timedelta(minutes=30)
    solar_h = (mid_utc.hour + mid_utc.minute / 60.0 + longitude_deg / 15.0) % 24.0
    hour = solar_h + 0.5  # hour number t whose interval (t-1, t) contains the mid-point
    tstar = 2 * np.pi * (hour - 1) / 24.0
    theta = sum(c * np.cos((i + 1) * tstar - b) for i, (c, b) in enumerate(ERBS_TEMPERATURE_COEFFS))
    rng_month = np.asarray(clim.temp_range_c)
    ratio = np.clip(daily_kt / mean_kt[day_month - 1], 0.4, 1.8)
    day_range = rng_month[day_month - 1] * ratio
    return t_day[day_pos] + day_range[day_pos] * np.asarray(theta)


def synthetic_weather_for_seed(
    seed: int,
    latitude_deg: float = 48.8967,
    longitude_deg: float = 2.3776,
    altitude_m: float = 35.0,
    year: int = 2026,
    tz: str = "Europe/Paris",
    climatology: Climatology | str | Path | None = None,
    monthly_cv: float = 0.0,
    variability: bool | float = False,
) -> pd.DataFrame:
    """Cheap helper for uncertainty studies: the synthetic year number ``seed``.

    Sun position and clear sky are cached per site and year, so calling this for many seeds
    only pays for the random draws (about 0.05 s per year).

    Parameters
    ----------
    seed : int
        Year number; the same seed always gives the same year.
    monthly_cv : float
        Coefficient of variation [-] of each month's irradiation around the climatology
        (independent Gaussian factors, truncated at ±3σ). 0 (default): every seed has exactly
        the climatology's monthly sums and differs only in the day and hour sequence, which
        gives a year-to-year spread of the annual yield well below 1 %. Prefer
        ``variability``, which is sourced and keeps the mean.
    variability : bool or float
        False (default): the typical year. True: a sampled year with the climatology's
        year-to-year variability (:func:`interannual_factors`). A number: the same with
        that annual standard deviation [%].
    """
    factors = None
    if monthly_cv > 0:
        rng = np.random.default_rng([seed, 12])  # separate stream from the weather draws
        factors = 1.0 + monthly_cv * np.clip(rng.standard_normal(12), -3.0, 3.0)
        factors = np.clip(factors, 0.0, None)
    interannual = variability is not False and variability is not None
    sd = None if isinstance(variability, bool) or variability is None else float(variability)
    if sd is not None and sd < 0:
        raise DataError(f"variability: {sd} %: expected a standard deviation >= 0 %")
    return synthetic_weather(
        latitude_deg,
        longitude_deg,
        altitude_m,
        year,
        tz,
        seed=seed,
        climatology=climatology,
        monthly_factors=factors,
        interannual=interannual,
        annual_sd_pct=sd,
    )
