"""HTML and Excel reports, their figures and tables.

Most tests run on a small synthetic but consistent :class:`ScenarioResult` (``make_fake_result``):
hourly grid, sine-shaped production, two-level venue loads, a pro-rata allocation computed here
by hand (allocated ≤ consumption, allocated + surplus = production) and simple bills. The report
code is checked against quantities recomputed from those frames, not against its own output.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from openpyxl import load_workbook

from greenkommon.pipeline import ScenarioResult
from greenkommon.report import plots
from greenkommon.report.excel import build_workbook, write_excel_report
from greenkommon.report.html import (
    FIGURE_IDS,
    _uncertainty_figure,
    build_html_report,
    p50_p90,
    write_html_report,
    write_text_atomic,
)
from greenkommon.report.i18n import LABELS, LANGS, fmt_number, tr
from greenkommon.report.tables import (
    FinanceTables,
    KeyComparison,
    assumption_rows,
    compare_keys,
    consumption_shares,
    finance_tables,
    key_variant,
    unit_of,
)
from greenkommon.scenario import merge_scenario, parse_scenario, read_scenario_mapping
from greenkommon.timegrid import make_index

REPO = Path(__file__).resolve().parents[1]
METER_ID = "30001234567890"  # fake PRM: must never appear in a report
SUPPLY = 0.1659
INTERNAL = 0.10


def make_scenario(with_meter: bool = True):
    data = read_scenario_mapping(REPO / "scenarios" / "greenkommon.toml")
    over = {"simulation": {"step": "1h"}}
    if with_meter:
        over["venues"] = [{"name": "Les Poussières", "meter_id": METER_ID}]
    return parse_scenario(merge_scenario(data, over), REPO / "scenarios" / "greenkommon.toml")


def prorata(production: np.ndarray, consumption: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pro-rata of consumption (N, T): A_i = C_i · min(1, P / ΣC); surplus = P − ΣA."""
    total = consumption.sum(axis=0)
    ratio = np.divide(production, total, out=np.zeros_like(production), where=total > 0)
    alloc = consumption * np.minimum(1.0, ratio)
    return alloc, production - alloc.sum(axis=0)


def payback(flows: np.ndarray) -> float:
    """First year the cumulative flow is >= 0 (NaN if never)."""
    ok = np.flatnonzero(np.cumsum(flows) >= 0)
    return float(ok[0]) if ok.size else float("nan")


def fake_projection(names: list[str], savings: pd.Series) -> SimpleNamespace:
    """An object shaped like ``economics.finance.FinanceResult`` (documented attributes only).

    Venues: equity 3 × year-1 savings at year 0, then savings growing with the case's rate;
    producer: −400 000 € then 30 000 €/yr for 20 years (no loan: project = equity).
    """
    cases = {}
    for case, rate in (("flat", 0.0), ("+3 %/yr", 0.03)):
        frames, metrics = {}, {}
        for name in names:
            flows = np.r_[-3.0 * savings[name], savings[name] * (1 + rate) ** np.arange(20)]
            frames[name] = pd.DataFrame(
                {"cash_flow_eur": flows}, index=pd.RangeIndex(21, name="year")
            )
            metrics[name] = flows
        producer_flows = np.r_[-400_000.0, np.full(20, 30_000.0)]
        producer = pd.DataFrame(
            {"project_cash_flow_eur": producer_flows, "equity_cash_flow_eur": producer_flows},
            index=pd.RangeIndex(21, name="year"),
        )
        metrics["producer (project)"] = metrics["producer (equity)"] = producer_flows
        met = pd.DataFrame(
            {
                "npv_eur": {k: npf.npv(0.04, f) for k, f in metrics.items()},
                "irr": {k: npf.irr(f) for k, f in metrics.items()},
                "simple_payback_years": {k: payback(f) for k, f in metrics.items()},
                "discounted_payback_years": {k: float("nan") for k in metrics},
            }
        )
        met.index.name = "stakeholder"
        venues = pd.concat(frames, names=["venue", "year"])
        cases[case] = SimpleNamespace(name=case, venues=venues, producer=producer, metrics=met)
    return SimpleNamespace(
        cases=cases,
        discount_rate=0.04,
        lifetime_years=20,
        lcoe_eur_per_kwh=0.11,
        producer_inputs=SimpleNamespace(
            capex_eur=400_000.0, labels={"capex_eur": "ASSUMPTION (data file default)"}
        ),
    )


