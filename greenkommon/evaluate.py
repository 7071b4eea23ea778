"""The cheap half of an evaluation: keys, allocation, bills, eligibility, finance.

:func:`evaluate` turns a scenario and its :class:`~greenkommon.results.EnergyResult` into a
:class:`~greenkommon.results.PortfolioResult`. Every command and analysis (``run``, ``compare``,
``report``, ``sweep``, ``uncertainty``, ``plan``, the web page) calls it; nothing else wires the
stages. :func:`run_scenario` is ``evaluate(s, simulate_energy(s))``.

Per operation, in this order:

1. each member's own roof is consumed first, behind its meter: Enedis measures
   ``C_metered = C − min(C, own)``; the own surplus ``own − min(C, own)`` is sold, or injected
   into the operation as one more producer (the scenario's choice);
2. the operation's producers are pooled (``allocation = 'pooled'``) and the key allocates the
   pooled production to the metered consumptions (:func:`greenkommon.allocation.allocate`);
3. bills on the metered consumption (:func:`greenkommon.economics.compute_bills`), the
   distance and power rules on its producers and consumers, the producer's finance.

Each venue's result then adds its operation and its own roof: its ``bill_without_eur`` is the bill
of its gross consumption with no PV at all.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .errors import DataError, ScenarioError
from .results import (
    CollectiveResult,
    EnergyResult,
    OperationResult,
    OptimiserReport,
    PortfolioResult,
    VenueResult,
)

if TYPE_CHECKING:  # pragma: no cover
    from .config.scenario import KeyConfig, OperationConfig, Scenario

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------------------------
def build_key(
    key: KeyConfig, scenario: Scenario, production_kwh: pd.Series, consumption_kwh: pd.DataFrame
) -> tuple[Any, OptimiserReport | None]:
    """Turn a ``[key]`` table into an allocation key of :mod:`greenkommon.allocation`.

    Parameters
    ----------
    key : KeyConfig
    scenario : Scenario
        A scenario of one operation (:meth:`Scenario.operation_scenario`): its venues are the
        key's venues.
    production_kwh : pandas.Series
        Pooled production [kWh per interval].
    consumption_kwh : pandas.DataFrame
        Metered consumption per member [kWh per interval].

    Returns
    -------
    key : allocation key object
    report : OptimiserReport or None
        For ``type = 'optimised'``.
    """
    from . import allocation

    names = scenario.venue_names
    if key.type == "prorata":
        return allocation.ProrataKey(), None
    if key.type == "static":
        return allocation.StaticKey(np.asarray(key.coefficients, dtype=float)), None
    if key.type == "redistributed":
        return allocation.RedistributedKey(np.asarray(key.coefficients, dtype=float)), None
    if key.type == "priority":
        order = np.array([names.index(n) for n in key.priority_order or ()], dtype=np.int64)
        return allocation.PriorityKey(order), None
    if key.type == "dynamic":
        coefficients = _dynamic_key_on_grid(key, names, consumption_kwh.index)
        return allocation.DynamicKey(coefficients), None
    if key.type == "optimised":
        from . import optimise

        coefficients, report = optimise.optimised_key_coefficients(
            scenario, production_kwh.to_numpy(), consumption_kwh.to_numpy().T
        )
        coefficients = np.asarray(coefficients, dtype=float)
        typed = OptimiserReport.from_mapping(report)
        if coefficients.ndim == 2:
            return allocation.DynamicKey(coefficients), typed
        return allocation.StaticKey(coefficients), typed
    from .config.scenario import KEY_TYPES

    raise ScenarioError(f"key.type = {key.type!r}: expected one of {', '.join(KEY_TYPES)}")


def _dynamic_key_on_grid(key: KeyConfig, names: list[str], index: pd.DatetimeIndex) -> np.ndarray:
    """Read a dynamic key file (``Horodate;<venue or meter>;...`` in %) onto the grid, (N, T)."""
    from .enedis import read_dynamic_key
    from .timegrid import check_on_grid

    path = cast(Path, key.coefficients_file)  # KeyConfig requires it for dynamic keys
    frame = read_dynamic_key(path, step=index[1] - index[0], tz=str(index.tz))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no column for venue {missing[0]!r}; expected one column per venue: "
            f"{', '.join(map(repr, names))}"
        )
    check_on_grid(frame, index, str(path))
    return frame[names].to_numpy().T


# ---------------------------------------------------------------------------------------------
# variants without a new physical simulation
# ---------------------------------------------------------------------------------------------
def resize_plants(
    scenario: Scenario, energy: EnergyResult, peak_power_kwp: Mapping[str, float]
) -> tuple[Scenario, EnergyResult]:
    """A scenario and its energy with some shared plants resized, without a new pvlib run.

    Every section of a resized plant is scaled by ``new / old`` kWp and so is its production
    (linear in the nameplate for a fixed layout, as the sweep does).

    Parameters
    ----------
    peak_power_kwp : mapping of str to float
        Plant name → new peak power [kWp] (> 0).
    """
    plants = {p.name: p for p in scenario.plants}
    factors: dict[str, float] = {}
    for name, kwp in peak_power_kwp.items():
        if name not in plants:
            raise ScenarioError(
                f"plant {name!r}: no such plant; expected one of {', '.join(map(repr, plants))}"
            )
        if not np.isfinite(kwp) or kwp <= 0:
            raise ScenarioError(f"plant {name!r}: peak_power_kwp = {kwp!r}: expected a number > 0")
        factors[name] = float(kwp) / plants[name].peak_power_kwp
    new = tuple(
        replace(
            p,
            sections=tuple(
                replace(s, peak_power_kwp=s.peak_power_kwp * factors[p.name]) for s in p.sections
            ),
        )
        if p.name in factors
        else p
        for p in scenario.plants
    )
    first = new[0]
    return replace(scenario, plants=new, plant=first), energy.scaled(factors)


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------
def _own_split(
    scenario: Scenario, energy: EnergyResult
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Own production consumed behind the meter, metered consumption and own surplus (T × N)."""
    gross = energy.consumption_kwh
    own = pd.DataFrame(0.0, index=gross.index, columns=gross.columns)
    for name in energy.own_production_kwh.columns:
        own[name] = energy.own_production_kwh[name]
    if energy.own_production_kwh.empty:
        return own, gross, own.copy()
    self_consumed = np.minimum(own, gross)
    return self_consumed, gross - self_consumed, own - self_consumed


