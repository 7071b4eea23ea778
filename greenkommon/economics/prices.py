"""Per-interval prices of one venue's contract, one function per bill component.

:func:`venue_prices` composes the components of a French bill, each computed by its own function
from the tariff data file (``greenkommon/data/tariffs_fr.toml``) with the figures it used:

- :func:`tariff_calendar`: off-peak (HC) hours and high season of each interval;
- :func:`turpe_lines`: TURPE energy (standard or ACC option) and fixed components, all from one
  CRE deliberation (:func:`turpe_tables` refuses to mix vintages);
- :func:`cta_rate`: CTA as a share of the fixed TURPE components;
- :func:`accise_lines`: accise of the venue's category on grid and self-consumed kWh, under the
  scenario's regulatory case (:mod:`greenkommon.cases`);
- :func:`supply_energy`: the supplier's kWh price (Tarif Bleu or market offer);
- :func:`subscription`: the supplier's subscription;
- :func:`vat_rates`: VAT rates on energy, fixed and internal-price lines.

The Tarif Bleu is an integrated tariff: its kWh price includes the TURPE energy component (and, as
read in the data file, the accise) and its subscription the fixed TURPE components, so those are
not added again on COMPLEMENT kWh; they are added on AUTOCONS kWh, which the supplier does not
sell (acc-rules.md §6 item 5).

References
----------
- CRE deliberation n° 2025-78 of 13 March 2025 (TURPE 7 HTA-BT, from 1 Aug 2025).
- Arrêté of 20 July 2021 and arrêté of 28 January 2026 (CTA rates).
- Code des impositions sur les biens et services, L312-79 and L312-87 (accise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import DataError, ScenarioError
from .config import ContractConfig, PricesConfig
from .tariffs import (
    PERIODS_4,
    Figure,
    Tariffs,
    _as_datetime64,
    by_period,
    dated_values,
    high_season_mask,
    offpeak_mask,
    parse_hours,
    wall_datetimes,
    year_fraction,
)


@dataclass(frozen=True)
class VenuePrices:
    """Per-interval prices of one venue (arrays of shape (T,)), excluding VAT.

    Attributes
    ----------
    supply_eur_per_kwh
        Supplier price of a COMPLEMENT kWh [€/kWh] (Tarif Bleu: all-in, network included).
    turpe_grid_without_eur_per_kwh, turpe_grid_with_eur_per_kwh
        TURPE energy billed on a grid kWh without / with the operation, on top of the supply price
        [€/kWh] (Tarif Bleu: 0 without; the ACC option's grid-supplied surcharge with).
    turpe_autocons_eur_per_kwh
        TURPE energy on an AUTOCONS kWh [€/kWh].
    accise_grid_eur_per_kwh, accise_autocons_eur_per_kwh
        Accise on a COMPLEMENT / AUTOCONS kWh [€/kWh] (0 when inside the price or exempt).
    accise_exempt
        True where the 0 €/MWh ACC rate applies to AUTOCONS kWh.
    internal_eur_per_kwh
        Internal price of an AUTOCONS kWh [€/kWh].
    vat_energy, vat_fixed : arrays [-]
        VAT rates on energy lines and on fixed lines (subscription, TURPE fixed, CTA).
    vat_internal : float
        VAT rate on the internal price [-].
    subscription_eur, turpe_fixed_without_eur, turpe_fixed_with_eur, cta_without_eur, cta_with_eur
        Fixed charges per interval, the yearly amount prorated by time [€].
    bears_vat : bool
        False for a venue that recovers VAT (and for ``flat`` contracts, whose price is all-in).
    figures : list of Figure
        The tariff figures used, with source and confidence.
    """

    supply_eur_per_kwh: np.ndarray
    turpe_grid_without_eur_per_kwh: np.ndarray
    turpe_grid_with_eur_per_kwh: np.ndarray
    turpe_autocons_eur_per_kwh: np.ndarray
    accise_grid_eur_per_kwh: np.ndarray
    accise_autocons_eur_per_kwh: np.ndarray
    accise_exempt: np.ndarray
    internal_eur_per_kwh: np.ndarray
    vat_energy: np.ndarray
    vat_fixed: np.ndarray
    vat_internal: float
    subscription_eur: np.ndarray
    turpe_fixed_without_eur: np.ndarray
    turpe_fixed_with_eur: np.ndarray
    cta_without_eur: np.ndarray
    cta_with_eur: np.ndarray
    bears_vat: bool
    tariff: str
    figures: list[Figure] = field(default_factory=list)

    @property
    def grid_with_eur_per_kwh(self) -> np.ndarray:
        """Cost of a COMPLEMENT kWh with the operation, excl. VAT [€/kWh]."""
        return (
            self.supply_eur_per_kwh
            + self.turpe_grid_with_eur_per_kwh
            + self.accise_grid_eur_per_kwh
        )

    @property
    def grid_without_eur_per_kwh(self) -> np.ndarray:
        """Cost of a grid kWh without the operation, excl. VAT [€/kWh]."""
        return (
            self.supply_eur_per_kwh
            + self.turpe_grid_without_eur_per_kwh
            + self.accise_grid_eur_per_kwh
        )

    @property
    def autocons_charges_eur_per_kwh(self) -> np.ndarray:
        """Network and tax charges on an AUTOCONS kWh (internal price excluded), excl. VAT [€/kWh]."""
        return self.turpe_autocons_eur_per_kwh + self.accise_autocons_eur_per_kwh

    def borne(self, amount_excl_vat: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
        """What the venue bears for an amount: VAT included unless it recovers VAT."""
        return amount_excl_vat * (1.0 + rate) if self.bears_vat else amount_excl_vat


def _fig(tariffs: Tariffs, key: str, value: float | str, unit: str, *path: str) -> Figure:
    table = tariffs.get(*path)
    return Figure(
        key, value, unit, str(table.get("confidence", "UNCONFIRMED")), str(table.get("source", ""))
    )


def accise_category(subscribed_kva: float, tariffs: Tariffs) -> str:
    """Accise category of a delivery point from its subscribed power [kVA].

    Returns ``'menages'`` (≤ 36 kVA, "ménages et assimilés"), ``'pme'`` (36–250 kVA) or
    ``'haute_puissance'`` (> 250 kVA).
    """
    if subscribed_kva <= tariffs.number("accise", "categories", "menages_max_kva"):
        return "menages"
    if subscribed_kva <= tariffs.number("accise", "categories", "pme_max_kva"):
        return "pme"
    return "haute_puissance"


# -- calendar --------------------------------------------------------------------------------------
def tariff_calendar(
    index: pd.DatetimeIndex, contract: ContractConfig, tariffs: Tariffs, figures: list[Figure]
) -> tuple[np.ndarray, np.ndarray]:
    """``(hc, high)``: off-peak and high-season masks of each interval (local time)."""
    if contract.offpeak_hours is not None:
        hours = list(contract.offpeak_hours)
    else:
        key = "solar_offpeak" if contract.offpeak_label == "solar" else "default_offpeak"
        hours = list(tariffs.get("calendar", f"{key}_hours"))
        figures.append(
            Figure(
                f"calendar.{key}_hours",
                ", ".join(hours),
                "HH:MM",
                str(tariffs.get("calendar", f"{key}_confidence")),
                str(tariffs.get("calendar", f"{key}_source")),
            )
        )
    hc = offpeak_mask(index, parse_hours(hours, f"{contract.where}.offpeak_hours"))
    months = tariffs.get("calendar", "high_season_months")
    figures.append(
        Figure(
            "calendar.high_season_months",
            str(months),
            "month",
            str(tariffs.get("calendar", "high_season_confidence")),
            str(tariffs.get("calendar", "high_season_source")),
        )
    )
    return hc, high_season_mask(index, months)


# -- TURPE -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TurpeLines:
    """TURPE of one venue, before the integrated-tariff netting (see :func:`venue_prices`).

    Attributes
    ----------
    standard_eur_per_kwh : numpy.ndarray
        Energy component of the standard option on every withdrawn kWh [€/kWh].
    autocons_eur_per_kwh, grid_eur_per_kwh : numpy.ndarray
        With the operation: energy component on an AUTOCONS / COMPLEMENT kWh [€/kWh] (ACC
        option: self-consumed / grid-supplied parts; otherwise the standard component).
    fixed_without_eur_per_year, fixed_with_eur_per_year : float
        Power + management + metering components without / with the operation [€/yr] (ACC option:
        plus its ACC management component).
    """

    standard_eur_per_kwh: np.ndarray
    autocons_eur_per_kwh: np.ndarray
    grid_eur_per_kwh: np.ndarray
    fixed_without_eur_per_year: float
    fixed_with_eur_per_year: float


def turpe_tables(
    tariffs: Tariffs, contract: ContractConfig
) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """Paths of the TURPE tables a contract's bill uses: the standard option and the ACC option.

    Raises
    ------
    DataError
        If the tables do not come from the same deliberation for the same date (no vintage
        mixing: every TURPE component of one bill from one deliberation).
    """
    kva = float(cast(float, contract.subscribed_kva))
    option = contract.turpe_option or ("CU4" if kva <= 36.0 else "CU")
    path = ("turpe", "bt_le36" if kva <= 36.0 else "bt_gt36", option)
    paths = [path]
    acc_path = ("turpe", "acc", option) if contract.turpe_acc else None
    if acc_path is not None:
        paths.append(acc_path)
    vintages = []
    for p in paths:
        table = tariffs.get(*p)
        vintages.append((str(table.get("deliberation")), table.get("valid_from")))
        if table.get("deliberation") is None or table.get("valid_from") is None:
            raise DataError(
                f"{tariffs.file}: {'.'.join(p)} has no deliberation/valid_from: expected the CRE "
                "deliberation and date of its figures (no vintage mixing)"
            )
    if len(set(vintages)) > 1:
        detail = ", ".join(
            f"{'.'.join(p)} = {d} from {v}" for p, (d, v) in zip(paths, vintages, strict=True)
        )
        raise DataError(
            f"{tariffs.file}: TURPE tables of one bill from different vintages ({detail}): expected "
            "every TURPE component of a bill from the same deliberation for the same date"
        )
    return path, acc_path


def _turpe_fixed_year(contract: ContractConfig, tariffs: Tariffs, path: tuple[str, ...]) -> float:
    """Yearly fixed TURPE: power part + cg + cc [€/yr].

    Notes
    -----
    ≤ 36 kVA: b × PS. > 36 kVA with powers PS_1..PS_4 by period (HPH, HCH, HPB, HCB):
    b_1 PS_1 + Σ_{i≥2} b_i (PS_i − PS_{i−1}); one subscribed power gives b_HPH × PS.
    """
    kva = float(cast(float, contract.subscribed_kva))
    if isinstance(tariffs.get(*path, "b_eur_per_kva_year"), Mapping):
        ps = contract.subscribed_kva_by_period or (kva,) * 4
        rates = [tariffs.number(*path, "b_eur_per_kva_year", p) for p in PERIODS_4]
        power = rates[0] * ps[0] + sum(rates[i] * (ps[i] - ps[i - 1]) for i in range(1, 4))
    else:
        power = tariffs.number(*path, "b_eur_per_kva_year") * kva
    return (
        power + tariffs.number(*path, "cg_eur_per_year") + tariffs.number(*path, "cc_eur_per_year")
    )


def turpe_lines(
    contract: ContractConfig,
    tariffs: Tariffs,
    hc: np.ndarray,
    high: np.ndarray,
    when: np.ndarray,
    figures: list[Figure],
) -> TurpeLines:
    """TURPE energy and fixed components of a contract (standard or ACC option)."""
    path, acc_path = turpe_tables(tariffs, contract)
    name = ".".join(path)
    std = by_period(
        tariffs.period_table(*path, "c_eur_per_kwh"), hc, high, f"{tariffs.file}: {name}"
    )
    fixed = _turpe_fixed_year(contract, tariffs, path)
    fig = _fig(
        tariffs, f"TURPE {'.'.join(path[1:])} (b, c, cg, cc)", f"fixed {fixed:.2f} €/yr", "€", *path
    )
    start = tariffs.get(*path, "valid_from")
    if (when < _as_datetime64(start, f"{name}.valid_from")).any():
        fig = Figure(
            fig.key,
            fig.value,
            fig.unit,
            f"{fig.confidence}; extrapolated back before {start}",
            fig.source,
        )
    figures.append(fig)
    if acc_path is None:
        return TurpeLines(std, std, std, fixed, fixed)
    acc = ".".join(acc_path)
    auto = by_period(tariffs.period_table(*acc_path, "autoproduite_eur_per_kwh"), hc, high, acc)
    allo = by_period(tariffs.period_table(*acc_path, "alloproduite_eur_per_kwh"), hc, high, acc)
    management = tariffs.number(*acc_path, "acc_management_eur_per_year")
    figures.append(
        _fig(
            tariffs,
            f"TURPE ACC option {acc_path[-1]} (self-consumed / grid-supplied, management)",
            f"management {management:.2f} €/yr",
            "€/kWh",
            *acc_path,
        )
    )
    return TurpeLines(std, auto, allo, fixed, fixed + management)


# -- CTA, accise -----------------------------------------------------------------------------------
def cta_rate(tariffs: Tariffs, when: np.ndarray, figures: list[Figure]) -> np.ndarray:
    """CTA rate in force at each interval [-] (share of the fixed TURPE components)."""
    rate, figs = dated_values(tariffs, ("cta",), when, "-")
    figures += figs
    return rate


def accise_lines(
    kva: float,
    prices: PricesConfig,
    plant_peak_kwp: float,
    when: np.ndarray,
    figures: list[Figure],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(grid, autocons, exempt)``: accise on a grid / AUTOCONS kWh [€/kWh] and where the ACC rate
    applies.

    Notes
    -----
    The 0 €/MWh rate applies to AUTOCONS kWh where the scenario's accise case says it may
    (:class:`greenkommon.cases.AcciseCase`), the plant's peak power is below the data file's
    limit (1 MWp) and the date is on or after its ``valid_from``. Grid kWh always pay the
    category's rate.
    """
    tariffs = prices.tariffs
    grid, figs = dated_values(tariffs, ("accise", accise_category(kva, tariffs)), when, "€/kWh")
    figures += figs
    ex = tariffs.get("accise", "acc_exemption")
    case = prices.accise_case
    exempt = np.zeros(len(when), dtype=bool)
    max_kwp = tariffs.number("accise", "acc_exemption", "max_plant_peak_kwp")
    if case.reading != "does_not_apply" and plant_peak_kwp < max_kwp:
        start = _as_datetime64(ex["valid_from"], "accise.acc_exemption.valid_from")
        exempt = case.mask(when) & (when >= start)
    rate = tariffs.number("accise", "acc_exemption", "rate_eur_per_kwh")
    if exempt.any():
        figures.append(
            _fig(
                tariffs, "accise ACC rate (plant < 1 MWp)", rate, "€/kWh", "accise", "acc_exemption"
            )
        )
    figures.append(
        Figure(
            "accise case on AUTOCONS kWh",
            case.name,
            "-",
            "CONTESTED: regulatory case (greenkommon.cases)",
            str(ex.get("case_source", "")),
        )
    )
    return grid, np.where(exempt, rate, grid), exempt


# -- supply ----------------------------------------------------------------------------------------
def supply_energy(
    contract: ContractConfig,
    tariffs: Tariffs,
    hc: np.ndarray,
    high: np.ndarray,
    when: np.ndarray,
    figures: list[Figure],
) -> np.ndarray:
    """The supplier's price of a grid kWh at each interval, excl. VAT [€/kWh]."""
    where = contract.where
    label = "Tarif Bleu" if contract.tariff == "tarif_bleu" else "market offer"
    if contract.energy_price_eur_per_kwh is not None:
        table = contract.energy_price_eur_per_kwh
        figures.append(Figure(f"{label} kWh prices", str(table), "€/kWh", "scenario", where))
        return by_period(table, hc, high, f"{where}.energy_price_eur_per_kwh")
    if contract.tariff == "market":
        mo = tariffs.get("market_offer")
        table = tariffs.period_table("market_offer", "energy_eur_per_kwh")
        figures.append(
            Figure(
                "market offer kWh prices",
                str(table),
                "€/kWh",
                str(mo.get("confidence")),
                str(mo.get("source", "")),
            )
        )
        return by_period(table, hc, high, f"{where}.energy_price_eur_per_kwh")
    tb = tariffs.get("tarif_bleu")
    if contract.option == "base":
        supply = np.full(len(hc), tariffs.number("tarif_bleu", "base_eur_per_kwh"))
    else:
        supply = np.where(
            hc,
            tariffs.number("tarif_bleu", "hc_eur_per_kwh"),
            tariffs.number("tarif_bleu", "hp_eur_per_kwh"),
        )
    conf = str(tb.get("confidence", "UNCONFIRMED"))
    if (when < _as_datetime64(tb["valid_from"], "tarif_bleu.valid_from")).any():
        conf += f"; extrapolated back before {tb['valid_from']}"
    figures.append(
        Figure(
            f"Tarif Bleu {contract.option} kWh price",
            f"{supply.min():.4f}-{supply.max():.4f}",
            "€/kWh",
            conf,
            str(tb.get("source", "")),
        )
    )
    after = tb["carried_on_after"]
    if (when >= _as_datetime64(after, "tarif_bleu.carried_on_after")).any():
        moves = "; ".join(str(m.get("source", "")) for m in tb.get("moves", []))
        figures.append(
            Figure(
                f"Tarif Bleu from {after}",
                "carried on",
                "€/kWh",
                str(tb["carried_on_label"]),
                moves or str(tb.get("source", "")),
            )
        )
    if float(cast(float, contract.subscribed_kva)) > 36.0:
        figures.append(
            Figure(
                "Tarif Bleu > 36 kVA",
                "<= 36 kVA prices",
                "€/kWh",
                str(tb["gt36_label"]),
                str(tb.get("source", "")),
            )
        )
    return supply


def subscription(contract: ContractConfig, tariffs: Tariffs, figures: list[Figure]) -> float:
    """The supplier's yearly subscription, excl. VAT [€/yr]."""
    where = contract.where
    if contract.subscription_eur_per_year is not None:
        figures.append(
            Figure("subscription", contract.subscription_eur_per_year, "€/yr", "scenario", where)
        )
        return contract.subscription_eur_per_year
    if contract.tariff == "market":
        mo = tariffs.get("market_offer")
        value = tariffs.number("market_offer", "subscription_eur_per_year")
        figures.append(
            Figure(
                "market offer subscription",
                value,
                "€/yr",
                str(mo.get("subscription_confidence")),
                str(mo.get("subscription_source", "")),
            )
        )
        return value
    tb = tariffs.get("tarif_bleu")
    kva = float(cast(float, contract.subscribed_kva))
    grid = tb["base_subscription_eur_per_year"]
    kva_key = f"{kva:g}"
    if kva > 36.0 or kva_key not in grid:
        raise ScenarioError(
            f"{where}.subscribed_kva = {kva:g}: expected one of the Tarif Bleu powers {', '.join(grid)} kVA, "
            "or give subscription_eur_per_year (the reference has no other subscription)"
        )
    value = tariffs.number("tarif_bleu", "base_subscription_eur_per_year", kva_key)
    conf = str(tb.get("confidence"))
    if contract.option == "hphc":
        conf = str(tb["hphc_subscription_label"])
    figures.append(
        Figure(
            f"Tarif Bleu subscription {kva_key} kVA", value, "€/yr", conf, str(tb.get("source", ""))
        )
    )
    return value


# -- VAT -------------------------------------------------------------------------------------------
def vat_rates(
    kva: float,
    prices: PricesConfig,
    when: np.ndarray,
    figures: list[Figure],
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(energy, fixed, internal)`` VAT rates [-]: per interval, per interval, constant."""
    tariffs = prices.tariffs
    vat = tariffs.get("vat")
    energy = np.full(len(when), tariffs.number("vat", "energy_rate"))
    figures.append(
        Figure(
            "VAT on energy",
            float(vat["energy_rate"]),
            "-",
            str(vat.get("energy_confidence")),
            str(vat.get("energy_source", "")),
        )
    )
    if kva <= 36.0:
        fixed, figs = dated_values(tariffs, ("vat", "fixed_le36"), when, "-")
        figures += figs
    else:
        fixed = np.full(len(when), tariffs.number("vat", "fixed_gt36_rate"))
    internal = tariffs.number("vat", "internal_rate") if prices.internal_price_vat else 0.0
    if prices.internal_price_vat:
        figures.append(
            Figure(
                "VAT on internal price",
                internal,
                "-",
                str(vat.get("internal_confidence")),
                str(vat.get("internal_source", "")),
            )
        )
    return energy, fixed, internal


# -- composition -----------------------------------------------------------------------------------
def _flat_prices(t: int, contract: ContractConfig, prices: PricesConfig) -> VenuePrices:
    price = contract.supply_price_eur_per_kwh
    price = prices.supply_price_eur_per_kwh if price is None else price
    zeros = np.zeros(t)
    return VenuePrices(
        supply_eur_per_kwh=np.full(t, price),
        turpe_grid_without_eur_per_kwh=zeros,
        turpe_grid_with_eur_per_kwh=zeros,
        turpe_autocons_eur_per_kwh=zeros,
        accise_grid_eur_per_kwh=zeros,
        accise_autocons_eur_per_kwh=zeros,
        accise_exempt=np.zeros(t, dtype=bool),
        internal_eur_per_kwh=np.full(t, prices.internal_price_eur_per_kwh),
        vat_energy=zeros,
        vat_fixed=zeros,
        vat_internal=0.0,
        subscription_eur=zeros,
        turpe_fixed_without_eur=zeros,
        turpe_fixed_with_eur=zeros,
        cta_without_eur=zeros,
        cta_with_eur=zeros,
        bears_vat=False,
        tariff="flat",
        figures=[
            Figure(
                "flat all-in price",
                price,
                "€/kWh",
                "scenario",
                "[prices] or [venues.contract] supply_price_eur_per_kwh",
            )
        ],
    )


def venue_prices(
    index: pd.DatetimeIndex,
    contract: ContractConfig,
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> VenuePrices:
    """Per-interval prices and fixed charges of one venue's contract on the grid ``index``.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval-start labels, tz-aware (local time decides periods and dates).
    contract : ContractConfig
    prices : PricesConfig
    plant_peak_kwp : float
        Peak power of the production site [kWp] (accise ACC rate condition: < 1 MWp).

    Returns
    -------
    VenuePrices

    Raises
    ------
    ScenarioError
        When the contract needs a figure the data file does not have (e.g. Tarif Bleu
        subscription for a non-standard power).
    DataError
        When the TURPE tables of the bill mix vintages.

    Notes
    -----
    An integrated Tarif Bleu holds the standard TURPE energy and fixed components in its prices:
    without the operation nothing is added; with it, AUTOCONS kWh pay the TURPE energy (and the
    accise, case permitting) and COMPLEMENT kWh only the difference of the ACC option's
    grid-supplied component to the standard one, plus the ACC management component.
    """
    t = len(index)
    if contract.tariff == "flat":
        return _flat_prices(t, contract, prices)
    tariffs = prices.tariffs
    yf = year_fraction(index)
    if prices.tariff_date is not None:
        when = np.full(t, np.datetime64(prices.tariff_date, "ns"))
    else:
        when = wall_datetimes(index)
    kva = float(cast(float, contract.subscribed_kva))  # validated non-None for non-flat contracts
    figures: list[Figure] = []
    hc, high = tariff_calendar(index, contract, tariffs, figures)
    turpe = turpe_lines(contract, tariffs, hc, high, when, figures)
    cta = cta_rate(tariffs, when, figures)
    accise, accise_auto, exempt = accise_lines(kva, prices, plant_peak_kwp, when, figures)
    supply = supply_energy(contract, tariffs, hc, high, when, figures)
    subscription_year = subscription(contract, tariffs, figures)
    vat_energy, vat_fixed, vat_internal = vat_rates(kva, prices, when, figures)

    zeros = np.zeros(t)
    if contract.tariff == "tarif_bleu":
        tb: Any = tariffs.get("tarif_bleu")
        if bool(tb.get("prices_include_accise", False)):
            accise = zeros
            figures.append(
                Figure(
                    "Tarif Bleu accise",
                    "inside the kWh price",
                    "-",
                    str(tb["prices_include_accise_label"]),
                    str(tb.get("source", "")),
                )
            )
        grid_without = zeros
        grid_with = turpe.grid_eur_per_kwh - turpe.standard_eur_per_kwh
        fixed_billed_without = zeros
        fixed_billed_with = (turpe.fixed_with_eur_per_year - turpe.fixed_without_eur_per_year) * yf
    else:
        grid_without = turpe.standard_eur_per_kwh
        grid_with = turpe.grid_eur_per_kwh
        fixed_billed_without = turpe.fixed_without_eur_per_year * yf
        fixed_billed_with = turpe.fixed_with_eur_per_year * yf

    return VenuePrices(
        supply_eur_per_kwh=supply,
        turpe_grid_without_eur_per_kwh=grid_without,
        turpe_grid_with_eur_per_kwh=grid_with,
        turpe_autocons_eur_per_kwh=turpe.autocons_eur_per_kwh,
        accise_grid_eur_per_kwh=accise,
        accise_autocons_eur_per_kwh=accise_auto,
        accise_exempt=exempt,
        internal_eur_per_kwh=np.full(t, prices.internal_price_eur_per_kwh),
        vat_energy=vat_energy,
        vat_fixed=vat_fixed,
        vat_internal=vat_internal,
        subscription_eur=subscription_year * yf,
        turpe_fixed_without_eur=fixed_billed_without,
        turpe_fixed_with_eur=fixed_billed_with,
        cta_without_eur=cta * turpe.fixed_without_eur_per_year * yf,
        cta_with_eur=cta * turpe.fixed_with_eur_per_year * yf,
        bears_vat=not contract.vat_recoverable,
        tariff=contract.tariff,
        figures=figures,
    )


__all__ = [
    "TurpeLines",
    "VenuePrices",
    "accise_category",
    "accise_lines",
    "cta_rate",
    "subscription",
    "supply_energy",
    "tariff_calendar",
    "turpe_lines",
    "turpe_tables",
    "vat_rates",
    "venue_prices",
]
