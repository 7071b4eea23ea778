"""Excel workbook for finance teams (openpyxl).

One sheet per topic: assumptions (every scenario parameter, defaults included, with where it comes
from), yearly energy per venue, monthly energy, bills with and without the operation, yearly cash
flows, NPV / IRR / payback, and the key comparison when it was computed. Cells hold numbers, not
text; units are in the column headers; no formulas (the figures come from the simulation). A
topic that is not available still gets its sheet, with one line saying why.
"""

from __future__ import annotations

import ast
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import __version__
from .._io import atomic_write
from ..economics.finance import FinanceResult
from .excel_finance import add_finance_model
from .i18n import (
    case_label,
    check_lang,
    key_label,
    localise,
    month_names,
    party_label,
    reason_text,
    tr,
)
from .plots import monthly_sum
from .tables import (
    FinanceTables,
    KeyComparison,
    assumption_rows,
    finance_tables,
    is_flagged,
    tariff_figures,
    unit_of,
)

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from ..pipeline import ScenarioResult

_HEADER_FONT = Font(bold=True)
#: Titles of the live finance model: inputs block, P50 / P90 cash-flow sheets, results, DSCR,
#: the scenario parameters block.
_MODEL_TITLES = {
    "en": (
        "Finance model inputs (yellow cells drive the cash-flow sheets: change one, Excel recomputes)",
        "Cash flows P50",
        "Cash flows P90",
        "Finance results",
        "DSCR",
        "Scenario parameters",
        "PMO statements",
        "Tornado",
    ),
    "fr": (
        "Entrées du modèle financier (les cellules jaunes pilotent les flux : modifiez-en une, Excel recalcule)",
        "Flux P50",
        "Flux P90",
        "Résultats financiers",
        "DSCR",
        "Paramètres du scénario",
        "Relevés PMO",
        "Tornade",
    ),
}
_HEADER_FILL = PatternFill("solid", fgColor="F1F1EC")
_NOTE_FONT = Font(italic=True, color="C5221F")


def _cell(value: Any) -> Any:
    """A value openpyxl stores natively: Python numbers (NaN -> empty), text, bool."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return str(value)


def _by_period(value: Any) -> Any:
    """A figure recorded as the text of a mapping (``"{'HP': 0.095}"``) back to the mapping."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        if isinstance(parsed, dict):
            return {str(k): v for k, v in parsed.items()}
    return value


def _number_format(header: str) -> str | None:
    if "[%]" in header or "[-]" in header:
        return "0.0"
    if "[yr]" in header or "[years]" in header or "[années]" in header:
        return "0.0"
    if "[" in header:
        return "#,##0"
    return None


def _write_table(
    ws: Worksheet, header: list[str], rows: list[list[Any]], start_row: int = 1
) -> int:
    """Header + rows from ``start_row``; returns the next free row."""
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=start_row, column=j, value=h)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="bottom")
    formats = [_number_format(h) for h in header]
    for i, row in enumerate(rows, start=start_row + 1):
        for j, v in enumerate(row, start=1):
            c = ws.cell(row=i, column=j, value=_cell(v))
            if (
                formats[j - 1]
                and isinstance(c.value, int | float)
                and not isinstance(c.value, bool)
            ):
                c.number_format = formats[j - 1]
    for j, h in enumerate(header, start=1):
        width = max(
            [len(str(h)) * 0.7]
            + [len(str(_cell(r[j - 1]) or "")) for r in rows if j - 1 < len(r)]
            + [10]
        )
        dim = ws.column_dimensions[get_column_letter(j)]
        # several tables may share a sheet: keep the widest need
        dim.width = max(dim.width or 0, min(60, width + 2))
    if start_row == 1:
        ws.freeze_panes = "B2"
    return start_row + len(rows) + 1


def _note(ws: Worksheet, row: int, text: str) -> int:
    c = ws.cell(row=row, column=1, value=text)
    c.font = _NOTE_FONT
    return row + 1


def _header_for(column: str, lang: str) -> str:
    """Translated header if known, else the column name with its unit from the suffix."""
    try:
        return tr(column, lang)
    except KeyError:
        unit = unit_of(column)
        # the bill table holds yearly amounts
        per_year = "an" if lang == "fr" else "yr"
        unit = {"€": f"€/{per_year}", "kWh": f"kWh/{per_year}"}.get(unit, unit)
        return f"{column} [{unit}]" if unit else column


