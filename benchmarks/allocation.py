"""Benchmark of the allocation core: numba kernels vs their numpy twins.

For each key type, on a year at 30 min × 4 venues (synthetic, seeded: night zeros, midday
production above the loads so every cap and every redistribution round is exercised):

* **single scenario**: the numba kernel (static, pro-rata and dynamic keys: those of
  :mod:`greenkommon.allocation._checked`, which also check the loads and production) vs the
  vectorised numpy twin of :mod:`greenkommon.allocation.reference` (the twin without
  validation, outputs of the same shapes), plus the public
  :func:`greenkommon.allocation.allocate` wrapper (validation included);
* **sweep**: :func:`greenkommon.allocation.allocate_batch_kpis` over S plant sizes (and, for
  the static and redistributed keys, S different coefficient vectors) in KPI mode, vs the numpy
  twin :func:`greenkommon.allocation.reference.batch_kpis` (chunks of scenarios broadcast at
  once). Static, pro-rata and dynamic keys are timed twice: ``sweep_kpi`` runs the rule at every
  interval (``method='direct'``: the compiled kernel against the twin of the same loop),
  ``sweep_bp`` reads sorted breakpoints (``method='breakpoints'``: an algorithmic gain, the twin
  is still the per-interval rule). The twin is timed on a subset of the scenarios and scaled linearly (its cost is
  linear in S; the subset size is reported);
* **compile**: first call of every kernel in a fresh process with an empty numba cache (JIT
  compile), then in a second fresh process with that cache (load only: what a CLI run pays
  after the first).

Times are the best of ``repeat`` runs of ``time.perf_counter`` (wall clock; the batch kernel
uses every core numba is given). ns per venue-step = time / (S × N × T).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from greenkommon import allocation as al
from greenkommon.allocation import _checked as C
from greenkommon.allocation import _kernels as K
from greenkommon.allocation import reference as ref

#: Targets of issue 5 on the 2-core dev machine.
TARGET_RATIO = 20.0
TARGET_SWEEP_S = 1.0

KEYS = ("static", "prorata", "dynamic", "redistributed", "priority")


def synthetic_year(step_minutes: int = 30, n_venues: int = 4, seed: int = 20261127):
    """A seeded year: production per kWp (T,) [kWh/kWp], loads (N, T) [kWh], dynamic key (N, T).

    Production follows a clipped daily sine with random clouds, 1 kWp giving ~1,100 kWh/yr;
    loads are gamma-distributed with a daytime bump and 5 % zero steps (closed venues).
    """
    rng = np.random.default_rng(seed)
    steps_per_day = 24 * 60 // step_minutes
    t = 365 * steps_per_day
    hours = (np.arange(t) % steps_per_day) * step_minutes / 60.0
    day = np.arange(t) // steps_per_day
    season = 0.65 + 0.35 * np.cos((day - 172) / 365.0 * 2 * np.pi)
    sun = np.clip(np.sin((hours - 6.0) / 12.0 * np.pi), 0.0, None) * season
    per_kwp = sun * rng.uniform(0.2, 1.0, t)
    per_kwp *= 1100.0 / per_kwp.sum()
    bump = 1.0 + 1.5 * ((hours >= 9) & (hours < 19))
    loads = rng.gamma(2.0, 1.0, (n_venues, t)) * bump * (step_minutes / 30.0)
    loads *= rng.uniform(size=(n_venues, t)) > 0.05
    dynamic = rng.dirichlet(np.ones(n_venues + 1), t).T[:n_venues].copy()
    return per_kwp, loads, dynamic


def _best(func: Callable[[], Any], repeat: int) -> float:
    return _best_wall_cpu(func, repeat)[0]


def _best_wall_cpu(func: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best wall time of ``repeat`` runs and the process CPU time (all threads) of that run."""
    func()  # warm-up (and JIT load)
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        func()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if wall < best[0]:
            best = (wall, cpu)
    return best


