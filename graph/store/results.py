"""ASK results (JSON, XML, CSV, TSV) as the endpoint writes them.

SELECT results are written by Oxigraph's own serialisers (:func:`graph.store.endpoint._solutions`);
an ASK's is written here because CSV and TSV define no boolean form and Oxigraph writes a bare word.

>>> boolean(True, "csv")
b'_askResult\\r\\ntrue\\r\\n'
"""

from __future__ import annotations

import json

__all__ = ["boolean"]

def boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    # CSV and TSV define no boolean form; this is the one Jena and RDF4J give (one column).
    return (f"_askResult\r\n{word}\r\n" if fmt == "csv" else f"?_askResult\n{word}\n").encode()
