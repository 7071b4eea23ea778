"""Where the web app reads scenarios and keeps uploads, and how a request becomes a scenario.

Safety rules (the server may be reached by anyone on the network with ``--host``):

* a scenario is named by its file name in the scenarios folder, looked up in the folder's listing
  (never joined to a path), or by an upload token (``upload:<random>``) of this server's session;
* uploads are size-limited, written only into the session's private temporary folder, and
  validated before a token is handed out;
* a setting (dotted path, as ``greenkommon sweep --vary``) may not name a file: file-valued
  fields take upload tokens only, so no request reads a file outside the scenarios folder and the
  session's uploads; weather and grid settings are not settable (no download, no huge grid).
"""

from __future__ import annotations

import copy
import re
import secrets
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GreenkommonError, ScenarioError

#: Largest accepted upload [bytes]: a year of 15-min Enedis data as CSV is about 1.5 MB.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024

#: Prefix of the value that names an uploaded file.
UPLOAD_PREFIX = "upload:"

#: Fields that hold a file path (their value must be an upload token in a request or upload).
FILE_FIELDS = frozenset(
    {
        "load_file",
        "coefficients_file",
        "tariffs_file",
        "rules_file",
        "host_load_file",
        "file",
        "climatology",
    }
)

#: Dotted-path prefixes a request may set; everything else (weather, grid) is the file's.
SETTABLE_PREFIXES = (
    "plant.",
    "key.",
    "prices.",
    "finance.",
    "optimise.",
    "venues.",
    "eligibility.",
    "plants.",
    "operations.",
)
SETTABLE_EXACT = ("simulation.year",)

#: Suffixes accepted for uploaded load curves (what ``greenkommon load import`` reads).
LOAD_SUFFIXES = (".csv", ".txt", ".xlsx")

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class RequestError(GreenkommonError, ValueError):
    """A request the server refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Variant:
    """A scenario as a request describes it.

    Attributes
    ----------
    mapping : dict
        The merged scenario mapping with the request's settings applied (what the TOML download
        writes), file fields as absolute paths.
    file : Path
        The file it was read from (relative paths of the mapping resolve against its folder).
    label : str
        How the page names the base scenario (its file name or ``upload``).
    stamp : str
        Modification time of the base file (part of the energy cache key).
    """

    mapping: dict[str, Any]
    file: Path
    label: str
    stamp: str


class ScenarioStore:
    """The scenarios folder (read-only) and the session's uploads folder.

    Parameters
    ----------
    folder : Path
        Folder of ``*.toml`` scenarios offered by the page.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise ScenarioError(f"{folder}: no such scenarios folder")
        self._uploads = Path(tempfile.mkdtemp(prefix="greenkommon-serve-"))

    @property
    def uploads_folder(self) -> Path:
        """The session's private folder of uploads (deleted by :meth:`close`)."""
        return self._uploads

    def close(self) -> None:
        """Delete the session's uploads."""
        shutil.rmtree(self._uploads, ignore_errors=True)

    # -- listing -------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """File names of the scenarios offered, sorted."""
        return sorted(p.name for p in self.folder.glob("*.toml") if p.is_file())

    def describe(self) -> Iterator[dict[str, str]]:
        """``{'file', 'name', 'description'}`` of each scenario (unreadable ones skipped)."""
        for file in self.names():
            try:
                with (self.folder / file).open("rb") as fh:
                    data = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            yield {
                "file": file,
                "name": str(data.get("name", Path(file).stem)),
                "description": str(data.get("description", "")),
            }

    def _path(self, name: Any) -> tuple[Path, str]:
        if not isinstance(name, str) or not name:
            raise RequestError(f"scenario = {name!r}: expected a scenario file name (string)")
        if name.startswith(UPLOAD_PREFIX):
            return self.upload_path(name, (".toml",)), "upload"
        if name not in self.names():
            raise RequestError(
                f"scenario = {name!r}: no such scenario in {self.folder.name}/ "
                f"(expected one of: {', '.join(self.names())})",
                status=404,
            )
        return self.folder / name, name

    def upload_path(self, token: Any, suffixes: tuple[str, ...]) -> Path:
        """The uploaded file a token names (one of ``suffixes``)."""
        if not isinstance(token, str) or not token.startswith(UPLOAD_PREFIX):
            raise RequestError(f"{token!r}: expected an upload token ({UPLOAD_PREFIX}...)")
        stem = token[len(UPLOAD_PREFIX) :]
        if _TOKEN_RE.match(stem):
            for suffix in suffixes:
                path = self._uploads / f"{stem}{suffix}"
                if path.is_file():
                    return path
        raise RequestError(
            f"{token!r}: no such upload in this session (upload the file again)", 404
        )

    def stamp(self, name: Any) -> str:
        """Modification time of the scenario file ``name`` names (changes when it is edited)."""
        path, _ = self._path(name)
        return str(path.stat().st_mtime_ns)

    # -- reading -------------------------------------------------------------------------------
    def variant(self, name: Any, settings: Any) -> Variant:
        """The base scenario ``name`` with the dotted-path ``settings`` applied."""
        from ..sweep import apply_overrides

        path, label = self._path(name)
        mapping = self._read(path)
        if not isinstance(settings, dict):
            raise RequestError(f"set = {settings!r}: expected an object {{dotted.path: value}}")
        for p, value in settings.items():
            check_setting(p, value)
        settings = {p: self._resolve_tokens(p, v) for p, v in settings.items()}
        try:
            mapping = apply_overrides(mapping, settings)
        except ScenarioError as exc:
            raise RequestError(str(exc).replace("--vary ", "set ", 1)) from None
        mapping = _drop_removed_venues(mapping)
        return Variant(mapping, path, label, str(path.stat().st_mtime_ns))

    def _read(self, path: Path) -> dict[str, Any]:
        from ..config.scenario import merge_scenario, read_scenario_mapping, read_toml

        if path.parent == self._uploads:
            data = read_toml(path)  # validated on upload
            base = data.pop("extends", None)
            if base is not None:
                base_path, _ = self._path(base)
                data = merge_scenario(read_scenario_mapping(base_path), data)
            return data
        return read_scenario_mapping(path)

    def _resolve_tokens(self, path: str, value: Any) -> Any:
        """``value`` with every upload token of a file field replaced by the upload's path."""
        leaf = path.rsplit(".", 1)[-1]
        if leaf in FILE_FIELDS:
            suffixes = (".csv",) if leaf == "coefficients_file" else LOAD_SUFFIXES
            return str(self.upload_path(value, suffixes))
        if isinstance(value, dict):
            return {k: self._resolve_tokens(f"{path}.{k}", v) for k, v in value.items()}
        return value

    # -- uploads -------------------------------------------------------------------------------
    def save_upload(self, data: bytes, kind: str, filename: str = "") -> str:
        """Store an upload after validating it; returns its token.

        ``kind`` is ``'scenario'`` (a TOML scenario, which may ``extends`` a scenario of the
        folder but may not name any other file) or ``'load'`` (an Enedis load curve or a CSV
        ``greenkommon load import`` reads).
        """
        if len(data) > MAX_UPLOAD_BYTES:
            raise RequestError(
                f"upload of {len(data):,} bytes: larger than the {MAX_UPLOAD_BYTES:,} bytes accepted",
                413,
            )
        if kind == "scenario":
            suffix = ".toml"
        elif kind == "load":
            suffix = Path(filename).suffix.lower() or ".csv"
            if suffix not in LOAD_SUFFIXES:
                raise RequestError(
                    f"{_shown(filename)}: expected a load curve ({', '.join(LOAD_SUFFIXES)})", 415
                )
        else:
            raise RequestError(f"kind = {kind!r}: expected 'scenario' or 'load'")
        stem = secrets.token_urlsafe(18)
        path = self._uploads / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            if kind == "scenario":
                self._check_scenario_upload(path, filename)
            else:
                _check_load_upload(path, filename)
        except GreenkommonError as exc:
            path.unlink(missing_ok=True)
            message = str(exc).replace(str(path), _shown(filename))
            raise RequestError(message, getattr(exc, "status", 400)) from None
        return UPLOAD_PREFIX + stem

    def _check_scenario_upload(self, path: Path, filename: str) -> None:
        from ..config.scenario import parse_scenario, read_toml

        data = read_toml(path)
        for where, _value in _file_fields(data):
            raise RequestError(
                f"{_shown(filename)}: {where}: an uploaded scenario cannot name a file "
                "(upload load curves separately)"
            )
        mapping = self._read(path)
        parse_scenario(_placeholder_key(mapping), path)


