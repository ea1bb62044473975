"""The files that travel with the package: the ontology, the shapes, the examples, the saved queries.

They live in ``ontology/`` of the repository and are installed as the data package
``graph.ontology``; this module finds them either way.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rdflib is imported when a graph is parsed: light commands do not need it
    from rdflib import Graph

__all__ = ["ontology_dir", "ontology_graph", "shapes_graph", "ONTOLOGY_FILE", "SHAPES_FILE", "DATASET"]

ONTOLOGY_FILE = "serbia-kg.ttl"
SHAPES_FILE = "shapes/shapes.ttl"
#: The dataset's IRI: what the VoID description (out/void.ttl) and the endpoint's service description describe.
DATASET = "https://w3id.org/serbia-kg/dataset"


def ontology_dir() -> Path:
    """The folder of the ontology files (``ontology/`` in a checkout, ``graph/ontology`` when installed)."""
    try:
        return Path(str(resources.files("graph.ontology")))
    except ModuleNotFoundError:  # running from a checkout that is not installed
        return Path(__file__).resolve().parents[2] / "ontology"


@lru_cache(maxsize=None)
def _parsed(name: str) -> Graph:
    from rdflib import Graph

    return Graph().parse(ontology_dir() / name, format="turtle")


def ontology_graph() -> Graph:
    """The ontology as an rdflib graph (parsed once per process; do not modify it)."""
    return _parsed(ONTOLOGY_FILE)


def shapes_graph() -> Graph:
    """The SHACL shapes as an rdflib graph (parsed once per process; do not modify it)."""
    return _parsed(SHAPES_FILE)