def _pool(
    opsc: Scenario, op: OperationConfig, energy: EnergyResult, own_surplus: pd.DataFrame
) -> tuple[pd.Series, np.ndarray]:
    """The operation's pooled production (T,) and its producers' injections ((T,) or (P, T))."""
    given = [
        v.name for v in opsc.venues if v.own_plant is not None and v.own_surplus == "operation"
    ]
    producers = [energy.production_kwh[p] for p in op.plants] + [own_surplus[v] for v in given]
    if len(producers) == 1:
        production = producers[0].rename("production_kwh")
        return production, production.to_numpy()
    pool = np.vstack([p.to_numpy() for p in producers])
    return pd.Series(pool.sum(axis=0), index=energy.index, name="production_kwh"), pool


def _per_producer_key(opsc: Scenario, op: OperationConfig, n_steps: int) -> Any:
    """A static key per producer as Enedis's full dynamic key, coefficients (P, N, T)."""
    from . import allocation
    from .config.scenario import operation_producers

    shares = dict(op.key.coefficients_by_producer or ())
    order = operation_producers(op, opsc.venues)
    table = np.array([shares[name] for name in order], dtype=float)  # (P, N), member order
    return allocation.DynamicKey(np.repeat(table[:, :, None], n_steps, axis=2))


def operation_energy(
    scenario: Scenario, operation: OperationConfig, energy: EnergyResult
) -> tuple[Scenario, pd.Series, pd.DataFrame]:
    """What an operation allocates: its scenario view, pooled production and metered loads.

    Returns
    -------
    scenario : Scenario
        :meth:`Scenario.operation_scenario` of the operation.
    production_kwh : pandas.Series
        Pooled production of its producers [kWh per interval].
    consumption_kwh : pandas.DataFrame
        Its members' consumption after their own roofs (what Enedis measures) [kWh per interval].
    """
    _used, metered, own_surplus = _own_split(scenario, energy)
    opsc = scenario.operation_scenario(operation)
    production, _p = _pool(opsc, operation, energy, own_surplus)
    return opsc, production, metered[opsc.venue_names]


