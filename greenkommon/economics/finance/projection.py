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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataError, ScenarioError
from ..bills import surplus_price_eur_per_kwh
from ..config import FinanceConfig, PricesConfig
from ._metrics import escalation_index, loan_schedule, metrics
from ._results import AcciseBlend, BankView, EscalationCase, FinanceResult, ProducerInputs
from .bank import (
    debt_metrics,
    debt_metrics_of,
    default_dscr_target,
    maintenance_reserve,
    p90_factor,
    size_loan,
)
from .collective import StakePolicy, collective_view
from .surplus import surplus_terms

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

#: Columns of each venue's yearly table (``EscalationCase.venues``).
VENUE_COLUMNS = (
    "bill_without_eur",
    "bill_with_eur",
    "savings_eur",
    "cumulative_savings_eur",
    "equity_eur",
    "remuneration_eur",
    "cash_flow_eur",
    "cumulative_cash_flow_eur",
    "discounted_cash_flow_eur",
)


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
    after: float | None = None
    if prices.surplus_sale == "aos":
        terms = surplus_terms("aos", prices.surplus_curtailed_share)
        contract_years, after = terms.contract_years, terms.after_price_eur_per_kwh
        labels["surplus_contract_years"] = terms.label
        labels["surplus_after_contract_eur_per_kwh"] = terms.label
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
        surplus_after_contract_eur_per_kwh=after,
    )


def case_name(rate: float) -> str:
    return "flat" if rate == 0 else f"{rate * 100:+g} %/yr"


def project_finance(
    bills: pd.DataFrame,
    surplus_kwh: float,
    finance: FinanceConfig,
    prices: PricesConfig,
    plant_peak_kwp: float,
    *,
    production_factor: float = 1.0,
    with_bank: bool = True,
    only_case: str | None = None,
    accise_blend: AcciseBlend | None = None,
    producer_allocated_share: float = 1.0,
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
    production_factor : float
        Production of every year relative to the simulated one [-] (the P90 re-run); the allocated
        and surplus kWh scale with it, as with degradation.
    with_bank : bool
        Compute the bank view (a P90 re-run of this function and the loan sizing).
    only_case : str, optional
        Project this escalation case only (the P90 re-run needs the headline case alone).
    accise_blend : AcciseBlend, optional
        A dated accise case: the bill lines of each year blend the two year-1 tables
        (``bills`` is then the year-1 table, used for energies).
    producer_allocated_share : float
        Share of the allocated kWh (AUTOPROD) that comes from the operation's own plants [-];
        the rest comes from venues' own-roof surplus given to the operation, whose internal
        price is paid to those venues, not to the producer (1 when there is none).

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
    if not 0.0 <= producer_allocated_share <= 1.0:
        raise DataError(
            f"project_finance: producer_allocated_share = {producer_allocated_share!r}: "
            "expected a share in [0, 1]"
        )
    names = list(bills.index)
    pin = producer_inputs(finance, prices, plant_peak_kwp)
    equity = venue_equity(finance, names, pin)

    life = finance.lifetime_years
    years = np.arange(1, life + 1)
    f = production_factor * (1.0 - pin.degradation_per_year) ** (years - 1)
    allocated_1 = float(bills["allocated_kwh"].sum()) * producer_allocated_share
    production_1 = (allocated_1 + surplus_kwh) * production_factor
    interest, principal = loan_schedule(
        finance.loan_amount_eur, finance.loan_rate, finance.loan_term_years, life
    )
    opex, insurance, rent, pmo, inverter, costs, surplus_price = producer_costs(pin, finance)
    surplus_revenue = surplus_kwh * f * surplus_price
    rate = finance.discount_rate
    disc = (1.0 + rate) ** -years
    production = production_1 * f
    lcoe = (
        (pin.capex_eur + float((costs * disc).sum())) / float((production * disc).sum())
        if production_1 > 0
        else float("nan")
    )

    scenarios = escalation_cases(finance)
    reference = headline_case_name(finance)
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
        blend=accise_blend,
        share=producer_allocated_share,
        lines=_bill_lines(bills),
        allocated_1=float(bills["allocated_kwh"].sum()) * producer_allocated_share,
        venue_index=pd.Index(names),
        year_index=pd.Index(np.arange(0, life + 1), name="year"),
    )
    cases = {}
    for name, rates in scenarios:
        if only_case is not None and name != only_case:
            continue
        e = escalation_index(rates, life)
        i_idx = (
            e
            if finance.internal_price_indexed_on_supply
            else (1.0 + finance.internal_price_escalation_per_year) ** (years - 1)
        )
        cases[name] = _case(name, e, i_idx, schedule)
    bank = None
    if with_bank:
        bank = _bank_view(
            cases[reference],
            bills,
            surplus_kwh,
            finance,
            prices,
            plant_peak_kwp,
            pin,
            reference,
            accise_blend,
            producer_allocated_share,
        )
    return FinanceResult(
        cases=cases,
        lcoe_eur_per_kwh=lcoe,
        producer_inputs=pin,
        discount_rate=rate,
        lifetime_years=life,
        reference_case=reference,
        bank=bank,
        accise_blend=accise_blend,
    )


