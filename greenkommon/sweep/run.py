"""Running a sweep: locally chunk by chunk, or on a Dask cluster."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import GreenkommonError
from .grid import Vary
from .group import GroupEnergy, compute_group_energy
from .kpis import evaluate_chunk
from .output import ResumableWriter
from .plan import DEFAULT_CHUNK_SIZE, Chunk, SweepPlan, make_plan


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------
def run_sweep(
    scenario_path: str | Path,
    varies: Sequence[Vary],
    out: str | Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    resume: bool = False,
    overwrite: bool = False,
    csv: bool = False,
    dask_address: str | Any | None = None,
    progress: bool = True,
    finance: bool = False,
) -> pd.DataFrame:
    """Evaluate the grid of ``varies`` over a scenario file and write ``out`` (Parquet).

    Parameters
    ----------
    scenario_path : str or Path
        Base scenario (TOML, ``extends`` allowed).
    varies : sequence of Vary
        Dimensions (:func:`parse_vary`).
    out : str or Path
        Result Parquet file; parts are checkpointed in ``out.parts/`` until the end.
    chunk_size : int
        Variants per checkpoint.
    resume : bool
        Continue an interrupted sweep with the same arguments.
    overwrite : bool
        Start over, replacing existing results.
    csv : bool
        Also write ``out`` with a ``.csv`` suffix.
    dask_address : str or None
        ``None``: run here (numba uses the local cores). ``'local'``: a
        :class:`dask.distributed.LocalCluster` of processes. Otherwise the address of a running
        scheduler (``tcp://host:8786``).
    progress : bool
        Show a tqdm bar with ETA on stderr.
    finance : bool
        Add the long-term projection columns (see :func:`evaluate_chunk`); ~0.1 s per variant.

    Returns
    -------
    pandas.DataFrame
        The result table (also written to ``out``).
    """
    from ..scenario import read_scenario_mapping

    base = read_scenario_mapping(scenario_path)
    base.pop("extends", None)
    plan = make_plan(base, varies, scenario_path, chunk_size, finance)
    writer = ResumableWriter(
        out, plan.fingerprint, len(plan.chunks), resume=resume, overwrite=overwrite
    )
    done = writer.done()
    todo = [c for c in plan.chunks if c.chunk_id not in done]
    n_done = sum(len(c.rows) for c in plan.chunks if c.chunk_id in done)
    bar = _progress(plan.n_variants, n_done, progress)
    try:
        if dask_address is None:
            _run_local(plan, todo, writer, bar)
        else:
            _run_dask(plan, todo, writer, bar, dask_address)
    finally:
        bar.close()
    return writer.finalize(plan.grid, csv=csv)


def _progress(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="variant",
        desc="sweep",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def _run_local(plan: SweepPlan, todo: Iterable[Chunk], writer: ResumableWriter, bar: Any) -> None:
    energy: GroupEnergy  # computed at the first chunk (groups are >= 0)
    energy_group = -1
    for chunk in todo:
        if chunk.group != energy_group:
            energy = compute_group_energy(plan.group_mappings[chunk.group], plan.file)
            energy_group = chunk.group
        frame = evaluate_chunk(
            energy, plan.group_mappings[chunk.group], plan.file, chunk.rows, plan.finance
        )
        writer.write_chunk(chunk.chunk_id, frame)
        bar.update(len(chunk.rows))


def connect_dask(address: str) -> Any:
    """A :class:`distributed.Client` on ``address`` (``'local'``: a new LocalCluster of processes)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise GreenkommonError("--dask needs the 'dask[distributed]' package") from None
    if not logging.getLogger().isEnabledFor(logging.INFO):
        # distributed logs its life cycle at INFO on its own handler; keep the CLI quiet unless -v
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if address == "local":
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
        client: Any = Client(cluster)
        client._greenkommon_cluster = cluster  # closed with the client by _run_dask
        return client
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise GreenkommonError(
            f"--dask {address}: cannot reach a Dask scheduler there ({exc})"
        ) from None


@contextlib.contextmanager
def dask_client(address: str | Any) -> Iterator[Any]:
    """A Dask client for one run: ``address`` itself when it is already a client, otherwise
    :func:`connect_dask`'s, closed on exit together with the LocalCluster it may have started."""
    if not isinstance(address, str):
        yield address
        return
    client = connect_dask(address)
    try:
        yield client
    finally:
        cluster = getattr(client, "_greenkommon_cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def _run_dask(
    plan: SweepPlan, todo: Sequence[Chunk], writer: ResumableWriter, bar: Any, address: str | Any
) -> None:
    from dask.distributed import as_completed

    with dask_client(address) as client:
        groups = sorted({c.group for c in todo})
        energy = {
            g: client.submit(
                compute_group_energy,
                plan.group_mappings[g],
                plan.file,
                pure=False,
                key=f"greenkommon-energy-{plan.fingerprint[:12]}-{g}",
            )
            for g in groups
        }
        futures = {
            client.submit(
                evaluate_chunk,
                energy[c.group],
                plan.group_mappings[c.group],
                plan.file,
                c.rows,
                plan.finance,
                pure=False,
            ): c
            for c in todo
        }
        for fut in as_completed(futures):
            chunk = futures[fut]
            writer.write_chunk(chunk.chunk_id, fut.result())
            bar.update(len(chunk.rows))
            fut.release()
