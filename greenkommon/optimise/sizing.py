"""Joint plant sizing and static key."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptimisationError
from ._problem import KeyResult, _price_matrix, _problem, prorata_allocation, simulate_key
from ._solver import SolveStats
from .config import OptimiseConfig, _missing
from .fairness import _apply_targets, _best_over, _bound_arrays, _check_concave
from .piecewise import PiecewiseLinear
from .separable import _cap_sum, _SeparableResult, _solve_separable


def annualised_cost_eur_per_kwp(
    capex_eur_per_kwp: float,
    lifetime_years: int,
    discount_rate: float,
    opex_eur_per_kwp_per_year: float = 0.0,
) -> float:
    """Yearly cost of one kWp: capital recovery of ``capex`` plus operating cost [€/kWp/yr].

    Notes
    -----
    Capital recovery factor ``r / (1 − (1 + r)^−n)`` (``numpy_financial.pmt``); ``1/n`` at ``r = 0``.
    """
    import numpy_financial as npf

    return (
        float(-npf.pmt(discount_rate, lifetime_years, capex_eur_per_kwp))
        + opex_eur_per_kwp_per_year
    )


def plant_cost_eur_per_kwp_year(
    scenario: Any, config: OptimiseConfig, finance: Any
) -> tuple[float, str]:
    """Yearly cost of one more kWp for the sizing [€/kWp/yr] and where it comes from.

    ``[optimise] capex_eur_per_kwp`` (+ ``opex_eur_per_kwp_per_year``) when given; otherwise the
    finance stage's producer figures for 1 kWp (``economics.finance.producer_inputs``: CAPEX,
    OPEX, insurance, roof rent, the inverter replacement discounted to today), the capital
    annualised over ``lifetime_years`` at ``discount_rate``. Degradation and cost inflation are
    left out (first-year figures); fixed yearly costs (PMO fee) do not depend on the size.
    """
    life, rate = finance.lifetime_years, finance.discount_rate
    if config.capex_eur_per_kwp is not None:
        cost = annualised_cost_eur_per_kwp(
            config.capex_eur_per_kwp, life, rate, config.opex_eur_per_kwp_per_year
        )
        return cost, f"sizing: plant cost {cost:,.2f} €/kWp/yr from [optimise] capex_eur_per_kwp"
    try:
        from ..economics.finance import producer_inputs
    except ImportError:
        raise config._error(
            "capex_eur_per_kwp",
            _missing(),
            "an investment cost [€/kWp] for the sizing (the finance stage is not available)",
        ) from None
    unit = producer_inputs(finance, scenario.prices, 1.0)
    inverter = unit.inverter_replacement_eur / (1 + rate) ** unit.inverter_replacement_year
    yearly = unit.opex_eur_per_year + unit.insurance_eur_per_year + unit.roof_rent_eur_per_year
    cost = annualised_cost_eur_per_kwp(unit.capex_eur + inverter, life, rate, yearly)
    labels = sorted(
        {
            v
            for k, v in unit.labels.items()
            if k
            in (
                "capex_eur",
                "opex_eur_per_year",
                "insurance_eur_per_year",
                "roof_rent_eur_per_year",
                "inverter_replacement_eur",
            )
        }
    )
    return cost, (
        f"sizing: plant cost {cost:,.2f} €/kWp/yr from the finance stage (CAPEX {unit.capex_eur:,.0f} €/kWp "
        f"over {life} yr at {100 * rate:g} %, OPEX, insurance, roof rent, inverter; {', '.join(labels) or 'scenario'})"
    )


def solve_sizing(
    production_per_kwp_kwh: Any,
    consumption_kwh: Any,
    import_price_eur_per_kwh: Any,
    surplus_price_eur_per_kwh: Any = 0.0,
    *,
    annual_cost_eur_per_kwp: float,
    max_peak_power_kwp: float,
    min_peak_power_kwp: float = 0.0,
    internal_price_eur_per_kwh: Any = 0.0,
    fixed_cost_eur: Any = 0.0,
    lower: Any = None,
    upper: Any = None,
    no_loss: bool = False,
    venue_names: Sequence[str] | None = None,
    method: str = "ipm",
    time_limit_s: float = 60.0,
) -> KeyResult:
    """Plant size and static key together, exactly, as one LP.

    With production ``x p_t`` for ``x`` kWp, venue *i* receives ``min(k_i x p_t, C_it)``. The
    product ``y_i = k_i x`` (kWp "owned" by the venue's share) makes it linear: venue *i*'s value is
    the concave piecewise-linear ``Σ_t (p_it − s_t) min(y_i p_t, C_it)`` and the problem is

    ``max Σ_i W_i(y_i) + x (Σ_t s_t p_t − c)`` s.t. ``Σ_i y_i ≤ x``, ``lower_i x ≤ y_i ≤ upper_i x``,
    ``x_min ≤ x ≤ x_max``,

    with ``c`` the annualised cost [€/kWp/yr]; keys ``k = y / x``. ``no_loss`` bounds each ``y_i``
    exactly. ``vs_prorata``, ``equity_shares`` and ``maxmin`` depend on the size non-linearly and are
    not offered here.
    """
    prob = _problem(
        production_per_kwp_kwh,
        consumption_kwh,
        import_price_eur_per_kwh,
        surplus_price_eur_per_kwh,
        internal_price_eur_per_kwh,
        fixed_cost_eur,
        None,
        venue_names,
    )
    if not math.isfinite(max_peak_power_kwp) or max_peak_power_kwp <= 0:
        raise OptimisationError(
            "sizing: the plant size needs a finite upper bound [kWp] (roof area or max_peak_power_kwp)"
        )
    if not 0 <= min_peak_power_kwp <= max_peak_power_kwp:
        raise OptimisationError(
            f"sizing: expected 0 <= min_peak_power_kwp <= max_peak_power_kwp, got {min_peak_power_kwp:g} and {max_peak_power_kwp:g}"
        )
    n = len(prob.names)
    lo, hi = _bound_arrays(lower, upper, n)
    stats = SolveStats()
    t0 = time.perf_counter()
    unit = prob.production_kwh
    funcs = [
        PiecewiseLinear.build(
            unit,
            prob.consumption_kwh[i],
            np.stack([prob.w[i], prob.v[i]]),
            0.0,
            float(min(hi[i], 1.0)) * max_peak_power_kwp,
        )
        for i in range(n)
    ]
    _check_concave(funcs, prob, 0, "sizing")
    choices = [[(0.0, float(f.points[-1]))] for f in funcs]
    if no_loss:
        choices = _apply_targets(
            funcs,
            prob,
            np.zeros(n),
            np.array([f.points[-1] for f in funcs]),
            np.zeros(n),
            ["no loss against no operation"] * n,
            unit="share of the plant",
        )
    surplus = _price_matrix(
        surplus_price_eur_per_kwh, n, len(unit), "surplus_price_eur_per_kwh", per_venue_ok=False
    )[0]
    c_x = float((surplus * unit).sum()) - annual_cost_eur_per_kwp
    stats.build_s += time.perf_counter() - t0

    def sizing_lp(ylo: np.ndarray, yhi: np.ndarray) -> _SeparableResult:
        restricted = [f.restrict(ylo[i], yhi[i]) for i, f in enumerate(funcs)]
        return _solve_separable(
            restricted,
            objective_row=0,
            sizing=(min_peak_power_kwp, max_peak_power_kwp, c_x, lo, hi),
            method=method,
            time_limit_s=time_limit_s,
            what="sizing",
            stats=stats,
        )

    res, _, _ = _best_over(choices, sizing_lp, cap=None)
    x = res.x
    notes = []
    if x <= 1e-9:
        notes.append("sizing chose no plant: at these prices a kWp costs more than it saves")
        k = np.zeros(n)
    else:
        k = _cap_sum(np.clip(res.z / x, 0.0, 1.0), np.zeros(n))
    prod = unit * x
    alloc = simulate_key(prod, prob.consumption_kwh, k)
    prorata = prorata_allocation(prod, prob.consumption_kwh)
    extra = c_x * x
    return KeyResult(
        coefficients=k,
        objective_eur=prob.value(alloc) + extra,
        savings_eur=prob.savings(alloc),
        prorata_savings_eur=prob.savings(prorata),
        prorata_objective_eur=prob.value(prorata) + extra,
        model="sizing",
        fairness=("no_loss",) if no_loss else (),
        peak_power_kwp=x,
        stats=stats,
        notes=notes,
    )