def _evaluate_operation(
    scenario: Scenario,
    op: OperationConfig,
    energy: EnergyResult,
    metered: pd.DataFrame,
    own_surplus: pd.DataFrame,
    project: bool,
) -> OperationResult:
    from . import allocation, economics, eligibility

    opsc = scenario.operation_scenario(op)
    names = opsc.venue_names
    consumption = metered[names]
    production, pool = _pool(opsc, op, energy, own_surplus)
    if op.allocation == "per_producer":
        key, report = _per_producer_key(opsc, op, len(energy.index)), None
    else:
        key, report = build_key(opsc.key, opsc, production, consumption)
    log.info("allocation: %s, %s key", op.name, opsc.key.type)
    alloc = allocation.allocate(
        pool,
        consumption.to_numpy().T,
        key,
        floor_to_permille=opsc.key.floor_to_permille and opsc.key.type != "prorata",
    )
    allocated = pd.DataFrame(alloc.allocated_kwh.T, index=energy.index, columns=names)
    grid_import = pd.DataFrame(alloc.grid_import_kwh.T, index=energy.index, columns=names)
    surplus = pd.Series(alloc.surplus_kwh, index=energy.index, name="surplus_kwh")
    bills = economics.compute_bills(
        consumption,
        allocated,
        surplus,
        [v.contract for v in opsc.venues],
        opsc.prices,
        opsc.plant.peak_power_kwp,
    )
    coefficients = getattr(key, "coefficients", None)
    if coefficients is not None and np.ndim(coefficients) != 1:
        coefficients = None  # dynamic keys: per-interval coefficients live in the allocation
    result = OperationResult(
        name=op.name,
        scenario=opsc,
        plant_names=op.plants,
        index=energy.index,
        weather=energy.weather,
        weather_meta=energy.weather_meta,
        production_kwh=production,
        consumption_kwh=consumption,
        coefficients=None if coefficients is None else np.asarray(coefficients, dtype=float),
        allocation=alloc,
        allocated_kwh=allocated,
        surplus_kwh=surplus,
        grid_import_kwh=grid_import,
        bills=bills,
        eligibility=eligibility.check_operation(scenario, op),
        optimiser=report,
    )
    result = replace(
        result, plants_production_kwh=float(np.atleast_2d(pool)[: len(op.plants)].sum())
    )
    if project:
        result = replace(result, finance=economics.project_result(result))
    return result