def make_fake_result(scenario=None, finance: bool = True, key_coefficients=None) -> ScenarioResult:
    """A consistent synthetic year on the hourly grid (see module docstring)."""
    sc = scenario or make_scenario()
    index = make_index(sc.simulation.year, sc.simulation.step, sc.simulation.timezone)
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    doy = index.day_of_year.to_numpy()
    season = 0.6 + 0.4 * np.cos(2 * np.pi * (doy - 172) / 365)
    prod = (
        0.7 * sc.plant.peak_power_kwp * np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None) * season
    )
    names = sc.venue_names
    cons = []
    for v in sc.venues:
        shape = (1.0 + 0.8 * ((hour >= 9) & (hour < 22))) * (
            1.0 + 0.3 * np.cos(2 * np.pi * doy / 365)
        )
        cons.append(shape / shape.sum() * v.load.annual_consumption_kwh)
    cons = np.array(cons)
    if key_coefficients is None:
        alloc, surplus = prorata(prod, cons)
    else:
        alloc = np.minimum(cons, np.outer(key_coefficients, prod))
        surplus = prod - alloc.sum(axis=0)
    c_df = pd.DataFrame(cons.T, index=index, columns=names)
    a_df = pd.DataFrame(alloc.T, index=index, columns=names)
    g_df = c_df - a_df
    without = c_df.sum() * SUPPLY
    with_ = g_df.sum() * SUPPLY + a_df.sum() * INTERNAL
    bills = pd.DataFrame(
        {
            "bill_without_eur": without,
            "bill_with_eur": with_,
            "savings_eur": without - with_,
            "energy_supply_eur": g_df.sum() * SUPPLY,
        }
    )
    bills.attrs["figures"] = [
        SimpleNamespace(
            key="supply.base", value=SUPPLY, unit="€/kWh", confidence="HIGH", source="tariff sheet"
        ),
        SimpleNamespace(
            key="turpe.acc_coefficient",
            value=0.0123,
            unit="€/kWh",
            confidence="UNCONFIRMED",
            source="third-party code",
        ),
        SimpleNamespace(
            key="internal.price",
            value=INTERNAL,
            unit="€/kWh",
            confidence="ASSUMPTION",
            source="scenario",
        ),
    ]
    from greenkommon.eligibility import check_eligibility

    return ScenarioResult(
        name=sc.name,
        plant_names=(sc.plant.name,),
        scenario=sc,
        index=index,
        weather=pd.DataFrame(index=index),
        weather_meta={"source": "synthetic-test"},
        production_kwh=pd.Series(prod, index=index, name="production_kwh"),
        consumption_kwh=c_df,
        coefficients=None if key_coefficients is None else np.asarray(key_coefficients),
        allocation=SimpleNamespace(flooring_surplus_kwh=0.0),
        allocated_kwh=a_df,
        surplus_kwh=pd.Series(surplus, index=index, name="surplus_kwh"),
        grid_import_kwh=g_df,
        bills=bills,
        eligibility=check_eligibility(sc),
        finance=fake_projection(names, bills["savings_eur"]) if finance else None,
    )


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    return make_fake_result()


@pytest.fixture(scope="module")
def html_en(result) -> str:
    return build_html_report(result, "en")


def _images(page: str) -> dict[str, bytes]:
    """figure id -> decoded image of each plotted figure."""
    out = {}
    for fid, b64 in re.findall(
        r'<figure id="([^"]+)" class="plot">.*?<img src="data:image/svg\+xml;base64,([^"]+)"',
        page,
        re.S,
    ):
        out[fid] = base64.b64decode(b64)
    return out


# -- fixture sanity: the reference the report is checked against must itself be consistent ---------------
def test_fake_result_conserves_energy(result):
    a, c = result.allocated_kwh.to_numpy(), result.consumption_kwh.to_numpy()
    assert (a <= c + 1e-9).all() and (a >= 0).all()
    np.testing.assert_allclose(
        a.sum(axis=1) + result.surplus_kwh.to_numpy(), result.production_kwh.to_numpy()
    )


