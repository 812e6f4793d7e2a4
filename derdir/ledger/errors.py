"""Errors of the ledger, beside the core's (`derdir.errors`): the API maps `status` to problem+json.

    DerdirError
    ├── NotFound       a home that does not exist, or whose token is not this one (404: no hint which)
    ├── InvalidInput   a field that is wrong (422)
    ├── Unauthorized   no bearer token given (401)
    └── LimitReached   a limit on homes, devices, events, readings (413)
"""

from __future__ import annotations

from typing import Any

from ..errors import DerdirError


class Unauthorized(DerdirError):
    """No token was given for a call that needs the home's token."""

    status = 401
    title = "Unauthorized"


class LimitReached(DerdirError):
    """A limit that keeps an open server from being filled up."""

    status = 413
    title = "Payload too large"

    def __init__(self, what: str, limit: int, field: str):
        self.what, self.limit, self.field = what, limit, field
        super().__init__(f"{field}: at most {limit:,} {what}")

    def detail(self) -> dict[str, Any]:
        return {"field": self.field}
