"""Atomic file writes shared by every stage and command: never a half-written output file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(
    path: str | Path,
    write: Callable[[Path], object],
    *,
    suffix: str = ".tmp",
    mode: int | None = None,
) -> Path:
    """Write through ``write(tmp_path)`` into a temporary sibling, then :func:`os.replace` it
    over ``path``; on any error the temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or Path
        Destination; its folder is created if missing.
    write : callable
        Writes the whole content to the path it is given.
    suffix : str
        Suffix of the temporary file (some writers choose the format from it).
    mode : int, optional
        Permission bits of the result; by default those of a normally created file
        (:func:`shared_mode`), not :func:`tempfile.mkstemp`'s private 0600.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, shared_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(
    path: str | Path, text: str, *, newline: str | None = None, mode: int | None = None
) -> Path:
    """:func:`atomic_write` of ``text`` in UTF-8 (``newline`` as in :func:`open`)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)

    return atomic_write(path, write, mode=mode)


def shared_mode(directory: bool = False) -> int:
    """Permission bits of a normally created file (0666 less the umask) or folder (0777 less
    the umask): mkstemp's 0600 and mkdtemp's 0700 are private, an output is meant to be read
    like any file the user creates."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask
