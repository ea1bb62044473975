"""Asking: the projection of the RDF dataset into networkx (one model of facts) and the questions answered
from it (supplies, path, centrality, ties), each answer with its evidence.
"""
