"""``pytest benchmarks``: a reduced benchmark run.

It asserts only what does not depend on the machine's speed (kernel and twin agree; every key
and mode was measured); the figures are printed (``pytest benchmarks -s``) and written to
``benchmarks/results/allocation-pytest.json``. Timings are never asserted.
"""

from __future__ import annotations

from pathlib import Path

from . import allocation


def test_allocation_benchmark_runs(capsys):
    results = allocation.run(n_scenarios=512, numpy_scenarios=64, repeat=3, compile_=False)
    keys = set(allocation.KEYS)
    assert {r["key"] for r in results["single"]} == keys
    assert {r["key"] for r in results["sweep"]} == keys | {"priority-shared"}
    for row in results["single"]:
        assert row["max_abs_diff_kwh"] < 1e-9, row
        assert row["numba_s"] > 0 and row["numpy_s"] > 0
    for row in results["sweep"]:
        assert row["max_rel_diff_allocated"] < 1e-12, row
    table = allocation.format_table(results)
    allocation.write_json(
        results, Path(__file__).resolve().parent / "results" / "allocation-pytest.json"
    )
    with capsys.disabled():
        print("\n" + table)


def test_resolution_comparison_on_synthetic_year():
    # Coarser steps net production and consumption within the interval: for the keys whose
    # total is min(P, ΣC) (default key), Σ_t min(P_t, C_t) ≤ min(Σ P_t, Σ C_t) over each merged
    # group, so the allocated total can only grow with the step; energy is conserved exactly.
    import numpy as np

    from greenkommon import allocation as al
    from greenkommon.allocation.resolution import aggregate_steps, compare_steps

    per_kwp, loads, _ = allocation.synthetic_year(step_minutes=15)
    prod = per_kwp * 100.0
    np.testing.assert_allclose(aggregate_steps(loads, 4).sum(), loads.sum())
    rows = compare_steps(prod, loads, {"prorata": al.ProrataKey()})
    alloc = [r["allocated_kwh"] for r in rows]
    assert alloc[0] <= alloc[1] <= alloc[2]
    assert all(abs(r["production_kwh"] - prod.sum()) < 1e-6 * prod.sum() for r in rows)
