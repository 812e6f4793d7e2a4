"""`derdir import source-kinds`: fill the missing `kind` of the sources in hub and hand-written device recipes.

A source's kind says what the page is (see `Source.kind`); programs have theirs from the people who read them.
Hubs and hand-written devices cite thousands of pages, so this fills what the catalog's own data decides, and
nothing else. The first rule that applies gives the kind:
1. `manufacturer`: the page is on the website (or a subdomain of it) of the manufacturer recipe that the
   recipe's `manufacturer` or `brand` names -- not on its users' forums (`forum.`, `forums.`, `community.`);
2. `upstream-data`: the page is under a dataset an importer reads (each importer's repository or device pages);
3. a prefix listed in `catalog/audit/source-kinds.yaml` (package registries and repositories, the community
   registry, news outlets), each entry with its reason.
Otherwise the kind stays empty and the source is reported, as is a page on a listed mirror host (the audit's
error). Imported device recipes are left alone: their sources belong to their importer.

Files are edited as text (comments and layout kept), re-read to check that only the kinds changed, and
replaced atomically; a file whose edit does not check out is reported and left as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..audit.source_rules import load_mirrors
from ..catalog.source import read_catalog
from ..provenance import host, on_domain
from ..recipes.common import SourceKind
from ..recipes.yamlio import YamlError, load_yaml
from ..security import maker_index, maker_of
from . import cec, homeassistant, kasa, vehicles, zigbee, zwave
from .write import _atomic_write

PREFIX_LIST = Path("audit") / "source-kinds.yaml"
KINDS = ("hub", "device")
FORUMS = frozenset({"forum", "forums", "community"})  # a maker's host for its users' posts, not its own pages

# The datasets the importers read, as the addresses their recipes cite.
UPSTREAM = (cec.REPO, kasa.REPO, vehicles.REPO, zigbee.REPO, zwave.FILES.split("/blob/")[0],
            homeassistant.integration_url("x").removesuffix("x/"), zigbee.z2m_url("x").removesuffix("x.html"))


class SourceKindsInvalid(ValueError):
    """The prefix list cannot be read; the message names the file, line and field."""


class Prefix(BaseModel):
    """An address prefix (`host` or `host/path`) whose pages are all of one kind, and why."""

    model_config = ConfigDict(extra="forbid")
    prefix: str = Field(min_length=3)
    kind: SourceKind
    reason: str = Field(min_length=3)


class PrefixList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefixes: list[Prefix] = Field(default_factory=list)


def _split(address: str) -> tuple[str, str]:
    """'https://www.GitHub.com/a/b' or 'github.com/a/b' -> ('github.com', '/a/b')."""
    if "://" not in address:
        address = "https://" + address
    return host(address), urlsplit(address).path.rstrip("/").lower()


def under(url: str, prefix: str) -> bool:
    """The URL is on the prefix's host (or a subdomain) and its path is the prefix's path or below it."""
    name, path = _split(url)
    p_host, p_path = _split(prefix)
    return bool(p_host) and on_domain(name, p_host) and (path == p_path or path.startswith(p_path + "/"))


def load_prefixes(root: Path) -> list[Prefix]:
    """The catalog's prefix list (empty when it has none)."""
    file = Path(root) / PREFIX_LIST
    if not file.is_file():
        return []
    try:
        doc = load_yaml(file.read_bytes())
        return PrefixList.model_validate(doc.data).prefixes
    except YamlError as exc:
        raise SourceKindsInvalid(f"{file}:{exc.line}:{exc.column}: {exc}") from None
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = tuple(e["loc"])
        line, col = doc.position(loc)
        dotted = ".".join(map(str, loc))
        raise SourceKindsInvalid(f"{file}:{line}:{col}: {dotted}: {e['msg']}") from None


@dataclass
class Rules:
    """What decides a kind: makers' website hosts, the importers' datasets, the listed prefixes, mirror hosts."""

    websites: dict[str, str]  # manufacturer id -> website host
    makers: dict[str, str]  # maker key -> manufacturer id
    manufacturers: dict[str, Any]
    prefixes: list[Prefix]
    mirrors: Any

    def kind_of(self, url: str, product: Any) -> tuple[str, str] | None:
        """(kind, why) for a source of `product`, or None when the data does not decide it."""
        name = host(url)
        if self.mirrors.match(name):
            return None
        maker = maker_of(product, self.manufacturers, self.makers)
        site = self.websites.get(maker or "")  # e.g. aqara.com
        if site and on_domain(name, site) and name.split(".")[0] not in FORUMS:
            return "manufacturer", f"on {site}, the website of manufacturer {maker}"
        for address in UPSTREAM:
            if under(url, address):
                return "upstream-data", f"under {address}, read by an importer"
        for p in self.prefixes:
            if under(url, p.prefix):
                return p.kind, f"under {p.prefix} ({PREFIX_LIST.as_posix()}: {p.reason})"
        return None


