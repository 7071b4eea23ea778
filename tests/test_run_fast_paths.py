"""The shortcuts ``greenkommon run`` takes (issue 18) give the figures of the full path.

* the other accise reading's NPV lines project its headline case only (``headline_only``): the
  same figures as the full projection with every escalation case and the bank view;
* the projection's DSCR figures come from its arrays (:func:`debt_metrics_of`) before its table
  exists: the same as :func:`debt_metrics` on the table;
* a :class:`~greenkommon.economics.tariffs.Figure` is immutable: pandas' deep copy of a bill
  table's ``attrs`` keeps the same figures.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from greenkommon.cases import (
    ACCISE_APPLIES,
    bills_by_accise_case,
    finance_by_accise_case,
    with_accise_case,
)
from greenkommon.economics.finance import debt_metrics, project_result
from greenkommon.economics.finance.bank import debt_metrics_of
from greenkommon.economics.tariffs import Figure


@pytest.fixture(scope="module")
def operation(baseline_scenario_path):
    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario

    return run_scenario(read_scenario(baseline_scenario_path)).operations[0]


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_headline_only_projection_is_the_full_projections_headline(operation):
    variant = dataclasses.replace(
        operation,
        scenario=dataclasses.replace(
            operation.scenario,
            prices=with_accise_case(operation.scenario.prices, ACCISE_APPLIES),
        ),
        bills=bills_by_accise_case(operation)[ACCISE_APPLIES],
        finance=None,
    )
    full = project_result(variant)
    short = project_result(variant, headline_only=True)
    assert len(full.cases) > 1 and full.bank is not None
    assert list(short.cases) == [full.reference_case] and short.bank is None
    ref, fast = full.headline, short.headline
    for field in ("venues", "producer", "metrics", "reconciliation"):
        _frames_equal(getattr(fast, field), getattr(ref, field))
    _frames_equal(short.metrics, full.metrics)
    assert short.lcoe_eur_per_kwh == full.lcoe_eur_per_kwh
    # and the NPV lines of `run` read exactly those figures
    fins = finance_by_accise_case(operation, headline_only=True)
    _frames_equal(fins[ACCISE_APPLIES].metrics, full.metrics)


def test_debt_metrics_from_arrays_equal_those_of_the_table(operation):
    fin = operation.finance
    for case in fin.cases.values():
        p = case.producer
        table = debt_metrics(p, "P50", 1.0)
        arrays = debt_metrics_of(
            p["project_cash_flow_eur"].to_numpy()[1:],
            p["inverter_replacement_eur"].to_numpy()[1:],
            p["interest_eur"].to_numpy()[1:],
            p["principal_eur"].to_numpy()[1:],
            "P50",
            1.0,
        )
        assert repr(arrays) == repr(table)
        # the table's own CFADS and DSCR columns are those figures
        np.testing.assert_array_equal(p["cfads_eur"].to_numpy()[1:], table.cfads_eur)
        np.testing.assert_array_equal(p["dscr"].to_numpy()[1:], table.dscr)


def test_projection_tables_have_one_row_per_venue_and_year(operation):
    case = operation.finance.headline
    names = list(operation.bills.index)
    life = operation.finance.lifetime_years
    assert list(case.venues.index.names) == ["venue", "year"]
    assert list(dict.fromkeys(case.venues.index.get_level_values("venue"))) == names
    for n in names:
        v = case.venues.loc[n]
        assert list(v.index) == list(range(life + 1))
        # cumulative columns are the running sums of their flows
        np.testing.assert_allclose(v["cumulative_cash_flow_eur"], np.cumsum(v["cash_flow_eur"]))
        np.testing.assert_allclose(
            v["savings_eur"].iloc[1:],
            v["bill_without_eur"].iloc[1:] - v["bill_with_eur"].iloc[1:],
            rtol=1e-12,
            atol=1e-6,
        )
    assert list(case.metrics.index)[-2:] == ["producer (project)", "producer (equity)"]


def test_figure_deep_copy_is_the_figure():
    fig = Figure("supply", 0.1, "€/kWh", "ASSUMPTION", "data file")
    assert copy.deepcopy(fig) is fig
    attrs = {"figures": [fig], "producer": {"allocated_kwh": 1.0}}
    copied = copy.deepcopy(attrs)
    assert copied["figures"][0] is fig and copied["producer"] is not attrs["producer"]
