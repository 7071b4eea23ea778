"""Result types of the long-term projection (frozen dataclasses, units in field names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .bank import DebtMetrics, LoanSizing, YieldP90
from .collective import CollectiveView


@dataclass(frozen=True)
class ProducerInputs:
    """Producer figures after defaults are applied (year-1 euros).

    Attributes
    ----------
    capex_eur, opex_eur_per_year, insurance_eur_per_year, roof_rent_eur_per_year,
    pmo_fee_eur_per_year, inverter_replacement_eur : float [€, €/yr]
    inverter_replacement_year : int
    degradation_per_year, opex_inflation_per_year : float [-/yr]
    surplus_price_eur_per_kwh : float [€/kWh]
    surplus_contract_years : int or None
        Years the surplus price holds (S21 or AOS contract); None = the whole life.
    surplus_after_contract_eur_per_kwh : float or None
        Surplus price after the contract [€/kWh]; None: ``[finance]
        surplus_price_after_contract_eur_per_kwh``.
    labels : dict
        Field → ``"scenario"`` or the data file's confidence (``ASSUMPTION``, ``UNCONFIRMED``...).
    """

    capex_eur: float
    opex_eur_per_year: float
    insurance_eur_per_year: float
    roof_rent_eur_per_year: float
    pmo_fee_eur_per_year: float
    inverter_replacement_eur: float
    inverter_replacement_year: int
    degradation_per_year: float
    opex_inflation_per_year: float
    surplus_price_eur_per_kwh: float
    surplus_contract_years: int | None
    labels: dict[str, str] = field(default_factory=dict)
    surplus_after_contract_eur_per_kwh: float | None = None


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationCase:
    """The projection under one supply-price escalation scenario.

    Attributes
    ----------
    name : str
        ``"flat"``, ``"+3 %/yr"``, ``"user path"``, ...
    index : numpy.ndarray
        Grid-price index of years 1..L [-].
    venues : pandas.DataFrame
        Index (venue, year), year 0..L: ``bill_without_eur``, ``bill_with_eur``, ``savings_eur``,
        ``cumulative_savings_eur``, ``equity_eur``, ``cash_flow_eur``, ``cumulative_cash_flow_eur``,
        ``discounted_cash_flow_eur`` [€].
    producer : pandas.DataFrame
        Index year 0..L: energies [kWh], revenues, costs, debt service and the two cash flows [€].
    metrics : pandas.DataFrame
        Index stakeholder (each venue, ``producer (project)``, ``producer (equity)``):
        ``npv_eur``, ``irr``, ``simple_payback_years``, ``discounted_payback_years``.
    reconciliation : pandas.DataFrame
        Index year 1..L: ``venue_savings_eur`` + ``producer_margin_eur`` +
        ``own_roof_payment_eur`` (internal price paid to venues for their own roofs' AUTOPROD)
        against ``collective_difference_eur`` (external flows of venues + producer), and the gap.
    collective : CollectiveView
        Venues (stake, savings, remuneration), producer and collective total of this case.
    """

    name: str
    index: np.ndarray
    venues: pd.DataFrame
    producer: pd.DataFrame
    metrics: pd.DataFrame
    reconciliation: pd.DataFrame
    collective: CollectiveView


@dataclass(frozen=True)
class AcciseBlend:
    """A dated accise case over the life: year ``y``'s bill lines are
    ``s_y · applies + (1 − s_y) · does_not_apply`` (the case only switches a per-kWh tax line).

    Attributes
    ----------
    applies, does_not_apply : pandas.DataFrame
        Year-1 bill tables under the 0 rate and under the full rate.
    share : numpy.ndarray
        Years 1..L: fraction of the year under the 0 rate [-] (``AcciseCase.share_of_year``).
    label : str
        The case, in words.
    """

    applies: pd.DataFrame
    does_not_apply: pd.DataFrame
    share: np.ndarray
    label: str

    def lines(self, venue: str, column: str) -> np.ndarray:
        """Year 1..L values of one bill line of one venue [€/yr or kWh/yr]."""
        a = float(self.applies.loc[venue, column])
        n = float(self.does_not_apply.loc[venue, column])
        return self.share * a + (1.0 - self.share) * n


@dataclass(frozen=True)
class BankView:
    """The lender's figures of the headline case (see :mod:`.bank`).

    Attributes
    ----------
    p50, p90 : DebtMetrics
        DSCR at P50 production and at P90 production.
    yield_p90 : YieldP90
        The P90 factor used and how it was obtained.
    sizing : LoanSizing
        The loan the target minimum DSCR allows at P90 production.
    loan_eur : float
        The scenario's loan [€].
    equity_note : str
        Why producer (equity) and producer (project) NPVs coincide, when they do.
    """

    p50: DebtMetrics
    p90: DebtMetrics
    yield_p90: YieldP90
    sizing: LoanSizing
    loan_eur: float
    equity_note: str


@dataclass(frozen=True)
class FinanceResult:
    """Long-term projection of one scenario.

    Attributes
    ----------
    cases : dict of str to EscalationCase
        One per escalation scenario, in order.
    lcoe_eur_per_kwh : float
        Levelised cost of the plant's energy (CAPEX + discounted producer costs over discounted
        production, financing excluded) [€/kWh].
    producer_inputs : ProducerInputs
        The producer figures used, with their labels (ASSUMPTION where defaulted).
    discount_rate : float
    lifetime_years : int
    reference_case : str
        The headline case (``[finance] headline_case``, default flat prices), used by
        :attr:`cash_flows_eur`, :attr:`metrics`, :attr:`assumptions` and every output; the others
        are sensitivities.
    bank : BankView or None
        DSCR at P50/P90 and loan sizing of the headline case (None inside the P90 re-run).
    accise_blend : AcciseBlend or None
        The two year-1 bill tables and the yearly share of the 0 accise rate, when the accise
        case ends during the life (``applies_until``).
    """

    cases: dict[str, EscalationCase]
    lcoe_eur_per_kwh: float
    producer_inputs: ProducerInputs
    discount_rate: float
    lifetime_years: int
    reference_case: str = ""
    bank: BankView | None = None
    accise_blend: AcciseBlend | None = None

    def _ref(self) -> EscalationCase:
        return self.cases.get(self.reference_case) or next(iter(self.cases.values()))

    @property
    def headline(self) -> EscalationCase:
        """The headline case."""
        return self._ref()

    @property
    def cash_flows_eur(self) -> pd.DataFrame:
        """Reference case: rows years 0..L, columns each venue's cash flow and the producer's
        project and equity cash flows [€]."""
        case = self._ref()
        table = case.venues["cash_flow_eur"].unstack("venue")
        table = table[list(dict.fromkeys(case.venues.index.get_level_values("venue")))]
        table["producer (project)"] = case.producer["project_cash_flow_eur"]
        table["producer (equity)"] = case.producer["equity_cash_flow_eur"]
        table.columns.name = "stakeholder"
        return table

    @property
    def metrics(self) -> pd.DataFrame:
        """Reference case: rows stakeholders; ``npv_eur`` [€], ``irr_pct`` [%], ``payback_years``,
        ``discounted_payback_years`` [yr] (NaN when undefined or beyond the life)."""
        m = self._ref().metrics
        return pd.DataFrame(
            {
                "npv_eur": m["npv_eur"],
                "irr_pct": 100.0 * m["irr"],
                "payback_years": m["simple_payback_years"],
                "discounted_payback_years": m["discounted_payback_years"],
            }
        )

    @property
    def assumptions(self) -> dict[str, Any]:
        """Finance parameters of the projection, units in the names, labels in ``*_label``."""
        pin = self.producer_inputs
        out: dict[str, Any] = {
            "escalation_case": self._ref().name,
            "lifetime_years": self.lifetime_years,
            "discount_rate_pct": 100.0 * self.discount_rate,
            "lcoe_eur_per_kwh": self.lcoe_eur_per_kwh,
        }
        for name, label in pin.labels.items():
            out[name] = getattr(pin, name)
            out[f"{name}_label"] = label
        return out

    def summary(self) -> pd.DataFrame:
        """Metrics of every stakeholder under every case (index case, stakeholder)."""
        return pd.concat(
            {name: case.metrics for name, case in self.cases.items()}, names=["case", "stakeholder"]
        )

    def cash_flow_table(self) -> pd.DataFrame:
        """All yearly flows in long format: case, stakeholder, year, then the columns."""
        frames = []
        for name, case in self.cases.items():
            v = case.venues.reset_index().rename(columns={"venue": "stakeholder"})
            p = case.producer.reset_index()
            p.insert(0, "stakeholder", "producer")
            for f in (v, p):
                f.insert(0, "case", name)
            frames += [v, p]
        return pd.concat(frames, ignore_index=True)
