"""The simulation time grid: interval-start labels, tz-aware, one simulation year.

Every stage returns series on the grid built here, so stages can be combined without any
alignment guesswork. Labels mark the *start* of each interval (Enedis C5 files mark the end:
readers convert).
"""

from __future__ import annotations

import pandas as pd

from .config.scenario import STEPS_MINUTES
from .errors import DataError


def step_minutes(step: str) -> int:
    """Length of a simulation step [min]. Raises ``ValueError`` for an unknown step."""
    try:
        return STEPS_MINUTES[step]
    except KeyError:
        raise DataError(f"step = {step!r}: expected one of {', '.join(STEPS_MINUTES)}") from None


def index_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The step of a regular tz-aware index [Timedelta] (the one step inference of the package).

    Raises
    ------
    DataError
        Not tz-aware, fewer than two labels, or not one increasing step.
    """
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError("expected a tz-aware DatetimeIndex of interval starts")
    if len(index) < 2:
        raise DataError("need at least two intervals to know the step")
    steps = (index[1:] - index[:-1]).unique()
    if len(steps) != 1 or steps[0] <= pd.Timedelta(0):
        raise DataError("the time index is not regular (one step, increasing)")
    return pd.Timedelta(steps[0])


def step_name(index: pd.DatetimeIndex) -> str:
    """The step of a regular index as a simulation step name (``'30min'``, ``'1h'``...)."""
    minutes = int(index_step(index).total_seconds() // 60)
    names = {m: name for name, m in STEPS_MINUTES.items()}
    return names.get(minutes, f"{minutes}min")


def step_hours(step: str) -> float:
    """Length of a simulation step [h]."""
    return step_minutes(step) / 60.0


def make_index(year: int, step: str = "30min", tz: str = "Europe/Paris") -> pd.DatetimeIndex:
    """Interval-start labels of one calendar year in local time.

    DST is handled by construction: the index advances in absolute time, so the March day has
    23 hours (46 half-hours) and the October day 25 hours (50 half-hours).

    Parameters
    ----------
    year : int
        Calendar year.
    step : {'15min', '30min', '1h'}
        Interval length.
    tz : str
        IANA time zone.

    Returns
    -------
    pandas.DatetimeIndex
        ``8760 * 60 / step`` labels (``8784 * ...`` in leap years), named ``"interval_start"``.
    """
    freq = f"{step_minutes(step)}min"
    index = pd.date_range(
        start=pd.Timestamp(year=year, month=1, day=1),
        end=pd.Timestamp(year=year + 1, month=1, day=1),
        freq=freq,
        tz=tz,
        inclusive="left",
        name="interval_start",
    )
    return index


def check_on_grid(data: pd.Series | pd.DataFrame, index: pd.DatetimeIndex, what: str) -> None:
    """Raise :class:`DataError` unless ``data`` is labelled exactly by ``index``.

    The message names the first missing, extra or duplicated timestamp.
    """
    if not isinstance(data.index, pd.DatetimeIndex) or data.index.tz is None:
        raise DataError(f"{what}: expected a tz-aware DatetimeIndex")
    if data.index.has_duplicates:
        dup = data.index[data.index.duplicated()][0]
        raise DataError(f"{what}: duplicated timestamp {dup.isoformat()}")
    if len(data.index) == len(index) and (data.index == index).all():
        return
    missing = index.difference(data.index)
    if len(missing):
        raise DataError(
            f"{what}: {len(missing)} missing timestamp(s), first {missing[0].isoformat()}"
        )
    extra = data.index.difference(index)
    if len(extra):
        raise DataError(
            f"{what}: {len(extra)} timestamp(s) outside the simulation grid, first {extra[0].isoformat()}"
        )
    raise DataError(f"{what}: timestamps not in increasing order")
