"""Each module registers one command (or one command group) on `derdir.cli.app.app`."""

from . import audit, build, check, compat, home, hubs, info, market, new, programs, recommend, resolve, schema, search, serve, stats, support  # noqa: F401
from . import import_, snapshot  # noqa: F401