def venue_equity(finance: FinanceConfig, names: Sequence[str], pin: ProducerInputs) -> np.ndarray:
    """Each venue's stake in the producer [€] (``[finance] equity_eur``), checked: venues of the
    scenario, loan + stakes within the CAPEX."""
    unknown = [n for n in finance.equity_eur if n not in names]
    if unknown:
        raise ScenarioError(
            f"{finance.where}.equity_eur.{unknown[0]!r}: expected a venue of the scenario: {', '.join(map(repr, names))}"
        )
    equity = np.array([finance.equity_eur.get(n, 0.0) for n in names])
    if finance.loan_amount_eur + equity.sum() > pin.capex_eur * (1 + 1e-12):
        raise ScenarioError(
            f"{finance.where}: loan_amount_eur ({finance.loan_amount_eur:,.0f} €) + venue equity ({equity.sum():,.0f} €) "
            f"exceed the CAPEX ({pin.capex_eur:,.0f} €): expected at most the investment"
        )
    return equity


def producer_costs(pin: ProducerInputs, finance: FinanceConfig) -> tuple[np.ndarray, ...]:
    """The producer's yearly costs, independent of the escalation case, years 1..L [€/yr]:
    OPEX, insurance, roof rent, PMO fee, inverter replacement, their total; and the surplus
    price of each year [€/kWh] (S21 or AO during the contract, the after-contract price then)."""
    life = finance.lifetime_years
    years = np.arange(1, life + 1)
    infl = (1.0 + pin.opex_inflation_per_year) ** (years - 1)
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
            if pin.surplus_after_contract_eur_per_kwh is None
            else pin.surplus_after_contract_eur_per_kwh
        )
    return opex, insurance, rent, pmo, inverter, costs, surplus_price


def escalation_cases(finance: FinanceConfig) -> list[tuple[str, Sequence[float]]]:
    """(name, rates) of the supply-price escalation cases of ``[finance]``; the headline case
    must be one of them."""
    scenarios: list[tuple[str, Sequence[float]]] = [
        (case_name(r), [r]) for r in finance.escalation_rates_per_year
    ]
    if finance.escalation_path_per_year:
        scenarios.append(("user path", list(finance.escalation_path_per_year)))
    reference = headline_case_name(finance)
    if reference not in [n for n, _ in scenarios]:
        raise ScenarioError(
            f"{finance.where}.headline_case = {reference!r}: "
            f"expected one of {', '.join(repr(n) for n, _ in scenarios)}"
        )
    return scenarios


def headline_case_name(finance: FinanceConfig) -> str:
    """The headline case a ``[finance]`` table names (default: flat prices when among the cases)."""
    if finance.headline_case is not None:
        return finance.headline_case
    if finance.reference_escalation_per_year is not None:
        return case_name(finance.reference_escalation_per_year)
    rates = finance.escalation_rates_per_year
    return case_name(0.0 if 0.0 in rates else rates[0])


