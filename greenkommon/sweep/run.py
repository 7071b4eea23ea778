"""Running a sweep: locally chunk by chunk, or on a Dask cluster."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import GreenkommonError
from .grid import PEAK_PATH, Vary
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
    load: bool = True,
) -> pd.DataFrame | None:
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
    load : bool
        Read the result back and return it. ``False`` for large sweeps: memory then stays
        bounded whatever the number of variants (the plan is lazy, chunks are evaluated one at
        a time locally or at most a window of them on Dask, the output is streamed); read
        ``out`` column by column (:func:`~.output.top_rows`).

    Returns
    -------
    pandas.DataFrame or None
        The result table (also written to ``out``) when ``load``.
    """
    from ..scenario import read_scenario_mapping

    base = read_scenario_mapping(scenario_path)
    base.pop("extends", None)
    plan = make_plan(base, varies, scenario_path, chunk_size, finance)
    writer = ResumableWriter(
        out, plan.fingerprint, len(plan.chunks), resume=resume, overwrite=overwrite
    )
    done = writer.done()
    todo = (c for c in plan.chunks if c.chunk_id not in done)
    n_done = sum(len(plan.chunks[i]) for i in done if i < len(plan.chunks))
    bar = _progress(plan.n_variants, n_done, progress)
    try:
        if dask_address is None:
            _run_local(plan, todo, writer, bar)
        else:
            _run_dask(plan, todo, writer, bar, dask_address)
    finally:
        bar.close()
    return writer.finalize(plan.layout, csv=csv, load=load)


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


def evaluate_range(
    chunk: Chunk,
    energies: Sequence[GroupEnergy],
    group_mappings: Sequence[dict[str, Any]],
    file: str | Path | None,
    finance: bool = False,
) -> pd.DataFrame:
    """KPIs of a chunk's variants (pure): :func:`evaluate_chunk` per energy group of the chunk
    (``energies`` and ``group_mappings`` in the order of ``chunk.groups``), rows in evaluation
    order (the chunk's positions)."""
    sizes = chunk.layout.values_of(PEAK_PATH)
    frames = [
        evaluate_chunk(energy, mapping, file, rows, finance, sizes)
        for energy, mapping, (_g, rows) in zip(
            energies, group_mappings, chunk.by_group(), strict=True
        )
    ]
    table = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    order = np.argsort(chunk.layout.positions(table["variant_id"].to_numpy()), kind="stable")
    return table.iloc[order].reset_index(drop=True)


#: Energy groups a local run keeps at once. Groups that are still needed by later chunks stay
#: (a chunk spans several groups when an energy-changing --vary is not the first); beyond this
#: many, the least recently used is dropped and recomputed if needed again (from the stage cache
#: when it is on).
ENERGY_CACHE_SIZE = 32

#: Variants a local run evaluates at once: consecutive chunks up to this many go through one
#: :func:`evaluate_range` (one kernel call per combination and piece of prices instead of one
#: per chunk), then are checkpointed chunk by chunk. A sweep with ``--finance`` (~0.1 s per
#: variant) evaluates chunk by chunk.
LOCAL_BATCH_VARIANTS = 10_000


def _batches(todo: Iterable[Chunk], limit: int) -> Iterator[list[Chunk]]:
    """Runs of consecutive chunks holding at most ``limit`` variants (at least one chunk) and
    needing no energy group beyond those of the run's first chunk: an energy group costs the
    weather and pvlib (~1 s), so the chunks of each group are checkpointed before the next
    group is computed (a killed sweep loses at most one group's work)."""
    batch: list[Chunk] = []
    groups: set[int] = set()
    size = 0
    for chunk in todo:
        if batch and (
            chunk.chunk_id != batch[-1].chunk_id + 1
            or size + len(chunk) > limit
            or not groups.issuperset(chunk.groups)
        ):
            yield batch
            batch, size = [], 0
        if not batch:
            groups = set(chunk.groups)
        batch.append(chunk)
        size += len(chunk)
    if batch:
        yield batch


def _run_local(plan: SweepPlan, todo: Iterable[Chunk], writer: ResumableWriter, bar: Any) -> None:
    energy: dict[int, GroupEnergy] = {}
    limit = 1 if plan.finance else LOCAL_BATCH_VARIANTS
    rows = plan.part_rows
    for batch in _batches(todo, limit):
        span = Chunk(batch[0].chunk_id, batch[0].lo, batch[-1].hi, plan.layout)
        groups = span.groups
        for g in groups:
            if g in energy:
                energy[g] = energy.pop(g)  # most recently used last
            else:
                energy[g] = compute_group_energy(plan.group_mappings[g], plan.file)
        frame = evaluate_range(
            span,
            [energy[g] for g in groups],
            [plan.group_mappings[g] for g in groups],
            plan.file,
            plan.finance,
        )
        for chunk in batch:
            part = frame.iloc[chunk.lo - span.lo : chunk.hi - span.lo].reset_index(drop=True)
            writer.write_chunk(chunk.chunk_id, part, rows)
            bar.update(len(chunk))
        last = batch[-1].chunk_id
        for g in [g for g in energy if plan.last_chunk(g) <= last]:
            del energy[g]  # no later chunk needs it
        while len(energy) > ENERGY_CACHE_SIZE:
            del energy[next(iter(energy))]


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
    plan: SweepPlan, todo: Iterable[Chunk], writer: ResumableWriter, bar: Any, address: str | Any
) -> None:
    """Chunks submitted in order, at most a window of them in flight (2 per worker thread + 2),
    so finished frames wait on the cluster only until the client writes them; an energy group
    is submitted with the first chunk that needs it and released after the last one."""
    from dask.distributed import as_completed

    with dask_client(address) as client:
        window = 2 * max(1, sum(client.nthreads().values())) + 2
        rows = plan.part_rows
        energy: dict[int, Any] = {}
        users: dict[int, int] = {}  # chunks in flight per energy group
        inflight: dict[Any, Chunk] = {}
        queue = iter(todo)
        next_id = 0  # chunks below it are submitted or done

        def submit() -> Any:
            nonlocal next_id
            chunk = next(queue, None)
            if chunk is None:
                next_id = len(plan.chunks)
                return None
            next_id = chunk.chunk_id + 1
            groups = chunk.groups
            for g in groups:
                if g not in energy:
                    energy[g] = client.submit(
                        compute_group_energy,
                        plan.group_mappings[g],
                        plan.file,
                        pure=False,
                        key=f"greenkommon-energy-{plan.fingerprint[:12]}-{g}",
                    )
                users[g] = users.get(g, 0) + 1
            fut = client.submit(
                evaluate_range,
                chunk,
                [energy[g] for g in groups],
                [plan.group_mappings[g] for g in groups],
                plan.file,
                plan.finance,
                pure=False,
            )
            inflight[fut] = chunk
            return fut

        first = [f for f in (submit() for _ in range(window)) if f is not None]
        done = as_completed(first)
        for fut in done:
            chunk = inflight.pop(fut)
            writer.write_chunk(chunk.chunk_id, fut.result(), rows)
            bar.update(len(chunk))
            fut.release()
            nxt = submit()
            if nxt is not None:
                done.add(nxt)
            for g in chunk.groups:
                users[g] -= 1
                if users[g] == 0 and plan.last_chunk(g) < next_id:
                    del energy[g], users[g]  # no chunk left needs it: the cluster may drop it
