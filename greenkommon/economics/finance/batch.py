"""The long-term projection of many year-1 bill tables at once (an uncertainty run's samples).

:func:`project_finance_batch` computes, for S samples of the same operation (same venues,
prices, plant and ``[finance]``, different year-1 energies and bills), the figures
:func:`greenkommon.sweep.finance_metrics` reads from :func:`project_finance`: per escalation case
the producer's (project) NPV, IRR and payback, each venue's NPV, payback, lifetime savings and
savings over 20 years. The yearly flows are those of :func:`projection._case`, written over a
leading sample axis (the same operations in the same order, element by element);
:func:`project_finance` stays the reference (``tests/test_finance_batch.py``).

Covered: no production factor, no bank view, no dated accise blend, all the allocated kWh from
the operation's own plant (what an uncertainty sample projects).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy_financial as npf

from ...errors import DataError, ScenarioError
from ..config import FinanceConfig, PricesConfig
from ._metrics import escalation_index, loan_schedule
from .projection import (
    REQUIRED_BILL_COLUMNS,
    escalation_cases,
    producer_costs,
    producer_inputs,
    venue_equity,
)


def npv_rows(rate: float, cash_flows: np.ndarray) -> np.ndarray:
    """:func:`._metrics.npv` of each row of ``cash_flows`` (S, L+1) [€]."""
    if not rate > -1:
        raise ScenarioError(f"finance.discount_rate = {rate!r}: expected a rate > -1 (-100 %)")
    cf = np.asarray(cash_flows, dtype=float)
    return (cf / (1 + rate) ** np.arange(0, cf.shape[-1])).sum(axis=-1)


def payback_rows(cash_flows: np.ndarray) -> np.ndarray:
    """:func:`._metrics.payback_years` of each row of ``cash_flows`` (S, L+1) [yr]."""
    cf = np.asarray(cash_flows, dtype=float)
    cum = np.cumsum(cf, axis=-1)
    out = np.full(cf.shape[0], np.nan)
    reached = cum >= 0
    first = np.argmax(reached, axis=-1)
    found = reached.any(axis=-1)
    out[cum[:, 0] >= 0] = 0.0
    rows = np.flatnonzero(found & (cum[:, 0] < 0))
    y = first[rows]
    out[rows] = y - 1 + (-cum[rows, y - 1]) / cf[rows, y]
    return out


def irr_rows(cash_flows: np.ndarray) -> np.ndarray:
    """:func:`._metrics.irr` of each row of ``cash_flows`` (S, L+1) [-/yr].

    The roots of every row's polynomial in one stacked eigenvalue call (the companion matrix
    :func:`numpy.roots` builds), then :func:`numpy_financial.irr`'s choice: the real positive
    root whose rate is closest to zero. Rows with a zero first or last flow go through
    :func:`numpy_financial.irr` itself.
    """
    cf = np.asarray(cash_flows, dtype=float)
    n_rows, n = cf.shape
    out = np.full(n_rows, np.nan)
    signs = (cf < 0).any(axis=1) & (cf > 0).any(axis=1)
    plain = signs & (cf[:, 0] != 0) & (cf[:, -1] != 0)
    for r in np.flatnonzero(signs & ~plain):
        value = npf.irr(cf[r])
        if value is not None and np.isfinite(value) and value > -1:
            out[r] = float(value)
    rows = np.flatnonzero(plain)
    if rows.size == 0 or n < 2:
        return out
    p = cf[rows, ::-1]
    companion = np.zeros((rows.size, n - 1, n - 1))
    if n > 2:
        idx = np.arange(n - 2)
        companion[:, idx + 1, idx] = 1.0
    companion[:, 0, :] = -p[:, 1:] / p[:, :1]
    roots = np.linalg.eigvals(companion)
    roots = roots.astype(complex, copy=False)
    for j, r in enumerate(rows):
        res = roots[j]
        mask = (res.imag == 0) & (res.real > 0)
        if not mask.any():
            continue
        rate = 1 / res[mask].real - 1
        value = rate.item(np.argmin(np.abs(rate)))
        if np.isfinite(value) and value > -1:
            out[r] = float(value)
    return out


def project_finance_batch(
    bills: Mapping[str, np.ndarray],
    surplus_kwh: np.ndarray,
    names: Sequence[str],
    finance: FinanceConfig,
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> dict[str, np.ndarray]:
    """:func:`greenkommon.sweep.finance_metrics` of :func:`project_finance` for S samples.

    Parameters
    ----------
    bills : mapping of str to numpy.ndarray
        Each column of :data:`REQUIRED_BILL_COLUMNS` as (S, N) [kWh/yr or €/yr], venue order
        ``names``.
    surplus_kwh : numpy.ndarray
        (S,) year-1 surplus [kWh/yr].
    names : sequence of str
        Venue names.
    finance, prices, plant_peak_kwp
        As :func:`project_finance`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``producer.npv_eur[case]``, ``producer.irr[case]``, ``producer.payback_years[case]``,
        ``<venue>.npv_eur[case]``, ``<venue>.payback_years[case]``,
        ``<venue>.lifetime_savings_eur[case]``, ``<venue>.savings_20y_eur[case]``, each (S,), in
        the order :func:`finance_metrics` lists them.
    """
    missing = [c for c in REQUIRED_BILL_COLUMNS if c not in bills]
    if missing:
        raise DataError(f"project_finance_batch: bill columns lack {missing[0]!r}")
    surplus = np.asarray(surplus_kwh, dtype=float)
    if not np.all(np.isfinite(surplus)) or (surplus < 0).any():
        bad = surplus[~(np.isfinite(surplus) & (surplus >= 0))][0]
        raise DataError(f"project_finance: surplus_kwh = {bad!r}: expected an energy >= 0 [kWh/yr]")
    if not math.isfinite(plant_peak_kwp) or plant_peak_kwp <= 0:
        raise ScenarioError(
            f"project_finance: plant_peak_kwp = {plant_peak_kwp!r}: expected a power > 0 [kWp]"
        )
    names = list(names)
    pin = producer_inputs(finance, prices, plant_peak_kwp)
    equity = venue_equity(finance, names, pin)
    life = finance.lifetime_years
    years = np.arange(1, life + 1)
    f = 1.0 * (1.0 - pin.degradation_per_year) ** (years - 1)
    interest, principal = loan_schedule(
        finance.loan_amount_eur, finance.loan_rate, finance.loan_term_years, life
    )
    costs, surplus_price = producer_costs(pin, finance)[5:]
    surplus_revenue = surplus[:, None] * f * surplus_price
    rate = finance.discount_rate

    scenarios = escalation_cases(finance)
    col = {c: np.asarray(bills[c], dtype=float) for c in REQUIRED_BILL_COLUMNS}
    n_samples = surplus.size
    producer_equity = pin.capex_eur - finance.loan_amount_eur
    share = equity / producer_equity if producer_equity > 0 else np.zeros(len(names))
    out: dict[str, np.ndarray] = {}
    for name, rates in scenarios:
        e = escalation_index(rates, life)
        i_idx = (
            e
            if finance.internal_price_indexed_on_supply
            else (1.0 + finance.internal_price_escalation_per_year) ** (years - 1)
        )
        savings_each = np.zeros((n_samples, len(names), life))
        internal_revenue = np.zeros((n_samples, life))
        for k in range(len(names)):
            bwo = col["bill_without_eur"][:, k, None]
            gwo = col["grid_energy_without_eur"][:, k, None]
            avoided = gwo - col["grid_energy_with_eur"][:, k, None]
            without = bwo * e
            with_ = (
                col["fixed_with_eur"][:, k, None] * e
                + (gwo - f * avoided) * e
                + col["autocons_charges_eur"][:, k, None] * f * e
                + col["internal_cost_eur"][:, k, None] * f * i_idx
            )
            savings_each[:, k] = without - with_
            internal_revenue += col["internal_eur"][:, k, None] * f * i_idx
        own_roof_payment = internal_revenue * (1.0 - 1.0)
        internal_revenue = internal_revenue - own_roof_payment
        project = internal_revenue + surplus_revenue - costs
        project_cf = np.concatenate([np.full((n_samples, 1), -pin.capex_eur), project], axis=1)
        equity_cf = np.concatenate(
            [
                np.full((n_samples, 1), -(pin.capex_eur - finance.loan_amount_eur)),
                project - interest - principal,
            ],
            axis=1,
        )
        # the collective view's venue flows (greenkommon.economics.finance.collective_view)
        if finance.stake_remuneration == "interest":
            rem = np.broadcast_to(
                np.outer(equity * finance.stake_interest_rate, np.ones(life)),
                (n_samples, len(names), life),
            )
        elif finance.stake_remuneration == "dividend":
            distributable = finance.dividend_payout_share * np.clip(equity_cf[:, 1:], 0.0, None)
            rem = share[None, :, None] * distributable[:, None, :]
        else:
            rem = np.zeros((n_samples, len(names), life))
        sav0 = np.concatenate([np.zeros((n_samples, len(names), 1)), savings_each], axis=2)
        venue_cf = sav0 + np.concatenate([np.zeros((n_samples, len(names), 1)), rem], axis=2)
        venue_cf[:, :, 0] = -equity
        out[f"producer.npv_eur[{name}]"] = npv_rows(rate, project_cf)
        out[f"producer.irr[{name}]"] = irr_rows(project_cf)
        out[f"producer.payback_years[{name}]"] = payback_rows(project_cf)
        for k, n in enumerate(names):
            out[f"{n}.npv_eur[{name}]"] = npv_rows(rate, venue_cf[:, k])
            out[f"{n}.payback_years[{name}]"] = payback_rows(venue_cf[:, k])
            out[f"{n}.lifetime_savings_eur[{name}]"] = sav0[:, k].sum(axis=1)
            out[f"{n}.savings_20y_eur[{name}]"] = (
                sav0[:, k, :21].sum(axis=1) if life >= 20 else np.full(n_samples, np.nan)
            )
    return out


__all__ = ["irr_rows", "npv_rows", "payback_rows", "project_finance_batch"]
