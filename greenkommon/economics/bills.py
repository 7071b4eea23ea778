"""Yearly bill per venue, with and without the operation, the way a French bill is built.

A venue's withdrawal C splits, at every interval, into AUTOCONS A (allocated by the key, bought
from the PMO at the internal price) and COMPLEMENT C − A (bought from its supplier). The bill
lines are:

- supply: COMPLEMENT kWh × the contract's price of the period (regulated Tarif Bleu pro, Base or
  HP/HC, or a market offer by period) + the supplier subscription;
- network (TURPE): fixed part (b × subscribed kVA + management cg + metering cc) and energy part
  by period on every withdrawn kWh (the grid carries the shared kWh too); with the optional ACC
  option of TURPE 7 (≤ 36 kVA), AUTOCONS kWh at the self-consumed rate and COMPLEMENT kWh at the
  grid-supplied rate, plus an ACC management component; every component of one bill from one CRE
  deliberation;
- accise by category (≤ 36 kVA, > 36 kVA) on COMPLEMENT kWh; on AUTOCONS kWh too, unless the
  0 €/MWh ACC rate applies (regulatory case :mod:`greenkommon.cases`, plant < 1 MWp, from its
  date);
- CTA: a share of the fixed TURPE components;
- AUTOCONS kWh at the internal price set by the PMO;
- VAT on each line at its rate; a venue that recovers VAT bears the bill excluding VAT.

The prices of each component come from :mod:`.prices` (one function per component, composed by
:func:`~greenkommon.economics.prices.venue_prices`); this module adds the energies up into the one
bill model, :func:`compute_bills`.

The Tarif Bleu is an integrated tariff: its kWh price includes the TURPE energy component (and,
as read in the data file, the accise) and its subscription the fixed TURPE components, so those
are not added again on COMPLEMENT kWh; they are added on AUTOCONS kWh, which the supplier does not
sell (acc-rules.md §6 item 5: "AUTOCONS kWh: producer price + TURPE + accise 0 if < 1 MWc + VAT").

VAT treatment
-------------
Each line carries its own rate (data file ``[vat]``): 20 % on energy lines; on fixed lines
(subscription, TURPE fixed, CTA) 5.5 % until 31 Jul 2025 and 20 % after for ≤ 36 kVA, 20 % above;
the producer's internal price at 20 % (UNCONFIRMED, switch ``[prices] internal_price_vat``).
Whether VAT is a cost depends on the venue (``[venues.contract] vat_recoverable``): a cultural
association outside VAT bears it (default), a VAT-registered venue recovers it and its bill is
counted excluding VAT. ``bill_*_excl_vat_eur`` and ``vat_*_eur`` are always reported. ``flat``
contracts carry one all-in price and no VAT line.

References
----------
- CRE deliberation n° 2025-78 of 13 March 2025 (TURPE 7 HTA-BT, from 1 Aug 2025).
- Code des impositions sur les biens et services, L312-79 and L312-87, as modified by art. 75 of
  loi n° 2025-127 of 14 Feb 2025 (accise, 0 €/MWh rate in ACC); BOFiP rescrit node 367293.
- Arrêté of 6 Oct 2021 (S21) as modified by the arrêté of 26 March 2025.
- ``../shared/reference/figures-2026.md`` and ``acc-rules.md`` §4: every figure, its source and
  confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, ScenarioError
from .config import ContractConfig, PricesConfig
from .prices import VenuePrices, venue_prices
from .tariffs import Figure

#: Columns every bill table has [€/yr], the contract with the pipeline.
BILL_COLUMNS = ("bill_without_eur", "bill_with_eur", "savings_eur")


def _check_frames(
    consumption_kwh: pd.DataFrame,
    allocated_kwh: pd.DataFrame,
    surplus_kwh: pd.Series,
    n_contracts: int,
) -> None:
    if consumption_kwh.shape != allocated_kwh.shape:
        raise DataError(
            f"compute_bills: consumption {consumption_kwh.shape} and allocation {allocated_kwh.shape} frames differ in shape"
        )
    if list(consumption_kwh.columns) != list(allocated_kwh.columns):
        raise DataError(
            "compute_bills: consumption and allocation frames have different venue columns"
        )
    if not consumption_kwh.index.equals(allocated_kwh.index) or not consumption_kwh.index.equals(
        surplus_kwh.index
    ):
        raise DataError(
            "compute_bills: consumption, allocation and surplus are not on the same time index"
        )
    if consumption_kwh.shape[1] != n_contracts:
        raise DataError(
            f"compute_bills: {consumption_kwh.shape[1]} venue columns but {n_contracts} contracts"
        )
    c = consumption_kwh.to_numpy(dtype=float)
    a = allocated_kwh.to_numpy(dtype=float)
    if not (
        np.isfinite(c).all()
        and np.isfinite(a).all()
        and np.isfinite(surplus_kwh.to_numpy(dtype=float)).all()
    ):
        raise DataError("compute_bills: non-finite energy values (NaN or inf)")
    if (c < 0).any() or (a < 0).any():
        raise DataError("compute_bills: negative consumption or allocated energy")
    tol = 1e-9 * max(1.0, float(np.abs(c).max(initial=0.0)))
    if (a > c + tol).any():
        raise DataError(
            "compute_bills: allocated energy exceeds consumption (allocation is capped at consumption)"
        )


def surplus_price_eur_per_kwh(prices: PricesConfig, plant_peak_kwp: float) -> tuple[float, Figure]:
    """Price of a surplus kWh for the producer [€/kWh] and its provenance.

    ``s21`` picks the purchase-obligation band of the plant's peak power (acc-rules.md §4.4).
    """
    if prices.surplus_sale == "lost":
        return 0.0, Figure("surplus", 0.0, "€/kWh", "scenario", "surplus_sale = 'lost'")
    if prices.surplus_sale in ("aos", "market"):
        from .finance.surplus import surplus_terms  # the finance package imports this module

        t = surplus_terms(prices.surplus_sale, prices.surplus_curtailed_share)
        name = "simplified tender (AOS)" if t.option == "aos" else "market sale"
        return t.price_eur_per_kwh, Figure(
            f"surplus, {name}, net", t.price_eur_per_kwh, "€/kWh", t.label, t.source
        )
    if prices.surplus_sale == "price":
        return prices.surplus_price_eur_per_kwh, Figure(
            "surplus price",
            prices.surplus_price_eur_per_kwh,
            "€/kWh",
            "scenario",
            "[prices] surplus_price_eur_per_kwh",
        )
    bands = prices.tariffs.get("s21", "bands")
    for band in bands:
        if plant_peak_kwp <= float(band["max_kwp"]):
            return float(band["surplus_eur_per_kwh"]), Figure(
                f"S21 surplus tariff (<= {band['max_kwp']:g} kWp)",
                float(band["surplus_eur_per_kwh"]),
                "€/kWh",
                str(band.get("confidence", "UNCONFIRMED")),
                str(band.get("source", "")),
            )
    raise ScenarioError(
        f"prices.surplus_sale = 's21': the plant's {plant_peak_kwp:g} kWp exceeds the last S21 band "
        f"({bands[-1]['max_kwp']:g} kWp; the 100-500 kWp window closed on 22 Sep 2025): expected "
        "surplus_sale = 'aos' (simplified tender), 'market', 'price' or 'lost'"
    )


def compute_bills(
    consumption_kwh: pd.DataFrame,
    allocated_kwh: pd.DataFrame,
    surplus_kwh: pd.Series,
    contracts: Sequence[ContractConfig],
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> pd.DataFrame:
    """Yearly bill of each venue with and without the operation.

    Parameters
    ----------
    consumption_kwh : pandas.DataFrame
        Withdrawal per interval (T × N, venue names as columns) [kWh].
    allocated_kwh : pandas.DataFrame
        AUTOCONS per interval (T × N) [kWh], ≤ consumption.
    surplus_kwh : pandas.Series
        SURPLUS per interval (T,) [kWh] (producer side, in ``attrs['producer']``).
    contracts : sequence of ContractConfig
        One per venue, in column order.
    prices : PricesConfig
    plant_peak_kwp : float
        Peak power of the plant [kWp] (accise ACC rate: < 1 MWp; S21 band).

    Returns
    -------
    pandas.DataFrame
        Indexed by venue (index name ``"venue"``), amounts over the span of the index (one year:
        [€/yr]). ``bill_without_eur``, ``bill_with_eur``, ``savings_eur`` are what the venue
        bears (incl. VAT unless ``vat_recoverable``). Breakdown excl. VAT: ``subscription_eur``,
        ``turpe_fixed_*_eur``, ``cta_*_eur``, ``supply_energy_*_eur``, ``turpe_energy_*_eur``,
        ``accise_*_eur``, ``internal_eur``, ``vat_*_eur``, ``bill_*_excl_vat_eur``. For the
        long-term projection, as borne: ``fixed_*_eur``, ``grid_energy_*_eur``,
        ``autocons_charges_eur``, ``internal_cost_eur``. ``flagged_figures`` lists UNCONFIRMED /
        ASSUMPTION figures used. ``attrs['figures']`` holds every figure with its source,
        ``attrs['producer']`` the producer's yearly revenue.

    Notes
    -----
    Without the operation every withdrawn kWh is bought from the supplier:
    ``bill_without = Σ_t C_t (s_t + n⁰_t + x_t)(1+v) + fixed⁰``; with it,
    ``bill_with = Σ_t (C_t − A_t)(s_t + n¹_t + x_t)(1+v) + Σ_t A_t (nᴬ_t + xᴬ_t)(1+v)
    + Σ_t A_t p (1+v_p) + fixed¹`` with s the supply price, n the TURPE energy billed on top of
    it, x the accise billed on top of it, nᴬ, xᴬ TURPE and accise on AUTOCONS, p the internal
    price, v the VAT rates (0 for a venue that recovers VAT). Fixed charges (subscription,
    TURPE fixed, CTA) are yearly amounts prorated by time, with the rate in force at each date.
    """
    _check_frames(consumption_kwh, allocated_kwh, surplus_kwh, len(contracts))
    if not np.isfinite(plant_peak_kwp) or plant_peak_kwp < 0:
        raise DataError(
            f"compute_bills: plant_peak_kwp = {plant_peak_kwp!r}: expected a power >= 0 [kWp]"
        )
    index = consumption_kwh.index
    rows = {}
    all_figures: dict[str, Figure] = {}
    for name, contract in zip(consumption_kwh.columns, contracts, strict=True):
        vp = venue_prices(index, contract, prices, plant_peak_kwp)
        c = consumption_kwh[name].to_numpy(dtype=float)
        a = allocated_kwh[name].to_numpy(dtype=float)
        g = c - a
        rows[name] = _bill_row(vp, c, a, g)
        for f in vp.figures:
            all_figures.setdefault(f.key, f)
        rows[name]["flagged_figures"] = "; ".join(
            sorted({f"{f.key}: {f.confidence}" for f in vp.figures if f.flagged})
        )
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "venue"
    price, fig = surplus_price_eur_per_kwh(prices, plant_peak_kwp)
    all_figures.setdefault(fig.key, fig)
    surplus_total = float(surplus_kwh.sum())
    table.attrs["figures"] = list(all_figures.values())
    table.attrs["producer"] = {
        "allocated_kwh": float(table["allocated_kwh"].sum()),
        "surplus_kwh": surplus_total,
        "surplus_price_eur_per_kwh": price,
        "internal_revenue_eur": float(table["internal_eur"].sum()),
        "surplus_revenue_eur": price * surplus_total,
    }
    return table


def _bill_row(
    vp: VenuePrices, c: np.ndarray, a: np.ndarray, g: np.ndarray
) -> dict[str, float | str | bool]:
    """All bill lines of one venue (see :func:`compute_bills`)."""
    ve, vf = vp.vat_energy, vp.vat_fixed
    supply_wo = c * vp.supply_eur_per_kwh
    supply_w = g * vp.supply_eur_per_kwh
    turpe_e_wo = c * vp.turpe_grid_without_eur_per_kwh
    turpe_e_w_grid = g * vp.turpe_grid_with_eur_per_kwh
    turpe_e_w_auto = a * vp.turpe_autocons_eur_per_kwh
    accise_wo = c * vp.accise_grid_eur_per_kwh
    accise_w_grid = g * vp.accise_grid_eur_per_kwh
    accise_w_auto = a * vp.accise_autocons_eur_per_kwh
    internal = a * vp.internal_eur_per_kwh
    fixed_wo = vp.subscription_eur + vp.turpe_fixed_without_eur + vp.cta_without_eur
    fixed_w = vp.subscription_eur + vp.turpe_fixed_with_eur + vp.cta_with_eur
    grid_energy_wo = supply_wo + turpe_e_wo + accise_wo
    grid_energy_w = supply_w + turpe_e_w_grid + accise_w_grid
    autocons = turpe_e_w_auto + accise_w_auto
    # VAT per line at its own rate (0 for flat all-in prices)
    vat_wo = (grid_energy_wo * ve + fixed_wo * vf).sum()
    vat_w = ((grid_energy_w + autocons) * ve + fixed_w * vf + internal * vp.vat_internal).sum()
    excl_wo = float(grid_energy_wo.sum() + fixed_wo.sum())
    excl_w = float(grid_energy_w.sum() + autocons.sum() + internal.sum() + fixed_w.sum())
    borne = {
        "fixed_without_eur": float(vp.borne(fixed_wo, vf).sum()),
        "fixed_with_eur": float(vp.borne(fixed_w, vf).sum()),
        "grid_energy_without_eur": float(vp.borne(grid_energy_wo, ve).sum()),
        "grid_energy_with_eur": float(vp.borne(grid_energy_w, ve).sum()),
        "autocons_charges_eur": float(vp.borne(autocons, ve).sum()),
        "internal_cost_eur": float(vp.borne(internal, vp.vat_internal).sum()),
    }
    bill_wo = borne["fixed_without_eur"] + borne["grid_energy_without_eur"]
    bill_w = (
        borne["fixed_with_eur"]
        + borne["grid_energy_with_eur"]
        + borne["autocons_charges_eur"]
        + borne["internal_cost_eur"]
    )
    return {
        "consumption_kwh": float(c.sum()),
        "allocated_kwh": float(a.sum()),
        "grid_import_kwh": float(g.sum()),
        "bill_without_eur": bill_wo,
        "bill_with_eur": bill_w,
        "savings_eur": bill_wo - bill_w,
        "tariff": vp.tariff,
        "vat_recoverable": not vp.bears_vat and vp.tariff != "flat",
        "subscription_eur": float(vp.subscription_eur.sum()),
        "turpe_fixed_without_eur": float(vp.turpe_fixed_without_eur.sum()),
        "turpe_fixed_with_eur": float(vp.turpe_fixed_with_eur.sum()),
        "cta_without_eur": float(vp.cta_without_eur.sum()),
        "cta_with_eur": float(vp.cta_with_eur.sum()),
        "supply_energy_without_eur": float(supply_wo.sum()),
        "supply_energy_with_eur": float(supply_w.sum()),
        "turpe_energy_without_eur": float(turpe_e_wo.sum()),
        "turpe_energy_with_eur": float(turpe_e_w_grid.sum() + turpe_e_w_auto.sum()),
        "accise_without_eur": float(accise_wo.sum()),
        "accise_with_eur": float(accise_w_grid.sum() + accise_w_auto.sum()),
        "internal_eur": float(internal.sum()),
        "vat_without_eur": float(vat_wo),
        "vat_with_eur": float(vat_w),
        "bill_without_excl_vat_eur": excl_wo,
        "bill_with_excl_vat_eur": excl_w,
        "accise_exempt_kwh": float(a[vp.accise_exempt].sum()),
        **borne,
    }


def marginal_import_price_eur_per_kwh(
    index: pd.DatetimeIndex,
    contracts: Sequence[ContractConfig],
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> np.ndarray:
    """What one more COMPLEMENT kWh costs each venue at each interval, as it bears it [€/kWh].

    Supply energy price + TURPE energy billed on top of it (ACC "alloproduite" rate when the
    option is on) + accise billed on top of it, times (1 + VAT) unless the venue recovers VAT.

    Returns
    -------
    numpy.ndarray
        Shape (N, T), venue order of ``contracts``.
    """
    out = np.empty((len(contracts), len(index)))
    for i, contract in enumerate(contracts):
        vp = venue_prices(index, contract, prices, plant_peak_kwp)
        out[i] = vp.borne(vp.grid_with_eur_per_kwh, vp.vat_energy)
    return out


def allocated_kwh_value_eur_per_kwh(
    index: pd.DatetimeIndex,
    contracts: Sequence[ContractConfig],
    prices: PricesConfig,
    plant_peak_kwp: float,
    *,
    include_internal_price: bool = True,
) -> np.ndarray:
    """What one allocated kWh saves each venue at each interval, as it bears it [€/kWh].

    The avoided COMPLEMENT kWh (:func:`marginal_import_price_eur_per_kwh`) minus the charges an
    AUTOCONS kWh carries: TURPE energy (standard or "autoproduite"), accise (0 when the ACC rate
    applies) and, if ``include_internal_price``, the internal price, each with VAT as borne.
    For the collective's point of view (venues + producer) the internal price is a transfer:
    pass ``include_internal_price=False``.

    Returns
    -------
    numpy.ndarray
        Shape (N, T).
    """
    out = np.empty((len(contracts), len(index)))
    for i, contract in enumerate(contracts):
        vp = venue_prices(index, contract, prices, plant_peak_kwp)
        value = vp.borne(vp.grid_with_eur_per_kwh, vp.vat_energy) - vp.borne(
            vp.autocons_charges_eur_per_kwh, vp.vat_energy
        )
        if include_internal_price:
            value = value - vp.borne(vp.internal_eur_per_kwh, vp.vat_internal)
        out[i] = value
    return out


def figures_table(bills: pd.DataFrame) -> pd.DataFrame:
    """The tariff figures a bill table used: key, value, unit, confidence, source."""
    figs = bills.attrs.get("figures", [])
    return pd.DataFrame(
        [
            {
                "figure": f.key,
                "value": f.value,
                "unit": f.unit,
                "confidence": f.confidence,
                "source": f.source,
            }
            for f in figs
        ]
    )


def format_bills(bills: pd.DataFrame) -> str:
    """Year-1 bills per venue as a text table, with the flagged figures listed below it."""
    lines = [
        f"{'venue':<22} {'tariff':<11} {'kWh':>10} {'allocated':>10} {'without [€]':>12} {'with [€]':>12} {'savings [€]':>12} {'%':>6}"
    ]
    for name, r in bills.iterrows():
        pct = (
            100.0 * r["savings_eur"] / r["bill_without_eur"]
            if r["bill_without_eur"]
            else float("nan")
        )
        lines.append(
            f"{str(name)[:22]:<22} {r['tariff']:<11} {r['consumption_kwh']:>10,.0f} {r['allocated_kwh']:>10,.0f} "
            f"{r['bill_without_eur']:>12,.0f} {r['bill_with_eur']:>12,.0f} {r['savings_eur']:>12,.0f} {pct:>5.1f}%"
        )
    total = bills[
        ["consumption_kwh", "allocated_kwh", "bill_without_eur", "bill_with_eur", "savings_eur"]
    ].sum()
    lines.append(
        f"{'all venues':<22} {'':<11} {total['consumption_kwh']:>10,.0f} {total['allocated_kwh']:>10,.0f} "
        f"{total['bill_without_eur']:>12,.0f} {total['bill_with_eur']:>12,.0f} {total['savings_eur']:>12,.0f}"
    )
    lines.append(
        "Bills as each venue bears them: incl. VAT unless vat_recoverable (then excl. VAT)."
    )
    flagged = [f for f in bills.attrs.get("figures", []) if f.flagged]
    if flagged:
        lines.append(
            "Figures used that are not confirmed by an official text (see greenkommon/data/tariffs_fr.toml):"
        )
        lines += [f"  - {f.key}: {f.confidence}" for f in flagged]
    return "\n".join(lines)


@dataclass(frozen=True)
class OptimiserPrices:
    """Prices for a key optimiser that values an allocated kWh as ``import − internal`` for the
    venue and ``import − surplus`` for the collective.

    Attributes
    ----------
    import_eur_per_kwh : numpy.ndarray (N, T)
        Avoided cost of a COMPLEMENT kWh net of the charges an AUTOCONS kWh still carries (TURPE
        energy, accise when not exempt), as each venue bears it [€/kWh].
    internal_eur_per_kwh : numpy.ndarray (N, T)
        Internal price as each venue bears it (VAT included unless it recovers VAT) [€/kWh].
    surplus_eur_per_kwh : float
        Producer's price of a surplus kWh [€/kWh].

    Notes
    -----
    ``import − internal`` equals :func:`allocated_kwh_value_eur_per_kwh` exactly, so an
    optimiser's venue savings Σ A (import − internal) reproduce :func:`compute_bills`' savings.
    ``import − surplus`` is the collective's value of allocating a kWh rather than selling it,
    except for the VAT on the internal price a venue cannot recover (a transfer to the state the
    collective also pays; add it back if it matters).
    """

    import_eur_per_kwh: np.ndarray
    internal_eur_per_kwh: np.ndarray
    surplus_eur_per_kwh: float


def optimiser_prices(
    index: pd.DatetimeIndex,
    contracts: Sequence[ContractConfig],
    prices: PricesConfig,
    plant_peak_kwp: float,
) -> OptimiserPrices:
    """Time-of-use prices per venue for the key optimiser (see :class:`OptimiserPrices`)."""
    n, t = len(contracts), len(index)
    imp = np.empty((n, t))
    internal = np.empty((n, t))
    for i, contract in enumerate(contracts):
        vp = venue_prices(index, contract, prices, plant_peak_kwp)
        imp[i] = vp.borne(vp.grid_with_eur_per_kwh, vp.vat_energy) - vp.borne(
            vp.autocons_charges_eur_per_kwh, vp.vat_energy
        )
        internal[i] = vp.borne(vp.internal_eur_per_kwh, vp.vat_internal)
    surplus, _ = surplus_price_eur_per_kwh(prices, plant_peak_kwp)
    return OptimiserPrices(imp, internal, surplus)


def scenario_optimiser_prices(scenario) -> tuple[np.ndarray, float, np.ndarray]:  # noqa: ANN001
    """``(import (N, T), surplus, internal (N, T))`` [€/kWh] of a scenario on its simulation grid.

    Drop-in for an optimiser's flat ``scenario_prices``: the grid is
    :func:`greenkommon.timegrid.make_index` of ``[simulation]``.
    """
    from ..timegrid import make_index

    sim = scenario.simulation
    index = make_index(sim.year, sim.step, sim.timezone)
    op = optimiser_prices(
        index, [v.contract for v in scenario.venues], scenario.prices, scenario.plant.peak_power_kwp
    )
    return op.import_eur_per_kwh, op.surplus_eur_per_kwh, op.internal_eur_per_kwh
