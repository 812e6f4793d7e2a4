"""Plain-language sentences for program recipes: device rules, requirements and event rules.

Used by the web pages (and usable by any adapter) so that "category: smart-plug, manufacturers:
[TP-Link], models: [KP115, HS110], requires: {energy_monitoring: true}" reads as
"TP-Link KP115 or HS110 smart plugs — needs energy monitoring". Only what the recipe says is
described; nothing is inferred.
"""

from __future__ import annotations

from .kinds.requirements import phrases
from .recipes.program import DeviceRule, EventRules, Requirements

CATEGORY_NOUNS: dict[str, tuple[str, str]] = {
    "thermostat": ("thermostat", "thermostats"),
    "smart-plug": ("smart plug", "smart plugs"),
    "water-heater": ("water heater", "water heaters"),
    "ev-charger": ("EV charger", "EV chargers"),
    "battery": ("battery", "batteries"),
    "solar-inverter": ("solar inverter", "solar inverters"),
    "heat-pump": ("heat pump", "heat pumps"),
    "hvac": ("HVAC system", "HVAC systems"),
    "pool-pump": ("pool pump", "pool pumps"),
    "energy-monitor": ("energy monitor", "energy monitors"),
    "load-controller": ("load controller", "load controllers"),
    "light": ("light", "lights"),
    "vehicle": ("electric vehicle", "electric vehicles"),
    "other": ("other device", "other devices"),
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
_DAYS = {"weekdays": "on weekdays", "all": "on any day", "non-holiday-weekdays": "on non-holiday weekdays"}


ECOSYSTEM_NAMES = {
    "home-assistant": "Home Assistant", "google-home": "Google Home", "alexa": "Alexa", "apple-home": "Apple Home",
    "smartthings": "SmartThings", "hubitat": "Hubitat", "ifttt": "IFTTT", "homey": "Homey", "hue": "Hue",
    "aqara": "Aqara", "zigbee2mqtt": "Zigbee2MQTT", "openhab": "openHAB",
}


def ecosystem(name: str) -> str:
    """'alexa' -> 'Alexa', as people write it."""
    return ECOSYSTEM_NAMES.get(name, name)


def article(word: str) -> str:
    """'a' or 'an' before a word as it is spoken: 'an Alexa', 'a Hubitat', 'an IFTTT'."""
    first = word[:1].lower()
    spelled = word.isupper() and len(word) > 1  # letters said one by one: 'an IFTTT', 'a USB'
    vowel_sound = first in "aeio" or (first == "u" and not spelled) or (spelled and first in "aefhilmnorsx")
    return "an" if vowel_sound else "a"


def product_title(manufacturer: str, brand: str | None, product_name: str) -> str:
    """'Kasa Smart Wi-Fi Plug', not 'Kasa Kasa Smart Wi-Fi Plug': the brand (else maker) once."""
    maker = brand or manufacturer
    named = product_name.casefold()
    if named.startswith(maker.casefold()) or (brand and named.startswith(manufacturer.casefold())):
        return product_name
    return f"{maker} {product_name}"


def noun(category: str, plural: bool = False) -> str:
    """'smart-plug' -> 'smart plug' (or 'smart plugs')."""
    one, many = CATEGORY_NOUNS.get(category, (category.replace("-", " "), category.replace("-", " ") + "s"))
    return many if plural else one


def either(items: list[str], word: str = "or") -> str:
    """['a', 'b', 'c'] -> 'a, b or c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _prefix(pattern: str) -> str | None:
    """'Nest*' -> 'Nest' when the pattern only says 'starts with'."""
    if pattern.endswith("*") and len(pattern) > 1 and not any(c in "*?" for c in pattern[:-1]):
        return pattern[:-1]
    return None


def _models(patterns: list[str], plural_noun: str, maker: str) -> str:
    prefixes = [_prefix(p) for p in patterns]
    if all(prefixes):
        return f"{maker} {plural_noun} with a model number starting {either([str(p) for p in prefixes])}".strip()
    if not any(c in p for p in patterns for c in "*?"):
        return f"{maker} {either(patterns)} {plural_noun}".strip()
    return f"{maker} {plural_noun} with a model number like {either(patterns)} (* stands for anything)".strip()


def requirements(req: Requirements) -> list[str]:
    """Each capability a rule requires, as 'needs …' phrases (the words of `kinds.requirements`, which
    eligibility verdicts use too)."""
    return phrases(req)


def rule(r: DeviceRule) -> str:
    """'Any ecobee thermostat', 'TP-Link KP115, HS110 or HS300 smart plugs — needs energy monitoring'."""
    maker = r.manufacturers[0] if r.manufacturers else ""
    if len(r.manufacturers) > 1:
        maker += f" (also listed as {either(r.manufacturers[1:])})"
    if r.models:
        head = _models(r.models, noun(r.category, plural=True), maker)
    else:
        head = f"Any {maker} {noun(r.category)}" if maker else f"Any {noun(r.category)}"
    needs = requirements(r.requires)
    return head + (" — " + "; ".join(needs) if needs else "")


def _hour(h: int) -> str:
    if h in (0, 24):
        return "midnight"
    if h == 12:
        return "noon"
    return f"{h % 12} {'a.m.' if h < 12 else 'p.m.'}"


def month_span(months: list[int], dash: bool = False) -> str:
    """[6, 7, 8, 9] -> 'from June to September' ('June–September' with `dash`, as a payment term reads);
    [12, 1, 2] -> 'from December to February'; [6, 8] -> 'in June and August'."""
    if not months:
        return ""
    ms = list(months)
    if len(ms) > 2 and all((b - a) % 12 == 1 for a, b in zip(ms, ms[1:])):
        first, last = MONTHS[ms[0] - 1], MONTHS[ms[-1] - 1]
        return f"{first}–{last}" if dash else f"from {first} to {last}"
    return "in " + either([MONTHS[m - 1] for m in ms], "and")


def month_range(months: list[int]) -> str:
    """[5, 6, 7, 8, 9, 10] -> 'May–October'; [12, 1, 2] -> 'December–February'; [6, 8] -> 'in June and August'."""
    return month_span(months, dash=True)


def events(ev: EventRules | None) -> list[str]:
    """Sentences for a program's event rules; empty when the recipe states none."""
    if ev is None:
        return []
    out = []
    when = []
    if ev.months:
        when.append(month_span(ev.months))
    if ev.start_hour is not None and ev.end_hour is not None:
        when.append(f"between {_hour(ev.start_hour)} and {_hour(ev.end_hour)}")
    if ev.days:
        when.append(_DAYS[ev.days])
    if when:
        out.append("Events happen " + ", ".join(when) + ".")
    counts = []
    if ev.typical_events_per_year is not None:
        counts.append(f"typically {ev.typical_events_per_year} events a year")
    if ev.max_events_per_year is not None:
        counts.append(f"at most {ev.max_events_per_year} events a year")
    if ev.max_event_hours is not None:
        counts.append(f"each event lasts at most {ev.max_event_hours:g} hours")
    if ev.max_hours_per_year is not None:
        counts.append(f"at most {ev.max_hours_per_year:g} hours a year")
    if counts:
        out.append(counts[0][0].upper() + "; ".join(counts)[1:] + ".")
    return out
