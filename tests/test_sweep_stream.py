"""Sweeps at scale: the lazy plan (variant id <-> values by mixed radix), the streamed Parquet
output and the column-by-column summary, each against the pre-streaming path kept in
``greenkommon.sweep.reference``."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import BASELINE, hourly_variant
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon.errors import DataError
from greenkommon.scenario import read_scenario_mapping
from greenkommon.sweep import (
    PEAK_PATH,
    Chunks,
    Layout,
    ResumableWriter,
    Vary,
    build_grid,
    make_plan,
    parse_vary,
    run_sweep,
    top_rows,
)
from greenkommon.sweep import output as output_module
from greenkommon.sweep.output import column_values
from greenkommon.sweep.reference import eager_chunks, sweep_in_memory

# paths of each kind: energy-changing ones define groups, the others only combinations
PATHS = ["weather.seed", PEAK_PATH, "key.type", "venues.a.load.annual_consumption_kwh", "prices.x"]


@st.composite
def grids(draw):
    paths = draw(st.lists(st.sampled_from(PATHS), min_size=0, max_size=4, unique=True))
    varies = []
    for p in paths:
        n = draw(st.integers(1, 4))
        kind = draw(st.sampled_from(["int", "float"] + ["mixed"] * (p != PEAK_PATH)))
        if kind == "int":
            values = tuple(range(1, n + 1))
        elif kind == "float":
            values = tuple(0.5 * k for k in range(1, n + 1))
        else:
            values = (1, 2.5, "static", True)[:n]
        varies.append(Vary(p, values))
    return varies


@settings(max_examples=60, deadline=None)
@given(grids(), st.integers(1, 7))
def test_lazy_chunks_give_the_eager_plan_rows_groups_and_values(varies, chunk_size):
    layout = Layout(tuple(varies))
    chunks = Chunks(layout, chunk_size)
    eager = eager_chunks(varies, chunk_size)
    group_of = {vid: g for g, rows in eager for vid, _over in rows}
    over_of = {vid: over for _g, rows in eager for vid, over in rows}
    assert layout.n_variants == len(build_grid(varies)) == len(over_of)
    seen = []
    for i, chunk in enumerate(chunks):
        assert chunk.chunk_id == i and chunk.lo == i * chunk_size and len(chunk) >= 1
        for g, rows in chunk.by_group():
            for vid, over in rows:
                assert group_of[vid] == g
                # same values, same Python types (1, 1.0 and True stay distinct)
                assert list(over.items()) == list(over_of[vid].items())
                assert [type(v) for v in over.values()] == [type(v) for v in over_of[vid].values()]
                seen.append(vid)
        vids = layout.variant_ids(chunk.lo, chunk.hi)
        assert [vid for vid, _ in chunk.rows] == vids.tolist()
        assert layout.positions(vids).tolist() == list(range(chunk.lo, chunk.hi))
    assert sorted(seen) == list(range(layout.n_variants))
    grid = build_grid(varies).reset_index(drop=True)
    for col in grid.columns:
        grid[col] = column_values(grid[col])
    pd.testing.assert_frame_equal(
        layout.values(0, layout.n_variants), grid, check_index_type=False, check_column_type=False
    )
    for g in set(group_of.values()):
        last = max(layout.positions(np.array([v for v, k in group_of.items() if k == g])))
        assert layout.last_position(g) == last
    # the plant size is evaluated fastest, the energy-changing paths slowest
    order = [varies[j].path for j in layout.order]
    assert PEAK_PATH not in order or order[-1] == PEAK_PATH
    kinds = [p in ("weather.seed", "venues.a.load.annual_consumption_kwh") for p in order]
    assert kinds == sorted(kinds, reverse=True)


def test_a_plan_does_not_grow_with_the_number_of_variants():
    base = read_scenario_mapping(BASELINE)
    base.pop("extends", None)

    def plan(n_prices: int):
        prices = ",".join(f"{0.05 + 0.001 * k:.3f}" for k in range(n_prices))
        varies = [
            parse_vary(f"{PEAK_PATH}=100:1099:1"),
            parse_vary(f"prices.internal_price_eur_per_kwh={prices}"),
        ]
        return make_plan(base, varies, BASELINE)

    small, large = plan(10), plan(100)
    assert (small.n_variants, large.n_variants) == (10_000, 100_000)
    grown = len(pickle.dumps(large)) - len(pickle.dumps(small))
    # the 90 extra price values (~10 bytes each pickled) and nothing per variant
    assert 0 < grown < 90 * 20
    # a million variants: chunks are made when asked for, rows when evaluated
    layout = Layout((Vary(PEAK_PATH, tuple(range(1000))), Vary("prices.x", tuple(range(1000)))))
    chunks = Chunks(layout, 2000)
    assert len(pickle.dumps(chunks)) < 50_000
    assert len(chunks) == 500 and chunks[-1].hi == 1_000_000
    # position 500,007 = price 500, size 7 (sizes evaluated fastest) = variant 7 * 1000 + 500
    assert chunks[250].rows[7] == (7_500, {PEAK_PATH: 7, "prices.x": 500})


# -- the streamed output -----------------------------------------------------------------------
def test_parts_are_streamed_in_order_in_bounded_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(output_module, "ROW_GROUP_ROWS", 5)
    layout = Layout((Vary("x", (1, 2, 3)), Vary("y", ("a", "b", "c", "d", "e", "f", "g"))))
    out = tmp_path / "s.parquet"
    w = ResumableWriter(out, "f", 7)
    for i in range(7):
        vid = np.arange(3 * i, 3 * i + 3)
        frame = pd.DataFrame({"variant_id": vid, "kpi": vid * 0.5, "finance_error": ""})
        if i != 2:  # chunk 2's projections all failed: no NPV column there
            frame.insert(2, "npv", vid * 2.0)
        w.write_chunk(i, frame)
    table = w.finalize(layout, csv=True)
    f = pq.ParquetFile(out)
    assert [f.metadata.row_group(g).num_rows for g in range(f.num_row_groups)] == [5] * 4 + [1]
    assert table.columns.tolist() == ["variant_id", "x", "y", "kpi", "npv", "finance_error"]
    assert table["variant_id"].tolist() == list(range(21))
    assert table["x"].tolist() == [1] * 7 + [2] * 7 + [3] * 7
    assert np.isnan(table["npv"][6:9]).all() and table["npv"][9] == 18.0
    assert pd.read_csv(out.with_suffix(".csv"))["kpi"].tolist() == (np.arange(21) * 0.5).tolist()


def test_parts_in_evaluation_order_are_written_in_variant_order(tmp_path, monkeypatch):
    """The plant size is varied first but evaluated last: the output takes each row group's rows
    from the parts' row groups, keeping at most CACHE_ROWS rows of them."""
    monkeypatch.setattr(output_module, "ROW_GROUP_ROWS", 4)
    monkeypatch.setattr(output_module, "CACHE_ROWS", 6)
    layout = Layout((Vary(PEAK_PATH, (100, 200, 300)), Vary("prices.x", (1, 2, 3, 4, 5))))
    assert layout.order == [1, 0] and not layout.in_order
    chunks = Chunks(layout, 4)
    rows = output_module.part_row_group_rows(layout.positions(np.arange(15)), 4, budget=6)
    assert rows == 1  # 5 prices open at once: 5 x 2 rows > 6
    out = tmp_path / "t.parquet"
    w = ResumableWriter(out, "f", len(chunks))
    for chunk in chunks:
        vid = layout.variant_ids(chunk.lo, chunk.hi)
        w.write_chunk(chunk.chunk_id, pd.DataFrame({"variant_id": vid, "kpi": vid * 0.5}), rows)
    assert pq.ParquetFile(w.part_path(0)).num_row_groups == 4
    table = w.finalize(layout)
    assert table["variant_id"].tolist() == list(range(15))
    assert table["kpi"].tolist() == (np.arange(15) * 0.5).tolist()
    assert table[PEAK_PATH].tolist() == [100] * 5 + [200] * 5 + [300] * 5
    assert table["prices.x"].tolist() == [1, 2, 3, 4, 5] * 3


