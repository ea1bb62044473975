"""serbia-kg: a knowledge graph of Serbia's foreign security ties.

Sources -> claims (each with its quote) -> RDF (one named graph per source) -> networkx -> views.
The library does everything the ``serbia-kg`` command does::

    from graph.compile.build import build, validate
    comp, summary = build("sources")      # writes out/ beside the corpus
"""

__version__ = "0.1.0"
