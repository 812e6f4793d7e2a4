"""Contribute: how recipes work, the generated schema reference, and 'propose a recipe'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ..api.deps import catalog
from ..catalog.index import Catalog
from ..propose import FIELDS, KINDS, propose
from ..recipes.common import Category, Ecosystem
from ..recipes.docs import template
from .errors import PageRoute
from .render import page, query

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
OPTIONS = {"category": [c.value for c in Category], "ecosystem": [e.value for e in Ecosystem], "country": ["US", "CA"]}


def _render(request: Request, kind: str, form: dict[str, str], result: dict | None = None) -> HTMLResponse:
    status = 422 if result is not None and not result["valid"] else 200
    path = "/contribute" + query(kind=kind if kind != "device" else None)
    return page(request, "contribute.html", title="Contribute a recipe", path=path, json_url=None, status=status,
                kind=kind, kinds=KINDS, fields=FIELDS[kind], options=OPTIONS,
                form=form, result=result, templates={k: template(k) for k in KINDS})


@router.get("/contribute", response_class=HTMLResponse)
def contribute_page(request: Request, cat: Cat,
                    kind: Annotated[str, Query(pattern="^(device|hub|program|utility)$")] = "device") -> HTMLResponse:
    """How recipes work, the schema, and the proposal form for one kind."""
    return _render(request, kind, {})


@router.post("/contribute", response_class=HTMLResponse)
async def contribute_submit(request: Request, cat: Cat) -> HTMLResponse:
    """Scaffold and audit the proposed recipe; nothing is written to the catalog."""
    data = await request.form()
    kind = str(data.get("kind", "device"))
    if kind not in KINDS:
        kind = "device"
    form = {name: str(data.get(name, ""))[:2000] for name, _, _ in FIELDS[kind]}
    return _render(request, kind, form, propose(cat, kind, form))