def _assumptions_sheet(
    ws: Worksheet, result: ScenarioResult, fin: FinanceTables | str, lang: str, start_row: int = 1
) -> None:
    """Scenario parameters from ``start_row``, then the tariff figures.

    With the live finance model, the ``[finance]`` parameters are its inputs block above (resolved
    values with their labels) and are not repeated here.
    """
    sc = result.scenario
    rows = []
    for r in assumption_rows(sc):
        if start_row > 1 and r["parameter"].startswith("finance."):
            continue
        if r["as_written"]:
            origin = tr("from_file_raw", lang)
        else:
            origin = tr("from_file", lang) if r["from_file"] else tr("default", lang)
        value = tr("hidden", lang) if r["value"] == "***" else r["value"]
        rows.append([r["parameter"], value, r["unit"], origin])
    rows.insert(0, ["file", str(sc.file) if sc.file else "", "", ""])
    rows.append(
        ["weather.source_used", str(result.weather_meta.get("source", "")), "", "weather stage"]
    )
    if isinstance(fin, FinanceTables) and start_row == 1:
        for name, value, label in fin.assumptions:
            rows.append([f"finance_projection.{name}", value, unit_of(name), label])
    next_row = _write_table(
        ws,
        [tr("parameter", lang), tr("value", lang), tr("unit", lang), tr("origin", lang)],
        rows,
        start_row=start_row,
    )
    figures = tariff_figures(result)
    row = next_row + 1
    if figures.empty:
        row = _note(ws, row, tr("no_figures", lang))
    else:
        c = ws.cell(row=row, column=1, value=tr("figures_title", lang))
        c.font = _HEADER_FONT
        header = [
            tr("figure", lang),
            tr("value", lang),
            tr("unit", lang),
            tr("confidence", lang),
            tr("source", lang),
        ]
        fig_rows = []
        for r in figures.itertuples(index=False):
            # a figure by period ({'HP': 0.095, 'HC': 0.075}) is one row per period, as numbers
            value = _by_period(r.value)
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for part, value in items:
                name = r.figure if part is None else f"{r.figure} [{part}]"
                fig_rows.append(
                    [
                        localise(name, lang),
                        localise(value, lang) if isinstance(value, str) else value,
                        localise(r.unit, lang),
                        localise(r.confidence, lang),
                        r.source,
                    ]
                )
        row = _write_table(ws, header, fig_rows, start_row=row + 1)
        for i, fr in enumerate(fig_rows, start=row - len(fig_rows)):
            if is_flagged(fr[3]):
                ws.cell(row=i, column=4).font = _NOTE_FONT
    _note(ws, row + 1, tr("generated", lang, version=__version__))


def _energy_sheet(ws: Worksheet, result: ScenarioResult, lang: str) -> None:
    venues = result.venue_summary()
    cols = ["consumption_kwh", "allocated_kwh", "grid_import_kwh", "self_sufficiency_pct"]
    rows = [[name, *(r[c] for c in cols)] for name, r in venues.iterrows()]
    coll = result.collective_summary()
    rows.append(
        [
            tr("all_venues", lang),
            coll["consumption_kwh"],
            coll["allocated_kwh"],
            coll["consumption_kwh"] - coll["allocated_kwh"],
            coll["self_sufficiency_pct"],
        ]
    )
    nxt = _write_table(ws, [tr("venue", lang), *(tr(c, lang) for c in cols)], rows)
    plant_keys = [
        "peak_power_kwp",
        "production_kwh",
        "specific_yield_kwh_per_kwp",
        "allocated_kwh",
        "surplus_kwh",
        "self_consumption_pct",
    ]
    _write_table(
        ws,
        [tr("parameter", lang), tr("value", lang)],
        [[tr(k, lang), coll[k]] for k in plant_keys],
        start_row=nxt + 1,
    )
    for i in range(len(plant_keys)):
        c = ws.cell(row=nxt + 2 + i, column=2)
        c.number_format = "0.0" if plant_keys[i].endswith("_pct") else "#,##0"


