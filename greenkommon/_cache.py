"""Content-keyed cache of the expensive, key-independent stages (weather, production, loads).

A stage result is a pure function of its inputs: the scenario's settings, the content of the
files they name, the package's code and data, and the versions of the libraries doing the
physics. :func:`cached` keys a result by a SHA-256 of exactly those, so the same scenario never
recomputes pvlib while a changed roof, load file or code does.

Two levels:

* in memory, a small LRU per process (a sweep or ``compare`` re-using one weather year);
* on disk, one pickle per entry under :func:`cache_dir` (``$GREENKOMMON_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/greenkommon``, else ``~/.cache/greenkommon``). Entries are written
  atomically (temporary sibling, then :func:`os.replace`), the oldest are pruned beyond
  :data:`MAX_DISK_ENTRIES`, and the folder is safe to delete at any time. It is never a
  results folder. ``GREENKOMMON_CACHE=off`` disables both levels.

Warnings raised while computing a result are stored with it and raised again on every hit, so a
cached run tells the user what a fresh one would.

The entries are pickles: the cache folder must be the user's own (the default is), as for any
cache of Python objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import logging
import os
import pickle
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._io import atomic_write

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Entries kept in memory per process.
MAX_MEMORY_ENTRIES = 32
#: Entries kept on disk (oldest removed first).
MAX_DISK_ENTRIES = 256
#: Libraries whose version is part of every key (their models produce the cached numbers).
KEYED_LIBRARIES = ("numpy", "pandas", "pvlib", "holidays")

_memory: OrderedDict[str, tuple[Any, tuple[tuple[type[Warning], str], ...]]] = OrderedDict()
_bypass = threading.local()


@contextlib.contextmanager
def bypassed() -> Iterator[None]:
    """Compute without reading or storing entries in this thread: for results never asked for
    twice (an uncertainty run's thousand sampled years would only fill the disk)."""
    before = getattr(_bypass, "on", False)
    _bypass.on = True
    try:
        yield
    finally:
        _bypass.on = before


def enabled() -> bool:
    """``False`` when ``GREENKOMMON_CACHE`` is ``off`` (or ``0``, ``no``, ``false``) or inside
    :func:`bypassed`."""
    if getattr(_bypass, "on", False):
        return False
    return os.environ.get("GREENKOMMON_CACHE", "on").strip().lower() not in (
        "off",
        "0",
        "no",
        "false",
    )


def cache_dir() -> Path:
    """Folder of the on-disk cache (see the module docstring)."""
    env = os.environ.get("GREENKOMMON_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "greenkommon"


def clear_memory() -> None:
    """Forget the in-memory entries (the disk ones stay)."""
    _memory.clear()


#: Suffixes of the package files whose content is part of every key.
CODE_SUFFIXES = (".py", ".toml", ".csv", ".json")


def _code_files(root: Path) -> list[Path]:
    """The package's code and data files, in the order of ``sorted(root.rglob("*"))``."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [Path(folder, f) for f in files if f.endswith(CODE_SUFFIXES)]
    found.sort(key=lambda p: p.parts)  # how pathlib orders paths
    return found


def _code_token_of_content(root: Path, files: list[Path]) -> str:
    """Digest of the files' content and of the keyed libraries' versions (the token itself)."""
    from importlib import metadata

    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    for name in KEYED_LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=absent".encode())
    return h.hexdigest()


def _code_signature(root: Path, files: list[Path]) -> str:
    """Digest of what changes when the token may: each file's name, size and modification time,
    and where each keyed library's package lives with its own (an upgrade rewrites it)."""
    from importlib.util import find_spec

    h = hashlib.sha256(b"greenkommon-code-signature-v1;")
    for path in files:
        st = path.stat()
        h.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};".encode())
    for name in KEYED_LIBRARIES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if origin and os.path.exists(origin):
            st = os.stat(origin)
            h.update(f"{name}:{origin}:{st.st_size}:{st.st_mtime_ns};".encode())
        else:
            h.update(f"{name}:absent;".encode())
    return h.hexdigest()


@cache
def _code_token() -> str:
    """Digest of the package's code and data files and of the keyed libraries' versions.

    Hashing ~150 files and asking the installed metadata for four versions costs ~10 ms, at the
    start of every process; the token is therefore remembered on disk under a signature of the
    files' names, sizes and modification times (:func:`_code_signature`, ~2 ms): an edited,
    added or removed file, or a reinstalled library, gives another signature and the token is
    computed from the content again.
    """
    root = Path(__file__).resolve().parent
    files = _code_files(root)
    memo = cache_dir() / f"code-{_code_signature(root, files)[:40]}.token"
    try:
        token = memo.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        token = ""
    if len(token) == 64 and all(c in "0123456789abcdef" for c in token):
        return token
    token = _code_token_of_content(root, files)
    try:
        atomic_write(memo, lambda p: p.write_text(token, encoding="ascii"))
        _prune(memo.parent, "*.token")
    except OSError as exc:  # a read-only cache folder costs these ms, never the run
        log.info("cache: code token not written to %s (%s)", memo.parent, exc)
    return token


def _feed(h: Any, obj: Any) -> None:
    """Feed a canonical, type-tagged encoding of ``obj`` into the hash ``h``."""
    if obj is None or isinstance(obj, bool | int | str):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, float):
        h.update(f"float:{obj.hex()};".encode())
    elif isinstance(obj, datetime.date):  # a datetime too: isoformat keeps time and offset
        h.update(f"{type(obj).__name__}:{obj.isoformat()};".encode())
    elif isinstance(obj, Path):
        h.update(f"path:{obj.resolve()};".encode())
        if obj.is_file():
            h.update(hashlib.sha256(obj.read_bytes()).digest())
    elif isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        h.update(f"ndarray:{arr.dtype.str}:{arr.shape};".encode())
        h.update(arr.view(np.uint8).tobytes() if arr.dtype != object else repr(arr).encode())
    elif isinstance(obj, pd.Index):
        h.update(f"index:{type(obj).__name__}:{obj.name!r}:{getattr(obj, 'tz', None)};".encode())
        if isinstance(obj, pd.DatetimeIndex):
            _feed(h, obj.asi8)
        else:
            _feed(h, np.asarray(obj))
    elif isinstance(obj, pd.Series):
        h.update(f"series:{obj.name!r};".encode())
        _feed(h, obj.index)
        _feed(h, obj.to_numpy())
    elif isinstance(obj, pd.DataFrame):
        h.update(b"frame;")
        _feed(h, obj.index)
        _feed(h, obj.columns)
        for col in obj.columns:
            _feed(h, obj[col].to_numpy())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(f"dc:{type(obj).__module__}.{type(obj).__qualname__};".encode())
        for f in dataclasses.fields(obj):
            h.update(f"{f.name}=".encode())
            _feed(h, getattr(obj, f.name))
    elif isinstance(obj, Mapping):
        h.update(f"map:{len(obj)};".encode())
        for k in sorted(obj, key=repr):
            _feed(h, k)
            _feed(h, obj[k])
    elif isinstance(obj, list | tuple):
        h.update(f"seq:{len(obj)};".encode())
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, np.generic):
        _feed(h, obj.item())
    else:
        raise TypeError(f"cache key: cannot encode {type(obj).__name__}")