def check_setting(path: Any, value: Any) -> None:
    """Refuse a setting a request may not make (see the module docstring)."""
    if not isinstance(path, str) or not path:
        raise RequestError(f"set: {path!r}: expected a dotted path such as plant.peak_power_kwp")
    if not (path.startswith(SETTABLE_PREFIXES) or path in SETTABLE_EXACT):
        allowed = ", ".join([p + "*" for p in SETTABLE_PREFIXES] + list(SETTABLE_EXACT))
        raise RequestError(f"set {path}: not settable from the page (settable: {allowed})")
    if value is None:
        raise RequestError(f"set {path} = null: expected a value")
    leaf = path.rsplit(".", 1)[-1]
    fields = [(path, value)] if leaf in FILE_FIELDS else []
    fields += [(f"{path}.{where}", v) for where, v in _file_fields(value)]
    for where, v in fields:
        if not (isinstance(v, str) and v.startswith(UPLOAD_PREFIX)):
            raise RequestError(f"set {where} = {v!r}: a file field takes an upload token only")


def _file_fields(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{where}.{k}" if where else str(k)
            if k in FILE_FIELDS:
                yield here, v
            yield from _file_fields(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _file_fields(v, f"{where}[{i}]")


def _drop_removed_venues(mapping: dict[str, Any]) -> dict[str, Any]:
    """``venues.<name>.remove = true`` takes the venue out, as in an extending scenario file."""
    from ..scenario import merge_scenario

    venues = mapping.get("venues")
    if not isinstance(venues, list):
        return mapping
    removed = [v for v in venues if isinstance(v, dict) and v.get("remove") is not None]
    if not removed:
        return mapping
    for v in removed:
        if not isinstance(v["remove"], bool):
            raise RequestError(
                f"set venues.{v.get('name')}.remove = {v['remove']!r}: expected true or false"
            )
    out = copy.deepcopy(mapping)
    out["venues"] = [{k: x for k, x in v.items() if k != "remove"} for v in venues]
    gone = [{"name": v.get("name"), "remove": True} for v in removed if v["remove"]]
    if len(gone) == len(venues):
        raise RequestError("set venues.*.remove: at least one venue must stay in the operation")
    return merge_scenario(out, {"venues": gone}) if gone else out


def _placeholder_key(mapping: dict[str, Any]) -> dict[str, Any]:
    from ..sweep import _parseable

    return _parseable(mapping)


def _check_load_upload(path: Path, filename: str) -> None:
    from ..consumption_io import read_enedis_load_curve

    read_enedis_load_curve(path)


def _shown(filename: str) -> str:
    """An uploaded file's name as the page shows it (no folder, no meter id)."""
    from ..consumption_io import redact

    return redact(Path(filename).name) or "upload"
