"""The `derdir` command: a thin layer over the core. One command per module in `commands/`."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="derdir",
    help="DER Directory: devices, hubs and the energy programs that pay for them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the `derdir` script."""
    from . import commands  # noqa: F401  (registers every command on `app`)

    app()


@app.callback()
def _root() -> None:
    """DER Directory: devices, hubs and the energy programs that pay for them."""
