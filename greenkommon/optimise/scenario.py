"""Scenario glue: prices of a scenario and the optimiser run it asks for."""

from __future__ import annotations

import calendar
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, GreenkommonWarning
from ._problem import KeyResult, prorata_allocation, simulate_key
from .advice import advise_key
from .config import OptimiseConfig
from .dynamic import solve_dynamic_key
from .fairness import FairnessInfeasibleError, _fairness_names
from .rounding import round_dynamic_key, round_static_key
from .sizing import plant_cost_eur_per_kwp_year, solve_sizing
from .static import solve_static_key


@dataclass(frozen=True)
class ScenarioPrices:
    """What an allocated kWh is worth, per venue and interval, for a scenario.

    Attributes
    ----------
    value_eur_per_kwh : numpy.ndarray
        (N, T) what an allocated kWh saves the collective before the surplus value (the
        internal price being a transfer) [€/kWh]; the optimiser's ``import_price_eur_per_kwh``.
    internal_eur_per_kwh : numpy.ndarray or float
        What the venue pays back per allocated kWh (internal price, as borne) [€/kWh]; the venue's
        saving per kWh is ``value − internal``.
    surplus_eur_per_kwh : float
        Value of a surplus kWh [€/kWh].
    bill_without_eur : numpy.ndarray or None
        (N,) yearly bill without the operation [€/yr] (reference of relative savings).
    source : str
    """

    value_eur_per_kwh: np.ndarray
    internal_eur_per_kwh: Any
    surplus_eur_per_kwh: float
    bill_without_eur: np.ndarray | None
    source: str


def scenario_prices(
    scenario: Any, index: Any, n_intervals: int, consumption_kwh: np.ndarray | None = None
) -> ScenarioPrices:
    """Prices of a scenario for the optimiser, from the economics stage when it provides them.

    Uses ``economics.allocated_kwh_value_eur_per_kwh`` (time-of-use supply, TURPE, accise, VAT as
    each venue bears them), ``economics.surplus_price_eur_per_kwh`` and ``compute_bills`` (bill
    without the operation). Without them: each venue's flat ``supply_price_eur_per_kwh`` and the
    ``[prices]`` internal and surplus prices.
    """
    from .. import economics

    n = len(scenario.venues)
    contracts = [v.contract for v in scenario.venues]
    kwp = scenario.plant.peak_power_kwp
    value_fn = getattr(economics, "allocated_kwh_value_eur_per_kwh", None)
    if value_fn is not None and index is not None:
        value = np.asarray(
            value_fn(index, contracts, scenario.prices, kwp, include_internal_price=False),
            dtype=float,
        )
        saving = np.asarray(
            value_fn(index, contracts, scenario.prices, kwp, include_internal_price=True),
            dtype=float,
        )
        surplus = float(economics.surplus_price_eur_per_kwh(scenario.prices, kwp)[0])
        bill = None
        if consumption_kwh is not None and hasattr(economics, "compute_bills"):
            import pandas as pd

            names = scenario.venue_names
            cons = pd.DataFrame(consumption_kwh.T, index=index, columns=names)
            zeros = pd.DataFrame(0.0, index=index, columns=names)
            bills = economics.compute_bills(
                cons, zeros, pd.Series(0.0, index=index), contracts, scenario.prices, kwp
            )
            bill = bills.loc[names, "bill_without_eur"].to_numpy(dtype=float)
        return ScenarioPrices(
            value, value - saving, surplus, bill, "economics stage (time-of-use, taxes as borne)"
        )
    prices = scenario.prices
    flat = np.array(
        [
            getattr(c, "supply_price_eur_per_kwh", None)
            if getattr(c, "supply_price_eur_per_kwh", None) is not None
            else prices.supply_price_eur_per_kwh
            for c in contracts
        ]
    )
    value = np.repeat(flat[:, None], n_intervals, axis=1)
    return ScenarioPrices(
        value,
        float(prices.internal_price_eur_per_kwh),
        float(prices.surplus_price_eur_per_kwh),
        None,
        f"flat supply prices of the scenario ({n} venue(s))",
    )


def _index(scenario: Any, production_kwh: Any, n_intervals: int) -> Any:
    """The time labels of the curves: the Series' index, else the scenario's grid if it fits."""
    import pandas as pd

    index = getattr(production_kwh, "index", None)
    if isinstance(index, pd.DatetimeIndex):
        return index
    from ..timegrid import make_index

    sim = scenario.simulation
    grid = make_index(sim.year, sim.step, sim.timezone)
    if len(grid) != n_intervals:
        raise DataError(
            f"production_kwh: {n_intervals} intervals without time labels, expected the scenario's "
            f"{len(grid)} ({sim.year}, {sim.step}); pass a pandas Series"
        )
    return grid


def _as_arrays(production_kwh: Any, consumption_kwh: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(getattr(production_kwh, "to_numpy", lambda: production_kwh)(), dtype=float)
    if hasattr(consumption_kwh, "to_numpy"):
        c = np.asarray(consumption_kwh.to_numpy(), dtype=float).T  # DataFrame (T × N) → (N, T)
    else:
        c = np.asarray(consumption_kwh, dtype=float)
        if c.ndim == 2 and c.shape[0] != n and c.shape[1] == n:
            c = c.T
    return np.ascontiguousarray(p), np.ascontiguousarray(c)


def optimise_scenario(
    scenario: Any,
    production_kwh: Any,
    consumption_kwh: Any,
    config: OptimiseConfig | None = None,
    finance: Any = None,
) -> tuple[KeyResult, dict[str, Any]]:
    """Run the optimiser a scenario asks for and re-simulate the (rounded) key.

    Parameters
    ----------
    scenario : greenkommon.scenario.Scenario
    production_kwh : pandas.Series or array_like (T,)
        Production of the scenario's plant [kWh].
    consumption_kwh : pandas.DataFrame (T × N) or array_like (N, T)
        Consumption per venue [kWh].
    config : OptimiseConfig, optional
        Overrides ``scenario.optimise`` (the command line's flags).

    Returns
    -------
    result : KeyResult
    report : dict
        JSON-ready: model, fairness, optimal and rounded coefficients by venue, the optimiser's
        value and the re-simulated value of the rounded key [€/yr], per-venue savings against no
        operation and against the pro-rata key [€/yr], plant size, solver statistics.
    """
    cfg = config or scenario.optimise
    names = scenario.venue_names
    infeasible: str | None = None
    p, c = _as_arrays(production_kwh, consumption_kwh, len(names))
    index = _index(scenario, production_kwh, len(p))
    priced = scenario_prices(scenario, index, len(p), c)
    imp, surplus, internal = (
        priced.value_eur_per_kwh,
        priced.surplus_eur_per_kwh,
        priced.internal_eur_per_kwh,
    )
    lower, upper = cfg.bounds_arrays(names)
    shares = cfg.shares_array(names)
    common: dict[str, Any] = dict(
        internal_price_eur_per_kwh=internal,
        venue_names=names,
        method=cfg.method,
        time_limit_s=cfg.time_limit_s,
    )
    bill_kw: dict[str, Any] = (
        {} if priced.bill_without_eur is None else {"bill_without_eur": priced.bill_without_eur}
    )
    fair: dict[str, Any] = dict(
        no_loss="no_loss" in cfg.fairness,
        vs_prorata="vs_prorata" in cfg.fairness,
        equity_shares=shares,
        maxmin="maxmin" in cfg.fairness,
    )
    if cfg.size_plant:
        unsupported = [f for f in cfg.fairness if f != "no_loss"]
        if unsupported:
            raise cfg._error(
                "fairness",
                list(cfg.fairness),
                "only 'no_loss' with size_plant = true (the others depend on the size non-linearly)",
            )
        fin = finance if finance is not None else scenario.finance
        annual, cost_note = plant_cost_eur_per_kwp_year(scenario, cfg, fin)
        # the cost is yearly; the curves normally span the scenario's year, prorate otherwise
        from ..timegrid import step_hours

        year_hours = 24.0 * (366 if calendar.isleap(scenario.simulation.year) else 365)
        annual *= len(p) * step_hours(scenario.simulation.step) / year_hours
        kwp = scenario.plant.peak_power_kwp
        unit = p / kwp
        max_kwp, size_note = _size_limit(cfg, kwp)
        result = solve_sizing(
            unit,
            c,
            imp,
            surplus,
            annual_cost_eur_per_kwp=annual,
            max_peak_power_kwp=max_kwp,
            min_peak_power_kwp=cfg.min_peak_power_kwp,
            lower=lower,
            upper=upper,
            no_loss=fair["no_loss"],
            **common,
        )
        p = unit * result.peak_power_kwp
        result.notes.append(
            f"sizing: prices and tariffs computed for the scenario's {kwp:g} kWp plant; re-run "
            "with the written scenario to price the chosen size exactly"
        )
        result.notes.append(cost_note)
        if size_note:
            result.notes.append(size_note)
        extra = result.objective_eur - _value(
            c, imp, surplus, simulate_key(p, c, result.coefficients)
        )
    elif cfg.model == "dynamic":
        if cfg.bounds:
            raise cfg._error(
                "bounds",
                "{table}",
                "no bounds with model = 'dynamic' (bounds are static coefficients)",
            )
        result = solve_dynamic_key(p, c, imp, surplus, **fair, **common, **bill_kw)
        extra = 0.0
    else:
        try:
            result = solve_static_key(
                p, c, imp, surplus, lower=lower, upper=upper, **fair, **common, **bill_kw
            )
        except FairnessInfeasibleError as exc:
            result = _default_key_if_fair(p, c, imp, internal, surplus, shares, fair, names, exc)
            infeasible = str(exc)
        extra = 0.0
    precision = cfg.precision()
    prorata = prorata_allocation(p, c)
    notes = list(result.notes)
    if not cfg.round_keys or result.model == "prorata":
        final = result.coefficients
    elif result.coefficients.ndim == 1:
        targets = None
        if fair["no_loss"] or fair["vs_prorata"]:
            targets = np.zeros(len(names)) if fair["no_loss"] else np.full(len(names), -np.inf)
            if fair["vs_prorata"]:
                targets = np.maximum(targets, ((imp - internal) * prorata).sum(axis=1))
        final, still_fair = round_static_key(
            result.coefficients,
            p,
            c,
            imp - surplus,
            imp - internal,
            precision,
            lower=lower,
            upper=upper,
            targets_eur=targets,
            equity_shares=shares,
        )
        if not still_fair and result.fairness:
            msg = (
                f"rounding the key to {precision:g} breaks a fairness option ({', '.join(result.fairness)}) "
                "by a rounding margin; see the re-simulated savings"
            )
            warnings.warn(msg, GreenkommonWarning, stacklevel=2)
            notes.append(msg)
    else:
        final = round_dynamic_key(
            result.coefficients,
            p,
            c,
            imp - surplus,
            precision,
            saving_eur_per_kwh=(imp - internal) if result.fairness else None,
        )
        if result.fairness:
            sav = ((imp - internal) * simulate_key(p, c, final)).sum(axis=1)
            if (
                sav < result.savings_eur - 1e-6 * np.maximum(1.0, np.abs(result.savings_eur))
            ).any():
                notes.append(
                    "rounding the dynamic key to the upload grid lowers some venues' savings slightly; "
                    "fairness holds for the unrounded key"
                )
    alloc = simulate_key(p, c, final)
    savings = (imp - internal) * alloc
    report: dict[str, Any] = {
        "model": result.model,
        "fairness": list(result.fairness),
        "method": cfg.method,
        "key_precision": precision if cfg.round_keys else None,
        "optimiser_value_eur": result.objective_eur,
        "resimulated_value_eur": _value(c, imp, surplus, alloc) + extra,
        "prorata_value_eur": _value(c, imp, surplus, prorata) + extra,
        "savings_eur": dict(zip(names, savings.sum(axis=1).tolist(), strict=True)),
        "prorata_savings_eur": dict(
            zip(names, ((imp - internal) * prorata).sum(axis=1).tolist(), strict=True)
        ),
        "peak_power_kwp": result.peak_power_kwp,
        "min_relative_saving": result.min_relative_saving,
        "stats": result.stats.as_dict(),
        "notes": notes + [f"prices: {priced.source}"],
    }
    advice = advise_key(
        result.model,
        result.fairness,
        names,
        savings.sum(axis=1),
        ((imp - internal) * prorata).sum(axis=1),
        report["resimulated_value_eur"],
        report["prorata_value_eur"],
        infeasible,
    )
    report["advice"] = advice.as_dict()
    if final.ndim == 1:
        report["coefficients"] = dict(zip(names, result.coefficients.tolist(), strict=True))
        report["coefficients_rounded"] = dict(zip(names, final.tolist(), strict=True))
    else:
        # production-weighted mean coefficient: the share of the year's production given to each venue
        weighted = (
            (final * p[None, :]).sum(axis=1) / p.sum() if p.sum() > 0 else np.zeros(len(names))
        )
        report["weighted_coefficients"] = dict(zip(names, weighted.tolist(), strict=True))
    return KeyResult(**{**result.__dict__, "coefficients": final}), report


def _size_limit(cfg: OptimiseConfig, plant_kwp: float) -> tuple[float, str]:
    """Largest plant size searched [kWp]: the ``[optimise]`` limit, else the scenario's plant.

    A scenario describes its plant's layout, not the roof's capacity: without a limit the sizing
    looks for the best plant up to the one described (a smaller plant on the same roof) and says so.
    """
    limit = cfg.max_size_kwp()
    if math.isfinite(limit):
        return limit, ""
    return plant_kwp, (
        f"sizing: no size limit in [optimise] (max_peak_power_kwp, or roof_area_m2 and "
        f"peak_power_kwp_per_m2): sizes searched up to the scenario's plant, {plant_kwp:g} kWp"
    )


def _default_key_if_fair(
    p: np.ndarray,
    c: np.ndarray,
    imp: np.ndarray,
    internal: Any,
    surplus: float,
    shares: np.ndarray | None,
    fair: dict[str, Any],
    names: Sequence[str],
    exc: FairnessInfeasibleError,
) -> KeyResult:
    """The default key as the answer when no static key meets the fairness options but it does.

    The pro-rata key follows consumption interval by interval; no fixed share can always match it
    for every venue at once (the shares it would take sum above 100 %), so ``vs_prorata`` often
    has no static solution while the default key meets it by definition.
    """
    prorata = prorata_allocation(p, c)
    sav = ((imp - internal) * prorata).sum(axis=1)
    total = float(sav.sum())
    meets = not (fair["no_loss"] and (sav < 0).any())
    if shares is not None:
        meets &= bool((sav >= shares * total - 1e-9 * max(1.0, abs(total))).all())
    if not meets:
        raise exc
    coefficients = np.divide(prorata, p[None, :], out=np.zeros_like(prorata), where=p[None, :] > 0)
    coefficients /= np.maximum(1.0, coefficients.sum(axis=0))[None, :]
    value = float(((imp - surplus) * prorata).sum())
    fairness = _fairness_names(
        fair["no_loss"], fair["vs_prorata"], fair["equity_shares"], fair["maxmin"]
    )
    return KeyResult(
        coefficients=np.clip(coefficients, 0.0, 1.0),
        objective_eur=value,
        savings_eur=sav,
        prorata_savings_eur=sav,
        prorata_objective_eur=value,
        model="prorata",
        fairness=fairness,
        notes=[f"no static key meets the fairness options: {exc}"],
    )


def _value(c: np.ndarray, imp: np.ndarray, surplus: float, alloc: np.ndarray) -> float:
    return float(((imp - surplus) * alloc).sum())


def optimised_key_coefficients(
    scenario: Any, production_kwh: Any, consumption_kwh: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Coefficients for ``[key] type = 'optimised'`` (called by the pipeline).

    Returns
    -------
    coefficients : numpy.ndarray
        (N,) for the static model (floored to the key precision unless ``round_keys = false``),
        (N, T) for ``model = 'dynamic'`` [-].
    report : dict
        See :func:`optimise_scenario`.
    """
    result, report = optimise_scenario(scenario, production_kwh, consumption_kwh)
    return result.coefficients, report
