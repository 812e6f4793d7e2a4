"""The `derdir` command: a thin layer over the core. One command per module in `commands/`."""

from __future__ import annotations

import sys

import click
import typer
from typer.core import TyperGroup


class _Commands(TyperGroup):
    """Every command's file arguments fail the same way: one line naming the file, exit 1, no traceback
    (a missing --devices file, a folder given for a file, a registry the user cannot read)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.filename is None:
                raise
            reason = exc.strerror or type(exc).__name__
            click.echo(f"error: cannot read {exc.filename}: {reason}", err=True)
            sys.exit(1)
        except UnicodeDecodeError as exc:
            click.echo(f"error: a file given is not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
            sys.exit(1)


app = typer.Typer(
    cls=_Commands,
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
