"""Many files of one venue stitched into one curve on the simulation grid, the import report, the
venue curve of a scenario's ``load_file`` and the greenkommon load CSV."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write_text
from ..errors import GreenkommonWarning
from ..prm import MeterId, redact
from ..timegrid import step_minutes as _grid_step_minutes
from ..timegrid import step_name
from ._common import (
    _err,
)
from .grid import GapReport, align_to_index, fill_missing, resample_energy
from .reader import _resolve_duplicates, read_load_curve

# ------------------------------------------------------------------------------------------------
# Import (many files of one venue) and the greenkommon CSV
# ------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """Counts of one venue's import (printed by ``greenkommon load import``; no meter id)."""

    venue: str
    files: int = 0
    rows: int = 0
    formats: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    steps_minutes: list[int] = field(default_factory=list)
    missing_values: int = 0
    duplicates_dropped: int = 0
    dropped_rows: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    measured_kwh: float = 0.0
    gaps: GapReport = field(default_factory=GapReport)
    aligned: dict[str, Any] | None = None
    meters: list[MeterId] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Printable summary; meter ids show as ``<PRM>`` unless :data:`SHOW_PRM` is set."""
        g = self.gaps
        out = [
            f"{self.venue}: {self.files} file(s), {self.rows} row(s), format {', '.join(self.formats)}, "
            f"unit {', '.join(self.units)}, step {', '.join(map(str, self.steps_minutes))} min",
            f"  measured {self.first.isoformat() if self.first is not None else '-'} to "
            f"{self.last.isoformat() if self.last is not None else '-'}: {self.measured_kwh:,.3f} kWh",
            f"  duplicates dropped {self.duplicates_dropped}, empty values {self.missing_values}, "
            f"other quantities dropped {self.dropped_rows}",
            f"  missing intervals {g.missing_intervals} of {g.intervals} ({g.missing_pct:.2f} %) in {len(g.gaps)} gap(s): "
            f"{g.interpolated_intervals} interpolated, {g.typical_week_intervals} from the typical week",
        ]
        if self.meters:
            out.append(f"  meter {', '.join(str(m) for m in self.meters)}")
        if self.aligned is not None:
            out.append(
                f"  aligned onto {self.aligned['target_year']}: measured year(s) {self.aligned['source_years']}, "
                f"{self.aligned['moved_days']} day(s) moved, {self.aligned['unmatched_days']} day(s) filled"
            )
        return out


@dataclass
class LoadImport:
    """Result of :func:`import_load_curves`."""

    energy_kwh: pd.Series
    filled: pd.Series
    report: ImportReport


def import_load_curves(
    paths: Sequence[str | Path],
    *,
    venue: str = "venue",
    step: str = "30min",
    tz: str = "Europe/Paris",
    index: pd.DatetimeIndex | None = None,
    format: str = "auto",
    unit: str | None = None,
    timestamp: str = "auto",
    encoding: str | None = None,
    fill_gaps: bool = False,
    max_gap_hours: float = 2.0,
    max_missing_pct: float = 5.0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> LoadImport:
    """Read, stitch, check, resample (and optionally align) one venue's load-curve files.

    Parameters
    ----------
    paths : sequence of path
        The venue's files, in any order (e.g. 7-day spreadsheet chunks).
    venue : str
        Name used in messages and in the report.
    step : {'15min', '30min', '1h'}
        Output step.
    index : pandas.DatetimeIndex, optional
        A simulation grid (same step) to align the curve onto; default: the measured span.
    format, unit, timestamp, encoding
        See :func:`~greenkommon.consumption_io.read_load_curve`.
    fill_gaps, max_gap_hours, max_missing_pct
        Gap rules (module docstring).
    progress : callable, optional
        Wraps the file iterable (e.g. ``tqdm``).

    Returns
    -------
    LoadImport
        ``energy_kwh`` [kWh per interval], ``filled`` flags, ``report``.
    """
    if not paths:
        raise _err(f"{venue}: no load-curve file given")
    report = ImportReport(venue=venue)
    frames = []
    prms: set[MeterId] = set()
    iterable: Iterable[Any] = progress(paths) if progress else paths
    for p in iterable:
        data, meta = read_load_curve(
            p, format=format, unit=unit, timestamp=timestamp, tz=tz, encoding=encoding
        )
        frames.append(data)
        report.files += 1
        report.rows += meta["rows"]
        report.missing_values += meta["missing_values"]
        report.duplicates_dropped += meta["duplicates_dropped"]
        report.dropped_rows += meta.get("dropped_rows", 0)
        report.formats = sorted(set(report.formats) | {meta["format"]})
        report.units = sorted(set(report.units) | set(meta["units"]))
        prms.update(meta.get("prm", []))
    if len(prms) > 1:
        raise _err(
            f"{venue}: the files come from {len(prms)} different meters: expected one venue's meter"
        )
    report.meters = sorted(prms, key=MeterId.reveal)
    frame = pd.concat(frames).sort_index(kind="stable")
    frame, dropped = _resolve_duplicates(frame)
    report.duplicates_dropped += dropped
    report.steps_minutes = sorted({int(s) for s in frame["step_minutes"]})
    report.measured_kwh = float(np.nansum(frame["energy_kwh"].to_numpy()))
    energy, complete = resample_energy(frame, step, tz)
    # intervals already flagged as filled in the input (a greenkommon CSV) stay flagged
    flag_frame = frame.assign(energy_kwh=frame["filled"].to_numpy(dtype=float))
    input_flags = resample_energy(flag_frame, step, tz)[0].fillna(0.0) > 0
    # trim partly measured edges, then fill what is missing inside
    ok = np.flatnonzero(complete.to_numpy())
    if not len(ok):
        raise _err(f"{venue}: no complete {step} interval in the data: expected measurements")
    energy = energy.iloc[ok[0] : ok[-1] + 1]
    report.first, report.last = energy.index[0], energy.index[-1]
    energy, flags, gaps = fill_missing(
        energy,
        max_gap_hours=max_gap_hours,
        max_missing_pct=max_missing_pct,
        fill_long=fill_gaps,
        what=venue,
    )
    report.gaps = gaps
    flags = flags | input_flags.reindex(energy.index, fill_value=False)
    if index is not None:
        if _grid_step_minutes(step) * 60 != (index[1] - index[0]).total_seconds():
            raise _err(f"{venue}: step {step!r} differs from the simulation grid")
        energy, flags, info = align_to_index(energy, flags, index, fill_long=fill_gaps, what=venue)
        info["target_year"] = int(index[len(index) // 2].year)
        report.aligned = info
    return LoadImport(
        energy_kwh=energy.rename("energy_kwh"), filled=flags.rename("filled"), report=report
    )


def measured_consumption(load: Any, index: pd.DatetimeIndex, *, name: str = "venue") -> pd.Series:
    """A venue's measured curve on ``index`` [kWh per interval] (``load_file`` of a LoadConfig).

    Filled intervals are announced by a :class:`GreenkommonWarning`; with
    ``rescale_to_annual_kwh`` the curve is rescaled to that total, announced the same way.
    """
    result = import_load_curves(
        list(load.load_files) or [load.load_file],
        venue=name,
        step=step_name(index),
        tz=str(index.tz),
        index=index,
        format=load.load_format,
        unit=load.unit,
        timestamp=load.timestamp,
        fill_gaps=load.fill_gaps,
        max_gap_hours=load.max_gap_hours,
        max_missing_pct=load.max_missing_pct,
    )
    energy = result.energy_kwh
    n_filled = int(result.filled.sum())
    if n_filled:
        warnings.warn(
            f"{name}: {n_filled} interval(s) ({energy[result.filled].sum():,.1f} kWh) of the load curve were filled",
            GreenkommonWarning,
            stacklevel=3,
        )
    target = getattr(load, "rescale_to_annual_kwh", None)
    if target is not None:
        total = float(energy.sum())
        if total <= 0:
            raise _err(
                f"{name}: the measured curve sums to 0 kWh: cannot rescale it to rescale_to_annual_kwh"
            )
        # a measured curve changed by the user's choice: always said, with both totals
        warnings.warn(
            f"{name}: measured curve ({total:,.0f} kWh) rescaled to {target:,.0f} kWh "
            "(rescale_to_annual_kwh)",
            GreenkommonWarning,
            stacklevel=3,
        )
        energy = energy * (target / total)
    return energy.rename(name)


#: A measured curve's peak against the venue's subscribed power: above ``high`` x, values in W
#: were most likely declared as kW (an error); under ``low`` x, kW declared as W (a warning).
PEAK_TO_SUBSCRIBED = (0.01, 3.0)


def check_against_subscribed(
    name: str, energy_kwh: pd.Series, step_h: float, subscribed_kva: float | None
) -> None:
    """Check a measured curve's peak power against the venue's subscribed power.

    Parameters
    ----------
    name : str
        Venue name (messages).
    energy_kwh : pandas.Series
        The venue's measured curve on the simulation grid [kWh per interval].
    step_h : float
        Interval length [h].
    subscribed_kva : float or None
        The contract's subscribed power [kVA] (nothing checked without one).

    Raises
    ------
    DataError
        Peak above ``PEAK_TO_SUBSCRIBED[1]`` x the subscribed power (W read as kW).

    Notes
    -----
    The average power of an interval cannot durably exceed the subscribed apparent power
    (``P <= S`` with a power factor <= 1; a tarif jaune/vert overrun is billed, not a multiple).
    """
    if not subscribed_kva or len(energy_kwh) == 0:
        return
    peak = float(np.nanmax(energy_kwh.to_numpy(dtype=float))) / step_h
    low, high = PEAK_TO_SUBSCRIBED
    if peak > high * subscribed_kva:
        raise _err(
            f"{name}: measured peak {peak:,.0f} kW is {peak / subscribed_kva:,.0f}x the subscribed "
            f"power {subscribed_kva:g} kVA: expected at most {high:g}x; check the load file's unit "
            "(values in W declared as kW are 1000x too large)"
        )
    if peak < low * subscribed_kva:
        warnings.warn(
            f"{name}: measured peak {1000 * peak:,.0f} W is under {100 * low:g} % of the "
            f"subscribed power {subscribed_kva:g} kVA: check the load file's unit (values in kW "
            "declared as W are 1000x too small)",
            GreenkommonWarning,
            stacklevel=3,
        )


def write_load_csv(result: LoadImport, path: str | Path, *, venue: str | None = None) -> Path:
    """Write the greenkommon load CSV atomically (temp file then ``os.replace``).

    Columns: ``interval_start`` (ISO 8601 with offset), ``energy_kwh`` [kWh, 6 decimals],
    ``filled`` (0/1). Comment lines on top name the venue, unit and convention; no meter id.
    """
    path = Path(path)
    venue = venue or result.report.venue
    buf = io.StringIO()
    step = step_name(result.energy_kwh.index) if len(result.energy_kwh) > 1 else "30min"
    buf.write(
        f"# greenkommon load curve; venue: {redact(venue)}; unit: kWh per interval; step: {step}; "
        "timestamps: interval start\n"
    )
    buf.write("interval_start,energy_kwh,filled\n")
    stamps = result.energy_kwh.index.strftime("%Y-%m-%dT%H:%M:%S%z")
    stamps = [s[:-2] + ":" + s[-2:] for s in stamps]
    for t, e, f in zip(stamps, result.energy_kwh.to_numpy(), result.filled.to_numpy(), strict=True):
        buf.write(f"{t},{e:.6f},{int(f)}\n")
    return atomic_write_text(path, buf.getvalue(), newline="")
