"""Scenario tables of the economics stage: ``[prices]``, ``[venues.contract]``, ``[finance]``.

The tariff figures are read from the data file when a ``[prices]`` table is read (so a bad
``tariffs_file`` fails at load time); that reader is imported only then.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cases import (
    ACCISE_DOES_NOT_APPLY,
    ACCISE_READINGS,
    AcciseCase,
    legacy_accise_case,
    parse_accise_case,
)
from ..errors import GreenkommonWarning
from ._section import _MISSING, Section
from .plant import MAX_PEAK_POWER_KWP

if TYPE_CHECKING:  # pragma: no cover
    from ..economics.tariffs import Tariffs

#: Contract kinds of ``[venues.contract] tariff``.
TARIFF_KINDS = ("flat", "tarif_bleu", "market")
#: TURPE options by category.
TURPE_OPTIONS_LE36 = ("CU4", "MU4")
TURPE_OPTIONS_GT36 = ("CU", "LU")
#: How the surplus is valued (``[prices] surplus_sale``).
SURPLUS_SALES = ("price", "s21", "lost", "aos", "market")
#: Tariff periods of the 4-period options (high season = "H", low season = "B").
PERIODS_4 = ("HPH", "HCH", "HPB", "HCB")
_PERIOD_SETS = ({"base"}, {"HP", "HC"}, set(PERIODS_4))


def _load_tariffs(path: Path | None = None) -> Tariffs:
    from ..economics.tariffs import load_tariffs

    return load_tariffs(path)


@dataclass(frozen=True)
class PricesConfig:
    """``[prices]``: prices of the operation and tax switches.

    Attributes
    ----------
    supply_price_eur_per_kwh : float
        All-in price of a grid kWh for venues on a ``flat`` contract (no separate network, tax or
        VAT line) [€/kWh].
    internal_price_eur_per_kwh : float
        Price the PMO sets for allocated kWh (AUTOCONS), excluding VAT [€/kWh]. Indexation over
        the years is a ``[finance]`` parameter.
    surplus_price_eur_per_kwh : float
        Price of surplus kWh when ``surplus_sale = 'price'`` (market / PPA) [€/kWh].
    surplus_curtailed_share : float or None
        Share of the surplus injected at negative prices, curtailed under ``'aos'`` and
        ``'market'`` [-] (``greenkommon finance --price-curve`` computes it); None: the data
        file's (UNCONFIRMED).
    surplus_sale : {'price', 's21', 'lost', 'aos', 'market'}
        ``'aos'``: the simplified tender's 20-year complement-of-remuneration contract, then the
        market; ``'market'``: direct market sale through an aggregator (figures:
        ``greenkommon/data/surplus_fr.toml``, :mod:`greenkommon.economics.finance.surplus`).
        ``'s21'``: purchase obligation tariff of the plant's size band (data file); ``'price'``:
        ``surplus_price_eur_per_kwh``; ``'lost'``: given to the grid for nothing.
    accise_case : greenkommon.cases.AcciseCase
        The regulatory case of the 0 €/MWh accise rate on AUTOCONS kWh (``[prices]
        accise_exemption = 'does_not_apply' | 'applies' | 'applies_until'`` with
        ``accise_exemption_until = <date>``). Default: does not apply (the tax administration's
        reading). Where it applies, the 0 rate also needs the plant's peak power below 1 MWp
        (CIBS L312-87) and a date on or after the data file's ``valid_from``. The deprecated
        boolean ``accise_exemption_acc = true/false`` is read as 'applies' / 'does_not_apply'.
    internal_price_vat : bool
        The producer charges VAT on allocated kWh (a SCIC is VAT-registered) [-].
    tariffs_file : Path or None
        A TOML file merged over ``greenkommon/data/tariffs_fr.toml`` to override any figure.
    tariff_date : datetime.date or None
        Evaluate every dated figure (accise, CTA, VAT, exemption start) at this date instead of
        at each interval's own date: e.g. simulate a reference weather year of 2019 with the
        tariffs of 2026 (``tariff_date = 2026-03-01``).
    tariffs : Tariffs
        The resolved tariff figures (read when the scenario is loaded).
    """

    supply_price_eur_per_kwh: float = 0.1659
    internal_price_eur_per_kwh: float = 0.10
    surplus_price_eur_per_kwh: float = 0.0
    surplus_sale: str = "price"
    surplus_curtailed_share: float | None = None
    accise_case: AcciseCase = ACCISE_DOES_NOT_APPLY
    internal_price_vat: bool = True
    tariffs_file: Path | None = None
    tariff_date: dt.date | None = None
    tariffs: Tariffs = field(default_factory=_load_tariffs, repr=False, compare=False)

    @classmethod
    def from_section(cls, sec: Section) -> PricesConfig:
        tariffs_file = sec.path("tariffs_file", None)
        cfg = cls(
            supply_price_eur_per_kwh=sec.float(
                "supply_price_eur_per_kwh", 0.1659, min=0, unit="€/kWh"
            ),
            internal_price_eur_per_kwh=sec.float(
                "internal_price_eur_per_kwh", 0.10, min=0, unit="€/kWh"
            ),
            surplus_price_eur_per_kwh=sec.float(
                "surplus_price_eur_per_kwh", 0.0, min=0, unit="€/kWh"
            ),
            surplus_sale=sec.str("surplus_sale", "price", choices=SURPLUS_SALES),
            surplus_curtailed_share=sec.float("surplus_curtailed_share", None, min=0, max=1.0),
            accise_case=_read_accise_case(sec, tariffs_file),
            internal_price_vat=sec.bool("internal_price_vat", True),
            tariffs_file=tariffs_file,
            tariff_date=_read_date(sec, "tariff_date"),
            tariffs=_load_tariffs(tariffs_file),
        )
        sec.finish()
        return cfg


def _read_accise_case(sec: Section, tariffs_file: Path | None) -> AcciseCase:
    """``accise_exemption`` (+ ``accise_exemption_until``), or the deprecated boolean."""
    if "accise_exemption_acc" in sec:
        flag = sec.bool("accise_exemption_acc")
        if "accise_exemption" in sec:
            raise sec.error(
                "accise_exemption_acc",
                flag,
                "nothing next to accise_exemption (it replaces this deprecated switch)",
            )
        case = legacy_accise_case(flag)
        warnings.warn(
            f"{sec.field('accise_exemption_acc')} = {str(flag).lower()} is deprecated: read as "
            f"accise_exemption = {case.reading!r}",
            GreenkommonWarning,
            stacklevel=2,
        )
        return case
    reading = sec.str("accise_exemption", "does_not_apply", choices=ACCISE_READINGS)
    until = _read_date(sec, "accise_exemption_until")
    if reading == "applies_until":
        if until is None:
            # the reported end of the measure, from the data file
            end = _load_tariffs(tariffs_file).get("accise", "acc_exemption", "reported_end")
            if not isinstance(end, dt.date):
                raise sec.error(
                    "accise_exemption_until", end, "a date (none given, none in the data file)"
                )
            until = end
        return parse_accise_case(reading, until)
    if until is not None:
        raise sec.error(
            "accise_exemption_until", until, "nothing unless accise_exemption = 'applies_until'"
        )
    return parse_accise_case(reading)


def _read_date(sec: Section, name: str) -> dt.date | None:
    raw = sec.raw(name, None)
    if raw is None:
        return None
    if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
        raise sec.error(name, raw, "a TOML date such as 2026-03-01 (no quotes, no time)")
    return raw


def _read_period_prices(sec: Section, name: str) -> dict[str, float] | None:
    raw = sec.raw(name, None)
    if raw is None:
        return None
    expected = "a number or a table of prices >= 0 by period: {base}, {HP, HC} or {HPH, HCH, HPB, HCB} [€/kWh]"
    if isinstance(raw, bool):
        raise sec.error(name, raw, expected)
    if isinstance(raw, int | float):
        raw = {"base": raw}
    if not isinstance(raw, dict) or set(raw) not in _PERIOD_SETS:
        raise sec.error(name, raw, expected)
    out = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise sec.error(f"{name}.{k}", v, "a price >= 0 [€/kWh]")
        out[str(k)] = float(v)
    return out


@dataclass(frozen=True)
class ContractConfig:
    """``[venues.contract]``: a venue's supply and network contract.

    Attributes
    ----------
    tariff : {'flat', 'tarif_bleu', 'market'}
        ``flat``: one all-in price per kWh (``supply_price_eur_per_kwh`` here or in ``[prices]``),
        no separate network/tax/VAT lines. ``tarif_bleu``: EDF regulated Tarif Bleu professionnel
        (integrated: kWh price and subscription include TURPE). ``market``: a market offer
        (supply-only prices; TURPE, CTA, accise and VAT added).
    option : {'base', 'hphc'}
        Tarif Bleu option.
    subscribed_kva : float or None
        Subscribed power [kVA]; decides the TURPE category (≤ 36 kVA or not) and the accise
        category (≤ 36, 36–250, > 250 kVA). Required unless ``flat``.
    subscribed_kva_by_period : tuple of 4 float or None
        BT > 36 kVA: subscribed power per period HPH, HCH, HPB, HCB (non-decreasing) [kVA].
    supply_price_eur_per_kwh : float or None
        ``flat``: the venue's all-in price [€/kWh] (overrides ``[prices]``).
    energy_price_eur_per_kwh : dict or None
        ``market`` (or to override Tarif Bleu prices): supply price by period, ``{base}``,
        ``{HP, HC}`` or ``{HPH, HCH, HPB, HCB}`` [€/kWh, excl. VAT].
    subscription_eur_per_year : float or None
        Supplier subscription [€/yr, excl. VAT]; default from the data file.
    turpe_option : str or None
        ``CU4``/``MU4`` (≤ 36 kVA) or ``CU``/``LU`` (> 36 kVA); default ``CU4`` / ``CU``.
    turpe_acc : bool
        Use the optional ACC version of TURPE (≤ 36 kVA, CU4/MU4 only): AUTOCONS kWh at the
        "autoproduite" rate, COMPLEMENT kWh at the "alloproduite" rate.
    offpeak_hours : tuple of str
        Off-peak (HC) ranges of the delivery point in local time, e.g. ``("22:00-06:00",)``;
        ``"solar"`` selects the data file's TURPE 7 "heures solaires" preset.
    vat_recoverable : bool
        The venue recovers VAT (VAT-registered activity): its costs are counted excluding VAT.
        Cultural associations outside VAT cannot, and bear the bill including VAT (default).
    """

    tariff: str = "flat"
    option: str = "base"
    subscribed_kva: float | None = None
    subscribed_kva_by_period: tuple[float, ...] | None = None
    supply_price_eur_per_kwh: float | None = None
    energy_price_eur_per_kwh: dict[str, float] | None = None
    subscription_eur_per_year: float | None = None
    turpe_option: str | None = None
    turpe_acc: bool = False
    offpeak_hours: tuple[str, ...] | None = None
    offpeak_label: str = "default"
    vat_recoverable: bool = False
    where: str = field(default="venues.contract", repr=False, compare=False)

    @classmethod
    def from_section(cls, sec: Section) -> ContractConfig:
        where = f"{sec.file}: {sec.where}" if sec.file is not None else sec.where
        tariff = sec.str("tariff", "flat", choices=TARIFF_KINDS)
        kva = sec.float(
            "subscribed_kva", None, min=0, min_exclusive=True, max=MAX_PEAK_POWER_KWP, unit="kVA"
        )
        by_period = sec.floats("subscribed_kva_by_period", None, min=0, length=4)
        offpeak = sec.raw("offpeak_hours", None)
        label = "default"
        if offpeak is None:
            hours = None
        elif offpeak == "solar":
            hours, label = None, "solar"
        elif isinstance(offpeak, list) and all(isinstance(h, str) for h in offpeak):
            from ..economics.tariffs import parse_hours

            parse_hours(offpeak, f"{where}.offpeak_hours")
            hours, label = tuple(offpeak), "site"
        else:
            raise sec.error("offpeak_hours", offpeak, "a list of 'HH:MM-HH:MM' ranges or 'solar'")
        cfg = cls(
            tariff=tariff,
            option=sec.str("option", "base", choices=("base", "hphc")),
            subscribed_kva=kva,
            subscribed_kva_by_period=tuple(by_period) if by_period is not None else None,
            supply_price_eur_per_kwh=sec.float(
                "supply_price_eur_per_kwh", None, min=0, unit="€/kWh"
            ),
            energy_price_eur_per_kwh=_read_period_prices(sec, "energy_price_eur_per_kwh"),
            subscription_eur_per_year=sec.float(
                "subscription_eur_per_year", None, min=0, unit="€/yr"
            ),
            turpe_option=sec.str(
                "turpe_option", None, choices=TURPE_OPTIONS_LE36 + TURPE_OPTIONS_GT36
            ),
            turpe_acc=sec.bool("turpe_acc", False),
            offpeak_hours=hours,
            offpeak_label=label,
            vat_recoverable=sec.bool("vat_recoverable", False),
            where=where,
        )
        if tariff != "flat" and kva is None:
            raise sec.error(
                "subscribed_kva",
                sec.data.get("subscribed_kva", _missing()),
                f"the subscribed power [kVA] of a {tariff!r} contract",
            )
        if tariff == "flat":
            extra = [
                k
                for k in ("subscribed_kva_by_period", "energy_price_eur_per_kwh", "turpe_option")
                if k in sec
            ]
            if extra or cfg.turpe_acc:
                name = extra[0] if extra else "turpe_acc"
                raise sec.error(
                    name,
                    sec.data[name],
                    "nothing: a 'flat' contract has one all-in price (set tariff = 'market' or 'tarif_bleu')",
                )
        elif "supply_price_eur_per_kwh" in sec:
            raise sec.error(
                "supply_price_eur_per_kwh",
                sec.data["supply_price_eur_per_kwh"],
                "only on a 'flat' contract; use energy_price_eur_per_kwh for market or Tarif Bleu prices",
            )
        if kva is not None and cfg.turpe_option is not None:
            allowed = TURPE_OPTIONS_LE36 if kva <= 36 else TURPE_OPTIONS_GT36
            if cfg.turpe_option not in allowed:
                raise sec.error(
                    "turpe_option",
                    cfg.turpe_option,
                    f"one of {', '.join(allowed)} for {kva:g} kVA ({'<=' if kva <= 36 else '>'} 36 kVA)",
                )
        if cfg.turpe_acc and (kva is None or kva > 36):
            raise sec.error(
                "turpe_acc",
                True,
                "false: the ACC version of TURPE exists only for BT <= 36 kVA (CU4/MU4)",
            )
        if by_period is not None:
            if kva is None or kva <= 36:
                raise sec.error(
                    "subscribed_kva_by_period", by_period, "only for BT > 36 kVA contracts"
                )
            if (
                any(b < a for a, b in zip(by_period, by_period[1:], strict=False))
                or by_period[0] <= 0
            ):
                raise sec.error(
                    "subscribed_kva_by_period",
                    by_period,
                    "powers HPH <= HCH <= HPB <= HCB, all > 0 [kVA]",
                )
        sec.finish()
        return cfg


def _missing() -> Any:
    return _MISSING


@dataclass(frozen=True)
class FinanceConfig:
    """``[finance]``: the long-term projection (producer and venues).

    Producer defaults (CAPEX, OPEX, insurance, roof rent, inverter, degradation, inflation) come
    from ``[producer_defaults]`` of the tariff data file (ASSUMPTION) when a field is absent.

    Attributes
    ----------
    lifetime_years : int
        Projection horizon [yr] (20–30 for a PV plant).
    discount_rate : float
        Nominal discount rate [-/yr] (> −1).
    capex_eur_per_kwp : float or None
        Turnkey investment [€/kWp].
    opex_eur_per_kwp_year, insurance_eur_per_kwp_year : float or None
        Yearly costs in year-1 euros [€/kWp/yr], inflated by ``opex_inflation_per_year``.
    roof_rent_eur_per_year : float or None
        Rent paid to the shopping centre [€/yr], inflated (default: data file €/kWp/yr × kWp).
    pmo_fee_eur_per_year : float or None
        PMO running costs borne by the producer [€/yr], inflated.
    inverter_replacement_eur_per_kwp : float or None
        One inverter replacement [€/kWp, year-1 euros], inflated, in ``inverter_replacement_year``.
    inverter_replacement_year : int or None
    degradation_per_year : float or None
        Yearly loss of production [-/yr].
    opex_inflation_per_year : float or None
    loan_amount_eur, loan_rate, loan_term_years
        Bank loan of the producer, constant annuities [€, -/yr, yr] (term ≤ lifetime).
    equity_eur : dict
        Capital each venue puts into the producer (SCIC) at year 0 [€], by venue name.
    escalation_rates_per_year : tuple of float
        Supply-price escalation scenarios [-/yr]: flat, +3 %/yr, +6 %/yr by default.
    escalation_path_per_year : tuple of float or None
        A user-given path of yearly escalation rates (year 2, 3, ...; last one carried on).
    reference_escalation_per_year : float or None
        Former way of naming the headline case by its rate (one of ``escalation_rates_per_year``);
        ``headline_case`` wins when both are given.
    headline_case : str or None
        The case every output shows (``'flat'``, ``'+3 %/yr'``, ``'user path'``, ...); the others
        are sensitivities. None: ``'flat'`` when flat prices are among the cases (the conservative
        one), else the first case.
    stake_remuneration : {'none', 'interest', 'dividend'}
        How the venues' stakes (``equity_eur``) are paid back (see
        :mod:`greenkommon.economics.finance.collective`).
    stake_interest_rate : float
        Yearly interest on the stakes with ``stake_remuneration = 'interest'`` [-/yr].
    dividend_payout_share : float
        Share of the producer's positive equity flow distributed with ``'dividend'`` [-].
    dscr_target : float or None
        Target minimum DSCR for sizing the loan [-]; None: the data file's default (ASSUMPTION).
    p90_basis : {'one_year', 'ten_year'}
        Which P90 production the bank view uses (greenkommon/data/finance_fr.toml).
    internal_price_escalation_per_year : float
        Indexation of the internal price [-/yr] (0: fixed for the whole life).
    internal_price_indexed_on_supply : bool
        Index the internal price on the supply-price scenario instead.
    surplus_price_after_contract_eur_per_kwh : float
        Surplus price once the S21 contract (``s21.contract_years``) has ended [€/kWh].
    """

    lifetime_years: int = 20
    discount_rate: float = 0.04
    capex_eur_per_kwp: float | None = None
    opex_eur_per_kwp_year: float | None = None
    insurance_eur_per_kwp_year: float | None = None
    roof_rent_eur_per_year: float | None = None
    pmo_fee_eur_per_year: float | None = None
    inverter_replacement_eur_per_kwp: float | None = None
    inverter_replacement_year: int | None = None
    degradation_per_year: float | None = None
    opex_inflation_per_year: float | None = None
    loan_amount_eur: float = 0.0
    loan_rate: float = 0.0
    loan_term_years: int = 0
    equity_eur: dict[str, float] = field(default_factory=dict)
    escalation_rates_per_year: tuple[float, ...] = (0.0, 0.03, 0.06)
    escalation_path_per_year: tuple[float, ...] | None = None
    reference_escalation_per_year: float | None = None
    headline_case: str | None = None
    stake_remuneration: str = "none"
    stake_interest_rate: float = 0.0
    dividend_payout_share: float = 0.0
    dscr_target: float | None = None
    p90_basis: str = "one_year"
    internal_price_escalation_per_year: float = 0.0
    internal_price_indexed_on_supply: bool = False
    surplus_price_after_contract_eur_per_kwh: float = 0.0
    where: str = field(default="finance", repr=False, compare=False)

    def __post_init__(self) -> None:
        # programmatic construction gets the same checks as the scenario reader
        from ..errors import ScenarioError

        def bad(name: str, value: Any, expected: str) -> ScenarioError:
            return ScenarioError(f"{self.where}.{name} = {value!r}: expected {expected}")

        if not 1 <= self.lifetime_years <= 50:
            raise bad("lifetime_years", self.lifetime_years, "an integer between 1 and 50 [yr]")
        if not self.discount_rate > -1 or not math.isfinite(self.discount_rate):
            raise bad("discount_rate", self.discount_rate, "a rate > -1 (-100 %)")
        for name in (
            "capex_eur_per_kwp",
            "opex_eur_per_kwp_year",
            "insurance_eur_per_kwp_year",
            "roof_rent_eur_per_year",
            "pmo_fee_eur_per_year",
            "inverter_replacement_eur_per_kwp",
            "loan_amount_eur",
            "surplus_price_after_contract_eur_per_kwh",
        ):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v < 0):
                raise bad(name, v, "a number >= 0")
        if self.degradation_per_year is not None and not 0 <= self.degradation_per_year < 1:
            raise bad("degradation_per_year", self.degradation_per_year, "a rate in [0, 1)")
        for name in ("opex_inflation_per_year", "internal_price_escalation_per_year", "loan_rate"):
            v = getattr(self, name)
            if v is not None and not v > -1:
                raise bad(name, v, "a rate > -1")
        if self.loan_rate < 0:
            raise bad("loan_rate", self.loan_rate, "a rate >= 0")
        if self.loan_amount_eur > 0 and not 1 <= self.loan_term_years <= self.lifetime_years:
            raise bad(
                "loan_term_years",
                self.loan_term_years,
                f"a term between 1 and lifetime_years = {self.lifetime_years} (a loan cannot outlive the plant)",
            )
        if self.loan_term_years > self.lifetime_years:
            raise bad(
                "loan_term_years",
                self.loan_term_years,
                f"at most lifetime_years = {self.lifetime_years}",
            )
        if (
            self.inverter_replacement_year is not None
            and not 1 <= self.inverter_replacement_year <= 50
        ):
            raise bad(
                "inverter_replacement_year",
                self.inverter_replacement_year,
                "a year between 1 and 50",
            )
        if not self.escalation_rates_per_year:
            raise bad("escalation_rates_per_year", [], "at least one rate, e.g. [0.0, 0.03, 0.06]")
        for r in (*self.escalation_rates_per_year, *(self.escalation_path_per_year or ())):
            if not r > -1 or not math.isfinite(r):
                raise bad("escalation_rates_per_year", r, "rates > -1")
        for name, v in self.equity_eur.items():
            if not math.isfinite(v) or v < 0:
                raise bad(f"equity_eur.{name!r}", v, "an amount >= 0 [€]")
        if self.stake_remuneration not in ("none", "interest", "dividend"):
            raise bad(
                "stake_remuneration", self.stake_remuneration, "'none', 'interest' or 'dividend'"
            )
        if not 0 <= self.stake_interest_rate <= 1:
            raise bad("stake_interest_rate", self.stake_interest_rate, "a rate in [0, 1]")
        if not 0 <= self.dividend_payout_share <= 1:
            raise bad("dividend_payout_share", self.dividend_payout_share, "a share in [0, 1]")
        if self.dscr_target is not None and not (
            math.isfinite(self.dscr_target) and 0 < self.dscr_target <= 10
        ):
            raise bad("dscr_target", self.dscr_target, "a ratio in (0, 10]")
        if self.p90_basis not in ("one_year", "ten_year"):
            raise bad("p90_basis", self.p90_basis, "'one_year' or 'ten_year'")

    @classmethod
    def from_section(cls, sec: Section) -> FinanceConfig:
        where = f"{sec.file}: {sec.where}" if sec.file is not None else (sec.where or "finance")
        equity_raw = sec.raw("equity_eur", {})
        if not isinstance(equity_raw, dict):
            raise sec.error("equity_eur", equity_raw, "a table {venue name = amount in €}")
        equity = {}
        for name, v in equity_raw.items():
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v < 0
            ):
                raise sec.error(f"equity_eur.{name!r}", v, "an amount >= 0 [€]")
            equity[str(name)] = float(v)
        path = sec.floats("escalation_path_per_year", None)
        lifetime = sec.int("lifetime_years", 20, min=1, max=50)
        loan_amount = sec.float("loan_amount_eur", 0.0, min=0, unit="€")
        loan_term = sec.int("loan_term_years", 0, min=0)
        if loan_term > lifetime:
            raise sec.error(
                "loan_term_years",
                loan_term,
                f"at most lifetime_years = {lifetime} (a loan cannot outlive the plant)",
            )
        if loan_amount > 0 and loan_term < 1:
            raise sec.error(
                "loan_term_years", loan_term, "a term >= 1 [yr] for a loan_amount_eur > 0"
            )
        cfg = cls(
            lifetime_years=lifetime,
            discount_rate=sec.float("discount_rate", 0.04, min=-1, min_exclusive=True, max=1.0),
            capex_eur_per_kwp=sec.float("capex_eur_per_kwp", None, min=0, unit="€/kWp"),
            opex_eur_per_kwp_year=sec.float("opex_eur_per_kwp_year", None, min=0, unit="€/kWp/yr"),
            insurance_eur_per_kwp_year=sec.float(
                "insurance_eur_per_kwp_year", None, min=0, unit="€/kWp/yr"
            ),
            roof_rent_eur_per_year=sec.float("roof_rent_eur_per_year", None, min=0, unit="€/yr"),
            pmo_fee_eur_per_year=sec.float("pmo_fee_eur_per_year", None, min=0, unit="€/yr"),
            inverter_replacement_eur_per_kwp=sec.float(
                "inverter_replacement_eur_per_kwp", None, min=0, unit="€/kWp"
            ),
            inverter_replacement_year=sec.int("inverter_replacement_year", None, min=1, max=50),
            degradation_per_year=sec.float("degradation_per_year", None, min=0, max=0.5),
            opex_inflation_per_year=sec.float(
                "opex_inflation_per_year", None, min=-1, min_exclusive=True, max=1.0
            ),
            loan_amount_eur=loan_amount,
            loan_rate=sec.float("loan_rate", 0.0, min=0, max=1.0),
            loan_term_years=loan_term,
            equity_eur=equity,
            escalation_rates_per_year=tuple(
                sec.floats("escalation_rates_per_year", [0.0, 0.03, 0.06], min=-0.99)
            ),
            escalation_path_per_year=tuple(path) if path is not None else None,
            reference_escalation_per_year=sec.float(
                "reference_escalation_per_year", None, min=-0.99, max=1.0
            ),
            headline_case=sec.str("headline_case", None),
            stake_remuneration=sec.str(
                "stake_remuneration", "none", choices=("none", "interest", "dividend")
            ),
            stake_interest_rate=sec.float("stake_interest_rate", 0.0, min=0, max=1.0),
            dividend_payout_share=sec.float("dividend_payout_share", 0.0, min=0, max=1.0),
            dscr_target=sec.float("dscr_target", None, min=0, min_exclusive=True, max=10.0),
            p90_basis=sec.str("p90_basis", "one_year", choices=("one_year", "ten_year")),
            internal_price_escalation_per_year=sec.float(
                "internal_price_escalation_per_year", 0.0, min=-1, min_exclusive=True, max=1.0
            ),
            internal_price_indexed_on_supply=sec.bool("internal_price_indexed_on_supply", False),
            surplus_price_after_contract_eur_per_kwh=sec.float(
                "surplus_price_after_contract_eur_per_kwh", 0.0, min=0, unit="€/kWh"
            ),
            where=where,
        )
        if path is not None and any(r <= -1 for r in path):
            raise sec.error("escalation_path_per_year", path, "rates > -1")
        if (
            cfg.reference_escalation_per_year is not None
            and cfg.reference_escalation_per_year not in cfg.escalation_rates_per_year
        ):
            raise sec.error(
                "reference_escalation_per_year",
                cfg.reference_escalation_per_year,
                f"one of escalation_rates_per_year {list(cfg.escalation_rates_per_year)}",
            )
        sec.finish()
        return cfg
