"""``[weather]``: where the weather year comes from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._section import Section

#: Values of ``[weather] source``.
WEATHER_SOURCES = ("synthetic", "file")

#: Formats understood by :func:`read_weather_file` (``auto`` sniffs the file).
WEATHER_FORMATS = ("auto", "pvgis_tmy", "pvgis_hourly", "epw", "tmy3", "rt2012", "csv")


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
    format : str
        One of :data:`WEATHER_FORMATS`; ``auto`` guesses from the extension and content.
    seed : int
        Seed of the synthetic generator (one seed = one plausible year).
    climatology : Path or None
        Monthly climatology TOML for the synthetic generator (default:
        ``weather/climatology_saint_denis.toml``).
    decomposition : {'erbs', 'dirint'}
        pvlib model splitting synthetic GHI into DNI and DHI.
    interannual_variability : bool
        ``false`` (default): the synthetic year reproduces the climatology's monthly
        irradiation exactly (the typical year). ``true``: a *sampled year* whose monthly sums
        vary around the climatology with its year-to-year variability
        (:func:`interannual_factors`); the uncertainty command always samples years.
    interannual_sd_pct : float or None
        Year-to-year standard deviation of the annual irradiation [%] overriding the
        climatology's ``[interannual]`` figure (only with ``interannual_variability``).
    """

    source: str = "synthetic"
    file: Path | None = None
    seed: int = 1
    format: str = "auto"
    climatology: Path | None = None
    decomposition: str = "erbs"
    interannual_variability: bool = False
    interannual_sd_pct: float | None = None

    @classmethod
    def from_section(cls, sec: Section) -> WeatherConfig:
        source = sec.str("source", "synthetic", choices=WEATHER_SOURCES)
        file = sec.path("file", None)
        if source == "file" and file is None:
            raise sec.error(
                "file", sec.raw("file", None), "a weather file path when source = 'file'"
            )
        if file is not None and not file.is_file():
            raise sec.error("file", str(file), "an existing weather file")
        climatology = sec.path("climatology", None)
        if climatology is not None and not climatology.is_file():
            raise sec.error("climatology", str(climatology), "an existing climatology TOML file")
        cfg = cls(
            source=source,
            file=file,
            seed=sec.int("seed", 1, min=0),
            format=sec.str("format", "auto", choices=WEATHER_FORMATS),
            climatology=climatology,
            decomposition=sec.str("decomposition", "erbs", choices=("erbs", "dirint")),
            interannual_variability=sec.bool("interannual_variability", False),
            interannual_sd_pct=sec.float("interannual_sd_pct", None, min=0.0, max=50.0, unit="%"),
        )
        if cfg.interannual_sd_pct is not None and not cfg.interannual_variability:
            raise sec.error(
                "interannual_sd_pct",
                cfg.interannual_sd_pct,
                "no value unless interannual_variability = true (the typical year has none)",
            )
        sec.finish()
        return cfg
