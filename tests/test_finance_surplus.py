"""Surplus sale options: simplified tender (AOS), market sale, curtailment at negative prices.

Expected figures are recomputed here from the data file's numbers read independently.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from greenkommon._config import Section
from greenkommon.config import PricesConfig
from greenkommon.economics.bills import surplus_price_eur_per_kwh
from greenkommon.economics.finance import project_finance
from greenkommon.economics.finance.surplus import (
    DATA_FILE,
    curtailed_share,
    read_price_curve,
    surplus_terms,
)
from greenkommon.errors import DataError, ScenarioError
from tests.test_finance import flat_bills
from tests.test_finance_bank import _lean


@pytest.fixture(scope="module")
def data():
    with DATA_FILE.open("rb") as fh:
        return tomllib.load(fh)


def test_aos_and_market_terms_from_the_data_file(data):
    c = data["negative_prices"]["curtailed_surplus_share"]
    fee = data["aggregator"]["fee_eur_per_kwh"]
    ref = data["aos"]["reference_price_eur_per_kwh"]
    mkt = data["market"]["price_eur_per_kwh"]
    assert ref <= data["aos"]["ceiling_eur_per_kwh"] == pytest.approx(0.095)
    aos = surplus_terms("aos")
    assert aos.price_eur_per_kwh == pytest.approx((1 - c) * (ref - fee))
    assert aos.contract_years == 20
    assert aos.after_price_eur_per_kwh == pytest.approx((1 - c) * (mkt - fee))
    assert aos.label == "ASSUMPTION"  # the weakest figure (the aggregator fee) decides
    market = surplus_terms("market", curtailed=0.0)
    assert market.price_eur_per_kwh == pytest.approx(mkt - fee)
    assert market.contract_years is None
    for entry in ("aos", "aggregator", "market", "negative_prices"):
        for key, value in data[entry].items():
            if key.endswith("_confidence"):
                assert value in {"LAW", "3RD-PARTY", "INFERENCE", "UNCONFIRMED", "ASSUMPTION"}
                assert data[entry][key.replace("_confidence", "_source")]
    with pytest.raises(ScenarioError, match="surplus_curtailed_share"):
        surplus_terms("aos", curtailed=1.5)


def test_projection_sells_under_aos_then_market(data):
    """Years 1-20 at the AOS net price, then the market price; degradation applies."""
    bills, _ = flat_bills(30_000.0)
    prices = PricesConfig(
        supply_price_eur_per_kwh=0.20, surplus_sale="aos", surplus_curtailed_share=0.1
    )
    fin = project_finance(
        bills, 10_000.0, _lean(lifetime_years=25, degradation_per_year=0.01), prices, 100.0
    )
    fee = data["aggregator"]["fee_eur_per_kwh"]
    aos = 0.9 * (data["aos"]["reference_price_eur_per_kwh"] - fee)
    mkt = 0.9 * (data["market"]["price_eur_per_kwh"] - fee)
    rev = fin.headline.producer["surplus_revenue_eur"]
    f = 0.99 ** np.arange(25)
    assert rev.loc[1:20].to_numpy() == pytest.approx(10_000 * f[:20] * aos)
    assert rev.loc[21:].to_numpy() == pytest.approx(10_000 * f[20:] * mkt)
    # the year-1 bill model and the optimiser read the same price
    price, fig = surplus_price_eur_per_kwh(prices, 400.0)
    assert price == pytest.approx(aos) and "simplified tender" in fig.key
    lost = project_finance(bills, 10_000.0, _lean(), PricesConfig(surplus_sale="lost"), 100.0)
    assert (lost.headline.producer["surplus_revenue_eur"] == 0).all()


def test_curtailed_share_from_a_price_curve(tmp_path):
    idx = pd.date_range("2026-06-01 10:00", periods=4, freq="1h", tz="Europe/Paris")
    surplus = pd.Series([1.0, 2.0, 3.0, 4.0], index=idx)
    # the curve's year differs: matched by month, day and hour
    curve_idx = pd.date_range("2024-06-01 10:00", periods=4, freq="1h")
    curve = pd.Series([10.0, -5.0, 20.0, -1.0], index=curve_idx)
    assert curtailed_share(surplus, curve) == pytest.approx((2 + 4) / 10)
    path = tmp_path / "prices.csv"
    path.write_text(
        "time,price_eur_per_mwh\n" + "".join(f"{t:%Y-%m-%d %H:%M},{p}\n" for t, p in curve.items()),
        encoding="utf-8",
    )
    read = read_price_curve(path)
    assert curtailed_share(surplus, read) == pytest.approx(0.6)
    bad = tmp_path / "bad.csv"
    bad.write_text("time,price\n2024-06-01 10:00,cheap\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.csv: column 'price': 'cheap'"):
        read_price_curve(bad)


def test_prices_section_reads_the_new_options():
    p = PricesConfig.from_section(
        Section({"surplus_sale": "market", "surplus_curtailed_share": 0.2}, "prices")
    )
    assert (p.surplus_sale, p.surplus_curtailed_share) == ("market", 0.2)
    with pytest.raises(ScenarioError, match="surplus_curtailed_share"):
        PricesConfig.from_section(Section({"surplus_curtailed_share": 2.0}, "prices"))