def evaluate(
    scenario: Scenario, energy: EnergyResult, *, project_finance: bool = True
) -> PortfolioResult:
    """Evaluate every operation and venue of a scenario on its simulated energy.

    Parameters
    ----------
    scenario : Scenario
        The portfolio (keys, prices, finance, memberships). It may differ from the scenario
        ``energy`` was simulated for in anything but the physics (a variant: another key,
        internal price, membership; resized plants go through :func:`resize_plants`).
    energy : EnergyResult
        :func:`greenkommon.simulate_energy` of the scenario.
    project_finance : bool
        Project each producer's finance over the project life (a few ms; off for sweeps).

    Returns
    -------
    PortfolioResult

    Notes
    -----
    Per venue *i* with gross consumption :math:`C_i`, own production :math:`O_i`:
    :math:`U_i = \\min(C_i, O_i)` (own self-consumed), :math:`M_i = C_i - U_i` (metered),
    :math:`X_i = O_i - U_i` (own surplus); the operation allocates :math:`A_i \\le M_i` and the
    supplier delivers :math:`G_i = M_i - A_i`. So :math:`C_i = U_i + A_i + G_i` at every interval.
    """
    from . import economics

    missing = [v for v in scenario.venue_names if v not in energy.consumption_kwh.columns]
    missing += [p.name for p in scenario.plants if p.name not in energy.production_kwh.columns]
    if missing:
        raise ScenarioError(
            f"evaluate: {missing[0]!r} has no simulated energy; simulate_energy(scenario) first"
        )
    self_consumed, metered, own_surplus = _own_split(scenario, energy)
    operations = tuple(
        _evaluate_operation(scenario, op, energy, metered, own_surplus, project_finance)
        for op in scenario.operations
    )
    own_names = [v.name for v in scenario.venues if v.own_plant is not None]
    outside = [v.name for v in scenario.venues if scenario.operation_of(v.name) is None]
    no_pv = _bills_without_operation(scenario, energy.consumption_kwh, own_names)
    metered_only = _bills_without_operation(scenario, metered, outside)
    venues = []
    for v in scenario.venues:
        op = scenario.operation_of(v.name)
        opr = next(o for o in operations if o.name == op.name) if op is not None else None
        sold = 0.0
        revenue = 0.0
        to_op = 0.0
        surplus_kwh = float(own_surplus[v.name].sum())
        if v.own_plant is not None:
            price, _fig = economics.surplus_price_eur_per_kwh(
                scenario.prices, v.own_plant.peak_power_kwp
            )
            if v.own_surplus == "operation" and opr is not None:
                to_op = surplus_kwh
                # paid as one of the operation's producers: its allocated part (AUTOPROD, the
                # pooled allocation split pro rata of injection) at the internal price, the rest
                # as surplus
                autoprod = _autoprod_kwh(opr, v.name)
                internal = opr.scenario.prices.internal_price_eur_per_kwh
                revenue = autoprod * internal + (surplus_kwh - autoprod) * price
            else:
                sold = surplus_kwh
                revenue = sold * price
        if opr is not None:
            bill_with = float(opr.bills.loc[v.name, "bill_with_eur"])
            allocated = float(opr.allocated_kwh[v.name].sum())
            grid = float(opr.grid_import_kwh[v.name].sum())
            bill_without = (
                float(no_pv.loc[v.name, "bill_without_eur"])
                if v.name in own_names
                else float(opr.bills.loc[v.name, "bill_without_eur"])
            )
        else:
            bill_with = float(metered_only.loc[v.name, "bill_with_eur"])
            allocated = 0.0
            grid = float(metered[v.name].sum())
            bill_without = (
                float(no_pv.loc[v.name, "bill_without_eur"]) if v.name in own_names else bill_with
            )
        gross = float(energy.consumption_kwh[v.name].sum())
        own_used = float(self_consumed[v.name].sum())
        venues.append(
            VenueResult(
                name=v.name,
                operation=op.name if op is not None else None,
                consumption_kwh=gross,
                own_production_kwh=own_used + surplus_kwh,
                own_self_consumed_kwh=own_used,
                own_surplus_kwh=surplus_kwh,
                own_surplus_to_operation_kwh=to_op,
                metered_consumption_kwh=float(metered[v.name].sum()),
                allocated_kwh=allocated,
                grid_import_kwh=grid,
                bill_without_eur=bill_without,
                bill_with_eur=bill_with,
                own_surplus_revenue_eur=revenue,
                savings_eur=bill_without - bill_with + revenue,
                self_sufficiency_pct=100.0 * (own_used + allocated) / gross
                if gross > 0
                else float("nan"),
            )
        )
    return PortfolioResult(
        scenario=scenario,
        energy=energy,
        operations=operations,
        venues=tuple(venues),
        collective=_collective(scenario, operations, tuple(venues)),
    )


