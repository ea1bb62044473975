"""Reading about some claims (graph.store.native.Reader.values, having, quotes_of) gives what reading the
whole property gives: the votes', series' and evidence's questions ask about a few claims of a large store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.model.terms import OA, SKG
from graph.store.native import StoreReader, open_store

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROV = "http://www.w3.org/ns/prov#wasDerivedFrom"
PROPS = [RDF_TYPE, PROV, str(SKG.claimId), str(SKG.date), str(SKG.voter), str(SKG.votePosition),
         str(SKG.sourceRow), str(SKG.quantity), "http://purl.org/dc/terms/title"]
QUOTE = (str(SKG.evidence), str(OA.hasSelector), str(OA.exact))


def assert_some_as_whole(store) -> None:
    whole = StoreReader(store)
    claims = sorted(whole.prop(str(SKG.claimId)))
    assert len(claims) > 50
    some = claims[::3] + ["https://w3id.org/serbia-kg/claim/none-such"]
    for p in PROPS:
        table = whole.prop(p)
        assert StoreReader(store).values(p, some) == {s: table[s] for s in some if s in table}, p
        objects = sorted({o for values in table.values() for o in values if type(o) is str})[::2][:40]  # IRIs
        want = {s: [o for o in values if o in objects] for s, values in table.items()}
        assert StoreReader(store).having(p, objects) == {s: v for s, v in want.items() if v}, p
    quotes = whole.quotes(*QUOTE)
    assert StoreReader(store).quotes_of(some, *QUOTE) == {c: quotes[c] for c in some if c in quotes}
    fresh = StoreReader(store)  # a property read whole already: sliced, not asked again
    fresh.prop(str(SKG.claimId))
    assert fresh.values(str(SKG.claimId), some) == {s: whole.prop(str(SKG.claimId))[s] for s in some
                                                     if s in whole.prop(str(SKG.claimId))}


def test_some_claims_as_the_whole_store_on_disk(seed_store):
    assert_some_as_whole(open_store(seed_store))


def test_some_claims_as_the_whole_store_in_memory(sipri_out):
    store = ox.Store()
    store.bulk_load(path=str(sipri_out / "serbia-kg.nq"), format=ox.RdfFormat.N_QUADS)
    assert_some_as_whole(store)


CHAINS = """\
@prefix skg: <https://w3id.org/serbia-kg/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix c: <https://w3id.org/serbia-kg/claim/> .
<https://w3id.org/serbia-kg/graph/one> {
  c:t1 skg:evidence c:t1b . c:t1b oa:hasSelector c:t1bq . c:t1bq oa:exact "the later quote" .
  c:t1 skg:evidence c:t1a . c:t1a oa:hasSelector c:t1aq . c:t1aq oa:exact "the earlier quote" .
  c:t2 skg:evidence [ oa:hasSelector [ oa:exact "through blank nodes" ] ] .
  _:b skg:evidence c:t3e . c:t3e oa:hasSelector c:t3q . c:t3q oa:exact "a blank claim" .
}
"""


@pytest.mark.parametrize("ask", [["t1", "t2", "t3"], ["t2"], ["_:b", "t1"]])
def test_a_claim_with_several_quotes_gives_the_first_as_every_quote_read_gives_it(ask):
    store = ox.Store()
    store.load(CHAINS.encode(), format=ox.RdfFormat.TRIG)
    whole = StoreReader(store).quotes(*QUOTE)
    assert whole["https://w3id.org/serbia-kg/claim/t1"] == "the earlier quote"
    blank = next(c for c in whole if c.startswith("_:"))
    claims = [blank if c == "_:b" else "https://w3id.org/serbia-kg/claim/" + c for c in ask]
    assert StoreReader(store).quotes_of(claims, *QUOTE) == {c: whole[c] for c in claims if c in whole}


CLASSES = [str(SKG.ArmsTransfer), str(SKG.Vote), str(SKG.State), str(SKG.Source), str(SKG.WeaponsSystem),
           str(SKG.MilitaryExercise)]


def assert_read_as_prop(store, props, classes=CLASSES) -> None:
    """Reading properties and classes at once (by object) gives every table and every class's instances as
    reading each alone does, in content."""
    together = StoreReader(store)
    together.read(props, classes)
    for p in props:
        alone = StoreReader(store).prop(p)
        assert together.prop(p) == alone, p
        assert sorted(together.prop(p)) == sorted(alone), p
    for c in classes:
        assert together.instances(c) == StoreReader(store).instances(c), c


def test_reading_at_once_gives_what_reading_alone_gives(seed_store, sipri_out):
    assert_read_as_prop(open_store(seed_store), PROPS)
    store = ox.Store()
    store.bulk_load(path=str(sipri_out / "serbia-kg.nq"), format=ox.RdfFormat.N_QUADS)
    assert_read_as_prop(store, PROPS + [str(SKG.delivery), str(SKG.estimated), str(SKG.supplier)])


SHAPES = """\
@prefix skg: <https://w3id.org/serbia-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix c: <https://w3id.org/serbia-kg/claim/> .
<https://w3id.org/serbia-kg/graph/one> {
  c:a skg:quantity 5, "5"^^xsd:decimal, "5.5"^^xsd:decimal, "five" . c:b skg:quantity 5 .
  c:a skg:system c:s . c:b skg:system c:s . c:c skg:system c:t . c:a a skg:Claim, skg:ArmsTransfer . c:b a skg:Claim .
}
<https://w3id.org/serbia-kg/graph/two> { c:a skg:quantity 5 . c:a skg:system c:s . }
"""


@pytest.mark.parametrize("blank", [False, True])
def test_reading_at_once_keeps_each_value_and_a_blank_subject(blank):
    # several values of a subject, one triple in two graphs, equal numbers of two datatypes, and (a subject
    # that is a blank node, whose IRI cannot be joined) read as prop reads
    store = ox.Store()
    store.load((SHAPES + ("<https://w3id.org/serbia-kg/graph/one> { [] skg:system "
                          "<https://w3id.org/serbia-kg/claim/s> . [] a skg:Claim . }" if blank else "")).encode(),
               format=ox.RdfFormat.TRIG)
    assert_read_as_prop(store, [str(SKG.quantity), str(SKG.system)], [str(SKG.Claim), str(SKG.ArmsTransfer)])
    table = StoreReader(store).prop(str(SKG.quantity))
    assert table["https://w3id.org/serbia-kg/claim/a"] == [5, 5.5, "five"]  # 5 and 5.0 are one number
    assert len(StoreReader(store).prop(str(SKG.system))) == 4 if blank else 3