def test_part_row_groups_bound_what_the_reordering_holds():
    # in order: one row group per part
    assert output_module.part_row_group_rows(np.arange(5000), 2000, budget=100) == 2000
    # 1,000 sizes x 1,000 prices, size first: the output walks the 1,000 prices at each size,
    # so 1,000 row groups are open at once and each may hold 1 << 17 / 1000 -> 64 rows
    layout = Layout((Vary(PEAK_PATH, tuple(range(1000))), Vary("prices.x", tuple(range(1000)))))
    positions = layout.positions(np.arange(1 << 17))
    assert output_module.part_row_group_rows(positions, 2000) == 125


def test_a_gap_in_the_parts_leaves_no_output(tmp_path):
    out = tmp_path / "g.parquet"
    w = ResumableWriter(out, "f", 2)
    w.write_chunk(0, pd.DataFrame({"variant_id": [0], "kpi": [1.0]}))
    w.write_chunk(1, pd.DataFrame({"variant_id": [2], "kpi": [1.0]}))  # variant 1 missing
    with pytest.raises(DataError, match="exactly once"):
        w.finalize(build_grid([Vary("x", (1, 2, 3))]))
    assert not out.exists() and w.done() == {0, 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.parquet.parts"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from([1.0, 2.0, 3.0, -1.0, float("nan")]), min_size=1, max_size=40),
    st.integers(1, 7),
    st.integers(1, 9),
)
def test_top_rows_equals_sort_values_head(tmp_path_factory, values, n, group_rows):
    import pyarrow as pa

    path = tmp_path_factory.mktemp("top") / "t.parquet"
    frame = pd.DataFrame({"variant_id": np.arange(len(values)), "v": values})
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=group_rows
    )
    expected = frame.sort_values("v", ascending=False, kind="stable").head(n)
    got = top_rows(path, "v", n, ["variant_id", "v"])
    assert got["variant_id"].tolist() == expected["variant_id"].tolist()


