"""Money metrics shared by the projection, the collective view and the bank view."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy_financial as npf

from ...errors import ScenarioError


def payback_years(cash_flows: Sequence[float] | np.ndarray) -> float:
    """Years until the cumulative cash flow turns non-negative (linear within the year) [yr].

    ``cash_flows[0]`` is year 0. Returns 0 when nothing is invested, ``nan`` when the cumulative
    flow is still negative at the end of life.
    """
    cf = np.asarray(cash_flows, dtype=float)
    cum = np.cumsum(cf)
    if cum[0] >= 0:
        return 0.0
    after = np.nonzero(cum >= 0)[0]
    if after.size == 0:
        return float("nan")
    y = int(after[0])
    # within year y the flow cf[y] brings cum from cum[y-1] < 0 to cum[y] >= 0
    return float(y - 1 + (-cum[y - 1]) / cf[y])


def irr(cash_flows: Sequence[float] | np.ndarray) -> float:
    """Internal rate of return [-/yr] (:func:`numpy_financial.irr`).

    ``nan`` without a sign change in the flows or when the solver finds no rate above −100 %.
    """
    cf = np.asarray(cash_flows, dtype=float)
    if not ((cf < 0).any() and (cf > 0).any()):
        return float("nan")
    value = npf.irr(cf)
    # a rate at or below -100 % (flows returning ~nothing) has no meaning as a return
    return float(value) if value is not None and np.isfinite(value) and value > -1 else float("nan")


def npv(rate: float, cash_flows: Sequence[float] | np.ndarray) -> float:
    """Net present value at ``rate``, ``cash_flows[0]`` at year 0 undiscounted [€]."""
    if not rate > -1:
        raise ScenarioError(f"finance.discount_rate = {rate!r}: expected a rate > -1 (-100 %)")
    return float(npf.npv(rate, np.asarray(cash_flows, dtype=float)))


def metrics(cash_flows: Sequence[float] | np.ndarray, rate: float) -> dict[str, float]:
    """NPV, IRR, simple and discounted payback of one stakeholder's cash flows."""
    cf = np.asarray(cash_flows, dtype=float)
    discounted = cf / (1.0 + rate) ** np.arange(cf.size)
    return {
        "npv_eur": npv(rate, cf),
        "irr": irr(cf),
        "simple_payback_years": payback_years(cf),
        "discounted_payback_years": payback_years(discounted),
    }


def escalation_index(rates: Sequence[float], lifetime_years: int) -> np.ndarray:
    """Price index of years 1..L: 1 in year 1, then × (1 + r) per year [-].

    ``rates`` are the rates of years 2, 3, ...; the last one is carried on.
    """
    if not rates:
        return np.ones(lifetime_years)
    r = np.array([rates[min(k, len(rates) - 1)] for k in range(lifetime_years - 1)], dtype=float)
    return np.concatenate([[1.0], np.cumprod(1.0 + r)])


def loan_schedule(
    amount_eur: float, rate: float, term_years: int, lifetime_years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Interest and principal of a constant-annuity loan, years 1..L [€/yr].

    Uses :func:`numpy_financial.ipmt` / :func:`numpy_financial.ppmt` (0 % rate: equal principal).
    """
    interest = np.zeros(lifetime_years)
    principal = np.zeros(lifetime_years)
    if amount_eur <= 0:
        return interest, principal
    if term_years > lifetime_years:
        raise ScenarioError(
            f"finance.loan_term_years = {term_years}: expected at most lifetime_years = {lifetime_years}"
        )
    periods = np.arange(1, term_years + 1)
    if rate == 0:
        principal[:term_years] = amount_eur / term_years
    else:
        interest[:term_years] = -npf.ipmt(rate, periods, term_years, amount_eur)
        principal[:term_years] = -npf.ppmt(rate, periods, term_years, amount_eur)
    return interest, principal
