"""The derived kgg:ties graph: each pair of actors named together by a claim, counted once by the build."""

from rdflib import Dataset

from graph.model.terms import PREFIXES

# What the ties graph summarises, asked of the claims themselves at query time.
FROM_CLAIMS = """
SELECT ?actor ?other (COUNT(DISTINCT ?c) AS ?claims) (COUNT(DISTINCT ?g) AS ?sources) (MIN(?id) AS ?first) WHERE {
  ?actor a ?t1 . ?t1 rdfs:subClassOf skg:Actor . ?other a ?t2 . ?t2 rdfs:subClassOf skg:Actor .
  GRAPH ?g { ?c ?r1 ?actor ; ?r2 ?other ; skg:claimId ?id }
  FILTER(?actor != ?other)
} GROUP BY ?actor ?other"""
FROM_TIES = """
SELECT ?actor ?other ?claims ?sources ?first WHERE {
  GRAPH kgg:ties { ?t a skg:Tie ; skg:tieFrom ?actor ; skg:tieTo ?other ; skg:claimCount ?claims ;
                   skg:sourceCount ?sources ; skg:firstClaim ?fc }
  ?fc skg:claimId ?first
}"""


def _rows(ds, query):
    return {tuple(str(x) for x in r) for r in ds.query(query, initNs=PREFIXES)}


def test_the_ties_graph_says_what_the_seeds_claims_say(seed_out):
    ds = Dataset(default_union=True).parse(seed_out / "serbia-kg.trig", format="trig")
    from_ties = _rows(ds, FROM_TIES)
    assert from_ties == _rows(ds, FROM_CLAIMS)
    serbia_russia = next(r for r in from_ties if r[0].endswith("/serbia") and r[1].endswith("/russia"))
    assert int(serbia_russia[2]) > 5 and serbia_russia[3] == "1"


def test_ties_count_claims_and_sources_across_sources(tmp_path, make_corpus):
    from graph.compile.build import build

    claims = """claims:
  - id: {a}
    type: transfer
    supplier: russia
    recipient: serbia
    system: MiG-29
    quantity: {n}
    quote: "Serbia received MiG-29 fighters from Russia."
"""
    text = "Serbia received MiG-29 fighters from Russia."
    make_corpus(claims.format(a="b-mig", n=6), text=text)
    corpus = make_corpus(claims.format(a="a-mig", n=4), text=text, source_id="second-source")
    build(corpus, tmp_path / "out")
    ds = Dataset(default_union=True).parse(tmp_path / "out" / "serbia-kg.trig", format="trig")
    ties = {(r[0].rsplit("/", 1)[1], r[1].rsplit("/", 1)[1]): r[2:] for r in _rows(ds, FROM_TIES)}
    # two claims, two sources, the first claim by id; one tie node each way
    assert ties == {("russia", "serbia"): ("2", "2", "a-mig"), ("serbia", "russia"): ("2", "2", "a-mig")}
