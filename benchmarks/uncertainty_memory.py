"""``python -m benchmarks.uncertainty_memory``: peak memory of ``greenkommon uncertainty --out``
against its number of sampled years.

Each measurement runs in a fresh child process (``VmHWM``, the resident set's high-water mark, is
per process; see :mod:`benchmarks.sweep_memory`): imports and a 32-year warm-up run written to a
temporary folder (numba kernels, the sun's geometry, matplotlib), the high-water mark read as the
baseline, then the run of the bundled scenario over N synthetic sampled years written to a
temporary folder, and the high-water mark again. ``streamed`` is
:func:`greenkommon.uncertainty.stream.stream_uncertainty` (what the CLI runs with ``--out``);
``memory`` is the in-memory path (:func:`~greenkommon.uncertainty.run.run_uncertainty` then
:func:`~greenkommon.uncertainty.summary.write_uncertainty`), the baseline of the ratio, at sizes
up to ``--memory-max`` (default 20,000). The streamed path's growth over its baseline is the
contract: flat in the number of years, but for the one metric column the percentiles need
(8 bytes a year).

Prints one row per run (years, wall, baseline and peak RSS, growth) with the machine's load, and
the growth ratio in-memory / streamed at each size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.sweep_memory import _vmhwm_mb, growth_table, measure_in_child

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "greenkommon.toml"
SIZES = (2_000, 20_000, 100_000)


def child(years: int, path: str) -> dict[str, float]:
    """One measurement in this (fresh) process: ``path`` is ``streamed`` or ``memory``."""
    from greenkommon.scenario import load_scenario
    from greenkommon.uncertainty import run_uncertainty, write_uncertainty
    from greenkommon.uncertainty.stream import stream_uncertainty

    scenario = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        stream_uncertainty(scenario, Path(tmp) / "warm", 32, progress=False)
        base = _vmhwm_mb()
        t0 = time.perf_counter()
        if path == "streamed":
            stream_uncertainty(scenario, Path(tmp) / "out", years, progress=False)
        else:
            result = run_uncertainty(scenario, years, progress=False)
            write_uncertainty(result, Path(tmp) / "out")
        seconds = time.perf_counter() - t0
    return {"baseline_mb": base, "peak_mb": _vmhwm_mb(), "seconds": seconds}


def measure(years: int, path: str) -> dict[str, float]:
    """:func:`child` in a fresh interpreter (its own high-water mark)."""
    return measure_in_child("benchmarks.uncertainty_memory", years, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.uncertainty_memory", description=__doc__
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--memory-max", type=int, default=20_000)
    args = parser.parse_args(argv)
    growth_table(args.sizes, ("streamed", "memory"), args.memory_max, measure, "years")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
