"""Bills per venue: hand-computed French bills, consistency laws, data-file provenance, errors."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon import economics
from greenkommon._config import Section
from greenkommon.economics import ContractConfig, PricesConfig, compute_bills
from greenkommon.errors import DataError, ScenarioError
from greenkommon.scenario import load_scenario, parse_scenario, read_scenario_mapping
from greenkommon.timegrid import make_index

DATA = Path(economics.__file__).resolve().parents[1] / "data" / "tariffs_fr.toml"


def contract(**fields) -> ContractConfig:
    return ContractConfig.from_section(Section(fields, "venues[0].contract"))


def prices(**fields) -> PricesConfig:
    return PricesConfig.from_section(Section(fields, "prices"))


def frames(index, consumption: np.ndarray, allocated: np.ndarray, names=("venue",)):
    cons = pd.DataFrame(
        np.atleast_2d(consumption).T if consumption.ndim == 1 else consumption,
        index=index,
        columns=list(names),
    )
    alloc = pd.DataFrame(
        np.atleast_2d(allocated).T if allocated.ndim == 1 else allocated,
        index=index,
        columns=list(names),
    )
    return cons, alloc, pd.Series(0.0, index=index)


# ---------------------------------------------------------------------------------------------
# The hand-computed case. Year 2026, hourly grid (8,760 intervals: the March day has 23 hours,
# the October day 25). The venue draws 10 kWh every hour; 4 kWh of them are allocated each day
# from 10:00 to 16:00 (6 peak hours). Off-peak hours 22:00-06:00; high season Nov-Mar.
#
# Hours per period (local time):
#   high season = Jan+Feb+Mar+Nov+Dec = 151 days; low season 214 days.
#   HCH = 151 x 8 - 1 (29 Mar: 02:00-03:00 does not exist) = 1,207   HPH = 151 x 16 = 2,416
#   HCB = 214 x 8 + 1 (25 Oct: 02:00-03:00 twice)           = 1,713   HPB = 214 x 16 = 3,424
#   (sum 8,760)
# Consumption C: HPH 24,160  HCH 12,070  HPB 34,240  HCB 17,130  (87,600 kWh)
# Allocation A (HP only): high 151 x 6 x 4 = 3,624, low 214 x 6 x 4 = 5,136 (8,760 kWh)
HOURS = {"HPH": 2416, "HCH": 1207, "HPB": 3424, "HCB": 1713}
ALLOC = {"HPH": 3624.0, "HCH": 0.0, "HPB": 5136.0, "HCB": 0.0}


def hand_case_frames():
    index = make_index(2026, "1h")
    h = index.hour.to_numpy()
    consumption = np.full(len(index), 10.0)
    allocated = np.where((h >= 10) & (h < 16), 4.0, 0.0)
    return index, consumption, allocated


def test_calendar_hours_match_hand_count():
    from greenkommon.economics.tariffs import (
        PERIODS_4,
        high_season_mask,
        offpeak_mask,
        parse_hours,
        period_codes,
    )

    index, _, _ = hand_case_frames()
    codes = period_codes(
        offpeak_mask(index, parse_hours(["22:00-06:00"], "x")),
        high_season_mask(index, [11, 12, 1, 2, 3]),
    )
    counts = {p: int((codes == i).sum()) for i, p in enumerate(PERIODS_4)}
    assert counts == HOURS


def test_market_c4_bill_reproduced_to_the_cent():
    """Market offer, 144 kVA (BT > 36 kVA, TURPE CU, accise 'PME'), VAT borne, plant 400 kWp.

    Without the operation (excl. VAT):
      supply  0.095 x (24,160 + 34,240) + 0.075 x (12,070 + 17,130) = 5,548 + 2,190 = 7,738.00
      TURPE energy 0.0691 x 24,160 + 0.0421 x 12,070 + 0.0213 x 34,240 + 0.0152 x 17,130
                 = 1,669.456 + 508.147 + 729.312 + 260.376 = 3,167.291
      accise  0.02579 x 7,440 (January) + 0.02658 x 80,160 (from 1 Feb 2026) = 191.8776 +
              2,130.6528 = 2,322.5304                (PME rate; 26.58 €/MWh from 1 Feb 2026)
      subscription 240.00
      TURPE fixed 17.61 x 144 + 217.80 + 283.27 = 2,535.84 + 501.07 = 3,036.91
      CTA 3,036.91 x (744/8,760 x 21.93 % + 8,016/8,760 x 15 %)   (rate change on 1 Feb 2026)
    With the operation:
      supply  0.095 x (58,400 - 8,760) + 2,190 = 6,905.80
      TURPE energy unchanged (every withdrawn kWh pays it) = 3,167.291
      accise, default case (0 rate does not apply): on every withdrawn kWh = 2,322.5304;
        case 'applies' (plant < 1 MWp): on COMPLEMENT only, AUTOCONS at 0 (744 kWh allocated in
        January, 8,016 after): 0.02579 x 6,696 + 0.02658 x 72,144 = 172.68984 + 1,917.58752
        = 2,090.27736
      internal 0.10 x 8,760 = 876.00
    VAT 20 % on every line (> 36 kVA), the venue bears it.
    """
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = contract(
        tariff="market",
        subscribed_kva=144.0,
        energy_price_eur_per_kwh={"HP": 0.095, "HC": 0.075},
        subscription_eur_per_year=240.0,
        offpeak_hours=["22:00-06:00"],
    )
    bills = compute_bills(cons, alloc, surplus, [c], prices(internal_price_eur_per_kwh=0.10), 400.0)
    row = bills.loc["venue"]
    applies = compute_bills(
        cons,
        alloc,
        surplus,
        [c],
        prices(internal_price_eur_per_kwh=0.10, accise_exemption="applies"),
        400.0,
    ).loc["venue"]

    fixed_turpe = 17.61 * 144 + 217.80 + 283.27
    cta = fixed_turpe * (744 / 8760 * 0.2193 + 8016 / 8760 * 0.15)
    without_excl = 7738.00 + 3167.291 + 2322.5304 + 240.00 + fixed_turpe + cta
    with_excl = 6905.80 + 3167.291 + 2322.5304 + 876.00 + 240.00 + fixed_turpe + cta
    assert row["turpe_fixed_without_eur"] == pytest.approx(3036.91, abs=0.005)
    assert row["cta_without_eur"] == pytest.approx(cta, abs=0.005)
    assert row["supply_energy_without_eur"] == pytest.approx(7738.00, abs=0.005)
    assert row["turpe_energy_without_eur"] == pytest.approx(3167.291, abs=0.005)
    assert row["accise_with_eur"] == pytest.approx(2322.5304, abs=0.005)
    assert round(row["bill_without_eur"], 2) == round(without_excl * 1.2, 2)
    assert round(row["bill_with_eur"], 2) == round(with_excl * 1.2, 2)
    # savings = (832.20 - 876.00) x 1.2 = -52.56
    assert round(row["savings_eur"], 2) == -52.56
    # case 'applies': savings = (832.20 + 2,322.5304 - 2,090.27736 - 876.00) x 1.2 = 226.143648
    assert applies["accise_with_eur"] == pytest.approx(2090.27736, abs=0.005)
    assert round(applies["savings_eur"], 2) == 226.14
    assert row["bill_without_excl_vat_eur"] + row["vat_without_eur"] == pytest.approx(
        row["bill_without_eur"], abs=1e-6
    )


def test_tarif_bleu_base_bill_to_the_cent():
    """Tarif Bleu Base 36 kVA (integrated: kWh price holds TURPE and accise), VAT recovered.

    Without: 0.1659 x 87,600 + 581.76 (subscription 36 kVA) + CTA on the embedded TURPE fixed part
      (CU4: 10.11 x 36 + 16.80 + 22.00 = 402.76) = 14,532.84 + 581.76 + CTA.
    With: 0.1659 x 78,840 + TURPE CU4 energy on AUTOCONS (HP only: 0.0749 x 3,624 + 0.0166 x 5,136
      = 271.4376 + 85.2576 = 356.6952) + accise on AUTOCONS + 0.10 x 8,760 + same fixed.
      Case 'applies' (0 rate): savings = 0.1659 x 8,760 - 356.6952 - 876 = 1,453.284 - 1,232.6952
      = 220.5888. Default case (0 rate does not apply): AUTOCONS pays the 'ménages' rate,
      0.02998 x 744 (January) + 0.03085 x 8,016 = 22.30512 + 247.2936 = 269.59872, so savings
      = 220.5888 - 269.59872 = -49.00992.
    """
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = contract(tariff="tarif_bleu", option="base", subscribed_kva=36.0, vat_recoverable=True)
    row = compute_bills(
        cons, alloc, surplus, [c], prices(internal_price_eur_per_kwh=0.10), 400.0
    ).loc["venue"]
    applies = compute_bills(
        cons,
        alloc,
        surplus,
        [c],
        prices(internal_price_eur_per_kwh=0.10, accise_exemption="applies"),
        400.0,
    ).loc["venue"]
    cta = 402.76 * (744 / 8760 * 0.2193 + 8016 / 8760 * 0.15)
    assert round(row["bill_without_eur"], 2) == round(14532.84 + 581.76 + cta, 2)
    assert round(applies["savings_eur"], 2) == 220.59
    assert applies["accise_with_eur"] == 0.0
    assert round(row["savings_eur"], 2) == -49.01
    assert row["accise_with_eur"] == pytest.approx(269.59872, abs=1e-6)


def test_accise_on_autocons_when_exemption_does_not_apply():
    """Default case, or a plant of 1 MWp or more: AUTOCONS pays the accise (PME rate).

    744 kWh allocated in January at 0.02579 €/kWh, 8,016 kWh after 1 Feb 2026 at 0.02658 €/kWh.
    """
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = contract(tariff="market", subscribed_kva=144.0, vat_recoverable=True)
    applies = prices(accise_exemption="applies")
    base = compute_bills(cons, alloc, surplus, [c], applies, 400.0).loc["venue"]
    off = compute_bills(cons, alloc, surplus, [c], prices(), 400.0).loc["venue"]
    big = compute_bills(cons, alloc, surplus, [c], applies, 1000.0).loc["venue"]
    extra = 0.02579 * 744 + 0.02658 * 8016
    assert off["savings_eur"] == pytest.approx(base["savings_eur"] - extra, abs=1e-6)
    assert big["savings_eur"] == pytest.approx(base["savings_eur"] - extra, abs=1e-6)
    assert base["accise_exempt_kwh"] == pytest.approx(8760.0)
    assert off["accise_exempt_kwh"] == 0.0


def test_flat_contract_keeps_the_simple_bill():
    index = make_index(2026, "30min")
    rng = np.random.default_rng(1)
    c_kwh = rng.uniform(0, 5, (len(index), 2))
    a_kwh = c_kwh * rng.uniform(0, 1, c_kwh.shape)
    cons, alloc, surplus = frames(index, c_kwh, a_kwh, names=("a", "b"))
    bills = compute_bills(
        cons,
        alloc,
        surplus,
        [ContractConfig(), ContractConfig(supply_price_eur_per_kwh=0.2)],
        PricesConfig(supply_price_eur_per_kwh=0.1659, internal_price_eur_per_kwh=0.1),
        100.0,
    )
    assert list(bills.index) == ["a", "b"] and bills.index.name == "venue"
    for name, p in (("a", 0.1659), ("b", 0.2)):
        c, a = cons[name].sum(), alloc[name].sum()
        assert bills.loc[name, "bill_without_eur"] == pytest.approx(c * p)
        assert bills.loc[name, "bill_with_eur"] == pytest.approx((c - a) * p + a * 0.1)
        assert bills.loc[name, "savings_eur"] == pytest.approx(a * (p - 0.1))


def test_no_allocation_no_savings():
    index = make_index(2026, "1h")
    cons, alloc, surplus = frames(index, np.full(len(index), 3.0), np.zeros(len(index)))
    for c in (
        contract(tariff="market", subscribed_kva=60.0),
        contract(tariff="tarif_bleu", subscribed_kva=12.0, option="hphc"),
        contract(tariff="tarif_bleu", subscribed_kva=9.0, turpe_acc=True, option="hphc"),
    ):
        row = compute_bills(cons, alloc, surplus, [c], prices(), 100.0).loc["venue"]
        if c.turpe_acc:
            # the TURPE 7 ACC option adds its management component, 21.27 €/yr (figures-2026.md
            # §4), and the CTA on it (21.93 % in January, 15 % after), with 20 % VAT (borne)
            cta = 744 / 8760 * 0.2193 + 8016 / 8760 * 0.15
            assert row["fixed_with_eur"] - row["fixed_without_eur"] == pytest.approx(
                21.27 * (1 + cta) * 1.2
            )
        else:
            assert row["savings_eur"] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=24, max_size=24),
    st.sampled_from(["market", "tarif_bleu"]),
    st.booleans(),
    st.floats(0.0, 0.3),
)
def test_savings_equal_allocated_kwh_times_their_value(shares, tariff, recover_vat, internal_price):
    """Savings = Σ_t A_t × value of an allocated kWh at t (bills and the optimiser's prices agree)."""
    index = make_index(2026, "1h")[
        : 24 * 40
    ]  # 40 days across Jan/Feb (CTA change irrelevant: fixed cancels)
    shares_t = np.resize(np.asarray(shares), len(index))
    consumption = np.full(len(index), 7.0)
    allocated = consumption * shares_t
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = (
        contract(
            tariff=tariff,
            subscribed_kva=36.0 if tariff == "tarif_bleu" else 100.0,
            option="base",
            vat_recoverable=recover_vat,
        )
        if tariff == "tarif_bleu"
        else contract(tariff="market", subscribed_kva=100.0, vat_recoverable=recover_vat)
    )
    p = prices(internal_price_eur_per_kwh=internal_price)
    row = compute_bills(cons, alloc, surplus, [c], p, 300.0).loc["venue"]
    value = economics.allocated_kwh_value_eur_per_kwh(index, [c], p, 300.0)[0]
    assert row["savings_eur"] == pytest.approx(float((allocated * value).sum()), rel=1e-9, abs=1e-9)


def test_marginal_import_price_of_a_market_venue():
    index = make_index(2026, "1h")
    c = contract(
        tariff="market",
        subscribed_kva=144.0,
        energy_price_eur_per_kwh={"HP": 0.095, "HC": 0.075},
        offpeak_hours=["22:00-06:00"],
    )
    price = economics.marginal_import_price_eur_per_kwh(index, [c, c], prices(), 400.0)
    assert price.shape == (2, len(index))
    jan_noon = np.nonzero((index.month == 1) & (index.hour == 12))[0][0]
    jul_night = np.nonzero((index.month == 7) & (index.hour == 23))[0][0]
    assert price[0, jan_noon] == pytest.approx((0.095 + 0.0691 + 0.02579) * 1.2)
    assert price[1, jul_night] == pytest.approx((0.075 + 0.0152 + 0.02658) * 1.2)
    value = economics.allocated_kwh_value_eur_per_kwh(
        index, [c], prices(internal_price_eur_per_kwh=0.1, accise_exemption="applies"), 400.0
    )
    # an AUTOCONS kWh pays TURPE (same rate) and no accise: saves supply + accise - internal, with VAT
    assert value[0, jan_noon] == pytest.approx((0.095 + 0.02579 - 0.1) * 1.2)
    taxed = economics.allocated_kwh_value_eur_per_kwh(
        index, [c], prices(internal_price_eur_per_kwh=0.1), 400.0
    )
    # default case: the accise is paid on the AUTOCONS kWh too, so only supply - internal is saved
    assert taxed[0, jan_noon] == pytest.approx((0.095 - 0.1) * 1.2)


def test_solar_offpeak_preset_moves_hc_to_midday():
    index = make_index(2026, "1h")
    night = contract(tariff="tarif_bleu", option="hphc", subscribed_kva=36.0)
    solar = contract(tariff="tarif_bleu", option="hphc", subscribed_kva=36.0, offpeak_hours="solar")
    p = economics.marginal_import_price_eur_per_kwh(index, [night, solar], prices(), 100.0)
    noon = np.nonzero(index.hour == 12)[0]
    assert np.allclose(p[0, noon], 0.1713 * 1.2) and np.allclose(p[1, noon], 0.1451 * 1.2)


def test_turpe_acc_option_prices_autocons_and_complement_differently():
    """CU4 ACC (TURPE 7, UNCONFIRMED): market venue, AUTOCONS at the self-consumed rate, the rest
    at the grid-supplied rate; HPH 2.86 / 7.52 c€/kWh (figures-2026.md §4), standard CU4 HPH
    7.49 c€/kWh (CRE 2025-78; electricore BTINFCU4 2025-08-01)."""
    index = make_index(2026, "1h")
    c = contract(
        tariff="market",
        subscribed_kva=36.0,
        turpe_acc=True,
        energy_price_eur_per_kwh=0.1,
        vat_recoverable=True,
    )
    jan_noon = np.nonzero((index.month == 1) & (index.hour == 12))[0][0]
    vp = economics.venue_prices(index, c, prices(), 100.0)
    assert vp.turpe_autocons_eur_per_kwh[jan_noon] == pytest.approx(0.0286)
    assert vp.turpe_grid_with_eur_per_kwh[jan_noon] == pytest.approx(0.0752)
    assert vp.turpe_grid_without_eur_per_kwh[jan_noon] == pytest.approx(
        0.0749
    )  # TURPE 7 CU4 standard
    assert any("ACC option" in f.key and "UNCONFIRMED" in f.confidence for f in vp.figures)


def test_unconfirmed_figures_are_labelled_in_the_output():
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    bills = compute_bills(
        cons, alloc, surplus, [contract(tariff="market", subscribed_kva=144.0)], prices(), 400.0
    )
    flagged = bills.loc["venue", "flagged_figures"]
    assert "TURPE bt_gt36.CU" in flagged and "UNCONFIRMED" in flagged
    assert "1 Aug 2026 is announced but its rate was not found" in flagged  # accise carried on
    assert "accise case on AUTOCONS kWh: CONTESTED" in flagged
    assert "market offer subscription: ASSUMPTION" in flagged
    table = economics.figures_table(bills)
    assert {"figure", "value", "confidence", "source"} <= set(table.columns)
    assert table["source"].str.len().gt(0).all()


def test_every_dated_figure_of_the_data_file_has_source_and_confidence():
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    labels = ("LAW", "3RD-PARTY", "UNCONFIRMED", "ASSUMPTION")

    def walk(node, path=""):
        if isinstance(node, dict):
            if "values" in node:
                for e in node["values"]:
                    assert e.get("source") and e.get("confidence") in labels, f"{path}: {e}"
            if "b_eur_per_kva_year" in node or "surplus_eur_per_kwh" in node:
                assert node.get("source") and node.get("confidence") in labels, path
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(data)
    # the reference says TURPE 7 values are third-party/UNCONFIRMED: the file must not upgrade them
    assert data["turpe"]["bt_gt36"]["CU"]["confidence"] == "UNCONFIRMED"
    assert data["producer_defaults"]["confidence"] == "ASSUMPTION"


def test_tariffs_file_overrides_a_figure(tmp_path):
    override = tmp_path / "my_tariffs.toml"
    override.write_text(
        '[accise.pme]\nvalues = [{ from = 2025-01-01, value = 0.030, confidence = "LAW", source = "test" }]\n'
        "carried_on_after = 2099-01-01\n",
        encoding="utf-8",
    )
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = contract(tariff="market", subscribed_kva=144.0, vat_recoverable=True)
    p = PricesConfig.from_section(
        Section({"tariffs_file": override.name}, "prices", tmp_path / "scenario.toml")
    )
    row = compute_bills(cons, alloc, surplus, [c], p, 400.0).loc["venue"]
    assert row["accise_without_eur"] == pytest.approx(0.030 * 87600)


def test_bundled_scenario_has_contracts_and_bills_compute():
    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml")
    kinds = {v.name: v.contract.tariff for v in scenario.venues}
    assert kinds["Les Poussières"] == "tarif_bleu" and kinds["le 6b"] == "market"
    index = make_index(2026, "1h")
    n = len(scenario.venues)
    cons = pd.DataFrame(np.full((len(index), n), 5.0), index=index, columns=scenario.venue_names)
    alloc = cons * 0.3
    bills = compute_bills(
        cons,
        alloc,
        pd.Series(0.0, index=index),
        [v.contract for v in scenario.venues],
        scenario.prices,
        scenario.plant.peak_power_kwp,
    )
    assert set(economics.BILL_COLUMNS) <= set(bills.columns)
    assert (bills["bill_without_eur"] > bills["bill_without_excl_vat_eur"]).all()  # all bear VAT
    assert np.allclose(bills["savings_eur"], bills["bill_without_eur"] - bills["bill_with_eur"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tariff": "market"}, "subscribed_kva is missing"),
        (
            {"tariff": "market", "subscribed_kva": 100.0, "turpe_option": "CU4"},
            "one of CU, LU for 100 kVA",
        ),
        ({"tariff": "market", "subscribed_kva": 100.0, "turpe_acc": True}, "only for BT <= 36 kVA"),
        (
            {
                "tariff": "market",
                "subscribed_kva": 100.0,
                "energy_price_eur_per_kwh": {"HP": -0.1, "HC": 0.1},
            },
            "a price >= 0",
        ),
        (
            {"tariff": "market", "subscribed_kva": 100.0, "energy_price_eur_per_kwh": {"HP": 0.1}},
            "{HP, HC}",
        ),
        (
            {"tariff": "market", "subscribed_kva": 100.0, "offpeak_hours": ["25:00-06:00"]},
            "HH:MM-HH:MM",
        ),
        ({"tariff": "flat", "turpe_option": "CU4"}, "a 'flat' contract has one all-in price"),
        (
            {"tariff": "market", "subscribed_kva": 100.0, "supply_price_eur_per_kwh": 0.2},
            "only on a 'flat' contract",
        ),
        ({"tariff": "market", "subscribed_kva": -3.0}, "> 0"),
    ],
)
def test_bad_contracts_rejected(fields, message):
    with pytest.raises(ScenarioError, match=None) as exc:
        contract(**fields)
    assert message in str(exc.value) and "venues[0].contract" in str(exc.value)


def test_tarif_bleu_needs_a_standard_power_or_a_subscription():
    index = make_index(2026, "1h")[:48]
    cons, alloc, surplus = frames(index, np.ones(48), np.zeros(48))
    with pytest.raises(ScenarioError, match="expected one of the Tarif Bleu powers"):
        compute_bills(
            cons,
            alloc,
            surplus,
            [contract(tariff="tarif_bleu", subscribed_kva=20.0)],
            prices(),
            100.0,
        )
    ok = compute_bills(
        cons,
        alloc,
        surplus,
        [contract(tariff="tarif_bleu", subscribed_kva=20.0, subscription_eur_per_year=365.0)],
        prices(),
        100.0,
    )
    assert ok.loc["venue", "subscription_eur"] == pytest.approx(365.0 * 48 / 8760)


def test_negative_prices_rejected_with_field_name():
    with pytest.raises(
        ScenarioError, match=r"prices.internal_price_eur_per_kwh = -0.1: expected a number >= 0"
    ):
        prices(internal_price_eur_per_kwh=-0.1)
    data = read_scenario_mapping(
        Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml"
    )
    data["prices"]["surplus_sale"] = "sold"
    with pytest.raises(ScenarioError, match="prices.surplus_sale"):
        parse_scenario(data, "x.toml")


def test_inconsistent_frames_rejected():
    index = make_index(2026, "1h")[:10]
    cons, alloc, surplus = frames(index, np.ones(10), np.full(10, 2.0))
    with pytest.raises(DataError, match="exceeds consumption"):
        compute_bills(cons, alloc, surplus, [ContractConfig()], PricesConfig(), 10.0)
    cons, alloc, surplus = frames(index, np.ones(10), np.zeros(10))
    with pytest.raises(DataError, match="1 venue columns but 2 contracts"):
        compute_bills(
            cons, alloc, surplus, [ContractConfig(), ContractConfig()], PricesConfig(), 10.0
        )


def test_s21_band_and_limits():
    assert economics.surplus_price_eur_per_kwh(prices(surplus_sale="s21"), 50.0)[
        0
    ] == pytest.approx(0.0761)
    # no S21 surplus tariff above 100 kWp (window for 100-500 kWp closed on 22 Sep 2025)
    with pytest.raises(ScenarioError, match=r"exceeds the last S21 band \(100 kWp"):
        economics.surplus_price_eur_per_kwh(prices(surplus_sale="s21"), 400.0)
    assert (
        economics.surplus_price_eur_per_kwh(
            prices(surplus_sale="lost", surplus_price_eur_per_kwh=0.05), 400.0
        )[0]
        == 0.0
    )
    with pytest.raises(ScenarioError, match="exceeds the last S21 band"):
        economics.surplus_price_eur_per_kwh(prices(surplus_sale="s21"), 800.0)


@pytest.mark.parametrize("step", ["15min", "30min", "1h"])
def test_fixed_charges_are_yearly_whatever_the_step(step):
    index = make_index(2026, step)
    cons, alloc, surplus = frames(index, np.full(len(index), 1.0), np.zeros(len(index)))
    row = compute_bills(
        cons,
        alloc,
        surplus,
        [contract(tariff="market", subscribed_kva=144.0, subscription_eur_per_year=240.0)],
        prices(),
        400.0,
    ).loc["venue"]
    assert row["subscription_eur"] == pytest.approx(240.0)
    assert row["turpe_fixed_without_eur"] == pytest.approx(3036.91)


def test_optimiser_prices_reproduce_bill_savings():
    """Σ A × (import − internal) of the optimiser prices = savings of compute_bills (C4 hand case)."""
    index, consumption, allocated = hand_case_frames()
    cons, alloc, surplus = frames(index, consumption, allocated)
    c = contract(
        tariff="market", subscribed_kva=144.0, energy_price_eur_per_kwh={"HP": 0.095, "HC": 0.075}
    )
    p = prices(internal_price_eur_per_kwh=0.10, surplus_price_eur_per_kwh=0.05)
    op = economics.optimiser_prices(index, [c], p, 400.0)
    assert op.import_eur_per_kwh.shape == op.internal_eur_per_kwh.shape == (1, len(index))
    assert float(
        (allocated * (op.import_eur_per_kwh[0] - op.internal_eur_per_kwh[0])).sum()
    ) == pytest.approx(-52.56, abs=1e-6)
    assert op.surplus_eur_per_kwh == pytest.approx(0.05)
    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml")
    imp, sur, internal = economics.scenario_optimiser_prices(scenario)
    assert (
        imp.shape
        == internal.shape
        == (len(scenario.venues), len(make_index(2026, scenario.simulation.step)))
    )
    assert np.isfinite(imp).all() and sur >= 0


def test_tariff_date_evaluates_every_dated_figure_at_one_date():
    """A 2024 weather year with 2026 tariffs: CTA 15 % all year, accise exemption on, 20 % VAT."""
    index = make_index(2024, "1h")
    h = index.hour.to_numpy()
    cons, alloc, surplus = frames(
        index, np.full(len(index), 10.0), np.where((h >= 10) & (h < 16), 4.0, 0.0)
    )
    c = contract(tariff="market", subscribed_kva=144.0, vat_recoverable=True)
    own = compute_bills(cons, alloc, surplus, [c], prices(accise_exemption="applies"), 400.0).loc[
        "venue"
    ]
    fixed = prices(tariff_date=datetime.date(2026, 3, 1), accise_exemption="applies")
    p26 = compute_bills(cons, alloc, surplus, [c], fixed, 400.0).loc["venue"]
    assert p26["cta_without_eur"] == pytest.approx(0.15 * 3036.91)
    assert own["cta_without_eur"] == pytest.approx(0.2193 * 3036.91)
    assert own["accise_exempt_kwh"] == 0.0 and p26["accise_exempt_kwh"] == pytest.approx(
        alloc["venue"].sum()
    )
    # 2024 is before the first accise entry of the data file: used, but labelled
    assert "accise.pme from 2025-01-01: LAW; extrapolated back" in own["flagged_figures"]
    assert "extrapolated" not in p26["flagged_figures"]
    with pytest.raises(ScenarioError, match="prices.tariff_date"):
        prices(tariff_date="2026-03-01")


def test_four_period_market_prices_and_15min_calendar():
    """{HPH, HCH, HPB, HCB} supply prices; on a 15-min grid the HC intervals are 4 × the hourly count."""
    index = make_index(2026, "15min")
    table = {"HPH": 0.14, "HCH": 0.11, "HPB": 0.09, "HCB": 0.07}
    c = contract(
        tariff="market", subscribed_kva=100.0, energy_price_eur_per_kwh=table, vat_recoverable=True
    )
    vp = economics.venue_prices(index, c, prices(), 100.0)
    counts = {p: int(np.isclose(vp.supply_eur_per_kwh, v).sum()) for p, v in table.items()}
    assert counts == {p: 4 * n for p, n in HOURS.items()}


def test_tarif_bleu_acc_option_fixed_surcharge_mu4():
    """MU4 ACC (TURPE 7): the ACC management component, 21.27 €/yr, is billed on top of the TRV."""
    index = make_index(2026, "1h")
    c = contract(
        tariff="tarif_bleu",
        option="hphc",
        subscribed_kva=12.0,
        turpe_option="MU4",
        turpe_acc=True,
        vat_recoverable=True,
    )
    vp = economics.venue_prices(index, c, prices(), 100.0)
    assert vp.turpe_fixed_with_eur.sum() == pytest.approx(21.27)
    assert vp.turpe_fixed_without_eur.sum() == 0.0
    jan_noon = np.nonzero((index.month == 1) & (index.hour == 12))[0][0]
    # COMPLEMENT: the TRV price plus the ACC grid-supplied rate's surcharge over the standard MU4
    # rate (HPH 7.04 vs 7.00 c€/kWh)
    assert vp.grid_with_eur_per_kwh[jan_noon] == pytest.approx(0.1713 + 0.0704 - 0.0700)
