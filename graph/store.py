"""Where the built dataset is held, behind one rdflib API.

``open_dataset`` gives an ``rdflib.Dataset`` whichever back-end holds the data, so the
projection, the questions and SPARQL work the same on each:

- memory (default): the built TriG in ``out/`` parsed into rdflib's in-memory store;

(More back-ends, an Oxigraph store on disk and a remote SPARQL 1.1 server, plug in here.)
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset

from .errors import NotBuilt
from .terms import PREFIXES

__all__ = ["open_dataset", "TRIG"]

TRIG = "serbia-kg.trig"


def open_dataset(out: Path | None = None) -> Dataset:
    """The built dataset of ``out`` (default ``out/``), in memory.

    Raises
    ------
    NotBuilt
        If ``out`` holds no built dataset: run ``serbia-kg build`` first.
    """
    out = Path(out) if out is not None else Path("out")
    trig = out / TRIG
    if not trig.is_file():
        raise NotBuilt(f"no built dataset in {out}: run 'serbia-kg build' first", file=trig)
    ds = Dataset(default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    ds.parse(trig, format="trig")
    return ds
