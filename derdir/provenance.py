"""How well a claim is sourced: the one rule deciding whether a claim is `secondary`, and URL host checks.

A claim (a payment term, an eligibility claim or rule, an enrollment status) rests on its own sources, or,
where it has none, on its program's. It is `official` when at least one of those sources is the program's or
utility's own page (`kind: official`) or the maker's (`kind: manufacturer`); otherwise -- registry, news,
installer, upstream data, other, or a source whose kind is not recorded -- it is `secondary`. Answers show this
as `confidence` (on each incentive term and each piece of evidence), the audit warns about money resting only on
secondary sources, and `derdir stats` counts them: all through `confidence` below.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Any, Iterator, Literal, Sequence
from urllib.parse import urlsplit

from pydantic import BaseModel

from .recipes.common import Source

Confidence = Literal["official", "secondary"]
PRIMARY_KINDS = frozenset({"official", "manufacturer"})


def backing(own: Sequence[Any], fallback: Sequence[Any] = ()) -> Sequence[Any]:
    """The sources a claim rests on: its own, else (none of its own) its program's."""
    return own or fallback


def confidence(own: Sequence[Any], fallback: Sequence[Any] = ()) -> Confidence:
    """`official` when a source the claim rests on is official or the manufacturer's, else `secondary`."""
    return "official" if any(s.kind in PRIMARY_KINDS for s in backing(own, fallback)) else "secondary"


def is_secondary(own: Sequence[Any], fallback: Sequence[Any] = ()) -> bool:
    return confidence(own, fallback) == "secondary"


def newest_seen(own: Sequence[Any], fallback: Sequence[Any] = ()) -> date | None:
    """The latest date a source the claim rests on was read."""
    dates = [s.seen for s in backing(own, fallback)]
    return max(dates) if dates else None


def host(url: str) -> str:
    """The URL's host name, lower case, without a leading `www.` ('' when it has none)."""
    try:
        name = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return name.lower().removeprefix("www.")


def is_ip(name: str) -> bool:
    """A raw IPv4 or IPv6 address rather than a domain name."""
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


def on_domain(name: str, domain: str) -> bool:
    """`name` is `domain` or one of its subdomains (`ca.finance.yahoo.com` is on `yahoo.com`)."""
    domain = domain.lower().removeprefix("www.")
    return name == domain or name.endswith("." + domain)


def recipe_sources(model: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, source) of every source in a recipe, however deeply nested (a term's, a claim's, a rule's...)."""
    if isinstance(model, Source):
        yield path, model
    elif isinstance(model, BaseModel):
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, (BaseModel, list)):
                yield from recipe_sources(value, (*path, name))
    elif isinstance(model, list):
        for i, v in enumerate(model):
            if isinstance(v, (BaseModel, list)):
                yield from recipe_sources(v, (*path, i))
