"""``python -m benchmarks.sweep_memory``: peak memory of a sweep against its number of variants.

Each measurement runs in a fresh child process (``/proc/self/status`` ``VmHWM``, the resident
set's high-water mark, is per process): imports and one 10-variant warm-up sweep (numba kernels,
the energy stage from the stage cache), the high-water mark read as the baseline, then the timed
sweep of the bundled scenario over ``plant.peak_power_kwp=100:1099:1`` × K internal prices
(K = 10, 100, 1000: 10,000, 100,000 and 1,000,000 variants; beyond, 1,000 prices and more
sizes; no ``--finance``) written to a
temporary Parquet file with ``load=False``, and the high-water mark again. The streamed path's
growth over its baseline is the contract: flat in the number of variants. The pre-streaming
path (:func:`greenkommon.sweep.reference.sweep_in_memory`: one override dict per variant, every
chunk's frame merged in memory) is measured the same way as the baseline of the ratio, at sizes
up to ``--reference-max`` (default 100,000; it holds the whole table).

Prints one row per run (variants, wall, baseline and peak RSS, growth) and the growth ratio
reference / streamed at each size, with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "greenkommon.toml"
SIZES = (10_000, 100_000, 1_000_000)


def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _varies(n_variants: int) -> list:
    from greenkommon import sweep

    # at most 1,000 prices (combinations), the rest plant sizes: past a million variants the
    # grid grows without more combinations, so what grows is the number of variants alone
    prices = min(max(n_variants // 1000, 1), 1000)
    sizes = n_variants // prices
    values = ",".join(f"{0.05 + 0.09 * k / max(prices - 1, 1):.6f}" for k in range(prices))
    return [
        sweep.parse_vary(f"{sweep.PEAK_PATH}=100:{99 + sizes}:1"),
        sweep.parse_vary(f"prices.internal_price_eur_per_kwh={values}"),
    ]


def child(n_variants: int, path: str) -> dict[str, float]:
    """One measurement in this (fresh) process: ``path`` is ``streamed`` or ``reference``."""
    from greenkommon import sweep
    from greenkommon.scenario import read_scenario_mapping
    from greenkommon.sweep.reference import sweep_in_memory

    with tempfile.TemporaryDirectory() as tmp:
        warm = [sweep.parse_vary(f"{sweep.PEAK_PATH}=100:109:1")]
        sweep.run_sweep(SCENARIO, warm, Path(tmp) / "warm.parquet", progress=False, load=False)
        base = _vmhwm_mb()
        varies = _varies(n_variants)
        t0 = time.perf_counter()
        if path == "streamed":
            sweep.run_sweep(SCENARIO, varies, Path(tmp) / "out.parquet", progress=False, load=False)
        else:
            mapping = read_scenario_mapping(SCENARIO)
            mapping.pop("extends", None)
            table = sweep_in_memory(mapping, varies, SCENARIO, sweep.DEFAULT_CHUNK_SIZE)
            table.to_parquet(Path(tmp) / "out.parquet", index=False)
        seconds = time.perf_counter() - t0
    return {"baseline_mb": base, "peak_mb": _vmhwm_mb(), "seconds": seconds}


def measure_in_child(module: str, *args: object) -> dict[str, float]:
    """``module.child(*args)`` in a fresh interpreter (its own high-water mark)."""
    code = f"import json; from {module} import child; print(json.dumps(child(*{args!r})))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(n_variants: int, path: str) -> dict[str, float]:
    """:func:`child` in a fresh interpreter."""
    return measure_in_child("benchmarks.sweep_memory", n_variants, path)


def growth_table(
    sizes: list[int],
    paths: tuple[str, str],
    reference_max: int,
    measure: Callable[[int, str], dict[str, float]],
    unit: str,
) -> None:
    """Measure ``paths`` (streamed, then the reference up to ``reference_max``) at each size and
    print one row per run, then the reference's growth over the streamed path's."""
    streamed, reference = paths
    growth: dict[tuple[str, int], float] = {}
    print(f"{'path':>9} {unit:>10} {'wall s':>7} {'base MB':>8} {'peak MB':>8} {'growth':>7}")
    for n in sizes:
        for path in paths:
            if path == reference and n > reference_max:
                continue
            r = measure(n, path)
            grown = r["peak_mb"] - r["baseline_mb"]
            growth[path, n] = grown
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"{path:>9} {n:>10,} {r['seconds']:>7.1f} {r['baseline_mb']:>8.0f} "
                f"{r['peak_mb']:>8.0f} {grown:>7.0f}  (load {load})",
                flush=True,
            )
    for n in sizes:
        if (reference, n) in growth:
            ratio = growth[reference, n] / max(growth[streamed, n], 1.0)
            print(f"{n:,} {unit}: {reference} grows {ratio:.1f}x the {streamed} path's memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep_memory", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--reference-max", type=int, default=100_000)
    args = parser.parse_args(argv)
    growth_table(args.sizes, ("streamed", "reference"), args.reference_max, measure, "variants")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
