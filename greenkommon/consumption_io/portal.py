"""Reader of the Enedis customer-portal / SGE export (``enedis_portal``)."""

from __future__ import annotations

import warnings

from ..errors import GreenkommonWarning
from ..prm import MeterId, redact
from ._common import (
    _err,
    _norm,
    _Raw,
    _split,
    _step_from_text,
    _unit_cell,
)


def _parse_portal(lines: list[str], name: str, unit_opt: str | None = None) -> _Raw:
    raw = _Raw(name, "enedis_portal", "end")
    unit: str | None = None
    step: int | None = None
    meta_header: list[str] | None = None
    in_data = False
    prms: set[str] = set()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in _split(line, ";")]
        first = _norm(cells[0])
        if first in ("identifiant prm", "prm"):
            meta_header = [_norm(c) for c in cells]
            in_data = False
            continue
        if meta_header is not None and not in_data and first not in ("horodate",):
            info = dict(zip(meta_header, cells, strict=False))
            if info.get("identifiant prm") or info.get("prm"):
                prms.add(info.get("identifiant prm") or info.get("prm", ""))
            unit = _unit_cell(info.get("unite"), name, i)
            step = _step_from_text(info.get("pas en minutes", ""), name, i)
            kind = _norm(info.get("grandeur metier", ""))
            if kind and kind not in ("consommation", "cons"):
                raise _err(
                    f"{name}: line {i}: grandeur metier {info['grandeur metier']!r}: expected a consumption curve"
                )
            meta_header = None
            continue
        if first == "horodate":
            in_data = True
            if len(cells) < 2 or _norm(cells[1]) not in ("valeur", "value"):
                raise _err(f"{name}: line {i}: {line[:60]!r}: expected 'Horodate;Valeur'")
            continue
        if not in_data:
            raise _err(
                f"{name}: line {i}: {line[:60]!r}: expected the 'Horodate;Valeur' header of an Enedis load curve"
            )
        if len(cells) > 2 and any(c for c in cells[2:]):
            raise _err(f"{name}: line {i}: {line[:60]!r}: expected two fields 'timestamp;value'")
        raw.add(i, cells[0], cells[1] if len(cells) > 1 else "", unit, step)
    if any(u is None for u in raw.units) and unit_opt is None:
        warnings.warn(
            redact(f"{name}: no unit declared: assuming average power in W (Enedis C4 exports)"),
            GreenkommonWarning,
            stacklevel=4,
        )
    raw.units = [u or unit_opt or "W" for u in raw.units]
    prms.discard("")
    if len(prms) > 1:
        raise _err(
            f"{name}: the file holds {len(prms)} different meters: expected one venue's curve per import"
        )
    raw.meta["prm"] = [MeterId(p) for p in sorted(prms)]
    return raw


# -- tabular formats (R63, generic, greenkommon, xlsx) ---------------------------------------------
