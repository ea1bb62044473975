"""Stores and SPARQL: the in-memory dataset, the Oxigraph store on disk, a remote SPARQL server, running
ad-hoc and saved queries, the read-only endpoint, and caches filled from the stores (the supplies index).
"""
