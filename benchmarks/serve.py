"""``greenkommon serve``: server time per page change, against a full run in the same process.

A page change is one ``POST /api/evaluate`` body: the bundled scenario with a random plant size,
internal price, accise case and key (Enedis default or static), every body different (no answer
reused). Timed:

* **evaluate**: what the server does for one change -- parse the body, apply the settings, fetch
  the cached energy (sized to the plant), key, allocation, bills, eligibility, finance, the JSON
  payload and its encoding (:class:`greenkommon.web.service.Service`, no network);
* **http**: the same through uvicorn and a loopback socket (what the page waits for);
* **monthly.svg**: the plot the page asks for after each answer (matplotlib, SVG);
* **baseline**: ``load_scenario`` + ``run_scenario`` of the same variants written as files (what
  ``greenkommon run`` does), on a subset of the changes, with the stage cache off (a full run),
  and again with the stage cache of :mod:`greenkommon._cache` warm (a rerun of the same file).

The target of issue 16 is evaluate p95 <= 150 ms on the bundled scenario.

Run: ``python -m benchmarks.serve [--changes 100] [--baseline 20] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


def changes(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` distinct page changes on the bundled scenario."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kwp = rng.randrange(100, 800, 10)
        out.append(
            {
                "scenario": "greenkommon.toml",
                "set": {
                    "plant.peak_power_kwp": kwp,
                    "prices.internal_price_eur_per_kwh": round(rng.uniform(0.06, 0.14), 4),
                    "prices.accise_exemption": rng.choice(["does_not_apply", "applies"]),
                    "key.type": rng.choice(["prorata", "static"]),
                    "finance.loan_amount_eur": round(kwp * 1000 * 0.5, 2),
                    "finance.equity_eur": {},
                },
            }
        )
    return out


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {
        "n": len(a),
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "max_ms": float(a.max()),
    }


def run(n_changes: int = 100, n_baseline: int = 20) -> dict[str, Any]:
    import tomli_w

    from greenkommon.pipeline import run_scenario
    from greenkommon.scenario import load_scenario
    from greenkommon.web.service import Service

    service = Service(SCENARIOS)
    bodies = changes(n_changes)
    warm = json.dumps({"scenario": "greenkommon.toml", "set": {"key.type": "static"}}).encode()
    service.payload(service.evaluate(warm))  # energy cache, numba, imports
    rows: dict[str, Any] = {}

    ms = []
    for body in bodies:
        t0 = time.perf_counter()
        evaluation = service.evaluate(json.dumps(body).encode())
        json.dumps(service.payload(evaluation))
        ms.append(1000 * (time.perf_counter() - t0))
    rows["evaluate"] = _stats(ms)

    ms = []
    for body in bodies[:n_baseline]:
        evaluation = service.evaluate(json.dumps(body).encode())  # reused answer
        t0 = time.perf_counter()
        service.monthly_svg(evaluation, "fr")
        ms.append(1000 * (time.perf_counter() - t0))
    rows["monthly.svg"] = _stats(ms)

    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, body in enumerate(bodies[:n_baseline]):
            evaluation = service.evaluate(json.dumps(body).encode())
            files.append(Path(tmp) / f"v{i}.toml")
            files[-1].write_text(tomli_w.dumps(evaluation.variant.mapping), encoding="utf-8")
        # a full run computes weather, production and loads; the stage cache of
        # greenkommon/_cache.py spares them on a rerun of the same file
        for label, cache in (("baseline run_scenario", "off"), ("run_scenario, stage cache", "on")):
            ms = []
            before = os.environ.get("GREENKOMMON_CACHE")
            os.environ["GREENKOMMON_CACHE"] = cache
            try:
                for path in files:
                    if cache == "on":
                        run_scenario(load_scenario(path))  # fills the cache
                    t0 = time.perf_counter()
                    run_scenario(load_scenario(path))
                    ms.append(1000 * (time.perf_counter() - t0))
            finally:
                if before is None:
                    os.environ.pop("GREENKOMMON_CACHE")
                else:
                    os.environ["GREENKOMMON_CACHE"] = before
            rows[label] = _stats(ms)
    service.close()

    rows["http"] = _stats(_http(bodies))
    rows["ratio_baseline_p50_to_evaluate_p50"] = (
        rows["baseline run_scenario"]["p50_ms"] / rows["evaluate"]["p50_ms"]
    )
    return rows


def _http(bodies: list[dict[str, Any]]) -> list[float]:
    """Round trip of each change through uvicorn on the loopback (fresh server, warmed)."""
    import threading

    import uvicorn

    from greenkommon.web import create_app

    app = create_app(SCENARIOS)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    origin = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"

    def post(body: dict[str, Any]) -> None:
        req = urllib.request.Request(
            origin + "/api/evaluate",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()

    post({"scenario": "greenkommon.toml", "set": {"key.type": "static"}})
    ms = []
    for body in bodies:
        body = {**body, "set": {**body["set"], "prices.surplus_price_eur_per_kwh": 0.0001}}
        t0 = time.perf_counter()
        post(body)
        ms.append(1000 * (time.perf_counter() - t0))
    server.should_exit = True
    thread.join(timeout=30)
    return ms


def format_table(rows: dict[str, Any]) -> str:
    lines = ["| what | n | p50 | p95 | max |", "|---|---|---|---|---|"]
    for name, r in rows.items():
        if isinstance(r, dict):
            lines.append(
                f"| {name} | {r['n']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms |"
            )
    lines.append(
        f"\nfull run / page change (p50): {rows['ratio_baseline_p50_to_evaluate_p50']:.1f}x"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from .allocation import write_json

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--changes", type=int, default=100, help="page changes timed (default 100)")
    parser.add_argument(
        "--baseline", type=int, default=20, help="changes also run as full runs (default 20)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "serve.json")
    args = parser.parse_args(argv)
    rows = run(args.changes, args.baseline)
    print(format_table(rows))
    write_json(rows, args.out)
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
