"""The six quantities Enedis reports to the PMO, computed from a simulated allocation.

:func:`six_quantities` turns production, consumption and allocation [kWh] into PROD, AUTOPROD,
SURPLUS for the producer and CONS, AUTOCONS, COMPLEMENT for each consumer [Wh], per interval, in
a long or wide frame; :func:`identity_residuals` checks the identities that bind them (e.g. on a
statement read back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError
from .coefficients import _check_frames
from .formats import meter_labels

# ------------------------------------------------------------------------------------------------
# six quantities


def six_quantities(
    production_kwh: pd.Series,
    consumption_kwh: pd.DataFrame,
    allocated_kwh: pd.DataFrame,
    surplus_kwh: pd.Series | None = None,
    *,
    meter_ids: Mapping[str, str | None] | Sequence[str | None] | None = None,
    producer_id: str = "producer",
    layout: str = "long",
) -> pd.DataFrame:
    """The six quantities Enedis reports to the PMO, per meter and interval, in Wh.

    Parameters
    ----------
    production_kwh : pandas.Series
        Pooled injection per interval [kWh] (one producer).
    consumption_kwh : pandas.DataFrame
        Withdrawal per interval and venue [kWh] (T × N).
    allocated_kwh : pandas.DataFrame
        Allocation per interval and venue [kWh] (T × N), same index and columns.
    surplus_kwh : pandas.Series, optional
        Surplus per interval [kWh]; when given it must equal ``production − Σ allocated``.
    meter_ids : optional
        Consumers' meter ids (PRM); venue names stand in where missing.
    producer_id : str
        Label of the producer's meter.
    layout : {'long', 'wide'}
        ``'long'``: columns ``interval_start``, ``meter``, ``quantity``, ``energy_wh``, one row
        per interval, meter and quantity, sorted by time then producer, consumers in venue
        order, quantities in :data:`QUANTITIES` order. ``'wide'``: index ``interval_start``,
        columns a (meter, quantity) MultiIndex.

    Returns
    -------
    pandas.DataFrame
        Energies [Wh] per interval (not rounded: Enedis's rounding is UNCONFIRMED).

    Raises
    ------
    DataError
        Misaligned frames, negative energies, an allocation above consumption or production, or
        a surplus that does not balance.

    Notes
    -----
    Producer: PROD = P, AUTOPROD = Σ_i A_i, SURPLUS = PROD − AUTOPROD. Consumer i: CONS = C_i,
    AUTOCONS = A_i, COMPLEMENT = CONS − AUTOCONS (D315-4; ``acc-rules.md`` §1.1). One producer:
    the split of AUTOPROD between several producers is UNCONFIRMED.
    """
    if layout not in ("long", "wide"):
        raise DataError(f"layout = {layout!r}: expected 'long' or 'wide'")
    p, a = _check_frames(production_kwh, allocated_kwh)
    if not consumption_kwh.index.equals(allocated_kwh.index) or list(
        consumption_kwh.columns
    ) != list(allocated_kwh.columns):
        raise DataError("consumption_kwh and allocated_kwh: different index or venue columns")
    c = consumption_kwh.to_numpy(dtype=float)
    if not np.isfinite(c).all() or (c < 0).any():
        raise DataError("consumption_kwh: negative or non-finite energies")
    over = a - c
    if (over > 1e-9 * np.maximum(1.0, c)).any():
        t, i = (int(v) for v in np.unravel_index(np.argmax(over), over.shape))
        raise DataError(
            f"allocated_kwh: {allocated_kwh.columns[i]!r} at {allocated_kwh.index[t]} gets more than it consumes"
        )
    autoprod = a.sum(axis=1)
    surplus = p - autoprod
    if surplus_kwh is not None:
        s = surplus_kwh.reindex(production_kwh.index).to_numpy(dtype=float)
        gap = np.abs(s - surplus)
        if not np.isfinite(s).all() or (gap > 1e-6 * np.maximum(1.0, p)).any():
            t = int(np.nanargmax(np.where(np.isfinite(gap), gap, np.inf)))
            raise DataError(
                f"surplus_kwh: at {production_kwh.index[t]} surplus {s[t]:.6g} kWh != production − allocations "
                f"{surplus[t]:.6g} kWh"
            )
    surplus = np.maximum(surplus, 0.0)  # allocations within 1e-9 relative of P
    labels = meter_labels(list(allocated_kwh.columns), meter_ids)
    if producer_id in labels:
        raise DataError(f"producer_id {producer_id!r} is also a consumer's label")
    blocks = {
        (producer_id, "PROD"): p,
        (producer_id, "AUTOPROD"): autoprod,
        (producer_id, "SURPLUS"): surplus,
    }
    for j, label in enumerate(labels):
        blocks[(label, "CONS")] = c[:, j]
        blocks[(label, "AUTOCONS")] = a[:, j]
        blocks[(label, "COMPLEMENT")] = np.maximum(c[:, j] - a[:, j], 0.0)
    wide = pd.DataFrame(
        {k: v * 1000.0 for k, v in blocks.items()},
        index=pd.DatetimeIndex(allocated_kwh.index, name="interval_start"),
    )
    wide.columns = pd.MultiIndex.from_tuples(wide.columns, names=["meter", "quantity"])
    if layout == "wide":
        return wide
    return _wide_to_long(wide)


def _wide_to_long(wide: pd.DataFrame) -> pd.DataFrame:
    t, m = wide.shape
    cols = wide.columns
    return pd.DataFrame(
        {
            "interval_start": wide.index.repeat(m),
            "meter": np.tile(cols.get_level_values("meter").to_numpy(dtype=object), t),
            "quantity": np.tile(cols.get_level_values("quantity").to_numpy(dtype=object), t),
            "energy_wh": wide.to_numpy().reshape(-1),
        }
    )


def identity_residuals(quantities: pd.DataFrame, producer_id: str = "producer") -> pd.DataFrame:
    """Check the identities between the six quantities of a long frame.

    Returns
    -------
    pandas.DataFrame
        Per interval [Wh]: ``surplus_gap`` = PROD − AUTOPROD − SURPLUS, ``autoprod_gap`` =
        AUTOPROD − Σ AUTOCONS, and the largest ``complement_gap`` = |CONS − AUTOCONS −
        COMPLEMENT| over consumers. All ≈ 0 for a consistent statement.
    """
    wide = quantities.pivot_table(
        index="interval_start", columns=["meter", "quantity"], values="energy_wh", aggfunc="sum"
    )
    prod = wide[(producer_id, "PROD")]
    autoprod = wide[(producer_id, "AUTOPROD")]
    surplus = wide[(producer_id, "SURPLUS")]
    consumers = [m for m in wide.columns.get_level_values(0).unique() if m != producer_id]
    autocons = sum(wide[(m, "AUTOCONS")] for m in consumers)
    comp = pd.concat(
        [
            (wide[(m, "CONS")] - wide[(m, "AUTOCONS")] - wide[(m, "COMPLEMENT")]).abs()
            for m in consumers
        ],
        axis=1,
    )
    return pd.DataFrame(
        {
            "surplus_gap": prod - autoprod - surplus,
            "autoprod_gap": autoprod - autocons,
            "complement_gap": comp.max(axis=1),
        }
    )
