"""What the web app does for a request, without HTTP: read the body, evaluate, render downloads.

:class:`Service` holds the scenarios folder, the session's uploads and the energy cache; every
setting comes with the request (nothing a user sets is stored on the server), so concurrent users
never see each other's settings.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GreenkommonError
from . import _engine
from .payload import current_settings, monthly_series, result_payload
from .store import FILE_FIELDS, RequestError, ScenarioStore, Variant

if TYPE_CHECKING:  # pragma: no cover
    from ..results import OperationResult, PortfolioResult

#: Largest accepted JSON body [bytes].
MAX_JSON_BYTES = 64 * 1024

LANGS = ("fr", "en")


@dataclass(frozen=True)
class Evaluation:
    """One evaluated request: the variant (settings applied, key filled) and its result."""

    variant: Variant
    result: PortfolioResult

    def operation(self, name: str | None) -> OperationResult:
        """The operation ``name`` (default: the first one)."""
        if name is None:
            if not self.result.operations:
                raise RequestError("the scenario has no ACC operation (own roofs only)")
            return self.result.operations[0]
        try:
            return self.result.operation(name)
        except GreenkommonError as exc:
            raise RequestError(str(exc), 404) from None


def parse_body(raw: bytes) -> tuple[str, dict[str, Any]]:
    """``(scenario, set)`` of an evaluate body ``{"scenario": ..., "set": {...}}``."""
    if len(raw) > MAX_JSON_BYTES:
        raise RequestError(f"request body of {len(raw):,} bytes: at most {MAX_JSON_BYTES:,}", 413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.reason
        raise RequestError(f"request body: not valid JSON ({msg})") from None
    if not isinstance(body, dict):
        raise RequestError('request body: expected an object {"scenario": ..., "set": {...}}')
    unknown = sorted(set(body) - {"scenario", "set"})
    if unknown:
        raise RequestError(f"request body: unknown field {unknown[0]!r} (expected scenario, set)")
    if "scenario" not in body:
        raise RequestError("request body: missing field 'scenario' (a file name in scenarios/)")
    settings = body.get("set", {})
    if not isinstance(settings, dict):
        raise RequestError(f"set = {settings!r}: expected an object {{dotted.path: value}}")
    return body["scenario"], settings


class Service:
    """The web app's state: the scenario store and the energy cache (never a user's settings).

    Parameters
    ----------
    folder : Path
        Scenarios folder.
    default : str, optional
        File name of the scenario the page opens with.
    """

    def __init__(self, folder: str | Path, default: str | None = None) -> None:
        self.store = ScenarioStore(folder)
        names = self.store.names()
        if not names:
            raise RequestError(f"{folder}: no *.toml scenario in the folder")
        if default is not None and default not in names:
            raise RequestError(f"{default}: not a scenario of {folder}")
        self.default = default or ("greenkommon.toml" if "greenkommon.toml" in names else names[0])
        self.cache = _engine.EnergyCache()
        # numba's parallel kernels must not be launched from two threads at once: evaluations
        # run one at a time (each takes a fraction of a second)
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, Evaluation] = OrderedDict()

    def close(self) -> None:
        self.store.close()

    def public_message(self, message: str) -> str:
        """An error message without the server's folders (and never a meter id)."""
        from ..consumption_io import redact

        message = message.replace(f"{self.store.folder}/", "").replace(str(self.store.folder), "")
        message = message.replace(str(self.store.uploads_folder) + "/", "upload:")
        return redact(message.splitlines()[0] if message else "error")

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, raw: bytes) -> Evaluation:
        """Evaluate an API body (one evaluation at a time; recent answers are reused)."""
        name, settings = parse_body(raw)
        digest = hashlib.sha256(json.dumps([name, settings], sort_keys=True).encode()).hexdigest()
        with self._lock:
            hit = self._recent.get(digest)
            if hit is not None and hit.variant.stamp == self._stamp(name):
                return hit
            evaluation = self._evaluate(name, settings)
            self._recent[digest] = evaluation
            while len(self._recent) > 8:
                self._recent.popitem(last=False)
            return evaluation

    def _stamp(self, name: str) -> str | None:
        try:
            return self.store.stamp(name)
        except GreenkommonError:
            return None

    def _evaluate(self, name: str, settings: dict[str, Any]) -> Evaluation:
        from ..scenario import parse_scenario
        from ..sweep import _parseable, fill_key

        variant = self.store.variant(name, settings)
        mapping = variant.mapping
        energy_scenario = parse_scenario(_parseable(mapping), variant.file)
        energy = self.cache.get(_engine.energy_signature(mapping, variant.stamp), energy_scenario)
        # a coefficient key without coefficients gets the members' consumption shares, as in a
        # sweep (written into the variant, so the downloaded scenario reproduces the page)
        filled = copy.deepcopy(mapping)
        consumption = energy.result.consumption_kwh.sum()
        operations = filled.get("operations")
        if isinstance(operations, list) and operations:
            for op in operations:
                members = [n for n in op.get("venues", []) if n in consumption.index]
                if isinstance(op.get("key"), dict) and members:
                    fill_key(op, members, consumption[members].to_numpy())
        else:
            names = energy_scenario.venue_names
            fill_key(filled, names, consumption[names].to_numpy())
        scenario = parse_scenario(filled, variant.file)
        result = _engine.evaluate(scenario, energy)
        return Evaluation(Variant(filled, variant.file, variant.label, variant.stamp), result)

    def payload(self, evaluation: Evaluation) -> dict[str, Any]:
        out = result_payload(evaluation.result, current_settings(evaluation.variant.mapping))
        out["scenario"]["file"] = evaluation.variant.label
        return out

    def plan(self, raw: bytes, lang: str, top: int = 5) -> dict[str, Any]:
        """The plan's ranked configurations for the request's scenario (``greenkommon plan``)."""
        from ..plan import plan_scenario
        from ..plan.output import answer, plan_to_dict

        evaluation = self.evaluate(raw)
        with self._lock:
            result = plan_scenario(evaluation.result.scenario, top=top)
        out = plan_to_dict(result)
        out["answer"] = answer(result, lang)
        return out

    # -- downloads -------------------------------------------------------------------------
    def scenario_toml(self, evaluation: Evaluation) -> str:
        """The variant as a self-contained scenario file ``greenkommon run`` reproduces."""
        import tomli_w

        variant = evaluation.variant
        mapping = _absolute_files(copy.deepcopy(variant.mapping), variant.file.parent)
        mapping.pop("extends", None)
        head = (
            f"# Written by `greenkommon serve` from {variant.label}, with the page's settings.\n"
            "# Reproduce with: greenkommon run <this file>\n"
        )
        if variant.label == "upload" or any(
            self.store.uploads_folder.as_posix() in str(v) for v in _leaves(mapping)
        ):
            head += (
                "# It names uploaded files kept only while the server runs: save them next to it.\n"
            )
        return head + "\n" + tomli_w.dumps(mapping)

    def monthly_svg(self, evaluation: Evaluation, lang: str) -> bytes:
        from ..report.plots import figure_to_bytes, plot_monthly_energy

        production, consumption = monthly_series(evaluation.result)
        return figure_to_bytes(plot_monthly_energy(production, consumption, lang))

    def report_html(self, evaluation: Evaluation, lang: str, operation: str | None) -> bytes:
        from ..report.html import build_html_report

        return build_html_report(evaluation.operation(operation), lang).encode("utf-8")

    def workbook(self, evaluation: Evaluation, lang: str, operation: str | None) -> bytes:
        from ..report.excel import build_workbook

        buf = io.BytesIO()
        build_workbook(evaluation.operation(operation), lang).save(buf)
        return buf.getvalue()

    def enedis_key_zip(self, evaluation: Evaluation) -> bytes:
        """The key files to upload to Enedis, per operation (dynamic key, plus the static one for
        a static key; in one folder per operation when there are several).

        Consumers are named by their ``meter_id`` when the scenario has one (Enedis needs it),
        else by their venue name, as ``greenkommon export-key`` does.
        """
        import tempfile

        from .. import enedis

        operations = evaluation.result.operations
        if not operations:
            raise RequestError("the scenario has no ACC operation: there is no key to send")
        buf = io.BytesIO()
        with (
            tempfile.TemporaryDirectory(dir=self.store.uploads_folder) as tmp,
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
        ):
            for i, op in enumerate(operations):
                sc = op.scenario
                meter_ids = {v.name: v.meter_id for v in sc.venues}
                folder = f"{_safe(op.name) or f'operation-{i + 1}'}/" if len(operations) > 1 else ""
                dynamic = Path(tmp) / f"dynamic-{i}.csv"
                enedis.export_dynamic_key(
                    dynamic, op.production_kwh, op.allocated_kwh, meter_ids=meter_ids
                )
                zf.write(dynamic, folder + "dynamic_key.csv")
                if sc.key.type in ("static", "optimised") and op.coefficients is not None:
                    static = Path(tmp) / f"static-{i}.csv"
                    enedis.export_static_key(
                        static, op.coefficients, sc.venue_names, meter_ids=meter_ids
                    )
                    zf.write(static, folder + "static_key.csv")
        return buf.getvalue()


def _safe(name: str) -> str:
    """A folder name for an operation (letters, digits, dash)."""
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _leaves(v)]
    if isinstance(node, list):
        return [x for v in node for x in _leaves(v)]
    return [node]


def _absolute_files(node: Any, folder: Path) -> Any:
    """File fields resolved against ``folder`` (the downloaded file may be saved anywhere)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in FILE_FIELDS and isinstance(v, str):
                node[k] = _absolute(v, folder)
            elif k in FILE_FIELDS and isinstance(v, list):
                node[k] = [_absolute(x, folder) if isinstance(x, str) else x for x in v]
            else:
                _absolute_files(v, folder)
    elif isinstance(node, list):
        for v in node:
            _absolute_files(v, folder)
    return node


def _absolute(value: str, folder: Path) -> str:
    p = Path(value).expanduser()
    return (p if p.is_absolute() else folder / p).as_posix()
