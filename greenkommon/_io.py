"""Writing outputs, shared by every stage and command: never a half-written file, never a user's
file replaced or deleted, and every file-system failure as one line naming the path.

Two kinds of output:

- a **file** (``--out FILE``, ``--html``, ``--write``, ...): written by :func:`atomic_write` into a
  temporary sibling then :func:`os.replace`-d over the destination. An existing *file* of that name
  is replaced (the user named it); an existing *folder* is refused.
- a **results folder** (``run --out DIR``, ``uncertainty --out DIR``, ``export-key --out DIR``):
  written by :func:`output_folder`. The folder may be new, empty, or a previous greenkommon result
  (it holds :data:`MANIFEST`, the list of the files greenkommon wrote there). Only the files listed
  in that manifest are ever replaced or removed; anything else the user keeps in the folder
  (notes, subfolders) is left alone. A non-empty folder without a manifest, or an existing file,
  is refused before any computation starts.

Every :class:`OSError` met while writing becomes an :class:`~greenkommon.errors.OutputError`
whose message is ``"<path>: <reason>"``; the command line prints it as one line.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

#: Name of the file that marks a folder as a greenkommon result and lists the files written there.
MANIFEST = "greenkommon-output.json"

_STAGING_PREFIX = ".greenkommon-"

# errno -> the reason a user reads; strerror for everything else
_REASONS = {
    errno.ENOSPC: "no space left on device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a parent in the path is a file, not a folder",
    errno.EISDIR: "is a folder, expected a file",
    errno.ENAMETOOLONG: "file name too long",
}


def os_error_reason(exc: OSError) -> str:
    """The reason of a file-system error in a few lower-case words."""
    reason = _REASONS.get(exc.errno) if exc.errno is not None else None
    if reason:
        return reason
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def os_error_line(exc: OSError) -> str:
    """``"<file>: <reason>"`` for an :class:`OSError` (the line the command line prints)."""
    name = exc.filename if exc.filename is not None else None
    return f"{name}: {os_error_reason(exc)}" if name is not None else os_error_reason(exc)


def _blocking_ancestor(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path`` when it is not a folder (a file in the way)."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
        if parent.is_symlink():  # dangling link: treat as in the way
            return parent
    return None


def check_output_file(
    path: str | Path, option: str = "--out", inputs: Iterable[str | Path | None] = ()
) -> Path:
    """Refuse, before any computation, an output file that cannot be one.

    Parameters
    ----------
    path : str or Path
    option : str
        The option naming it, for messages.
    inputs : iterable of paths
        The command's input files: an output may not replace one of them.

    Raises
    ------
    OutputError
        ``path`` is an existing folder, one of its parents is a file, or it is an input.
    """
    path = Path(path)
    for given in inputs:
        if given is not None and Path(given).resolve() == path.resolve():
            raise OutputError(path, f"is an input of this command: {option} needs another name")
    if path.is_dir():
        raise OutputError(path, f"is a folder; {option} expects a file name")
    blocker = _blocking_ancestor(path)
    if blocker is not None:
        raise OutputError(path, f"{blocker} is a file, not a folder")
    return path


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
        Destination file; its folder is created if missing. An existing file is replaced, an
        existing folder refused.
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

    Raises
    ------
    OutputError
        Any file-system failure (permission, read-only, disk full, a file in the way), naming
        ``path`` and the reason.
    """
    path = check_output_file(path, option="the output")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(path, os_error_reason(exc)) from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, shared_mode() if mode is None else mode)
        os.replace(tmp, path)
    except OutputError:  # already names what the user asked for
        Path(tmp).unlink(missing_ok=True)
        raise
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(path, os_error_reason(exc)) from None
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


# ---------------------------------------------------------------------------------------------
# results folders
# ---------------------------------------------------------------------------------------------
def _manifest_files(folder: Path) -> set[str] | None:
    """Names listed in ``folder``'s manifest; None when there is no manifest.

    Raises
    ------
    OutputError
        The manifest exists but is unreadable or not greenkommon's.
    """
    manifest = folder / MANIFEST
    if not manifest.exists():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("tool") != "greenkommon" or not all(isinstance(f, str) for f in files):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            manifest, "unreadable or not written by greenkommon: remove it or choose another folder"
        ) from None
    # only plain names inside the folder: a doctored manifest must not reach outside it
    return {f for f in files if f and f == Path(f).name and f not in (".", "..", MANIFEST)}


