"""Sweeps: grid parsing, overrides, planning, the resumable writer, agreement with run_scenario,
resumption after a kill, and the Dask path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import hourly_variant
from hypothesis import given
from hypothesis import strategies as st

from greenkommon.errors import GreenkommonError, ScenarioError
from greenkommon.pipeline import run_scenario
from greenkommon.scenario import parse_scenario, read_scenario_mapping
from greenkommon.sweep import (
    ResumableWriter,
    Vary,
    apply_overrides,
    build_grid,
    fill_key,
    make_plan,
    parse_range,
    parse_value,
    parse_vary,
    run_sweep,
    set_path,
)

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "greenkommon.toml"


# -- grid parsing ------------------------------------------------------------------------------
def test_parse_value_types():
    assert parse_value("3") == 3 and isinstance(parse_value("3"), int)
    assert parse_value("2.5") == 2.5
    assert parse_value("1e5") == 100000.0
    assert parse_value("true") is True and parse_value("False") is False
    assert parse_value(" static ") == "static"
    assert parse_value("'le 6b'") == "le 6b"


def test_parse_range_inclusive_and_decimal():
    # 100, 150, ..., 1000: (1000 - 100) / 50 + 1 = 19 values, stop included
    values = parse_range("100:1000:50")
    assert len(values) == 19 and values[0] == 100 and values[-1] == 1000
    assert all(isinstance(v, int) for v in values)
    # decimal steps do not drift: 0.1 + 2 * 0.1 is 0.30000000000000004 in binary
    assert parse_range("0.1:0.3:0.1") == (0.1, 0.2, 0.3)
    # stop off the grid: 0, 3, 6, 9 (12 > 10)
    assert parse_range("0:10:3") == (0, 3, 6, 9)


@pytest.mark.parametrize("bad", ["1:2", "a:b:c", "1:10:0", "10:1:1", "1:10:-1"])
def test_parse_range_errors(bad):
    with pytest.raises(ScenarioError, match="--vary"):
        parse_range(bad)


@given(
    start=st.integers(-1000, 1000),
    count=st.integers(1, 200),
    step=st.sampled_from([0.01, 0.05, 0.1, 0.25, 1.0, 2.5, 7.0]),
)
def test_parse_range_property(start, count, step):
    stop = start + (count - 1) * step
    values = parse_range(f"{start}:{stop!r}:{step!r}")
    assert len(values) == count
    assert values[0] == pytest.approx(start)
    assert values[-1] == pytest.approx(stop)
    assert np.allclose(np.diff(values), step) if count > 1 else True


def test_parse_vary_forms_and_errors():
    assert parse_vary("plant.peak_power_kwp=100:300:100") == Vary(
        "plant.peak_power_kwp", (100, 200, 300)
    )
    assert parse_vary("key.type=static,prorata,optimised").values == (
        "static",
        "prorata",
        "optimised",
    )
    assert parse_vary("weather.seed=7").values == (7,)
    for bad in ["key.type", "=1,2", "key.type=", "a..b=1", "key.type=static,static"]:
        with pytest.raises(ScenarioError):
            parse_vary(bad)


def test_build_grid_is_the_cartesian_product_first_dimension_slowest():
    grid = build_grid([Vary("a", (1, 2, 3)), Vary("b", ("x", "y"))])
    assert len(grid) == 6
    assert list(grid.index) == list(range(6))
    assert grid.iloc[0].tolist() == [1, "x"] and grid.iloc[1].tolist() == [1, "y"]
    assert grid.iloc[5].tolist() == [3, "y"]
    with pytest.raises(ScenarioError, match="given twice"):
        build_grid([Vary("a", (1,)), Vary("a", (2,))])


# -- overrides ---------------------------------------------------------------------------------
def test_peak_power_scales_every_section_in_proportion():
    base = {"plant": {"sections": [{"peak_power_kwp": 100.0}, {"peak_power_kwp": 300.0}]}}
    out = apply_overrides(base, {"plant.peak_power_kwp": 1000})
    # 100/400 and 300/400 of 1000 kWp
    assert [s["peak_power_kwp"] for s in out["plant"]["sections"]] == [250.0, 750.0]
    assert base["plant"]["sections"][0]["peak_power_kwp"] == 100.0  # base untouched
    with pytest.raises(ScenarioError, match="> 0"):
        apply_overrides(base, {"plant.peak_power_kwp": 0})


def test_set_path_venue_by_name_and_key_type_cleanup():
    base = read_scenario_mapping(BASELINE)
    m = apply_overrides(base, {"venues.le 6b.load.annual_consumption_kwh": 123.0})
    assert [v["load"]["annual_consumption_kwh"] for v in m["venues"] if v["name"] == "le 6b"] == [
        123.0
    ]
    with pytest.raises(ScenarioError, match="no venue named"):
        apply_overrides(base, {"venues.Nowhere.load.annual_consumption_kwh": 1.0})
    m = {"key": {"type": "static", "coefficients": {"a": 1.0}}}
    set_path(m, "key.type", "prorata")
    assert m["key"] == {"type": "prorata"}


def test_fill_key_uses_consumption_shares_and_largest_first():
    m = {"key": {"type": "static"}}
    fill_key(m, ["a", "b"], np.array([30.0, 10.0]))
    assert m["key"]["coefficients"] == {"a": 0.75, "b": 0.25}
    m = {"key": {"type": "priority"}}
    fill_key(m, ["a", "b", "c"], np.array([1.0, 5.0, 3.0]))
    assert m["key"]["priority_order"] == ["b", "c", "a"]


def test_plan_groups_by_physics_and_validates_early():
    base = read_scenario_mapping(BASELINE)
    varies = [
        parse_vary("weather.seed=1,2"),
        parse_vary("plant.peak_power_kwp=200,400"),
        parse_vary("key.type=prorata,static"),
    ]
    plan = make_plan(base, varies, BASELINE, chunk_size=3)
    # only the seed changes the physics: 2 groups of 4 variants. Chunks are ranges of
    # evaluation positions: seed, then key, then plant size fastest (variant ids: seed, size,
    # key), so position 3 is seed 1 / static / 400 kWp = variant 0 * 4 + 1 * 2 + 1 = 3 and
    # position 5 is seed 2 / prorata / 400 kWp = variant 1 * 4 + 1 * 2 + 0 = 6
    assert len(plan.group_mappings) == 2
    assert [(c.lo, c.hi) for c in plan.chunks] == [(0, 3), (3, 6), (6, 8)]
    assert [c.groups for c in plan.chunks] == [[0], [0, 1], [1]]
    assert [[vid for vid, _ in rows] for _g, rows in plan.chunks[1].by_group()] == [[3], [4, 6]]
    assert plan.chunks[1].rows[0] == (3, {"plant.peak_power_kwp": 400, "key.type": "static"})
    assert [plan.last_chunk(g) for g in (0, 1)] == [1, 2]
    covered = sorted(vid for c in plan.chunks for vid, _ in c.rows)
    assert covered == list(range(8))
    with pytest.raises(ScenarioError, match="key.type"):
        make_plan(base, [parse_vary("key.type=prorata,bogus")], BASELINE)
    with pytest.raises(ScenarioError, match="weather.seed"):
        make_plan(base, [parse_vary("weather.seed=-3")], BASELINE)
    # fingerprint: same inputs, same print; another chunk size, another print
    assert make_plan(base, varies, BASELINE, 3).fingerprint == plan.fingerprint
    assert make_plan(base, varies, BASELINE, 4).fingerprint != plan.fingerprint
    # a venue's contract only changes the money: no extra energy group
    contract = [
        parse_vary("venues.le 6b.contract.subscribed_kva=120,144"),
        parse_vary("weather.seed=1,2"),
    ]
    assert len(make_plan(base, contract, BASELINE).group_mappings) == 2


# -- writer ------------------------------------------------------------------------------------
def test_writer_refuses_to_clobber_and_checks_fingerprint(tmp_path):
    out = tmp_path / "r.parquet"
    grid = build_grid([Vary("x", (1, 2))])
    w = ResumableWriter(out, "abc", 2)
    w.write_chunk(0, pd.DataFrame({"variant_id": [0], "kpi": [1.5]}))
    assert w.done() == {0}
    with pytest.raises(GreenkommonError, match="--resume"):
        ResumableWriter(out, "abc", 2)
    with pytest.raises(GreenkommonError, match="different sweep"):
        ResumableWriter(out, "other", 2, resume=True)
    w2 = ResumableWriter(out, "abc", 2, resume=True)
    assert w2.done() == {0}
    with pytest.raises(GreenkommonError, match="missing"):
        w2.finalize(grid)
    w2.write_chunk(1, pd.DataFrame({"variant_id": [1], "kpi": [2.5]}))
    table = w2.finalize(grid, csv=True)
    assert table.columns.tolist() == ["variant_id", "x", "kpi"]
    assert table["kpi"].tolist() == [1.5, 2.5]
    assert pd.read_parquet(out)["x"].tolist() == [1, 2]
    assert pd.read_csv(out.with_suffix(".csv"))["kpi"].tolist() == [1.5, 2.5]
    assert not (tmp_path / "r.parquet.parts").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.parquet"]  # no temp file left
    with pytest.raises(GreenkommonError, match="--overwrite"):
        ResumableWriter(out, "abc", 2)


# -- numbers: the batched sweep against full runs ---------------------------------------------
@pytest.fixture(scope="module")
def agreement(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agree")
    path = hourly_variant(tmp)
    varies = [
        parse_vary("plant.peak_power_kwp=250,500,1100"),
        parse_vary("key.type=prorata,static,redistributed,priority"),
    ]
    table = run_sweep(path, varies, tmp / "out.parquet", progress=False, finance=True)
    return path, table


@pytest.mark.slow
@pytest.mark.parametrize("vid", range(12))
def test_sweep_rows_equal_run_scenario(agreement, vid):
    """Every KPI of a sweep row equals a full run of the same variant (to rounding)."""
    path, table = agreement
    row = table.iloc[vid]
    assert row["variant_id"] == vid
    base = read_scenario_mapping(path)
    mapping = apply_overrides(
        base,
        {"plant.peak_power_kwp": float(row["plant.peak_power_kwp"]), "key.type": row["key.type"]},
    )
    names = [v["name"] for v in mapping["venues"]]
    # the sweep fills a coefficient key without coefficients with the yearly consumption shares
    fill_key(mapping, names, np.array([row[f"{n}.consumption_kwh"] for n in names]))
    if row["finance_error"]:
        # 250 kWp: the baseline's fixed loan exceeds the CAPEX; the full run refuses the variant
        # with the message the sweep recorded, the sweep keeps the row without finance columns
        assert row["plant.peak_power_kwp"] == 250 and "loan_amount_eur" in row["finance_error"]
        with pytest.raises(ScenarioError, match="loan_amount_eur"):
            run_scenario(parse_scenario(mapping, path))
        assert np.isnan(row["producer.npv_eur[flat]"])
        return
    result = run_scenario(parse_scenario(mapping, path))
    coll = result.collective_summary()
    for k in (
        "production_kwh",
        "allocated_kwh",
        "surplus_kwh",
        "self_consumption_pct",
        "self_sufficiency_pct",
        "bill_without_eur",
        "bill_with_eur",
        "savings_eur",
    ):
        assert row[k] == pytest.approx(coll[k], rel=1e-9, abs=1e-6), k
    venues = result.venue_summary()
    for n in names:
        for k in (
            "allocated_kwh",
            "self_sufficiency_pct",
            "bill_without_eur",
            "bill_with_eur",
            "savings_eur",
        ):
            assert row[f"{n}.{k}"] == pytest.approx(venues.loc[n, k], rel=1e-9, abs=1e-6), (n, k)
    fin = result.extras["finance"]
    for case_name, case in fin.cases.items():
        m = case.metrics
        assert row[f"producer.npv_eur[{case_name}]"] == pytest.approx(
            m.loc["producer (project)", "npv_eur"], rel=1e-9
        )
        for n in names:
            assert row[f"{n}.npv_eur[{case_name}]"] == pytest.approx(
                m.loc[n, "npv_eur"], rel=1e-9, abs=1e-6
            )
            life = case.venues.loc[n, "savings_eur"].sum()
            assert row[f"{n}.lifetime_savings_eur[{case_name}]"] == pytest.approx(
                life, rel=1e-9, abs=1e-6
            )
            first20 = case.venues.loc[n].loc[1:20, "savings_eur"].sum()
            assert row[f"{n}.savings_20y_eur[{case_name}]"] == pytest.approx(
                first20, rel=1e-9, abs=1e-6
            )


@pytest.mark.slow
def test_sweep_physics_consistency(agreement):
    """Conservation in every row and production exactly proportional to the plant size."""
    _path, table = agreement
    assert np.allclose(
        table["allocated_kwh"] + table["surplus_kwh"], table["production_kwh"], rtol=1e-12
    )
    venue_cols = [c for c in table.columns if c.endswith(".allocated_kwh")]
    assert np.allclose(table[venue_cols].sum(axis=1), table["allocated_kwh"], rtol=1e-12)
    p = table.groupby("plant.peak_power_kwp")["production_kwh"].first()
    assert p[1100] / p[250] == pytest.approx(1100 / 250, rel=1e-12)
    # the economics change at 1 MWp (accise ACC rate): bigger plants lose money on the venues'
    # side here, which the size-piecewise money model must catch
    big = table[table["plant.peak_power_kwp"] == 1100]
    assert (
        big["savings_eur"] < table[table["plant.peak_power_kwp"] == 500]["savings_eur"].to_numpy()
    ).all()


# -- resume after a kill -----------------------------------------------------------------------
def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "greenkommon", "sweep", *args]


@pytest.mark.slow
def test_killed_sweep_resumes_without_recomputing(tmp_path):
    scenario = hourly_variant(tmp_path)
    out = tmp_path / "killed.parquet"
    parts = tmp_path / "killed.parquet.parts"
    # 4 energy groups (seeds) x 2 sizes, one variant per chunk: 8 checkpoints, ~1 s per group
    args = [
        str(scenario),
        "--vary",
        "weather.seed=11:14:1",
        "--vary",
        "plant.peak_power_kwp=300,500",
        "--chunk-size",
        "1",
        "--no-progress",
        "-o",
        str(out),
    ]
    # the stage cache off: each energy group then costs its weather and pvlib (~1 s), so the
    # kill lands between checkpoints even when an earlier run cached these seeds
    env = {**os.environ, "PYTHONPATH": str(REPO), "GREENKOMMON_CACHE": "off"}
    log = tmp_path / "stderr.txt"
    with (
        log.open("wb") as err,
        subprocess.Popen(
            _cli(*args), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err
        ) as proc,
    ):
        deadline = time.monotonic() + 120
        while not list(parts.glob("part-*.parquet")):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no checkpoint after 120 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = sorted(parts.glob("part-*.parquet"))
    assert 1 <= len(done) < 8, "the kill must land mid-sweep"
    assert not out.exists()
    # mark a finished chunk: if the resume recomputed it, the mark would be gone
    first = pd.read_parquet(done[0])
    first["savings_eur"] = -12345.0
    first.to_parquet(done[0], index=False)
    marked = int(first["variant_id"].iloc[0])

    # without --resume the unfinished sweep is protected
    again = subprocess.run(_cli(*args), cwd=REPO, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr
    resumed = subprocess.run(
        _cli(*args, "--resume"), cwd=REPO, env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    table = pd.read_parquet(out)
    assert not parts.exists()
    assert table["variant_id"].tolist() == list(range(8))
    assert table.loc[marked, "savings_eur"] == -12345.0

    reference = run_sweep(
        scenario,
        [parse_vary("weather.seed=11:14:1"), parse_vary("plant.peak_power_kwp=300,500")],
        tmp_path / "reference.parquet",
        chunk_size=1,
        progress=False,
    )
    table.loc[marked, "savings_eur"] = reference.loc[marked, "savings_eur"]
    pd.testing.assert_frame_equal(table, reference)


# -- Dask --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    scenario = hourly_variant(tmp_path)
    varies = [
        parse_vary("weather.seed=3,4"),
        parse_vary("plant.peak_power_kwp=200,600"),
        parse_vary("key.type=prorata,static"),
    ]
    local = run_sweep(scenario, varies, tmp_path / "local.parquet", chunk_size=2, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # one variant per chunk: 8 chunks, more than the window of 2 x 2 threads + 2 in flight;
        # a variant's numbers do not depend on its chunk
        remote = run_sweep(
            scenario,
            varies,
            tmp_path / "dask.parquet",
            chunk_size=1,
            progress=False,
            dask_address=client,
        )
        # the workers really did the work: their processes differ from ours
        pids = client.run(os.getpid)
        assert os.getpid() not in pids.values()
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert json.dumps(sorted(local.columns)) == json.dumps(sorted(remote.columns))


@pytest.mark.slow
def test_price_and_load_overrides_agree_with_run_scenario(tmp_path):
    """A load override makes a second energy group; price overrides only change the money."""
    path = hourly_variant(tmp_path)
    varies = [
        parse_vary("venues.le 6b.load.annual_consumption_kwh=200000,400000"),
        parse_vary("prices.internal_price_eur_per_kwh=0.08,0.12"),
        parse_vary("venues.le 6b.contract.subscribed_kva=120,144"),
    ]
    table = run_sweep(path, varies, tmp_path / "p.parquet", progress=False)
    base = read_scenario_mapping(path)
    for _, row in table.iterrows():
        over = {v.path: row[v.path] for v in varies}
        result = run_scenario(parse_scenario(apply_overrides(base, over), path))
        coll = result.collective_summary()
        for k in (
            "consumption_kwh",
            "allocated_kwh",
            "bill_without_eur",
            "bill_with_eur",
            "savings_eur",
        ):
            assert row[k] == pytest.approx(coll[k], rel=1e-9), k
        assert row["le 6b.bill_without_eur"] == pytest.approx(
            result.bills.loc["le 6b", "bill_without_eur"]
        )
        assert row["le 6b.consumption_kwh"] == pytest.approx(
            row["venues.le 6b.load.annual_consumption_kwh"], rel=1e-9
        )
    # a dearer internal price moves money from the venues to the producer, energy unchanged
    a = table[table["prices.internal_price_eur_per_kwh"] == 0.08].reset_index(drop=True)
    b = table[table["prices.internal_price_eur_per_kwh"] == 0.12].reset_index(drop=True)
    assert np.allclose(a["allocated_kwh"], b["allocated_kwh"], rtol=0)
    assert (b["savings_eur"] < a["savings_eur"]).all()
    # the subscribed power changes le 6b's fixed charges, not the energy
    kva = table.groupby("venues.le 6b.contract.subscribed_kva")
    assert kva["allocated_kwh"].sum().nunique() == 1
    assert kva["le 6b.bill_without_eur"].mean().nunique() == 2


def test_money_pieces_follow_the_one_megawatt_threshold(tmp_path):
    """Bisection finds the size where the economics change and nowhere else."""
    from greenkommon.economics.affine import AffineBills, same_signature
    from greenkommon.sweep import compute_group_energy

    path = hourly_variant(tmp_path)
    mapping = read_scenario_mapping(path)
    # the threshold exists where the 0 €/MWh accise case applies (not the default reading)
    mapping["prices"]["accise_exemption"] = "applies"
    scenario = parse_scenario(mapping, path)
    energy = compute_group_energy(mapping, path)

    def bills() -> AffineBills:
        return AffineBills(
            energy.index,
            energy.consumption_kwh,
            energy.venue_names,
            [v.contract for v in scenario.venues],
            scenario.prices,
        )

    sizes = np.arange(900.0, 1101.0, 10.0)
    memo = bills()
    models = memo.by_size(sizes)
    distinct = {id(m) for m in models.values()}
    # reference: compare the prices of every neighbouring pair of sizes directly, afresh
    fresh = bills()
    sigs = [fresh.signature(k) for k in sizes]
    changes = sum(not same_signature(a, b) for a, b in zip(sigs, sigs[1:], strict=False))
    assert changes >= 1  # the ACC accise rate applies below 1 MWp only (greenkommon/data tariffs)
    assert len(distinct) == changes + 1
    for k, sig in zip(sizes, sigs, strict=True):
        m = models[float(k)]
        assert same_signature(bills().signature(float(k)), sig)
        ref = models[float(sizes[0])] if same_signature(sig, sigs[0]) else models[float(sizes[-1])]
        assert m is ref
    # a second call over other sizes reuses the pieces it found: same models where prices agree
    again = memo.by_size(np.arange(905.0, 1101.0, 10.0))
    assert {id(m) for m in again.values()} == distinct


def test_cli_sweep_writes_parquet_and_csv_and_prints_the_best(tmp_path, capsys):
    from greenkommon.cli import main

    scenario = hourly_variant(tmp_path)
    out = tmp_path / "s.parquet"
    args = ["sweep", str(scenario), "--vary", "plant.peak_power_kwp=300,400", "-o", str(out)]
    assert main([*args, "--csv", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "best 2 by venues' savings" in printed
    parquet, csv = pd.read_parquet(out), pd.read_csv(out.with_suffix(".csv"))
    assert parquet["plant.peak_power_kwp"].tolist() == [300, 400]
    assert np.allclose(parquet["savings_eur"], csv["savings_eur"], rtol=1e-12)
    assert main(args) == 2  # exists: needs --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 2
    assert "already complete" in capsys.readouterr().err
    assert main(["sweep", str(scenario)]) == 2
    assert (
        main(
            [
                "sweep",
                str(scenario),
                "--vary",
                "plant.nonsense=1,2",
                "-o",
                str(tmp_path / "x.parquet"),
            ]
        )
        == 2
    )
    assert "nonsense" in capsys.readouterr().err


@pytest.mark.slow
def test_host_load_makes_injection_non_proportional_and_still_agrees(tmp_path):
    """With a host load behind the plant's meter, injection = max(size · per-kWp − host, 0)."""
    path = tmp_path / "host.toml"
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[simulation]\nstep = "1h"\n[plant]\nhost_load_kw = 40.0\n[finance]\nloan_amount_eur = 0.0\n',
        encoding="utf-8",
    )
    varies = [parse_vary("plant.peak_power_kwp=100,600"), parse_vary("key.type=prorata,static")]
    table = run_sweep(path, varies, tmp_path / "h.parquet", progress=False)
    base = read_scenario_mapping(path)
    for _, row in table.iterrows():
        mapping = apply_overrides(base, {v.path: row[v.path] for v in varies})
        fill_key(
            mapping,
            [v["name"] for v in mapping["venues"]],
            np.array([row[f"{v['name']}.consumption_kwh"] for v in mapping["venues"]]),
        )
        coll = run_scenario(parse_scenario(mapping, path)).collective_summary()
        for k in ("production_kwh", "allocated_kwh", "surplus_kwh", "savings_eur"):
            assert row[k] == pytest.approx(coll[k], rel=1e-9), k
    p = table.groupby("plant.peak_power_kwp")["production_kwh"].first()
    assert p[600] / p[100] > 6.0  # the host eats a larger share of the small plant


@pytest.mark.slow
def test_optimised_key_is_solved_per_size_like_run_scenario(tmp_path):
    path = hourly_variant(tmp_path)
    varies = [parse_vary("plant.peak_power_kwp=350,700"), parse_vary("key.type=optimised")]
    table = run_sweep(path, varies, tmp_path / "o.parquet", progress=False)
    base = read_scenario_mapping(path)
    for _, row in table.iterrows():
        mapping = apply_overrides(base, {v.path: row[v.path] for v in varies})
        result = run_scenario(parse_scenario(mapping, path))
        coll = result.collective_summary()
        for k in ("allocated_kwh", "surplus_kwh", "savings_eur"):
            assert row[k] == pytest.approx(coll[k], rel=1e-9), k


def test_portfolio_variants_equal_evaluate(tmp_path):
    """A portfolio's variants go through the one evaluation path: rows equal run_scenario."""
    path = REPO / "scenarios" / "portfolio.toml"
    out = tmp_path / "pf.parquet"
    table = run_sweep(
        path,
        [parse_vary("prices.internal_price_eur_per_kwh=0.06,0.12")],
        out,
        progress=False,
    )
    assert len(table) == 2
    base = read_scenario_mapping(path)
    base.pop("extends", None)
    for _, row in table.iterrows():
        variant = apply_overrides(
            base, {"prices.internal_price_eur_per_kwh": row["prices.internal_price_eur_per_kwh"]}
        )
        ref = run_scenario(parse_scenario(variant, path))
        assert row["savings_eur"] == pytest.approx(ref.collective.savings_eur, rel=1e-9)
        assert row["bill_with_eur"] == pytest.approx(ref.collective.bill_with_eur, rel=1e-9)
        for venue in ref.venues:
            assert row[f"{venue.name}.savings_eur"] == pytest.approx(venue.savings_eur, rel=1e-9)
        for op in ref.operations:
            assert bool(row[f"{op.name}.eligible"]) == op.eligibility.eligible
    # the internal price moves money between venues and producers: the venues' bills differ
    assert table["bill_with_eur"].nunique() == 2
