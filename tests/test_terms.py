"""The ontology and its namespace module agree, and every term is documented."""

import subprocess
import sys

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, DCTERMS

from graph.model.resources import ontology_graph
from graph.model.terms import SKG, SKV

from conftest import REPO


def test_terms_module_is_generated_from_the_ontology():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_terms.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_misspelt_term_fails():
    with pytest.raises(AttributeError):
        SKG.ArmsTransfr  # noqa: B018
    with pytest.raises(AttributeError):
        SKV["fighter-aircrafts"]  # noqa: B018


def test_every_term_has_a_label_and_a_comment():
    g = ontology_graph()
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and (str(s).startswith(str(SKG))
                                                                  or str(s).startswith(str(SKV)))}
    assert len(terms) > 100
    for term in terms:
        assert (term, RDFS.label, None) in g or (term, SKOS.prefLabel, None) in g, term
        assert (term, RDFS.comment, None) in g, term


def test_ontology_header_has_version_licence_and_fixed_dates():
    g = ontology_graph()
    onto = next(g.subjects(RDF.type, OWL.Ontology))
    assert g.value(onto, OWL.versionInfo) is not None
    assert g.value(onto, OWL.versionIRI) is not None
    assert g.value(onto, DCTERMS.license) is not None
    assert str(g.value(onto, DCTERMS.created)) == "2026-11-28"


def test_system_categories_are_a_skos_scheme():
    g = ontology_graph()
    cats = set(g.subjects(SKOS.inScheme, SKV.SystemCategories))
    labels = {str(g.value(c, SKOS.prefLabel)) for c in cats}
    for wanted in ("fighter aircraft", "main battle tank", "armoured vehicle", "air-defence system",
                   "anti-tank missile", "armed drone", "helicopter"):
        assert wanted in labels