def _bank_view(
    case: EscalationCase,
    bills: pd.DataFrame,
    surplus_kwh: float,
    finance: FinanceConfig,
    prices: PricesConfig,
    plant_peak_kwp: float,
    pin: ProducerInputs,
    reference: str,
    accise_blend: AcciseBlend | None = None,
    producer_allocated_share: float = 1.0,
) -> BankView:
    """DSCR at P50 and P90 of the headline case, loan sized on P90 (one evaluation path: the
    P90 figures come from re-running :func:`project_finance` with the P90 production)."""
    y90 = p90_factor(finance.p90_basis)
    low = project_finance(
        bills,
        surplus_kwh,
        finance,
        prices,
        plant_peak_kwp,
        production_factor=y90.factor,
        with_bank=False,
        only_case=reference,
        accise_blend=accise_blend,
        producer_allocated_share=producer_allocated_share,
    )
    p50 = debt_metrics(case.producer, "P50", 1.0)
    p90 = debt_metrics(low.cases[reference].producer, y90.name, y90.factor)
    if finance.dscr_target is not None:
        target, label = finance.dscr_target, "scenario"
    else:
        target, label = default_dscr_target()
    sizing = size_loan(
        p90.cfads_eur,
        finance.loan_rate,
        finance.loan_term_years,
        target,
        pin.capex_eur,
        production_case=y90.name,
        dscr_target_label=label,
    )
    note = ""
    if finance.loan_amount_eur > 0 and finance.loan_rate == finance.discount_rate:
        note = (
            "producer (equity) NPV = producer (project) NPV because the loan rate equals the "
            f"discount rate ({100 * finance.discount_rate:g} %): borrowing at the rate the flows "
            "are discounted at neither adds nor removes value; only the timing of the equity "
            "changes (IRR, payback, DSCR)."
        )
    return BankView(
        p50=p50,
        p90=p90,
        yield_p90=y90,
        sizing=sizing,
        loan_eur=finance.loan_amount_eur,
        equity_note=note,
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
    blend: AcciseBlend | None
    share: float  # of the allocated kWh from the operation's own plants
    lines: np.ndarray  # (venue, REQUIRED_BILL_COLUMNS) year-1 bill lines [kWh, €]
    allocated_1: float  # the producer's year-1 AUTOPROD [kWh]
    venue_index: pd.Index  # shared by every case's tables (an Index is immutable)
    year_index: pd.Index  # years 0..L


def _bill_lines(bills: pd.DataFrame) -> np.ndarray:
    """The projection's bill lines as floats, one row per venue, :data:`REQUIRED_BILL_COLUMNS`
    in order: read once, where a pandas row or column access per venue and line would cost a
    deep copy of the table's ``attrs`` (its figures) each."""
    position = {c: i for i, c in enumerate(bills.columns)}
    return bills.to_numpy()[:, [position[c] for c in REQUIRED_BILL_COLUMNS]].astype(float)


def _case(name: str, e: np.ndarray, i_idx: np.ndarray, sc: _Schedule) -> EscalationCase:
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
    venue_columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    metric_rows = {}
    savings_total = np.zeros(life)
    savings_each = np.zeros((len(names), life))
    collective = np.zeros(life)
    internal_revenue = np.zeros(life)
    for k, n in enumerate(names):
        row: Any = dict(zip(REQUIRED_BILL_COLUMNS, sc.lines[k], strict=True))
        if sc.blend is not None:
            # a dated accise case: each year's lines blend the two year-1 tables
            row = {c: sc.blend.lines(n, c) for c in REQUIRED_BILL_COLUMNS}
        without = row["bill_without_eur"] * e
        avoided = row["grid_energy_without_eur"] - row["grid_energy_with_eur"]
        with_ = (
            row["fixed_with_eur"] * e
            + (row["grid_energy_without_eur"] - f * avoided) * e
            + row["autocons_charges_eur"] * f * e
            + row["internal_cost_eur"] * f * i_idx
        )
        savings = without - with_
        venue_columns[n] = (without, with_)
        savings_each[k] = savings
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
    # the internal price of the kWh own roofs gave to the operation goes to those venues
    own_roof_payment = internal_revenue * (1.0 - sc.share)
    internal_revenue = internal_revenue - own_roof_payment
    project = internal_revenue + surplus_revenue - costs
    project_cf = np.concatenate([[-pin.capex_eur], project])
    equity_cf = np.concatenate(
        [[-(pin.capex_eur - finance.loan_amount_eur)], project - interest - principal]
    )
    view = collective_view(
        name,
        tuple(names),
        equity,
        savings_each,
        project_cf,
        equity_cf,
        pin.capex_eur - finance.loan_amount_eur,
        collective,
        StakePolicy(
            finance.stake_remuneration, finance.stake_interest_rate, finance.dividend_payout_share
        ),
        rate,
    )
    year_index = sc.year_index
    # one float block per table (a frame from a dict of columns costs a block per column, then
    # a consolidation); same columns, order and values as column by column
    block = np.empty((len(names), life + 1, len(VENUE_COLUMNS)))
    for k, n in enumerate(names):
        without, with_ = venue_columns[n]
        cf = view.venue_cash_flow_eur[k]
        block[k] = np.column_stack(
            [
                np.concatenate([[0.0], without]),
                np.concatenate([[0.0], with_]),
                view.savings_eur[k],
                np.cumsum(view.savings_eur[k]),
                np.concatenate([[equity[k]], np.zeros(life)]),
                view.remuneration_eur[k],
                cf,
                np.cumsum(cf),
                cf * disc0,
            ]
        )
        metric_rows[n] = metrics(cf, rate)
    allocated_1 = sc.allocated_1
    zeros = np.zeros(life)
    # the bank's view (one DSCR definition: .bank): CFADS with the inverter provisioned
    dm = debt_metrics_of(project, inverter, interest, principal, "", 1.0)
    producer_columns = {
        "production_kwh": np.concatenate([[0.0], (allocated_1 + surplus_kwh) * f]),
        "allocated_kwh": np.concatenate([[0.0], allocated_1 * f]),
        "surplus_kwh": np.concatenate([[0.0], surplus_kwh * f]),
        "internal_revenue_eur": np.concatenate([[0.0], internal_revenue]),
        "surplus_revenue_eur": np.concatenate([[0.0], surplus_revenue]),
        "opex_eur": np.concatenate([[0.0], opex]),
        "insurance_eur": np.concatenate([[0.0], insurance]),
        "roof_rent_eur": np.concatenate([[0.0], rent]),
        "pmo_fee_eur": np.concatenate([[0.0], pmo]),
        "inverter_replacement_eur": np.concatenate([[0.0], inverter]),
        "capex_eur": np.concatenate([[pin.capex_eur], zeros]),
        "loan_drawdown_eur": np.concatenate([[finance.loan_amount_eur], zeros]),
        "venue_equity_in_eur": np.concatenate([[equity.sum()], zeros]),
        "other_equity_in_eur": np.concatenate(
            [[pin.capex_eur - finance.loan_amount_eur - equity.sum()], zeros]
        ),
        "interest_eur": np.concatenate([[0.0], interest]),
        "principal_eur": np.concatenate([[0.0], principal]),
        "project_cash_flow_eur": project_cf,
        "equity_cash_flow_eur": equity_cf,
        "cumulative_equity_cash_flow_eur": np.cumsum(equity_cf),
        "maintenance_reserve_eur": np.concatenate([[0.0], maintenance_reserve(inverter)]),
        "cfads_eur": np.concatenate([[np.nan], dm.cfads_eur]),
        "dscr": np.concatenate([[np.nan], dm.dscr]),
    }
    producer = pd.DataFrame(
        np.column_stack(list(producer_columns.values())),
        index=year_index,
        columns=list(producer_columns),
    )
    metric_rows["producer (project)"] = metrics(project_cf, rate)
    metric_rows["producer (equity)"] = metrics(equity_cf, rate)
    columns = list(next(iter(metric_rows.values())))  # the keys of metrics()
    met = pd.DataFrame(
        [[m[c] for c in columns] for m in metric_rows.values()],
        index=pd.Index(list(metric_rows), name="stakeholder"),
        columns=columns,
    )
    recon = pd.DataFrame(
        np.column_stack([savings_total, project, own_roof_payment, collective]),
        index=pd.Index(np.arange(1, life + 1), name="year"),
        columns=[
            "venue_savings_eur",
            "producer_margin_eur",
            "own_roof_payment_eur",
            "collective_difference_eur",
        ],
    )
    recon["gap_eur"] = (
        recon["venue_savings_eur"]
        + recon["producer_margin_eur"]
        + recon["own_roof_payment_eur"]
        - recon["collective_difference_eur"]
    )
    venues = pd.DataFrame(
        block.reshape(len(names) * (life + 1), len(VENUE_COLUMNS)),
        index=pd.MultiIndex(
            levels=[sc.venue_index, year_index],
            codes=[
                np.repeat(np.arange(len(names)), life + 1),
                np.tile(np.arange(life + 1), len(names)),
            ],
            names=["venue", "year"],
            verify_integrity=False,  # codes built in range, one per venue and year
        ),
        columns=list(VENUE_COLUMNS),
    )
    return EscalationCase(
        name=name,
        index=e,
        venues=venues,
        producer=producer,
        metrics=met,
        reconciliation=recon,
        collective=view,
    )


def project_result(
    result: Any, *, plant_production_kwh: float | None = None, headline_only: bool = False
) -> FinanceResult:
    """:func:`project_finance` on an operation's result (or a ``ScenarioResult``).

    Parameters
    ----------
    result : OperationResult or ScenarioResult
    plant_production_kwh : float, optional
        Year-1 production of the operation's own plants [kWh/yr], without the own-roof surplus
        venues give to it: the producer's surplus is then that production less its AUTOPROD.
        Default: the result's ``plants_production_kwh``; without either, the operation's whole
        surplus is the producer's.
    headline_only : bool
        Project the headline escalation case only, without the bank view (``only_case`` and
        ``with_bank=False`` of :func:`project_finance`): the headline figures are those of the
        full projection, at a quarter of its cost.

    Notes
    -----
    With own roofs among the producers, the producer is paid the internal price on its own
    AUTOPROD only: :math:`s = \\sum_{p \\in plants} AUTOPROD_p / \\sum_p AUTOPROD_p` of the internal
    revenue; the own-roof venues are paid the rest (``reconciliation.own_roof_payment_eur``).
    """
    scenario = result.scenario
    surplus = float(np.asarray(result.surplus_kwh).sum())
    if plant_production_kwh is None:
        plant_production_kwh = getattr(result, "plants_production_kwh", None)
    share = 1.0
    plants = getattr(result, "plant_names", None)
    if plants is not None:
        autoprod = np.atleast_2d(np.asarray(result.allocation.producer_allocated_kwh))
        if autoprod.shape[0] > len(plants):
            total = float(autoprod.sum())
            own = float(autoprod[: len(plants)].sum())
            share = min(max(own / total, 0.0), 1.0) if total > 0 else 1.0
            if plant_production_kwh is not None:
                surplus = max(plant_production_kwh - own, 0.0)
    return project_finance(
        result.bills,
        surplus,
        scenario.finance,
        scenario.prices,
        scenario.plant.peak_power_kwp,
        accise_blend=accise_blend_of(result),
        producer_allocated_share=share,
        with_bank=not headline_only,
        only_case=headline_case_name(scenario.finance) if headline_only else None,
    )


def accise_blend_of(result: Any) -> AcciseBlend | None:
    """The accise blend of a run whose accise case ends during the life, else None.

    Year 1 is the plant's commissioning year (``[plant] commissioning_year``), else the
    simulated year.
    """
    scenario = result.scenario
    case = getattr(scenario.prices, "accise_case", None)
    if case is None or case.reading != "applies_until":
        return None
    from ...cases import ACCISE_APPLIES, ACCISE_DOES_NOT_APPLY, with_accise_case
    from ..bills import compute_bills

    def bills(c: Any) -> pd.DataFrame:
        return compute_bills(
            result.consumption_kwh,
            result.allocated_kwh,
            result.surplus_kwh,
            [v.contract for v in scenario.venues],
            with_accise_case(scenario.prices, c),
            scenario.plant.peak_power_kwp,
        )

    first = getattr(scenario.plant, "commissioning_year", None) or scenario.simulation.year
    life = scenario.finance.lifetime_years
    share = np.array([case.share_of_year(first + k) for k in range(life)], dtype=float)
    return AcciseBlend(
        applies=bills(ACCISE_APPLIES),
        does_not_apply=bills(ACCISE_DOES_NOT_APPLY),
        share=share,
        label=case.label_en,
    )


def assumptions_table(fin: FinanceResult) -> pd.DataFrame:
    """The producer figures used and their label (scenario, ASSUMPTION, UNCONFIRMED...)."""
    pin = fin.producer_inputs
    rows = []
    for name, label in pin.labels.items():
        rows.append({"figure": name, "value": getattr(pin, name), "label": label})
    return pd.DataFrame(rows)


__all__ = [
    "AcciseBlend",
    "BankView",
    "EscalationCase",
    "FinanceResult",
    "ProducerInputs",
    "assumptions_table",
    "accise_blend_of",
    "case_name",
    "headline_case_name",
    "producer_inputs",
    "project_finance",
    "project_result",
]