# -- data helpers ----------------------------------------------------------------------------------
def test_pick_week_returns_the_median_week():
    idx = make_index(2026, "1h", "Europe/Paris")
    # production per day = week number within June-August (ISO-like count from the first Monday)
    s = pd.Series(0.0, index=idx)
    summer_mondays = [
        d
        for d in pd.date_range("2026-06-01", "2026-08-31", freq="D", tz="Europe/Paris")
        if d.day_of_week == 0 and (d + pd.Timedelta(days=6)).month <= 8
    ]
    # 2026-06-01 is a Monday; complete weeks start 1 Jun ... 24 Aug: 13 weeks
    assert summer_mondays[0] == pd.Timestamp("2026-06-01", tz="Europe/Paris")
    assert len(summer_mondays) == 13
    for k, monday in enumerate(summer_mondays):
        s[(s.index >= monday) & (s.index < monday + pd.Timedelta(days=7))] = float(k)
    # weekly totals are 168·k; the median of k = 0..12 is 6 -> the 7th Monday, 13 July
    assert plots.pick_week(s, plots.SUMMER_MONTHS) == pd.Timestamp("2026-07-13", tz="Europe/Paris")


def test_pick_week_winter_spans_new_year_months_and_none_when_no_week():
    idx = make_index(2026, "1h", "Europe/Paris")
    s = pd.Series(1.0, index=idx)
    start = plots.pick_week(s, plots.WINTER_MONTHS)
    assert start.day_of_week == 0 and start.month in (12, 1, 2)
    assert all(d.month in (12, 1, 2) for d in pd.date_range(start, periods=7, freq="D"))
    assert plots.pick_week(s[s.index.month == 3].iloc[: 24 * 5], (3,)) is None


def test_typical_day_is_mean_power_by_time_of_day():
    idx = make_index(2026, "30min", "Europe/Paris")
    # energy per half-hour = hour of day -> mean power [kW] = hour / 0.5 h
    s = pd.Series(idx.hour.to_numpy(dtype=float), index=idx)
    prof = plots.typical_day_frame(s, plots.SUMMER_MONTHS, 0.5)
    assert len(prof) == 48
    np.testing.assert_allclose(prof.to_numpy(), np.repeat(np.arange(24), 2) / 0.5)


def test_monthly_self_sufficiency_hand_computed():
    idx = pd.date_range("2026-01-01", "2026-03-01", freq="1D", tz="Europe/Paris", inclusive="left")
    cons = pd.DataFrame({"a": 10.0, "b": 0.0}, index=idx)
    alloc = pd.DataFrame({"a": np.where(idx.month == 1, 2.5, 10.0), "b": 0.0}, index=idx)
    pct = plots.monthly_self_sufficiency_pct(alloc, cons)
    assert pct.loc[1, "a"] == pytest.approx(25.0) and pct.loc[2, "a"] == pytest.approx(100.0)
    assert pct["b"].isna().all()  # no consumption: undefined, not 0 %


# -- HTML ------------------------------------------------------------------------------------------
def test_html_has_every_figure_as_embedded_svg(html_en):
    imgs = _images(html_en)
    assert set(imgs) == set(FIGURE_IDS) - {"fig-key-comparison"}
    for fid, svg in imgs.items():
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg"), fid
        assert len(svg) > 5000, fid  # a real drawing, not an empty canvas


def test_html_is_self_contained(html_en):
    # no fetch of anything: no http(s) src/href, no @import, no url() except data: URIs, no script
    assert not re.search(r'(src|href)\s*=\s*"(?!data:)', html_en)
    assert "@import" not in html_en and "<script" not in html_en.lower()
    assert not re.search(r"url\((?!data:)", html_en)


def test_html_summary_numbers_match_the_frames(result, html_en):
    prod_mwh = result.production_kwh.sum() / 1000
    used_pct = 100 * result.allocated_kwh.to_numpy().sum() / result.production_kwh.sum()
    savings = float(
        (
            result.consumption_kwh.sum() * SUPPLY
            - result.grid_import_kwh.sum() * SUPPLY
            - result.allocated_kwh.sum() * INTERNAL
        ).sum()
    )
    summary = html_en.split('<section id="plots">')[0]
    assert f"{fmt_number(prod_mwh, 0)} MWh" in summary
    assert f"{fmt_number(used_pct, 0)} %" in summary
    assert f"{fmt_number(savings, 0)} €" in summary
    for name in result.scenario.venue_names:
        assert name.replace("'", "&#x27;") in summary
    # summary comes before the figures
    assert html_en.index('id="summary"') < html_en.index('id="fig-monthly-energy"')


