"""Check my home: location, hub and devices (typed or from a Home Assistant registry) -> what qualifies.

Nothing the owner sends is stored: the form and the uploaded file are read in memory, passed to
`household.evaluate` / `recommendations.recommend`, and dropped when the response is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from ..api.deps import catalog
from ..catalog.index import Catalog
from ..errors import DerdirError, InvalidInput
from ..household import evaluate
from ..recommendations import recommend
from ..importers.ha_registry import read_registries
from ..kinds.conditions import CONDITIONS
from .errors import PageRoute
from .pages import choices
from .render import page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
MAX_DEVICES = 500
MAX_LINE = 300
MAX_TEXT = 100_000


def parse_lines(text: str) -> list[dict[str, str | None]]:
    """One device per line: 'Manufacturer | Model', or just a model or product name ('Kasa KP125M')."""
    out: list[dict[str, str | None]] = []
    for raw in text[:MAX_TEXT].splitlines():
        line = raw.strip()[:MAX_LINE]
        if not line or line.startswith("#"):
            continue
        maker, sep, model = line.partition("|")
        if sep:
            out.append({"manufacturer": maker.strip() or None, "model": model.strip() or None})
        else:
            out.append({"manufacturer": None, "model": line})
    return out


def _label(device: dict[str, Any]) -> str:
    """How the owner (or the hub) named a device, for the results table."""
    given = device.get("input", {})
    parts = [given.get("manufacturer"), given.get("model") or given.get("model_id")]
    name = given.get("name_by_user") or given.get("name")
    text = " ".join(p for p in parts if p) or name or "(no name)"
    return f"{text} — “{name}”" if name and name not in text else text


# Conditions that are the same for every program, asked on the form (`kinds.conditions`)
HOUSEHOLD = [(k.name, k.question) for k in CONDITIONS.values() if k.household_wide]


def _answers(form: dict[str, str]) -> tuple[dict[str, bool], list[str]]:
    """The form's answers about the home as `household.evaluate` takes them."""
    conditions = {c: form[f"cond-{c}"] == "yes" for c, _ in HOUSEHOLD if form.get(f"cond-{c}") in ("yes", "no")}
    conditions.update({c.strip(): True for c in form.get("confirm", "").split(",") if c.strip()})
    enrolled = [p.strip() for p in form.get("enrolled", "").split(",") if p.strip()]
    return conditions, enrolled


def _render(request: Request, cat: Catalog, form: dict[str, str], status: int = 200, **extra: Any) -> HTMLResponse:
    options = choices(cat)
    hub_names = {h["id"]: h["name"] for h in options["hubs"]}
    return page(request, "check.html", title="Check my home", path="/check", json_url=None, status=status,
                form=form, choices=options, hubs=options["hubs"], hub_names=hub_names, utilities=cat.utilities,
                label=_label, household_conditions=HOUSEHOLD, **extra)


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, cat: Cat) -> HTMLResponse:
    """The empty form."""
    return _render(request, cat, {})


@router.get("/check/home/{home_id}", response_class=HTMLResponse)
def check_saved_home(request: Request, cat: Cat, home_id: str, token: str = "") -> HTMLResponse:
    """A home saved in the ledger, through its token link (no cookie): its devices checked, its enrolled
    programs shown as enrolled. A wrong token is the same 404 as an unknown home."""
    from ..errors import NotFound
    from .render import error

    ledger = getattr(request.app.state, "ledger", None)
    try:
        if ledger is None:
            raise NotFound("home", home_id)
        home = ledger.home(home_id[:32], token[:200])
        result = ledger.evaluate(cat, home["id"], token)
    except NotFound:
        return error(request, 404, "Home not found", "No saved home matches this link (or its token is wrong).")
    devices = [d["report"] for d in home["devices"]]
    market = home["utility"] or (home["location"] if isinstance(home["location"], str) else home["region"] or "")
    form = {"market": market, "hub": home["hub"] or "", "enrolled": ", ".join(result["enrolled"]),
            "devices": "\n".join(f"{d.get('manufacturer') or ''} | {d.get('model') or d.get('model_id') or ''}"
                                 for d in devices)}
    recs = recommend(cat, market, home["hub"], devices, 8, None, result["enrolled"])
    response = _render(request, cat, form, result=result, recs=recs["recommendations"], uploaded=0,
                       devices_sent=len(devices), truncated=0, saved_home=home["id"])
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/check", response_class=HTMLResponse)
async def check_submit(request: Request, cat: Cat) -> HTMLResponse:
    """Evaluate the home described by the form (and the uploaded registry); nothing is kept."""
    data = await request.form()
    form = {k: str(data.get(k) or "")[:MAX_TEXT]
            for k in ("market", "hub", "devices", "confirm", "enrolled", *(f"cond-{c}" for c, _ in HOUSEHOLD))}
    upload = data.get("registry")
    entities = data.get("entities")
    try:
        devices = parse_lines(form["devices"])
        uploaded = 0
        if isinstance(upload, UploadFile) and upload.filename:
            extra = await entities.read() if isinstance(entities, UploadFile) and entities.filename else None
            registry = read_registries(await upload.read(), extra, "registry", "entities")
            uploaded = len(registry)
            devices += registry
        elif isinstance(entities, UploadFile) and entities.filename:
            raise InvalidInput("entities", "an entity registry goes with its device registry: upload core.device_registry too")
        truncated = max(len(devices) - MAX_DEVICES, 0)
        devices = devices[:MAX_DEVICES]
        hub = form["hub"].strip() or None
        conditions, enrolled = _answers(form)
        result = evaluate(cat, form["market"].strip(), devices, hub, conditions, enrolled)
        extra = recommend(cat, form["market"].strip(), hub, devices, 8, conditions, enrolled)
    except DerdirError as exc:
        response = _render(request, cat, form, 422, problem=str(exc))
    else:
        response = _render(request, cat, form, result=result, recs=extra["recommendations"], uploaded=uploaded,
                           devices_sent=len(devices), truncated=truncated)
    finally:
        for f in (upload, entities):
            if isinstance(f, UploadFile):
                await f.close()
    response.headers["Cache-Control"] = "no-store"  # the owner's home: not kept by caches either
    return response
