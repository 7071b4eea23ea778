"""Regulatory cases: the contested 0 €/MWh accise on self-consumed kWh.

The case must switch exactly one thing, the accise on AUTOCONS kWh, by the amount computed by
hand from the sources below; every other bill line stays the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from greenkommon import cases
from greenkommon._config import Section
from greenkommon.cases import (
    ACCISE_APPLIES,
    ACCISE_DOES_NOT_APPLY,
    AcciseCase,
    accise_applies_until,
    accise_cases,
    bills_by_accise_case,
    format_accise_cases,
    with_accise_case,
)
from greenkommon.economics import ContractConfig, PricesConfig, compute_bills
from greenkommon.errors import GreenkommonWarning, ScenarioError
from greenkommon.timegrid import make_index


def prices(**fields) -> PricesConfig:
    return PricesConfig.from_section(Section(fields, "prices"))


def contract(**fields) -> ContractConfig:
    return ContractConfig.from_section(Section(fields, "venues[0].contract"))


def hand_frames(year: int = 2026):
    """10 kWh every hour; 4 kWh allocated each hour from 10:00 to 16:00 (6 × 4 = 24 kWh a day)."""
    index = make_index(year, "1h")
    h = index.hour.to_numpy()
    cons = pd.DataFrame({"venue": np.full(len(index), 10.0)}, index=index)
    alloc = pd.DataFrame({"venue": np.where((h >= 10) & (h < 16), 4.0, 0.0)}, index=index)
    return index, cons, alloc, pd.Series(0.0, index=index)


# -- the case object -------------------------------------------------------------------------------
def test_default_is_the_cautious_reading():
    assert PricesConfig().accise_case == ACCISE_DOES_NOT_APPLY
    assert prices().accise_case == ACCISE_DOES_NOT_APPLY
    chosen, alternative = accise_cases(prices())
    assert chosen == ACCISE_DOES_NOT_APPLY and alternative == ACCISE_APPLIES
    assert accise_cases(prices(accise_exemption="applies")) == (
        ACCISE_APPLIES,
        ACCISE_DOES_NOT_APPLY,
    )


def test_applies_until_is_a_dated_switch():
    case = accise_applies_until(dt.date(2027, 1, 1))
    assert case.applies_on(dt.date(2026, 12, 31)) and not case.applies_on(dt.date(2027, 1, 1))
    assert case.applies_in_year(2026) and not case.applies_in_year(2027)
    assert case.share_of_year(2026) == 1.0 and case.share_of_year(2027) == 0.0
    mid = accise_applies_until(dt.date(2026, 7, 1))
    # 1 Jan - 30 Jun 2026 = 31 + 28 + 31 + 30 + 31 + 30 = 181 days of 365
    assert mid.share_of_year(2026) == pytest.approx(181 / 365)
    assert not mid.applies_in_year(2026)
    when = np.array(["2026-06-30T23:30", "2026-07-01T00:00"], dtype="datetime64[ns]")
    assert mid.mask(when).tolist() == [True, False]
    assert ACCISE_APPLIES.share_of_year(2050) == 1.0
    assert ACCISE_DOES_NOT_APPLY.share_of_year(2026) == 0.0
    assert case.name == "accise_applies_until_2027-01-01"
    assert "2027-01-01" in case.label_fr and "2027-01-01" in case.label_en


def test_scenario_words_and_errors():
    until = prices(accise_exemption="applies_until", accise_exemption_until=dt.date(2026, 9, 1))
    assert until.accise_case == accise_applies_until(dt.date(2026, 9, 1))
    # without a date: the end reported in the data file (1 Jan 2027)
    assert prices(accise_exemption="applies_until").accise_case.until == dt.date(2027, 1, 1)
    with pytest.raises(ScenarioError, match="prices.accise_exemption = 'maybe'"):
        prices(accise_exemption="maybe")
    with pytest.raises(ScenarioError, match="accise_exemption_until"):
        prices(accise_exemption="applies", accise_exemption_until=dt.date(2027, 1, 1))
    with pytest.raises(ScenarioError, match="accise_exemption_acc"):
        prices(accise_exemption="applies", accise_exemption_acc=True)
    with pytest.raises(ScenarioError, match="until"):
        AcciseCase("applies_until")


@pytest.mark.parametrize(("flag", "case"), [(True, ACCISE_APPLIES), (False, ACCISE_DOES_NOT_APPLY)])
def test_deprecated_boolean_still_works_with_one_warning(flag, case):
    with pytest.warns(GreenkommonWarning, match="deprecated: read as accise_exemption") as rec:
        p = prices(accise_exemption_acc=flag)
    assert len(rec) == 1 and p.accise_case == case


# -- the case in the bill ----------------------------------------------------------------------------
def test_case_switches_exactly_the_accise_on_self_consumed_kwh():
    """Market C4 venue, 144 kVA ('PME' accise category), VAT borne (association outside VAT).

    Allocated: 24 kWh a day; January 31 × 24 = 744 kWh, 1 Feb - 31 Dec 334 × 24 = 8,016 kWh.
    Accise 'PME' (> 36 kVA), ZNI surcharge included:
      25.79 €/MWh until 31 Jan 2026 (20.90 + 4.89; Deloitte Avocats, 'tarif au 1er janvier 2026'),
      26.58 €/MWh from 1 Feb 2026 (20.92 + 5.66; Deloitte Avocats Feb 2026, enerlex-avocat 5 Feb
      2026).
    Difference 'does_not_apply' - 'applies' = (0.02579 × 744 + 0.02658 × 8,016) × 1.20 (VAT 20 %
    on energy, not recoverable) = (19.18776 + 213.06528) × 1.2 = 278.703648 €.
    """
    _, cons, alloc, surplus = hand_frames()
    c = contract(tariff="market", subscribed_kva=144.0, energy_price_eur_per_kwh=0.1)
    taxed = compute_bills(cons, alloc, surplus, [c], prices(), 400.0).loc["venue"]
    zero = compute_bills(
        cons, alloc, surplus, [c], with_accise_case(prices(), ACCISE_APPLIES), 400.0
    )
    zero_row = zero.loc["venue"]
    assert taxed["savings_eur"] - zero_row["savings_eur"] == pytest.approx(-278.703648, abs=1e-6)
    assert taxed["bill_with_eur"] - zero_row["bill_with_eur"] == pytest.approx(278.703648, abs=1e-6)
    assert taxed["accise_with_eur"] - zero_row["accise_with_eur"] == pytest.approx(
        232.25304, abs=1e-6
    )
    assert (
        zero_row["accise_exempt_kwh"] == pytest.approx(8760.0) and taxed["accise_exempt_kwh"] == 0
    )
    # nothing else moves
    same = [
        k
        for k, v in taxed.items()
        if isinstance(v, float)
        and k
        not in {
            "bill_with_eur",
            "savings_eur",
            "accise_with_eur",
            "vat_with_eur",
            "bill_with_excl_vat_eur",
            "autocons_charges_eur",
            "accise_exempt_kwh",
        }
    ]
    assert len(same) > 15
    for k in same:
        assert taxed[k] == zero_row[k], k
    assert taxed["vat_with_eur"] - zero_row["vat_with_eur"] == pytest.approx(0.2 * 232.25304)


def test_applies_until_mid_year_splits_the_allocated_kwh_at_the_date():
    """Until 1 Jul 2026: Jan 744 kWh at 0 instead of 25.79; Feb-Jun (28+31+30+31+30 = 150 days,
    3,600 kWh) at 0 instead of 26.58; Jul-Dec (184 days, 4,416 kWh) taxed at 26.58 €/MWh.
    VAT recovered: saving vs 'does_not_apply' = 0.02579 × 744 + 0.02658 × 3,600 = 114.87576 €."""
    _, cons, alloc, surplus = hand_frames()
    c = contract(tariff="market", subscribed_kva=144.0, vat_recoverable=True)
    taxed = compute_bills(cons, alloc, surplus, [c], prices(), 400.0).loc["venue"]
    until = with_accise_case(prices(), accise_applies_until(dt.date(2026, 7, 1)))
    part = compute_bills(cons, alloc, surplus, [c], until, 400.0).loc["venue"]
    assert part["savings_eur"] - taxed["savings_eur"] == pytest.approx(114.87576, abs=1e-6)
    assert part["accise_exempt_kwh"] == pytest.approx(744 + 3600)


def test_big_plant_never_gets_the_zero_rate_whatever_the_case():
    _, cons, alloc, surplus = hand_frames()
    c = contract(tariff="market", subscribed_kva=144.0)
    p = with_accise_case(prices(), ACCISE_APPLIES)
    assert (
        compute_bills(cons, alloc, surplus, [c], p, 1000.0).loc["venue", "accise_exempt_kwh"] == 0
    )


def test_both_readings_are_formatted_for_a_result():
    _, cons, alloc, surplus = hand_frames()
    c = contract(tariff="market", subscribed_kva=144.0, vat_recoverable=True)
    p = prices()
    scenario = SimpleNamespace(
        prices=p,
        venues=[SimpleNamespace(contract=c)],
        plant=SimpleNamespace(peak_power_kwp=400.0),
    )
    bills = compute_bills(cons, alloc, surplus, [c], p, 400.0)
    result = SimpleNamespace(
        scenario=scenario,
        consumption_kwh=cons,
        allocated_kwh=alloc,
        surplus_kwh=surplus,
        bills=bills,
    )
    tables = bills_by_accise_case(result)
    assert list(tables) == [ACCISE_DOES_NOT_APPLY, ACCISE_APPLIES]
    assert tables[ACCISE_DOES_NOT_APPLY] is bills
    diff = tables[ACCISE_APPLIES]["savings_eur"].sum() - bills["savings_eur"].sum()
    assert diff == pytest.approx(232.25304, abs=1e-6)
    text = format_accise_cases(result)
    assert "accise paid" in text and "accise 0" in text
    assert f"{bills['savings_eur'].sum():,.0f}" in text
    assert f"{tables[ACCISE_APPLIES]['savings_eur'].sum():,.0f}" in text


def test_public_api_is_complete():
    assert set(cases.__all__) <= set(dir(cases))
    assert dataclasses.is_dataclass(AcciseCase)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ACCISE_APPLIES.reading = "x"  # type: ignore[misc]


def test_run_prints_the_savings_under_both_readings(baseline_scenario_path, capsys):
    """`greenkommon run` shows the chosen reading and its alternative, with the totals of the two
    bill tables of the same allocation."""
    from greenkommon.cli import main
    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario

    assert main(["run", str(baseline_scenario_path), "--brief"]) == 0
    out = capsys.readouterr().out
    op = run_scenario(read_scenario(baseline_scenario_path)).operations[0]
    tables = bills_by_accise_case(op)
    assert list(tables) == [ACCISE_DOES_NOT_APPLY, ACCISE_APPLIES]  # bundled: cautious default
    line = next(li for li in out.splitlines() if li.startswith("all venues "))
    paid, zero = (tables[c]["savings_eur"].sum() for c in tables)
    assert line.split()[-2:] == [f"{paid:,.0f}", f"{zero:,.0f}"]
    # only the accise on AUTOCONS kWh moves, with 20 % VAT (the bundled venues bear VAT)
    taxed, exempt = tables[ACCISE_DOES_NOT_APPLY], tables[ACCISE_APPLIES]
    assert not taxed["vat_recoverable"].any()
    accise_diff = (taxed["accise_with_eur"] - exempt["accise_with_eur"]).sum()
    assert accise_diff > 0
    assert zero - paid == pytest.approx(1.2 * accise_diff, rel=1e-12)
    assert (taxed["bill_without_eur"] == exempt["bill_without_eur"]).all()
    assert "tax administration's reading" in out and "reading of the law's text" in out


def test_npv_under_both_readings_moves_only_the_venues(baseline_scenario_path):
    """The producer never pays the accise on AUTOCONS kWh: its NPV is the same under both
    readings; the venues' NPV is higher where the 0 rate applies."""
    from greenkommon.cases import finance_by_accise_case
    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario

    op = run_scenario(read_scenario(baseline_scenario_path)).operations[0]
    fins = finance_by_accise_case(op)
    assert list(fins) == [ACCISE_DOES_NOT_APPLY, ACCISE_APPLIES]
    assert fins[ACCISE_DOES_NOT_APPLY] is op.finance
    taxed = fins[ACCISE_DOES_NOT_APPLY].metrics["npv_eur"]
    zero = fins[ACCISE_APPLIES].metrics["npv_eur"]
    producer = [n for n in taxed.index if str(n).startswith("producer")]
    venues = [n for n in taxed.index if n not in producer]
    assert producer and len(venues) == 4
    assert np.allclose(zero.loc[producer], taxed.loc[producer], rtol=1e-12)
    assert (zero.loc[venues] > taxed.loc[venues]).all()


def test_portfolio_producer_npv_is_the_same_under_both_readings():
    """In a portfolio where a venue's own roof gives its surplus to the operation, the other
    reading goes through the run's own projection: the producer is paid on its own plants' kWh
    under both readings, so its NPV does not move with the accise (a projection that paid it on
    every allocated kWh moved it by about 200 €)."""
    from greenkommon.cases import finance_by_accise_case
    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario
    from tests.conftest import SCENARIOS

    result = run_scenario(read_scenario(SCENARIOS / "portfolio.toml"))
    given = [op for op in result.operations if len(op.allocation.producer_allocated_kwh) > 1]
    assert given, "portfolio.toml has an operation fed by a venue's own roof"
    for op in given:
        fins = finance_by_accise_case(op)
        chosen, other = (f.metrics["npv_eur"] for f in fins.values())
        producer = [n for n in chosen.index if str(n).startswith("producer")]
        assert producer
        assert np.allclose(other.loc[producer], chosen.loc[producer], rtol=1e-12)
