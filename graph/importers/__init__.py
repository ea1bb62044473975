"""Importers: structured datasets turned into sources of the corpus.

An importer reads a dataset someone downloaded (never shipped with the repository), and writes
it as an ordinary source folder: ``source.yaml`` (``kind: dataset``), the dataset's rows
verbatim as the source's text, and ``claims.yaml`` with one claim per fact whose quote is
its row(s). The build then treats it like any other source. :mod:`graph.importers.sipri`
reads SIPRI's Arms Transfers Database.
"""

__all__ = ["sipri"]
