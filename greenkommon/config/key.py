"""``[key]``: the sharing key table of a scenario (or of an operation, ``[operations.key]``).

:class:`KeyConfig` reads the key type (:data:`KEY_TYPES`), the static shares per venue (a table
``{venue name = share}`` summing to at most 1 within :data:`COEFFICIENT_SUM_TOLERANCE`), a static
key per producer (``coefficients_by_producer``), the priority order, or the file of a dynamic
key; every error names the file, the field and the value. Re-exported by
:mod:`greenkommon.config.scenario` and :mod:`greenkommon.config`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._section import _MISSING, Section

#: Key types accepted in ``[key].type``.
KEY_TYPES = ("prorata", "static", "dynamic", "redistributed", "priority", "optimised")

#: Tolerance on "coefficients sum to at most 1" (floating-point sums of decimal shares).
COEFFICIENT_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class KeyConfig:
    """``[key]``: the sharing key (clé de répartition).

    Attributes
    ----------
    type : str
        One of :data:`KEY_TYPES`. ``prorata`` is Enedis's default key (D315-6); ``static`` fixed
        shares; ``dynamic`` per-interval coefficients from ``coefficients_file``;
        ``redistributed`` and ``priority`` are PMO-side strategies sent as a dynamic key;
        ``optimised`` asks the optimiser for the best static key.
    coefficients : tuple of float or None
        Share of the pooled production per venue, in venue order [-] (Σ ≤ 1).
    priority_order : tuple of str or None
        Venue names, highest priority first (``priority`` key).
    coefficients_file : Path or None
        CSV of per-interval coefficients (``dynamic`` key).
    floor_to_permille : bool
        Floor coefficients to 0.1 % like an uploaded key and report the extra surplus.
    """

    type: str = "prorata"
    coefficients: tuple[float, ...] | None = None
    priority_order: tuple[str, ...] | None = None
    coefficients_file: Path | None = None
    floor_to_permille: bool = False
    coefficients_by_producer: tuple[tuple[str, tuple[float, ...]], ...] | None = None

    @classmethod
    def from_section(cls, sec: Section, venue_names: list[str]) -> KeyConfig:
        key_type = sec.str("type", "prorata", choices=KEY_TYPES)
        coefficients = None
        raw = sec.raw("coefficients", None)
        by_producer = _read_by_producer(sec, key_type, raw, venue_names)
        if by_producer is not None:
            pass  # a static key per producer (allocation = 'per_producer')
        elif key_type in ("static", "redistributed"):
            if raw is None:
                raise sec.error(
                    "coefficients",
                    sec.data.get("coefficients", _missing()),
                    f"a table {{venue name = share}} for a {key_type!r} key",
                )
            coefficients = _read_coefficients(sec, raw, venue_names)
        elif raw is not None:
            raise sec.error(
                "coefficients",
                raw,
                f"no coefficients for a {key_type!r} key (only static/redistributed take them)",
            )
        order = None
        if key_type == "priority":
            order = tuple(sec.strs("priority_order"))
            unknown = [n for n in order if n not in venue_names]
            if unknown or len(set(order)) != len(order) or set(order) != set(venue_names):
                raise sec.error(
                    "priority_order",
                    list(order),
                    f"each venue exactly once, among {', '.join(map(repr, venue_names))}",
                )
        elif "priority_order" in sec:
            raise sec.error(
                "priority_order",
                sec.raw("priority_order"),
                "no priority_order unless type = 'priority'",
            )
        coefficients_file = sec.path("coefficients_file", None)
        if key_type == "dynamic" and coefficients_file is None:
            raise sec.error(
                "coefficients_file",
                _missing(),
                "a CSV of per-interval coefficients for a 'dynamic' key",
            )
        if coefficients_file is not None and not coefficients_file.is_file():
            raise sec.error("coefficients_file", str(coefficients_file), "an existing file")
        cfg = cls(
            type=key_type,
            coefficients=coefficients,
            priority_order=order,
            coefficients_file=coefficients_file,
            floor_to_permille=sec.bool("floor_to_permille", False),
            coefficients_by_producer=by_producer,
        )
        sec.finish()
        return cfg


def _read_by_producer(
    sec: Section, key_type: str, coefficients: Any, venue_names: list[str]
) -> tuple[tuple[str, tuple[float, ...]], ...] | None:
    """``coefficients_by_producer = {producer = {venue = share}}``: a static key per producer."""
    raw = sec.raw("coefficients_by_producer", None)
    if raw is None:
        return None
    expected = "a table {producer name = {venue name = share}} (a static key per producer)"
    if key_type != "static":
        raise sec.error("coefficients_by_producer", raw, "nothing unless type = 'static'")
    if coefficients is not None:
        raise sec.error(
            "coefficients", coefficients, "no pooled coefficients with coefficients_by_producer"
        )
    if not isinstance(raw, dict) or not raw:
        raise sec.error("coefficients_by_producer", raw, expected)
    table = Section(raw, sec.field("coefficients_by_producer"), sec.file)
    return tuple(
        (str(name), _read_coefficients(table, shares, venue_names, field=str(name)))
        for name, shares in raw.items()
    )


def _missing() -> Any:
    return _MISSING


def _read_coefficients(
    sec: Section, raw: Any, venue_names: list[str], field: str = "coefficients"
) -> tuple[float, ...]:
    if not isinstance(raw, dict):
        raise sec.error(field, raw, "a table {venue name = share in [0, 1]}")
    unknown = [k for k in raw if k not in venue_names]
    if unknown:
        raise sec.error(
            f"{field}.{unknown[0]!r}",
            raw[unknown[0]],
            f"a venue of the scenario: {', '.join(map(repr, venue_names))}",
        )
    missing = [n for n in venue_names if n not in raw]
    if missing:
        raise sec.error(f"{field}.{missing[0]!r}", _missing(), "a share in [0, 1] for every venue")
    values = []
    for name in venue_names:
        v = raw[name]
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or not math.isfinite(v)
            or not 0 <= v <= 1
        ):
            raise sec.error(f"{field}.{name!r}", v, "a share in [0, 1]")
        values.append(float(v))
    total = sum(values)
    if total > 1 + COEFFICIENT_SUM_TOLERANCE:
        raise sec.error(field, raw, f"shares summing to at most 1 (they sum to {total:.6g})")
    return tuple(values)
