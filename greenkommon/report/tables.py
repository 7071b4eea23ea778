"""Tables shared by the HTML and Excel reports: key comparison, finance, assumptions.

The key comparison re-runs the scenario under other sharing keys (it is the only part of the
report that simulates); everything else only reads a :class:`~greenkommon.pipeline.ScenarioResult`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..economics.tariffs import FLAGGED_CONFIDENCE
from ..errors import GreenkommonError

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import ScenarioResult
    from ..results import EnergyResult, PortfolioResult
    from ..scenario import Scenario

#: Keys compared by default: Enedis's default, fixed shares, optimised fixed shares.
COMPARED_KEYS = ("prorata", "static", "optimised")


@dataclass(frozen=True)
class KeyComparison:
    """One scenario simulated under several sharing keys.

    Attributes
    ----------
    savings_eur : pandas.DataFrame
        Rows: key types; columns: venues [€/yr].
    self_sufficiency_pct : pandas.DataFrame
        Rows: key types; columns: venues [%].
    collective : pandas.DataFrame
        Rows: key types; columns ``self_consumption_pct``, ``self_sufficiency_pct`` [%],
        ``surplus_kwh`` [kWh/yr], ``savings_eur`` [€/yr].
    coefficients : dict
        Static coefficients used per key type (venue order) [-], ``None`` for dynamic keys.
    failed : dict
        Key type -> one-line reason, for keys that could not be simulated.
    label_keys : dict
        Key type -> label of :mod:`greenkommon.report.i18n` describing the variant when it
        differs from the plain key name (fixed shares sized on yearly consumption).
    """

    savings_eur: pd.DataFrame
    self_sufficiency_pct: pd.DataFrame
    collective: pd.DataFrame
    coefficients: dict[str, np.ndarray | None] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    label_keys: dict[str, str] = field(default_factory=dict)


#: Columns of the per-venue summary table (``greenkommon run`` and the HTML report).
VENUE_SUMMARY_COLUMNS = (
    "consumption_kwh",
    "allocated_kwh",
    "grid_import_kwh",
    "self_sufficiency_pct",
    "bill_without_eur",
    "bill_with_eur",
    "savings_eur",
)


def venue_summary_rows(
    result: ScenarioResult, fmt: Callable[[float, int], str], all_label: str
) -> list[list[str]]:
    """One row per venue, then the all-venues row (label ``all_label``) of the summary table.

    Values of :data:`VENUE_SUMMARY_COLUMNS` go through ``fmt(value, decimals)``: one decimal for
    percentages, none otherwise. The all-venues grid import is consumption − allocated [kWh].
    """

    def row(label: str, values: Any) -> list[str]:
        return [
            label,
            *(fmt(values[c], 1 if c.endswith("_pct") else 0) for c in VENUE_SUMMARY_COLUMNS),
        ]

    rows = [row(str(name), r) for name, r in result.venue_summary().iterrows()]
    total = dict(result.collective_summary())
    total["grid_import_kwh"] = total["consumption_kwh"] - total["allocated_kwh"]
    rows.append(row(all_label, total))
    return rows


def consumption_shares(result: ScenarioResult) -> dict[str, float]:
    """Fixed shares proportional to each venue's yearly consumption [-] (Σ = 1).

    Notes
    -----
    The plainest fixed key a group would write by hand; it differs from the pro-rata key because
    it ignores *when* each venue consumes. Shares are floored to 1e-12 so their float sum never
    exceeds 1.
    """
    cons = result.consumption_kwh.sum()
    total = float(cons.sum())
    if total <= 0:
        n = len(cons)
        return {str(k): 1.0 / n for k in cons.index}
    return {str(k): math.floor(float(v) / total * 1e12) / 1e12 for k, v in cons.items()}


def key_variant(
    scenario: Scenario,
    key_type: str,
    base: ScenarioResult | None = None,
    operation: str | None = None,
) -> Scenario:
    """``scenario`` with one operation's key replaced by a key of type ``key_type``.

    A ``static`` variant reuses the operation's own coefficients when its key is static, else
    takes shares proportional to yearly consumption (needs ``base``, that operation's result).

    Parameters
    ----------
    operation : str, optional
        The operation whose key changes (default: the first).
    """
    from ..config.scenario import KeyConfig

    ops = list(scenario.operations)
    i = next((k for k, op in enumerate(ops) if op.name == operation), 0) if operation else 0
    op = ops[i]
    coefficients = None
    if key_type == "static":
        if op.key.type == "static" and op.key.coefficients is not None:
            coefficients = op.key.coefficients
        elif base is not None:
            shares = consumption_shares(base)
            coefficients = tuple(shares[n] for n in op.venues)
        else:
            raise ValueError("a static variant needs the base result to size its shares")
    elif key_type in ("redistributed", "priority", "dynamic"):
        raise ValueError(f"a {key_type!r} key needs its own table ([key] coefficients or file)")
    ops[i] = replace(op, key=KeyConfig(type=key_type, coefficients=coefficients))
    return replace(scenario, operations=tuple(ops), key=ops[0].key if i == 0 else scenario.key)


def compare_keys(
    result: ScenarioResult | PortfolioResult,
    key_types: Iterable[str] = COMPARED_KEYS,
    run: Callable[[Scenario], ScenarioResult] | None = None,
    progress: Callable[[str], None] | None = None,
    energy: EnergyResult | None = None,
) -> KeyComparison:
    """Evaluate one operation under each key of ``key_types``, on the same simulated energy.

    Parameters
    ----------
    result : OperationResult or PortfolioResult
        The base run of the operation (a portfolio of one operation: that operation); reused as
        is for its own key type.
    key_types : iterable of str
        Key types to compare (see :data:`greenkommon.config.KEY_TYPES`).
    run : callable, optional
        ``Scenario -> OperationResult`` for a variant. Default: :func:`greenkommon.evaluate`
        of the variant on ``energy`` (no new physical simulation).
    progress : callable, optional
        Called with each key type before it runs.
    energy : EnergyResult, optional
        The simulated energy (taken from ``result`` when it is a :class:`PortfolioResult`).

    Returns
    -------
    KeyComparison
        A key that fails (infeasible optimisation, ...) is listed in ``failed`` with its reason
        instead of stopping the report.
    """
    from ..results import PortfolioResult

    if isinstance(result, PortfolioResult):
        energy = result.energy if energy is None else energy
        result = result.only_operation
    if run is None:
        from ..evaluate import evaluate, run_scenario

        sim = energy

        def run(variant: Scenario) -> ScenarioResult:
            if sim is None:
                return run_scenario(variant).only_operation
            return evaluate(variant, sim, project_finance=False).only_operation

    sc = result.scenario
    names = sc.venue_names
    savings, suff, coll, coefs, failed, label_keys = {}, {}, {}, {}, {}, {}
    for key_type in key_types:
        if progress is not None:
            progress(key_type)
        try:
            if key_type == sc.key.type:
                res = result
            else:
                res = run(key_variant(sc, key_type, result))
        except (GreenkommonError, NotImplementedError, ValueError) as exc:
            failed[key_type] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            continue
        table = res.venue_summary()
        savings[key_type] = table["savings_eur"].reindex(names)
        suff[key_type] = table["self_sufficiency_pct"].reindex(names)
        c = res.collective_summary()
        coll[key_type] = {
            k: c[k]
            for k in ("self_consumption_pct", "self_sufficiency_pct", "surplus_kwh", "savings_eur")
        }
        coefs[key_type] = res.coefficients
        if key_type == "static" and sc.key.type != "static":
            label_keys[key_type] = "key_static_volumes"
    return KeyComparison(
        savings_eur=pd.DataFrame(savings).T.reindex(columns=names),
        self_sufficiency_pct=pd.DataFrame(suff).T.reindex(columns=names),
        collective=pd.DataFrame(coll).T,
        coefficients=coefs,
        failed=failed,
        label_keys=label_keys,
    )


# -- finance -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FinanceTables:
    """The long-term projection in report form.

    Attributes
    ----------
    cases : dict of str to pandas.DataFrame
        One per supply-price escalation case (``"flat"``, ``"+3 %/yr"``, ...): rows project
        years (0 = investment year), columns parties (each venue, then the producer) [€].
    metrics : pandas.DataFrame
        Index (case, party); columns ``npv_eur`` [€], ``irr_pct`` [%], ``payback_years`` and
        ``discounted_payback_years`` [yr] (NaN when undefined or beyond the project life).
    shown_case : str
        The case the members' figure shows.
    venues : list of str
        The parties that are venues (the others belong to the producer).
    assumptions : list of tuple
        ``(name, value, label)`` of the finance figures used (label: scenario, ASSUMPTION, ...).
    """

    cases: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    shown_case: str
    venues: list[str]
    assumptions: list[tuple[str, Any, str]] = field(default_factory=list)

    @property
    def cash_flows_eur(self) -> pd.DataFrame:
        """Yearly cash flows of the shown case (years × parties) [€]."""
        return self.cases[self.shown_case]


def default_case(names: list[str]) -> str:
    """The case shown to members: the first with rising prices (else the only one)."""
    return next((n for n in names if n != "flat"), names[0])


def tables_from_projection(fin: Any, venue_names: list[str]) -> FinanceTables:
    """Convert the economics stage's projection (``economics.finance.FinanceResult``).

    Uses its documented structure: ``cases`` (name -> case with ``venues`` indexed by
    (venue, year) holding ``cash_flow_eur``, ``producer`` indexed by year holding
    ``project_cash_flow_eur`` and ``equity_cash_flow_eur``, ``metrics`` by stakeholder with
    ``npv_eur``, ``irr`` [-], ``simple_payback_years``, ``discounted_payback_years``),
    ``discount_rate``, ``lifetime_years``, ``lcoe_eur_per_kwh`` and ``producer_inputs.labels``.
    """
    cases: dict[str, pd.DataFrame] = {}
    metrics = []
    for name, case in fin.cases.items():
        venues = case.venues["cash_flow_eur"].unstack("venue").reindex(columns=venue_names)
        producer = case.producer
        flows = venues.copy()
        flows["producer (project)"] = producer["project_cash_flow_eur"]
        flows["producer (equity)"] = producer["equity_cash_flow_eur"]
        flows.index.name = "year"
        cases[name] = flows
        m = case.metrics
        metrics.append(
            pd.DataFrame(
                {
                    "npv_eur": m["npv_eur"],
                    "irr_pct": 100.0 * m["irr"],
                    "payback_years": m["simple_payback_years"],
                    "discounted_payback_years": m["discounted_payback_years"],
                }
            ).assign(case=name)
        )
    table = pd.concat(metrics)
    table.index.name = "party"
    table = table.reset_index().set_index(["case", "party"])
    assumptions: list[tuple[str, Any, str]] = [
        ("lifetime_years", int(fin.lifetime_years), "scenario"),
        ("discount_rate", float(fin.discount_rate), "scenario"),
        ("lcoe_eur_per_kwh", float(fin.lcoe_eur_per_kwh), "computed"),
    ]
    pin = fin.producer_inputs
    for key, label in pin.labels.items():
        assumptions.append((key, getattr(pin, key), str(label)))
    return FinanceTables(
        cases=cases,
        metrics=table,
        # the scenario's headline case ([finance] headline_case), as every other output
        shown_case=getattr(fin, "reference_case", "") or default_case(list(cases)),
        venues=list(venue_names),
        assumptions=assumptions,
    )


def finance_tables(result: ScenarioResult) -> FinanceTables | str:
    """The long-term projection of ``result``, or why there is none.

    Taken from ``result.finance`` (:func:`greenkommon.evaluate.evaluate` projects it).

    Returns
    -------
    FinanceTables or str
        A string is the reason the projection is missing: a label key of
        :mod:`greenkommon.report.i18n`.
    """
    fin = result.finance
    if fin is None:
        return "no_finance"  # the run chose not to project (evaluate(..., project_finance=False))
    if isinstance(fin, FinanceTables):
        return fin
    names = list(result.scenario.venue_names)
    return tables_from_projection(fin, names)


# -- tariff figures --------------------------------------------------------------------------------


def is_flagged(confidence: Any) -> bool:
    """True when a confidence label carries one of the economics stage's flagged labels
    (``UNCONFIRMED``, ``ASSUMPTION``, ``EXTRAPOLATED``)."""
    text = str(confidence or "").upper()
    return any(label in text for label in FLAGGED_CONFIDENCE)


def tariff_figures(result: ScenarioResult) -> pd.DataFrame:
    """Tariff and regulatory figures the bills used, with confidence and source.

    Read from ``result.bills.attrs['figures']`` (objects with ``key``, ``value``, ``unit``,
    ``confidence``, ``source``, as the economics stage records them).

    Returns
    -------
    pandas.DataFrame
        Columns ``figure``, ``value``, ``unit``, ``confidence``, ``source``, flagged figures
        (UNCONFIRMED, ASSUMPTION) first; empty when the economics stage recorded none.
    """
    figs = result.bills.attrs.get("figures", [])
    rows = [
        {
            "figure": str(f.key),
            "value": f.value,
            "unit": str(f.unit),
            "confidence": str(f.confidence),
            "source": str(f.source),
        }
        for f in figs
    ]
    table = pd.DataFrame(rows, columns=["figure", "value", "unit", "confidence", "source"])
    if table.empty:
        return table
    order = (~table["confidence"].map(is_flagged)).astype(int)
    return (
        table.assign(_o=order)
        .sort_values(["_o", "figure"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


# -- assumptions ---------------------------------------------------------------------------------
_UNITS = (
    ("_eur_per_kwp_year", "€/kWp/yr"),
    ("_eur_per_kwh", "€/kWh"),
    ("_eur_per_kwp", "€/kWp"),
    ("_eur_per_year", "€/yr"),
    ("_per_year", "-/yr"),
    ("_eur", "€"),
    ("_kwh_per_kwp", "kWh/kWp"),
    ("_kwh", "kWh"),
    ("_kwp", "kWp"),
    ("_kva", "kVA"),
    ("_kw", "kW"),
    ("_deg", "°"),
    ("_pct", "%"),
    ("_pct_per_c", "%/°C"),
    ("_temp_c", "°C"),
    ("_hours", "h"),
    ("_share", "-"),
    ("_years", "yr"),
    ("_km", "km"),
    ("_m", "m"),
)

#: Fields whose value is never written in a report (meter ids identify a household/business).
_PRIVATE_FIELDS = ("meter_id",)


def unit_of(name: str) -> str:
    """Unit carried by a parameter name (``supply_price_eur_per_kwh`` -> ``€/kWh``), '' if none."""
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    if name.endswith("_rate"):
        return "-"
    return ""


def assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """Every parameter of ``scenario``, defaults included, one row each.

    The typed scenario is walked first (so defaults the file leaves out are listed); then every
    value written in the file that no typed field matched by name (a stage may read a TOML key
    into a field of another name) is added as written, so nothing the user set is left out.

    Returns
    -------
    list of dict
        Keys ``parameter`` (dotted path, venues and roof sections by name), ``value`` (number,
        bool or text), ``unit``, ``from_file`` (True when the scenario file sets it, False for
        a default) and ``as_written`` (True for the file's own keys added in the second pass).
        Meter ids are never returned, only whether one is set.
    """
    rows: list[dict[str, Any]] = []
    raw_root = scenario.raw
    covered: set[tuple] = set()

    def leaf_value(name: str, obj: Any) -> Any:
        if name in _PRIVATE_FIELDS:
            return None if obj is None else "***"
        if isinstance(obj, Path):
            return str(obj)
        if isinstance(obj, tuple | list):
            return ", ".join(_plain(v) for v in obj)
        if isinstance(obj, np.ndarray):
            return ", ".join(f"{v:g}" for v in obj)
        if isinstance(obj, dict):
            return ""
        return obj

    def walk(obj: Any, path: tuple[str, ...], raw_path: tuple, name: str = "") -> None:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                # repr=False marks bookkeeping (raw mapping, location strings), not parameters
                if f.name in ("raw", "file") or not f.repr:
                    continue
                walk(getattr(obj, f.name), (*path, f.name), (*raw_path, f.name), f.name)
            return
        if isinstance(obj, tuple) and obj and all(dataclasses.is_dataclass(v) for v in obj):
            for i, item in enumerate(obj):
                label = getattr(item, "name", str(i))
                walk(item, (*path[:-1], f"{path[-1]}[{label}]"), (*raw_path, i), name)
            return
        if isinstance(obj, dict) and obj:
            for k, v in obj.items():
                walk(v, (*path[:-1], f"{path[-1]}[{k}]"), (*raw_path, str(k)), name)
            return
        raw_value = _raw_at(raw_root, raw_path)
        from_file = raw_value is not _ABSENT
        # a table in the file read into a scalar field (e.g. a mix summarised by its main item)
        # is not fully shown by the field: leave its keys to the as-written pass
        if from_file and not (
            isinstance(raw_value, dict) and raw_value and not isinstance(obj, dict)
        ):
            covered.add(raw_path)
        rows.append(
            {
                "parameter": ".".join(path),
                "value": leaf_value(name, obj),
                "unit": unit_of(name),
                "from_file": from_file,
                "as_written": False,
            }
        )

    walk(scenario, (), ())

    def raw_leaves(node: Any, raw_path: tuple, shown: tuple[str, ...]):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from raw_leaves(v, (*raw_path, k), (*shown, str(k)))
        elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
            for i, item in enumerate(node):
                label = str(item.get("name", i))
                yield from raw_leaves(item, (*raw_path, i), (*shown[:-1], f"{shown[-1]}[{label}]"))
        else:
            yield raw_path, shown, node

    for raw_path, shown, value in raw_leaves(raw_root, (), ()):
        if raw_path == ("extends",) or any(
            raw_path[:k] in covered for k in range(1, len(raw_path) + 1)
        ):
            continue
        # a typed field of another name read this key: list it as the file wrote it
        name = str(raw_path[-1])
        rows.append(
            {
                "parameter": ".".join(shown),
                "value": leaf_value(name, value),
                "unit": unit_of(name),
                "from_file": True,
                "as_written": True,
            }
        )
    return rows


_ABSENT = object()


def _plain(value: Any) -> str:
    """Short text of a list item: ``0.45`` not ``0.45000``, pairs as ``name = value``."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list) and len(value) == 2:
        return f"{_plain(value[0])} = {_plain(value[1])}"
    return str(value)


def _raw_at(raw: Any, path: tuple) -> Any:
    """The value at ``path`` (keys and list indices) in the raw mapping, or ``_ABSENT``."""
    node = raw
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return _ABSENT
        elif not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node
