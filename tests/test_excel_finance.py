"""The workbook's live finance model, recomputed by an independent formula engine.

The ``formulas`` package (pure Python) reads the saved ``.xlsx``, evaluates every formula and
lets the test change an input cell, as a finance team would in Excel or LibreOffice. Its results
must equal the Python projection to the cent, before and after a change of CAPEX.
"""

from __future__ import annotations

import dataclasses
import re

import formulas  # the dev extra's independent formula engine
import numpy as np
import pytest
from helpers import hourly_variant
from openpyxl import load_workbook

from greenkommon.economics.finance import FinanceResult, project_finance
from greenkommon.pipeline import run_scenario
from greenkommon.report.excel import write_excel_report
from greenkommon.scenario import load_scenario

EXTRA = """
[finance]
stake_remuneration = "dividend"
dividend_payout_share = 0.5
loan_amount_eur = 120000.0
loan_rate = 0.035
inverter_replacement_year = 12
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlfin")
    scenario = load_scenario(hourly_variant(folder, extra=EXTRA))
    result = run_scenario(scenario)
    path = write_excel_report(result, folder / "report.xlsx")
    model = formulas.ExcelModel().loads(str(path)).finish()
    return scenario, result, path, model


def _key(path, ref: str) -> str:
    sheet, cell = ref.split("!")
    return f"'[{path.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '')}"


def _results(path, model, inputs=None) -> dict[str, float]:
    """Label → value of the results sheet, computed by ``formulas``."""
    sol = model.calculate(inputs=inputs or {})
    ws = load_workbook(path)["Finance results"]
    out = {}
    for row in ws.iter_rows(min_row=2):
        label = row[0].value
        v = sol[_key(path, f"'Finance results'!B{row[1].row}")].value[0][0]
        out[label] = float(v)
    return out


def _input_ref(path, figure: str) -> str:
    ws = load_workbook(path)["Assumptions"]
    for row in ws.iter_rows(min_row=1, max_col=2):
        if row[0].value == figure:
            return f"'Assumptions'!B{row[0].row}"
    raise AssertionError(f"no input {figure!r}")


def _python(fin: FinanceResult) -> dict[str, float]:
    """The same figures from the Python projection."""
    view = fin.headline.collective.table()
    m = fin.headline.metrics
    bank = fin.bank
    assert bank is not None
    out = {
        f"{n}: NPV (stake, savings, remuneration)": view.loc[n, "npv_eur"]
        for n in view.index
        if n not in ("producer", "collective")
    }
    out.update(
        {
            "producer: project NPV": m.loc["producer (project)", "npv_eur"],
            "producer: equity NPV (all members)": m.loc["producer (equity)", "npv_eur"],
            "producer after paying the venues: NPV": view.loc["producer", "npv_eur"],
            "collective: NPV": view.loc["collective", "npv_eur"],
            "producer: project IRR": m.loc["producer (project)", "irr"],
            "minimum DSCR at P50": bank.p50.min_dscr,
            "average DSCR at P50": bank.p50.average_dscr,
            "years with DSCR < 1 at P50": len(bank.p50.years_below_one),
            "minimum DSCR at P90": bank.p90.min_dscr,
            "average DSCR at P90": bank.p90.average_dscr,
            "years with DSCR < 1 at P90": len(bank.p90.years_below_one),
            "debt allowed at the target DSCR (P90)": bank.sizing.debt_allowed_eur,
            "equity left after the debt allowed": bank.sizing.equity_left_eur,
        }
    )
    return {k: float(v) for k, v in out.items()}


def _assert_equal(excel: dict[str, float], python: dict[str, float]) -> None:
    for label, want in python.items():
        got = excel[label]
        if "DSCR" in label or "IRR" in label:
            assert got == pytest.approx(want, abs=1e-9), label
        else:
            assert abs(got - want) < 0.005, f"{label}: Excel {got:.4f} vs Python {want:.4f}"


def test_workbook_formulas_reproduce_python(run):
    scenario, result, path, model = run
    fin = result.extras["finance"]
    excel = _results(path, model)
    _assert_equal(excel, _python(fin))
    assert excel["identity check: largest |gap|"] < 1e-6
    assert fin.headline.name == "flat"  # the headline case the workbook models


def test_change_of_capex_recomputes_npv_and_dscr(run):
    """CAPEX +25 % in the inputs cell: Excel's NPV, DSCR and loan sizing follow the Python
    projection re-run with that CAPEX."""
    scenario, result, path, model = run
    fin = result.extras["finance"]
    capex = fin.producer_inputs.capex_eur * 1.25
    ref = _input_ref(path, "capex eur")
    excel = _results(path, model, {_key(path, ref): capex})
    kwp = scenario.plant.peak_power_kwp
    cfg = dataclasses.replace(scenario.finance, capex_eur_per_kwp=capex / kwp)
    again = project_finance(
        result.bills, float(result.surplus_kwh.sum()), cfg, scenario.prices, kwp
    )
    python = _python(again)
    assert python["producer: project NPV"] < _python(fin)["producer: project NPV"] - 1000
    _assert_equal(excel, python)


def test_workbook_is_auditable(run):
    """Numbers stored as numbers, one row per figure with unit, source and label, formulas in
    the cash-flow sheets, no parameter listed twice."""
    _, _, path, _ = run
    wb = load_workbook(path)
    ws = wb["Assumptions"]
    numeric_text = re.compile(r"^[-+]?\d[\d,.]*(e[-+]?\d+)?$|^\{.*\}$")
    names = []
    for row in ws.iter_rows(min_row=1):
        if row[0].value is None:
            continue
        names.append(row[0].value)
        v = row[1].value if len(row) > 1 else None
        assert not (isinstance(v, str) and numeric_text.match(v.strip())), (row[0].value, v)
    header_row = next(r for r in ws.iter_rows(min_row=1, max_row=5) if r[0].value == "figure")
    assert [c.value for c in header_row[:5]] == ["figure", "value", "unit", "source", "label"]
    r = header_row[0].row + 1
    while ws.cell(row=r, column=1).value:
        assert ws.cell(row=r, column=5).value, (
            f"input {ws.cell(row=r, column=1).value!r} has no label"
        )
        r += 1
    dupes = {n for n in names if names.count(n) > 1 and n not in ("figure", "parameter")}
    assert not dupes, dupes
    assert not any(str(n).startswith("finance.") for n in names)  # the inputs block holds them
    cf = wb["Cash flows P50"]
    headers = [c.value for c in cf[1]]
    for needed in (
        "OPEX [€]",
        "insurance [€]",
        "roof rent [€]",
        "loan interest [€]",
        "loan principal [€]",
        "DSCR [-]",
        "inverter replacement [€]",
    ):
        assert needed in headers
    formulas_in = [
        c.value
        for row in cf.iter_rows(min_row=3, max_row=5)
        for c in row
        if isinstance(c.value, str)
    ]
    assert formulas_in and all(v.startswith("=") for v in formulas_in)
    assert {"Cash flows P90", "Finance results", "DSCR"} <= set(wb.sheetnames)
    assert np.isfinite(float(ws.cell(row=header_row[0].row + 1, column=2).value))


def test_report_first_screen_agrees_with_the_finance_command(run):
    """The HTML report's first screen, the finance command's text and the workbook show the same
    collective NPV and DSCR (one FinanceResult)."""
    from greenkommon.economics.finance import format_finance
    from greenkommon.report.html import build_html_report

    _, result, path, model = run
    fin = result.extras["finance"]
    page = build_html_report(result, "en")
    text = format_finance(fin)
    total = fin.headline.collective.table().loc["collective", "npv_eur"]
    amount = f"{abs(total):,.0f} €"
    first = page[page.index('id="finance-verdict"') : page.index('id="summary"')]
    assert amount in first and amount in text
    assert f"minimum {fin.bank.p50.min_dscr:.2f}" in first
    assert f"min {fin.bank.p50.min_dscr:.2f}" in text
    assert "surplus option" in first and "accise case" in first and "LCOE" in first
    excel = _results(path, model)
    assert abs(excel["collective: NPV"] - total) < 0.005


def test_dated_accise_case_in_the_workbook(tmp_path):
    """``applies_until``: the workbook holds both year-1 bill tables and the yearly share of
    the 0 rate; its formulas still reproduce the Python projection to the cent."""
    extra = (
        EXTRA
        + '[prices]\naccise_exemption = "applies_until"\naccise_exemption_until = 2027-07-01\n'
    )
    scenario = load_scenario(hourly_variant(tmp_path, extra=extra))
    result = run_scenario(scenario)
    fin = result.extras["finance"]
    assert fin.accise_blend is not None
    path = write_excel_report(result, tmp_path / "dated.xlsx")
    model = formulas.ExcelModel().loads(str(path)).finish()
    _assert_equal(_results(path, model), _python(fin))
