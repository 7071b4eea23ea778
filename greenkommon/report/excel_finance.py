"""The workbook's live finance model: inputs on the assumptions sheet, cash flows as formulas.

A finance team audits the projection of :mod:`greenkommon.economics.finance` by changing an input
(CAPEX, a rate, the loan) and watching Excel or LibreOffice recompute: every yearly line (revenue,
OPEX, insurance, rent, PMO fee, inverter, loan interest and principal, DSCR, each venue's savings
and stake remuneration) is a formula of the inputs block, and the results sheet holds NPV, IRR,
minimum and average DSCR and the loan a target DSCR allows, as formulas too.

The formulas are the projection's equations written out (degradation ``f_y``, grid-price index
``e_y``, internal-price index ``i_y``, cost inflation; the constant-annuity loan as a balance
schedule; the maintenance reserve that provisions the inverter), so that the workbook's figures
equal the Python ones to the cent (``tests/test_excel_finance.py`` recomputes it with the
independent formula engine of the ``formulas`` package). Year-1 bill lines per venue come from the
simulation and are inputs (label ``simulation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from ..config import FinanceConfig
    from ..economics.finance import FinanceResult

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F1F1EC")
_INPUT_FILL = PatternFill("solid", fgColor="FFF4CC")

#: Year-1 bill lines of a venue the model needs (see ``economics.finance.projection._case``).
BILL_LINES = (
    ("bill_without_eur", "bill without the operation"),
    ("fixed_without_eur", "fixed charges without the operation"),
    ("fixed_with_eur", "fixed charges with the operation"),
    ("grid_energy_without_eur", "grid energy cost without the operation"),
    ("grid_energy_with_eur", "grid energy cost with the operation"),
    ("autocons_charges_eur", "network and tax charges on allocated kWh"),
    ("internal_cost_eur", "internal price as borne (VAT if not recoverable)"),
    ("internal_eur", "internal price excl. VAT (producer revenue)"),
)


@dataclass(frozen=True)
class FinanceCells:
    """Where the workbook holds what the test and the results sheet read.

    ``inputs`` maps an input name to its absolute reference (``'Assumptions'!$B$5``);
    ``results`` maps a result name (``npv_eur[collective]``, ``min_dscr[P90]``...) to its cell.
    """

    inputs: dict[str, str]
    results: dict[str, str]


def _ref(sheet: str, row: int, col: int = 2) -> str:
    return f"'{sheet}'!${get_column_letter(col)}${row}"


def write_inputs(
    ws: Worksheet, start_row: int, fin: FinanceResult, finance: FinanceConfig, bills: pd.DataFrame
) -> tuple[dict[str, str], int]:
    """The finance inputs block (figure, value, unit, source, label) from ``start_row``.

    Returns the reference of each input and the next free row.
    """
    pin = fin.producer_inputs
    bank = fin.bank
    case = fin.headline
    labels = pin.labels
    sheet = ws.title
    rows: list[tuple[str, str, Any, str, str, str]] = []  # key, figure, value, unit, source, label

    def add(key: str, figure: str, value: Any, unit: str, source: str, label: str) -> None:
        rows.append((key, figure, value, unit, source, label))

    add(
        "lifetime", "project life", fin.lifetime_years, "yr", "[finance] lifetime_years", "scenario"
    )
    add(
        "discount",
        "discount rate",
        fin.discount_rate,
        "-/yr",
        "[finance] discount_rate",
        "scenario",
    )
    for key, name, unit in (
        ("capex", "capex_eur", "€"),
        ("opex", "opex_eur_per_year", "€/yr"),
        ("insurance", "insurance_eur_per_year", "€/yr"),
        ("rent", "roof_rent_eur_per_year", "€/yr"),
        ("pmo", "pmo_fee_eur_per_year", "€/yr"),
        ("inverter", "inverter_replacement_eur", "€"),
        ("inverter_year", "inverter_replacement_year", "yr"),
        ("degradation", "degradation_per_year", "-/yr"),
        ("inflation", "opex_inflation_per_year", "-/yr"),
        ("surplus_price", "surplus_price_eur_per_kwh", "€/kWh"),
    ):
        label = labels.get(name, "")
        add(key, name.replace("_", " "), getattr(pin, name), unit, "producer figures", label)
    if pin.surplus_contract_years is not None:
        add(
            "contract_years",
            "surplus contract years",
            pin.surplus_contract_years,
            "yr",
            "producer figures",
            labels.get("surplus_contract_years", ""),
        )
        after = pin.surplus_after_contract_eur_per_kwh
        add(
            "surplus_after",
            "surplus price after the contract",
            finance.surplus_price_after_contract_eur_per_kwh if after is None else after,
            "€/kWh",
            "[finance] surplus_price_after_contract_eur_per_kwh"
            if after is None
            else "surplus sale option (greenkommon/data/surplus_fr.toml)",
            labels.get("surplus_after_contract_eur_per_kwh", "scenario"),
        )
    add(
        "loan", "loan amount", finance.loan_amount_eur, "€", "[finance] loan_amount_eur", "scenario"
    )
    add("loan_rate", "loan rate", finance.loan_rate, "-/yr", "[finance] loan_rate", "scenario")
    add(
        "loan_term",
        "loan term",
        finance.loan_term_years,
        "yr",
        "[finance] loan_term_years",
        "scenario",
    )
    single_rate = case.name != "user path"
    if single_rate:
        rate = float(case.index[1] - 1.0) if case.index.size > 1 else 0.0
        add(
            "escalation",
            f"grid-price escalation (case {case.name!r})",
            rate,
            "-/yr",
            "[finance] headline_case",
            "scenario",
        )
    add(
        "internal_escalation",
        "internal-price escalation",
        finance.internal_price_escalation_per_year,
        "-/yr",
        "[finance] internal_price_escalation_per_year",
        "scenario",
    )
    if bank is not None:
        y = bank.yield_p90
        add("p90", f"{y.name} production / P50", y.factor, "-", y.source, y.label)
        add(
            "dscr_target",
            "target minimum DSCR",
            bank.sizing.dscr_target,
            "-",
            "[finance] dscr_target",
            bank.sizing.dscr_target_label,
        )
    add(
        "policy",
        "stake remuneration (none, interest, dividend)",
        finance.stake_remuneration,
        "",
        "[finance] stake_remuneration",
        "scenario",
    )
    add(
        "stake_rate",
        "interest on stakes",
        finance.stake_interest_rate,
        "-/yr",
        "[finance] stake_interest_rate",
        "scenario",
    )
    add(
        "payout",
        "dividend payout share",
        finance.dividend_payout_share,
        "-",
        "[finance] dividend_payout_share",
        "scenario",
    )
    allocated = float(bills["allocated_kwh"].sum())
    surplus = float(case.producer.loc[1, "surplus_kwh"])  # year 1 at P50: f_1 = 1
    add("allocated", "allocated energy, year 1", allocated, "kWh/yr", "simulation", "simulation")
    add("surplus", "surplus energy, year 1", surplus, "kWh/yr", "simulation", "simulation")
    venues = list(bills.index)
    for k, n in enumerate(venues):
        add(
            f"stake[{k}]",
            f"{n}: stake in the producer",
            float(finance.equity_eur.get(n, 0.0)),
            "€",
            "[finance.equity_eur]",
            "scenario",
        )
        blend = fin.accise_blend
        tables = (
            [("", bills, "")]
            if blend is None
            else [
                ("@A", blend.applies, ", 0 accise rate applies"),
                ("@N", blend.does_not_apply, ", accise rate does not apply"),
            ]
        )
        for tag, table, words in tables:
            for col, text in BILL_LINES:
                add(
                    f"{col}[{k}]{tag}",
                    f"{n}: {text}, year 1{words}",
                    float(table.loc[n, col]),
                    "€/yr",
                    "simulation (bill table)",
                    "simulation",
                )

    header = ["figure", "value", "unit", "source", "label"]
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=start_row, column=j, value=h)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
    refs: dict[str, str] = {}
    for i, (key, figure, value, unit, source, label) in enumerate(rows, start=start_row + 1):
        ws.cell(row=i, column=1, value=figure)
        c = ws.cell(row=i, column=2, value=_number(value))
        c.fill = _INPUT_FILL
        ws.cell(row=i, column=3, value=unit)
        ws.cell(row=i, column=4, value=source)
        ws.cell(row=i, column=5, value=label)
        refs[key] = _ref(sheet, i)
    return refs, start_row + len(rows) + 1


def _number(value: Any) -> Any:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    return float(value)


def write_model(
    ws: Worksheet,
    refs: dict[str, str],
    fin: FinanceResult,
    venues: list[str],
    production_factor: str | None,
    indexed_on_supply: bool = False,
) -> dict[str, str]:
    """One cash-flow sheet (years 0..L in rows) of formulas; returns the columns' ranges.

    ``production_factor`` is the reference of the P90 factor, None for P50.
    """
    r = refs
    life = fin.lifetime_years
    case = fin.headline
    cols: list[tuple[str, str]] = []  # key, header

    def col(key: str) -> str:
        return get_column_letter([k for k, _ in cols].index(key) + 1)

    base = [
        ("year", "year"),
        ("f", "production factor (P90 × degradation) [-]"),
        ("accise", "share of the year under the 0 accise rate [-]"),
        ("e", "grid-price index [-]"),
        ("i", "internal-price index [-]"),
        ("infl", "cost inflation index [-]"),
        ("production", "production [kWh]"),
        ("internal", "internal-price revenue [€]"),
        ("surplus", "surplus revenue [€]"),
        ("opex", "OPEX [€]"),
        ("insurance", "insurance [€]"),
        ("rent", "roof rent [€]"),
        ("pmo", "PMO fee [€]"),
        ("inverter", "inverter replacement [€]"),
        ("project", "producer project cash flow (margin) [€]"),
        ("balance", "loan balance, end of year [€]"),
        ("interest", "loan interest [€]"),
        ("principal", "loan principal [€]"),
        ("ds", "debt service [€]"),
        ("equity", "producer equity cash flow (all members) [€]"),
        ("reserve", "maintenance reserve deposit [€]"),
        ("cfads", "CFADS [€]"),
        ("dscr", "DSCR [-]"),
        ("cfads_term", "CFADS in the loan term [€]"),
    ]
    cols += base
    for k, n in enumerate(venues):
        cols += [
            (f"sav{k}", f"{n}: savings [€]"),
            (f"rem{k}", f"{n}: stake remuneration [€]"),
            (f"cf{k}", f"{n}: cash flow [€]"),
        ]
    cols += [
        ("producer", "producer cash flow after paying the venues [€]"),
        ("collective", "collective cash flow [€]"),
        ("difference", "collective cost difference, external flows [€]"),
        ("gap", "identity gap: savings + margin − difference [€]"),
    ]
    for j, (_, h) in enumerate(cols, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(30, len(h) * 0.6))
    ws.freeze_panes = "B2"
    pf = production_factor or "1"
    single = "escalation" in r
    inv_cost_at_year = f"{r['inverter']}*(1+{r['inflation']})^({r['inverter_year']}-1)"
    annuity = (
        f"IF({r['loan_rate']}=0,{r['loan']}/{r['loan_term']},"
        f"{r['loan']}*{r['loan_rate']}/(1-(1+{r['loan_rate']})^(-{r['loan_term']})))"
    )
    equity_total = f"({r['capex']}-{r['loan']})"
    stakes = "+".join(r[f"stake[{k}]"] for k in range(len(venues))) or "0"
    blend = fin.accise_blend
    for y in range(life + 1):
        row = y + 2
        prev = row - 1

        def put(key: str, formula: Any, row: int = row) -> None:
            ws.cell(row=row, column=[k for k, _ in cols].index(key) + 1, value=formula)

        def at(key: str, row: int = row) -> str:
            return f"{col(key)}{row}"

        put("year", y)
        if y == 0:
            put("project", f"=-{r['capex']}")
            put("balance", f"={r['loan']}")
            put("equity", f"=-{equity_total}")
            for k in range(len(venues)):
                put(f"cf{k}", f"=-{r[f'stake[{k}]']}")
            put("producer", f"=-({equity_total}-({stakes}))")
            put(
                "collective",
                "=" + "+".join(at(f"cf{k}") for k in range(len(venues))) + f"+{at('producer')}"
                if venues
                else f"={at('producer')}",
            )
            continue
        yr = at("year")
        put("f", f"={pf}*(1-{r['degradation']})^({yr}-1)")
        # the accise case's dated switch, from the scenario's case (greenkommon.cases)
        put("accise", float(blend.share[y - 1]) if blend is not None else 0.0)

        def line(c: str, k: int, s: str = at("accise")) -> str:
            if blend is None:
                return r[f"{c}[{k}]"]
            return f"({s}*{r[f'{c}[{k}]@A']}+(1-{s})*{r[f'{c}[{k}]@N']})"

        if single:
            put("e", f"=(1+{r['escalation']})^({yr}-1)")
        else:
            put("e", float(case.index[y - 1]))  # a user path: the index itself (see the inputs)
        if indexed_on_supply:
            put("i", f"={at('e')}")
        else:
            put("i", f"=(1+{r['internal_escalation']})^({yr}-1)")
        put("infl", f"=(1+{r['inflation']})^({yr}-1)")
        f, e, i, infl = at("f"), at("e"), at("i"), at("infl")
        put("production", f"=({r['allocated']}+{r['surplus']})*{f}")
        internal = "+".join(line("internal_eur", k) for k in range(len(venues))) or "0"
        put("internal", f"=({internal})*{f}*{i}")
        if "contract_years" in r:
            price = f"IF({yr}<={r['contract_years']},{r['surplus_price']},{r['surplus_after']})"
        else:
            price = r["surplus_price"]
        put("surplus", f"={r['surplus']}*{f}*{price}")
        put("opex", f"={r['opex']}*{infl}")
        put("insurance", f"={r['insurance']}*{infl}")
        put("rent", f"={r['rent']}*{infl}")
        put("pmo", f"={r['pmo']}*{infl}")
        put("inverter", f"=IF({yr}={r['inverter_year']},{r['inverter']}*{infl},0)")
        costs = "+".join(at(k) for k in ("opex", "insurance", "rent", "pmo", "inverter"))
        put("project", f"={at('internal')}+{at('surplus')}-({costs})")
        in_term = f"{yr}<={r['loan_term']}"
        put("interest", f"=IF({in_term},{col('balance')}{prev}*{r['loan_rate']},0)")
        put("principal", f"=IF({in_term},{annuity}-{at('interest')},0)")
        put("balance", f"={col('balance')}{prev}-{at('principal')}")
        put("ds", f"={at('interest')}+{at('principal')}")
        put("equity", f"={at('project')}-{at('ds')}")
        put(
            "reserve",
            f"=IF(AND({yr}<={r['inverter_year']},{r['inverter_year']}<={r['lifetime']}),"
            f"{inv_cost_at_year}/{r['inverter_year']},0)",
        )
        put("cfads", f"={at('project')}+{at('inverter')}-{at('reserve')}")
        put("dscr", f'=IF({at("ds")}>0,{at("cfads")}/{at("ds")},"")')
        put("cfads_term", f'=IF({in_term},{at("cfads")},"")')
        diff_terms = []
        for k in range(len(venues)):
            b = {c: line(c, k) for c, _ in BILL_LINES}
            avoided = f"({b['grid_energy_without_eur']}-{b['grid_energy_with_eur']})"
            with_ = (
                f"({b['fixed_with_eur']}*{e}+({b['grid_energy_without_eur']}-{f}*{avoided})*{e}"
                f"+{b['autocons_charges_eur']}*{f}*{e}+{b['internal_cost_eur']}*{f}*{i})"
            )
            put(f"sav{k}", f"={b['bill_without_eur']}*{e}-{with_}")
            share = f"IF({equity_total}>0,{r[f'stake[{k}]']}/{equity_total},0)"
            put(
                f"rem{k}",
                f'=IF({r["policy"]}="interest",{r[f"stake[{k}]"]}*{r["stake_rate"]},'
                f'IF({r["policy"]}="dividend",{r["payout"]}*MAX({at("equity")},0)*{share},0))',
            )
            put(f"cf{k}", f"={at(f'sav{k}')}+{at(f'rem{k}')}")
            diff_terms.append(
                f"{f}*{avoided}*{e}-{b['autocons_charges_eur']}*{f}*{e}"
                f"-({b['fixed_with_eur']}-{b['fixed_without_eur']})*{e}"
                f"-({b['internal_cost_eur']}-{b['internal_eur']})*{f}*{i}"
            )
        rems = "+".join(at(f"rem{k}") for k in range(len(venues))) or "0"
        put("producer", f"={at('equity')}-({rems})")
        cfs = "+".join(at(f"cf{k}") for k in range(len(venues)))
        put("collective", f"={cfs}+{at('producer')}" if venues else f"={at('producer')}")
        put("difference", "=" + "+".join(diff_terms or ["0"]) + f"+{at('surplus')}-({costs})")
        savs = "+".join(at(f"sav{k}") for k in range(len(venues))) or "0"
        put("gap", f"={savs}+{at('project')}-{at('difference')}")
    for row in ws.iter_rows(min_row=2, max_row=life + 2, min_col=2, max_col=len(cols)):
        for c in row:
            header = ws.cell(row=1, column=c.column).value or ""
            c.number_format = "0.0000" if "[-]" in header else "#,##0.00"
    last = life + 2
    return (
        {k: f"'{ws.title}'!${col(k)}$2:${col(k)}${last}" for k, _ in cols}
        | {f"{k}@years": f"'{ws.title}'!${col(k)}$3:${col(k)}${last}" for k, _ in cols}
        | {f"{k}@0": f"'{ws.title}'!${col(k)}$2" for k, _ in cols}
        | {f"{k}@col": f"'{ws.title}'!{col(k)}" for k, _ in cols}
    )


def write_dscr(ws: Worksheet, p50: dict[str, str], p90: dict[str, str] | None, life: int) -> None:
    """Year by year: CFADS, debt service and DSCR at P50 and P90 (references to the models)."""
    cases = [("P50", p50)] + ([("P90", p90)] if p90 is not None else [])
    header = ["year"]
    for name, _ in cases:
        header += [f"CFADS {name} [€]", f"debt service {name} [€]", f"DSCR {name} [-]"]
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = 18
    for y in range(1, life + 1):
        row = y + 1
        ws.cell(row=row, column=1, value=y)
        j = 2
        for _, m in cases:
            for key, fmt in (("cfads", "#,##0.00"), ("ds", "#,##0.00"), ("dscr", "0.00")):
                # the model sheet holds year y on row y + 2
                c = ws.cell(row=row, column=j, value=f"={m[f'{key}@col']}{y + 2}")
                c.number_format = fmt
                j += 1
    ws.freeze_panes = "B2"


def write_results(
    ws: Worksheet,
    refs: dict[str, str],
    p50: dict[str, str],
    p90: dict[str, str] | None,
    venues: list[str],
) -> dict[str, str]:
    """NPV, IRR, DSCR and loan sizing as formulas of the two cash-flow sheets."""
    rate = refs["discount"]
    rows: list[tuple[str, str, str, str]] = []  # key, label, formula, unit

    def npv(m: dict[str, str], key: str) -> str:
        return f"=NPV({rate},{m[f'{key}@years']})+{m[f'{key}@0']}"

    for k, n in enumerate(venues):
        rows.append(
            (f"npv_eur[{n}]", f"{n}: NPV (stake, savings, remuneration)", npv(p50, f"cf{k}"), "€")
        )
    rows += [
        ("npv_eur[producer (project)]", "producer: project NPV", npv(p50, "project"), "€"),
        (
            "npv_eur[producer (equity)]",
            "producer: equity NPV (all members)",
            npv(p50, "equity"),
            "€",
        ),
        ("npv_eur[producer]", "producer after paying the venues: NPV", npv(p50, "producer"), "€"),
        ("npv_eur[collective]", "collective: NPV", npv(p50, "collective"), "€"),
        ("irr[producer (project)]", "producer: project IRR", f"=IRR({p50['project']})", "-/yr"),
        ("irr[collective]", "collective: IRR", f"=IRR({p50['collective']})", "-/yr"),
        (
            "max_gap",
            "identity check: largest |gap|",
            f"=MAX(MAX({p50['gap@years']}),-MIN({p50['gap@years']}))",
            "€",
        ),
    ]
    for name, m in (("P50", p50), ("P90", p90)):
        if m is None:
            continue
        rows += [
            (f"min_dscr[{name}]", f"minimum DSCR at {name}", f"=MIN({m['dscr']})", "-"),
            (f"average_dscr[{name}]", f"average DSCR at {name}", f"=AVERAGE({m['dscr']})", "-"),
            (
                f"years_below_one[{name}]",
                f"years with DSCR < 1 at {name}",
                f'=COUNTIF({m["dscr"]},"<1")',
                "yr",
            ),
        ]
    if p90 is not None and "dscr_target" in refs:
        lr, n = refs["loan_rate"], refs["loan_term"]
        annuity = f"MAX(0,MIN({p90['cfads_term']})/{refs['dscr_target']})"
        factor = f"IF({lr}=0,{n},(1-(1+{lr})^(-{n}))/{lr})"
        rows += [
            (
                "annuity_allowed",
                "debt service the target allows at P90",
                f"=IF({n}>=1,{annuity},0)",
                "€/yr",
            ),
            (
                "debt_allowed",
                "debt allowed at the target DSCR (P90)",
                f"=IF({n}>=1,MIN({annuity}*{factor},{refs['capex']}),0)",
                "€",
            ),
        ]
    header = ["result", "value", "unit"]
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
    out: dict[str, str] = {}
    for i, (key, label, formula, unit) in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=label)
        c = ws.cell(row=i, column=2, value=formula)
        c.number_format = "0.00" if unit in ("-", "-/yr", "yr") else "#,##0.00"
        ws.cell(row=i, column=3, value=unit)
        out[key] = f"'{ws.title}'!$B${i}"
    if "debt_allowed" in out:
        i = len(rows) + 2
        ws.cell(row=i, column=1, value="equity left after the debt allowed")
        ws.cell(row=i, column=2, value=f"={refs['capex']}-{out['debt_allowed'].split('!')[1]}")
        ws.cell(row=i, column=3, value="€")
        out["equity_left"] = f"'{ws.title}'!$B${i}"
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 16
    return out


def add_finance_model(
    wb: Workbook,
    assumptions: Worksheet,
    start_row: int,
    fin: FinanceResult,
    finance: FinanceConfig,
    bills: pd.DataFrame,
    titles: tuple[str, ...] = ("Cash flows P50", "Cash flows P90", "Finance results", "DSCR"),
) -> tuple[FinanceCells, int]:
    """Inputs block on ``assumptions`` from ``start_row``, the P50 and P90 cash-flow sheets and
    the results sheet. Returns the cells and the next free row of ``assumptions``."""
    refs, nxt = write_inputs(assumptions, start_row, fin, finance, bills)
    venues = list(bills.index)
    indexed = finance.internal_price_indexed_on_supply
    p50 = write_model(wb.create_sheet(titles[0]), refs, fin, venues, None, indexed)
    p90 = None
    if "p90" in refs:
        p90 = write_model(wb.create_sheet(titles[1]), refs, fin, venues, refs["p90"], indexed)
    results = write_results(wb.create_sheet(titles[2]), refs, p50, p90, venues)
    write_dscr(wb.create_sheet(titles[3]), p50, p90, fin.lifetime_years)
    return FinanceCells(inputs=refs, results=results), nxt


__all__ = [
    "BILL_LINES",
    "FinanceCells",
    "add_finance_model",
    "write_inputs",
    "write_model",
    "write_results",
]
