"""Surplus sale options of a 100–500 kWp plant under the law in force (figures: data/surplus_fr.toml).

``[prices] surplus_sale``:

- ``'aos'``: the simplified tender's 20-year complement-of-remuneration contract. The surplus is
  sold on the market through an aggregator and topped up to the reference price (at most the
  ceiling); kWh injected at negative prices are curtailed and earn nothing. Per surplus kWh:

  .. math:: p_{AOS} = (1 - c)\\,(p_{ref} - fee)

  then, after the contract, the market sale below.
- ``'market'``: direct market sale through an aggregator, no support:
  :math:`p_{mkt} = (1 - c)\\,(p_{capture} - fee)`.
- ``'lost'``: given to the grid for nothing; ``'price'``: a scenario price; ``'s21'``: the S21
  purchase obligation, open only up to 100 kWp since 22 Sep 2025.

``c`` is the share of the surplus injected in negative-price hours: ``[prices]
surplus_curtailed_share`` when given (compute it with :func:`curtailed_share` from an hourly price
curve and the simulated surplus: ``greenkommon finance --price-curve FILE``), else the data file's
UNCONFIRMED default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataError, ScenarioError
from ._data import DATA_DIR, read_data

DATA_FILE = DATA_DIR / "surplus_fr.toml"
#: Plants above this peak power cannot take S21 [kWp].
S21_MAX_KWP = 100.0


def _data() -> dict[str, Any]:
    return read_data("surplus_fr.toml")


@dataclass(frozen=True)
class SurplusTerms:
    """What a surplus kWh earns the producer.

    Attributes
    ----------
    option : str
        ``'aos'``, ``'market'``, ...
    price_eur_per_kwh : float
        Net revenue per surplus kWh during the contract (after fee and curtailment) [€/kWh].
    contract_years : int or None
        Years the contract price holds (None: the whole life).
    after_price_eur_per_kwh : float
        Net revenue per surplus kWh after the contract [€/kWh].
    curtailed_share : float
        Share of the surplus curtailed at negative prices [-].
    label : str
        The weakest confidence label of the figures used.
    source : str
        The figures and their sources, in one line.
    """

    option: str
    price_eur_per_kwh: float
    contract_years: int | None
    after_price_eur_per_kwh: float
    curtailed_share: float
    label: str
    source: str


_ORDER = ("ASSUMPTION", "UNCONFIRMED", "INFERENCE", "3RD-PARTY", "LAW")


def _weakest(*labels: str) -> str:
    return min(labels, key=lambda x: _ORDER.index(x) if x in _ORDER else 0)


def surplus_terms(option: str, curtailed: float | None = None) -> SurplusTerms:
    """Net revenue per surplus kWh of ``'aos'`` or ``'market'`` from the data file.

    Parameters
    ----------
    option : {'aos', 'market'}
    curtailed : float, optional
        Share of the surplus in negative-price hours [-] (default: the data file's).
    """
    d = _data()
    neg, agg, mkt, aos = d["negative_prices"], d["aggregator"], d["market"], d["aos"]
    c = float(neg["curtailed_surplus_share"]) if curtailed is None else float(curtailed)
    if not 0.0 <= c <= 1.0:
        raise ScenarioError(f"prices.surplus_curtailed_share = {c!r}: expected a share in [0, 1]")
    c_label = str(neg["curtailed_surplus_share_confidence"]) if curtailed is None else "scenario"
    fee = float(agg["fee_eur_per_kwh"])
    market = (1.0 - c) * max(float(mkt["price_eur_per_kwh"]) - fee, 0.0)
    market_label = _weakest(str(mkt["price_confidence"]), str(agg["fee_confidence"]), c_label)
    if option == "market":
        return SurplusTerms(
            option="market",
            price_eur_per_kwh=market,
            contract_years=None,
            after_price_eur_per_kwh=market,
            curtailed_share=c,
            label=market_label,
            source=(
                f"market {float(mkt['price_eur_per_kwh']) * 1000:g} €/MWh [{mkt['price_confidence']}] − "
                f"aggregator {fee * 1000:g} €/MWh [{agg['fee_confidence']}], "
                f"{100 * c:g} % curtailed [{c_label}] (greenkommon/data/surplus_fr.toml)"
            ),
        )
    if option == "aos":
        ref = float(aos["reference_price_eur_per_kwh"])
        if ref > float(aos["ceiling_eur_per_kwh"]):
            raise DataError(
                f"{DATA_FILE}: aos.reference_price_eur_per_kwh = {ref}: expected at most the "
                f"ceiling {aos['ceiling_eur_per_kwh']}"
            )
        return SurplusTerms(
            option="aos",
            price_eur_per_kwh=(1.0 - c) * (ref - fee),
            contract_years=int(aos["contract_years"]),
            after_price_eur_per_kwh=market,
            curtailed_share=c,
            label=_weakest(
                str(aos["reference_price_confidence"]), str(agg["fee_confidence"]), c_label
            ),
            source=(
                f"simplified tender, reference {ref * 1000:g} €/MWh (ceiling "
                f"{float(aos['ceiling_eur_per_kwh']) * 1000:g}) [{aos['reference_price_confidence']}] − "
                f"aggregator {fee * 1000:g} €/MWh [{agg['fee_confidence']}], {100 * c:g} % curtailed "
                f"[{c_label}], {aos['contract_years']} years, then market sale "
                "(greenkommon/data/surplus_fr.toml)"
            ),
        )
    raise ScenarioError(f"prices.surplus_sale = {option!r}: expected 'aos' or 'market' here")


def curtailed_share(surplus_kwh: pd.Series, price_eur_per_mwh: pd.Series) -> float:
    """Share of the surplus injected when the day-ahead price is negative [-].

    Both series on local timestamps; the price curve (hourly or finer) is matched to each surplus
    interval by the hour it starts in, by month, day and hour (the curve's year need not be the
    simulated one).
    """
    if surplus_kwh.empty or float(surplus_kwh.sum()) <= 0:
        return 0.0
    idx = pd.DatetimeIndex(price_eur_per_mwh.index)
    key = idx.month * 10_000 + idx.day * 100 + idx.hour
    hourly = pd.Series(price_eur_per_mwh.to_numpy(dtype=float), index=key).groupby(level=0).mean()
    sidx = pd.DatetimeIndex(surplus_kwh.index)
    skey = sidx.month * 10_000 + sidx.day * 100 + sidx.hour
    price = hourly.reindex(skey).to_numpy()
    if np.isnan(price).all():
        raise DataError("price curve: no hour in common with the simulated year")
    s = surplus_kwh.to_numpy(dtype=float)
    return float(s[np.nan_to_num(price, nan=0.0) < 0].sum() / s.sum())


def read_price_curve(path: str | Path) -> pd.Series:
    """An hourly day-ahead price curve: CSV with a timestamp column and a price column [€/MWh]."""
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV price curve ({exc})") from None
    if frame.shape[1] < 2:
        raise DataError(f"{path}: expected two columns, a timestamp and a price [€/MWh]")
    try:
        index = pd.to_datetime(frame.iloc[:, 0])
    except (ValueError, TypeError):
        raise DataError(f"{path}: first column {frame.columns[0]!r}: expected timestamps") from None
    prices = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    if prices.isna().any():
        bad = frame.iloc[int(np.argmax(prices.isna().to_numpy())), 1]
        raise DataError(f"{path}: column {frame.columns[1]!r}: {bad!r} is not a price [€/MWh]")
    return pd.Series(
        prices.to_numpy(dtype=float), index=pd.DatetimeIndex(index), name="price_eur_per_mwh"
    )


__all__ = ["S21_MAX_KWP", "SurplusTerms", "curtailed_share", "read_price_curve", "surplus_terms"]