def _monthly_sheet(ws: Worksheet, result: ScenarioResult, lang: str) -> None:
    prod = monthly_sum(result.production_kwh).reindex(range(1, 13), fill_value=0.0)
    surplus = monthly_sum(result.surplus_kwh).reindex(range(1, 13), fill_value=0.0)
    cons = monthly_sum(result.consumption_kwh).reindex(range(1, 13), fill_value=0.0)
    alloc = monthly_sum(result.allocated_kwh).reindex(range(1, 13), fill_value=0.0)
    names = result.scenario.venue_names
    unit = " [kWh]"
    header = [tr("month", lang), tr("production", lang) + unit, tr("surplus", lang) + unit]
    for n in names:
        header += [
            f"{n}: {tr('consumption_kwh', lang).split(' [')[0]}{unit}",
            f"{n}: {tr('allocated_kwh', lang).split(' [')[0]}{unit}",
        ]
    months = month_names(lang)
    rows = []
    for m in range(1, 13):
        row = [months[m - 1], prod[m], surplus[m]]
        for n in names:
            row += [cons.loc[m, n], alloc.loc[m, n]]
        rows.append(row)
    _write_table(ws, header, rows)


def _bills_sheet(ws: Worksheet, result: ScenarioResult, lang: str) -> None:
    bills = result.bills
    first = ["bill_without_eur", "bill_with_eur", "savings_eur"]

    def is_number(c: str) -> bool:
        return pd.api.types.is_numeric_dtype(bills[c]) and not pd.api.types.is_bool_dtype(bills[c])

    numbers = first + [c for c in bills.columns if c not in first and is_number(c)]
    # text and yes/no columns (tariff name, VAT recoverable, flagged figures) go last, unit-less
    others = [c for c in bills.columns if c not in numbers]
    rows = [
        [name, *(r[c] for c in numbers), *(r[c] for c in others)] for name, r in bills.iterrows()
    ]
    rows.append(
        [tr("all_venues", lang), *(bills[c].sum() for c in numbers), *([None] * len(others))]
    )
    header = [tr("venue", lang), *(_header_for(c, lang) for c in numbers), *others]
    _write_table(ws, header, rows)


def _cashflow_sheets(
    ws_cf: Worksheet, ws_fin: Worksheet, fin: FinanceTables | str, lang: str
) -> None:
    if isinstance(fin, str):
        reason = tr("unavailable", lang, reason=reason_text(fin, lang))
        _note(ws_cf, 1, reason)
        _note(ws_fin, 1, reason)
        return
    parties = list(fin.cash_flows_eur.columns)
    names = [party_label(str(p), lang) for p in parties]
    header = [
        tr("case", lang),
        tr("year", lang),
        *(f"{n}: {tr('cash_flow_eur', lang)}" for n in names),
        *(f"{n}: {tr('cumulative_eur', lang)}" for n in names),
    ]
    rows = []
    for case, cf in fin.cases.items():
        cf = cf.reindex(columns=parties)
        cum = cf.cumsum()
        label = case_label(case, lang)
        rows += [
            [label, int(year), *cf.loc[year].tolist(), *cum.loc[year].tolist()] for year in cf.index
        ]
    _write_table(ws_cf, header, rows)
    ws_cf.freeze_panes = "C2"
    cols = [
        c
        for c in ("npv_eur", "irr_pct", "payback_years", "discounted_payback_years")
        if c in fin.metrics.columns
    ]
    rows = [
        [case_label(str(case), lang), party_label(str(party), lang), *(r[c] for c in cols)]
        for (case, party), r in fin.metrics.iterrows()
    ]
    _write_table(ws_fin, [tr("case", lang), tr("party", lang), *(tr(c, lang) for c in cols)], rows)
    ws_fin.freeze_panes = "C2"


def _statements_sheet(ws: Worksheet, result: ScenarioResult) -> None:
    """The PMO's monthly statements from the simulation (one row per venue and month)."""
    from ..economics.statements import statements_from_result

    st = statements_from_result(result)
    frame = st.table.reset_index()
    header = [
        "venue",
        "month",
        "allocated energy [kWh]",
        "internal price excl. VAT [€/kWh]",
        "amount excl. VAT [€]",
        "VAT rate [-]",
        "VAT [€]",
        "amount due to the producer incl. VAT [€]",
    ]
    rows = [list(r) for r in frame.itertuples(index=False)]
    nxt = _write_table(ws, header, rows)
    _note(ws, nxt + 1, f"source: {st.source}; VAT rate label: {st.vat_label}")


