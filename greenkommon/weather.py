"""Weather: the hourly meteorological year that drives PV production.

Contract (used by :mod:`greenkommon.pipeline`)::

    load_weather(config, latitude_deg, longitude_deg, altitude_m, year, tz) -> (data, meta)

``data`` is an hourly, tz-aware frame in ``tz`` labelled by interval start, covering the whole
simulation ``year``, with columns ``ghi``, ``dni``, ``dhi`` [W/m², mean over the hour],
``temp_air`` [°C] and ``wind_speed`` [m/s]. ``meta`` holds ``latitude``, ``longitude``,
``altitude`` and ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._config import Section

WEATHER_SOURCES = ("synthetic", "file")


@dataclass(frozen=True)
class WeatherConfig:
    """``[weather]``.

    Attributes
    ----------
    source : {'synthetic', 'file'}
        ``synthetic``: the offline year generated from the monthly climatology in ``weather/``;
        ``file``: a weather file (``file``).
    file : Path or None
        Weather file for ``source = 'file'``.
    seed : int
        Seed of the synthetic generator (one seed = one plausible year).
    """

    source: str = "synthetic"
    file: Path | None = None
    seed: int = 1

    @classmethod
    def from_section(cls, sec: Section) -> WeatherConfig:
        source = sec.str("source", "synthetic", choices=WEATHER_SOURCES)
        file = sec.path("file", None)
        if source == "file" and file is None:
            raise sec.error("file", sec.raw("file", None), "a weather file path when source = 'file'")
        if file is not None and not file.is_file():
            raise sec.error("file", str(file), "an existing weather file")
        cfg = cls(source=source, file=file, seed=sec.int("seed", 1, min=0))
        sec.finish()
        return cfg