def test_html_says_what_is_missing(result):
    page = build_html_report(make_fake_result(result.scenario, finance=False), "en")
    cash = re.search(r'<figure id="fig-cashflow"[^>]*>(.*?)</figure>', page, re.S).group(1)
    assert tr("unavailable", "en", reason=tr("no_finance", "en")) in cash.replace("&#x27;", "'")
    keys = re.search(r'<figure id="fig-key-comparison"[^>]*>(.*?)</figure>', page, re.S).group(1)
    assert "Not available" in keys and "<img" not in keys


def test_html_french_labels(result, html_en):
    page = build_html_report(result, "fr")
    assert '<html lang="fr">' in page
    assert tr("title", "fr") in page and tr("fig_monthly", "fr") in page
    assert tr("title", "en") not in page and tr("fig_monthly", "en") not in page
    assert set(_images(page)) == set(_images(html_en))


def test_every_label_exists_in_every_language():
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGS), key
        fields = {lang: set(re.findall(r"{(\w+)}", t)) for lang, t in texts.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, key  # same placeholders
    with pytest.raises(ValueError, match="lang"):
        tr("title", "de")


def test_no_meter_id_in_any_report(result, html_en, tmp_path):
    assert result.scenario.venues[0].meter_id == METER_ID
    assert METER_ID not in html_en
    path = write_excel_report(result, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(METER_ID in str(v) for v in row if v is not None)


def test_write_html_is_atomic(result, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")
    with pytest.raises(TypeError):
        write_text_atomic(target, None)  # fails while writing the temporary file
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    out = write_html_report(result, target, "en")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- key comparison ----------------------------------------------------------------------------------
def test_consumption_shares_and_static_variant(result):
    shares = consumption_shares(result)
    total = result.consumption_kwh.to_numpy().sum()
    for name in result.scenario.venue_names:
        assert shares[name] == pytest.approx(result.consumption_kwh[name].sum() / total, abs=1e-11)
    assert sum(shares.values()) <= 1.0
    variant = key_variant(result.scenario, "static", result)
    assert variant.key.type == "static"
    assert variant.key.coefficients == tuple(shares[n] for n in result.scenario.venue_names)
    assert key_variant(variant, "prorata").key.coefficients is None  # old coefficients dropped


def test_compare_keys_collects_results_and_failures(result):
    calls = []

    def fake_run(sc):
        calls.append(sc.key.type)
        if sc.key.type == "optimised":
            raise NotImplementedError("key.type = 'optimised' is not wired into the pipeline yet")
        return make_fake_result(sc, finance=False, key_coefficients=np.array(sc.key.coefficients))

    comp = compare_keys(result, ("prorata", "static", "optimised"), run=fake_run)
    assert calls == ["static", "optimised"]  # the base run (prorata) is reused
    assert list(comp.savings_eur.index) == ["prorata", "static"]
    assert "optimised" in comp.failed and "not wired" in comp.failed["optimised"]
    pd.testing.assert_series_equal(
        comp.savings_eur.loc["prorata"], result.bills["savings_eur"], check_names=False
    )
    # the pro-rata key never leaves surplus while a venue still imports; fixed shares can:
    # so collective self-consumption under pro rata is at least that of any fixed key
    assert (
        comp.collective.loc["prorata", "self_consumption_pct"]
        >= comp.collective.loc["static", "self_consumption_pct"] - 1e-9
    )
    page = build_html_report(result, "en", extra={"key_comparison": comp})
    assert "fig-key-comparison" in _images(page)
    assert "optimised" in page and "not wired" in page


# -- Excel -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory):
    comp = KeyComparison(
        savings_eur=pd.DataFrame([result.bills["savings_eur"]], index=["prorata"]),
        self_sufficiency_pct=pd.DataFrame(
            [result.venue_summary()["self_sufficiency_pct"]], index=["prorata"]
        ),
        collective=pd.DataFrame(
            [
                {
                    k: result.collective_summary()[k]
                    for k in (
                        "self_consumption_pct",
                        "self_sufficiency_pct",
                        "surplus_kwh",
                        "savings_eur",
                    )
                }
            ],
            index=["prorata"],
        ),
    )
    path = write_excel_report(
        result,
        tmp_path_factory.mktemp("xlsx") / "report.xlsx",
        "en",
        extra={"key_comparison": comp},
    )
    return load_workbook(path)


def _sheet_table(ws) -> tuple[list, list[list]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


def test_excel_sheets_and_units(workbook):
    assert workbook.sheetnames == [
        "Decision",
        "Assumptions",
        "Energy per venue",
        "Monthly energy",
        "Bills",
        "Cash flows",
        "NPV IRR payback",
        "Key comparison",
        "Eligibility",
    ]
    text_columns = {"Venue", "Month", "Year", "Grid price trend", "Party"}
    for name in ("Energy per venue", "Monthly energy", "Bills", "Cash flows", "NPV IRR payback"):
        header, rows = _sheet_table(workbook[name])
        numeric = [h for h in header if h not in text_columns]
        assert numeric and all("[" in h for h in numeric), (
            name,
            header,
        )  # every number column has a unit


def test_excel_energy_numbers_are_numbers(result, workbook):
    header, rows = _sheet_table(workbook["Energy per venue"])
    by_name = {r[0]: r for r in rows if r[0] is not None}
    for name in result.scenario.venue_names:
        r = by_name[name]
        assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in r[1:5])
        assert r[header.index("Consumption [kWh/yr]")] == pytest.approx(
            result.consumption_kwh[name].sum()
        )
        assert r[header.index("Solar received [kWh/yr]")] == pytest.approx(
            result.allocated_kwh[name].sum()
        )
    header, rows = _sheet_table(workbook["Monthly energy"])
    assert len(rows) == 12
    assert sum(r[1] for r in rows) == pytest.approx(result.production_kwh.sum())


def test_excel_bills_and_finance(result, workbook):
    header, rows = _sheet_table(workbook["Bills"])
    total = rows[-1]
    assert total[header.index("Savings [€/yr]")] == pytest.approx(result.bills["savings_eur"].sum())
    assert "energy_supply_eur [€/yr]" in header  # breakdown columns kept, unit from the name
    header, rows = _sheet_table(workbook["Cash flows"])
    assert len(rows) == 2 * 21 and header[:2] == ["Grid price trend", "Year"]
    flat = [r for r in rows if r[0] == "stable prices"]
    col = header.index("producer (project): Cumulative [€]")
    assert flat[-1][1] == 20 and flat[-1][col] == pytest.approx(-400_000 + 20 * 30_000)
    rising = [r for r in rows if r[0] == "+3 %/yr"]
    col = header.index("le 6b: Cash flow [€]")
    s6b = result.bills.loc["le 6b", "savings_eur"]
    assert rising[2][col] == pytest.approx(s6b * 1.03)  # year 2 = year-1 savings + 3 %
    assert rising[0][col] == pytest.approx(-3 * s6b)
    header, rows = _sheet_table(workbook["NPV IRR payback"])
    producer = next(r for r in rows if r[0] == "stable prices" and r[1] == "producer (project)")
    # hand check: IRR of -400k then 20 × 30k solves Σ 30k/(1+r)^t = 400k -> r ≈ 4.22 %
    assert producer[header.index("Internal rate of return [%]")] == pytest.approx(4.22, abs=0.01)
    # 14 × 30k = 420k ≥ 400k, 13 × 30k < 400k
    assert producer[header.index("Payback [years]")] == 14.0


def test_excel_assumptions_list_every_parameter(result, workbook):
    header, rows = _sheet_table(workbook["Assumptions"])
    params = {r[0]: r for r in rows}
    r = params["plant.sections[east].peak_power_kwp"]
    assert r[1] == 200.0 and r[2] == "kWp" and r[3] == "scenario file"
    assert params["prices.supply_price_eur_per_kwh"][2] == "€/kWh"
    assert params["simulation.timezone"][1:4] == ["Europe/Paris", None, "scenario file"]
    assert params["venues[Les Poussières].meter_id"][1].startswith("set (hidden")
    assert params["finance_projection.lifetime_years"][1] == 20
    assert params["finance_projection.capex_eur"][1:4] == [
        400_000,
        "€",
        "ASSUMPTION (data file default)",
    ]

    # every leaf of the scenario file is listed
    def leaves(node, prefix=""):
        for k, v in node.items():
            if isinstance(v, dict):
                yield from leaves(v, f"{prefix}{k}.")
            elif not isinstance(v, list) or not v or not isinstance(v[0], dict):
                yield f"{prefix}{k}"

    # table entries are listed as field[key]; compare with dotted TOML paths
    dotted = {re.sub(r"\[([^\]]+)\]", r".\1", p) for p in params if isinstance(p, str)}
    for leaf in leaves(result.scenario.raw):
        assert leaf in dotted, leaf
    for venue in result.scenario.raw["venues"]:
        for leaf in leaves(venue):
            if leaf != "name":
                assert f"venues.{venue['name']}.{leaf}" in dotted, leaf
    for section in result.scenario.raw["plant"]["sections"]:
        for leaf in leaves(section):
            assert f"plant.sections.{section['name']}.{leaf}" in dotted, leaf


def test_assumption_rows_cover_defaults_and_units():
    rows = {r["parameter"]: r for r in assumption_rows(make_scenario(with_meter=False))}
    assert rows["simulation.step"]["value"] == "1h" and rows["simulation.step"]["from_file"]
    assert rows["venues[Les Poussières].meter_id"]["value"] is None
    # a field the file leaves out is listed with its default and marked as such
    data = read_scenario_mapping(REPO / "scenarios" / "greenkommon.toml")
    del data["simulation"]["timezone"]
    rows = {r["parameter"]: r for r in assumption_rows(parse_scenario(data, "x.toml"))}
    assert (
        rows["simulation.timezone"]["value"] == "Europe/Paris"
        and not rows["simulation.timezone"]["from_file"]
    )
    assert rows["simulation.year"]["from_file"]
    # a key the file sets but no typed field of that name holds is still listed, as written
    sc = make_scenario(with_meter=False)
    raw = merge_scenario(
        sc.raw, {"venues": [{"name": "le 6b", "load": {"mix": {"studios": 0.75}}}]}
    )
    rows = {r["parameter"]: r for r in assumption_rows(dataclasses.replace(sc, raw=raw))}
    r = rows["venues[le 6b].load.mix.studios"]
    assert r["value"] == 0.75 and r["from_file"] and r["as_written"]
    assert not rows["venues[le 6b].load.annual_consumption_kwh"]["as_written"]
    assert (
        unit_of("annual_consumption_kwh") == "kWh"
        and unit_of("supply_price_eur_per_kwh") == "€/kWh"
    )
    assert unit_of("tilt_deg") == "°" and unit_of("discount_rate") == "-"


def test_excel_french_and_missing_finance(result, tmp_path):
    wb = build_workbook(make_fake_result(result.scenario, finance=False), "fr")
    assert "Hypothèses" in wb.sheetnames
    note = wb["Flux de trésorerie"]["A1"].value
    assert note.startswith("Non disponible")
    assert wb["Comparaison des clés"]["A1"].value.startswith("Non disponible")


def test_finance_tables_from_projection(result):
    fin = finance_tables(result)
    assert isinstance(fin, FinanceTables)
    assert fin.shown_case == "+3 %/yr"  # rising prices shown to members, like `greenkommon finance`
    names = result.scenario.venue_names
    assert list(fin.cash_flows_eur.columns) == [*names, "producer (project)", "producer (equity)"]
    assert fin.venues == names
    assert fin.metrics.loc[("flat", "producer (project)"), "irr_pct"] == pytest.approx(
        4.2166, abs=1e-3
    )
    assert finance_tables(make_fake_result(result.scenario, finance=False)) == "no_finance"


def test_html_finance_section(result, html_en):
    part = html_en.split('id="fig-cashflow"')[1].split('id="fig-key-comparison"')[0]
    assert "<img" in part and "+3 %/yr" in part and "stable prices" in part
    fin = finance_tables(result)
    npv = fin.metrics.loc[("flat", "le 6b"), "npv_eur"]
    assert fmt_number(npv, 0) in part
    assert "producer (shareholders)" in part


def test_tariff_figures_listed_with_confidence(result, html_en, workbook):
    sources = html_en.split('<section id="sources">')[1]
    assert "2 of the 3 tariff figures" in sources
    assert (
        "turpe.acc_coefficient" in sources
        and "UNCONFIRMED" in sources
        and "internal.price" in sources
    )
    assert "supply.base" not in sources  # only flagged figures are listed for members
    rows = [list(r) for r in workbook["Assumptions"].iter_rows(values_only=True)]
    header_at = next(
        i for i, r in enumerate(rows) if r[:4] == ["Figure", "Value", "Unit", "Confidence"]
    )
    listed = {r[0]: r for r in rows[header_at + 1 : header_at + 4]}
    assert listed["turpe.acc_coefficient"][1:4] == [0.0123, "€/kWh", "UNCONFIRMED"]
    assert listed["supply.base"][4] == "tariff sheet"
    assert list(listed)[:2] == ["internal.price", "turpe.acc_coefficient"]  # flagged first


def test_optional_uncertainty_histogram(html_en):
    # 1..100: median (50 + 51) / 2 = 50.5; 10th percentile at rank 0.1 · 99 = 9.9 -> 10 + 0.9 = 10.9
    assert p50_p90(np.arange(1.0, 101.0)) == pytest.approx((50.5, 10.9))
    samples = np.random.default_rng(0).normal(20_000, 1_000, 500)
    part = _uncertainty_figure({"savings_eur_samples": samples}, "en", "svg")
    assert (
        part.startswith('<figure id="fig-uncertainty" class="plot">')
        and "data:image/svg+xml;base64," in part
    )
    assert 'id="fig-uncertainty"' not in html_en  # optional: absent when not computed
    few = _uncertainty_figure({"savings_eur_samples": [1.0]}, "en", "svg")
    assert "fewer than two samples" in few and "<img" not in few


def test_eligibility_block(result):
    import greenkommon.report.html as report_html

    rep = SimpleNamespace(
        eligible=False,
        rule=SimpleNamespace(label="general rule (2 km)"),
        farthest_pair=("roof", "le 6b"),
        max_distance_km=4.481,
        limit_km=2.0,
        power_ok=True,
        largest_subsets=(("Les Poussières", "Villa Mais d'Ici"),),
        notes=("a caveat",),
    )
    block = report_html._eligibility_block(dataclasses.replace(result, eligibility=rep), "en")
    assert block.startswith('<div id="eligibility" class="missing">')
    assert "No: as described" in block and "4.48 km apart; the rule allows 2 km" in block
    assert "Les Poussières, Villa Mais d&#x27;Ici" in block and "a caveat" in block
    ok = SimpleNamespace(**{**vars(rep), "eligible": True, "max_distance_km": 1.5})
    block = report_html._eligibility_block(dataclasses.replace(result, eligibility=ok), "fr")
    assert 'class="ok"' in block and "Oui" in block and "Plus grands groupes" not in block


def test_html_ids_unique_and_monthly_numbers(result, html_en):
    ids = re.findall(r'\sid="([^"]+)"', html_en)
    assert len(ids) == len(set(ids))
    details = re.search(r"<details>(.*?)</details>", html_en, re.S).group(1)
    rows = re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", details)
    assert [r[0] for r in rows] == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    july = re.findall(r'<td class="n">([^<]*)</td>', rows[6][1])
    prod = result.production_kwh[result.index.month == 7].sum() / 1000
    assert july[0] == fmt_number(prod, 1)
    venue = result.scenario.venue_names[2]
    share = (
        100
        * result.allocated_kwh[venue][result.index.month == 7].sum()
        / result.consumption_kwh[venue][result.index.month == 7].sum()
    )
    n = len(result.scenario.venue_names)
    assert july[2 + n + 2] == fmt_number(share, 1)


def test_write_excel_is_atomic(result, tmp_path):
    from fs_faults import disk_full

    from greenkommon.errors import OutputError

    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old workbook")
    with disk_full(tmp_path), pytest.raises(OutputError, match="no space left on device"):
        write_excel_report(result, target)
    assert target.read_bytes() == b"old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_venue_colours_never_look_like_the_sun_or_the_surplus():
    colours = plots.venue_colors([f"v{i}" for i in range(7)])
    assert len(set(colours.values())) == 7
    assert not {plots.SUN_COLOR, plots.SURPLUS_COLOR, "#ff7f0e"} & set(colours.values())
