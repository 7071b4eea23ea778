"""Reader of Enedis spreadsheet exports (``enedis_xlsx``), through the table reader."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ._common import (
    _canonical,
    _display,
    _err,
    _norm,
    _Raw,
    _unit_from_text,
)
from .table import _parse_table


def _parse_xlsx(path: Path, unit_opt: str | None, timestamp_opt: str) -> _Raw:
    name = _display(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise _err(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    for sheet, frame in sheets.items():
        rows = frame.to_numpy().tolist()
        unit_above = None
        for r, row in enumerate(rows):
            cells = [
                c for c in row if c is not None and not (isinstance(c, float) and math.isnan(c))
            ]
            normed = [_norm(c) for c in cells]
            if "unite" in normed:
                k = normed.index("unite")
                if k + 1 < len(cells):
                    unit_above = _unit_from_text(str(cells[k + 1])) or unit_above
            vars_ = {_canonical(c)[0] for c in row}
            if vars_ & {"timestamp", "date", "interval_start", "interval_end"} and "value" in vars_:
                body = ((r + 2 + k, list(rw)) for k, rw in enumerate(rows[r + 1 :]))
                raw = _parse_table(
                    list(row),
                    body,
                    f"{name} [{sheet}]",
                    "enedis_xlsx",
                    unit_opt=unit_opt,
                    timestamp_opt=timestamp_opt,
                    header_line=r + 1,
                    unit_above=unit_above,
                )
                raw.file = name
                raw.meta["sheet"] = sheet
                return raw
    raise _err(
        f"{name}: no sheet with a timestamp column and a value column (Horodate/Date and Valeur/Puissance)"
    )
