"""The attributes of the projected graph's nodes and edges, as network tools take them.

The projection (:mod:`graph.ask.projection`) gives each fact as Python values: lists (``claims``,
``sources``), lists of dicts (``evidence``), ``None`` for the unknown. networkx's GEXF and GraphML
writers, and Gephi, take only strings, numbers and booleans; so the projected graph keeps
:func:`flat_attributes` (each list or dict as its JSON text, named in :data:`JSON_ATTRIBUTE`; ``None``
left out), and :func:`attributes` gives them back. Only ``json`` is imported here, so the questions
answered from a store's caches read evidence without importing rdflib or networkx.
"""

from __future__ import annotations

import json
from typing import Iterable

__all__ = ["JSON_ATTRIBUTE", "flat_attributes", "attributes"]

#: The attribute of a projected node or edge that names (space-separated) its attributes holding JSON text.
JSON_ATTRIBUTE = "json"
#: Edge attributes every fact has; :func:`attributes` gives ``None`` for those a graph leaves out.
_EDGE_KEYS = ("date", "end_date", "quantity")
#: The one encoder of :func:`flat_attributes` (``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``
#: makes one per call: a third of the projected graph's time at 1M triples).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: A text as that encoder writes it (a ``str``, or a subclass of it; anything else is refused with TypeError).
_TEXT = json.encoder.encode_basestring
#: That encoder's C core, made once (``JSONEncoder.encode`` makes one, with a fresh dict of the objects it is in,
#: on every call: half its time on an edge's evidence); without circular checks: a fact's values hold no cycle.
#: (``json.encoder.c_make_encoder`` is not in the type stubs, and is None where the C module is missing.)
_MAKE = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE = _MAKE(None, _ENCODER.default, _TEXT, None, ":", ",", False, False, True) if _MAKE is not None else None
#: Types kept as they are: a text (an IRI, a literal's text, which may be a ``str`` subclass) is checked
#: by ``isinstance`` after these.
_PLAIN = frozenset({str, int, float, bool})


def _json(value: list | tuple | dict) -> str:
    """``value`` as compact JSON text, as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes it."""
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def flat_attributes(attrs: dict) -> dict:
    """Attributes as the projected graph keeps them: each a ``str``, ``int``, ``float`` or ``bool``, as
    networkx's GEXF and GraphML writers (and Gephi) take them.

    A list or dict becomes its JSON text, and its name is listed in :data:`JSON_ATTRIBUTE`; ``None``
    (unknown) is left out. :func:`attributes` undoes it.

    >>> flat_attributes({"sources": ["gmf", "sipri"], "quantity": None, "weight": 2.0})
    {'sources': '["gmf","sipri"]', 'weight': 2.0, 'json': 'sources'}
    """
    out = {key: value for key, value in attrs.items() if value is not None}
    plain = _PLAIN
    listed = [key for key, value in out.items() if type(value) not in plain and isinstance(value, (list, tuple, dict))]
    for key in listed:
        out[key] = _json(out[key])
    if listed:
        out[JSON_ATTRIBUTE] = " ".join(listed)
    return out


def attributes(d: dict, leave_out: Iterable[str] = ()) -> dict:
    """The attributes of a projected node or edge as :func:`facts` gives them: the JSON text of the
    attributes :data:`JSON_ATTRIBUTE` names decoded (``claims``, ``sources``, ``evidence`` as lists), and
    an edge's ``date``, ``end_date`` and ``quantity`` ``None`` when left out. The attributes named in
    ``leave_out`` are dropped, not decoded (a reader that does not need them saves their parsing).

    Works on a graph read back from GEXF or GraphML too; a graph whose attributes are already lists
    (one made by hand) is returned as it is.

    >>> attributes(flat_attributes({"relation": "r", "sources": ["s"], "date": None}))
    {'relation': 'r', 'sources': ['s'], 'date': None, 'end_date': None, 'quantity': None}
    """
    listed = d.get(JSON_ATTRIBUTE)
    if not listed and "relation" not in d and not leave_out:
        return d
    out = {k: v for k, v in d.items() if k not in leave_out} if leave_out else dict(d)
    if listed:
        out.pop(JSON_ATTRIBUTE, None)
        for key in str(listed).split():
            if isinstance(out.get(key), str):
                out[key] = json.loads(out[key])
    if "relation" in out:
        for key in _EDGE_KEYS:
            out.setdefault(key, None)
    return out
