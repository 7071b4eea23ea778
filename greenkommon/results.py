"""Typed results of the two evaluation stages: :class:`EnergyResult` and :class:`PortfolioResult`.

The anchors are pvlib's ``ModelChainResult`` (one object, documented fields with units) and
frozen dataclasses: nothing is added to a result after it is built, and no field is an untyped
dictionary. Frames use interval-start, tz-aware labels (the simulation grid); yearly figures are
plain floats with their unit in the name.

Layout::

    PortfolioResult
    ├── energy: EnergyResult        weather, production per plant, own roofs, gross loads
    ├── operations: (OperationResult, ...)   one per ACC operation: allocation, bills,
    │                                       eligibility, optimiser report, finance
    ├── venues: (VenueResult, ...)  one per venue, across its operation and its own roof
    └── collective: CollectiveResult        totals of the portfolio

Conservation (tested in ``tests/test_portfolio.py``): per interval and per operation,
``production = Σ allocated + surplus`` and per venue ``metered consumption = allocated + grid
import``; per venue ``gross consumption = own self-consumed + metered consumption``; the
collective's totals are the sums of the operations' and the venues' figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .allocation import Allocation
    from .config.scenario import Scenario
    from .economics.finance import FinanceResult
    from .eligibility import EligibilityReport


@dataclass(frozen=True)
class EnergyResult:
    """The physical, key-independent stages of a scenario (the expensive part; cache it).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Simulation grid (interval-start labels, local time).
    step_h : float
        Interval length [h].
    weather : pandas.DataFrame
        Hourly weather at the first plant (``ghi dni dhi`` [W/m²], ``temp_air`` [°C],
        ``wind_speed`` [m/s]); the venues' temperature-driven loads use it.
    weather_meta : mapping
        Source and location of that weather (read-only).
    production_kwh : pandas.DataFrame
        Energy injected per interval by each shared plant (columns: plant names) [kWh].
    own_production_kwh : pandas.DataFrame
        Energy produced per interval by each venue's own roof (columns: venue names with an own
        roof; none without) [kWh].
    consumption_kwh : pandas.DataFrame
        Gross energy each venue uses per interval, before any own production (columns: venue
        names) [kWh].
    """

    index: pd.DatetimeIndex
    step_h: float
    weather: pd.DataFrame
    weather_meta: Mapping[str, object]
    production_kwh: pd.DataFrame
    own_production_kwh: pd.DataFrame
    consumption_kwh: pd.DataFrame

    def scaled(self, plant_scale: Mapping[str, float]) -> EnergyResult:
        """The same energy with some plants' production scaled (a change of size only).

        Production is linear in the DC nameplate for a fixed layout (same sections, same
        orientation and losses), so resizing a plant scales its curve: no new pvlib run.
        """
        unknown = [n for n in plant_scale if n not in self.production_kwh.columns]
        if unknown:
            raise ScenarioError(
                f"plant {unknown[0]!r}: no such plant; expected one of "
                f"{', '.join(map(repr, self.production_kwh.columns))}"
            )
        prod = self.production_kwh.copy()
        for name, factor in plant_scale.items():
            prod[name] = prod[name] * float(factor)
        return EnergyResult(
            index=self.index,
            step_h=self.step_h,
            weather=self.weather,
            weather_meta=self.weather_meta,
            production_kwh=prod,
            own_production_kwh=self.own_production_kwh,
            consumption_kwh=self.consumption_kwh,
        )


@dataclass(frozen=True)
class OptimiserReport:
    """What the key optimiser did (``[key] type = 'optimised'``).

    Attributes
    ----------
    model : str
        ``'static'`` or ``'dynamic'``.
    fairness : tuple of str
        Fairness options applied.
    method : str
        HiGHS algorithm.
    key_precision : float or None
        Step the coefficients were floored to [-] (``None``: not rounded).
    optimiser_value_eur, resimulated_value_eur, prorata_value_eur : float
        Value of the allocated energy as solved, re-simulated with the (rounded) key, and with
        Enedis's default key [€/yr].
    savings_eur, prorata_savings_eur : mapping of str to float
        Per venue: saving with the optimised key and with the default key [€/yr].
    coefficients, coefficients_rounded : mapping of str to float or None
        Static key as solved and as uploaded [-] (static model).
    weighted_coefficients : mapping of str to float or None
        Production-weighted mean coefficient [-] (dynamic model).
    peak_power_kwp : float or None
        Plant size chosen by the sizing model [kWp].
    min_relative_saving : float or None
        Smallest saving relative to the bill without the operation [-] (maxmin option).
    stats : mapping of str to float
        Solver statistics (solves, variables, constraints, times [s]).
    notes : tuple of str
    advice : str
        Which key to use and who gains or loses against the default key, in one sentence
        (:func:`greenkommon.optimise.advice.advise_key`), then its warnings.
    """

    model: str
    fairness: tuple[str, ...]
    method: str
    key_precision: float | None
    optimiser_value_eur: float
    resimulated_value_eur: float
    prorata_value_eur: float
    savings_eur: Mapping[str, float]
    prorata_savings_eur: Mapping[str, float]
    peak_power_kwp: float | None
    min_relative_saving: float | None
    stats: Mapping[str, float]
    notes: tuple[str, ...]
    coefficients: Mapping[str, float] | None = None
    coefficients_rounded: Mapping[str, float] | None = None
    weighted_coefficients: Mapping[str, float] | None = None
    advice: str = ""

    @classmethod
    def from_mapping(cls, report: Mapping[str, Any]) -> OptimiserReport:
        """Build from the optimiser's JSON-ready report (:func:`greenkommon.optimise.optimise_scenario`)."""

        def ro(value: Any) -> Mapping[str, float] | None:
            return None if value is None else MappingProxyType(dict(value))

        return cls(
            model=str(report["model"]),
            fairness=tuple(report.get("fairness") or ()),
            method=str(report.get("method", "")),
            key_precision=report.get("key_precision"),
            optimiser_value_eur=float(report["optimiser_value_eur"]),
            resimulated_value_eur=float(report["resimulated_value_eur"]),
            prorata_value_eur=float(report["prorata_value_eur"]),
            savings_eur=MappingProxyType(dict(report["savings_eur"])),
            prorata_savings_eur=MappingProxyType(dict(report["prorata_savings_eur"])),
            peak_power_kwp=report.get("peak_power_kwp"),
            min_relative_saving=report.get("min_relative_saving"),
            stats=MappingProxyType(dict(report.get("stats") or {})),
            notes=tuple(report.get("notes") or ()),
            coefficients=ro(report.get("coefficients")),
            coefficients_rounded=ro(report.get("coefficients_rounded")),
            weighted_coefficients=ro(report.get("weighted_coefficients")),
            advice=" ".join(
                [str((report.get("advice") or {}).get("sentence", ""))]
                + [f"Warning: {w}." for w in (report.get("advice") or {}).get("warnings", ())]
            ).strip(),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready copy (the layout of ``greenkommon optimise --json``)."""
        out: dict[str, object] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = (
                dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v
            )
        return out


@dataclass(frozen=True)
class OperationTotals:
    """Yearly totals of one operation (energies [kWh/yr], rates [%], money [€/yr])."""

    peak_power_kwp: float
    production_kwh: float
    specific_yield_kwh_per_kwp: float
    consumption_kwh: float
    allocated_kwh: float
    surplus_kwh: float
    flooring_surplus_kwh: float
    self_consumption_pct: float
    self_sufficiency_pct: float
    bill_without_eur: float
    bill_with_eur: float
    savings_eur: float


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else float("nan")


@dataclass(frozen=True)
class OperationResult:
    """One ACC operation: its plants, its venues, the key, the allocation, bills and finance.

    Attributes
    ----------
    name : str
        Operation name.
    scenario : Scenario
        The operation seen as a scenario of one operation: ``plant`` is its plants (sections of
        all of them), ``venues`` its members, ``key``, ``prices`` (with the operation's internal
        price), ``finance`` its producer's.
    plant_names : tuple of str
        Its shared plants, in ``production_kwh`` column order of :class:`EnergyResult`.
    index, weather, weather_meta
        As in :class:`EnergyResult`.
    production_kwh : pandas.Series
        Pooled production of the operation's producers per interval (PROD) [kWh], including
        the own-roof surplus venues give to the operation.
    consumption_kwh : pandas.DataFrame
        Consumption per member as Enedis measures it (after the venue's own production is
        consumed behind the meter; CONS) [kWh].
    coefficients : numpy.ndarray or None
        Static coefficients used (static / optimised static keys) [-], member order.
    allocation : greenkommon.allocation.Allocation
        The allocation core's arrays.
    allocated_kwh, grid_import_kwh : pandas.DataFrame
        AUTOCONS and COMPLEMENT per member and interval [kWh].
    surplus_kwh : pandas.Series
        SURPLUS per interval [kWh].
    bills : pandas.DataFrame
        One row per member, bills on the metered consumption: ``bill_without_eur``,
        ``bill_with_eur``, ``savings_eur`` [€/yr] and the breakdown of the economics stage.
    eligibility : EligibilityReport
        Distance and power rules for this operation's producers and consumers.
    optimiser : OptimiserReport or None
        For ``type = 'optimised'`` keys.
    finance : FinanceResult or None
        The producer's long-term projection (``None`` when a run does not project).
    plants_production_kwh : float or None
        Year-1 production of the operation's own plants [kWh/yr], without the own-roof surplus
        venues give to it (the producer's surplus is this less its AUTOPROD); ``None`` = the
        operation's whole production.
    """

    name: str
    scenario: Scenario
    plant_names: tuple[str, ...]
    index: pd.DatetimeIndex
    weather: pd.DataFrame
    weather_meta: Mapping[str, object]
    production_kwh: pd.Series
    consumption_kwh: pd.DataFrame
    coefficients: np.ndarray | None
    allocation: Allocation
    allocated_kwh: pd.DataFrame
    surplus_kwh: pd.Series
    grid_import_kwh: pd.DataFrame
    bills: pd.DataFrame
    eligibility: EligibilityReport
    optimiser: OptimiserReport | None = None
    finance: FinanceResult | None = None
    plants_production_kwh: float | None = None

    @property
    def step_h(self) -> float:
        """Interval length [h]."""
        from .timegrid import step_hours

        return step_hours(self.scenario.simulation.step)

    @property
    def venue_names(self) -> tuple[str, ...]:
        return tuple(self.consumption_kwh.columns)

    @property
    def extras(self) -> Mapping[str, object]:
        """Read-only view of the typed fields under their former ``extras`` names.

        Kept for code written against the former ``ScenarioResult.extras`` dictionary; use
        :attr:`eligibility`, :attr:`finance` and :attr:`optimiser`.
        """
        out: dict[str, object] = {"eligibility": self.eligibility, "finance": self.finance}
        if self.optimiser is not None:
            out["optimiser"] = self.optimiser
        return MappingProxyType(out)

    def totals(self) -> OperationTotals:
        """Yearly totals of the operation."""
        kwp = self.scenario.plant.peak_power_kwp
        production = float(self.production_kwh.sum())
        allocated = float(self.allocated_kwh.to_numpy().sum())
        consumption = float(self.consumption_kwh.to_numpy().sum())
        return OperationTotals(
            peak_power_kwp=kwp,
            production_kwh=production,
            specific_yield_kwh_per_kwp=production / kwp if kwp > 0 else float("nan"),
            consumption_kwh=consumption,
            allocated_kwh=allocated,
            surplus_kwh=float(self.surplus_kwh.sum()),
            flooring_surplus_kwh=float(self.allocation.flooring_surplus_kwh),
            self_consumption_pct=_pct(allocated, production),
            self_sufficiency_pct=_pct(allocated, consumption),
            bill_without_eur=float(self.bills["bill_without_eur"].sum()),
            bill_with_eur=float(self.bills["bill_with_eur"].sum()),
            savings_eur=float(self.bills["savings_eur"].sum()),
        )

    def collective_summary(self) -> dict[str, float]:
        """:meth:`totals` as a mapping (the layout of ``run --json``'s ``collective``)."""
        return asdict(self.totals())

    def venue_summary(self) -> pd.DataFrame:
        """Yearly energy and money per member, as Enedis measures it.

        Columns: ``consumption_kwh``, ``allocated_kwh``, ``grid_import_kwh`` [kWh/yr],
        ``self_sufficiency_pct`` [%], then ``bill_without_eur``, ``bill_with_eur``,
        ``savings_eur`` [€/yr].
        """
        cons = self.consumption_kwh.sum()
        alloc = self.allocated_kwh.sum()
        table = pd.DataFrame(
            {
                "consumption_kwh": cons,
                "allocated_kwh": alloc,
                "grid_import_kwh": self.grid_import_kwh.sum(),
                "self_sufficiency_pct": 100.0 * alloc / cons.where(cons > 0),
            }
        )
        table.index.name = "venue"
        return table.join(self.bills[["bill_without_eur", "bill_with_eur", "savings_eur"]])

    def timeseries_frame(self) -> pd.DataFrame:
        """Per-interval energies with units in the column names (``<venue> allocated_kwh``...)."""
        cols: dict[str, pd.Series] = {"production_kwh": self.production_kwh}
        for frame, what in (
            (self.consumption_kwh, "consumption_kwh"),
            (self.allocated_kwh, "allocated_kwh"),
            (self.grid_import_kwh, "grid_import_kwh"),
        ):
            for name in frame.columns:
                cols[f"{name} {what}"] = frame[name]
        cols["surplus_kwh"] = self.surplus_kwh
        return pd.DataFrame(cols, index=self.index)


@dataclass(frozen=True)
class VenueResult:
    """One venue across its operation and its own roof (yearly figures).

    Attributes
    ----------
    name : str
    operation : str or None
        The operation it belongs to (``None``: own roof only, or nothing).
    consumption_kwh : float
        Gross energy used [kWh/yr].
    own_production_kwh : float
        Production of its own roof [kWh/yr] (0 without).
    own_self_consumed_kwh : float
        Own production consumed behind the meter [kWh/yr].
    own_surplus_kwh : float
        Own production injected (sold, or given to the operation) [kWh/yr].
    own_surplus_to_operation_kwh : float
        Part of ``own_surplus_kwh`` given to the operation as a producer [kWh/yr].
    metered_consumption_kwh : float
        Consumption as Enedis measures it, after own production [kWh/yr].
    allocated_kwh : float
        Energy allocated by its operation (AUTOCONS) [kWh/yr].
    grid_import_kwh : float
        Energy bought from its supplier (COMPLEMENT) [kWh/yr].
    bill_without_eur : float
        Yearly bill with no PV at all (gross consumption) [€/yr].
    bill_with_eur : float
        Yearly bill with its own roof and its operation [€/yr].
    own_surplus_revenue_eur : float
        Revenue of the own surplus [€/yr]: sold at the scenario's surplus price; or, given to
        the operation, its allocated part (AUTOPROD) at the operation's internal price (excl.
        VAT) and the rest at the surplus price.
    savings_eur : float
        ``bill_without − bill_with + own_surplus_revenue`` [€/yr] (own-roof costs not deducted).
    self_sufficiency_pct : float
        ``(own self-consumed + allocated) / consumption`` [%].
    """

    name: str
    operation: str | None
    consumption_kwh: float
    own_production_kwh: float
    own_self_consumed_kwh: float
    own_surplus_kwh: float
    own_surplus_to_operation_kwh: float
    metered_consumption_kwh: float
    allocated_kwh: float
    grid_import_kwh: float
    bill_without_eur: float
    bill_with_eur: float
    own_surplus_revenue_eur: float
    savings_eur: float
    self_sufficiency_pct: float


@dataclass(frozen=True)
class CollectiveResult:
    """Totals of the portfolio (energies [kWh/yr], money [€/yr], rates [%]).

    ``shared_*`` figures are the operations' (shared plants and own surplus given to them);
    ``own_*`` figures the venues' own roofs. ``savings_eur`` is the sum of the venues'
    savings; ``all_eligible`` says whether every operation passes the distance and power rules.
    """

    shared_peak_power_kwp: float
    own_peak_power_kwp: float
    shared_production_kwh: float
    own_production_kwh: float
    consumption_kwh: float
    own_self_consumed_kwh: float
    metered_consumption_kwh: float
    allocated_kwh: float
    surplus_kwh: float
    own_surplus_sold_kwh: float
    grid_import_kwh: float
    bill_without_eur: float
    bill_with_eur: float
    own_surplus_revenue_eur: float
    savings_eur: float
    self_sufficiency_pct: float
    n_operations: int
    n_eligible_operations: int
    all_eligible: bool


def _named(items: tuple[Any, ...], name: str, what: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise ScenarioError(
        f"{what} {name!r}: no such {what}; expected one of {', '.join(repr(i.name) for i in items)}"
    )


#: Attributes of a one-operation result reachable on :class:`PortfolioResult` directly.
ONE_OPERATION_ATTRIBUTES = frozenset(
    {
        "index",
        "weather",
        "weather_meta",
        "production_kwh",
        "consumption_kwh",
        "coefficients",
        "allocation",
        "allocated_kwh",
        "surplus_kwh",
        "grid_import_kwh",
        "bills",
        "eligibility",
        "optimiser",
        "finance",
        "extras",
        "step_h",
        "venue_summary",
        "collective_summary",
        "totals",
        "timeseries_frame",
    }
)


@dataclass(frozen=True)
class PortfolioResult:
    """A whole scenario: operations, venues and the collective.

    Attributes
    ----------
    scenario : Scenario
    energy : EnergyResult
    operations : tuple of OperationResult
    venues : tuple of VenueResult
        Scenario venue order.
    collective : CollectiveResult

    Notes
    -----
    A portfolio of exactly one operation whose members are all the venues (every file written
    before portfolios existed) also answers the attributes of that operation (``bills``,
    ``allocated_kwh``, ``venue_summary()``, ... see :data:`ONE_OPERATION_ATTRIBUTES`), so code
    written against a single operation keeps working.
    """

    scenario: Scenario
    energy: EnergyResult
    operations: tuple[OperationResult, ...]
    venues: tuple[VenueResult, ...]
    collective: CollectiveResult

    def operation(self, name: str) -> OperationResult:
        """The operation called ``name``."""
        return _named(self.operations, name, "operation")

    def venue(self, name: str) -> VenueResult:
        """The venue called ``name``."""
        return _named(self.venues, name, "venue")

    @property
    def only_operation(self) -> OperationResult:
        """The operation of a portfolio of one; :class:`ScenarioError` otherwise."""
        if len(self.operations) != 1:
            raise ScenarioError(
                f"{self.scenario.file or self.scenario.name}: {len(self.operations)} operations; "
                "this view needs exactly one (choose one: --operation NAME, or .operations)"
            )
        return self.operations[0]

    def __getattr__(self, name: str) -> Any:
        # only called for attributes the dataclass does not have
        if name in ONE_OPERATION_ATTRIBUTES:
            return getattr(self.only_operation, name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    # -- frames with units in the column names ----------------------------------------------
    def venues_frame(self) -> pd.DataFrame:
        """One row per venue: the :class:`VenueResult` fields (units in the column names)."""
        rows = [asdict(v) for v in self.venues]
        return pd.DataFrame(rows).set_index("name").rename_axis("venue")

    def operations_frame(self) -> pd.DataFrame:
        """One row per operation: members, eligibility and :class:`OperationTotals`."""
        rows = []
        for op in self.operations:
            row: dict[str, object] = {
                "operation": op.name,
                "plants": ", ".join(op.plant_names),
                "venues": ", ".join(op.venue_names),
                "key": op.scenario.key.type,
                "internal_price_eur_per_kwh": op.scenario.prices.internal_price_eur_per_kwh,
                "eligible": op.eligibility.eligible,
                "max_distance_km": op.eligibility.max_distance_km,
                "limit_km": op.eligibility.limit_km,
            }
            row.update(asdict(op.totals()))
            rows.append(row)
        return pd.DataFrame(rows).set_index("operation")

    def collective_frame(self) -> pd.DataFrame:
        """The :class:`CollectiveResult` as a one-column frame (``value``; units in the index)."""
        return pd.DataFrame({"value": pd.Series(asdict(self.collective), dtype=object)})


__all__ = [
    "ONE_OPERATION_ATTRIBUTES",
    "CollectiveResult",
    "EnergyResult",
    "OperationResult",
    "OperationTotals",
    "OptimiserReport",
    "PortfolioResult",
    "VenueResult",
]
