"""The bank's view of the producer: DSCR at P50 and P90, loan sizing to a target DSCR.

Definitions (years 1..L, producer figures excl. VAT):

- **CFADS** (cash flow available for debt service) = internal-price revenue + surplus revenue −
  OPEX − insurance − roof rent − PMO fee − *maintenance reserve deposit*. The inverter replacement
  is not charged in its own year but provisioned by equal deposits from year 1 to the replacement
  year (a major-maintenance reserve, as lenders require), so one large outlay does not read as a
  default.
- **DSCR**\\ :sub:`y` = CFADS\\ :sub:`y` / (interest\\ :sub:`y` + principal\\ :sub:`y`), defined in
  the years of the loan.
- **P90 production**: the projection re-run with every year's production × the P90/P50 factor of
  :func:`p90_factor` (one-year or ten-year, ``[finance] p90_basis``), figures in
  ``greenkommon/data/finance_fr.toml``.
- **Loan sizing**: the largest constant-annuity loan (the scenario's rate and term) whose DSCR is
  at least ``dscr_target`` in every year of the term at the sizing production:
  ``A = min_y CFADS_y / target``, ``debt = A · (1 − (1 + r)^−n) / r`` (``A · n`` at r = 0).

A shortfall year (DSCR < 1) is paid by the producer's members (extra equity or a current-account
advance): the equity cash flow of the projection already carries it. :attr:`DebtMetrics.reserve_eur`
is the debt-service reserve that would cover every shortfall if the producer kept all its cash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ScenarioError
from ._data import DATA_DIR, read_data

DATA_FILE = DATA_DIR / "finance_fr.toml"
#: ``[finance] p90_basis`` values.
P90_BASES = ("one_year", "ten_year")


def _data() -> dict[str, Any]:
    return read_data("finance_fr.toml")


@dataclass(frozen=True)
class YieldP90:
    """P90/P50 production factor and how it was obtained.

    Attributes
    ----------
    basis : {'one_year', 'ten_year'}
    factor : float
        P90 production / P50 production [-].
    sigma_pct : float
        Combined standard deviation of the yield used [%].
    label : str
        Confidence labels of the figures (the weakest decides).
    source : str
    """

    basis: str
    factor: float
    sigma_pct: float
    label: str
    source: str

    @property
    def name(self) -> str:
        return "P90 one-year" if self.basis == "one_year" else "P90 ten-year"


def p90_factor(basis: str = "one_year") -> YieldP90:
    """P90/P50 factor of the yearly production.

    Notes
    -----
    .. math:: P90/P50 = 1 - z_{90}\\,\\sigma,\\quad
              \\sigma_1 = \\sqrt{\\sigma_{iav}^2 + \\sigma_o^2},\\quad
              \\sigma_{10} = \\sqrt{\\sigma_{iav}^2/10 + \\sigma_o^2}
    """
    if basis not in P90_BASES:
        raise ScenarioError(
            f"finance.p90_basis = {basis!r}: expected one of {', '.join(P90_BASES)}"
        )
    d = _data()["yield_uncertainty"]
    iav, other, z = float(d["interannual_sd_pct"]), float(d["other_sd_pct"]), float(d["z90"])
    years = 1 if basis == "one_year" else 10
    sigma = math.sqrt(iav**2 / years + other**2)
    return YieldP90(
        basis=basis,
        factor=1.0 - z * sigma / 100.0,
        sigma_pct=sigma,
        label=f"interannual {d['interannual_confidence']}, other {d['other_confidence']}",
        source=f"greenkommon/data/finance_fr.toml [yield_uncertainty]: {d['interannual_source']}; {d['other_source']}",
    )


def default_dscr_target() -> tuple[float, str]:
    """The data file's target minimum DSCR and its label."""
    d = _data()["bank"]
    return float(d["dscr_target"]), str(d["dscr_target_confidence"])


@dataclass(frozen=True)
class DebtMetrics:
    """DSCR of one production case.

    Attributes
    ----------
    production_case : str
        ``"P50"`` or ``"P90 one-year"`` / ``"P90 ten-year"``.
    production_factor : float
        Production relative to P50 [-].
    cfads_eur, debt_service_eur : numpy.ndarray
        Years 1..L [€/yr].
    dscr : numpy.ndarray
        Years 1..L [-]; NaN where there is no debt service.
    min_dscr, average_dscr : float
        Over the years of the loan [-] (NaN without a loan).
    min_dscr_year : int
        Year of the minimum (0 without a loan).
    years_below_one : tuple of int
        Years whose CFADS does not cover the debt service.
    shortfall_eur : float
        Σ max(debt service − CFADS, 0) [€], nominal.
    reserve_eur : float
        Debt-service reserve needed at year 0 to cover every shortfall if the producer retained all
        its cash: ``max(0, −min_y Σ_{k≤y} (CFADS_k − DS_k))`` [€].
    """

    production_case: str
    production_factor: float
    cfads_eur: np.ndarray
    debt_service_eur: np.ndarray
    dscr: np.ndarray
    min_dscr: float
    average_dscr: float
    min_dscr_year: int
    years_below_one: tuple[int, ...]
    shortfall_eur: float
    reserve_eur: float

    def table(self) -> pd.DataFrame:
        """Years 1..L: ``cfads_eur``, ``debt_service_eur``, ``dscr``."""
        return pd.DataFrame(
            {
                "cfads_eur": self.cfads_eur,
                "debt_service_eur": self.debt_service_eur,
                "dscr": self.dscr,
            },
            index=pd.Index(np.arange(1, self.cfads_eur.size + 1), name="year"),
        )


