"""``[optimise]``: options of the key optimiser (the optimiser itself: :mod:`greenkommon.optimise`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ScenarioError
from ._section import _MISSING, Section
from .plant import MAX_PEAK_POWER_KWP

#: Fairness options of the ``[optimise] fairness`` list and of the ``--fairness`` flag.
FAIRNESS_OPTIONS = ("no_loss", "vs_prorata", "equity_shares", "maxmin")

#: HiGHS algorithms (HiGHS option ``solver``).
HIGHS_METHODS = ("choose", "simplex", "ipm")

#: Key models.
MODELS = ("static", "dynamic")


def default_key_precision() -> float:
    """Precision of an uploaded key coefficient [-]: :data:`greenkommon.allocation.PERMILLE`
    (``data/keys.toml``, UNCONFIRMED)."""
    from ..allocation import PERMILLE

    return PERMILLE


@dataclass(frozen=True)
class OptimiseConfig:
    """``[optimise]``: options of the key optimiser.

    Example::

        [key]
        type = "optimised"                    # the pipeline asks the optimiser for the key

        [optimise]
        model = "static"                      # or "dynamic"
        fairness = ["no_loss", "maxmin"]      # any of no_loss, vs_prorata, equity_shares, maxmin
        method = "ipm"                        # HiGHS algorithm

        [optimise.bounds]                     # optional [lower, upper] static coefficient per venue
        "le 6b" = [0.10, 0.50]

        [optimise.equity_shares]              # with fairness = [..., "equity_shares"]
        "le 6b" = 0.30

        # joint sizing (greenkommon optimise --size, or size_plant = true); no default figures:
        # max_peak_power_kwp = ...            # or roof_area_m2 and peak_power_kwp_per_m2
        # capex_eur_per_kwp = ...             # [€/kWp]; default: the [finance] producer costs

    Attributes
    ----------
    solver : str
        ``'highs'`` (HiGHS through Pyomo; the only solver supported).
    method : str
        HiGHS algorithm: ``'ipm'`` (interior point with crossover, the fastest on the large
        dynamic LP), ``'simplex'`` or ``'choose'``.
    model : str
        ``'static'`` (one coefficient per venue) or ``'dynamic'`` (one per venue and interval),
        used when ``[key] type = 'optimised'``.
    fairness : tuple of str
        Any of :data:`FAIRNESS_OPTIONS`.
    equity_shares : tuple of (str, float)
        ``[optimise.equity_shares]``: venue name → minimum share of the total savings [-]
        (``equity_shares`` option).
    bounds : tuple of (str, float, float)
        ``[optimise.bounds]``: venue name → ``[lower, upper]`` static coefficient [-].
    size_plant : bool
        Optimise the plant size together with the static key.
    min_peak_power_kwp, max_peak_power_kwp : float
        Bounds of the plant size [kWp]; the upper bound may instead come from ``roof_area_m2`` ×
        ``peak_power_kwp_per_m2``.
    roof_area_m2 : float or None
        Usable roof area [m²].
    peak_power_kwp_per_m2 : float or None
        Peak power installable per m² of roof [kWp/m²] (no default: depends on modules and
        layout).
    capex_eur_per_kwp : float or None
        Investment cost [€/kWp], annualised over ``[finance] lifetime_years`` at
        ``discount_rate``. ``None``: the producer's costs of the finance stage (``[finance]`` or
        the data file's producer defaults): CAPEX, OPEX, insurance, roof rent, inverter.
    opex_eur_per_kwp_per_year : float
        Yearly operating cost [€/kWp/yr] (with ``capex_eur_per_kwp``).
    round_keys : bool
        Floor the coefficients to :func:`default_key_precision` (or ``key_precision``) before
        re-simulating them, like an uploaded key.
    key_precision : float or None
        Step of an uploaded coefficient [-]; ``None`` uses ``data/keys.toml``.
    time_limit_s : float
        Time limit per solver call [s].
    """

    solver: str = "highs"
    method: str = "ipm"
    model: str = "static"
    fairness: tuple[str, ...] = ()
    equity_shares: tuple[tuple[str, float], ...] = ()
    bounds: tuple[tuple[str, float, float], ...] = ()
    size_plant: bool = False
    min_peak_power_kwp: float = 0.0
    max_peak_power_kwp: float | None = None
    roof_area_m2: float | None = None
    peak_power_kwp_per_m2: float | None = None
    capex_eur_per_kwp: float | None = None
    opex_eur_per_kwp_per_year: float = 0.0
    round_keys: bool = True
    key_precision: float | None = None
    time_limit_s: float = 60.0
    file: Path | None = field(default=None, compare=False, repr=False)
    where: str = field(default="optimise", compare=False, repr=False)

    @classmethod
    def from_section(cls, sec: Section) -> OptimiseConfig:
        fairness = tuple(sec.strs("fairness", []))
        for name in fairness:
            if name not in FAIRNESS_OPTIONS:
                raise sec.error(
                    "fairness",
                    list(fairness),
                    "a list among " + ", ".join(map(repr, FAIRNESS_OPTIONS)),
                )
        shares_sec = sec.section("equity_shares", {})
        shares = []
        for name in shares_sec.keys():
            shares.append((name, shares_sec.float(name, min=0, max=1)))
        shares_sec.finish()
        if shares and "equity_shares" not in fairness:
            raise sec.error(
                "equity_shares",
                "{table}",
                "no equity_shares table unless fairness contains 'equity_shares'",
            )
        if "equity_shares" in fairness and not shares:
            raise sec.error(
                "equity_shares", _missing(), "a table {venue name = minimum share of total savings}"
            )
        if sum(s for _, s in shares) > 1 + 1e-9:
            raise sec.error("equity_shares", "{table}", "shares summing to at most 1")
        bounds_sec = sec.section("bounds", {})
        bounds = []
        for name in bounds_sec.keys():
            lo_hi = bounds_sec.floats(name, min=0, length=2)
            if not lo_hi[0] <= lo_hi[1] <= 1:
                raise bounds_sec.error(name, lo_hi, "[lower, upper] with 0 <= lower <= upper <= 1")
            bounds.append((name, lo_hi[0], lo_hi[1]))
        bounds_sec.finish()
        size_plant = sec.bool("size_plant", False)
        cfg = cls(
            solver=sec.str("solver", "highs", choices=("highs",)),
            method=sec.str("method", "ipm", choices=HIGHS_METHODS),
            model=sec.str("model", "static", choices=MODELS),
            fairness=fairness,
            equity_shares=tuple(shares),
            bounds=tuple(bounds),
            size_plant=size_plant,
            min_peak_power_kwp=sec.float(
                "min_peak_power_kwp", 0.0, min=0, max=MAX_PEAK_POWER_KWP, unit="kWp"
            ),
            max_peak_power_kwp=sec.float(
                "max_peak_power_kwp",
                None,
                min=0,
                min_exclusive=True,
                max=MAX_PEAK_POWER_KWP,
                unit="kWp",
            ),
            roof_area_m2=sec.float("roof_area_m2", None, min=0, min_exclusive=True, unit="m²"),
            peak_power_kwp_per_m2=sec.float(
                "peak_power_kwp_per_m2", None, min=0, min_exclusive=True, unit="kWp/m²"
            ),
            capex_eur_per_kwp=sec.float("capex_eur_per_kwp", None, min=0, unit="€/kWp"),
            opex_eur_per_kwp_per_year=sec.float(
                "opex_eur_per_kwp_per_year", 0.0, min=0, unit="€/kWp/yr"
            ),
            round_keys=sec.bool("round_keys", True),
            key_precision=sec.float("key_precision", None, min=0, min_exclusive=True, max=0.1),
            time_limit_s=sec.float("time_limit_s", 60.0, min=0, min_exclusive=True, unit="s"),
            file=sec.file,
            where=sec.where or "optimise",
        )
        if size_plant:
            if cfg.max_peak_power_kwp is None and (
                cfg.roof_area_m2 is None or cfg.peak_power_kwp_per_m2 is None
            ):
                raise sec.error(
                    "max_peak_power_kwp",
                    _missing(),
                    "a size limit [kWp], or roof_area_m2 and peak_power_kwp_per_m2, when size_plant = true",
                )
            if cfg.model != "static":
                raise sec.error(
                    "model",
                    cfg.model,
                    "'static' when size_plant = true (sizing optimises a static key)",
                )
            if cfg.max_size_kwp() < cfg.min_peak_power_kwp:
                raise sec.error(
                    "min_peak_power_kwp",
                    cfg.min_peak_power_kwp,
                    f"at most the size limit {cfg.max_size_kwp():g} kWp",
                )
        sec.finish()
        return cfg

    # -- resolution against the scenario's venues ------------------------------------------
    def _error(self, name: str, value: Any, expected: str) -> ScenarioError:
        return Section({}, self.where, self.file).error(name, value, expected)

    def max_size_kwp(self) -> float:
        """Upper bound of the plant size [kWp] (roof limit and explicit limit)."""
        limits = []
        if self.max_peak_power_kwp is not None:
            limits.append(self.max_peak_power_kwp)
        if self.roof_area_m2 is not None and self.peak_power_kwp_per_m2 is not None:
            limits.append(self.roof_area_m2 * self.peak_power_kwp_per_m2)
        return min(limits) if limits else math.inf

    def bounds_arrays(self, venue_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper static coefficient per venue [-], in venue order."""
        lower = np.zeros(len(venue_names))
        upper = np.ones(len(venue_names))
        for name, lo, hi in self.bounds:
            if name not in venue_names:
                raise self._error(
                    f"bounds.{name!r}",
                    [lo, hi],
                    "a venue of the scenario: " + ", ".join(map(repr, venue_names)),
                )
            i = list(venue_names).index(name)
            lower[i], upper[i] = lo, hi
        if lower.sum() > 1 + 1e-12:
            raise self._error(
                "bounds",
                "{table}",
                f"lower bounds summing to at most 1 (they sum to {lower.sum():.6g})",
            )
        return lower, upper

    def shares_array(self, venue_names: Sequence[str]) -> np.ndarray | None:
        """Minimum share of total savings per venue [-] (``None`` without the option)."""
        if "equity_shares" not in self.fairness:
            return None
        shares = np.zeros(len(venue_names))
        for name, share in self.equity_shares:
            if name not in venue_names:
                raise self._error(
                    f"equity_shares.{name!r}",
                    share,
                    "a venue of the scenario: " + ", ".join(map(repr, venue_names)),
                )
            shares[list(venue_names).index(name)] = share
        return shares

    def precision(self) -> float:
        return self.key_precision if self.key_precision is not None else default_key_precision()


def _missing() -> Any:
    return _MISSING
