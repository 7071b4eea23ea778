"""Collective view (venues + producer = collective) and the bank view (DSCR, loan sizing, P90).

Reference figures are computed here by hand or with independent closed forms (annuity formula
written out, normal P90 factor from the data file's figures), never with the code under test.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon._config import Section
from greenkommon.economics.config import FinanceConfig
from greenkommon.economics.finance import (
    StakePolicy,
    collective_view,
    npv,
    p90_factor,
    project_finance,
    size_loan,
)
from greenkommon.economics.finance.bank import DATA_FILE, maintenance_reserve
from greenkommon.errors import ScenarioError
from tests.test_finance import BARE, flat_bills

KWP = 100.0


def _lean(**kw) -> FinanceConfig:
    """Producer costs all given: 1,000 €/kWp, OPEX 10 €/kWp/yr, nothing else, no ageing."""
    base = {
        **BARE,
        "lifetime_years": 20,
        "discount_rate": 0.05,
        "capex_eur_per_kwp": 1000.0,
        "opex_eur_per_kwp_year": 10.0,
    }
    base.update(kw)
    return FinanceConfig(**base)  # type: ignore[arg-type]


# -- collective view -------------------------------------------------------------------------------
def test_collective_view_hand_built():
    """Two venues, three years, dividends: every flow checked against hand arithmetic."""
    view = collective_view(
        "flat",
        ("V1", "V2"),
        np.array([10.0, 30.0]),
        np.array([[5.0, 5.0, 5.0], [1.0, 2.0, 3.0]]),
        project_cash_flow_eur=np.array([-100.0, 20.0, 20.0, 20.0]),
        # loan 60, debt service 25, 25, 15
        equity_cash_flow_eur=np.array([-40.0, -5.0, -5.0, 5.0]),
        producer_equity_eur=40.0,
        cost_difference_eur=np.array([26.0, 27.0, 28.0]),
        policy=StakePolicy("dividend", payout_share=0.5),
        discount_rate=0.0,
    )
    # equity shares 10/40, 30/40; year 3 distributes 0.5 × 5 = 2.5
    assert view.equity_share.tolist() == [0.25, 0.75]
    assert view.venue_cash_flow_eur[0].tolist() == [-10.0, 5.0, 5.0, 5.625]
    assert view.venue_cash_flow_eur[1].tolist() == [-30.0, 1.0, 2.0, 4.875]
    assert view.producer_cash_flow_eur.tolist() == [0.0, -5.0, -5.0, 2.5]
    # −(CAPEX − loan), then savings + margin − debt service: 6+20−25, 7+20−25, 8+20−15
    assert view.collective_cash_flow_eur.tolist() == [-40.0, 1.0, 2.0, 13.0]
    assert np.allclose(view.identity_gap_eur, 0.0)
    tab = view.table()
    assert tab.loc["collective", "npv_eur"] == pytest.approx(-40 + 1 + 2 + 13)
    assert tab.loc["V2", "remuneration_eur"] == pytest.approx(1.875)
    assert tab.loc["producer", "stake_eur"] == -40.0


def test_interest_policy_and_bad_policy():
    view = collective_view(
        "flat",
        ("V",),
        np.array([1000.0]),
        np.zeros((1, 2)),
        np.array([-2000.0, 0.0, 0.0]),
        np.array([-2000.0, 0.0, 0.0]),
        2000.0,
        np.zeros(2),
        StakePolicy("interest", interest_rate=0.02),
        0.0,
    )
    assert view.remuneration_eur[0].tolist() == [0.0, 20.0, 20.0]
    assert view.producer_cash_flow_eur.tolist() == [-1000.0, -20.0, -20.0]
    with pytest.raises(ScenarioError, match="stake_remuneration = 'gift'"):
        StakePolicy("gift")


@functools.cache
def _bills_ab(allocated: float, internal: float):
    return flat_bills(allocated, names=("A", "B"), internal=internal)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from([8_000.0, 30_000.0, 60_000.0]),
    st.sampled_from([0.0, 0.08, 0.15]),
    st.floats(0.0, 60_000.0),
    st.sampled_from(["none", "interest", "dividend"]),
    st.floats(0.0, 1.0),
    st.floats(0.0, 20_000.0),
)
def test_collective_is_venues_plus_producer(allocated, internal, loan, policy, share, stake):
    """For any stake policy and loan: the total is the sum of the parties, the transfers
    (stakes, remuneration, internal price) cancel, and Σ savings + margin = D every year."""
    bills, p = _bills_ab(allocated, internal)
    cfg = _lean(
        loan_amount_eur=loan,
        loan_rate=0.04,
        loan_term_years=10 if loan > 0 else 0,
        equity_eur={"A": stake, "B": stake / 2},
        stake_remuneration=policy,
        stake_interest_rate=0.03 * share,
        dividend_payout_share=share,
    )
    fin = project_finance(bills, 0.0, cfg, p, KWP, with_bank=False)
    for case in fin.cases.values():
        v = case.collective
        assert np.abs(v.identity_gap_eur).max() < 1e-6
        total = v.venue_cash_flow_eur.sum(axis=0) + v.producer_cash_flow_eur
        assert np.allclose(total, v.collective_cash_flow_eur)
        # independent of stakes and policy: −(CAPEX − loan), then D − debt service
        ds = (case.producer["interest_eur"] + case.producer["principal_eur"]).to_numpy()[1:]
        expected = np.concatenate([[-(100_000.0 - loan)], v.cost_difference_eur - ds])
        assert np.allclose(v.collective_cash_flow_eur, expected, atol=1e-6)
        tab = v.table()
        parties = tab.drop(index="collective")["npv_eur"].sum()
        assert tab.loc["collective", "npv_eur"] == pytest.approx(parties, abs=1e-6)


# -- bank view -------------------------------------------------------------------------------------
def _annuity(principal: float, rate: float, n: int) -> float:
    """Constant payment of a loan: P·r·(1+r)^n / ((1+r)^n − 1)."""
    return principal * rate * (1 + rate) ** n / ((1 + rate) ** n - 1)


def test_dscr_and_loan_sizing_against_hand_annuity():
    """Constant CFADS = allocated × internal − OPEX; DSCR = CFADS / annuity, at P50 and P90."""
    allocated, internal = 50_000.0, 0.12
    bills, p = flat_bills(allocated, internal=internal)
    cfg = _lean(loan_amount_eur=60_000.0, loan_rate=0.04, loan_term_years=12, dscr_target=1.3)
    fin = project_finance(bills, 0.0, cfg, p, KWP)
    bank = fin.bank
    assert bank is not None
    a = _annuity(60_000.0, 0.04, 12)
    cfads = allocated * internal - 10.0 * KWP  # 5,000 €/yr
    assert bank.p50.dscr[:12] == pytest.approx(np.full(12, cfads / a))
    assert np.isnan(bank.p50.dscr[12:]).all()
    assert bank.p50.min_dscr == pytest.approx(cfads / a)
    assert bank.p50.average_dscr == pytest.approx(cfads / a)

    with DATA_FILE.open("rb") as fh:
        d = tomllib.load(fh)["yield_uncertainty"]
    factor = 1 - 1.2816 * math.hypot(d["interannual_sd_pct"], d["other_sd_pct"]) / 100
    cfads90 = allocated * factor * internal - 10.0 * KWP
    assert bank.yield_p90.factor == pytest.approx(factor)
    assert bank.p90.min_dscr == pytest.approx(cfads90 / a)
    # sizing on P90: annuity = CFADS90 / 1.3, debt = its present value over 12 years at 4 %
    annuity = cfads90 / 1.3
    debt = annuity * ((1.04**12 - 1) / (0.04 * 1.04**12))
    assert bank.sizing.debt_allowed_eur == pytest.approx(debt)
    assert bank.sizing.equity_left_eur == pytest.approx(100_000.0 - debt)
    # a loan of exactly that size has a P90 DSCR of exactly the target
    sized = project_finance(
        bills,
        0.0,
        _lean(loan_amount_eur=debt, loan_rate=0.04, loan_term_years=12, dscr_target=1.3),
        p,
        KWP,
    )
    assert sized.bank is not None and sized.bank.p90.min_dscr == pytest.approx(1.3)
    # equal rates: the equity NPV equals the project NPV, and the note says why
    assert bank.equity_note == ""  # loan 4 % vs discount 5 %
    same = project_finance(
        bills,
        0.0,
        _lean(discount_rate=0.04, loan_amount_eur=60_000.0, loan_rate=0.04, loan_term_years=12),
        p,
        KWP,
    )
    m = same.headline.metrics
    assert m.loc["producer (equity)", "npv_eur"] == pytest.approx(
        m.loc["producer (project)", "npv_eur"]
    )
    assert same.bank is not None and "loan rate equals the discount rate" in same.bank.equity_note


def test_shortfall_years_and_reserve():
    """A loan too big for the CFADS: every year below 1, shortfall and reserve by hand."""
    bills, p = flat_bills(20_000.0, internal=0.10)  # CFADS 2,000 − 1,000 = 1,000 €/yr
    cfg = _lean(loan_amount_eur=50_000.0, loan_rate=0.0, loan_term_years=10)  # DS 5,000 €/yr
    bank = project_finance(bills, 0.0, cfg, p, KWP).bank
    assert bank is not None
    assert bank.p50.years_below_one == tuple(range(1, 11))
    assert bank.p50.min_dscr == pytest.approx(0.2)
    assert bank.p50.shortfall_eur == pytest.approx(10 * 4_000.0)
    assert bank.p50.reserve_eur == pytest.approx(40_000.0)
    # 0 % loan: debt allowed = n × CFADS90 / target
    target = bank.sizing.dscr_target
    cfads90 = 20_000.0 * bank.yield_p90.factor * 0.10 - 1_000.0
    assert bank.sizing.debt_allowed_eur == pytest.approx(10 * cfads90 / target)


def test_inverter_is_provisioned_in_cfads():
    inverter = np.array([0.0, 0.0, 900.0, 0.0])
    reserve = maintenance_reserve(inverter)
    assert reserve.tolist() == [300.0, 300.0, 300.0, 0.0]
    bills, p = flat_bills(50_000.0, internal=0.12)
    cfg = _lean(
        inverter_replacement_eur_per_kwp=60.0,
        inverter_replacement_year=6,
        loan_amount_eur=30_000.0,
        loan_rate=0.03,
        loan_term_years=10,
    )
    fin = project_finance(bills, 0.0, cfg, p, KWP)
    prod = fin.headline.producer
    # 6,000 € spread over years 1-6: CFADS = 6,000 − 1,000 − 1,000 in years 1-6, 5,000 after
    assert prod.loc[1:6, "cfads_eur"].tolist() == pytest.approx([4_000.0] * 6)
    assert prod.loc[7:, "cfads_eur"].tolist() == pytest.approx([5_000.0] * 14)
    assert fin.bank is not None and fin.bank.p50.min_dscr == pytest.approx(
        4_000.0 / _annuity(30_000.0, 0.03, 10)
    )


def test_size_loan_edge_cases():
    s = size_loan(
        np.array([-5.0, 10.0]),
        0.05,
        2,
        1.2,
        100.0,
        production_case="P50",
        dscr_target_label="scenario",
    )
    assert s.debt_allowed_eur == 0.0 and s.equity_left_eur == 100.0 and s.binding_year == 1
    with pytest.raises(ScenarioError, match="dscr_target"):
        size_loan(np.ones(3), 0.05, 2, 0.0, 1.0, production_case="P50", dscr_target_label="")
    assert p90_factor("ten_year").factor > p90_factor("one_year").factor
    with pytest.raises(ScenarioError, match="p90_basis = 'decade'"):
        p90_factor("decade")


def test_finance_fields_read_and_checked():
    cfg = FinanceConfig.from_section(
        Section(
            {
                "headline_case": "+3 %/yr",
                "stake_remuneration": "dividend",
                "dividend_payout_share": 0.4,
                "dscr_target": 1.25,
                "p90_basis": "ten_year",
            },
            "finance",
        )
    )
    assert (cfg.headline_case, cfg.dividend_payout_share, cfg.dscr_target) == ("+3 %/yr", 0.4, 1.25)
    for raw, field in (
        ({"stake_remuneration": "gift"}, "stake_remuneration"),
        ({"dividend_payout_share": 1.5}, "dividend_payout_share"),
        ({"dscr_target": -1.0}, "dscr_target"),
        ({"p90_basis": "decade"}, "p90_basis"),
    ):
        with pytest.raises(ScenarioError, match=field):
            FinanceConfig.from_section(Section(raw, "finance"))


def test_collective_npv_matches_discounted_sum():
    bills, p = flat_bills(40_000.0, names=("A", "B"))
    fin = project_finance(bills, 0.0, _lean(equity_eur={"A": 5_000.0}), p, KWP, with_bank=False)
    v = fin.headline.collective
    assert v.table().loc["collective", "npv_eur"] == pytest.approx(
        sum(x / 1.05**y for y, x in enumerate(v.collective_cash_flow_eur))
    )
    assert npv(0.05, v.collective_cash_flow_eur) == pytest.approx(
        v.table().loc["collective", "npv_eur"]
    )


def test_dated_accise_case_blends_the_years(tmp_path):
    """``applies_until`` 1 Jul 2027 on a 2026 simulation: year 1 fully at the 0 rate, year 2 at
    181/365 of it, later years at the full rate: each year's savings blend the two cases."""
    from helpers import hourly_variant

    from greenkommon.cases import ACCISE_APPLIES, ACCISE_DOES_NOT_APPLY
    from greenkommon.pipeline import run_scenario
    from greenkommon.scenario import load_scenario

    extra = '[prices]\naccise_exemption = "applies_until"\naccise_exemption_until = 2027-07-01\n'
    scenario = load_scenario(hourly_variant(tmp_path, extra=extra))
    result = run_scenario(scenario)
    fin = result.extras["finance"]
    blend = fin.accise_blend
    assert blend is not None
    share = np.zeros(scenario.finance.lifetime_years)
    share[0], share[1] = 1.0, 181 / 365
    assert blend.share == pytest.approx(share)
    kw = dict(
        surplus_kwh=float(result.surplus_kwh.sum()),
        finance=scenario.finance,
        plant_peak_kwp=scenario.plant.peak_power_kwp,
    )
    cases = {}
    for c, table in (
        (ACCISE_APPLIES, blend.applies),
        (ACCISE_DOES_NOT_APPLY, blend.does_not_apply),
    ):
        prices = dataclasses.replace(scenario.prices, accise_case=c)
        cases[c] = project_finance(table, prices=prices, **kw).headline.venues["savings_eur"]
    got = fin.headline.venues["savings_eur"]
    years = got.index.get_level_values("year").to_numpy()
    s = np.concatenate([[0.0], share])[years]
    want = s * cases[ACCISE_APPLIES].to_numpy() + (1 - s) * cases[ACCISE_DOES_NOT_APPLY].to_numpy()
    assert got.to_numpy() == pytest.approx(want)
    # the exemption is worth something in year 1 and nothing from year 3
    diff = cases[ACCISE_APPLIES] - cases[ACCISE_DOES_NOT_APPLY]
    assert float(diff.xs(1, level="year").sum()) > 0
