"""Safe YAML reading that keeps line numbers.

Recipes come from strangers' pull requests, so this reader is defensive: size and depth limits,
strict UTF-8, no anchors/aliases (which is what makes "billion laughs" files possible), no
duplicate keys. It returns plain data plus a map from each key path to its (line, column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is much faster; fall back to the pure-Python loader where it is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_BYTES = 512 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000
MAX_INT = 2**63 - 1  # what SQLite stores as an integer
MAX_INT_CHARS = 40
MAX_ITEMS = 2_000  # per list; the largest list in the bundled catalog has 51 items
# The only tags a recipe can use (all implicit: strings, numbers, booleans, null, dates, mappings, lists).
# `!!binary`, `!!set`, `!!omap`, `!!python/...` and custom `!tags` are refused, not silently converted.
_CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}

Path = tuple[str | int, ...]


@dataclass
class YamlError(Exception):
    """A file that cannot be read as a recipe document."""

    message: str
    line: int = 1
    column: int = 1
    field: str = ""

    def __str__(self) -> str:
        return self.message


@dataclass
class Document:
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int, int]:
        """Line and column of the deepest part of `path` the file actually has."""
        for cut in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:cut]))
            if pos:
                return pos
        return (1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _first_alias(text: str) -> tuple[int, int] | None:
    """Where the first `*alias` is written (the composed node only knows where its anchor is)."""
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.AliasToken):
                return _mark(token)
    except yaml.YAMLError:  # pragma: no cover - the text already parsed once
        pass
    return None


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, text: str = "", positions: bool = True) -> None:
        self.loader = loader
        self.text = text
        self.keep = positions
        self.seen: set[int] = set()
        self.count = 0
        self.positions: dict[Path, tuple[int, int]] = {}

    def walk(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError(f"too many YAML nodes (limit {MAX_NODES})", *_mark(node))
        if len(path) > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", *_mark(node), field=_dotted(path))
        if id(node) in self.seen:
            where = _first_alias(self.text) or _mark(node)
            raise YamlError("YAML anchors and aliases are not allowed in recipes", *where, field=_dotted(path))
        self.seen.add(id(node))
        if self.keep:
            self.positions.setdefault(path, _mark(node))
        tag = node.tag or ""
        allowed = SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else {_CORE + "map", _CORE + "seq"}
        if tag not in allowed:
            shown = tag.replace(_CORE, "!!")
            raise YamlError(f"YAML tag {shown} is not allowed in recipes; write plain values", *_mark(node),
                            field=_dotted(path))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlError("mapping keys must be plain strings", *_mark(key_node), field=_dotted(path))
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlError("YAML merge keys (<<) are not allowed in recipes", *_mark(key_node))
                key = str(key_node.value)
                if key in out:
                    raise YamlError(f"duplicate key {key!r}", *_mark(key_node), field=_dotted(path + (key,)))
                if self.keep:
                    self.positions[path + (key,)] = _mark(key_node)
                out[key] = self.walk(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > MAX_ITEMS:
                raise YamlError(f"list has {len(node.value)} items; recipes allow at most {MAX_ITEMS} per list",
                                *_mark(node), field=_dotted(path))
            return [self.walk(item, path + (i,)) for i, item in enumerate(node.value)]
        if tag == _CORE + "str":  # most scalars: no constructor needed
            return node.value
        if tag == _CORE + "int" and len(node.value) > MAX_INT_CHARS:  # int() of 5,000 digits raises, and is slow
            raise YamlError(f"number is too large (over {MAX_INT_CHARS} characters)", *_mark(node), field=_dotted(path))
        try:
            value = self.loader.construct_object(node)
        except yaml.YAMLError as exc:
            raise YamlError(f"bad value: {exc}", *_mark(node), field=_dotted(path)) from None
        except (ValueError, OverflowError) as exc:  # a date that is no date (2026-02-30), a time out of range
            kind = {"timestamp": "date"}.get(tag.replace(_CORE, ""), "value")
            raise YamlError(f"not a valid {kind}: {node.value!r} ({exc})", *_mark(node), field=_dotted(path)) from None
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
            raise YamlError(f"number is too large (recipes allow at most {MAX_INT})", *_mark(node), field=_dotted(path))
        return value


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def load_yaml(raw: bytes, positions: bool = True) -> Document:
    """Parse one recipe document; raise YamlError with a position for anything unacceptable.
    `positions=False` skips the map of where each value sits (errors raised here still carry theirs)."""
    if len(raw) > MAX_BYTES:
        raise YamlError(f"file is {len(raw)} bytes; recipes are limited to {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError("file is not valid UTF-8", line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise YamlError("file is empty")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(f"YAML syntax: {exc.problem or exc.context}", line, col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        head = text.encode("utf-8")[: exc.position]  # libyaml counts bytes of the UTF-8 text
        line, col = head.count(b"\n") + 1, len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        char = ord(exc.character) if isinstance(exc.character, str) else exc.character  # pure-Python reader: a str
        raise YamlError(f"character #x{char:04x} is not allowed in YAML: {exc.reason}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise YamlError("file has no YAML document")
    walker = _Walker(loader, text, positions)
    data = walker.walk(root, ())
    if not isinstance(data, dict):
        raise YamlError("a recipe must be a mapping of field: value", *_mark(root))
    return Document(data, walker.positions)


def dump_yaml(data: Any) -> str:
    """Write recipe data in block style, keys in the order given (the canonical field order)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # never write anchors
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)
