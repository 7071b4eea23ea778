"""File-system faults for the tests, confined to one folder.

The tests run as root, where a read-only ``chmod`` does not stop anyone; these context managers
make the kernel-level failures happen anyway, and only under ``under``:

- :func:`disk_full`: every file opened for writing under ``under`` is created (so a forgotten
  partial file would show) but its bytes go to ``/dev/full``, which fails each flush with the
  real ``ENOSPC`` from the kernel.
- :func:`denied`: creating, opening for writing, renaming into, or making a folder under
  ``under`` fails with ``errno_`` (``EACCES``, ``EROFS``, ...), as on a read-only mount or a
  folder without write permission.

Writers that bypass Python's file objects (pyarrow's own file system) are only reached by
:func:`denied`'s rename (the final step of every atomic write).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_WRITE_MODES = set("wax+")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _inside(path: object, under: Path) -> bool:
    try:
        p = Path(os.fsdecode(path)).resolve()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return p == under or under in p.parents


@contextmanager
def disk_full(under: Path) -> Iterator[None]:
    """Writes under ``under`` fail with ENOSPC (through ``/dev/full``)."""
    under = Path(under).resolve()
    real_open = io.open

    def fake_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if isinstance(file, (str, bytes, os.PathLike)) and _WRITE_MODES & set(mode):
            if _inside(file, under):
                real_open(file, "wb").close()  # the file exists, as on a real full disk
                return real_open(
                    "/dev/full", mode.replace("x", "w").replace("a", "w"), *args, **kwargs
                )
        return real_open(file, mode, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builtins, "open", fake_open)
        mp.setattr(io, "open", fake_open)
        yield


@contextmanager
def denied(under: Path, errno_: int = errno.EACCES) -> Iterator[None]:
    """Creating or replacing anything under ``under`` fails with ``errno_``."""
    under = Path(under).resolve()
    real_open, real_os_open = io.open, os.open
    real_replace, real_rename, real_mkdir = os.replace, os.rename, os.mkdir

    def fail(path: object) -> None:
        raise OSError(errno_, os.strerror(errno_), os.fsdecode(path))  # type: ignore[arg-type]

    def fake_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if isinstance(file, (str, bytes, os.PathLike)) and _WRITE_MODES & set(mode):
            if _inside(file, under):
                fail(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if flags & _WRITE_FLAGS and _inside(path, under):
            fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guard(real):  # noqa: ANN001, ANN202
        def fake(src, dst, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            if _inside(dst, under):
                fail(dst)
            return real(src, dst, *args, **kwargs)

        return fake

    def fake_mkdir(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if _inside(path, under):
            fail(path)
        return real_mkdir(path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builtins, "open", fake_open)
        mp.setattr(io, "open", fake_open)
        mp.setattr(os, "open", fake_os_open)
        mp.setattr(os, "replace", guard(real_replace))
        mp.setattr(os, "rename", guard(real_rename))
        mp.setattr(os, "mkdir", fake_mkdir)
        yield


def listing(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden ones included) with its bytes (None for folders)."""
    return {
        str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(Path(folder).rglob("*"))
    }