def bench_single(peak_kwp: float = 100.0, repeat: int = 20) -> list[dict[str, Any]]:
    """Single scenario, one row per key type."""
    per_kwp, loads, dyn = synthetic_year()
    prod = per_kwp * peak_kwp
    n, t = loads.shape
    coef = np.array([0.4, 0.3, 0.2, 0.1])
    order = np.array([2, 0, 3, 1], dtype=np.int64)
    alloc, surplus, imp = np.empty_like(loads), np.empty(t), np.empty_like(loads)
    cases = {
        "static": (
            lambda: C.static_checked(prod, coef, loads, True, alloc, surplus, imp),
            lambda: ref.static(prod, coef, loads),
            al.StaticKey(coef),
        ),
        "prorata": (
            lambda: C.prorata_checked(prod, loads, True, alloc, surplus, imp),
            lambda: ref.prorata(prod, loads),
            al.ProrataKey(),
        ),
        "dynamic": (
            lambda: C.dynamic_checked(prod, dyn, loads, True, alloc, surplus, imp),
            lambda: ref.dynamic(prod, dyn, loads),
            al.DynamicKey(dyn),
        ),
        "redistributed": (
            lambda: K.redistributed_kernel(prod, coef, loads, alloc, surplus, imp),
            lambda: ref.redistributed(prod, coef, loads),
            al.RedistributedKey(coef),
        ),
        "priority": (
            lambda: K.priority_kernel(prod, order, loads, alloc, surplus, imp),
            lambda: ref.priority(prod, order, loads),
            al.PriorityKey(order),
        ),
    }
    rows = []
    for key, (numba_f, numpy_f, key_obj) in cases.items():
        t_numba = _best(numba_f, repeat)
        want = numpy_f()
        got = (alloc, surplus, imp)
        max_diff = max(float(np.max(np.abs(g - w))) for g, w in zip(got, want, strict=True))
        t_numpy = _best(numpy_f, repeat)
        t_wrapper = _best(lambda k=key_obj: al.allocate(prod, loads, k), max(3, repeat // 4))
        rows.append(
            {
                "key": key,
                "mode": "single",
                "scenarios": 1,
                "venues": n,
                "steps": t,
                "numba_s": t_numba,
                "numpy_s": t_numpy,
                "allocate_wrapper_s": t_wrapper,
                "ratio": t_numpy / t_numba,
                "numba_ns_per_venue_step": t_numba / (n * t) * 1e9,
                "numpy_ns_per_venue_step": t_numpy / (n * t) * 1e9,
                "max_abs_diff_kwh": max_diff,
            }
        )
    return rows


def bench_sweep(
    n_scenarios: int = 10_000, numpy_scenarios: int = 256, repeat: int = 3, seed: int = 7
) -> list[dict[str, Any]]:
    """KPI-mode sweep over ``n_scenarios`` plant sizes (and coefficient vectors)."""
    per_kwp, loads, dyn = synthetic_year()
    n, t = loads.shape
    rng = np.random.default_rng(seed)
    peak = rng.uniform(20.0, 300.0, n_scenarios)
    coefs = rng.dirichlet(np.ones(n), n_scenarios) * rng.uniform(0.8, 1.0, (n_scenarios, 1))
    orders = np.array([rng.permutation(n) for _ in range(n_scenarios)])
    price = np.array([0.20, 0.18, 0.1659, 0.22])
    rows = []
    # "priority-shared": one order for every plant size (the kernel's vectorised path)
    for label in (*KEYS, "priority-shared"):
        key = "priority" if label == "priority-shared" else label
        kw: dict[str, Any] = {}
        if key in ("static", "redistributed"):
            kw["coefficients"] = coefs
        elif key == "dynamic":
            kw["coefficients"] = dyn
        elif label == "priority-shared":
            kw["order"] = orders[0]
        elif key == "priority":
            kw["order"] = orders

        # the same twin timing serves both methods of the numba path
        m = min(numpy_scenarios, n_scenarios)
        methods = (
            ("direct", "breakpoints") if key in ("static", "prorata", "dynamic") else ("direct",)
        )
        for method in methods:
            rows.append(
                _sweep_row(
                    label,
                    key,
                    method,
                    kw,
                    per_kwp,
                    loads,
                    peak,
                    price,
                    coefs,
                    orders,
                    m,
                    n_scenarios,
                    repeat,
                )
            )
    return rows


def _sweep_row(
    label, key, method, kw, per_kwp, loads, peak, price, coefs, orders, m, n_scenarios, repeat
) -> dict[str, Any]:
    """One sweep row: ``allocate_batch_kpis(method=...)`` vs the numpy twin on ``m`` scenarios."""
    n, t = loads.shape

    def run_numba(kw=kw, key=key):
        return al.allocate_batch_kpis(
            per_kwp, loads, key, peak_power_kwp=peak, price_eur_per_kwh=price, method=method, **kw
        )

    t_numba, cpu_numba = _best_wall_cpu(run_numba, repeat)
    got = run_numba()
    # the twin on the first ``m`` scenarios, scaled to the whole sweep
    kw_m = dict(kw)
    if key in ("static", "redistributed"):
        kw_m["coefficients"] = coefs[:m]
    elif label == "priority":
        kw_m["order"] = orders[:m]
    b = al._batch_inputs(
        per_kwp, loads, key, kw_m.get("coefficients"), kw_m.get("order"), peak[:m], price
    )
    t_numpy_m = _best(lambda b=b: ref.batch_kpis(b), max(1, repeat - 1))
    alloc_m, value_m, surplus_m = ref.batch_kpis(b)
    rel = float(np.max(np.abs(got.allocated_kwh[:m] - alloc_m) / np.maximum(alloc_m, 1.0)))
    t_numpy = t_numpy_m * n_scenarios / m
    return {
        "key": label,
        "mode": "sweep_kpi" if method == "direct" else "sweep_bp",
        "method": method,
        "scenarios": n_scenarios,
        "venues": n,
        "steps": t,
        "numba_s": t_numba,
        "numba_cpu_s": cpu_numba,
        "numpy_s": t_numpy,
        "numpy_measured_on_scenarios": m,
        "ratio": t_numpy / t_numba,
        "numba_ns_per_venue_step": t_numba / (n_scenarios * n * t) * 1e9,
        "numpy_ns_per_venue_step": t_numpy / (n_scenarios * n * t) * 1e9,
        "max_rel_diff_allocated": rel,
        "target_sweep_met": t_numba < TARGET_SWEEP_S,
    }


_COMPILE_SNIPPET = textwrap.dedent(
    """
    import json, time
    t0 = time.perf_counter()
    import numpy as np
    from greenkommon import allocation as al
    t_import = time.perf_counter() - t0
    p = np.array([1.0, 2.0]); c = np.array([[1.0, 0.5], [0.2, 3.0]])
    keys = {
        "static": lambda: al.allocate(p, c, al.StaticKey([0.5, 0.5])),
        "prorata": lambda: al.allocate(p, c, al.ProrataKey()),
        "dynamic": lambda: al.allocate(p, c, al.DynamicKey([[0.5, 0.5], [0.5, 0.5]])),
        "redistributed": lambda: al.allocate(p, c, al.RedistributedKey([0.5, 0.5])),
        "priority": lambda: al.allocate(p, c, al.PriorityKey([1, 0])),
        "batch_kpis": lambda: al.allocate_batch_kpis(p, c, "static", [0.5, 0.5], peak_power_kwp=[1.0, 2.0]),
    }
    out = {"import_s": t_import}
    for name, f in keys.items():
        t0 = time.perf_counter(); f(); out[name + "_s"] = time.perf_counter() - t0
    print(json.dumps(out))
    """
)


def bench_compile() -> dict[str, Any]:
    """First-call times in fresh processes: empty numba cache (compile), then warm cache (load)."""
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        env["NUMBA_CACHE_DIR"] = cache
        for label in ("cold_cache", "warm_cache"):
            proc = subprocess.run(
                [sys.executable, "-c", _COMPILE_SNIPPET],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=repo,
            )
            result[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    import numba

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "cpu_count": os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "platform": platform.platform(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def run(
    n_scenarios: int = 10_000, numpy_scenarios: int = 256, repeat: int = 20, compile_: bool = True
):
    """Every benchmark; returns a JSON-serialisable dict."""
    results: dict[str, Any] = {"machine": machine()}
    results["single"] = bench_single(repeat=repeat)
    results["sweep"] = bench_sweep(n_scenarios, numpy_scenarios, repeat=max(2, repeat // 7))
    if compile_:
        results["compile"] = bench_compile()
    results["targets"] = {"ratio_vs_numpy": TARGET_RATIO, "sweep_seconds": TARGET_SWEEP_S}
    return results


def format_table(results: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    lines = [
        f"{'key':<16}{'mode':<11}{'S':>7}{'numba':>11}{'numpy':>11}{'ratio':>8}"
        f"{'ns/v-step':>11}{'np ns/v-s':>11}",
    ]
    for row in results["single"] + results["sweep"]:
        lines.append(
            f"{row['key']:<16}{row['mode']:<11}{row['scenarios']:>7}"
            f"{_fmt_s(row['numba_s']):>11}{_fmt_s(row['numpy_s']):>11}{row['ratio']:>7.1f}x"
            f"{row['numba_ns_per_venue_step']:>11.2f}{row['numpy_ns_per_venue_step']:>11.2f}"
        )
    sweep = results["sweep"]
    if sweep:
        m = sweep[0].get("numpy_measured_on_scenarios")
        lines.append(f"(sweep: numpy twin timed on {m} scenarios and scaled linearly)")
        for row in sweep:
            lines.append(
                f"sweep {row['key']}: numba wall {_fmt_s(row['numba_s'])}, CPU {_fmt_s(row['numba_cpu_s'])} "
                f"over {results['machine']['numba_threads']} thread(s) = "
                f"{row['numba_cpu_s'] / (row['scenarios'] * row['venues'] * row['steps']) * 1e9:.2f} "
                "CPU-ns per venue-step"
            )
    for row in results["single"]:
        lines.append(
            f"allocate() wrapper, {row['key']}: {_fmt_s(row['allocate_wrapper_s'])} "
            "(validation + kernel + KPI arrays)"
        )
    if "compile" in results:
        cold, warm = results["compile"]["cold_cache"], results["compile"]["warm_cache"]
        for name in cold:
            lines.append(
                f"first call {name[:-2]:<14} cold cache {_fmt_s(cold[name]):>9}   warm cache {_fmt_s(warm[name]):>9}"
            )
    lines.append(
        f"targets: ratio ≥ {TARGET_RATIO:.0f}x vs numpy twin; KPI sweep of "
        f"{sweep[0]['scenarios'] if sweep else 0} scenarios < {TARGET_SWEEP_S:.0f} s"
    )
    return "\n".join(lines)


def _fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def write_json(results: dict[str, Any], path: Path) -> None:
    """Write atomically (temp file then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(results, fh, indent=2, default=_jsonable)
    os.replace(tmp, path)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj)}")
