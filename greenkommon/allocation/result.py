"""What :func:`greenkommon.allocation.allocate` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


class _ColumnSumWhenNone:
    """Descriptor of :attr:`Allocation.producer_allocated_kwh`: the array given, or, when None
    was given (one producer), Σ_i A_{i,t} as shape (1, T), computed on first read and kept.

    Many callers never read AUTOPROD; the sum is one more pass over the (N, T) allocation.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self._slot)
        if value is None:
            # one producer: its share of the pooled injection is 1 where it injects (x / x),
            # and nothing is allocated where it does not, so AUTOPROD is the column sum
            value = obj.allocated_kwh.sum(axis=0)[None, :]
            obj.__dict__[self._slot] = value
        return value

    def __set__(self, obj: Any, value: np.ndarray | None) -> None:
        # the dataclass passes the field's default, this descriptor, when none was given
        obj.__dict__[self._slot] = None if isinstance(value, _ColumnSumWhenNone) else value


@dataclass(frozen=True, eq=False)
class Allocation:
    """What :func:`allocate` computed, with the identities Enedis's statements satisfy.

    Attributes
    ----------
    production_kwh : numpy.ndarray, shape (T,)
        Pooled production P_t (PROD summed over producers) [kWh].
    consumption_kwh : numpy.ndarray, shape (N, T)
        Consumption C_{i,t} (CONS) [kWh].
    allocated_kwh : numpy.ndarray, shape (N, T)
        Production allocated to each venue A_{i,t} (AUTOCONS) [kWh].
    surplus_kwh : numpy.ndarray, shape (T,)
        Production not allocated S_t = P_t − Σ_i A_{i,t} (SURPLUS) [kWh].
    grid_import_kwh : numpy.ndarray, shape (N, T)
        Energy bought from each venue's supplier C_{i,t} − A_{i,t} (COMPLEMENT) [kWh].
    producer_allocated_kwh : numpy.ndarray, shape (P, T)
        Allocated production per producer (AUTOPROD) [kWh]. Except for a full dynamic key, the
        pooled allocation is split pro rata of each producer's injection (UNCONFIRMED,
        acc-rules.md §2). Keyword-only; None (one producer) means Σ_i A_{i,t}, computed on
        first read.
    key : Key
        The key Enedis applied: the key given, or the :class:`DynamicKey` a PMO strategy
        produced (floored if asked).
    flooring_surplus_kwh : float
        Extra surplus over the whole period caused by flooring the coefficients to 0.1 % [kWh]
        (0 when not floored).
    """

    production_kwh: np.ndarray
    consumption_kwh: np.ndarray
    allocated_kwh: np.ndarray
    surplus_kwh: np.ndarray
    grid_import_kwh: np.ndarray
    key: Any
    flooring_surplus_kwh: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False)
    producer_allocated_kwh: _ColumnSumWhenNone = field(
        default=_ColumnSumWhenNone(), kw_only=True, repr=False
    )

    @property
    def n_venues(self) -> int:
        return self.allocated_kwh.shape[0]

    @property
    def allocated_total_kwh(self) -> np.ndarray:
        """Σ_t A_{i,t} per venue [kWh], shape (N,)."""
        if "alloc" not in self._cache:
            self._cache["alloc"] = self.allocated_kwh.sum(axis=1)
        return self._cache["alloc"]

    @property
    def self_consumption_rate(self) -> float:
        """Share of the production allocated to the venues, Σ A / Σ P [-] (NaN without production)."""
        p = float(self.production_kwh.sum())
        return float(self.allocated_total_kwh.sum()) / p if p > 0 else float("nan")

    @property
    def self_sufficiency_by_venue(self) -> np.ndarray:
        """Share of each venue's consumption covered by the plant, Σ_t A_i / Σ_t C_i [-], shape (N,)."""
        c = self.consumption_kwh.sum(axis=1)
        out = np.full(c.shape, np.nan)
        np.divide(self.allocated_total_kwh, c, out=out, where=c > 0)
        return out

    @property
    def self_sufficiency_rate(self) -> float:
        """Share of the collective consumption covered by the plant, Σ A / Σ C [-]."""
        c = float(self.consumption_kwh.sum())
        return float(self.allocated_total_kwh.sum()) / c if c > 0 else float("nan")

    def summary(self) -> dict[str, float]:
        """Totals over the period: energies [kWh] and rates [-]."""
        return {
            "production_kwh": float(self.production_kwh.sum()),
            "consumption_kwh": float(self.consumption_kwh.sum()),
            "allocated_kwh": float(self.allocated_total_kwh.sum()),
            "surplus_kwh": float(self.surplus_kwh.sum()),
            "grid_import_kwh": float(self.grid_import_kwh.sum()),
            "self_consumption_rate": self.self_consumption_rate,
            "self_sufficiency_rate": self.self_sufficiency_rate,
            "flooring_surplus_kwh": self.flooring_surplus_kwh,
        }
