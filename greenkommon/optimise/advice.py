"""Which key to use: the optimised key against Enedis's default key, per venue, in one answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: A gain below this [€/yr] is not worth changing the key the operation starts with.
MIN_GAIN_EUR_PER_YEAR = 1.0

DEFAULT_KEY = "the Enedis default key (pro-rata of consumption)"

_MODEL_NAMES = {
    "static": "the optimised static key",
    "dynamic": "the optimised dynamic key",
    "sizing": "the optimised plant size and static key",
}


@dataclass(frozen=True)
class KeyAdvice:
    """The answer of one optimiser run: which key to use and who gains or loses by it.

    Attributes
    ----------
    use : str
        The key to use, in words (:data:`DEFAULT_KEY` or the optimised key).
    keep_default : bool
        Whether the answer is to keep the default key.
    collective_gain_eur_per_year : float
        Collective value of the optimised key minus that of the default key [€/yr] (``Σ (import
        − surplus) × allocated``; the internal price is a transfer inside the collective).
    venues : tuple of str
    gain_vs_default_eur_per_year : tuple of float
        Each venue's savings with the optimised key minus its savings with the default key [€/yr].
    savings_eur_per_year : tuple of float
        Each venue's savings against no operation with the key to use [€/yr].
    warnings : tuple of str
        Venues losing against the default key or against no operation, with what to do.
    sentence : str
        The answer in one sentence.
    """

    use: str
    keep_default: bool
    collective_gain_eur_per_year: float
    venues: tuple[str, ...]
    gain_vs_default_eur_per_year: tuple[float, ...]
    savings_eur_per_year: tuple[float, ...]
    warnings: tuple[str, ...]
    sentence: str

    def as_dict(self) -> dict[str, object]:
        return {
            "use": self.use,
            "keep_default": self.keep_default,
            "collective_gain_eur_per_year": self.collective_gain_eur_per_year,
            "gain_vs_default_eur_per_year": dict(
                zip(self.venues, self.gain_vs_default_eur_per_year, strict=True)
            ),
            "savings_eur_per_year": dict(zip(self.venues, self.savings_eur_per_year, strict=True)),
            "warnings": list(self.warnings),
            "sentence": self.sentence,
        }


def _names(values: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {value:+,.2f} €/yr" for name, value in values)


def advise_key(
    model: str,
    fairness: Sequence[str],
    venue_names: Sequence[str],
    savings_eur: np.ndarray,
    default_savings_eur: np.ndarray,
    value_eur: float,
    default_value_eur: float,
    infeasible: str | None = None,
) -> KeyAdvice:
    """Compare an optimised key with the default key and say which one to use.

    Parameters
    ----------
    model : str
        ``'static'``, ``'dynamic'``, ``'sizing'`` or ``'prorata'`` (no key of the model met the
        fairness options: the default key is the answer).
    fairness : sequence of str
        Fairness options asked.
    venue_names : sequence of str
    savings_eur, default_savings_eur : numpy.ndarray
        (N,) savings of each venue against no operation with the optimised (re-simulated) and the
        default key [€/yr].
    value_eur, default_value_eur : float
        Collective value of the optimised and the default key [€/yr].
    infeasible : str, optional
        Why no key of the model met the fairness options.

    Returns
    -------
    KeyAdvice

    Notes
    -----
    The default key is kept when the optimised key is not worth at least
    :data:`MIN_GAIN_EUR_PER_YEAR` more to the collective: a key that is no better for the whole
    is not worth a change of the convention. Otherwise the optimised key is advised, and every
    venue that loses against the default key (or against no operation) is named with the fairness
    option that prevents it.
    """
    names = tuple(venue_names)
    sav = np.asarray(savings_eur, dtype=float)
    base = np.asarray(default_savings_eur, dtype=float)
    gain = float(value_eur - default_value_eur)
    per_venue = sav - base
    what = _MODEL_NAMES.get(model, "the optimised key")
    warn: list[str] = []
    if model == "prorata" or infeasible is not None:
        sentence = (
            f"Keep {DEFAULT_KEY}: no {'static ' if model in ('static', 'prorata') else ''}key "
            f"meets the fairness options ({', '.join(fairness) or 'none'})"
            + (f" — {infeasible}" if infeasible else "")
            + "; a dynamic key (--dynamic) can match the default key for every venue."
        )
        return KeyAdvice(
            DEFAULT_KEY, True, 0.0, names, (0.0,) * len(names), tuple(base.tolist()), (), sentence
        )
    if gain < MIN_GAIN_EUR_PER_YEAR:
        sentence = (
            f"Keep {DEFAULT_KEY}: {what} is worth {gain:+,.2f} €/yr to the collective against it "
            f"(per venue: {_names(list(zip(names, per_venue.tolist(), strict=True)))})."
        )
        if model == "static":
            sentence += (
                " The default key follows consumption interval by interval, which a fixed share "
                "cannot; try --dynamic."
            )
        losing = [(n, float(s)) for n, s in zip(names, base, strict=True) if s < 0]
        if losing:
            warn.append(
                f"even with the default key {_names(losing)} against no operation: lower the "
                "internal price or leave the operation"
            )
        return KeyAdvice(
            DEFAULT_KEY,
            True,
            gain,
            names,
            tuple(per_venue.tolist()),
            tuple(base.tolist()),
            tuple(warn),
            sentence,
        )
    losers = [
        (n, float(d)) for n, d in zip(names, per_venue, strict=True) if d < -0.005
    ]  # a cent is rounding, not a loss
    if losers and "vs_prorata" not in fairness:
        warn.append(
            f"{_names(losers)} against the default key: add --fairness vs_prorata so that no "
            "venue loses against the default key (or no_loss: none against no operation)"
        )
    negative = [(n, float(s)) for n, s in zip(names, sav, strict=True) if s < 0]
    if negative and "no_loss" not in fairness:
        warn.append(
            f"{_names(negative)} against no operation: add --fairness no_loss so that no venue "
            "pays more than without the operation"
        )
    sentence = (
        f"Use {what}: {gain:+,.2f} €/yr for the collective against {DEFAULT_KEY}; per venue "
        f"against the default key: {_names(list(zip(names, per_venue.tolist(), strict=True)))}."
    )
    return KeyAdvice(
        what,
        False,
        gain,
        names,
        tuple(per_venue.tolist()),
        tuple(sav.tolist()),
        tuple(warn),
        sentence,
    )
