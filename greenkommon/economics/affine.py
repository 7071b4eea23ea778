"""The bill model as an affine function of the allocated energy, for many variants at once.

:func:`~greenkommon.economics.compute_bills` is affine in the allocated energy A: every
per-kWh line is a price times C, G = C − A or A, and the fixed lines do not depend on A. So,
exactly, for the prices :func:`~greenkommon.economics.venue_prices` gives,

.. math:: \\text{bill\\_with}(A) = \\text{bill\\_with}(0) - \\sum_t A_{i,t} v_{i,t}

with :math:`v` the value of an allocated kWh, and each as-borne bill column is its value at
A = 0 plus a weighted sum of A. A sweep or an uncertainty run evaluates thousands of allocations
of the same venues: they need ``compute_bills`` once (at A = 0) and the weights, then only the
weighted sums Σ_t A w, which the batched allocation core computes without materialising A.

The plant size reaches the prices only through thresholds (accise ACC exemption below 1 MWp,
S21 bands of the surplus price), so the prices are piecewise constant in the size:
:class:`AffineBills` finds the pieces by bisection and builds one :class:`MoneyModel` per piece,
remembering the prices it has seen so that later calls (the next chunk of a sweep) reuse them.

``tests/test_economics_affine.py`` checks :func:`variant_bills` against ``compute_bills`` on
random allocations (hypothesis).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .bills import compute_bills, surplus_price_eur_per_kwh
from .prices import venue_prices

#: Names of the weighted sums of A a bill table needs: ``value`` (the saving), then the as-borne
#: complement energy, charges on AUTOCONS, internal price with and without VAT.
WEIGHTS = ("value", "grid", "autocons", "internal_borne", "internal")

#: The weights besides ``value``, needed only to rebuild the whole bill table (finance).
FINANCE_WEIGHTS = WEIGHTS[1:]


@dataclass(frozen=True)
class MoneyModel:
    """``compute_bills`` linearised around "no allocation", for one set of prices.

    Attributes
    ----------
    bills0 : pandas.DataFrame
        :func:`~greenkommon.economics.compute_bills` with nothing allocated (attrs dropped).
    bill_without_eur, bill_with0_eur, internal0_eur : numpy.ndarray
        (N,) columns of ``bills0`` [€/yr].
    weights : dict of str to numpy.ndarray
        (N, T) weights [€/kWh] of :data:`WEIGHTS`: ``value`` (what an allocated kWh saves the
        venue), ``grid`` (a COMPLEMENT kWh as borne), ``autocons`` (charges on an AUTOCONS kWh,
        borne), ``internal_borne`` and ``internal`` (internal price with / without VAT).
    surplus_price_eur_per_kwh : float
    """

    bills0: pd.DataFrame
    bill_without_eur: np.ndarray
    bill_with0_eur: np.ndarray
    internal0_eur: np.ndarray
    weights: dict[str, np.ndarray]
    surplus_price_eur_per_kwh: float


#: Venue prices and surplus price at one plant size: everything through which the size reaches
#: ``compute_bills``.
Signature = tuple[list[Any], float]


def same_signature(a: Signature, b: Signature) -> bool:
    """Whether two sizes give the same prices (the figures' provenance aside)."""
    if a[1] != b[1]:
        return False
    for va, vb in zip(a[0], b[0], strict=True):
        for f in dataclasses.fields(va):
            if f.name == "figures":
                continue
            x, y = getattr(va, f.name), getattr(vb, f.name)
            if isinstance(x, np.ndarray):
                if not np.array_equal(x, y):
                    return False
            elif x != y:
                return False
    return True


class AffineBills:
    """The bill model of one set of venues (grid, loads, contracts, prices) at any plant size.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Simulation grid.
    consumption_kwh : numpy.ndarray
        (N, T) venue-major loads [kWh per interval].
    venue_names : sequence of str
    contracts : sequence of ContractConfig
        One per venue, in order.
    prices : PricesConfig
    """

    def __init__(
        self,
        index: pd.DatetimeIndex,
        consumption_kwh: np.ndarray,
        venue_names: Sequence[str],
        contracts: Sequence[Any],
        prices: Any,
    ) -> None:
        self.index = index
        self.consumption_kwh = consumption_kwh
        self.venue_names = list(venue_names)
        self.contracts = list(contracts)
        self.prices = prices
        self._signatures: dict[float, Signature] = {}
        self._models: list[tuple[Signature, MoneyModel]] = []

    #: Sizes [kWp] after which the prices changed in earlier calls, for any venues (a hint of
    #: where to look first: every piece is still checked at both ends).
    _breaks: set[float] = set()

    def signature(self, peak_power_kwp: float) -> Signature:
        """Venue prices and surplus price at a plant size (remembered)."""
        k = float(peak_power_kwp)
        sig = self._signatures.get(k)
        if sig is None:
            vps = [venue_prices(self.index, c, self.prices, k) for c in self.contracts]
            sig = (vps, float(surplus_price_eur_per_kwh(self.prices, k)[0]))
            self._signatures[k] = sig
        return sig

    def model(self, peak_power_kwp: float) -> MoneyModel:
        """The :class:`MoneyModel` at a plant size (shared by every size of equal prices)."""
        k = float(peak_power_kwp)
        sig = self.signature(k)
        for seen, model in self._models:
            if seen is sig or same_signature(seen, sig):
                return model
        model = self._build(k, sig)
        self._models.append((sig, model))
        return model

    def by_size(self, sizes: Sequence[float] | np.ndarray) -> dict[float, MoneyModel]:
        """One money model per plant size, built once per piece of equal prices.

        Pieces are found by bisection (equal prices at both ends of a range of sizes = one
        piece), starting from the breaks found by earlier calls.
        """
        ks = np.unique(np.asarray(sizes, dtype=float))
        pieces: list[tuple[int, int]] = []

        def at(i: int) -> Signature:
            return self.signature(float(ks[i]))

        def fill(lo: int, hi: int) -> None:
            if lo == hi or same_signature(at(lo), at(hi)):
                pieces.append((lo, hi))
            elif hi - lo == 1:
                pieces.extend([(lo, lo), (hi, hi)])
            else:
                mid = (lo + hi) // 2
                fill(lo, mid)
                fill(mid + 1, hi)

        starts = sorted(
            {0, *(int(np.searchsorted(ks, b, side="right")) for b in self._breaks)} - {ks.size}
        )
        for a, b in zip(starts, [*starts[1:], ks.size], strict=True):
            fill(a, b - 1)
        merged: list[tuple[int, int]] = []
        for lo, hi in pieces:  # bisection may split a piece where nothing changes: join those
            if merged and same_signature(at(merged[-1][1]), at(lo)):
                merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        out: dict[float, MoneyModel] = {}
        for lo, hi in merged:
            model = self.model(float(ks[lo]))
            for j in range(lo, hi + 1):
                out[float(ks[j])] = model
        AffineBills._breaks.update(float(ks[hi]) for _lo, hi in merged[:-1])
        return out

    def _build(self, peak_power_kwp: float, sig: Signature) -> MoneyModel:
        vps, surplus_price = sig
        cons = pd.DataFrame(self.consumption_kwh.T, index=self.index, columns=self.venue_names)
        bills0 = compute_bills(
            cons,
            cons * 0.0,
            pd.Series(0.0, index=self.index),
            self.contracts,
            self.prices,
            peak_power_kwp,
        )
        bills0 = bills0.reindex(self.venue_names)
        bills0.attrs = {}  # figures are not needed here, and pandas deep-copies attrs on access
        n, t_len = self.consumption_kwh.shape
        w = {k: np.empty((n, t_len)) for k in FINANCE_WEIGHTS}
        for i, vp in enumerate(vps):
            w["grid"][i] = vp.borne(vp.grid_with_eur_per_kwh, vp.vat_energy)
            w["autocons"][i] = vp.borne(vp.autocons_charges_eur_per_kwh, vp.vat_energy)
            w["internal_borne"][i] = vp.borne(vp.internal_eur_per_kwh, vp.vat_internal)
            w["internal"][i] = vp.internal_eur_per_kwh
        w["value"] = w["grid"] - w["autocons"] - w["internal_borne"]
        return MoneyModel(
            bills0=bills0,
            bill_without_eur=bills0["bill_without_eur"].to_numpy(dtype=float),
            bill_with0_eur=bills0["bill_with_eur"].to_numpy(dtype=float),
            internal0_eur=bills0["internal_eur"].to_numpy(dtype=float),
            weights=w,
            surplus_price_eur_per_kwh=surplus_price,
        )


def variant_bills(
    model: MoneyModel, allocated_kwh: np.ndarray, sums: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The year-1 bill table of one allocation, rebuilt from the money model.

    Parameters
    ----------
    model : MoneyModel
    allocated_kwh : numpy.ndarray
        (N,) Σ_t A_{i,t} [kWh].
    sums : dict of str to numpy.ndarray
        (N,) Σ_t A_{i,t} w_{i,t} for every weight of :data:`WEIGHTS` [€].

    Returns
    -------
    pandas.DataFrame
        The bill table of :func:`~greenkommon.economics.compute_bills` with the totals
        (``bill_with_eur``, ``savings_eur``) and the columns
        :func:`~greenkommon.economics.project_finance` reads rebuilt for A (``allocated_kwh``,
        ``grid_import_kwh``, ``grid_energy_with_eur``, ``autocons_charges_eur``,
        ``internal_cost_eur``, ``internal_eur``); the finer breakdown columns keep their values
        at A = 0.
    """
    b = model.bills0.copy()
    b["allocated_kwh"] = allocated_kwh
    b["grid_import_kwh"] = b["consumption_kwh"] - allocated_kwh
    b["grid_energy_with_eur"] = b["grid_energy_with_eur"] - sums["grid"]
    b["autocons_charges_eur"] = b["autocons_charges_eur"] + sums["autocons"]
    b["internal_cost_eur"] = b["internal_cost_eur"] + sums["internal_borne"]
    b["internal_eur"] = b["internal_eur"] + sums["internal"]
    b["bill_with_eur"] = b["bill_with_eur"] - sums["value"]
    b["savings_eur"] = b["bill_without_eur"] - b["bill_with_eur"]
    return b


def weighted_sums(model: MoneyModel, allocated_kwh: np.ndarray) -> dict[str, np.ndarray]:
    """Σ_t A_{i,t} w_{i,t} of one materialised allocation (N, T) for every weight [€]."""
    return {w: (allocated_kwh * model.weights[w]).sum(axis=1) for w in WEIGHTS}


__all__ = [
    "FINANCE_WEIGHTS",
    "WEIGHTS",
    "AffineBills",
    "MoneyModel",
    "same_signature",
    "variant_bills",
    "weighted_sums",
]
