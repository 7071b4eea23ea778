"""``[venues.load]``: how a venue's consumption curve is obtained."""

from __future__ import annotations

import math
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import DataError, GreenkommonWarning, ScenarioError
from ._section import Section


@cache
def archetype_names() -> tuple[str, ...]:
    """Names of the archetypes bundled in ``greenkommon/data/load_archetypes.toml``."""
    text = resources.files("greenkommon").joinpath("data/load_archetypes.toml").read_text("utf-8")
    return tuple(tomllib.loads(text))


#: Names of the bundled archetypes (their shapes: :func:`greenkommon.consumption.load_archetypes`).
ARCHETYPES: tuple[str, ...] = archetype_names()

#: Sanity bound of a venue's yearly consumption [kWh]: 100 GWh, far above any venue of an ACC
#: operation (a typo such as an extra three zeros, not a regulatory limit).
MAX_ANNUAL_KWH = 1e8

#: Load-file formats accepted in ``[venues.load].load_format`` (see :mod:`consumption_io`).
LOAD_FORMATS = ("auto", "enedis_portal", "enedis_r63", "enedis_xlsx", "generic", "greenkommon")
UNITS = ("W", "kW", "Wh", "kWh")
#: What a timestamp of a file marks: the start or the end of its interval (one table for every
#: reader and writer); ``auto`` lets a reader take its format's convention.
INTERVAL_LABELS = ("start", "end")
TIMESTAMP_CONVENTIONS = ("auto", *INTERVAL_LABELS)


# ------------------------------------------------------------------------------------------------
# Configuration
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadConfig:
    """``[venues.load]``: how a venue's consumption curve is obtained.

    Attributes
    ----------
    annual_consumption_kwh : float or None
        Yearly energy the synthetic profile is scaled to [kWh]. A measured curve is never scaled
        by it, except when written next to the ``load_file`` in the same table (deprecated
        spelling of ``rescale_to_annual_kwh``, with a warning); one inherited from an extended
        scenario is dropped when the extending file gives a ``load_file``.
    rescale_to_annual_kwh : float or None
        Rescale the measured curve (``load_file``) to this yearly total [kWh] (to study a growth
        or a sobriety plan). Always reported as a warning naming both totals.
    archetype : str
        Dominant archetype of the mix. At construction it may also be given as a mapping
        ``{name: weight}``; in TOML either ``archetype = "studios"`` or
        ``archetype = {studios = 0.7, events_venue = 0.3}`` (weights are normalised).
    archetypes : tuple of (str, float)
        Synthetic profile: archetype names of :data:`ARCHETYPES` with their share of the
        (non-thermal) annual energy [-], shares summing to 1.
    heating_share, cooling_share : float
        Share of the annual energy that follows the outdoor temperature (electric heating below
        ``heating_base_temp_c``, cooling above ``cooling_base_temp_c``) [-]. Needs the scenario
        weather; without weather the whole energy follows the archetype shape.
    heating_base_temp_c, cooling_base_temp_c : float
        Balance temperatures of the degree-hour model [°C].
    noise_pct : float
        Standard deviation of a multiplicative, autocorrelated intra-day noise [%] (0: smooth
        profile). Seeded: the same scenario gives the same curve.
    seed : int
        Seed of the noise (combined with the venue name).
    load_file : Path or None
        A measured load curve (any format of :mod:`greenkommon.consumption_io`, including the
        output of ``greenkommon load import``); when given it replaces the synthetic profile.
        In TOML a path, a glob pattern (``"loads/villa/*.xlsx"`` for 7-day chunks) or a list of
        paths, relative to the scenario file; this attribute is the first file.
    load_files : tuple of Path
        Every file of the venue (stitched on import).
    load_format : str
        One of :data:`LOAD_FORMATS` (``auto`` sniffs the file).
    unit : str or None
        Unit of a generic file's values when its header does not declare it (:data:`UNITS`).
    timestamp : str
        ``start`` or ``end`` of interval for a generic file (``auto``: Enedis C5 formats are
        interval-end, the greenkommon format interval-start, generic files interval-start).
    fill_gaps : bool
        Fill long gaps too (typical-week method) instead of raising.
    max_gap_hours : float
        Longest gap filled by linear interpolation without asking [h].
    max_missing_pct : float
        Largest missing share accepted without ``fill_gaps`` [%].
    """

    annual_consumption_kwh: float | None = None
    rescale_to_annual_kwh: float | None = None
    archetype: str | Mapping[str, float] | None = None
    archetypes: tuple[tuple[str, float], ...] = ()
    heating_share: float = 0.0
    cooling_share: float = 0.0
    heating_base_temp_c: float = 15.0
    cooling_base_temp_c: float = 24.0
    noise_pct: float = 0.0
    seed: int = 0
    load_file: Path | None = None
    load_files: tuple[Path, ...] = ()
    load_format: str = "auto"
    unit: str | None = None
    timestamp: str = "auto"
    fill_gaps: bool = False
    max_gap_hours: float = 2.0
    max_missing_pct: float = 5.0

    def __post_init__(self) -> None:
        # ``archetype`` (a name or {name: weight}) and ``archetypes`` describe the same mix; after
        # construction ``archetypes`` holds normalised weights and ``archetype`` the dominant name
        mix = self.archetypes
        if not mix:
            spec = self.archetype if self.archetype is not None else "offices"
            mix = ((spec, 1.0),) if isinstance(spec, str) else tuple(spec.items())
        unknown = [n for n, _ in mix if n not in ARCHETYPES]
        if unknown:
            raise DataError(f"archetype {unknown[0]!r}: expected one of {', '.join(ARCHETYPES)}")
        total = sum(w for _, w in mix)
        if not all(math.isfinite(w) and w >= 0 for _, w in mix) or total <= 0:
            raise DataError(
                f"archetype weights {dict(mix)}: expected weights >= 0, at least one > 0"
            )
        mix = tuple((n, float(w) / total) for n, w in mix if w > 0)
        object.__setattr__(self, "archetypes", mix)
        object.__setattr__(self, "archetype", max(mix, key=lambda a: a[1])[0])

    @classmethod
    def from_section(cls, sec: Section) -> LoadConfig:
        load_files = _read_load_files(sec)
        load_file = load_files[0] if load_files else None
        annual = sec.float(
            "annual_consumption_kwh",
            None,
            min=0,
            min_exclusive=True,
            max=MAX_ANNUAL_KWH,
            unit="kWh",
        )
        rescale = sec.float(
            "rescale_to_annual_kwh", None, min=0, min_exclusive=True, max=MAX_ANNUAL_KWH, unit="kWh"
        )
        if rescale is not None and load_file is None:
            raise sec.error(
                "rescale_to_annual_kwh",
                rescale,
                "a load_file to rescale (a synthetic profile takes annual_consumption_kwh)",
            )
        if load_file is not None and annual is not None and rescale is None:
            warnings.warn(
                f"{sec.file}: {sec.field('annual_consumption_kwh')} next to a load_file rescales "
                "the measured curve: write rescale_to_annual_kwh instead (this spelling is kept "
                "for one release)",
                GreenkommonWarning,
                stacklevel=2,
            )
            rescale = annual
        if load_file is None and annual is None:
            raise sec.error(
                "annual_consumption_kwh",
                sec.raw("annual_consumption_kwh", None),
                "an annual consumption [kWh] or a load_file",
            )
        heating = sec.float("heating_share", 0.0, min=0, max=1)
        cooling = sec.float("cooling_share", 0.0, min=0, max=1)
        if heating + cooling > 1:
            raise sec.error(
                "cooling_share",
                cooling,
                f"heating_share + cooling_share <= 1 (heating_share = {heating:g})",
            )
        cfg = cls(
            annual_consumption_kwh=annual,
            rescale_to_annual_kwh=rescale,
            archetypes=_read_archetypes(sec),
            heating_share=heating,
            cooling_share=cooling,
            heating_base_temp_c=sec.float("heating_base_temp_c", 15.0, min=-20, max=30, unit="°C"),
            cooling_base_temp_c=sec.float("cooling_base_temp_c", 24.0, min=10, max=45, unit="°C"),
            noise_pct=sec.float("noise_pct", 0.0, min=0, max=100, unit="%"),
            seed=sec.int("seed", 0, min=0),
            load_file=load_file,
            load_files=load_files,
            load_format=sec.str("load_format", "auto", choices=LOAD_FORMATS),
            unit=sec.str("unit", None, choices=UNITS),
            timestamp=sec.str("timestamp", "auto", choices=TIMESTAMP_CONVENTIONS),
            fill_gaps=sec.bool("fill_gaps", False),
            max_gap_hours=sec.float("max_gap_hours", 2.0, min=0, unit="h"),
            max_missing_pct=sec.float("max_missing_pct", 5.0, min=0, max=100, unit="%"),
        )
        sec.finish()
        return cfg


