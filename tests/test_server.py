"""The read-only SPARQL endpoint, asked by real HTTP clients (SPARQLWrapper, urllib)."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph.store.server import make_server, negotiate, QueryRefused

MIG = "SELECT ?q WHERE { ?t skg:supplier ent:russia ; skg:system ent:mig-29 ; skg:quantity ?q }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def url(request, seed_out, seed_store):
    store = seed_store if request.param == "oxigraph" else None
    server = make_server(seed_out, store, port=0, timeout=3, max_rows=50, max_query_chars=2000, workers=2)
    assert server.server_address[0] == "127.0.0.1"  # loopback unless told otherwise
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def http(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8")


def get(url, query, accept=None):
    return http(f"{url}/sparql?" + urllib.parse.urlencode({"query": query}),
                headers={"Accept": accept} if accept else {})


def test_sparqlwrapper_select_json(url):
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(MIG)
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert [b["q"]["value"] for b in data["results"]["bindings"]] == ["6"]


def test_sparqlwrapper_post_csv_and_construct(url):
    client = SPARQLWrapper(f"{url}/sparql")
    client.setMethod("POST")
    client.setQuery("SELECT ?label WHERE { ?t skg:supplier ent:belarus ; skg:system/skos:prefLabel ?label }")
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines() == ["label", "MiG-29"]
    client.setQuery("CONSTRUCT { ?t skg:supplier ?s } WHERE { ?t skg:supplier ?s ; skg:system ent:t-72 }")
    client.setReturnFormat(TURTLE)
    from rdflib import Graph

    from graph.model.terms import ENTITY, SKG

    got = Graph().parse(data=client.query().convert().decode(), format="turtle")
    assert set(got.objects(None, SKG.supplier)) == {ENTITY.russia}


def test_post_bodies_and_content_negotiation(url):
    status, ctype, body = http(f"{url}/sparql", data=MIG.encode(),
                               headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and ctype.startswith("text/csv") and body.splitlines() == ["q", "6"]
    form = urllib.parse.urlencode({"query": MIG}).encode()
    status, ctype, body = http(f"{url}/sparql", data=form,
                               headers={"Accept": "application/sparql-results+xml"})
    assert status == 200 and ctype.startswith("application/sparql-results+xml") and "<literal" in body
    status, ctype, body = get(url, MIG, "text/tab-separated-values")
    assert body.splitlines()[0] == "?q"
    status, ctype, body = get(url, "ASK { ?t skg:supplier ent:china }")
    assert status == 200 and json.loads(body)["boolean"] is True  # JSON by default
    status, ctype, body = get(url, "DESCRIBE ent:kornet", "application/n-triples")
    assert status == 200 and ctype.startswith("application/n-triples") and "Kornet" in body
    status, _, body = get(url, MIG, "image/png")
    assert status == 406 and "offered" in body


def test_several_clients_at_once(url):
    queries = {f"SELECT ?q WHERE {{ ?t skg:system ent:{s} ; skg:supplier ent:{p} ; skg:quantity ?q }}": q
               for s, p, q in [("mig-29", "russia", "6"), ("mig-29", "belarus", "4"), ("t-72", "russia", "30")]}
    jobs = list(queries.items()) * 4

    def ask(job):
        status, _, body = get(url, job[0])
        return status, [b["q"]["value"] for b in json.loads(body)["results"]["bindings"]], job[1]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(ask, jobs))
    assert all(status == 200 and got == [want] for status, got, want in results)


def test_updates_are_refused(url):
    update = "INSERT DATA { ent:a ent:b ent:c }"
    status, _, body = http(f"{url}/sparql", data=urllib.parse.urlencode({"update": update}).encode())
    assert status == 403 and "read-only" in body
    status, _, body = http(f"{url}/sparql", data=update.encode(),
                           headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and "read-only" in body
    status, _, body = get(url, update)
    assert status == 403 and "SPARQL Update is refused" in body
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery("DROP ALL")
    client.setMethod("POST")
    with pytest.raises(urllib.error.HTTPError) as refused:  # SPARQLWrapper passes a 403 through
        client.query()
    assert refused.value.code == 403
    assert get(url, MIG)[0] == 200  # nothing changed
    assert json.loads(get(url, MIG)[2])["results"]["bindings"][0]["q"]["value"] == "6"


def test_service_calls_are_refused(url):
    status, _, body = get(url, "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }")
    assert status == 403 and "SERVICE" in body


def test_bad_and_oversized_queries(url):
    status, _, body = get(url, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and "syntax error" in body
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        client.query()
    long_query = MIG + " #" + "x" * 3000
    status, _, body = get(url, long_query)
    assert status == 413 and "longer than 2000 characters" in body
    status, _, body = get(url, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 422 and "more than 50 rows" in body
    status, _, body = get(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 50")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 50


def test_a_runaway_query_is_stopped_and_the_server_goes_on(url):
    status, _, body = get(url, RUNAWAY)
    assert status == 503 and "longer than 3 s" in body
    # the other worker answers at once, the stopped one is replaced
    for _ in range(3):
        assert get(url, MIG)[0] == 200


def test_query_page_works_offline_and_lists_saved_questions(url):
    status, ctype, page = http(f"{url}/")
    assert status == 200 and ctype.startswith("text/html")
    assert "<textarea" in page and "fetch('sparql'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no CDN, nothing fetched outside
    status, _, body = http(f"{url}/saved")
    saved = json.loads(body)
    assert len(saved) >= 12
    origin = next(q for q in saved if q["name"] == "systems-by-origin")
    assert "VALUES" in origin["query"]  # defaults bound, the query runs as it is
    evidence = next(q for q in saved if q["name"] == "claim-evidence")  # a required parameter, said on the page
    assert [p["required"] for p in evidence["params"] if p["name"] == "claim"] == [True]
    assert "p.required ? ' (required: add a line VALUES ?'" in page
    status, _, body = http(f"{url}/sparql", data=origin["query"].encode(),
                           headers={"Content-Type": "application/sparql-query"})
    labels = {b["label"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert labels == {"MiG-29", "T-72", "Pantsir S1", "Kornet"}
    assert http(f"{url}/nowhere")[0] == 404


def test_negotiate():
    assert negotiate("SELECT", "text/csv;q=0.5, application/sparql-results+json", None) == "json"
    assert negotiate("SELECT", None, "csv") == "csv"
    assert negotiate("CONSTRUCT", "*/*", None) == "turtle"
    with pytest.raises(QueryRefused):
        negotiate("CONSTRUCT", None, "csv")