def _tornado_sheet(ws: Worksheet, tornado: Any) -> None:
    """The tornado table (``greenkommon report --tornado``), or why it is absent."""
    if tornado is None:
        _note(ws, 1, "not computed: greenkommon report --tornado")
        return
    header = [
        "driver",
        "low setting",
        "high setting",
        "collective NPV, low [€]",
        "collective NPV, high [€]",
        "minimum DSCR at P50, low [-]",
        "minimum DSCR at P50, high [-]",
    ]
    rows = [
        [
            b.driver,
            b.low_setting,
            b.high_setting,
            b.collective_npv_low_eur,
            b.collective_npv_high_eur,
            b.min_dscr_low,
            b.min_dscr_high,
        ]
        for b in tornado.bars
    ]
    nxt = _write_table(ws, header, rows)
    _note(
        ws,
        nxt + 1,
        f"case {tornado.case!r}: base collective NPV {tornado.base_collective_npv_eur:,.0f} €, "
        f"minimum DSCR {tornado.base_min_dscr:.2f}; each bar re-evaluated (greenkommon.tornado)",
    )


def _keys_sheet(ws: Worksheet, comp: KeyComparison | None, lang: str) -> None:
    if comp is None:
        _note(ws, 1, tr("unavailable", lang, reason=tr("no_comparison", lang)))
        return
    row = 1
    for key, why in comp.failed.items():
        row = _note(ws, row, tr("key_failed", lang, key=key, reason=why))
    if comp.savings_eur.empty:
        return
    start = row + 1 if row > 1 else 1
    names = list(comp.savings_eur.columns)
    header = [
        tr("key", lang),
        tr("description", lang),
        *(f"{n}: {tr('savings_eur', lang)}" for n in names),
        f"{tr('all_venues', lang)}: {tr('savings_eur', lang)}",
        *(f"{n}: {tr('self_sufficiency_pct', lang)}" for n in names),
        tr("self_consumption_pct", lang),
        tr("surplus_kwh", lang),
        *(f"{n}: {tr('coefficient_pct', lang)}" for n in names),
    ]
    rows = []
    for k in comp.savings_eur.index:
        c = comp.collective.loc[k]
        coefs = comp.coefficients.get(k)
        shares = [None] * len(names) if coefs is None else [100.0 * float(x) for x in coefs]
        rows.append(
            [
                k,
                key_label(k, lang, comp.label_keys.get(k)),
                *comp.savings_eur.loc[k].tolist(),
                c["savings_eur"],
                *comp.self_sufficiency_pct.loc[k].tolist(),
                c["self_consumption_pct"],
                c["surplus_kwh"],
                *shares,
            ]
        )
    _write_table(ws, header, rows, start_row=start)
    _note(ws, start + len(rows) + 2, tr("shares_note", lang))


def _eligibility_sheet(ws: Worksheet, result: ScenarioResult, lang: str) -> None:
    rep = (result.extras or {}).get("eligibility")
    if rep is None or not hasattr(rep, "eligible"):
        _note(ws, 1, tr("unavailable", lang, reason=tr("no_eligibility", lang)))
        return
    rule = getattr(rep, "rule", None)
    pair = getattr(rep, "farthest_pair", ("", ""))
    rows: list[list[Any]] = [
        [tr("eligibility", lang), bool(rep.eligible), ""],
        ["rule", getattr(rule, "label", ""), ""],
        ["rule.source", getattr(rule, "source", ""), ""],
        ["rule.confidence", getattr(rule, "confidence", ""), ""],
        ["limit_km", getattr(rep, "limit_km", None), "km"],
        ["max_distance_km", getattr(rep, "max_distance_km", None), "km"],
        ["farthest_pair", " / ".join(map(str, pair)), ""],
        ["peak_power_kwp", getattr(rep, "peak_power_kwp", None), "kWp"],
        ["power_cap_mw", getattr(rep, "power_cap_mw", None), "MW"],
        [
            "largest_subsets",
            " | ".join(", ".join(g) for g in getattr(rep, "largest_subsets", ())),
            "",
        ],
        *(
            [f"note {i + 1}", localise(note, lang), ""]
            for i, note in enumerate(getattr(rep, "notes", ()))
        ),
    ]
    nxt = _write_table(ws, [tr("parameter", lang), tr("value", lang), tr("unit", lang)], rows)
    dist = getattr(rep, "distances_km", None)
    if isinstance(dist, pd.DataFrame) and not dist.empty:
        header = [tr("distance_km", lang), *map(str, dist.columns)]
        table = [[str(i), *r.tolist()] for i, r in dist.iterrows()]
        _write_table(ws, header, table, start_row=nxt + 1)
        for row in ws.iter_rows(min_row=nxt + 2, max_row=nxt + 1 + len(table), min_col=2):
            for c in row:
                c.number_format = "0.00"


