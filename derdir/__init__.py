"""DER Directory: the catalog of energy devices, hubs and programs, as a library.

The CLI (`derdir.cli`), the HTTP API (`derdir.api`) and the web pages (`derdir.web`) are thin
adapters over these functions.
"""

from .audit import audit_catalog
from .catalog.build import build
from .catalog.index import Catalog
from .compat import compat
from .errors import Ambiguous, BuildMissing, CatalogInvalid, DerdirError, InvalidInput, NotFound
from .household import evaluate
from .recommendations import recommend
from .markets import resolve_location
from .product import product
from .resolve import DeviceReport, resolve
from .search import list_programs, search_products
from .service import open_catalog
from .support import support

__all__ = [
    "Ambiguous",
    "BuildMissing",
    "Catalog",
    "CatalogInvalid",
    "DerdirError",
    "DeviceReport",
    "InvalidInput",
    "NotFound",
    "audit_catalog",
    "build",
    "compat",
    "evaluate",
    "list_programs",
    "open_catalog",
    "product",
    "recommend",
    "resolve",
    "resolve_location",
    "search_products",
    "support",
]
