"""Benchmarks of the key optimiser: build time, solve time and size of every model.

Run: ``python -m benchmarks.bench_optimise [--days N] [--naive-days N]``; the benchmarks runner
imports :func:`run`, which returns one dict per case.

Baselines measured in the same process:

* the plain numpy water-filling of the static key without fairness (exact, greedy over sorted
  pieces) — the ratio says what Pyomo + HiGHS cost over pure numpy;
* the naive LP formulation of the issue (``a_it ≤ k_i P_t``, ``a_it ≤ C_it``, one variable per
  venue and interval) built with Pyomo and solved by HiGHS, on ``naive_days`` days (a full year
  takes tens of seconds), against the exact compact model on the same days.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from greenkommon import optimise as opt


def synthetic_year(n_venues: int = 4, days: int = 365, seed: int = 0):
    """Half-hourly PV production (T,) and venue loads (N, T) [kWh], deterministic."""
    rng = np.random.default_rng(seed)
    t = np.arange(48 * days)
    hour = (t % 48) / 2
    season = 1 + 0.6 * np.sin(2 * np.pi * (t / (48 * 365.25)) - np.pi / 2 + np.pi)
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * season
    production = 200.0 * sun * rng.uniform(0.2, 1.0, t.size)
    shape = 1 + 0.8 * ((hour > 9) & (hour < 23))
    scale = np.array([0.3, 0.8, 1.6, 1.3, 1.0, 0.6][:n_venues])[:, None]
    consumption = 20.0 * scale * shape * rng.uniform(0.5, 1.5, (n_venues, t.size))
    price = (
        np.where((hour >= 6) & (hour < 22), 0.19, 0.15)[None, :]
        * np.linspace(0.95, 1.1, n_venues)[:, None]
    )
    return production, consumption, price


def numpy_water_filling(production, consumption, weight):
    """Exact static key without fairness in plain numpy: greedy over every true piece."""
    pieces_slope, pieces_len, pieces_venue = [], [], []
    for i in range(consumption.shape[0]):
        mask = production > 0
        p, c, w = production[mask], consumption[i, mask], weight[i, mask]
        r = c / p
        order = np.argsort(r)
        r, p, w = r[order], p[order], w[order]
        tail = np.cumsum((w * p)[::-1])[::-1]  # slope on (r_{m-1}, r_m) = Σ_{t ≥ m} w p
        edges = np.concatenate([[0.0], np.minimum(r, 1.0)])
        lengths = np.diff(edges)
        keep = lengths > 0
        pieces_slope.append(tail[keep])
        pieces_len.append(lengths[keep])
        pieces_venue.append(np.full(int(keep.sum()), i))
    slope = np.concatenate(pieces_slope)
    length = np.concatenate(pieces_len)
    venue = np.concatenate(pieces_venue)
    order = np.argsort(-slope, kind="stable")
    cum = np.cumsum(length[order])
    take = np.clip(1.0 - (cum - length[order]), 0.0, length[order]) * (slope[order] > 0)
    k = np.zeros(consumption.shape[0])
    np.add.at(k, venue[order], take)
    return k


def naive_static_lp(production, consumption, weight, method="ipm"):
    """The issue's naive formulation, one variable per venue and interval (reference timing)."""
    import pyomo.environ as pyo

    n, t = consumption.shape
    t0 = time.perf_counter()
    m = pyo.ConcreteModel()
    m.k = pyo.Var(range(n), bounds=(0, 1))
    idx = [(i, j) for i in range(n) for j in range(t)]
    m.a = pyo.Var(idx, bounds=lambda _m, i, j: (0, float(consumption[i, j])))
    m.cap = pyo.Constraint(idx, rule=lambda _m, i, j: m.a[i, j] <= float(production[j]) * m.k[i])
    m.sum = pyo.Constraint(expr=sum(m.k[i] for i in range(n)) <= 1)
    m.obj = pyo.Objective(
        expr=pyo.quicksum(float(weight[i, j]) * m.a[i, j] for i, j in idx), sense=pyo.maximize
    )
    build = time.perf_counter() - t0
    stats = opt.SolveStats(n_variables=n * t + n, n_constraints=n * t + 1, build_s=build)
    opt._solve(m, stats, method, 600.0, "naive static LP")
    return np.array([m.k[i].value for i in range(n)]), stats


