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


class _Walker:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
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
            raise YamlError("YAML anchors and aliases are not allowed in recipes", *_mark(node), field=_dotted(path))
        self.seen.add(id(node))
        self.positions.setdefault(path, _mark(node))
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
                self.positions[path + (key,)] = _mark(key_node)
                out[key] = self.walk(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node)
        except yaml.YAMLError as exc:
            raise YamlError(f"bad value: {exc}", *_mark(node), field=_dotted(path)) from None


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def load_yaml(raw: bytes) -> Document:
    """Parse one recipe document; raise YamlError with a position for anything unacceptable."""
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
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise YamlError("file has no YAML document")
    walker = _Walker(loader)
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
