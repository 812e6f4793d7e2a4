"""Check my home: location, hub and devices (typed or from a Home Assistant registry) -> what qualifies.

Nothing the owner sends is stored: the form and the uploaded file are processed in memory and
dropped when the response is sent.
"""

from __future__ import annotations

import importlib.util
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ..api.deps import catalog
from ..catalog.index import Catalog
from .errors import PageRoute
from .pages import choices
from .render import page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
MAX_DEVICES = 300
MAX_LINE = 300


def household_ready() -> bool:
    """True once the household core (derdir/household.py) is installed."""
    return importlib.util.find_spec("derdir.household") is not None


def parse_lines(text: str) -> list[dict[str, str]]:
    """'Manufacturer | Model' per line (or just a name or model) -> devices as a hub reports them."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()[:MAX_LINE]
        if not line or line.startswith("#"):
            continue
        maker, sep, model = line.partition("|")
        out.append({"manufacturer": maker.strip(), "model": model.strip()} if sep else {"manufacturer": "", "model": line})
    return out[:MAX_DEVICES]


def _form_page(request: Request, cat: Catalog, form: dict[str, Any], status: int = 200, **extra: Any) -> HTMLResponse:
    return page(request, "check.html", title="Check my home", path="/check", json_url="/v1/households" if False else None,
                status=status, form=form, choices=choices(cat), ready=household_ready(), **extra)


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, cat: Cat) -> HTMLResponse:
    """The empty form."""
    return _form_page(request, cat, {})
