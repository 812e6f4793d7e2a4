"""Audit problems are plain data: rules collect them, one renderer prints them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, located as precisely as the file allows."""

    path: str
    line: int
    column: int
    field: str
    message: str
    rule: str
    severity: Literal["error", "warning"] = "error"

    def render(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        what = f"{self.field}: " if self.field else ""
        level = "" if self.severity == "error" else "warning: "
        return f"{where}: {what}{level}{self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
