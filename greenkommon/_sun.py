"""The sun's position (NREL SPA, pvlib's numpy implementation) with its time terms shared by sites.

SPA splits into terms of time alone (the Earth's heliocentric position, nutation, obliquity,
sidereal time, the sun's geocentric right ascension and declination: ~90 % of the work) and
terms of the observer (hour angle, parallax, refraction, azimuth). A plan that simulates several
candidate roofs on one time grid computes the first part once: :func:`solar_position` keeps the
time terms of the last few grids and composes the same :mod:`pvlib.spa` functions, in the same
order and on the same inputs, as :func:`pvlib.solarposition.spa_python` (``how="numpy"``): the
result is that function's, bit for bit (``tests/test_sun.py``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

#: Time grids whose time terms are kept (each ~1 MB for a half-hourly year).
MAX_GRIDS = 4

_TERMS: OrderedDict[tuple[str, float], dict[str, np.ndarray]] = OrderedDict()


def _time_terms(spa: Any, unixtime: np.ndarray, delta_t: float) -> dict[str, np.ndarray]:
    """SPA's observer-independent terms (pvlib's ``solar_position_numpy``, first half)."""
    key = (hashlib.blake2b(unixtime.tobytes(), digest_size=16).hexdigest(), float(delta_t))
    hit = _TERMS.get(key)
    if hit is not None:
        _TERMS.move_to_end(key)
        return hit
    jd = spa.julian_day(unixtime)
    jde = spa.julian_ephemeris_day(jd, delta_t)
    jc = spa.julian_century(jd)
    jce = spa.julian_ephemeris_century(jde)
    jme = spa.julian_ephemeris_millennium(jce)
    R = spa.heliocentric_radius_vector(jme)
    L = spa.heliocentric_longitude(jme)
    B = spa.heliocentric_latitude(jme)
    Theta = spa.geocentric_longitude(L)
    beta = spa.geocentric_latitude(B)
    x0 = spa.mean_elongation(jce)
    x1 = spa.mean_anomaly_sun(jce)
    x2 = spa.mean_anomaly_moon(jce)
    x3 = spa.moon_argument_latitude(jce)
    x4 = spa.moon_ascending_longitude(jce)
    l_o_nutation = np.empty((2, len(x0)))
    spa.longitude_obliquity_nutation(jce, x0, x1, x2, x3, x4, l_o_nutation)
    delta_psi = l_o_nutation[0]
    delta_epsilon = l_o_nutation[1]
    epsilon0 = spa.mean_ecliptic_obliquity(jme)
    epsilon = spa.true_ecliptic_obliquity(epsilon0, delta_epsilon)
    delta_tau = spa.aberration_correction(R)
    lamd = spa.apparent_sun_longitude(Theta, delta_psi, delta_tau)
    v0 = spa.mean_sidereal_time(jd, jc)
    v = spa.apparent_sidereal_time(v0, delta_psi, epsilon)
    alpha = spa.geocentric_sun_right_ascension(lamd, epsilon, beta)
    delta = spa.geocentric_sun_declination(lamd, epsilon, beta)
    m = spa.sun_mean_longitude(jme)
    eot = spa.equation_of_time(m, alpha, delta_psi, epsilon)
    xi = spa.equatorial_horizontal_parallax(R)
    terms = {"v": v, "alpha": alpha, "delta": delta, "eot": eot, "xi": xi}
    for arr in terms.values():
        arr.flags.writeable = False
    _TERMS[key] = terms
    while len(_TERMS) > MAX_GRIDS:
        _TERMS.popitem(last=False)
    return terms


def solar_position(
    times: pd.DatetimeIndex,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float = 0.0,
    pressure_pa: float = 101325.0,
    temperature_c: float = 12.0,
    delta_t_s: float = 67.0,
    atmos_refract_deg: float = 0.5667,
) -> pd.DataFrame:
    """:func:`pvlib.solarposition.spa_python` (``how="numpy"``), time terms shared by sites.

    Parameters
    ----------
    times : pandas.DatetimeIndex
        Instants (tz-aware, or UTC).
    latitude_deg, longitude_deg : float
        Observer [°], north and east positive.
    altitude_m : float
        Observer's altitude [m].
    pressure_pa : float
        Mean air pressure [Pa] (refraction).
    temperature_c : float
        Mean air temperature [°C] (refraction).
    delta_t_s : float
        TT − UT1 [s] (pvlib's default).
    atmos_refract_deg : float
        Refraction at sunrise and sunset [°] (pvlib's default).

    Returns
    -------
    pandas.DataFrame
        pvlib's columns: ``apparent_zenith``, ``zenith``, ``apparent_elevation``,
        ``elevation``, ``azimuth`` [°], ``equation_of_time`` [min], indexed by ``times``.

    References
    ----------
    I. Reda and A. Andreas, Solar position algorithm for solar radiation applications. Solar
    Energy 76(5), 577-589, 2004.
    """
    from pvlib import solarposition, spa

    if spa.USE_NUMBA:  # pragma: no cover - pvlib compiled to numba: its own path
        return solarposition.spa_python(
            times,
            latitude_deg,
            longitude_deg,
            altitude_m,
            pressure_pa,
            temperature_c,
            delta_t_s,
            atmos_refract_deg,
        )
    unixtime = solarposition._datetime_to_unixtime(times)
    t = _time_terms(spa, unixtime, delta_t_s)
    lat, lon, elev = latitude_deg, longitude_deg, altitude_m
    pressure = pressure_pa / 100  # millibars, as spa_python passes it
    H = spa.local_hour_angle(t["v"], lon, t["alpha"])
    u = spa.uterm(lat)
    x = spa.xterm(u, lat, elev)
    y = spa.yterm(u, lat, elev)
    delta_alpha = spa.parallax_sun_right_ascension(x, t["xi"], H, t["delta"])
    delta_prime = spa.topocentric_sun_declination(t["delta"], x, y, t["xi"], delta_alpha, H)
    H_prime = spa.topocentric_local_hour_angle(H, delta_alpha)
    e0 = spa.topocentric_elevation_angle_without_atmosphere(lat, delta_prime, H_prime)
    delta_e = spa.atmospheric_refraction_correction(pressure, temperature_c, e0, atmos_refract_deg)
    e = spa.topocentric_elevation_angle(e0, delta_e)
    theta = spa.topocentric_zenith_angle(e)
    theta0 = spa.topocentric_zenith_angle(e0)
    gamma = spa.topocentric_astronomers_azimuth(H_prime, delta_prime, lat)
    phi = spa.topocentric_azimuth_angle(gamma)
    # pvlib stacks the six results into one array before unpacking them (a copy, same values)
    app_zenith, zenith, app_elevation, elevation, azimuth, eot = np.array(
        (theta, theta0, e, e0, phi, t["eot"])
    )
    return pd.DataFrame(
        {
            "apparent_zenith": app_zenith,
            "zenith": zenith,
            "apparent_elevation": app_elevation,
            "elevation": elevation,
            "azimuth": azimuth,
            "equation_of_time": eot,
        },
        index=times,
    )


def clear_cache() -> None:
    """Forget the kept time terms."""
    _TERMS.clear()
