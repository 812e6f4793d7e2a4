"""String normalisation shared by matching, resolving and auditing.

Hubs, bills and recipes spell the same maker many ways ("TP-LINK", "TP-Link Systems Inc.",
"tplink"); every comparison of names goes through `key()` so they meet.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from functools import lru_cache

_SUFFIXES = re.compile(
    r"\b(incorporated|inc|llc|ltd|limited|co|corp|corporation|company|gmbh|ag|sa|s\.a|b\.v|bv|oy|ab|plc|pty|srl|"
    r"technologies|technology|tech|systems|electronics|manufacturing|mfg|usa|us|north america|international|intl)\b\.?"
)


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase ASCII with accents removed and '&' spelt out."""
    if not text.isascii():  # (ASCII text is its own decomposition)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower().replace("&", " and ")


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Compact comparison key: letters and digits only ('TP-Link' -> 'tplink')."""
    return _NOT_ALNUM.sub("", fold(text))


@lru_cache(maxsize=65536)
def maker_key(text: str) -> str:
    """Key for a manufacturer name, ignoring corporate suffixes ('ecobee Inc.' -> 'ecobee')."""
    folded = fold(text)
    return _NOT_ALNUM.sub("", _SUFFIXES.sub(" ", folded)) or _NOT_ALNUM.sub("", folded)


def id_key(rid: str) -> str:
    """Ids that differ only in hyphens or digits-vs-letters look-alikes collide."""
    return rid.replace("-", "").replace("0", "o").replace("1", "l")


def model_pattern(pattern: str) -> re.Pattern[str]:
    """A program's model pattern (* and ? wildcards) as a regex over model keys: the pattern is
    normalised the way model strings are, keeping its wildcards."""
    return re.compile(fnmatch.translate("".join(ch if ch in "*?" else key(ch) for ch in pattern)))
