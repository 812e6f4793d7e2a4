"""`derdir keygen`, `derdir publish`, `derdir verify`: signed static snapshots of a build (issue 20)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ...snapshot import keygen as make_keys
from ...snapshot import publish as publish_tree
from ...snapshot import verify_tree
from ..app import app
from ..common import BuildOption, CatalogOption, catalog_root, console, handle_errors, open_cli_catalog


@app.command()
def keygen(out: Path = typer.Option(..., "--out", help="Folder for signing.key and signing.pub (never overwritten).")) -> None:
    """Write an Ed25519 key pair for signing snapshots; keep signing.key private, pin signing.pub in clients.

    Example: derdir keygen --out keys/
    """
    with handle_errors():
        private, public = make_keys(out)
    console.print(f"wrote {private} (private) and {public} (pin this in clients)")


@app.command()
def publish(out_dir: Path = typer.Argument(..., help="Folder for the static tree (any static host can serve it)."),
            key: Optional[Path] = typer.Option(None, "--key", help="signing.key; without it the tree is unsigned and clients refuse it."),
            region: Optional[list[str]] = typer.Option(None, "--region", help="Only these shards (e.g. US-CA); default every region."),
            no_entities: bool = typer.Option(False, "--no-entities", help="Skip the per-product and per-program files."),
            catalog: Optional[Path] = CatalogOption, build_dir: Optional[Path] = BuildOption) -> None:
    """Publish the build as a static API tree: the whole catalog, per-state shards, one file per product and
    product x program answer, and a signed manifest.json with every file's sha256 and size.

    Example: derdir publish public/ --key keys/signing.key
    """
    cat = open_cli_catalog(catalog, build_dir)
    with handle_errors():
        manifest = publish_tree(cat, out_dir, key, catalog_root=catalog_root(catalog), regions=region or None,
                                entities=not no_entities)
    signed = "signed" if key else "UNSIGNED (clients will refuse it)"
    console.print(f"published {len(manifest['files'])} files of catalog {manifest['catalog_version']} to {out_dir}, {signed}")


@app.command()
def verify(tree: Path = typer.Argument(..., help="A published tree (folder)."),
           pubkey: Path = typer.Option(..., "--pubkey", help="The pinned signing.pub."),
           state: Optional[Path] = typer.Option(None, "--state", help="File remembering the last accepted manifest (refuses a rollback).")) -> None:
    """Check a published tree: the manifest's signature by the pinned key, its expiry, no rollback, and every
    file's sha256 and size. Exit 1 naming the first file that is wrong.

    Example: derdir verify public/ --pubkey keys/signing.pub
    """
    with handle_errors():
        doc = verify_tree(tree, pubkey, state)
    console.print(f"ok: {len(doc['files'])} files of catalog {doc['catalog_version']}, expires {doc['expires']}")
