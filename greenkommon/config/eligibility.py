"""``[eligibility]``: the facts that decide which ACC étendue rule applies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._section import Section

#: Commune categories of the INSEE density grid, as the arrêté groups them.
COMMUNE_CATEGORIES = ("urban", "peri_urban", "rural")
#: ``mainland`` = territoire métropolitain continental; ``zni`` = zones non interconnectées.
TERRITORIES = ("mainland", "zni")
#: Accepted values of ``[eligibility].rule``: ``auto`` derives the rule from the other fields;
#: ``standard_2km`` forces the general rule (the only value of earlier versions).
RULE_CHOICES = ("auto", "standard_2km")


@dataclass(frozen=True)
class EligibilityConfig:
    """``[eligibility]``: facts about the operation that decide which rule applies.

    Attributes
    ----------
    rule : str
        ``'auto'`` (default): pick the rule from the fields below; ``'standard_2km'``: force the
        general rule (2 km, 5 MW), whatever the other fields say.
    commune_category : str
        ``'urban'`` (default; Plaine Commune's dense communes), ``'peri_urban'`` (INSEE « petites
        villes », « ceintures urbaines ») or ``'rural'`` (« bourgs ruraux », « rural à habitat
        dispersé / très dispersé »), for *all* participants' communes.
    distance_derogation : bool
        The PMO asked the minister for the 10 km (peri-urban) / 20 km (rural) derogation and
        obtained it. Only meaningful for peri-urban or rural communes.
    public_body_derogation : bool
        All conditions of the 2025 public-body derogation hold (a commune or EPCI à fiscalité
        propre participates, all participants are public bodies or public-service organisations,
        all points lie in the EPCI's territory): no km criterion, power < 10 MW.
    territory : str
        ``'mainland'`` (default) or ``'zni'`` (non-interconnected zones, lower power cap).
    rules_file : Path or None
        Replacement for the bundled ``acc_rules_fr.toml`` (same layout), e.g. after a change of
        the texts.
    """

    rule: str = "auto"
    commune_category: str = "urban"
    distance_derogation: bool = False
    public_body_derogation: bool = False
    territory: str = "mainland"
    rules_file: Path | None = None

    @classmethod
    def from_section(cls, sec: Section) -> EligibilityConfig:
        cfg = cls(
            rule=sec.str("rule", "auto", choices=RULE_CHOICES),
            commune_category=sec.str("commune_category", "urban", choices=COMMUNE_CATEGORIES),
            distance_derogation=sec.bool("distance_derogation", False),
            public_body_derogation=sec.bool("public_body_derogation", False),
            territory=sec.str("territory", "mainland", choices=TERRITORIES),
            rules_file=sec.path("rules_file", None),
        )
        if cfg.rules_file is not None and not cfg.rules_file.is_file():
            raise sec.error("rules_file", str(cfg.rules_file), "an existing TOML rules file")
        if cfg.distance_derogation and cfg.commune_category == "urban":
            raise sec.error(
                "distance_derogation",
                True,
                "false when commune_category = 'urban' (the 10/20 km derogations are for "
                "peri-urban and rural communes only)",
            )
        if cfg.distance_derogation and cfg.territory != "mainland":
            raise sec.error(
                "distance_derogation",
                True,
                "false when territory = 'zni' (the derogations cover the mainland only)",
            )
        if cfg.rule == "standard_2km" and (cfg.distance_derogation or cfg.public_body_derogation):
            raise sec.error(
                "rule", cfg.rule, "'auto' when a derogation is set (standard_2km excludes them)"
            )
        sec.finish()
        return cfg
