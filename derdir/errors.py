"""Exceptions of the core. Adapters map them: the CLI to messages and exit codes, the API to
RFC 9457 problem+json.

    DerdirError
    ├── NotFound          an id/name that matches nothing (404), with suggestions
    │   └── OtherKind     ... of this kind, but names an entity of another (a hub asked for as a device)
    ├── Ambiguous         a name that matches several products (409 in the API), with candidates
    ├── InvalidInput      a request field that is wrong (422), naming the field
    ├── CatalogInvalid    a catalog with audit errors; the last good build is kept
    └── BuildMissing      no build yet and none could be made (or one this version cannot read)
"""

from __future__ import annotations

from typing import Any


class DerdirError(Exception):
    """Base of every error the core raises on purpose."""

    status = 500
    title = "Internal error"

    def detail(self) -> dict[str, Any]:
        return {}


class NotFound(DerdirError):
    """Nothing in the catalog matches the reference."""

    status = 404
    title = "Not found"

    def __init__(self, kind: str, ref: str, suggestions: list[str] | None = None, field: str | None = None):
        self.kind, self.ref, self.suggestions, self.field = kind, ref, suggestions or [], field
        hint = f"; did you mean {', '.join(self.suggestions[:5])}?" if self.suggestions else ""
        super().__init__(f"no {kind} matches {ref!r}{hint}")

    def detail(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "suggestions": self.suggestions, **({"field": self.field} if self.field else {})}


class OtherKind(NotFound):
    """The reference names a catalog entity of another kind: a hub asked for as a product (the original
    project's recipes put hubs among devices), a program asked for as a device."""

    def __init__(self, kind: str, ref: str, actual: str, rid: str, field: str | None = None):
        super().__init__(kind, ref, [], field)
        self.actual, self.rid = actual, rid
        self.args = (f"{ref!r} is a {actual}, not a {kind}: see {actual} {rid}",)

    def detail(self) -> dict[str, Any]:
        return {**super().detail(), "actual_kind": self.actual, "actual_id": self.rid}


class Ambiguous(DerdirError):
    """Several products match a name; the caller must pick one."""

    status = 409
    title = "Ambiguous reference"

    def __init__(self, kind: str, ref: str, candidates: list[dict[str, Any]]):
        self.kind, self.ref, self.candidates = kind, ref, candidates
        names = ", ".join(c["id"] for c in candidates[:8])
        super().__init__(f"{ref!r} matches several {kind}s: {names}")

    def detail(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "candidates": self.candidates}


class InvalidInput(DerdirError):
    """A request field is missing or wrong."""

    status = 422
    title = "Invalid input"

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")

    def detail(self) -> dict[str, Any]:
        return {"field": self.field}


class CatalogInvalid(DerdirError):
    """The catalog has audit errors, so it was not built."""

    title = "Catalog has errors"

    def __init__(self, problems: list[Any]):
        self.problems = problems
        super().__init__(f"catalog has {len(problems)} error(s); the last good build is kept")


class BuildMissing(DerdirError):
    """There is no build to serve (or only one made by another version of derdir)."""

    status = 503
    title = "No catalog build"
