"""Names shared by the integration's modules."""

from __future__ import annotations

DOMAIN = "der_directory"
HUB_DEFAULT = "home-assistant-os-generic"

# config entry data (the home) and options (what the owner may change later)
CONF_LOCATION = "location"
CONF_UTILITY = "utility"
CONF_REGION = "region"
CONF_HUB = "hub"
CONF_ENROLLED = "enrolled"
CONF_SOURCE = "source"
CONF_SNAPSHOT_URL = "snapshot_url"
CONF_PUBLIC_KEY = "public_key"
CONF_SERVER_URL = "server_url"
CONF_DOWNLOADS = "downloads"

SOURCE_BUNDLED = "bundled"  # the snapshot shipped with the integration, nothing downloaded
SOURCE_SNAPSHOT = "snapshot"  # a published signed snapshot, verified with its pinned key, refreshed at most daily
SOURCE_SERVER = "server"  # a DER Directory server evaluates the home: the device list is sent to it
SOURCES = [SOURCE_BUNDLED, SOURCE_SNAPSHOT, SOURCE_SERVER]

SIGNAL_UPDATED = f"{DOMAIN}_updated_{{}}"  # formatted with the entry id
REFRESH_EVERY_DAYS = 1
