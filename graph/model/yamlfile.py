"""Reading the human-edited YAML files with the line of every mapping kept.

Each mapping that ``load`` returns carries its 1-based line under the key ``LINE``, so that
an error about a claim or an entity can name the line a person has to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from graph.model.errors import InputError

__all__ = ["load", "LINE", "KEY_LINES", "META"]

#: Key under which every loaded mapping keeps the line it starts on.
LINE = "__line__"
#: Key under which every loaded mapping keeps the line of each of its keys.
KEY_LINES = "__key_lines__"

#: The bookkeeping keys, to skip when iterating over a loaded mapping.
META = frozenset({LINE, KEY_LINES})

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    key_lines: dict[Any, int] = {}
    mapping: dict[Any, Any] = {LINE: node.start_mark.line + 1}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)
    mapping[KEY_LINES] = key_lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path) -> Any:
    """Parse one YAML file; malformed YAML raises ``InputError`` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=path) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise InputError(f"malformed YAML: {what}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=path) from None
