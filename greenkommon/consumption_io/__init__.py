"""Measured load curves in: Enedis exports and generic CSV, checked and put on the simulation grid.

Public entry points (re-exported by :mod:`greenkommon.consumption`):

- :func:`read_load_curve` (alias :func:`read_enedis_load_curve`) ``(path) -> (data, meta)``, in the style of ``pvlib.iotools``: one
  file, native step, interval-start tz-aware index, energy per interval.
- :func:`import_load_curves` ``(paths, ...) -> LoadImport``: many files of one venue stitched,
  duplicates and gaps resolved, resampled to the simulation step conserving energy, optionally
  aligned onto the simulation year.
- :func:`write_load_csv`: the ``greenkommon`` CSV (what ``greenkommon load import`` writes and what
  ``load_file`` reads back).

Formats (see ``../shared/reference/acc-rules.md`` §5)
------------------------------------------------------
``enedis_portal``
    Customer-portal / SGE "historique de mesures" CSV: a metadata header line (``Identifiant
    PRM;Type de donnees;...;Unite;Pas en minutes``) and its values, then ``Horodate;Valeur`` and one
    line per point: ISO timestamps with UTC offset marking the END of the interval, average power
    in W (C4 exports leave ``Unite`` empty: W is assumed, with a warning), empty value = missing.
    The step may change inside a file; several blocks in one file are accepted.
``enedis_r63``
    Data-hub layout, one row per measure (``Identifiant PRM;Date de début;Date de fin;Grandeur
    physique;Grandeur métier;Etape métier;Unité;Horodate;Valeur;Nature;Pas;...``), interval-end
    timestamps (with or without offset), ``Pas`` as ``PT30M``. Only active consumption rows
    (``Grandeur métier`` CONS, ``Grandeur physique`` PA/EA) are kept. The variant with separate
    ``Date de la mesure;Heure de la mesure`` columns is accepted too.
``enedis_xlsx``
    Spreadsheet exports (typically 7-day chunks: pass all the files of a venue). The header row is
    found by its column names (``Horodate``/``Date``..., ``Valeur``/``Puissance``...), the unit by a
    ``Unité`` column, a unit in the value header (``Valeur (W)``) or a ``Unité`` cell above the
    table. The exact layout of these exports could not be checked against an Enedis sample
    (UNCONFIRMED): interval-end timestamps are assumed like every C5 export.
``generic``
    Any CSV (``;``, ``,`` or tab) with a timestamp column and a value column; the unit comes from
    the header (``energy_kwh``, ``power_w``, ``value (kWh)``), a ``unit`` column or the ``unit``
    option. Timestamps are interval-start unless ``timestamp='end'``.
``greenkommon``
    The output of ``greenkommon load import`` (``interval_start,energy_kwh,filled``, kWh,
    interval-start with offsets).

Conventions and rules
---------------------
- Units: W and kW are average power over the step (``E = P Δt``), Wh and kWh energy per interval.
- Steps: 5, 10, 15, 30 and 60 min, declared (``Pas``) or inferred row by row from consecutive
  timestamps: the difference spanning the row's interval is trusted when it repeats or matches the
  difference on the other side, otherwise the smaller of the two is taken (a missing row leaves a
  gap instead of stretching its neighbour). A file may change step; a segment of a single row
  between two other steps cannot be inferred reliably (declare the step).
- Local times without offset: a time that does not exist (spring-forward hour) is an error; an
  ambiguous time of the October night is resolved by file order: the first occurrence of a wall
  time is summer time (UTC+2), a repeated or backwards wall time marks the clock change and every
  later ambiguous time of that night is winter time (UTC+1). (If every summer-time row of the
  repeated hour is missing, the winter rows cannot be told apart from wall times alone: prefer
  exports with UTC offsets.)
- Resampling: every interval is split into 5-minute atoms of equal energy, atoms are summed into
  the simulation intervals. Energy is conserved exactly; an interval only partly measured counts
  as missing.
- Duplicates: identical rows (same interval, same energy to 1e-9 relative) are dropped and counted;
  the same interval with different values is an error naming both rows; partly overlapping
  intervals are an error.
- Gaps: runs of missing intervals up to ``max_gap_hours`` are filled by linear interpolation of
  the energy per interval between the measured neighbours (i.e. of the average power); longer
  runs, or a missing share above ``max_missing_pct``, raise unless ``fill_gaps`` is set, which
  fills them with the typical week: the mean of the same interval 1-4 weeks before and after,
  else of the same weekday and clock time over the whole record. Filled intervals are flagged.
- Alignment onto another year: each simulation day takes a measured day of the same weekday at
  the same time of year (nearest year first); a public holiday takes the same holiday of the
  measured year, a normal day never takes a measured holiday (holidays moved). Clock times are
  matched in local time (a 25-hour day repeats the 02:00 hour, a 23-hour day skips it).
- Meter ids (PRM, 14 digits) never appear in messages or outputs unless :data:`SHOW_PRM` is set
  (``--show-prm``); file names are redacted too, as Enedis puts the PRM in them.
"""

from __future__ import annotations

from ..prm import SHOW_PRM, MeterId, redact
from ._common import INPUT_STEPS_MINUTES, UNIT_FACTORS, VARIABLE_MAP
from .grid import (
    GapReport,
    align_to_index,
    choose_source_days,
    fill_missing,
    resample_energy,
    typical_week_fill,
)
from .importing import (
    PEAK_TO_SUBSCRIBED,
    ImportReport,
    LoadImport,
    check_against_subscribed,
    import_load_curves,
    measured_consumption,
    write_load_csv,
)
from .reader import PLAUSIBLE_PEAK_KW, read_load_curve

#: Former name of :func:`read_load_curve` (it reads every layout, not only Enedis's).
read_enedis_load_curve = read_load_curve

__all__ = [
    "INPUT_STEPS_MINUTES",
    "PEAK_TO_SUBSCRIBED",
    "PLAUSIBLE_PEAK_KW",
    "SHOW_PRM",
    "UNIT_FACTORS",
    "VARIABLE_MAP",
    "GapReport",
    "ImportReport",
    "LoadImport",
    "MeterId",
    "align_to_index",
    "check_against_subscribed",
    "choose_source_days",
    "fill_missing",
    "import_load_curves",
    "measured_consumption",
    "read_enedis_load_curve",
    "read_load_curve",
    "redact",
    "resample_energy",
    "typical_week_fill",
    "write_load_csv",
]