def check_output_folder(path: str | Path, option: str = "--out") -> Path:
    """Refuse, before any computation, a results folder greenkommon may not write into.

    Accepted: a missing folder (created), an empty folder, or a previous greenkommon result
    (holding :data:`MANIFEST`).

    Raises
    ------
    OutputError
        ``path`` is an existing file (left untouched), a parent is a file, or ``path`` is a
        non-empty folder that is not a greenkommon result.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            folder, f"is a file; {option} expects a folder (the file is left untouched)"
        )
    blocker = _blocking_ancestor(folder)
    if blocker is not None:
        raise OutputError(folder, f"{blocker} is a file, not a folder")
    if folder.is_dir():
        try:
            entries = [p for p in folder.iterdir() if not p.name.startswith(_STAGING_PREFIX)]
        except OSError as exc:
            raise OutputError(folder, os_error_reason(exc)) from None
        if entries and _manifest_files(folder) is None:
            raise OutputError(
                folder,
                f"folder is not empty and is not a previous greenkommon result (no {MANIFEST}): "
                "choose a new or empty folder; greenkommon never replaces files it did not write",
            )
    return folder


@contextmanager
def output_folder(path: str | Path, *, command: str, option: str = "--out") -> Iterator[Path]:
    """Write a results folder without touching any file greenkommon did not write.

    The body writes its files into the yielded staging folder (a hidden folder inside the
    destination). When it ends without error, each file replaces its namesake in the
    destination, files the previous result listed but this one does not write are removed, and
    :data:`MANIFEST` lists the new set. On any error the staging folder is removed, the
    destination is as before (and removed again if this call created it).

    Parameters
    ----------
    path : str or Path
        The results folder (see :func:`check_output_folder` for what is accepted).
    command : str
        The command writing it, recorded in the manifest.
    option : str
        The option naming the folder, for messages.

    Yields
    ------
    Path
        The staging folder to write the files into (plain names; no subfolders needed).

    Raises
    ------
    OutputError
        The folder is refused, a file to write exists there without being listed in the
        manifest, or a file-system failure (naming the destination path, never the staging one).
    """
    folder = check_output_folder(path, option)
    previous = _manifest_files(folder) or set()
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError(folder, os_error_reason(exc)) from None
    ok = False
    try:
        try:
            yield staging
        except OutputError as exc:
            raise OutputError(_final(str(exc.path), staging, folder), exc.reason) from None
        except OSError as exc:  # a writer that wrote straight into the staging folder
            where = _final(exc.filename or folder, staging, folder)
            raise OutputError(where, os_error_reason(exc)) from None
        names = sorted(p.name for p in staging.iterdir())
        for name in names:
            target = folder / name
            if name == MANIFEST or (
                (target.exists() or target.is_symlink()) and name not in previous
            ):
                raise OutputError(
                    target,
                    "exists and was not written by greenkommon: move it away or choose another "
                    "folder",
                )
        try:
            # the manifest first lists old and new files, so that an interruption while moving
            # never leaves one of our files unlisted (a later run could then not replace it)
            _write_manifest(folder, command, sorted(previous | set(names)))
            for name in names:
                target = folder / name
                if (staging / name).is_dir() and target.is_dir():
                    shutil.rmtree(target)
                os.replace(staging / name, target)
            for name in sorted(previous - set(names)):
                stale = folder / name
                if stale.is_dir() and not stale.is_symlink():
                    shutil.rmtree(stale)
                else:
                    stale.unlink(missing_ok=True)
            _write_manifest(folder, command, names)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(folder, os_error_reason(exc)) from None
        ok = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not ok and created:
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass


def _final(path: str | Path, staging: Path, folder: Path) -> Path:
    """The destination path a staging path stands for: messages name what the user asked for."""
    where = Path(path)
    return folder / where.relative_to(staging) if staging in where.parents else where


def _write_manifest(folder: Path, command: str, files: list[str]) -> None:
    from . import __version__

    text = json.dumps(
        {
            "tool": "greenkommon",
            "version": __version__,
            "command": command,
            "note": "files greenkommon wrote here; it replaces or removes only these",
            "files": files,
        },
        indent=2,
    )
    atomic_write_text(folder / MANIFEST, text + "\n")


__all__ = [
    "MANIFEST",
    "atomic_write",
    "atomic_write_text",
    "check_output_file",
    "check_output_folder",
    "os_error_line",
    "os_error_reason",
    "output_folder",
    "shared_mode",
]