# -- the whole path against the in-memory reference ---------------------------------------------
def test_streamed_sweep_equals_the_in_memory_merge(tmp_path):
    """Same rows, values, columns and variant order as the former planner + in-memory merge,
    with an energy-changing --vary in the middle (chunks span groups), --finance (some variants
    refused: finance_error) and a key type without a batched kernel."""
    path = hourly_variant(tmp_path)
    base = read_scenario_mapping(path)
    base.pop("extends", None)
    varies = [
        parse_vary(f"{PEAK_PATH}=150,700"),
        parse_vary("weather.seed=3,4"),
        parse_vary("key.type=prorata,priority"),
    ]
    reference = sweep_in_memory(base, varies, path, chunk_size=3, finance=True)
    reference.to_parquet(tmp_path / "ref.parquet", index=False)
    reference.to_csv(tmp_path / "ref.csv", index=False)
    assert (reference["finance_error"] != "").any()  # the small plant's loan is refused
    table = run_sweep(
        path, varies, tmp_path / "new.parquet", chunk_size=3, progress=False, finance=True, csv=True
    )
    pd.testing.assert_frame_equal(
        table, pd.read_parquet(tmp_path / "ref.parquet"), check_exact=False, rtol=1e-9, atol=0
    )
    assert (tmp_path / "new.csv").read_text() == (tmp_path / "ref.csv").read_text()


def test_a_local_batch_never_waits_on_a_new_energy_group():
    """Consecutive chunks are evaluated together, but a chunk needing an energy group the batch
    has not computed starts a new batch: each group's checkpoints land before the next group's
    weather and pvlib run (a killed sweep loses at most one group)."""
    from greenkommon.sweep.run import _batches

    base = read_scenario_mapping(BASELINE)
    base.pop("extends", None)
    varies = [parse_vary("weather.seed=11:13:1"), parse_vary(f"{PEAK_PATH}=300,400,500")]
    plan = make_plan(base, varies, BASELINE, chunk_size=2)
    batches = list(_batches(list(plan.chunks), limit=10_000))
    assert [c.chunk_id for b in batches for c in b] == list(range(len(plan.chunks)))
    for batch in batches:
        first = set(batch[0].groups)
        assert all(set(c.groups) <= first for c in batch)
    # 9 variants in chunks of 2 over 3 groups of 3: a chunk straddles two groups, so batches
    # split there; without the rule there would be one batch
    assert len(batches) > 1
    # within one group, chunks still go together up to the limit
    one = make_plan(base, [parse_vary(f"{PEAK_PATH}=300:399:1")], BASELINE, chunk_size=10)
    assert len(list(_batches(list(one.chunks), limit=10_000))) == 1
    assert len(list(_batches(list(one.chunks), limit=30))) == 4
