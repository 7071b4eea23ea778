"""``python -m benchmarks.scale_out``: sweep throughput in this process and on a Dask
``LocalCluster`` of 1 and 2 workers (the measurement quoted in ``docs/scale-out.md``).

A sweep of 16 weather seeds × 1,000 plant sizes (16 energy groups, 16,000 variants) with the
stage cache off, so every group runs the weather generator and pvlib; each cluster first runs a
small warm-up sweep (imports, numba cache, sun geometry paid once per worker). Prints wall time,
variants/s and groups/s per run, the load average, and the 2-vs-1-worker speed-up.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "greenkommon.toml"


def main() -> None:
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from dask.distributed import Client, LocalCluster

    from greenkommon import sweep

    warm = [
        sweep.parse_vary("weather.seed=101:102:1"),
        sweep.parse_vary(f"{sweep.PEAK_PATH}=100:199:1"),
    ]
    timed = [
        sweep.parse_vary("weather.seed=31:46:1"),
        sweep.parse_vary(f"{sweep.PEAK_PATH}=100:1099:1"),
    ]
    groups = len(timed[0].values)
    seconds: dict[str, float] = {}
    os.environ["GREENKOMMON_CACHE"] = "off"  # every energy group computed: the expensive part
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("local", "1 worker", "2 workers"):
            out = Path(tmp) / f"{label}.parquet"
            warm_out = Path(tmp) / f"warm {label}.parquet"
            if label == "local":
                sweep.run_sweep(SCENARIO, warm, warm_out, progress=False)
                t0 = time.perf_counter()
                table = sweep.run_sweep(SCENARIO, timed, out, progress=False, chunk_size=1000)
            else:
                n = int(label.split()[0])
                with (
                    LocalCluster(
                        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    client.run(lambda: os.environ.__setitem__("GREENKOMMON_CACHE", "off"))
                    sweep.run_sweep(
                        SCENARIO,
                        warm,
                        warm_out,
                        progress=False,
                        chunk_size=100,
                        dask_address=client,
                    )
                    t0 = time.perf_counter()
                    table = sweep.run_sweep(
                        SCENARIO, timed, out, progress=False, chunk_size=1000, dask_address=client
                    )
            wall = time.perf_counter() - t0
            seconds[label] = wall
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"{label:>9}: {len(table):,} variants, {groups} energy groups in {wall:.1f} s: "
                f"{len(table) / wall:,.0f} variants/s, {groups / wall:.2f} groups/s (load {load})",
                flush=True,
            )
    print(f"2 workers / 1 worker: {seconds['1 worker'] / seconds['2 workers']:.2f}× the throughput")


if __name__ == "__main__":
    main()
