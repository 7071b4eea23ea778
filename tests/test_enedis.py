"""Enedis interop: key files, the six quantities, reconciliation.

The reference case (tests/data/enedis/README.md) is computed by hand: three half-hours, one
producer, four consumers; the sample files were written from those numbers, not by the code.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from greenkommon import enedis
from greenkommon.errors import DataError

DATA = Path(__file__).parent / "data" / "enedis"
PRODUCER = "00000000000099"
PRMS = ["00000000000011", "00000000000012", "00000000000013", "00000000000014"]
NAMES = ["Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"]


@pytest.fixture
def case():
    """The hand-computed case of tests/data/enedis/README.md (kWh, interval starts)."""
    idx = pd.date_range("2026-06-21 12:00", periods=3, freq="30min", tz="Europe/Paris")
    p = pd.Series([100.0, 200.0, 30.0], index=idx)
    c = pd.DataFrame(
        [[10, 30, 40, 50], [10, 30, 40, 50], [10, 10, 10, 0]], index=idx, columns=NAMES, dtype=float
    )
    a = pd.DataFrame(
        [[10, 25, 25, 25], [10, 30, 40, 50], [10, 10, 10, 0]], index=idx, columns=NAMES, dtype=float
    )
    s = pd.Series([15.0, 70.0, 0.0], index=idx)
    return p, c, a, s


def _quantities(case, **kw):
    p, c, a, s = case
    return enedis.six_quantities(
        p, c, a, s, meter_ids=dict(zip(NAMES, PRMS, strict=True)), producer_id=PRODUCER, **kw
    )


# ----------------------------------------------------------------------------------------------
# six quantities


def test_six_quantities_hand_values(case):
    q = _quantities(case, layout="wide")
    t0 = q.index[0]
    # producer, first interval: P = 100 kWh, Σ A = 85, surplus 15
    assert q.loc[t0, (PRODUCER, "PROD")] == pytest.approx(100_000)
    assert q.loc[t0, (PRODUCER, "AUTOPROD")] == pytest.approx(85_000)
    assert q.loc[t0, (PRODUCER, "SURPLUS")] == pytest.approx(15_000)
    # consumer 4: C = 50, A = 25 (its 25 % of 100), complement 25
    assert q.loc[t0, (PRMS[3], "CONS")] == pytest.approx(50_000)
    assert q.loc[t0, (PRMS[3], "AUTOCONS")] == pytest.approx(25_000)
    assert q.loc[t0, (PRMS[3], "COMPLEMENT")] == pytest.approx(25_000)
    # second interval: default key with P ≥ ΣC: everyone fully served, surplus 200 − 130
    assert q.iloc[1][(PRODUCER, "SURPLUS")] == pytest.approx(70_000)
    assert all(q.iloc[1][(m, "COMPLEMENT")] == 0 for m in PRMS)


def test_six_quantities_long_layout_and_identities(case):
    q = _quantities(case)
    assert list(q.columns) == ["interval_start", "meter", "quantity", "energy_wh"]
    assert len(q) == 3 * (3 + 3 * 4)
    assert list(q["quantity"][:6]) == [
        "PROD",
        "AUTOPROD",
        "SURPLUS",
        "CONS",
        "AUTOCONS",
        "COMPLEMENT",
    ]
    gaps = enedis.identity_residuals(q, producer_id=PRODUCER)
    assert np.allclose(gaps.to_numpy(), 0.0)


def test_six_quantities_matches_hand_written_statement(case):
    diff = enedis.reconcile(_quantities(case), DATA / "statement_sample.csv", tolerance_wh=1e-6)
    assert diff.empty, diff


def test_meter_ids_only_where_supplied(case):
    p, c, a, s = case
    q = enedis.six_quantities(p, c, a, s, meter_ids={"le 6b": PRMS[2]})
    meters = set(q["meter"])
    assert meters == {"producer", "Les Poussières", "Villa Mais d'Ici", PRMS[2], "Mains d'Œuvres"}
    q_none = enedis.six_quantities(p, c, a)
    assert not any(m.isdigit() for m in q_none["meter"])


def test_six_quantities_rejects_inconsistent_inputs(case):
    p, c, a, s = case
    with pytest.raises(DataError, match="surplus"):
        enedis.six_quantities(p, c, a, s + 1.0)
    too_much = a.copy()
    too_much.iloc[0, 0] = 11.0  # venue 1 consumes 10 kWh
    with pytest.raises(DataError, match="more than it consumes"):
        enedis.six_quantities(p, c, too_much)
    over_p = a * 3
    with pytest.raises(DataError, match="more than the production"):
        enedis.six_quantities(p, c * 3, over_p)
    with pytest.raises(DataError, match="share a meter label"):
        enedis.six_quantities(p, c, a, meter_ids=[PRMS[0], PRMS[0], None, None])


# ----------------------------------------------------------------------------------------------
# reconciliation


def test_reconcile_lists_exactly_the_differences(case):
    diff = enedis.reconcile(_quantities(case), DATA / "statement_with_differences.csv")
    assert len(diff) == 3
    differs = diff[diff["status"] == "differs"].set_index("quantity")
    assert set(differs.index) == {"AUTOCONS", "COMPLEMENT"}
    assert (differs["meter"] == PRMS[1]).all()
    assert differs.loc["AUTOCONS", "difference_wh"] == pytest.approx(-100)
    assert differs.loc["COMPLEMENT", "difference_wh"] == pytest.approx(100)
    assert differs.loc["AUTOCONS", "interval_start"] == pd.Timestamp(
        "2026-06-21 12:00", tz="Europe/Paris"
    )
    missing = diff[diff["status"] == "missing_in_statement"].iloc[0]
    assert (missing["meter"], missing["quantity"]) == (PRODUCER, "SURPLUS")
    assert missing["interval_start"] == pd.Timestamp("2026-06-21 13:00", tz="Europe/Paris")
    # the altered statement breaks AUTOPROD = Σ AUTOCONS by the 100 Wh at the first interval
    gaps = enedis.identity_residuals(
        enedis.read_statement(DATA / "statement_with_differences.csv"), PRODUCER
    )
    assert gaps["autoprod_gap"].iloc[0] == pytest.approx(100)


def test_reconcile_tolerance_and_period(case):
    diff = enedis.reconcile(
        _quantities(case), DATA / "statement_with_differences.csv", tolerance_wh=150
    )
    assert list(diff["status"]) == ["missing_in_statement"]
    # a simulated year longer than the statement: only the statement's period is compared
    p, c, a, s = case
    idx = pd.date_range("2026-06-21 11:00", periods=6, freq="30min", tz="Europe/Paris")
    wide = [
        pd.concat([x.iloc[:1] * 0, x.iloc[:1] * 0, x, x.iloc[:1] * 0]).set_axis(idx) for x in (c, a)
    ]
    longer = enedis.six_quantities(
        pd.concat([p.iloc[:1] * 0] * 2 + [p, p.iloc[:1] * 0]).set_axis(idx),
        *wide,
        meter_ids=PRMS,
        producer_id=PRODUCER,
    )
    assert enedis.reconcile(longer, DATA / "statement_sample.csv").empty


def test_statement_round_trip_start_convention_and_units(case, tmp_path):
    q = _quantities(case)
    path = enedis.write_quantities(tmp_path / "q.csv", q, timestamps="start", decimal=".")
    first = path.read_text().splitlines()[1]
    assert first.startswith("2026-06-21T12:00:00+02:00;" + PRODUCER + ";PROD;100000.000")
    back = enedis.read_statement(path, timestamps="start")
    assert np.allclose(back["energy_wh"], q["energy_wh"])
    assert (back["interval_start"].to_numpy() == q["interval_start"].to_numpy()).all()
    kwh = tmp_path / "kwh.csv"
    kwh.write_text(
        "Horodate;Identifiant PRM;Grandeur;Valeur;Unite\n"
        "2026-06-21T12:30:00+02:00;X;CONS;1,5;kWh\n2026-06-21T13:00:00+02:00;X;CONS;250;Wh\n"
    )
    got = enedis.read_statement(kwh)
    assert list(got["energy_wh"]) == [1500.0, 250.0]
    assert got["interval_start"].iloc[0] == pd.Timestamp("2026-06-21 12:00", tz="Europe/Paris")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Horodate;PRM;Grandeur;Valeur\n", "line 1"),
        (
            "Horodate;Identifiant PRM;Grandeur;Valeur\n2026-06-21T12:30:00+02:00;X;CONS;abc\n",
            "line 2",
        ),
        ("Horodate;Identifiant PRM;Grandeur;Valeur\n2026-06-21T12:30:00;X;CONS;1\n", "offset"),
        (
            "Horodate;Identifiant PRM;Grandeur;Valeur\n2026-06-21T12:30:00+02:00;X;INJ;1\n",
            "Grandeur",
        ),
        (
            "Horodate;Identifiant PRM;Grandeur;Valeur\n2026-06-21T12:30:00+02:00;X;CONS\n",
            "line 2: 3 fields",
        ),
        (
            "Horodate;Identifiant PRM;Grandeur;Valeur\n2026-06-21T12:30:00+02:00;X;CONS;1\n"
            "2026-06-21T12:30:00+02:00;X;CONS;2\n",
            "twice",
        ),
    ],
)
def test_read_statement_errors_name_the_line(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        enedis.read_statement(path, step="30min")


# ----------------------------------------------------------------------------------------------
# coefficients and key files


def test_floor_coefficients_hand_cases():
    # 0.3 / 0.001 is 299.99999999999994 in binary: must still give 30.0 %
    assert enedis.floor_counts([0.3, 0.3, 0.4]).tolist() == [300, 300, 400]
    assert enedis.floor_counts([0.1234, 0.5678]).tolist() == [123, 567]
    assert enedis.floor_counts([1 / 3] * 3).tolist() == [333, 333, 333]
    assert enedis.floor_counts([0.12345], step=0.0001).tolist() == [1234]
    assert enedis.floor_counts([0.5, 0.5], step=0.003).tolist() == [166, 166]  # 0.5/0.003 = 166.7
    assert np.allclose(
        enedis.floor_coefficients([[0.5, 0.4999], [0.0, 1.0]]), [[0.5, 0.499], [0.0, 1.0]]
    )
    with pytest.raises(DataError, match="sums to"):
        enedis.floor_coefficients([0.6, 0.5])
    with pytest.raises(DataError):
        enedis.floor_coefficients([-0.1, 0.5])
    with pytest.raises(DataError):
        enedis.floor_coefficients([np.nan])


def test_export_dynamic_key_matches_hand_file(case, tmp_path):
    p, c, a, s = case
    path, extra_kwh = enedis.export_dynamic_key(tmp_path / "key.csv", p, a, meter_ids=PRMS)
    assert path.read_text() == (DATA / "dynamic_key_expected.csv").read_text()
    # only the last interval loses: 3 × (1/3 − 0.333) × 30 kWh = 0.03 kWh
    assert extra_kwh == pytest.approx(0.03, abs=1e-12)
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_dynamic_key_start_convention_and_names(case, tmp_path):
    p, c, a, s = case
    path, _ = enedis.export_dynamic_key(tmp_path / "key.csv", p, a, timestamps="start", decimal=".")
    lines = path.read_text().splitlines()
    assert lines[0] == "Horodate;" + ";".join(NAMES)
    assert lines[1] == "2026-06-21T12:00:00+02:00;10.0;25.0;25.0;25.0"
    back = enedis.read_dynamic_key(path, timestamps="start")
    assert np.allclose(
        back.to_numpy(),
        [[0.1, 0.25, 0.25, 0.25], [0.05, 0.15, 0.2, 0.25], [0.333, 0.333, 0.333, 0]],
    )


def test_dynamic_key_over_autumn_dst_day(tmp_path):
    idx = pd.date_range(
        "2026-10-25", "2026-10-26", freq="30min", tz="Europe/Paris", inclusive="left"
    )
    assert len(idx) == 50  # 25-hour day
    p = pd.Series(10.0, index=idx)
    a = pd.DataFrame({"A": 2.0, "B": 3.0}, index=idx)
    path, extra = enedis.export_dynamic_key(tmp_path / "k.csv", p, a)
    rows = path.read_text().splitlines()[1:]
    horodates = [r.split(";")[0] for r in rows]
    assert len(set(horodates)) == 50
    assert horodates[0] == "2026-10-25T00:30:00+02:00"
    assert "2026-10-25T02:30:00+02:00" in horodates and "2026-10-25T02:30:00+01:00" in horodates
    assert horodates[-1] == "2026-10-26T00:00:00+01:00"
    assert extra == pytest.approx(0.0, abs=1e-9)


def test_floored_static_key_hand_case(case):
    p, c, a, s = case
    # shares 1/3, 1/3, 1/3, 0 floored to 33.3 %: at P = 100 venue 1 is capped by C = 10, venues
    # 2 and 3 get 33.3 kWh (C = 30 caps venue 2), venue 4 nothing; the unused share is surplus
    alloc, floored = enedis.apply_floored_static_key(p, c, [1 / 3, 1 / 3, 1 / 3, 0.0])
    assert np.allclose(floored, [0.333, 0.333, 0.333, 0.0])
    assert np.allclose(alloc.iloc[0], [10, 30, 33.3, 0])
    assert np.allclose(alloc.iloc[2], [9.99, 9.99, 9.99, 0])  # 0.333 × 30
    # the prorata key is computed by Enedis itself: nothing changes
    same, extra, how = enedis.uploaded_key_allocation(p, c, a, "prorata")
    assert same is a and extra == 0 and "prorata" in how
    _, extra, how = enedis.uploaded_key_allocation(p, c, a, "priority")
    assert extra == pytest.approx(0.03, abs=1e-12) and "dynamic" in how


def test_export_static_key(tmp_path):
    path = tmp_path / "static.csv"
    written = enedis.export_static_key(
        path, [1 / 3, 1 / 3, 1 / 3], ["a", "b", "c"], meter_ids={"b": PRMS[1]}
    )
    assert path.read_text() == f"Identifiant PRM;Coefficient (%)\na;33,3\n{PRMS[1]};33,3\nc;33,3\n"
    assert np.allclose(written, [0.333] * 3)
    with pytest.raises(DataError, match="3 venues"):
        enedis.export_static_key(path, [0.5, 0.5], ["a", "b", "c"])


@st.composite
def allocation_case(draw):
    t = draw(st.integers(1, 12))
    n = draw(st.integers(1, 6))
    p = draw(arrays(float, t, elements=st.floats(0, 1000, allow_subnormal=False)))
    c = draw(arrays(float, (t, n), elements=st.floats(0, 500, allow_subnormal=False)))
    w = draw(arrays(float, (t, n), elements=st.floats(0, 1, allow_subnormal=False)))
    spare = draw(arrays(float, t, elements=st.floats(0, 1, allow_subnormal=False)))
    # static-like keys summing to at most 1 (spare share = unallocated)
    alpha = w / np.maximum(w.sum(axis=1, keepdims=True) + spare[:, None], 1e-12)
    a = np.minimum(alpha * p[:, None], c)
    idx = pd.date_range("2026-03-29", periods=t, freq="30min", tz="Europe/Paris")
    cols = [f"v{i}" for i in range(n)]
    return (
        pd.Series(p, index=idx),
        pd.DataFrame(c, index=idx, columns=cols),
        pd.DataFrame(a, index=idx, columns=cols),
    )


@settings(max_examples=60, deadline=None)
@given(allocation_case(), st.sampled_from([0.001, 0.01, 0.0001, 0.003, 1e-6]))
def test_floored_key_properties(data, step):
    p, c, a = data
    coeffs, a_floored, extra = enedis.apply_floored_key(p, a, step)
    counts = np.rint(coeffs.to_numpy() / step).astype(int)
    # never over 100 %, exact multiples of the step
    assert (counts.sum(axis=1) <= math.floor(1 / step + 1e-9)).all()
    assert np.allclose(counts * step, coeffs.to_numpy(), atol=1e-12)
    # never more than the simulated allocation, so never more than consumption
    assert (a_floored.to_numpy() <= a.to_numpy() + 1e-12).all()
    assert (a_floored.to_numpy() <= c.to_numpy() + 1e-9).all()
    # extra surplus ≥ 0, equals the allocation lost, and is bounded by one step per venue
    assert extra >= 0
    assert extra == pytest.approx(float((a - a_floored).to_numpy().sum()), abs=1e-9)
    assert extra <= step * a.shape[1] * p.sum() + 1e-9
    # conservation: allocated + new surplus = production at every interval
    new_surplus = p - a_floored.sum(axis=1)
    assert (new_surplus >= -1e-9).all()
    assert np.allclose(a_floored.sum(axis=1) + new_surplus, p)
    # the quantities of the floored allocation satisfy the Enedis identities
    q = enedis.six_quantities(p, c, a_floored)
    assert np.allclose(enedis.identity_residuals(q).to_numpy(), 0.0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(allocation_case())
def test_dynamic_key_file_never_sums_over_100(tmp_path_factory, data):
    p, c, a = data
    if len(p) < 2:
        return
    path, extra = enedis.export_dynamic_key(tmp_path_factory.mktemp("k") / "k.csv", p, a)
    back = enedis.read_dynamic_key(path)
    permille = np.rint(back.to_numpy() * 1000).astype(int)
    assert (permille.sum(axis=1) <= 1000).all()
    assert extra >= 0


# ----------------------------------------------------------------------------------------------
# command line (the pipeline is replaced by the hand-computed case)


@pytest.fixture
def fake_pipeline(case, monkeypatch, tmp_path):
    import sys
    import types

    p, c, a, s = case
    result = types.SimpleNamespace(
        production_kwh=p,
        consumption_kwh=c,
        allocated_kwh=a,
        surplus_kwh=s,
        coefficients=np.array([0.25, 0.25, 0.25, 0.25]),
    )
    module = types.ModuleType("greenkommon.pipeline")
    # a portfolio of one operation: the command takes its only operation
    module.run_scenario = lambda scenario: types.SimpleNamespace(
        only_operation=types.SimpleNamespace(**vars(result), scenario=scenario)
    )
    monkeypatch.setitem(sys.modules, "greenkommon.pipeline", module)
    return _key_scenario(tmp_path, "static")


def _key_scenario(folder: Path, key_type: str) -> Path:
    base = Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml"
    scenario = folder / f"with_prm_{key_type}.toml"
    venues = "".join(
        f'\n[[venues]]\nname = "{n}"\nmeter_id = "{m}"\n' for n, m in zip(NAMES, PRMS, strict=True)
    )
    coefficients = (
        "[key.coefficients]\n" + "".join(f'"{n}" = 0.25\n' for n in NAMES)
        if key_type != "prorata"
        else ""
    )
    scenario.write_text(f'extends = "{base}"\n[key]\ntype = "{key_type}"\n{coefficients}{venues}')
    return scenario


def test_cli_export_key_writes_only_the_file_the_key_needs(fake_pipeline, tmp_path, capsys):
    from greenkommon.cli import main

    # prorata: Enedis computes the allocation itself; nothing to upload, nothing written
    out = tmp_path / "prorata"
    assert main(["export-key", str(_key_scenario(tmp_path, "prorata")), "--out", str(out)]) == 0
    assert "nothing to upload" in capsys.readouterr().out and not out.exists()
    # a PMO-side strategy is uploaded as the dynamic key (floored to 0.1 %), nothing else
    out = tmp_path / "redistributed"
    scenario = _key_scenario(tmp_path, "redistributed")
    assert main(["export-key", str(scenario), "--out", str(out), "--show-prm"]) == 0
    printed = capsys.readouterr().out
    assert "0.030 kWh" in printed  # 3 × (1/3 − 0.333) × 30 kWh of extra surplus
    assert (out / "dynamic_key.csv").read_text() == (DATA / "dynamic_key_expected.csv").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["dynamic_key.csv", "greenkommon-output.json"]
    assert "dynamic_key.csv: UNCONFIRMED: layout" in printed
    # without --show-prm the files name the venues, and say how to get the meter ids
    out = tmp_path / "hidden"
    assert main(["export-key", str(scenario), "--out", str(out), "--quantities"]) == 0
    printed = capsys.readouterr().out
    assert "add --show-prm" in printed
    for path in out.iterdir():
        assert not re.search(r"\d{14}", path.read_text()), path.name
    assert (out / "dynamic_key.csv").read_text().splitlines()[0] == "Horodate;" + ";".join(NAMES)


def test_cli_export_key_and_reconcile(fake_pipeline, tmp_path, capsys):
    from greenkommon.cli import main

    out = tmp_path / "out"
    assert (
        main(
            [
                "export-key",
                str(fake_pipeline),
                "--out",
                str(out),
                "--quantities",
                "--producer-meter",
                PRODUCER,
                "--show-prm",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "greenkommon-output.json",
        "quantities.csv",
        "static_key.csv",
    ]
    assert (out / "static_key.csv").read_text().splitlines()[1] == f"{PRMS[0]};25,0"
    assert "static_key.csv: UNCONFIRMED:" in printed and "quantities.csv: UNCONFIRMED:" in printed
    # The scenario's key is static 25 % each: Enedis would allocate min(25 % × P, C). That
    # matches the hand statement at 12:00 (P = 100) and 12:30 (P = 200: 50 kWh ≥ every C), but
    # at 13:00 (P = 30) each of the first three venues gets 7.5 kWh instead of the 10 kWh of the
    # statement (which used another key): 8 lines differ (3 AUTOCONS, 3 COMPLEMENT, AUTOPROD,
    # SURPLUS).
    simulated = enedis.read_statement(out / "quantities.csv")
    diff = enedis.reconcile(simulated, DATA / "statement_sample.csv", tolerance_wh=0.001)
    assert len(diff) == 8 and (diff["status"] == "differs").all()
    assert (diff["interval_start"] == pd.Timestamp("2026-06-21 13:00", tz="Europe/Paris")).all()
    by = diff.set_index(["meter", "quantity"])["difference_wh"]
    for m in PRMS[:3]:
        assert by[(m, "AUTOCONS")] == pytest.approx(2500) and by[
            (m, "COMPLEMENT")
        ] == pytest.approx(-2500)
    assert by[(PRODUCER, "AUTOPROD")] == pytest.approx(7500)
    assert by[(PRODUCER, "SURPLUS")] == pytest.approx(-7500)
    code = main(
        [
            "reconcile",
            str(fake_pipeline),
            str(DATA / "statement_sample.csv"),
            "--simulated",
            str(out / "quantities.csv"),
            "--tolerance-wh",
            "0.001",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert "8 differing line(s)" in printed and not any(m in printed for m in PRMS)
    assert (
        main(
            [
                "reconcile",
                str(fake_pipeline),
                str(DATA / "statement_sample.csv"),
                "--producer-meter",
                PRODUCER,
                "--allocation",
                "simulated",
                "--tolerance-wh",
                "0.001",
            ]
        )
        == 0
    )
    diff_file = tmp_path / "diff.csv"
    assert (
        main(
            [
                "reconcile",
                str(fake_pipeline),
                str(DATA / "statement_with_differences.csv"),
                "--producer-meter",
                PRODUCER,
                "--allocation",
                "simulated",
                "--out",
                str(diff_file),
                "--show-prm",
            ]
        )
        == 1
    )
    printed = capsys.readouterr().out
    assert PRMS[1] in printed
    assert len(diff_file.read_text().splitlines()) == 1 + 3
