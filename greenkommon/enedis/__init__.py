"""Enedis interop: key files a PMO can send, the six ACC quantities, reconciliation.

Three jobs, all on the outputs of the allocation stage (``production_kwh`` (T,) Series,
``consumption_kwh`` / ``allocated_kwh`` (T × N) DataFrames with venue names as columns, tz-aware
interval-start index):

* **Key files.** :func:`export_static_key` writes one percentage per consumer meter;
  :func:`export_dynamic_key` writes one coefficient per consumer meter and per interval
  (``Horodate;<meter>;<meter>…``), floored to 0.1 % (:func:`floor_coefficients`) so that a row
  never sums over 100 %, and returns the extra surplus the flooring causes.
* **The six quantities** Enedis reports to the PMO per meter and interval
  (:func:`six_quantities`): PROD, AUTOPROD, SURPLUS for the producer; CONS, AUTOCONS,
  COMPLEMENT for each consumer, in Wh.
* **Reconciliation** (:func:`reconcile`) of simulated quantities with a statement file, line by
  line.

File conventions
----------------
All files are ``;``-separated UTF-8 text with a header line, written atomically (temporary file,
then :func:`os.replace`). Numbers use a comma as decimal separator by default (``decimal=','``,
French convention of Enedis and PMO tools); readers accept ``,`` and ``.``.

``Horodate`` is an ISO 8601 local time with its UTC offset (``2026-06-21T12:30:00+02:00``), so
DST days are unambiguous. By default (``timestamps='end'``) it is the **end** of the interval, as
in Enedis's C5 load curves (R50, customer-portal CSV, R63: the first point of a day is 00:30 and
carries 00:00→00:30; ``acc-rules.md`` §5.2). ``timestamps='start'`` writes and reads interval
starts instead. Which convention Enedis expects in an uploaded dynamic key is UNCONFIRMED.

Dynamic key (``export_dynamic_key``), layout of a third-party PMO tool (``acc-rules.md`` §1.5;
the official layout is UNCONFIRMED)::

    Horodate;<meter 1>;<meter 2>;…
    2026-06-21T12:30:00+02:00;12,3;45,6;…      (coefficients in %, floored to 0.1 %)

Static key (``export_static_key``)::

    Identifiant PRM;Coefficient (%)
    <meter 1>;25,0

Statement / quantities layout (``write_quantities``, ``read_statement``): greenkommon's own
layout, one line per interval, meter and quantity, mirroring the six quantities, because the real
PMO-facing Enedis file is UNCONFIRMED (``acc-rules.md`` §5.4)::

    Horodate;Identifiant PRM;Grandeur;Valeur
    2026-06-21T12:30:00+02:00;<meter>;AUTOCONS;10000

``Valeur`` is an energy in Wh over the interval; ``Grandeur`` is one of :data:`QUANTITIES`; an
optional fifth column ``Unite`` may say ``Wh`` or ``kWh``.

Meter identifiers
-----------------
A consumer's meter id (PRM) is used only where the user supplied it (``meter_ids``); otherwise the
venue name stands in for it. The producer is labelled ``producer_id`` (default ``'producer'``).
Nothing here prints or logs a meter id.

Modules
-------
:mod:`~greenkommon.enedis.formats` (quantity names, layouts' columns, number and time
conventions, meter labels), :mod:`~greenkommon.enedis.coefficients` (flooring to the upload
resolution and what Enedis allocates from a floored key), :mod:`~greenkommon.enedis.keyfiles`
(static and dynamic key files), :mod:`~greenkommon.enedis.quantities` (the six quantities) and
:mod:`~greenkommon.enedis.statements` (statement files and reconciliation). Every public name is
re-exported here: import from :mod:`greenkommon.enedis`.
"""

from .coefficients import (
    apply_floored_key,
    apply_floored_static_key,
    dynamic_coefficients,
    floor_coefficients,
    floor_counts,
    uploaded_key_allocation,
)
from .formats import (
    CONSUMER_QUANTITIES,
    DEFAULT_STEP,
    PRODUCER_QUANTITIES,
    QUANTITIES,
    STATEMENT_COLUMNS,
    STATIC_KEY_COLUMNS,
    UNCONFIRMED_LAYOUT,
    meter_labels,
)
from .formats import _atomic_write_text as _atomic_write_text
from .keyfiles import export_dynamic_key, export_static_key, read_dynamic_key
from .quantities import identity_residuals, six_quantities
from .statements import read_statement, reconcile, write_quantities

__all__ = [
    "CONSUMER_QUANTITIES",
    "DEFAULT_STEP",
    "PRODUCER_QUANTITIES",
    "QUANTITIES",
    "STATEMENT_COLUMNS",
    "STATIC_KEY_COLUMNS",
    "UNCONFIRMED_LAYOUT",
    "apply_floored_key",
    "apply_floored_static_key",
    "dynamic_coefficients",
    "export_dynamic_key",
    "export_static_key",
    "floor_coefficients",
    "floor_counts",
    "identity_residuals",
    "meter_labels",
    "read_dynamic_key",
    "read_statement",
    "reconcile",
    "six_quantities",
    "uploaded_key_allocation",
    "write_quantities",
]
