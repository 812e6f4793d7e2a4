"""Audit rule `rule-coverage`: a program's rule that names a maker and model patterns should match that
maker's devices in the catalog.

Two warnings (never errors: a program may well cover only some of a maker's models):
- the rule's model patterns match none of the catalog's devices of its maker and category
  (`enphase-vpp`: `IQ Battery*` while the catalog lists the battery as `B03-A01-US00-1-3`);
- a device of that maker and category matches none of the patterns while a device of its own product family
  does (the family is covered, this member is left out: a model string missing from the rule or the recipe).
"""

from __future__ import annotations

from typing import Iterator

from ..catalog.rows import maker_aliases
from ..catalog.source import CatalogFiles
from ..facts import maker_names, model_names
from ..normalize import key
from ..problem import Problem
from ..recipes.load import Loaded
from .catalog_rules import _at

RULE = "rule-coverage"
LISTED = 5  # devices named in a warning


def _models_text(models: list[str]) -> str:
    return ", ".join(models)


def rule_coverage(files: CatalogFiles) -> Iterator[Problem]:
    """Warnings for rules whose model patterns miss their maker's catalog devices (see the module doc)."""
    aliases = maker_aliases(files.recipes["manufacturer"].values())
    wanted: dict[tuple[str, str], list[tuple[str, int]]] = {}  # (category, maker key) -> (program id, rule index)
    for rec in files.recipes["program"].values():
        for i, rule in enumerate(rec.model.eligibility.rules):
            if not rule.manufacturers or not rule.models:
                continue
            for mk in rule.maker_keys:
                for k in aliases.get(mk, set()) | {mk}:
                    wanted.setdefault((rule.category, k), []).append((rec.id, i))
    if not wanted:
        return
    categories = {c for c, _ in wanted}
    # (program id, rule index) -> the devices of its maker and category
    devices: dict[tuple[str, int], dict[str, tuple[Loaded, frozenset[str]]]] = {}
    for dev in files.recipes["device"].values():
        d = dev.model
        if d.category not in categories:
            continue
        hits = {hit for mk in maker_names(d) for hit in wanted.get((d.category, mk), ())}
        if not hits:
            continue
        models = frozenset(model_names(d))
        for pid, i in hits:
            devices.setdefault((pid, i), {})[dev.id] = (dev, models)
    for rec in files.recipes["program"].values():
        for i, rule in enumerate(rec.model.eligibility.rules):
            found = devices.get((rec.id, i))
            if not found:
                continue
            matched = {rid for rid, (_, models) in found.items()
                       if any(p.match(m) for p in rule.model_patterns for m in models)}
            makers = "/".join(rule.manufacturers)
            if not matched:
                if files.concerns(rec, *(dev for dev, _ in found.values())):
                    names = [f"{dev.id} ({dev.model.model_numbers[0]})" for dev, _ in sorted(found.values(), key=lambda x: x[0].id)]
                    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
                    yield _at(rec, RULE, ("eligibility", "rules", i, "models"),
                              f"model patterns {_models_text(rule.models)} match none of the catalog's {len(found)} "
                              f"{makers} {rule.category} devices: {', '.join(names[:LISTED])}{more}; add the models "
                              "hubs and the catalog use, or the model strings to those recipes", "warning")
                continue
            families = {key(found[rid][0].model.family) for rid in matched if found[rid][0].model.family}
            for rid, (dev, _) in sorted(found.items()):
                family = dev.model.family
                if rid in matched or not family or key(family) not in families:
                    continue
                if files.concerns(rec, dev):
                    yield _at(dev, RULE, ("model_numbers",),
                              f"program {rec.id!r} has a rule for {makers} {rule.category} devices of this family "
                              f"({family}) whose model patterns {_models_text(rule.models)} miss this one; if the "
                              "program covers it, add its model to the rule or the reported string to "
                              "identifiers.model_strings", "warning")