def _decision_sheet(ws: Worksheet, result: ScenarioResult, lang: str, decision: Any) -> None:
    """GO / NO-GO first (greenkommon.decision; computed without the plan if not given)."""
    from ..decision import decide
    from ..errors import DataError
    from .decision import format_decision

    try:
        decision = decision if decision is not None else decide(result, alternative=False)
    except DataError as exc:
        _note(ws, 1, tr("unavailable", lang, reason=str(exc)))
        return
    rows: list[list[Any]] = [
        [tr("decision", lang), decision.verdict, ""],
        [tr("eligibility", lang), decision.eligible, ""],
        ["producer_npv_eur", decision.producer_npv_eur, "€"],
        ["collective_npv_eur", decision.collective_npv_eur, "€"],
    ]
    nxt = _write_table(ws, [tr("parameter", lang), tr("value", lang), tr("unit", lang)], rows)
    _note(ws, nxt + 1, format_decision(decision, lang))


def build_workbook(
    result: ScenarioResult, lang: str = "en", extra: dict[str, Any] | None = None
) -> Workbook:
    """The report workbook of ``result`` (see the module docstring for its sheets)."""
    check_lang(lang)
    extra = extra or {}
    fin = extra.get("finance") or finance_tables(result)
    wb = Workbook()
    ws = wb.active
    ws.title = tr("sheet_assumptions", lang)
    projection = (result.extras or {}).get("finance")
    start = 1
    if isinstance(projection, FinanceResult):
        title = ws.cell(row=1, column=1, value=_MODEL_TITLES[lang][0])
        title.font = _HEADER_FONT
        _cells, nxt = add_finance_model(
            wb, ws, 2, projection, result.scenario.finance, result.bills, _MODEL_TITLES[lang][1:]
        )
        ws.freeze_panes = None
        start = nxt + 2
        ws.cell(row=start - 1, column=1, value=_MODEL_TITLES[lang][5]).font = _HEADER_FONT
    _assumptions_sheet(ws, result, fin, lang, start)
    # the decision opens the workbook (greenkommon.decision)
    _decision_sheet(wb.create_sheet(tr("decision", lang), 0), result, lang, extra.get("decision"))
    wb.active = 0
    _energy_sheet(wb.create_sheet(tr("sheet_energy", lang)), result, lang)
    _monthly_sheet(wb.create_sheet(tr("sheet_monthly", lang)), result, lang)
    _bills_sheet(wb.create_sheet(tr("sheet_bills", lang)), result, lang)
    _cashflow_sheets(
        wb.create_sheet(tr("sheet_cashflows", lang)),
        wb.create_sheet(tr("sheet_finance", lang)),
        fin,
        lang,
    )
    if isinstance(projection, FinanceResult):
        _statements_sheet(wb.create_sheet(_MODEL_TITLES[lang][6]), result)
        _tornado_sheet(wb.create_sheet(_MODEL_TITLES[lang][7]), extra.get("tornado"))
    _keys_sheet(wb.create_sheet(tr("sheet_keys", lang)), extra.get("key_comparison"), lang)
    _eligibility_sheet(wb.create_sheet(tr("sheet_eligibility", lang)), result, lang)
    return wb


def _redact_cells(wb: Workbook) -> None:
    """Hide meter ids in every text cell (a load file's name often carries one)."""
    from ..prm import redact

    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = redact(cell.value)


def write_excel_report(
    result: ScenarioResult, path: str | Path, lang: str = "en", extra: dict[str, Any] | None = None
) -> Path:
    """Write the report workbook to ``path`` (``.xlsx``) atomically; returns the path.

    Parameters
    ----------
    result : ScenarioResult
    path : str or Path
    lang : {'en', 'fr'}
    extra : dict, optional
        ``'key_comparison'`` and/or ``'finance'`` (see :func:`greenkommon.report.html.build_html_report`).
    """
    path = Path(path)
    wb = build_workbook(result, lang, extra)
    _redact_cells(wb)
    # saved in memory first: openpyxl's zip file left open by a failed disk write would fail
    # again, noisily, when garbage-collected
    buffer = io.BytesIO()
    wb.save(buffer)
    # mkstemp makes it private; a report is meant to be shared
    return atomic_write(
        path, lambda p: p.write_bytes(buffer.getvalue()), suffix=".xlsx", mode=0o644
    )
