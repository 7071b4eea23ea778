"""The figures in force, checked against their sources, not against the data file.

Every figure in the hand computations below is typed from the source named in its comment; none
is read from ``greenkommon/data``. A change of the data file that is not a change of the source
breaks these tests.

Hand case (same as tests/test_economics.py): year 2026, hourly; 10 kWh every hour; 4 kWh allocated
each hour from 10:00 to 16:00. Off-peak 22:00-06:00, high season Nov-Mar. Evaluated with
``tariff_date = 2026-03-01`` so that every dated figure is the one in force on that day.

  hours     HPH 2,416  HCH 1,207  HPB 3,424  HCB 1,713   (8,760)
  C [kWh]   HPH 24,160 HCH 12,070 HPB 34,240 HCB 17,130  (87,600; HP 58,400, HC 29,200)
  A [kWh]   HPH 3,624  HPB 5,136                         (8,760, all in HP)
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon._config import Section
from greenkommon.cases import ACCISE_APPLIES, with_accise_case
from greenkommon.economics import ContractConfig, PricesConfig, compute_bills
from greenkommon.economics.prices import turpe_tables
from greenkommon.economics.tariffs import load_tariffs
from greenkommon.errors import DataError
from greenkommon.scenario import load_scenario
from greenkommon.timegrid import make_index

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "greenkommon" / "data"

# -- figures in force on 1 Mar 2026, typed from their sources ---------------------------------------
# Tarif Bleu pro Base from 1 Feb 2025, HTVA (selectra.info, grid of 3 Mar 2025): 0.1659 €/kWh,
# 36 kVA subscription 581.76 €/yr. (Later professional grids not found: carried on.)
TB_BASE = 0.1659
TB_SUB_36 = 581.76
# TURPE 7, CRE 2025-78 (from 1 Aug 2025), BT <= 36 kVA CU4 (electricore turpe_rules.csv, BTINFCU4
# 2025-08-01): b 10.11 €/kVA/yr, cg 16.80, cc 22.00 €/yr, c HPH 7.49 / HPB 1.66 c€/kWh.
CU4_FIXED_36 = 10.11 * 36 + 16.80 + 22.00  # 402.76 €/yr
CU4_HPH, CU4_HPB = 0.0749, 0.0166
# TURPE 7 BT > 36 kVA CU (acc-rules.md §4.1): b_HPH 17.61 €/kVA/yr, cg 217.80, cc 283.27 €/yr,
# c 6.91 / 4.21 / 2.13 / 1.52 c€/kWh.
CU_FIXED_144 = 17.61 * 144 + 217.80 + 283.27  # 3,036.91 €/yr
CU_ENERGY = 0.0691 * 24160 + 0.0421 * 12070 + 0.0213 * 34240 + 0.0152 * 17130  # 3,167.291 €
# CTA 15 % from 1 Feb 2026 (arrêté of 28 Jan 2026; Seban & Associés 5 Feb 2026).
CTA = 0.15
# Accise from 1 Feb 2026, ZNI surcharge included (Deloitte Avocats Feb 2026; enerlex-avocat
# 5 Feb 2026): 30.85 €/MWh <= 36 kVA, 26.58 €/MWh > 36 kVA.
ACCISE_LE36, ACCISE_GT36 = 0.03085, 0.02658
# VAT 20 % on energy, and on the subscription and CTA of <= 36 kVA since 1 Aug 2025 (selectra).
VAT = 0.20
INTERNAL = 0.10  # scenario price of the hand case


def _prices(**fields) -> PricesConfig:
    fields.setdefault("tariff_date", dt.date(2026, 3, 1))
    fields.setdefault("internal_price_eur_per_kwh", INTERNAL)
    return PricesConfig.from_section(Section(fields, "prices"))


def _contract(**fields) -> ContractConfig:
    return ContractConfig.from_section(Section(fields, "venues[0].contract"))


def _bill(contract: ContractConfig, prices: PricesConfig) -> pd.Series:
    index = make_index(2026, "1h")
    h = index.hour.to_numpy()
    cons = pd.DataFrame({"venue": np.full(len(index), 10.0)}, index=index)
    alloc = pd.DataFrame({"venue": np.where((h >= 10) & (h < 16), 4.0, 0.0)}, index=index)
    return compute_bills(cons, alloc, pd.Series(0.0, index=index), [contract], prices, 400.0).loc[
        "venue"
    ]


def test_tarif_bleu_base_36kva_bill_2026_to_the_cent():
    """Integrated tariff: the kWh price holds TURPE energy and accise on grid kWh, the
    subscription the fixed TURPE; AUTOCONS kWh pay TURPE energy, accise (default case) and the
    internal price, all with 20 % VAT borne.

    Without: (0.1659 × 87,600 + 581.76 + 0.15 × 402.76) × 1.2
           = (14,532.84 + 581.76 + 60.414) × 1.2 = 18,210.0168
    With:    (0.1659 × 78,840 + 0.0749 × 3,624 + 0.0166 × 5,136 + 0.03085 × 8,760 + 0.10 × 8,760
              + 581.76 + 60.414) × 1.2
           = (13,079.556 + 356.6952 + 270.246 + 876 + 642.174) × 1.2 = 18,269.60544
    Savings −59.58864; with the 0 rate applying: −59.58864 + 270.246 × 1.2 = 264.70656.
    """
    c = _contract(tariff="tarif_bleu", option="base", subscribed_kva=36.0)
    row = _bill(c, _prices())
    without = (TB_BASE * 87600 + TB_SUB_36 + CTA * CU4_FIXED_36) * (1 + VAT)
    autocons = CU4_HPH * 3624 + CU4_HPB * 5136 + ACCISE_LE36 * 8760 + INTERNAL * 8760
    with_ = (TB_BASE * 78840 + autocons + TB_SUB_36 + CTA * CU4_FIXED_36) * (1 + VAT)
    assert round(row["bill_without_eur"], 2) == round(without, 2) == 18210.02
    assert round(row["bill_with_eur"], 2) == round(with_, 2) == 18269.61
    assert round(row["savings_eur"], 2) == -59.59
    zero = _bill(c, with_accise_case(_prices(), ACCISE_APPLIES))
    assert round(zero["savings_eur"], 2) == round(-59.58864 + ACCISE_LE36 * 8760 * 1.2, 2)


def test_market_c4_hphc_bill_2026_to_the_cent():
    """Market offer HP 0.095 / HC 0.075 €/kWh, 240 €/yr, 144 kVA: TURPE CU, accise > 36 kVA.

    Without (excl. VAT): supply 0.095 × 58,400 + 0.075 × 29,200 = 7,738.00; TURPE energy
    3,167.291; accise 0.02658 × 87,600 = 2,328.408; subscription 240; TURPE fixed 3,036.91;
    CTA 0.15 × 3,036.91 = 455.5365 → 16,966.1455, × 1.2 = 20,359.3746.
    With: supply 0.095 × 49,640 + 2,190 = 6,905.80; internal 876; the rest unchanged (default
    case: AUTOCONS kWh pay the accise) → 17,009.9455, × 1.2 = 20,411.9346; savings −52.56.
    Case 'applies': accise 0.02658 × 78,840 = 2,095.5672, savings (832.20 + 232.8408 − 876) × 1.2
    = 226.84896.
    """
    c = _contract(
        tariff="market",
        subscribed_kva=144.0,
        energy_price_eur_per_kwh={"HP": 0.095, "HC": 0.075},
        subscription_eur_per_year=240.0,
        offpeak_hours=["22:00-06:00"],
    )
    row = _bill(c, _prices())
    fixed = 240.0 + CU_FIXED_144 + CTA * CU_FIXED_144
    without = (7738.00 + CU_ENERGY + ACCISE_GT36 * 87600 + fixed) * (1 + VAT)
    with_ = (6905.80 + CU_ENERGY + ACCISE_GT36 * 87600 + INTERNAL * 8760 + fixed) * (1 + VAT)
    assert round(row["bill_without_eur"], 2) == round(without, 2) == 20359.37
    assert round(row["bill_with_eur"], 2) == round(with_, 2) == 20411.93
    assert round(row["savings_eur"], 2) == -52.56
    assert row["cta_without_eur"] == pytest.approx(455.5365, abs=0.005)
    zero = _bill(c, with_accise_case(_prices(), ACCISE_APPLIES))
    assert round(zero["savings_eur"], 2) == 226.85


def test_flat_contract_bill_2026_to_the_cent():
    """One all-in price 0.1659 €/kWh, no separate lines: the accise case changes nothing.

    Without 0.1659 × 87,600 = 14,532.84; with 0.1659 × 78,840 + 0.10 × 8,760 = 13,955.556.
    """
    c = _contract(tariff="flat", supply_price_eur_per_kwh=0.1659)
    row = _bill(c, _prices())
    assert round(row["bill_without_eur"], 2) == 14532.84
    assert round(row["bill_with_eur"], 2) == 13955.56
    assert round(row["savings_eur"], 2) == 577.28
    assert (
        _bill(c, with_accise_case(_prices(), ACCISE_APPLIES))["savings_eur"] == row["savings_eur"]
    )


# -- data layout: one vintage per bill, every figure sourced ----------------------------------------
def test_turpe_vintages_cannot_be_mixed(tmp_path):
    """An override that dates the ACC option to another deliberation than the standard option."""
    override = tmp_path / "mix.toml"
    override.write_text(
        '[turpe.acc.CU4]\ndeliberation = "CRE 2024-xx (TURPE 6)"\nvalid_from = 2024-11-01\n',
        encoding="utf-8",
    )
    c = _contract(tariff="market", subscribed_kva=36.0, turpe_acc=True)
    assert turpe_tables(load_tariffs(), c)[1] == ("turpe", "acc", "CU4")
    with pytest.raises(DataError, match="different vintages.*turpe.acc.CU4 = CRE 2024-xx"):
        turpe_tables(load_tariffs(override), c)
    with pytest.raises(DataError, match="different vintages"):
        _bill(c, _prices(tariffs_file=str(override)))


def test_every_turpe_table_names_its_deliberation_and_date():
    data = tomllib.loads((DATA / "tariffs_fr.toml").read_text(encoding="utf-8"))
    tables = [
        (group, name, table)
        for group in ("bt_le36", "bt_gt36", "acc")
        for name, table in data["turpe"][group].items()
    ]
    assert len(tables) == 6
    for group, name, table in tables:
        assert table["deliberation"] == "CRE 2025-78", (group, name)
        assert table["valid_from"] == dt.date(2025, 8, 1), (group, name)
        assert table["source"] and table["confidence"], (group, name)


def test_no_s21_surplus_tariff_above_100_kwp():
    data = tomllib.loads((DATA / "tariffs_fr.toml").read_text(encoding="utf-8"))
    assert max(b["max_kwp"] for b in data["s21"]["bands"]) == 100.0


def test_accise_rates_from_1_feb_2026():
    data = tomllib.loads((DATA / "tariffs_fr.toml").read_text(encoding="utf-8"))
    for category, rate in (("menages", 0.03085), ("pme", 0.02658), ("haute_puissance", 0.02658)):
        last = data["accise"][category]["values"][-1]
        assert (last["from"], last["value"]) == (dt.date(2026, 2, 1), rate), category
        # the 1 Aug 2026 change is announced but not confirmed: carried on, labelled
        assert data["accise"][category]["carried_on_after"] == dt.date(2026, 8, 1)
        assert "UNCONFIRMED" in data["accise"][category]["carried_on_label"]


# -- venues where they are -------------------------------------------------------------------------
def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a 6,371 km sphere [m] (well within 1 % of WGS84 at 300 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371e3 * math.asin(math.sqrt(a))


def test_distance_helper_against_a_known_length():
    # one minute of latitude is 1,853 m on a 6,371 km sphere (2π·6,371,000 / 21,600)
    assert _distance_m(48.0, 2.0, 48.0 + 1 / 60, 2.0) == pytest.approx(1853.2, abs=0.1)


def test_bundled_venues_are_within_300_m_of_their_recorded_position():
    places = tomllib.loads((DATA / "venues_plaine_commune.toml").read_text(encoding="utf-8"))
    scenario = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    assert {v.name for v in scenario.venues} == set(places["venues"])
    for venue in scenario.venues:
        rec = places["venues"][venue.name]
        for key in ("address", "address_source", "position_source", "date", "confidence"):
            assert rec.get(key), (venue.name, key)
        d = _distance_m(
            venue.latitude_deg, venue.longitude_deg, rec["latitude_deg"], rec["longitude_deg"]
        )
        assert d <= 300.0, (venue.name, d)
        # the scenario's address is the recorded one (street and number)
        assert venue.address.split(",")[0] in rec["address"], venue.name
    plant = places["plant"]
    d = _distance_m(
        scenario.plant.latitude_deg,
        scenario.plant.longitude_deg,
        plant["latitude_deg"],
        plant["longitude_deg"],
    )
    assert d <= 300.0
    # Les Poussières is in Villette – Quatre-Chemins next to the Villa Mais d'Ici, not in the
    # town centre (48.9138, 2.3838) where the scenario used to put it
    pouss = places["venues"]["Les Poussières"]
    villa = places["venues"]["Villa Mais d'Ici"]
    assert (
        _distance_m(
            pouss["latitude_deg"],
            pouss["longitude_deg"],
            villa["latitude_deg"],
            villa["longitude_deg"],
        )
        < 150
    )
    assert _distance_m(pouss["latitude_deg"], pouss["longitude_deg"], 48.9138, 2.3838) > 800