@dataclass(frozen=True)
class LoanSizing:
    """The loan a target minimum DSCR allows (constant annuities, the scenario's rate and term).

    Attributes
    ----------
    dscr_target : float [-]
    dscr_target_label : str
    production_case : str
        Production the sizing uses (the P90 basis).
    rate, term_years : float [-/yr], int [yr]
    annuity_eur_per_year : float
        Largest debt service meeting the target [€/yr].
    debt_allowed_eur : float
        Loan that annuity repays [€] (0 when CFADS is not positive in some year of the term).
    equity_left_eur : float
        CAPEX − debt allowed [€].
    binding_year : int
        Year whose CFADS sets the annuity.
    """

    dscr_target: float
    dscr_target_label: str
    production_case: str
    rate: float
    term_years: int
    annuity_eur_per_year: float
    debt_allowed_eur: float
    equity_left_eur: float
    binding_year: int


def maintenance_reserve(inverter_eur: np.ndarray) -> np.ndarray:
    """Deposits that provision each inverter outlay evenly from year 1 to its year [€/yr].

    ``inverter_eur`` holds the outlays of years 1..L; the deposits sum to the same total.
    """
    out = np.zeros_like(inverter_eur, dtype=float)
    for k in np.nonzero(inverter_eur)[0]:
        out[: k + 1] += inverter_eur[k] / (k + 1)
    return out


def cfads(producer: pd.DataFrame) -> np.ndarray:
    """CFADS of years 1..L from a projection's producer table [€/yr] (see the module notes)."""
    p = producer.loc[1:]
    inverter = p["inverter_replacement_eur"].to_numpy(dtype=float)
    return (
        p["project_cash_flow_eur"].to_numpy(dtype=float) + inverter - maintenance_reserve(inverter)
    )


def debt_metrics(producer: pd.DataFrame, production_case: str, factor: float) -> DebtMetrics:
    """DSCR figures of a projection's producer table."""
    p = producer.loc[1:]
    return debt_metrics_of(
        p["project_cash_flow_eur"].to_numpy(dtype=float),
        p["inverter_replacement_eur"].to_numpy(dtype=float),
        p["interest_eur"].to_numpy(dtype=float),
        p["principal_eur"].to_numpy(dtype=float),
        production_case,
        factor,
    )


def debt_metrics_of(
    project_eur: np.ndarray,
    inverter_eur: np.ndarray,
    interest_eur: np.ndarray,
    principal_eur: np.ndarray,
    production_case: str,
    factor: float,
) -> DebtMetrics:
    """:func:`debt_metrics` from the producer's flows of years 1..L [€/yr] (project cash flow,
    inverter outlays, interest, principal): what the projection has before its table exists."""
    cf = project_eur + inverter_eur - maintenance_reserve(inverter_eur)
    ds = interest_eur + principal_eur
    on = ds > 0
    with np.errstate(over="ignore"):  # a vanishing debt service covers to ±inf: true, not an error
        dscr = np.divide(cf, ds, out=np.full(cf.size, np.nan), where=on)
    if on.any():
        k = int(np.nanargmin(np.where(on, dscr, np.inf)))
        min_d, avg_d, min_year = float(dscr[k]), float(np.mean(dscr[on])), k + 1
    else:
        min_d, avg_d, min_year = float("nan"), float("nan"), 0
    below = tuple(int(y) for y in np.nonzero(on & (cf < ds))[0] + 1)
    cum = np.cumsum(cf - ds)
    return DebtMetrics(
        production_case=production_case,
        production_factor=factor,
        cfads_eur=cf,
        debt_service_eur=ds,
        dscr=dscr,
        min_dscr=min_d,
        average_dscr=avg_d,
        min_dscr_year=min_year,
        years_below_one=below,
        shortfall_eur=float(np.clip(ds - cf, 0, None)[on].sum()),
        reserve_eur=float(max(0.0, -cum.min())) if cum.size else 0.0,
    )


def annuity_factor(rate: float, term_years: int) -> float:
    """Present value of 1 €/yr paid at the end of years 1..n at ``rate`` [yr]."""
    if term_years <= 0:
        return 0.0
    if rate == 0:
        return float(term_years)
    return float((1.0 - (1.0 + rate) ** -term_years) / rate)


def size_loan(
    cfads_eur: np.ndarray,
    rate: float,
    term_years: int,
    dscr_target: float,
    capex_eur: float,
    *,
    production_case: str,
    dscr_target_label: str,
) -> LoanSizing:
    """Largest constant-annuity loan with DSCR ≥ ``dscr_target`` in every year of the term."""
    if not dscr_target > 0:
        raise ScenarioError(f"finance.dscr_target = {dscr_target!r}: expected a ratio > 0")
    if term_years < 1:
        return LoanSizing(
            dscr_target,
            dscr_target_label,
            production_case,
            rate,
            term_years,
            0.0,
            0.0,
            capex_eur,
            0,
        )
    window = np.asarray(cfads_eur, dtype=float)[:term_years]
    k = int(np.argmin(window))
    annuity = max(0.0, float(window[k]) / dscr_target)
    debt = min(annuity * annuity_factor(rate, term_years), capex_eur)
    return LoanSizing(
        dscr_target=dscr_target,
        dscr_target_label=dscr_target_label,
        production_case=production_case,
        rate=rate,
        term_years=term_years,
        annuity_eur_per_year=annuity,
        debt_allowed_eur=debt,
        equity_left_eur=capex_eur - debt,
        binding_year=k + 1,
    )


__all__ = [
    "DebtMetrics",
    "LoanSizing",
    "P90_BASES",
    "YieldP90",
    "annuity_factor",
    "cfads",
    "debt_metrics",
    "debt_metrics_of",
    "default_dscr_target",
    "maintenance_reserve",
    "p90_factor",
    "size_loan",
]
