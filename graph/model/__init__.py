"""The model: the ontology's terms, the registry of entities and the one way names are matched, dates, errors.

Everything else in ``graph`` builds on these modules; they import nothing else of ours.
"""
