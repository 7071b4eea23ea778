"""Long-term projection: yearly cash flows, NPV, IRR, payback per venue and for the producer, LCOE.

The projection starts from year 1 as simulated (the bill table of :func:`compute_bills` and the
year's surplus) and rolls it over ``lifetime_years`` under each supply-price escalation scenario.

Rules (year y = 1 … L; year 0 holds the investment):

- production and allocated/surplus kWh fall with the plant, ``f_y = (1 − d)^(y−1)``; both are
  scaled by ``f_y`` (consumption is unchanged, the kWh not allocated any more are bought from the
  grid). Scaling the allocated kWh proportionally is conservative for the venues: a smaller
  plant loses surplus first.
- grid-side prices (supply, TURPE, accise, subscription, CTA) follow the escalation index
  ``e_y = Π_{k=2..y} (1 + r_k)`` of the scenario (flat, +3 %/yr, +6 %/yr, a user path);
- the internal price follows its own indexation ``i_y = (1 + g)^(y−1)`` or, if asked, ``e_y``;
- producer costs (OPEX, insurance, roof rent, PMO fee, inverter replacement) inflate at ``π``;
- the surplus is sold at the S21 price during the contract, then at the after-contract price.

A venue's cash flow is −equity at year 0, then its yearly savings. The producer is shown as a
project (unlevered: −CAPEX, then revenue − costs) and as its shareholders' equity (levered:
−(CAPEX − loan), then project flow − debt service); the venues' equity is part of the latter.
NPV and IRR come from :mod:`numpy_financial`.

Producer figures are excluding VAT (a SCIC is VAT-registered: it collects VAT on the internal
price and recovers it on its purchases). Not modelled: corporate tax, IFER, the SCIC's
distributions to its members (a venue's equity return is its savings only), residual value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd

from ..errors import DataError, ScenarioError
from .bills import surplus_price_eur_per_kwh
from .config import FinanceConfig, PricesConfig

#: Columns of the bill table the projection needs (see :func:`compute_bills`).
REQUIRED_BILL_COLUMNS = (
    "consumption_kwh",
    "allocated_kwh",
    "grid_import_kwh",
    "bill_without_eur",
    "bill_with_eur",
    "fixed_without_eur",
    "fixed_with_eur",
    "grid_energy_without_eur",
    "grid_energy_with_eur",
    "autocons_charges_eur",
    "internal_cost_eur",
    "internal_eur",
)


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
        Years the surplus price holds (S21 contract); None = the whole life.
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


def producer_inputs(
    finance: FinanceConfig, prices: PricesConfig, plant_peak_kwp: float
) -> ProducerInputs:
    """Resolve the producer's figures: scenario values, else the data file's defaults (ASSUMPTION)."""
    tariffs = prices.tariffs
    defaults_label = (
        str(tariffs.get("producer_defaults").get("confidence", "ASSUMPTION"))
        + " (data file default)"
    )
    labels: dict[str, str] = {}

    def pick(name: str, value: float | None, default_key: str, per_kwp: bool) -> float:
        if value is not None:
            labels[name] = "scenario"
            return float(value) * (plant_peak_kwp if per_kwp else 1.0)
        labels[name] = defaults_label
        return tariffs.number("producer_defaults", default_key) * (
            plant_peak_kwp if per_kwp else 1.0
        )

    capex = pick("capex_eur", finance.capex_eur_per_kwp, "capex_eur_per_kwp", True)
    opex = pick("opex_eur_per_year", finance.opex_eur_per_kwp_year, "opex_eur_per_kwp_year", True)
    insurance = pick(
        "insurance_eur_per_year",
        finance.insurance_eur_per_kwp_year,
        "insurance_eur_per_kwp_year",
        True,
    )
    if finance.roof_rent_eur_per_year is not None:
        rent, labels["roof_rent_eur_per_year"] = finance.roof_rent_eur_per_year, "scenario"
    else:
        rent = tariffs.number("producer_defaults", "roof_rent_eur_per_kwp_year") * plant_peak_kwp
        labels["roof_rent_eur_per_year"] = defaults_label
    pmo = pick("pmo_fee_eur_per_year", finance.pmo_fee_eur_per_year, "pmo_fee_eur_per_year", False)
    inverter = pick(
        "inverter_replacement_eur",
        finance.inverter_replacement_eur_per_kwp,
        "inverter_replacement_eur_per_kwp",
        True,
    )
    if finance.inverter_replacement_year is not None:
        inv_year, labels["inverter_replacement_year"] = (
            finance.inverter_replacement_year,
            "scenario",
        )
    else:
        inv_year = int(tariffs.get("producer_defaults", "inverter_replacement_year"))
        labels["inverter_replacement_year"] = defaults_label
    degradation = pick(
        "degradation_per_year", finance.degradation_per_year, "degradation_per_year", False
    )
    inflation = pick(
        "opex_inflation_per_year", finance.opex_inflation_per_year, "opex_inflation_per_year", False
    )
    surplus_price, fig = surplus_price_eur_per_kwh(prices, plant_peak_kwp)
    labels["surplus_price_eur_per_kwh"] = fig.confidence
    contract_years = None
    if prices.surplus_sale == "s21":
        contract_years = int(tariffs.get("s21", "contract_years"))
        labels["surplus_contract_years"] = str(
            tariffs.get("s21").get("contract_years_confidence", "UNCONFIRMED")
        )
    return ProducerInputs(
        capex_eur=capex,
        opex_eur_per_year=opex,
        insurance_eur_per_year=insurance,
        roof_rent_eur_per_year=rent,
        pmo_fee_eur_per_year=pmo,
        inverter_replacement_eur=inverter,
        inverter_replacement_year=inv_year,
        degradation_per_year=degradation,
        opex_inflation_per_year=inflation,
        surplus_price_eur_per_kwh=surplus_price,
        surplus_contract_years=contract_years,
        labels=labels,
    )


# -- metrics ------------------------------------------------------------------------------------
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
        Index year 1..L: ``venue_savings_eur`` + ``producer_margin_eur`` against
        ``collective_difference_eur`` (external flows of venues + producer), and the gap.
    """

    name: str
    index: np.ndarray
    venues: pd.DataFrame
    producer: pd.DataFrame
    metrics: pd.DataFrame
    reconciliation: pd.DataFrame


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
        The case shown by default (``[finance] reference_escalation_per_year``), used by
        :attr:`cash_flows_eur`, :attr:`metrics` and :attr:`assumptions` (the report's view).
    """

    cases: dict[str, EscalationCase]
    lcoe_eur_per_kwh: float
    producer_inputs: ProducerInputs
    discount_rate: float
    lifetime_years: int
    reference_case: str = ""

    def _ref(self) -> EscalationCase:
        return self.cases.get(self.reference_case) or next(iter(self.cases.values()))

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


def case_name(rate: float) -> str:
    return "flat" if rate == 0 else f"{rate * 100:+g} %/yr"


def project_finance(
    bills: pd.DataFrame,
    surplus_kwh: float,
    finance: FinanceConfig,
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> FinanceResult:
    """Project year 1 over the plant's life for each venue and the producer.

    Parameters
    ----------
    bills : pandas.DataFrame
        Year-1 bill table of :func:`compute_bills` (one row per venue, with the energy columns
        ``consumption_kwh``, ``allocated_kwh``, ``grid_import_kwh`` [kWh/yr] and the as-borne
        breakdown columns).
    surplus_kwh : float
        Year-1 surplus of the plant [kWh/yr].
    finance : FinanceConfig
    prices : PricesConfig
    plant_peak_kwp : float
        Peak power of the plant [kWp] (per-kWp costs, S21 band).

    Returns
    -------
    FinanceResult

    Raises
    ------
    ScenarioError
        For inputs that make no sense (equity of an unknown venue, loan + venue equity above the
        CAPEX, a negative surplus).
    """
    missing = [c for c in REQUIRED_BILL_COLUMNS if c not in bills.columns]
    if missing:
        raise DataError(
            f"project_finance: bill table lacks column {missing[0]!r} (expected the output of compute_bills)"
        )
    if not math.isfinite(surplus_kwh) or surplus_kwh < 0:
        raise DataError(
            f"project_finance: surplus_kwh = {surplus_kwh!r}: expected an energy >= 0 [kWh/yr]"
        )
    if not math.isfinite(plant_peak_kwp) or plant_peak_kwp <= 0:
        raise ScenarioError(
            f"project_finance: plant_peak_kwp = {plant_peak_kwp!r}: expected a power > 0 [kWp]"
        )
    names = list(bills.index)
    unknown = [n for n in finance.equity_eur if n not in names]
    if unknown:
        raise ScenarioError(
            f"{finance.where}.equity_eur.{unknown[0]!r}: expected a venue of the scenario: {', '.join(map(repr, names))}"
        )
    pin = producer_inputs(finance, prices, plant_peak_kwp)
    equity = np.array([finance.equity_eur.get(n, 0.0) for n in names])
    if finance.loan_amount_eur + equity.sum() > pin.capex_eur * (1 + 1e-12):
        raise ScenarioError(
            f"{finance.where}: loan_amount_eur ({finance.loan_amount_eur:,.0f} €) + venue equity ({equity.sum():,.0f} €) "
            f"exceed the CAPEX ({pin.capex_eur:,.0f} €): expected at most the investment"
        )

    life = finance.lifetime_years
    years = np.arange(1, life + 1)
    f = (1.0 - pin.degradation_per_year) ** (years - 1)
    infl = (1.0 + pin.opex_inflation_per_year) ** (years - 1)
    allocated_1 = float(bills["allocated_kwh"].sum())
    production_1 = allocated_1 + surplus_kwh
    interest, principal = loan_schedule(
        finance.loan_amount_eur, finance.loan_rate, finance.loan_term_years, life
    )

    # producer costs, independent of the escalation scenario [€/yr]
    opex = pin.opex_eur_per_year * infl
    insurance = pin.insurance_eur_per_year * infl
    rent = pin.roof_rent_eur_per_year * infl
    pmo = pin.pmo_fee_eur_per_year * infl
    inverter = np.where(
        years == pin.inverter_replacement_year, pin.inverter_replacement_eur * infl, 0.0
    )
    costs = opex + insurance + rent + pmo + inverter
    surplus_price = np.full(life, pin.surplus_price_eur_per_kwh)
    if pin.surplus_contract_years is not None:
        surplus_price[years > pin.surplus_contract_years] = (
            finance.surplus_price_after_contract_eur_per_kwh
        )
    surplus_revenue = surplus_kwh * f * surplus_price
    rate = finance.discount_rate
    disc = (1.0 + rate) ** -years
    production = production_1 * f
    lcoe = (
        (pin.capex_eur + float((costs * disc).sum())) / float((production * disc).sum())
        if production_1 > 0
        else float("nan")
    )

    scenarios: list[tuple[str, Sequence[float]]] = [
        (case_name(r), [r]) for r in finance.escalation_rates_per_year
    ]
    if finance.escalation_path_per_year:
        scenarios.append(("user path", list(finance.escalation_path_per_year)))
    ref_rate = finance.reference_escalation_per_year
    if ref_rate is None:
        ref_rate = (
            0.03
            if 0.03 in finance.escalation_rates_per_year
            else finance.escalation_rates_per_year[0]
        )
    reference = case_name(ref_rate)
    if reference not in [n for n, _ in scenarios]:
        raise ScenarioError(
            f"{finance.where}.reference_escalation_per_year = {finance.reference_escalation_per_year!r}: "
            f"expected one of escalation_rates_per_year {list(finance.escalation_rates_per_year)}"
        )
    schedule = _Schedule(
        f=f,
        names=names,
        equity=equity,
        pin=pin,
        costs=costs,
        opex=opex,
        insurance=insurance,
        rent=rent,
        pmo=pmo,
        inverter=inverter,
        surplus_kwh=surplus_kwh,
        surplus_revenue=surplus_revenue,
        interest=interest,
        principal=principal,
        finance=finance,
        rate=rate,
    )
    cases = {}
    for name, rates in scenarios:
        e = escalation_index(rates, life)
        i_idx = (
            e
            if finance.internal_price_indexed_on_supply
            else (1.0 + finance.internal_price_escalation_per_year) ** (years - 1)
        )
        cases[name] = _case(name, e, i_idx, bills, schedule)
    return FinanceResult(
        cases=cases,
        lcoe_eur_per_kwh=lcoe,
        producer_inputs=pin,
        discount_rate=rate,
        lifetime_years=life,
        reference_case=reference,
    )


@dataclass(frozen=True)
class _Schedule:
    """What every escalation case shares: degradation factor ``f`` and the producer's yearly
    costs, surplus revenue and loan service [€/yr], the venues' equity [€], the inputs."""

    f: np.ndarray
    names: list[str]
    equity: np.ndarray
    pin: ProducerInputs
    costs: np.ndarray
    opex: np.ndarray
    insurance: np.ndarray
    rent: np.ndarray
    pmo: np.ndarray
    inverter: np.ndarray
    surplus_kwh: float
    surplus_revenue: np.ndarray
    interest: np.ndarray
    principal: np.ndarray
    finance: FinanceConfig
    rate: float


def _case(
    name: str, e: np.ndarray, i_idx: np.ndarray, bills: pd.DataFrame, sc: _Schedule
) -> EscalationCase:
    f, names, equity, pin, rate, finance = sc.f, sc.names, sc.equity, sc.pin, sc.rate, sc.finance
    costs, opex, insurance, rent, pmo, inverter = (
        sc.costs,
        sc.opex,
        sc.insurance,
        sc.rent,
        sc.pmo,
        sc.inverter,
    )
    surplus_kwh, surplus_revenue = sc.surplus_kwh, sc.surplus_revenue
    interest, principal = sc.interest, sc.principal
    life = e.size
    years0 = np.arange(0, life + 1)
    disc0 = (1.0 + rate) ** -years0.astype(float)
    venue_frames = {}
    metric_rows = {}
    savings_total = np.zeros(life)
    collective = np.zeros(life)
    internal_revenue = np.zeros(life)
    for k, n in enumerate(names):
        row = bills.loc[n]
        without = row["bill_without_eur"] * e
        avoided = row["grid_energy_without_eur"] - row["grid_energy_with_eur"]
        with_ = (
            row["fixed_with_eur"] * e
            + (row["grid_energy_without_eur"] - f * avoided) * e
            + row["autocons_charges_eur"] * f * e
            + row["internal_cost_eur"] * f * i_idx
        )
        savings = without - with_
        cf = np.concatenate([[-equity[k]], savings])
        venue_frames[n] = pd.DataFrame(
            {
                "bill_without_eur": np.concatenate([[0.0], without]),
                "bill_with_eur": np.concatenate([[0.0], with_]),
                "savings_eur": np.concatenate([[0.0], savings]),
                "cumulative_savings_eur": np.concatenate([[0.0], np.cumsum(savings)]),
                "equity_eur": np.concatenate([[equity[k]], np.zeros(life)]),
                "cash_flow_eur": cf,
                "cumulative_cash_flow_eur": np.cumsum(cf),
                "discounted_cash_flow_eur": cf * disc0,
            },
            index=pd.Index(years0, name="year"),
        )
        metric_rows[n] = metrics(cf, rate)
        savings_total += savings
        internal_revenue += row["internal_eur"] * f * i_idx
        # collective (venues + producer) external flows, line by line: grid costs avoided,
        # network/tax on AUTOCONS, change of fixed charges, VAT on the internal price the venue
        # cannot recover; the internal price itself is a transfer to the producer
        vat_internal_borne = (row["internal_cost_eur"] - row["internal_eur"]) * f * i_idx
        collective += (
            f * avoided * e
            - row["autocons_charges_eur"] * f * e
            - (row["fixed_with_eur"] - row["fixed_without_eur"]) * e
            - vat_internal_borne
        )
    collective += surplus_revenue - costs
    project = internal_revenue + surplus_revenue - costs
    project_cf = np.concatenate([[-pin.capex_eur], project])
    equity_cf = np.concatenate(
        [[-(pin.capex_eur - finance.loan_amount_eur)], project - interest - principal]
    )
    producer = pd.DataFrame(
        {
            "production_kwh": np.concatenate(
                [[0.0], (float(bills["allocated_kwh"].sum()) + surplus_kwh) * f]
            ),
            "allocated_kwh": np.concatenate([[0.0], float(bills["allocated_kwh"].sum()) * f]),
            "surplus_kwh": np.concatenate([[0.0], surplus_kwh * f]),
            "internal_revenue_eur": np.concatenate([[0.0], internal_revenue]),
            "surplus_revenue_eur": np.concatenate([[0.0], surplus_revenue]),
            "opex_eur": np.concatenate([[0.0], opex]),
            "insurance_eur": np.concatenate([[0.0], insurance]),
            "roof_rent_eur": np.concatenate([[0.0], rent]),
            "pmo_fee_eur": np.concatenate([[0.0], pmo]),
            "inverter_replacement_eur": np.concatenate([[0.0], inverter]),
            "capex_eur": np.concatenate([[pin.capex_eur], np.zeros(life)]),
            "loan_drawdown_eur": np.concatenate([[finance.loan_amount_eur], np.zeros(life)]),
            "venue_equity_in_eur": np.concatenate([[equity.sum()], np.zeros(life)]),
            "other_equity_in_eur": np.concatenate(
                [[pin.capex_eur - finance.loan_amount_eur - equity.sum()], np.zeros(life)]
            ),
            "interest_eur": np.concatenate([[0.0], interest]),
            "principal_eur": np.concatenate([[0.0], principal]),
            "project_cash_flow_eur": project_cf,
            "equity_cash_flow_eur": equity_cf,
            "cumulative_equity_cash_flow_eur": np.cumsum(equity_cf),
            "debt_service_coverage": np.concatenate(
                [
                    [np.nan],
                    np.divide(
                        project,
                        interest + principal,
                        out=np.full(life, np.nan),
                        where=(interest + principal) > 0,
                    ),
                ]
            ),
        },
        index=pd.Index(years0, name="year"),
    )
    metric_rows["producer (project)"] = metrics(project_cf, rate)
    metric_rows["producer (equity)"] = metrics(equity_cf, rate)
    met = pd.DataFrame.from_dict(metric_rows, orient="index")
    met.index.name = "stakeholder"
    recon = pd.DataFrame(
        {
            "venue_savings_eur": savings_total,
            "producer_margin_eur": project,
            "collective_difference_eur": collective,
        },
        index=pd.Index(np.arange(1, life + 1), name="year"),
    )
    recon["gap_eur"] = (
        recon["venue_savings_eur"]
        + recon["producer_margin_eur"]
        - recon["collective_difference_eur"]
    )
    venues = pd.concat(venue_frames, names=["venue", "year"])
    return EscalationCase(
        name=name, index=e, venues=venues, producer=producer, metrics=met, reconciliation=recon
    )


def project_result(result: Any) -> FinanceResult:
    """:func:`project_finance` on a :class:`~greenkommon.pipeline.ScenarioResult`."""
    scenario = result.scenario
    return project_finance(
        result.bills,
        float(np.asarray(result.surplus_kwh).sum()),
        scenario.finance,
        scenario.prices,
        scenario.plant.peak_power_kwp,
    )


def assumptions_table(fin: FinanceResult) -> pd.DataFrame:
    """The producer figures used and their label (scenario, ASSUMPTION, UNCONFIRMED...)."""
    pin = fin.producer_inputs
    rows = []
    for name, label in pin.labels.items():
        rows.append({"figure": name, "value": getattr(pin, name), "label": label})
    return pd.DataFrame(rows)


__all__ = [
    "EscalationCase",
    "FinanceResult",
    "ProducerInputs",
    "assumptions_table",
    "escalation_index",
    "format_cash_flows",
    "format_finance",
    "format_metrics",
    "irr",
    "loan_schedule",
    "metrics",
    "npv",
    "payback_years",
    "producer_inputs",
    "project_finance",
    "project_result",
]


# -- text output ----------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f} %"


def _yrs(x: float) -> str:
    return "never" if not np.isfinite(x) else f"{x:.1f}"


def format_metrics(fin: FinanceResult) -> str:
    """NPV / IRR / payback of every stakeholder under every case, as a text table."""
    lines = [
        f"{'case':<10} {'stakeholder':<22} {'NPV [€]':>12} {'IRR':>9} {'payback [yr]':>13} {'disc. payback':>14}"
    ]
    for (case, who), m in fin.summary().iterrows():
        lines.append(
            f"{case:<10} {who:<22} {m['npv_eur']:>12,.0f} {_pct(m['irr']):>9} "
            f"{_yrs(m['simple_payback_years']):>13} {_yrs(m['discounted_payback_years']):>14}"
        )
    return "\n".join(lines)


def format_cash_flows(case: EscalationCase) -> str:
    """Yearly cash flows of one case: each venue's cash flow, the producer's two flows [€]."""
    venues = list(dict.fromkeys(case.venues.index.get_level_values("venue")))
    short = [v if len(v) <= 14 else v[:13] + "." for v in venues]
    head = (
        f"{'year':>4} "
        + " ".join(f"{s:>14}" for s in short)
        + f" {'producer proj.':>14} {'producer eq.':>14} {'cum. savings':>13}"
    )
    lines = [head]
    for y in case.producer.index:
        row = [case.venues.loc[(v, y), "cash_flow_eur"] for v in venues]
        cum_total = sum(case.venues.loc[(v, y), "cumulative_savings_eur"] for v in venues)
        lines.append(
            f"{y:>4} "
            + " ".join(f"{x:>14,.0f}" for x in row)
            + f" {case.producer.loc[y, 'project_cash_flow_eur']:>14,.0f}"
            + f" {case.producer.loc[y, 'equity_cash_flow_eur']:>14,.0f} {float(cum_total):>13,.0f}"
        )
    return "\n".join(lines)


def format_finance(fin: FinanceResult, case: str | None = None) -> str:
    """The text report of ``greenkommon finance``: inputs, metrics, one case's yearly table."""
    names = list(fin.cases)
    if case is None:
        case = fin.reference_case or names[0]
    if case not in fin.cases:
        raise ScenarioError(f"--case {case!r}: expected one of {', '.join(map(repr, names))}")
    out = [
        f"Long-term projection: {fin.lifetime_years} years, discount rate {_pct(fin.discount_rate)}",
        f"Plant LCOE: {fin.lcoe_eur_per_kwh:.4f} €/kWh (CAPEX + discounted costs / discounted production)",
        "",
        "Producer figures (year-1 €):",
    ]
    for _, r in assumptions_table(fin).iterrows():
        value = r["value"]
        text = f"{value:,.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        out.append(f"  {r['figure']:<28} {text:>14}  [{r['label']}]")
    out += [
        "",
        "Per stakeholder (venues: −equity at year 0, then savings; producer: project and equity views):",
        format_metrics(fin),
        "",
        f"Yearly cash flows [€], case {case!r}:",
        format_cash_flows(fin.cases[case]),
    ]
    gap = max(float(c.reconciliation["gap_eur"].abs().max()) for c in fin.cases.values())
    out += [
        "",
        f"Check: venue savings + producer margin − collective cost difference, max |gap| = {gap:.2e} €",
    ]
    return "\n".join(out)
