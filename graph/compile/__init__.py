"""Compiling: read sources, turn claims into RDF, link sources' claims of one fact, derive ties, validate
against the SHACL shapes and write the outputs. Imports ``graph.model`` only.
"""