@dataclass
class Filled:
    recipe: str
    field: str
    url: str
    kind: str
    why: str


@dataclass
class SourceKindReport:
    filled: list[Filled] = field(default_factory=list)
    left: list[tuple[str, str, str]] = field(default_factory=list)  # (recipe, field, url) no rule decides
    files: list[str] = field(default_factory=list)  # files written (or, in a dry run, that would be)
    not_placed: list[str] = field(default_factory=list)  # files whose text edit did not check out
    imported_skipped: int = 0

    def counts(self) -> dict[str, Any]:
        by_kind: dict[str, int] = {}
        for f in self.filled:
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
        return {"filled": len(self.filled), "by_kind": dict(sorted(by_kind.items())), "left_empty": len(self.left),
                "files": len(self.files), "not_placed": len(self.not_placed),
                "imported_skipped": self.imported_skipped}


def _missing(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict[str, Any]]]:
    """(path, source mapping) of every source in raw recipe data that has a URL and no kind."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "sources" and isinstance(value, list):
                for i, s in enumerate(value):
                    if isinstance(s, dict) and isinstance(s.get("url"), str) and s.get("kind") is None:
                        yield (*path, key, i), s
            else:
                yield from _missing(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _missing(value, (*path, i))


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def add_kinds(text: str, kinds: dict[tuple, str]) -> str | None:
    """`text` with `kind: <kind>` added to the source mapping at each path; None when that cannot be done
    exactly (the result is re-read and must equal the old data plus the kinds)."""
    doc = load_yaml(text.encode("utf-8"))
    lines = text.splitlines(keepends=True)
    edits = []  # (line index, column index, insert text, new line?)
    for path, kind in kinds.items():
        if (*path, "url") not in doc.positions or path not in doc.positions:
            return None
        line, col = doc.positions[(*path, "url")]
        start_line, start_col = doc.positions[path]
        if lines[start_line - 1][start_col - 1:start_col] == "{":  # a flow mapping: {url: ..., seen: ...}
            edits.append((line - 1, col - 1, f"kind: {kind}, ", False))
        else:  # a block mapping: a line of its own below the url, at the url's column
            edits.append((line, 0, " " * (col - 1) + f"kind: {kind}\n", True))
    for index, column, insert, new_line in sorted(edits, reverse=True):
        if new_line:
            if index > 0 and not lines[index - 1].endswith("\n"):
                lines[index - 1] += "\n"
            lines.insert(index, insert)
        else:
            lines[index] = lines[index][:column] + insert + lines[index][column:]
    out = "".join(lines)
    expected = copy.deepcopy(doc.data)
    for path, kind in kinds.items():
        node: Any = expected
        for part in path:
            node = node[part]
        node["kind"] = kind
    try:
        return out if load_yaml(out.encode("utf-8"), positions=False).data == expected else None
    except YamlError:
        return None


def fill_source_kinds(root: Path, kinds: tuple[str, ...] = KINDS, dry_run: bool = False) -> SourceKindReport:
    """Fill what the data decides in the hub and/or device recipes of the catalog at `root`."""
    root = Path(root)
    files = read_catalog(root)
    manufacturers = {mid: rec.model for mid, rec in files.recipes["manufacturer"].items()}
    rules = Rules(websites={mid: host(str(m.website)) for mid, m in manufacturers.items() if m.website},
                  makers=maker_index(manufacturers), manufacturers=manufacturers,
                  prefixes=load_prefixes(root), mirrors=load_mirrors(root))
    report = SourceKindReport()
    for kind in kinds:
        for rid, rec in sorted(files.recipes[kind].items()):
            if getattr(rec.model, "imported", None):
                report.imported_skipped += 1
                continue
            file = Path(rec.file)
            text = file.read_text(encoding="utf-8")
            decided: dict[tuple, str] = {}
            found: list[Filled] = []
            for path, s in _missing(load_yaml(text.encode("utf-8"), positions=False).data):
                answer = rules.kind_of(s["url"], rec.model)
                if answer is None:
                    report.left.append((rid, _dotted(path), s["url"]))
                    continue
                decided[path] = answer[0]
                found.append(Filled(rid, _dotted(path), s["url"], *answer))
            if not decided:
                continue
            new = add_kinds(text, decided)
            if new is None:
                report.not_placed.append(rid)
                continue
            report.filled.extend(found)
            report.files.append(rid)
            if not dry_run:
                _atomic_write(file, new)
    return report