def key_of(stage: str, *parts: Any) -> str:
    """Cache key of ``stage`` computed from ``parts`` (the inputs that determine it)."""
    h = hashlib.sha256()
    h.update(f"greenkommon-cache-v1:{stage};".encode())
    h.update(_code_token().encode())
    for part in parts:
        _feed(h, part)
    return f"{stage}-{h.hexdigest()[:40]}"


def _replay(caught: tuple[tuple[type[Warning], str], ...]) -> None:
    for category, message in caught:
        warnings.warn(message, category, stacklevel=3)


def _copy(value: Any) -> Any:
    """A copy a caller may change without changing the cached entry."""
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def cached(stage: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its stored result for the same ``stage`` and ``parts``.

    Parameters
    ----------
    stage : str
        Name of the stage (part of the key and of the file name).
    parts : tuple
        Everything the result depends on besides the package's code and data: config
        dataclasses, numbers, arrays, frames; a :class:`~pathlib.Path` counts by its content.
    compute : callable
        Computes the result (called only on a miss).
    """
    if not enabled():
        return compute()
    try:
        key = key_of(stage, *parts)
    except TypeError as exc:  # an input the key cannot describe: never guess, recompute
        log.info("cache: %s not cached (%s)", stage, exc)
        return compute()
    hit = _memory.get(key)
    if hit is None:
        hit = _read_disk(key)
        if hit is not None:
            _remember(key, hit)
    if hit is not None:
        _memory.move_to_end(key)
        value, caught = hit
        _replay(caught)
        return _copy(value)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        value = compute()
    caught = tuple((r.category, str(r.message)) for r in records)
    _remember(key, (value, caught))
    _write_disk(key, (value, caught))
    _replay(caught)
    return _copy(value)


def _remember(key: str, entry: tuple[Any, tuple[tuple[type[Warning], str], ...]]) -> None:
    _memory[key] = entry
    _memory.move_to_end(key)
    while len(_memory) > MAX_MEMORY_ENTRIES:
        _memory.popitem(last=False)


def _read_disk(key: str) -> Any:
    path = cache_dir() / f"{key}.pickle"
    try:
        data = path.read_bytes()
    except OSError:  # absent, or no readable cache folder: a miss
        return None
    try:
        return pickle.loads(data)
    except Exception as exc:  # a damaged or foreign entry is a miss, and goes
        log.info("cache: dropping unreadable %s (%s)", path, exc)
        path.unlink(missing_ok=True)
        return None


def _write_disk(key: str, entry: Any) -> None:
    folder = cache_dir()
    try:
        atomic_write(
            folder / f"{key}.pickle",
            lambda p: p.write_bytes(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)),
        )
        _prune(folder)
    except OSError as exc:  # a read-only or full disk costs speed, never the run
        log.info("cache: not written to %s (%s)", folder, exc)


def _prune(folder: Path, pattern: str = "*.pickle") -> None:
    entries = list(folder.glob(pattern))
    if len(entries) <= MAX_DISK_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for path in entries[: len(entries) - MAX_DISK_ENTRIES]:
        path.unlink(missing_ok=True)
