"""JSON from strangers (a hub's device list, a registry file, an upstream database).

Parsed by orjson, which bounds nesting (1024 levels) and refuses numbers no double can hold, and raises
the standard library's `json.JSONDecodeError` (with line and column) for those too: never the
RecursionError of ~100k-deep nesting or the ValueError of a 5,000-digit integer that `json.loads` raises.
"""

from __future__ import annotations

from json import JSONDecodeError
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "loads"]


def loads(data: str | bytes) -> Any:
    return orjson.loads(data)