def _autoprod_kwh(op: OperationResult, venue: str) -> float:
    """Energy of ``venue``'s own-roof injection allocated by its operation (AUTOPROD) [kWh]."""
    given = [
        v.name
        for v in op.scenario.venues
        if v.own_plant is not None and v.own_surplus == "operation"
    ]
    row = len(op.plant_names) + given.index(venue)
    return float(np.asarray(op.allocation.producer_allocated_kwh)[row].sum())


def _bills_without_operation(
    scenario: Scenario, consumption: pd.DataFrame, names: list[str]
) -> pd.DataFrame:
    """Bills of ``names`` on ``consumption`` with nothing allocated (one row per venue)."""
    from . import economics

    if not names:
        return pd.DataFrame(columns=["bill_without_eur", "bill_with_eur", "savings_eur"])
    cons = consumption[names]
    zero = pd.DataFrame(0.0, index=cons.index, columns=names)
    return economics.compute_bills(
        cons,
        zero,
        pd.Series(0.0, index=cons.index, name="surplus_kwh"),
        [scenario.venue(n).contract for n in names],
        scenario.prices,
        scenario.plant.peak_power_kwp,
    )


def _collective(
    scenario: Scenario, operations: tuple[OperationResult, ...], venues: tuple[VenueResult, ...]
) -> CollectiveResult:
    totals = [op.totals() for op in operations]
    consumption = sum(v.consumption_kwh for v in venues)
    own_used = sum(v.own_self_consumed_kwh for v in venues)
    allocated = sum(t.allocated_kwh for t in totals)
    n_eligible = sum(op.eligibility.eligible for op in operations)
    return CollectiveResult(
        shared_peak_power_kwp=sum(p.peak_power_kwp for p in scenario.plants),
        own_peak_power_kwp=sum(
            v.own_plant.peak_power_kwp for v in scenario.venues if v.own_plant is not None
        ),
        shared_production_kwh=sum(t.production_kwh for t in totals),
        own_production_kwh=sum(v.own_production_kwh for v in venues),
        consumption_kwh=consumption,
        own_self_consumed_kwh=own_used,
        metered_consumption_kwh=sum(v.metered_consumption_kwh for v in venues),
        allocated_kwh=allocated,
        surplus_kwh=sum(t.surplus_kwh for t in totals),
        own_surplus_sold_kwh=sum(
            v.own_surplus_kwh - v.own_surplus_to_operation_kwh for v in venues
        ),
        grid_import_kwh=sum(v.grid_import_kwh for v in venues),
        bill_without_eur=sum(v.bill_without_eur for v in venues),
        bill_with_eur=sum(v.bill_with_eur for v in venues),
        own_surplus_revenue_eur=sum(v.own_surplus_revenue_eur for v in venues),
        savings_eur=sum(v.savings_eur for v in venues),
        self_sufficiency_pct=100.0 * (own_used + allocated) / consumption
        if consumption > 0
        else float("nan"),
        n_operations=len(operations),
        n_eligible_operations=int(n_eligible),
        all_eligible=bool(n_eligible == len(operations)),
    )


def run_scenario(scenario: Scenario) -> PortfolioResult:
    """``evaluate(scenario, simulate_energy(scenario))``: a scenario end to end."""
    from .energy import simulate_energy

    return evaluate(scenario, simulate_energy(scenario))


__all__ = ["build_key", "evaluate", "operation_energy", "resize_plants", "run_scenario"]


class _CallableModule(types.ModuleType):
    # ``greenkommon.evaluate`` is both this module and its function: once any code has imported
    # the module, the package attribute is the module, so the module itself evaluates
    def __call__(
        self, scenario: Scenario, energy: EnergyResult, *, project_finance: bool = True
    ) -> PortfolioResult:
        return evaluate(scenario, energy, project_finance=project_finance)


sys.modules[__name__].__class__ = _CallableModule
