"""Reading the human-edited YAML files with the line of every mapping kept, within bounds.

Each mapping that ``load`` returns carries its 1-based line under the key ``LINE``, so that
an error about a claim or an entity can name the line a person has to fix.

YAML is read with the safe loader and within bounds, so that no file can exhaust the machine:
at most :data:`MAX_BYTES` of text, and aliases that repeat at most :data:`MAX_ALIASED` values in
all (a "billion laughs" file of a few lines is refused in milliseconds, before anything is built).
A date that YAML reads as a timestamp but that does not exist (``2021-02-30``) is kept as its
text, for the field that takes it to refuse with the claim's line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from graph.model.errors import InputError

__all__ = ["load", "line_of", "LINE", "KEY_LINES", "META", "MAX_BYTES", "MAX_ALIASED"]

#: Key under which every loaded mapping keeps the line it starts on.
LINE = "__line__"
#: Key under which every loaded mapping keeps the line of each of its keys.
KEY_LINES = "__key_lines__"

#: The bookkeeping keys, to skip when iterating over a loaded mapping.
META = frozenset({LINE, KEY_LINES})


def line_of(mapping: Any, key: Any = None) -> int | None:
    """The line of ``key`` in a mapping :func:`load` read (the mapping's own line when ``key`` is ``None`` or
    not one of its keys); ``None`` for anything else."""
    if not isinstance(mapping, dict):
        return None
    line = mapping.get(KEY_LINES, {}).get(key) if key is not None else None
    return line or mapping.get(LINE)


#: The largest YAML file read (bytes).
MAX_BYTES = 256 * 1024 * 1024
#: How many values, in all, aliases (``*name``) may repeat in one file.
MAX_ALIASED = 100_000

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR, _SCALAR = "tag:yaml.org,2002:str", yaml.ScalarNode


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        """A node's tag, as the resolver gives it (it has no path resolvers), with the implicit resolvers
        of each first character listed once (the composer asks for every scalar of a file)."""
        if kind is _SCALAR:
            if implicit[0]:
                found = _RESOLVED.get(value)  # keys and names repeat: each short text resolved once
                if found is not None:
                    return found
                found = self.DEFAULT_SCALAR_TAG
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        found = tag
                        break
                if len(value) <= _RESOLVED_LONGEST and len(_RESOLVED) < _RESOLVED_HELD:
                    _RESOLVED[value] = found
                return found
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to do without path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to do without path resolvers."""


assert not _LineLoader.yaml_path_resolvers, "_LineLoader.resolve assumes no path resolvers"
#: The implicit resolvers a plain scalar tries, by its first character (``""`` for an empty scalar),
#: as ``BaseResolver.resolve`` lists them: the character's, then the wildcard's.
_WILDCARD = list(_LineLoader.yaml_implicit_resolvers.get(None, []))
_IMPLICIT = {first: list(resolvers) + _WILDCARD for first, resolvers in _LineLoader.yaml_implicit_resolvers.items()
             if first is not None}


#: The tags of the plain scalars :meth:`_LineLoader.resolve` resolved (those of at most ``_RESOLVED_LONGEST``
#: characters, at most ``_RESOLVED_HELD`` of them): a tag depends on the text alone.
_RESOLVED: dict[str, str] = {}
_RESOLVED_LONGEST, _RESOLVED_HELD = 100, 200_000


def _value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """``loader.construct_object(node, deep=True)``; a text (a scalar tagged ``str``) without its bookkeeping
    (kept for aliases and recursion, which a text needs not: its value is ``node.value``)."""
    if node.tag == _STR and node.__class__ is _SCALAR:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    if not getattr(loader, "plain", False):  # a merge key (<<) or a value key (=) may be there
        loader.flatten_mapping(node)
    key_lines: dict[Any, int] = {}
    mapping: dict[Any, Any] = {LINE: node.start_mark.line + 1}
    for key_node, value_node in node.value:  # each as _value takes it
        key = key_node.value if key_node.tag == _STR and key_node.__class__ is _SCALAR else \
            loader.construct_object(key_node, deep=True)
        if key in key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = value_node.value if value_node.tag == _STR and value_node.__class__ is _SCALAR else \
            loader.construct_object(value_node, deep=True)
    mapping[KEY_LINES] = key_lines
    return mapping


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """As the safe loader's (a generator: the list first, its items after), its texts taken as :func:`_value` does."""
    data: list = []
    yield data
    if node.__class__ is not yaml.SequenceNode:
        data.extend(loader.construct_sequence(node))  # type: ignore[arg-type]  # raises: not a sequence
    else:
        data.extend([child.value if child.tag == _STR and child.__class__ is _SCALAR else loader.construct_object(child)
                     for child in node.value])


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):  # 2021-02-30, 0000-01-01: the field's check names the claim
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _TooBig(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _check_aliases(root: yaml.Node | None) -> None:
    """Refuse a document whose aliases would repeat more than :data:`MAX_ALIASED` values, or refer to themselves.

    Counts, without building anything, how many values the document has once every alias is
    expanded (each node's count is computed once, so this takes time linear in the file).
    """
    if root is None:
        return
    sizes: dict[int, int] = {}
    unique: set[int] = set()
    active: set[int] = set()
    first_alias: list[int] = []

    def size(node: yaml.Node, parent_line: int) -> int:
        key = id(node)
        if key in sizes:
            if not first_alias:
                first_alias.append(parent_line)
            return sizes[key]
        if key in active:
            raise _TooBig("an alias refers to the value that holds it (a recursive YAML structure)",
                          node.start_mark.line + 1)
        active.add(key)
        unique.add(key)
        line = node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        total = 1
        for child in children:
            total += size(child, line)
            if total - len(unique) > MAX_ALIASED:
                raise _TooBig(f"aliases repeat more than {MAX_ALIASED:,} values (a YAML alias bomb?); "
                              "write the values out", first_alias[0] if first_alias else line)
        active.discard(key)
        sizes[key] = total
        return total

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        size(root, 1)
    except RecursionError:
        raise _TooBig("nested too deeply", None) from None
    finally:
        sys.setrecursionlimit(limit)


def load(path: Path) -> Any:
    """Parse one YAML file; malformed, oversized or alias-bomb YAML raises ``InputError`` naming the file and line."""
    try:
        if path.is_dir():
            raise InputError("is a folder, not a YAML file", file=path)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"is {size:,} bytes; a YAML file may have at most {MAX_BYTES:,}", file=path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                         file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    try:
        loader = _LineLoader(text)
        # without these, no mapping has a merge key (<<, !!merge) or a value key (=, !!value) for the safe
        # loader's flatten_mapping to find (a Python loop over every mapping's keys): skipped
        loader.plain = "<<" not in text and "=" not in text and "!" not in text
        try:
            root = loader.get_single_node()
            if "&" in text:  # no anchor, no alias
                _check_aliases(root)
            return loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except _TooBig as exc:
        raise InputError(str(exc), file=path, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise InputError(f"malformed YAML: {what}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=path) from None