def _row(name, n, t, stats, objective, total_s, **extra):
    row = {
        "name": name,
        "n_venues": n,
        "n_intervals": t,
        "n_variables": stats.n_variables,
        "n_constraints": stats.n_constraints,
        "n_solves": stats.n_solves,
        "build_s": round(stats.build_s, 4),
        "solve_s": round(stats.solve_s, 4),
        "total_s": round(total_s, 4),
        "objective_eur": round(objective, 6),
    }
    row.update(extra)
    return row


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def run(days: int = 365, naive_days: int = 14) -> list[dict]:
    """Benchmark every model; one dict per case (times in seconds)."""
    import pyomo.environ  # noqa: F401  - import cost is paid once, outside the timings

    rows = []
    p, c, price = synthetic_year(days=days)
    n, t = c.shape
    # the allocation core (re-simulation, pro-rata reference) compiles its numba kernels on first
    # use: pay that once, outside the timings of the models, and report it
    t0 = time.perf_counter()
    opt.prorata_allocation(p[:96], c[:, :96])
    opt.simulate_key(p[:96], c[:, :96], np.full(n, 1.0 / n))
    opt.simulate_key(p[:96], c[:, :96], np.full((n, 96), 1.0 / n))
    rows.append(
        {
            "name": "allocation core warm-up (numba compilation, once per process)",
            "total_s": round(time.perf_counter() - t0, 4),
        }
    )
    surplus = 0.04
    w = price - surplus

    k_np, t_np = _timed(numpy_water_filling, p, c, w)
    v_np = float((w * np.minimum(k_np[:, None] * p, c)).sum())
    rows.append(
        {
            "name": "static key: numpy water-filling (baseline)",
            "n_venues": n,
            "n_intervals": t,
            "total_s": round(t_np, 4),
            "objective_eur": round(v_np, 6),
        }
    )

    res, t_static = _timed(opt.solve_static_key, p, c, price, surplus)
    rows.append(
        _row(
            "static key: exact refined LP (Pyomo + HiGHS)",
            n,
            t,
            res.stats,
            res.objective_eur,
            t_static,
            ratio_vs_numpy=round(t_static / t_np, 1),
            rel_diff_vs_numpy=abs(res.objective_eur - v_np) / abs(v_np),
        )
    )

    fair = dict(internal_price_eur_per_kwh=0.10)
    for label, kw in (
        ("no_loss + maxmin", dict(no_loss=True, maxmin=True)),
        ("equity shares 10/20/40/20 %", dict(equity_shares=[0.1, 0.2, 0.4, 0.2])),
        ("bounds 5-40 %", dict(lower=0.05, upper=0.4)),
    ):
        r, dt = _timed(opt.solve_static_key, p, c, price, surplus, **fair, **kw)
        rows.append(_row(f"static key, {label}", n, t, r.stats, r.objective_eur, dt))

    r, dt = _timed(opt.solve_dynamic_key, p, c, price, surplus)
    rows.append(_row("dynamic key: greedy (no fairness)", n, t, r.stats, r.objective_eur, dt))
    # time-of-use prices: the aggregated layout (yearly totals per price class) against the layout
    # with one variable per venue and scarce interval, on the same LPs
    for label, kw in (
        ("no fairness (LP forced)", dict(force_lp=True)),
        ("vs_prorata + maxmin", dict(vs_prorata=True, maxmin=True, **fair)),
        ("equity shares", dict(equity_shares=[0.1, 0.2, 0.4, 0.2], **fair)),
    ):
        r_int, dt_int = _timed(opt.solve_dynamic_key, p, c, price, surplus, aggregate=False, **kw)
        rows.append(
            _row(
                f"dynamic key: interval LP, {label}", n, t, r_int.stats, r_int.objective_eur, dt_int
            )
        )
        r_agg, dt_agg = _timed(opt.solve_dynamic_key, p, c, price, surplus, aggregate=True, **kw)
        rows.append(
            _row(
                f"dynamic key: aggregated LP, {label}",
                n,
                t,
                r_agg.stats,
                r_agg.objective_eur,
                dt_agg,
                speedup_vs_interval_lp=round(dt_int / dt_agg, 1),
                rel_diff_vs_interval_lp=abs(r_agg.objective_eur - r_int.objective_eur)
                / abs(r_int.objective_eur),
            )
        )

    annual = opt.annualised_cost_eur_per_kwp(900.0, 20, 0.04, 15.0)
    # surplus unsold here, so that the size stops where self-consumption stops paying for a kWp
    r, dt = _timed(
        opt.solve_sizing,
        p / 200.0,
        c,
        price,
        0.0,
        annual_cost_eur_per_kwp=annual,
        max_peak_power_kwp=3000.0,
    )
    rows.append(
        _row(
            "sizing: plant kWp + static key",
            n,
            t,
            r.stats,
            r.objective_eur,
            dt,
            peak_power_kwp=round(r.peak_power_kwp, 3),
        )
    )

    if naive_days > 0:
        pn, cn, prn = synthetic_year(days=naive_days)
        wn = prn - surplus
        (k_naive, st_naive), dt_naive = _timed(naive_static_lp, pn, cn, wn)
        v_naive = float((wn * np.minimum(k_naive[:, None] * pn, cn)).sum())
        r, dt = _timed(opt.solve_static_key, pn, cn, prn, surplus)
        rows.append(
            _row(
                f"static key: naive LP ({naive_days} days, a_it <= k_i P_t)",
                n,
                cn.shape[1],
                st_naive,
                v_naive,
                dt_naive,
            )
        )
        rows.append(
            _row(
                f"static key: exact refined LP ({naive_days} days)",
                n,
                cn.shape[1],
                r.stats,
                r.objective_eur,
                dt,
                speedup_vs_naive=round(dt_naive / dt, 1),
                rel_diff_vs_naive=abs(r.objective_eur - v_naive) / abs(v_naive),
            )
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=int, default=365, help="days of half-hours for the main cases (default 365)"
    )
    parser.add_argument(
        "--naive-days", type=int, default=14, help="days for the naive-LP comparison (0 skips it)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = run(days=args.days, naive_days=args.naive_days)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in ("name",)}
        print(f"{row['name']}\n    " + ", ".join(f"{k}={v}" for k, v in extra.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
