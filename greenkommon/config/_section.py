"""Typed, validated reading of scenario tables.

Each stage owns a small config dataclass with a ``from_section(section)`` constructor that reads
its fields through :class:`Section`. A :class:`Section` knows the file and the dotted path it came
from, so every error names file, field, value and what was expected, in one line::

    scenarios/x.toml: plant.sections[0].peak_power_kwp = -5: expected a number > 0

Unknown keys are errors too (:meth:`Section.finish`): a typo such as ``peak_power_kw`` must not be
silently ignored.
"""

from __future__ import annotations

import builtins
import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..prm import redact

_MISSING: Any = object()


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{table}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _close(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` is most likely a misspelling of (or the reverse), if any."""
    found = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.8)
    return found[0] if found else None


class Section:
    """A read-only view of one TOML table, with its location for error messages.

    Parameters
    ----------
    data : mapping
        The parsed TOML table.
    where : str
        Dotted path of the table inside the file (``""`` for the root).
    file : str or Path, optional
        The scenario file, for messages and to resolve relative paths.
    """

    def __init__(self, data: Mapping[str, Any], where: str = "", file: str | Path | None = None):
        if not isinstance(data, Mapping):
            raise ScenarioError(
                f"{file or '<scenario>'}: {where or 'root'}: expected a table, got {_fmt(data)}"
            )
        self.data = data
        self.where = where
        self.file = Path(file) if file is not None else None
        self._used: set[str] = set()

    # -- location helpers -------------------------------------------------------------------
    def field(self, name: str) -> str:
        """Dotted name of a field of this table."""
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, value: Any, expected: str) -> ScenarioError:
        """Build the one-line error for field ``name``."""
        prefix = f"{self.file}: " if self.file is not None else ""
        if value is _MISSING:
            return ScenarioError(
                redact(f"{prefix}{self.field(name)} is missing: expected {expected}")
            )
        # redacted: a meter id written as a number (meter_id = 30001234567890) is still one
        return ScenarioError(
            redact(f"{prefix}{self.field(name)} = {_fmt(value)}: expected {expected}")
        )

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def keys(self) -> Iterable[str]:
        return self.data.keys()

    def _get(self, name: str, default: Any, expected: str) -> Any:
        self._used.add(name)
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            # a required field is absent: a misspelling of it is the likely cause, say so
            typo = _close(name, [k for k in self.data if k not in self._used])
            if typo is not None:
                raise self.unknown(typo, [name])
            raise self.error(name, _MISSING, expected)
        return default

    def unknown(self, name: str, known: Iterable[str]) -> ScenarioError:
        """The one-line error for an unknown field ``name``, suggesting the closest of ``known``."""
        known = sorted(known)
        prefix = f"{self.file}: " if self.file is not None else ""
        guess = _close(name, known)
        hint = (
            f"did you mean {guess!r}?"
            if guess is not None
            else f"accepted here: {', '.join(known) or '(none)'}"
        )
        return ScenarioError(
            redact(f"{prefix}{self.field(name)} = {_fmt(self.data[name])}: unknown field; {hint}")
        )

    # -- typed getters ----------------------------------------------------------------------
    def float(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: builtins.float | None = None,
        max: builtins.float | None = None,
        min_exclusive: builtins.bool = False,
        unit: builtins.str = "",
    ) -> builtins.float:
        """A finite number, optionally bounded. ``unit`` is only used in messages."""
        bounds = []
        if min is not None:
            bounds.append(f"{'>' if min_exclusive else '>='} {min:g}")
        if max is not None:
            bounds.append(f"<= {max:g}")
        expected = "a number" + (" " + " and ".join(bounds) if bounds else "")
        if unit:
            expected += f" [{unit}]"
        value = self._get(name, default, expected)
        if value is None:
            return value  # type: ignore[return-value]  # explicit default None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, value, expected)
        value = float(value)
        if not math.isfinite(value):
            raise self.error(name, value, expected)
        if min is not None and (value <= min if min_exclusive else value < min):
            raise self.error(name, value, expected)
        if max is not None and value > max:
            raise self.error(name, value, expected)
        return value

    def int(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: builtins.int | None = None,
        max: builtins.int | None = None,
    ) -> builtins.int:
        """An integer, optionally bounded."""
        expected = "an integer"
        if min is not None:
            expected += f" >= {min}"
        if max is not None:
            expected += f" <= {max}"
        value = self._get(name, default, expected)
        if value is None:
            return value  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, value, expected)
        if (min is not None and value < min) or (max is not None and value > max):
            raise self.error(name, value, expected)
        return value

    def str(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        choices: Sequence[builtins.str] | None = None,
    ) -> builtins.str:
        """A string, optionally one of ``choices``."""
        expected = "one of " + ", ".join(repr(c) for c in choices) if choices else "a string"
        value = self._get(name, default, expected)
        if value is None:
            return value  # type: ignore[return-value]
        if not isinstance(value, str):
            raise self.error(name, value, expected)
        if choices is not None and value not in choices:
            raise self.error(name, value, expected)
        return value

    def bool(self, name: builtins.str, default: Any = _MISSING) -> builtins.bool:
        value = self._get(name, default, "true or false")
        if not isinstance(value, bool):
            raise self.error(name, value, "true or false")
        return value

    def floats(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: builtins.float | None = None,
        length: builtins.int | None = None,
    ) -> list[builtins.float]:
        """A list of finite numbers."""
        expected = "a list of numbers" + (f" of length {length}" if length is not None else "")
        if min is not None:
            expected += f", each >= {min:g}"
        value = self._get(name, default, expected)
        if value is None:
            return value  # type: ignore[return-value]
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise self.error(name, value, expected)
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self.error(name, value, expected)
            if min is not None and v < min:
                raise self.error(name, value, expected)
            out.append(float(v))
        return out

    def strs(self, name: builtins.str, default: Any = _MISSING) -> list[builtins.str]:
        value = self._get(name, default, "a list of strings")
        if value is None:
            return value  # type: ignore[return-value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, value, "a list of strings")
        return list(value)

    def path(self, name: builtins.str, default: Any = _MISSING) -> Path | None:
        """A file path; relative paths are resolved against the scenario file's folder."""
        value = self._get(name, default, "a file path (string)")
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.error(name, value, "a file path (string)")
        p = Path(value).expanduser()
        if not p.is_absolute() and self.file is not None:
            p = self.file.parent / p
        return p

    def raw(self, name: builtins.str, default: Any = _MISSING) -> Any:
        """The raw value (for fields whose validation needs context, e.g. coefficients)."""
        return self._get(name, default, "a value")

    def section(self, name: builtins.str, default: Any = _MISSING) -> Section:
        """A sub-table. With ``default={}`` a missing table reads as empty."""
        value = self._get(name, default, "a table")
        if not isinstance(value, Mapping):
            raise self.error(name, value, "a table")
        return Section(value, self.field(name), self.file)

    def sections(self, name: builtins.str, default: Any = _MISSING) -> list[Section]:
        """An array of tables (``[[name]]``)."""
        value = self._get(name, default, "an array of tables ([[...]])")
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(name, value, "an array of tables ([[...]])")
        return [Section(v, f"{self.field(name)}[{i}]", self.file) for i, v in enumerate(value)]

    def finish(self) -> None:
        """Raise if the table holds keys nobody read (typos, unsupported options)."""
        unknown = [k for k in self.data if k not in self._used]
        if unknown:
            raise self.unknown(unknown[0], self._used)
