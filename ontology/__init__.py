"""The ontology, SHACL shapes, examples and saved queries, installed as the data package ``graph.ontology``.

This folder is ``ontology/`` in the repository; ``setup.cfg`` maps it to ``graph.ontology`` so that
``pip install .`` carries these files with the package. It holds no code.
"""
