"""The layout of graph/: no import cycle, and each sub-package imports only the layers below it.

Read from the source with ast (nothing is imported): every ``import`` of a module of ``graph`` at
run time, at the top of a module or inside a function. Imports under ``if TYPE_CHECKING:`` are
annotations only and are left out. The layers are those of docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "graph"

#: What each sub-package may import besides itself (docs/architecture.md, "The packages of graph/").
MAY_IMPORT = {
    "model": set(),
    "compile": {"model"},
    "importers": {"model", "compile"},
    "store": {"model"},
    "ask": {"model", "store"},
    "present": {"model", "ask"},
}

#: Imports that still cross the layers, each with what it waits for. The list only shrinks: a new
#: crossing fails the test, and so does an entry that is no longer needed.
KNOWN = {
    # the dossier's disagreements compare the linked claims again with the compiler's own rules
    ("graph.ask.questions", "graph.compile.corroboration"),
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_only(tree: ast.Module) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {id(n) for child in node.body for n in ast.walk(child)}
    return found


def import_graph() -> nx.DiGraph:
    """Module -> module of graph/ it imports at run time."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    G = nx.DiGraph()
    G.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            else:
                continue
            for target in targets:
                while target not in modules and "." in target:  # a name imported from a module
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name and not name.startswith(target + "."):
                    G.add_edge(name, target)
    return G


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "graph"


def test_the_import_graph_has_no_cycle():
    G = import_graph()
    assert G.number_of_edges() > 100  # the reading works
    assert list(nx.simple_cycles(G)) == []


def test_each_layer_imports_only_the_layers_below():
    crossings = {(a, b) for a, b in import_graph().edges
                 if _layer(a) in MAY_IMPORT and _layer(b) != _layer(a) and _layer(b) not in MAY_IMPORT[_layer(a)]}
    assert crossings - KNOWN == set(), "a new import across the layers"
    assert KNOWN - crossings == set(), "mended: take it off KNOWN"


def test_the_check_finds_a_cycle():
    """The check itself: serialize importing build back (as it once did) makes a cycle."""
    G = import_graph()
    assert G.has_edge("graph.compile.build", "graph.compile.serialize")
    G.add_edge("graph.compile.serialize", "graph.compile.build")
    assert ["graph.compile.build", "graph.compile.serialize"] in [sorted(c) for c in nx.simple_cycles(G)]
