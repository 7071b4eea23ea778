"""greenkommon._sun.solar_position is pvlib's SPA (numpy) bit for bit, its time terms shared."""

from __future__ import annotations

import pandas as pd
import pvlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon import _sun


def _grid(year: int, freq: str, tz: str = "Europe/Paris") -> pd.DatetimeIndex:
    index = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq=freq, tz=tz, inclusive="left")
    return index + pd.Timedelta(freq) / 2


def _assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    # bit for bit: the same pvlib.spa functions on the same inputs, in the same order
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("freq", ["1h", "30min"])
def test_equals_pvlib_spa_on_a_year(freq):
    _sun.clear_cache()
    times = _grid(2026, freq)
    for lat, lon, alt in [(48.9362, 2.3574, 35.0), (48.9061, 2.38905, 40.0), (43.3, 5.4, 0.0)]:
        theirs = pvlib.solarposition.get_solarposition(times, lat, lon, altitude=alt)
        ours = _sun.solar_position(times, lat, lon, alt, pressure_pa=pvlib.atmosphere.alt2pres(alt))
        _assert_same(ours, theirs)


def test_equals_pvlib_location_path():
    """What the weather generator asked pvlib: a Location's solar position (pressure from the
    altitude)."""
    times = _grid(2025, "1h")
    loc = pvlib.location.Location(48.9, 2.36, altitude=120.0)
    theirs = loc.get_solarposition(times)
    ours = _sun.solar_position(
        times, 48.9, 2.36, 120.0, pressure_pa=pvlib.atmosphere.alt2pres(120.0)
    )
    _assert_same(ours, theirs)


@settings(max_examples=25, deadline=None)
@given(
    lat=st.floats(-66.0, 66.0),
    lon=st.floats(-179.0, 179.0),
    alt=st.floats(0.0, 3000.0),
    pressure=st.floats(70000.0, 105000.0),
    temperature=st.floats(-20.0, 40.0),
    start=st.integers(0, 365 * 24 * 30),
)
def test_equals_pvlib_anywhere(lat, lon, alt, pressure, temperature, start):
    times = pd.date_range("2020-01-01", periods=200, freq="37min", tz="UTC") + pd.Timedelta(
        minutes=start
    )
    theirs = pvlib.solarposition.spa_python(
        times, lat, lon, altitude=alt, pressure=pressure, temperature=temperature
    )
    ours = _sun.solar_position(times, lat, lon, alt, pressure, temperature)
    _assert_same(ours, theirs)


def test_time_terms_are_kept_per_grid_and_read_only():
    _sun.clear_cache()
    times = _grid(2026, "30min")
    _sun.solar_position(times, 48.9, 2.36)
    assert len(_sun._TERMS) == 1
    terms = next(iter(_sun._TERMS.values()))
    assert all(not a.flags.writeable for a in terms.values())
    _sun.solar_position(times, 45.0, 4.0)  # another site, same grid: same terms
    assert len(_sun._TERMS) == 1 and next(iter(_sun._TERMS.values())) is terms
    for k in range(_sun.MAX_GRIDS + 2):
        _sun.solar_position(_grid(2000 + k, "1h"), 48.9, 2.36)
    assert len(_sun._TERMS) == _sun.MAX_GRIDS