def _read_load_files(sec: Section) -> tuple[Path, ...]:
    from ..prm import redact  # file names of Enedis exports often carry the PRM

    raw = sec.raw("load_file", None)
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    expected = "a load-curve file path, a glob pattern or a list of paths"
    if not isinstance(items, list) or not items or not all(isinstance(x, str) and x for x in items):
        raise ScenarioError(redact(str(sec.error("load_file", raw, expected))))
    base = sec.file.parent if sec.file is not None else Path(".")
    files: list[Path] = []
    for item in items:
        p = Path(item).expanduser()
        if not p.is_absolute():
            p = base / p
        if any(ch in item for ch in "*?["):
            found = sorted(q for q in p.parent.glob(p.name) if q.is_file())
            if not found:
                raise ScenarioError(
                    redact(
                        f"{sec.file}: {sec.field('load_file')} = {item!r}: expected a pattern matching load-curve files"
                    )
                )
            files.extend(found)
        elif not p.is_file():
            raise ScenarioError(
                redact(
                    f"{sec.file}: {sec.field('load_file')} = '{p}': expected an existing load-curve file"
                )
            )
        else:
            files.append(p)
    return tuple(dict.fromkeys(files))


def _read_archetypes(sec: Section) -> tuple[tuple[str, float], ...]:
    raw = sec.raw("archetype", "offices")
    expected = f"an archetype name or a table {{name = weight}} with names among {', '.join(map(repr, ARCHETYPES))}"
    if isinstance(raw, str):
        if raw not in ARCHETYPES:
            raise sec.error("archetype", raw, expected)
        return ((raw, 1.0),)
    if not isinstance(raw, Mapping) or not raw:
        raise sec.error("archetype", raw, expected)
    items = []
    for name, w in raw.items():
        if name not in ARCHETYPES:
            raise sec.error(f"archetype.{name}", w, expected)
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise sec.error(f"archetype.{name}", w, "a weight >= 0")
        items.append((name, float(w)))
    total = sum(w for _, w in items)
    if total <= 0:
        raise sec.error("archetype", raw, "at least one weight > 0")
    return tuple((n, w / total) for n, w in items if w > 0)
