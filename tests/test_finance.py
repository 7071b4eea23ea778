"""Long-term projection: closed-form NPV/IRR/payback/LCOE, loan, escalation, reconciliation, errors, CLI."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon import economics
from greenkommon._config import Section
from greenkommon.economics import (
    ContractConfig,
    FinanceConfig,
    PricesConfig,
    compute_bills,
    project_finance,
)
from greenkommon.economics.finance import escalation_index, irr, loan_schedule, npv, payback_years
from greenkommon.errors import ScenarioError
from greenkommon.timegrid import make_index

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml"

#: Producer with no running costs, no degradation: flows are constant annuities.
BARE = dict(
    opex_eur_per_kwp_year=0.0,
    insurance_eur_per_kwp_year=0.0,
    roof_rent_eur_per_year=0.0,
    pmo_fee_eur_per_year=0.0,
    inverter_replacement_eur_per_kwp=0.0,
    degradation_per_year=0.0,
    opex_inflation_per_year=0.0,
)


def annuity_factor(rate: float, years: int) -> float:
    return (1 - (1 + rate) ** -years) / rate


def flat_bills(
    allocated_kwh: float,
    consumption_kwh: float = 100_000.0,
    names=("A",),
    supply=0.20,
    internal=0.10,
):
    """One year of flat-contract bills (hourly grid, constant flows): savings = A × (supply − internal)."""
    index = make_index(2026, "1h")
    t = len(index)
    cons = pd.DataFrame({n: np.full(t, consumption_kwh / t) for n in names}, index=index)
    alloc = pd.DataFrame({n: np.full(t, allocated_kwh / t) for n in names}, index=index)
    p = PricesConfig(supply_price_eur_per_kwh=supply, internal_price_eur_per_kwh=internal)
    return compute_bills(
        cons, alloc, pd.Series(0.0, index=index), [ContractConfig()] * len(names), p, 100.0
    ), p


# -- metric helpers against closed forms ---------------------------------------------------------
def test_npv_irr_payback_helpers_closed_form():
    assert irr([-100.0, 110.0]) == pytest.approx(0.10)
    # annuity: 1000 = S × a(8 %, 10) → IRR 8 %
    s = 1000 / annuity_factor(0.08, 10)
    assert irr([-1000.0] + [s] * 10) == pytest.approx(0.08, abs=1e-10)
    assert npv(0.05, [-1000.0] + [s] * 10) == pytest.approx(-1000 + s * annuity_factor(0.05, 10))
    assert payback_years([-100, 50, 50, 50]) == pytest.approx(2.0)
    assert payback_years([-100, 60, 60]) == pytest.approx(1 + 40 / 60)
    assert np.isnan(payback_years([-100, 30, 30, 30]))
    assert payback_years([0, 5, 5]) == 0.0
    assert np.isnan(irr([0.0, 5.0, 5.0]))  # nothing invested: no rate of return
    with pytest.raises(ScenarioError, match="discount_rate"):
        npv(-1.0, [1.0, 2.0])


def test_loan_schedule_is_a_constant_annuity():
    interest, principal = loan_schedule(100_000.0, 0.05, 10, 20)
    payment = 100_000 * 0.05 / (1 - 1.05**-10)
    assert interest[0] == pytest.approx(5000.0)
    assert np.allclose((interest + principal)[:10], payment)
    assert principal.sum() == pytest.approx(100_000.0)
    assert (interest[10:] == 0).all() and (principal[10:] == 0).all()
    i0, p0 = loan_schedule(1200.0, 0.0, 4, 5)
    assert np.allclose(p0, [300, 300, 300, 300, 0]) and not i0.any()


def test_escalation_index():
    assert np.allclose(escalation_index([0.03], 4), [1, 1.03, 1.03**2, 1.03**3])
    assert np.allclose(escalation_index([0.10, 0.0], 4), [1, 1.1, 1.1, 1.1])


# -- the projection ---------------------------------------------------------------------------------
def test_venue_npv_irr_payback_match_closed_form():
    """Venue: equity E at year 0, constant savings S = 20,000 kWh × (0.20 − 0.10) = 2,000 €/yr."""
    bills, p = flat_bills(20_000.0)
    s = 2000.0
    life, rate = 15, 0.05
    e = s * annuity_factor(0.07, life)  # chosen so that the IRR is 7 %
    fin = project_finance(
        bills,
        0.0,
        FinanceConfig(
            lifetime_years=life,
            discount_rate=rate,
            equity_eur={"A": e},
            escalation_rates_per_year=(0.0,),
            **BARE,
        ),
        p,
        100.0,
    )
    m = fin.cases["flat"].metrics.loc["A"]
    assert m["npv_eur"] == pytest.approx(-e + s * annuity_factor(rate, life), rel=1e-10)
    assert m["irr"] == pytest.approx(0.07, abs=1e-9)
    assert m["simple_payback_years"] == pytest.approx(e / s)
    n_exact = -np.log(1 - e * rate / s) / np.log(1 + rate)  # continuous-in-years closed form
    assert np.floor(n_exact) <= m["discounted_payback_years"] <= np.ceil(n_exact)
    v = fin.cases["flat"].venues.loc["A"]
    assert v.loc[0, "cash_flow_eur"] == pytest.approx(-e)
    assert np.allclose(v.loc[1:, "savings_eur"], s)
    assert v.loc[life, "cumulative_savings_eur"] == pytest.approx(s * life)


def test_producer_npv_and_lcoe_closed_form():
    """Producer: CAPEX 1,000 €/kWp × 100 kWp, revenue 20,000 kWh × 0.10 €/kWh, no costs, no surplus."""
    bills, p = flat_bills(20_000.0)
    life, rate = 20, 0.04
    fin = project_finance(
        bills,
        0.0,
        FinanceConfig(
            lifetime_years=life,
            discount_rate=rate,
            capex_eur_per_kwp=1000.0,
            escalation_rates_per_year=(0.0,),
            **BARE,
        ),
        p,
        100.0,
    )
    m = fin.cases["flat"].metrics.loc["producer (project)"]
    assert m["npv_eur"] == pytest.approx(-100_000 + 2000 * annuity_factor(rate, life))
    # 20 × 2,000 € < 100,000 €: the IRR is negative and zeroes the NPV of the flows
    assert m["irr"] < 0
    assert npv(m["irr"], [-100_000.0] + [2000.0] * life) == pytest.approx(0.0, abs=1e-6)
    # LCOE = CAPEX / (yearly production × annuity factor)
    assert fin.lcoe_eur_per_kwh == pytest.approx(100_000 / (20_000 * annuity_factor(rate, life)))


def test_producer_irr_closed_form_and_loan_equity_view():
    """CAPEX chosen so that the project IRR is 6 %; a loan at 6 % leaves the equity IRR at 6 % too."""
    bills, p = flat_bills(50_000.0)  # revenue 5,000 €/yr
    life = 20
    capex = 5000 * annuity_factor(0.06, life)
    cfg = FinanceConfig(
        lifetime_years=life,
        discount_rate=0.03,
        capex_eur_per_kwp=capex / 100.0,
        loan_amount_eur=capex / 2,
        loan_rate=0.06,
        loan_term_years=10,
        escalation_rates_per_year=(0.0,),
        **BARE,
    )
    case = project_finance(bills, 0.0, cfg, p, 100.0).cases["flat"]
    assert case.metrics.loc["producer (project)", "irr"] == pytest.approx(0.06, abs=1e-9)
    assert case.metrics.loc["producer (equity)", "irr"] == pytest.approx(0.06, abs=1e-9)
    prod = case.producer
    assert prod.loc[0, "equity_cash_flow_eur"] == pytest.approx(-capex / 2)
    assert prod.loc[1, "interest_eur"] == pytest.approx(capex / 2 * 0.06)
    assert prod["principal_eur"].sum() == pytest.approx(capex / 2)


def test_escalation_degradation_and_indexation():
    bills, p = flat_bills(20_000.0)
    cfg = FinanceConfig(
        lifetime_years=10,
        discount_rate=0.04,
        escalation_rates_per_year=(0.0, 0.03, 0.06),
        escalation_path_per_year=(0.10, 0.0),
        degradation_per_year=0.01,
        internal_price_escalation_per_year=0.02,
    )
    fin = project_finance(bills, 0.0, cfg, p, 100.0)
    assert list(fin.cases) == ["flat", "+3 %/yr", "+6 %/yr", "user path"]
    y = np.arange(1, 11)
    c, a = 100_000.0, 20_000.0
    for name, idx in (("+3 %/yr", 1.03 ** (y - 1)), ("user path", np.array([1] + [1.1] * 9))):
        v = fin.cases[name].venues.loc["A"].loc[1:]
        f = 0.99 ** (y - 1)
        assert np.allclose(v["bill_without_eur"], c * 0.20 * idx)
        # grid kWh: C − A f_y at the escalated price; AUTOCONS A f_y at the indexed internal price
        assert np.allclose(
            v["bill_with_eur"], (c - a * f) * 0.20 * idx + a * f * 0.10 * 1.02 ** (y - 1)
        )
    prod = fin.cases["flat"].producer
    assert np.allclose(prod.loc[1:, "allocated_kwh"], a * 0.99 ** (y - 1))
    # protection against rising prices: savings grow with escalation
    npvs = fin.summary().xs("A", level="stakeholder")["npv_eur"]
    assert npvs["flat"] < npvs["+3 %/yr"] < npvs["+6 %/yr"]


def test_savings_plus_producer_margin_reconcile_with_collective_cost_difference():
    """Two identical C4 venues of the hand-computed bill (tests/test_economics.py), year 1.

    Default accise case (the 0 rate on AUTOCONS does not apply: the accise is paid on every kWh).
    Per venue, external payments avoided (supply energy incl. VAT): 832.20 × 1.2 = 998.64 €; VAT
    on the internal price the venue cannot recover: 0.2 × 876 = 175.20 €.
    Producer: surplus 1,000 kWh × 0.05 = 50 €; OPEX 10 €/kWp × 400 kWp = 4,000 €; rent 1,000 €.
    Collective difference = 2 × (998.64 − 175.20) + 50 − 5,000 = −3,303.12 €.
    Venue savings 2 × (832.20 − 876) × 1.2 = −105.12 €; producer margin 2 × 876 + 50 − 5,000
    = −3,198 €.
    """
    index = make_index(2026, "1h")
    h = index.hour.to_numpy()
    cons = pd.DataFrame(
        {"V1": np.full(len(index), 10.0), "V2": np.full(len(index), 10.0)}, index=index
    )
    alloc = pd.DataFrame(
        {n: np.where((h >= 10) & (h < 16), 4.0, 0.0) for n in ("V1", "V2")}, index=index
    )
    surplus = pd.Series(1000.0 / len(index), index=index)
    c = ContractConfig.from_section(
        Section(
            {
                "tariff": "market",
                "subscribed_kva": 144.0,
                "subscription_eur_per_year": 240.0,
                "energy_price_eur_per_kwh": {"HP": 0.095, "HC": 0.075},
            },
            "c",
        )
    )
    p = PricesConfig(internal_price_eur_per_kwh=0.10, surplus_price_eur_per_kwh=0.05)
    bills = compute_bills(cons, alloc, surplus, [c, c], p, 400.0)
    cfg = FinanceConfig(
        lifetime_years=20,
        discount_rate=0.04,
        capex_eur_per_kwp=900.0,
        **{**BARE, "opex_eur_per_kwp_year": 10.0, "roof_rent_eur_per_year": 1000.0},
    )
    fin = project_finance(bills, float(surplus.sum()), cfg, p, 400.0)
    year1 = fin.cases["+3 %/yr"].reconciliation.loc[1]
    assert year1["venue_savings_eur"] == pytest.approx(-105.12, abs=1e-6)
    assert year1["producer_margin_eur"] == pytest.approx(-3198.0, abs=1e-6)
    assert year1["collective_difference_eur"] == pytest.approx(-3303.12, abs=1e-6)
    for case in fin.cases.values():
        assert case.reconciliation["gap_eur"].abs().max() < 1e-6


def test_inverter_replacement_and_surplus_after_s21_contract():
    bills, _ = flat_bills(20_000.0)
    p = PricesConfig(
        supply_price_eur_per_kwh=0.2, internal_price_eur_per_kwh=0.1, surplus_sale="s21"
    )
    cfg = FinanceConfig(
        lifetime_years=25,
        discount_rate=0.04,
        **{
            **BARE,
            "inverter_replacement_eur_per_kwp": 80.0,
            "inverter_replacement_year": 12,
            "opex_inflation_per_year": 0.02,
        },
        surplus_price_after_contract_eur_per_kwh=0.03,
    )
    prod = project_finance(bills, 10_000.0, cfg, p, 100.0).cases["flat"].producer
    assert prod.loc[12, "inverter_replacement_eur"] == pytest.approx(8000 * 1.02**11)
    assert prod["inverter_replacement_eur"].astype(bool).sum() == 1
    assert prod.loc[20, "surplus_revenue_eur"] == pytest.approx(
        10_000 * 0.0761
    )  # S21 9-100 kWp band
    assert prod.loc[21, "surplus_revenue_eur"] == pytest.approx(
        10_000 * 0.03
    )  # after the 20-year contract


def test_defaults_are_labelled_assumption():
    bills, p = flat_bills(20_000.0)
    fin = project_finance(bills, 0.0, FinanceConfig(capex_eur_per_kwp=800.0), p, 100.0)
    table = economics.assumptions_table(fin)
    labels = dict(zip(table["figure"], table["label"], strict=True))
    assert labels["capex_eur"] == "scenario"
    assert labels["opex_eur_per_year"].startswith("ASSUMPTION")
    assert fin.producer_inputs.capex_eur == 80_000.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"discount_rate": -1.0}, "finance.discount_rate = -1.0: expected a number > -1"),
        ({"discount_rate": -2.5}, "> -1"),
        (
            {"lifetime_years": 20, "loan_amount_eur": 1000.0, "loan_term_years": 25},
            "a loan cannot outlive the plant",
        ),
        ({"loan_amount_eur": 1000.0}, "loan_term_years = 0: expected a term >= 1"),
        ({"capex_eur_per_kwp": -5.0}, "capex_eur_per_kwp = -5.0"),
        ({"equity_eur": {"A": -10.0}}, "equity_eur.'A' = -10.0"),
        ({"escalation_rates_per_year": [0.0, -1.5]}, "escalation_rates_per_year"),
        ({"lifetime_years": 80}, "lifetime_years = 80"),
    ],
)
def test_absurd_finance_inputs_rejected(fields, message):
    with pytest.raises(ScenarioError) as exc:
        FinanceConfig.from_section(Section(fields, "finance"))
    assert message in str(exc.value)


def test_programmatic_config_checked_too():
    with pytest.raises(ScenarioError, match="discount_rate"):
        FinanceConfig(discount_rate=-1.0)
    with pytest.raises(ScenarioError, match="cannot outlive"):
        FinanceConfig(lifetime_years=10, loan_amount_eur=5.0, loan_term_years=12)


def test_projection_rejects_inconsistent_capital():
    bills, p = flat_bills(20_000.0)
    with pytest.raises(ScenarioError, match="exceed the CAPEX"):
        project_finance(
            bills,
            0.0,
            FinanceConfig(
                capex_eur_per_kwp=100.0,
                loan_amount_eur=9000.0,
                loan_term_years=5,
                equity_eur={"A": 2000.0},
            ),
            p,
            100.0,
        )
    with pytest.raises(ScenarioError, match="equity_eur.'Z'"):
        project_finance(bills, 0.0, FinanceConfig(equity_eur={"Z": 1.0}), p, 100.0)


# -- command line ---------------------------------------------------------------------------------
def test_finance_command_prints_and_exports(tmp_path, monkeypatch, capsys):
    from greenkommon.cli import main
    from greenkommon.scenario import load_scenario

    scenario = load_scenario(SCENARIO)
    index = make_index(2026, "1h")
    names = scenario.venue_names
    h = index.hour.to_numpy()
    cons = pd.DataFrame({n: np.full(len(index), 20.0) for n in names}, index=index)
    alloc = cons.mul(np.where((h >= 9) & (h < 17), 0.8, 0.0), axis=0)
    surplus = pd.Series(np.where((h >= 9) & (h < 17), 10.0, 0.0), index=index)
    bills = compute_bills(
        cons,
        alloc,
        surplus,
        [v.contract for v in scenario.venues],
        scenario.prices,
        scenario.plant.peak_power_kwp,
    )
    fake = types.ModuleType("greenkommon.pipeline")
    fake.run_scenario = lambda sc: types.SimpleNamespace(
        scenario=sc,
        operations=(
            types.SimpleNamespace(
                name="op", scenario=sc, bills=bills, surplus_kwh=surplus, finance=None
            ),
        ),
    )
    monkeypatch.setitem(sys.modules, "greenkommon.pipeline", fake)
    out_csv = tmp_path / "out" / "flows.csv"
    assert main(["finance", str(SCENARIO), "--csv", str(out_csv), "--case", "+6 %/yr"]) == 0
    text = capsys.readouterr().out
    assert "NPV" in text and "producer (equity)" in text and "LCOE" in text and "'+6 %/yr'" in text
    assert "ASSUMPTION" in text
    flows = pd.read_csv(out_csv)
    assert {"case", "stakeholder", "year", "cash_flow_eur", "project_cash_flow_eur"} <= set(
        flows.columns
    )
    assert set(flows["stakeholder"]) == {*names, "producer"}
    metrics = pd.read_csv(tmp_path / "out" / "flows_metrics.csv")
    assert len(metrics) == 3 * (len(names) + 2)
    assert main(["finance", str(SCENARIO), "--case", "nope"]) == 2


def test_report_view_of_the_reference_case():
    """``cash_flows_eur``, ``metrics`` and ``assumptions``: the reference case in report form."""
    bills, p = flat_bills(20_000.0, names=("A", "B"))
    default = project_finance(bills, 0.0, FinanceConfig(lifetime_years=12), p, 100.0)
    assert default.reference_case == "flat"  # the conservative case heads every output
    fin = project_finance(
        bills,
        0.0,
        FinanceConfig(lifetime_years=12, equity_eur={"A": 1000.0}, headline_case="+3 %/yr"),
        p,
        100.0,
    )
    assert fin.reference_case == "+3 %/yr"
    with pytest.raises(ScenarioError, match="headline_case = 'nope'"):
        project_finance(bills, 0.0, FinanceConfig(headline_case="nope"), p, 100.0)
    cash = fin.cash_flows_eur
    assert list(cash.columns) == ["A", "B", "producer (project)", "producer (equity)"]
    assert list(cash.index) == list(range(13))
    assert cash.loc[0, "A"] == -1000.0 and cash.loc[0, "B"] == 0.0
    assert np.allclose(
        cash.loc[1:, "A"], fin.cases["+3 %/yr"].venues.loc["A"].loc[1:, "savings_eur"]
    )
    m = fin.metrics
    assert m.loc["A", "irr_pct"] == pytest.approx(
        100 * fin.cases["+3 %/yr"].metrics.loc["A", "irr"]
    )
    assert {"npv_eur", "irr_pct", "payback_years"} <= set(m.columns)
    a = fin.assumptions
    assert a["escalation_case"] == "+3 %/yr" and a["capex_eur_label"].startswith("ASSUMPTION")
    flat = project_finance(
        bills, 0.0, FinanceConfig(lifetime_years=12, reference_escalation_per_year=0.06), p, 100.0
    )
    assert flat.reference_case == "+6 %/yr"
    with pytest.raises(ScenarioError, match="reference_escalation_per_year"):
        FinanceConfig.from_section(Section({"reference_escalation_per_year": 0.05}, "finance"))
    with pytest.raises(ScenarioError, match="at least one rate"):
        FinanceConfig(escalation_rates_per_year=())


def test_format_bills_lists_flagged_figures():
    index = make_index(2026, "1h")
    cons = pd.DataFrame({"V": np.full(len(index), 5.0)}, index=index)
    c = ContractConfig.from_section(Section({"tariff": "market", "subscribed_kva": 60.0}, "c"))
    bills = compute_bills(cons, cons * 0.2, pd.Series(0.0, index=index), [c], PricesConfig(), 100.0)
    text = economics.format_bills(bills)
    assert "V " in text and "UNCONFIRMED" in text and "TURPE bt_gt36.CU" in text


@settings(max_examples=60, deadline=None)
@given(
    st.floats(100.0, 1e6),
    st.lists(
        st.one_of(st.just(0.0), st.floats(1.0, 1e5), st.floats(-1e4, -1.0)), min_size=1, max_size=30
    ),
)
def test_irr_zeroes_npv_and_payback_brackets_the_sign_change(investment, flows):
    cf = [-investment, *flows]
    rate = irr(cf)
    # near -100 % the NPV is ill-conditioned (flows divided by (1 + r)^t -> 0): check real returns only
    if np.isfinite(rate) and rate > -0.5:
        scale = max(investment, *map(abs, flows))
        assert npv(rate, cf) == pytest.approx(0.0, abs=1e-6 * scale)
    pb = payback_years(cf)
    cum = np.cumsum(cf)
    if np.isnan(pb):
        assert cum[-1] < 0
    else:
        y = int(np.ceil(pb))
        assert cum[y] >= -1e-9 and (y == 0 or cum[y - 1] < 0 or pb == y)
