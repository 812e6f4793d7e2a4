"""Set-up: the home's location (from Home Assistant's own), its utility (ranked, confirmed by the owner), the
programs it is already in (ticked where another integration shows it), and where the catalog comes from."""

from __future__ import annotations

import math
from typing import Any

import voluptuous as vol
from derdir.errors import DerdirError
from derdir.markets import resolve_location
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector

from . import home as home_mod
from .const import (CONF_DOWNLOADS, CONF_ENROLLED, CONF_HUB, CONF_LOCATION, CONF_PUBLIC_KEY, CONF_REGION,
                    CONF_SERVER_URL, CONF_SNAPSHOT_URL, CONF_SOURCE, CONF_UTILITY, DOMAIN, HUB_DEFAULT, SOURCE_BUNDLED,
                    SOURCE_SERVER, SOURCE_SNAPSHOT, SOURCES)
from .source import bundled_catalog


def nearest_zip(latitude: float, longitude: float) -> str | None:
    """The US ZIP code whose centre is nearest Home Assistant's home coordinates (a suggestion the owner
    confirms: near a ZIP boundary it may be the neighbour's), or None more than 50 km from any."""
    import zipcodes

    best, best_d = None, 50.0
    cos = math.cos(math.radians(latitude))
    for z in zipcodes.list_all():
        if z.get("zip_code_type") != "STANDARD" or not z.get("active", True):
            continue  # PO boxes and single-organisation ZIPs are no home's address
        try:
            dy, dx = float(z["lat"]) - latitude, (float(z["long"]) - longitude) * cos
        except (TypeError, ValueError):
            continue
        d = 111.2 * math.hypot(dx, dy)
        if d < best_d:
            best, best_d = z["zip_code"], d
    return best


async def _catalog(hass: HomeAssistant) -> Any:
    key = f"{DOMAIN}_flow_catalog"
    if key not in hass.data:
        hass.data[key] = await hass.async_add_executor_job(bundled_catalog)
    return hass.data[key]


def _programs(cat: Any, utility: str | None, region: str | None) -> dict[str, str]:
    return {p: cat.programs[p].name for p in sorted(cat.programs_in_market(utility, region),
                                                    key=lambda p: cat.programs[p].name)}


def _source_schema(defaults: dict[str, Any]) -> dict[Any, Any]:
    return {
        vol.Required(CONF_SOURCE, default=defaults.get(CONF_SOURCE, SOURCE_BUNDLED)): selector.SelectSelector(
            selector.SelectSelectorConfig(options=SOURCES, translation_key="source")),
        vol.Optional(CONF_SNAPSHOT_URL, description={"suggested_value": defaults.get(CONF_SNAPSHOT_URL)}): str,
        vol.Optional(CONF_PUBLIC_KEY, description={"suggested_value": defaults.get(CONF_PUBLIC_KEY)}): str,
        vol.Optional(CONF_SERVER_URL, description={"suggested_value": defaults.get(CONF_SERVER_URL)}): str,
        vol.Required(CONF_DOWNLOADS, default=defaults.get(CONF_DOWNLOADS, True)): bool,
    }


def _source_errors(data: dict[str, Any]) -> dict[str, str]:
    if data[CONF_SOURCE] == SOURCE_SNAPSHOT and not (data.get(CONF_SNAPSHOT_URL) and data.get(CONF_PUBLIC_KEY)):
        return {CONF_SNAPSHOT_URL: "snapshot_needs_url_and_key"}
    if data[CONF_SOURCE] == SOURCE_SERVER and not str(data.get(CONF_SERVER_URL, "")).startswith(("http://", "https://")):
        return {CONF_SERVER_URL: "server_needs_url"}
    return {}


class DerDirectoryConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._options: dict[str, Any] = {}
        self._candidates: list[dict[str, Any]] = []

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Where the home is: a ZIP or postal code (suggested from Home Assistant's location), and its hub."""
        errors: dict[str, str] = {}
        cat = await _catalog(self.hass)
        if user_input is not None:
            try:
                market = await self.hass.async_add_executor_job(resolve_location, cat, user_input[CONF_LOCATION])
            except DerdirError:
                errors[CONF_LOCATION] = "unknown_location"
            else:
                self._data = {CONF_LOCATION: user_input[CONF_LOCATION].strip(), CONF_REGION: market.region}
                self._options[CONF_HUB] = user_input[CONF_HUB]
                self._candidates = market.as_dict()["utility_candidates"]
                return await self.async_step_utility()
        suggested = None
        if self.hass.config.country in (None, "US"):
            suggested = await self.hass.async_add_executor_job(
                nearest_zip, self.hass.config.latitude, self.hass.config.longitude)
        hubs = sorted(h for h in cat.hubs if h.startswith("home-assistant"))
        schema = vol.Schema({
            vol.Required(CONF_LOCATION, description={"suggested_value": suggested}): str,
            vol.Required(CONF_HUB, default=HUB_DEFAULT if HUB_DEFAULT in hubs else hubs[0]): selector.SelectSelector(
                selector.SelectSelectorConfig(options=hubs)),
        })
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_utility(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The utilities that may serve the home, best first (share or basis shown): the owner confirms one."""
        if user_input is not None or not self._candidates:
            self._data[CONF_UTILITY] = (user_input or {}).get(CONF_UTILITY)
            return await self.async_step_programs()
        options = [selector.SelectOptionDict(
            value=c["id"], label=c["name"] + (f" ({c['share']:.0%})" if c.get("share") else "")
            + (f" - {c['basis']}" if c.get("basis") else "")) for c in self._candidates]
        schema = vol.Schema({vol.Required(CONF_UTILITY, default=self._candidates[0]["id"]): selector.SelectSelector(
            selector.SelectSelectorConfig(options=options))})
        return self.async_show_form(step_id="utility", data_schema=schema)

    async def async_step_programs(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The programs the home is already in: ticked where another integration's entity shows it."""
        cat = await _catalog(self.hass)
        offered = _programs(cat, self._data.get(CONF_UTILITY), self._data.get(CONF_REGION))
        if user_input is not None:
            self._options[CONF_ENROLLED] = sorted(user_input.get(CONF_ENROLLED, []))
            return await self.async_step_source()
        ticked = sorted(home_mod.detected_enrollment(cat, self.hass) & set(offered))
        schema = vol.Schema({vol.Optional(CONF_ENROLLED, default=ticked): cv_multi(offered)})
        return self.async_show_form(step_id="programs", data_schema=schema)

    async def async_step_source(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Where the catalog comes from: the bundled snapshot only, a published one, or a DER Directory server."""
        errors = _source_errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            await self.async_set_unique_id(f"{self._data[CONF_LOCATION]}_{self._data.get(CONF_UTILITY)}")
            self._abort_if_unique_id_configured()
            cat = await _catalog(self.hass)
            uid = self._data.get(CONF_UTILITY)
            title = cat.utilities[uid].name if uid in cat.utilities else self._data[CONF_LOCATION]
            return self.async_create_entry(title=f"DER Directory ({title})", data=self._data,
                                           options={**self._options, **user_input})
        return self.async_show_form(step_id="source", data_schema=vol.Schema(_source_schema(user_input or {})),
                                    errors=errors)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return DerDirectoryOptionsFlow()


def cv_multi(options: dict[str, str]) -> selector.SelectSelector:
    return selector.SelectSelector(selector.SelectSelectorConfig(
        options=[selector.SelectOptionDict(value=k, label=v) for k, v in options.items()], multiple=True))


class DerDirectoryOptionsFlow(OptionsFlow):
    """Change the hub, the programs the home is in, and the catalog source later."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors = _source_errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            return self.async_create_entry(data=user_input)
        cat = await _catalog(self.hass)
        entry = self.config_entry
        opts = {**entry.options, **(user_input or {})}
        offered = _programs(cat, entry.data.get(CONF_UTILITY), entry.data.get(CONF_REGION))
        hubs = sorted(h for h in cat.hubs if h.startswith("home-assistant"))
        schema = vol.Schema({
            vol.Required(CONF_HUB, default=opts.get(CONF_HUB, HUB_DEFAULT)): selector.SelectSelector(
                selector.SelectSelectorConfig(options=hubs)),
            vol.Optional(CONF_ENROLLED, default=[p for p in opts.get(CONF_ENROLLED, []) if p in offered]): cv_multi(offered),
            **_source_schema(opts),
        })
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
