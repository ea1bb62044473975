"""SPARQL on the dataset: prefixes, formats, errors, and every saved question on every store."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.cli import main
from graph.model.errors import InputError, UnknownName
from graph.store.querytext import bind_values, set_page
from graph.store.sparql import (Param, check_syntax, format_result, resolve_param, run_text, saved_queries,
                                saved_query)
from graph.store.backends import open_dataset
from graph.model.terms import ENTITY, SKV, SOURCE

from conftest import SEED_ID


@pytest.fixture(scope="module")
def mem(seed_out):
    return open_dataset(seed_out)


def cli(*args):
    res = CliRunner().invoke(main, list(args))
    return res


def rows(ds, name, **params):
    q = saved_query(name)
    result = run_text(ds, q.text, params, declared=q.params, where=name)
    return [{str(v): row[i] for i, v in enumerate(result.vars)} for row in result]


# --- the library of saved questions ---------------------------------------------------------------

def test_at_least_twelve_saved_questions_each_saying_what_it_answers():
    found = saved_queries()
    assert len(found) >= 12
    for q in found:
        assert q.text.startswith("# ") and len(q.purpose) > 30, q.name
        for p in q.params:
            assert f"# param: {p.name} ({p.kind})" in q.text


def test_systems_of_russian_origin_in_serbian_service(mem):
    got = {str(r["label"]): r["quantity"] for r in rows(mem, "systems-by-origin")}
    assert set(got) == {"MiG-29", "T-72", "Pantsir S1", "Kornet"}
    assert got["MiG-29"].toPython() == 6 and got["T-72"].toPython() == 30 and got["Kornet"] is None
    # the other supplier of MiG-29s, bound by name
    belarus = rows(mem, "systems-by-origin", supplier="Belarus")
    assert [(str(r["label"]), r["quantity"].toPython()) for r in belarus] == [("MiG-29", 4)]


def test_transfers_to_serbia_by_supplier_and_year(mem):
    got = rows(mem, "transfers-by-supplier")
    suppliers = {r["supplier"] for r in got}
    assert {ENTITY.russia, ENTITY.belarus, ENTITY.china} <= suppliers
    mig = [r for r in got if r["supplier"] == ENTITY.russia and r["system"] == ENTITY["mig-29"]]
    assert len(mig) == 1 and mig[0]["quantity"].toPython() == 6
    kornet = [r for r in got if r["system"] == ENTITY.kornet][0]
    assert str(kornet["year"]) == "2022"  # delivered 2022-01
    assert all(r["supplier"] != ENTITY.russia or r["claim"] != Literal("s-400-russia-to-turkey") for r in got)


def test_an_optional_filter_keeps_only_what_it_names_on_every_store(mem, seed_store):
    """A parameter bound on an optional property (a transfer's supplier) filters: it does not relabel rows."""
    ox = open_dataset(store=seed_store)
    for ds in (mem, ox):
        belarus = rows(ds, "transfers-by-supplier", supplier="Belarus")
        assert [(r["supplier"], str(r["claim"])) for r in belarus] == [(ENTITY.belarus, "mig-29-belarus-to-serbia")]
        russia = rows(ds, "transfers-by-supplier", supplier="russia")
        assert len(russia) == 5 and {r["supplier"] for r in russia} == {ENTITY.russia}
        assert rows(ds, "alignment-rates", aligned_with="Russia") == []
        assert len(rows(ds, "alignment-rates", aligned_with="European Union")) == 5


def test_exercises_by_partner_and_year(mem):
    got = [(r["partner"], str(r["year"]), str(r["exercise"])) for r in rows(mem, "exercises-by-partner")]
    assert got == [(ENTITY.russia, "2021", "Joint Response 2021"), (ENTITY.russia, "2021", "Slavic Shield 2021")]


def test_statements_by_speaker(mem):
    got = rows(mem, "statements-by-speaker", speaker="Vucic")
    assert got and {r["speaker"] for r in got} == {ENTITY["aleksandar-vucic"]}
    everyone = rows(mem, "statements-by-speaker")
    assert len(everyone) > len(got)
    assert any(r["speaker"] == SOURCE[SEED_ID] and r["kind"] == SKV.recommendation for r in everyone)


def test_alignment_rates_side_by_side(mem):
    got = [(r["country"], r["percentage"].toPython()) for r in rows(mem, "alignment-rates")]
    assert (ENTITY.serbia, Decimal("61.0")) in got
    assert got[-1][0] == ENTITY.serbia  # lowest of the five
    assert len(got) == 5


def test_ties_resting_on_one_source_and_their_sources(mem):
    single = rows(mem, "single-source-ties")  # the ties of Serbia (the default actor)
    assert single and all(ENTITY.serbia in (r["a"], r["b"]) for r in single)
    assert all(str(r["a"]) < str(r["b"]) for r in single)
    pair = [r for r in single if {r["a"], r["b"]} == {ENTITY.serbia, ENTITY.russia}]
    assert pair and pair[0]["source"] == SOURCE[SEED_ID] and pair[0]["claims"].toPython() >= 5
    assert single[0] == pair[0]  # most claims first
    russia = rows(mem, "single-source-ties", actor="Russia")
    assert {r["a"] for r in russia} | {r["b"] for r in russia} >= {ENTITY.russia, ENTITY.serbia}
    support = rows(mem, "tie-sources", a="serbia", b="russia")
    claims = {str(r["claim"]) for r in support}
    assert {"mig-29-russia-to-serbia", "slavic-shield-2021"} - claims == {"slavic-shield-2021"}  # via forces
    assert all("Russia" in str(r["quote"]) or "Moscow" in str(r["quote"]) or "Russian" in str(r["quote"])
               or r["class"] for r in support)
    assert {r["source"] for r in support} == {SOURCE[SEED_ID]}


def test_actors_tied_to_both_russia_and_china(mem):
    actors = {r["actor"] for r in rows(mem, "tied-to-both")}
    assert ENTITY.serbia in actors
    assert ENTITY.russia not in actors and ENTITY.china not in actors


def test_evidence_for_a_claim_is_asked_for_one_claim(mem, seed_out):
    with pytest.raises(InputError, match="parameter 'claim' is required"):
        rows(mem, "claim-evidence")
    res = cli("sparql", "--out", str(seed_out), "--saved", "claim-evidence")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "parameter 'claim' is required" in res.stderr and "--param claim=" in res.stderr


def test_evidence_for_a_claim(mem):
    got = rows(mem, "claim-evidence", claim="mig-29-russia-to-serbia")
    props = {(str(r["property"]), r["value"]) for r in got}
    assert ("https://w3id.org/serbia-kg/ontology#supplier", ENTITY.russia) in props
    quotes = {str(r["quote"]) for r in got}
    assert {" ".join(q.split()) for q in quotes} == {"It has received 6 MiG-29 fighters from Russia"}
    start, end = got[0]["start"].toPython(), got[0]["end"].toPython()
    assert end - start == len(quotes.pop())  # the exact words, as they stand in the text


def test_sanctions_votes_memberships_positions_audit(mem):
    sanctions = rows(mem, "sanctions-by-imposer", imposer="United States")
    assert [(r["target"], r["basis"]) for r in sanctions] == [(ENTITY.turkey, ENTITY.caatsa)]
    votes = {(r["voter"], r["position"]) for r in rows(mem, "votes-on-resolution")}
    assert (ENTITY.serbia, SKV.against) in votes and (ENTITY["united-states"], SKV["in-favour"]) in votes
    orgs = {r["organisation"] for r in rows(mem, "memberships")}
    assert ENTITY["partnership-for-peace"] in orgs
    assert any(r["holder"] == ENTITY.serbia and r["stance"] == SKV.opposes
               for r in rows(mem, "positions-on-topic"))
    audit = rows(mem, "audit-claims")
    assert len(audit) == len({str(r["claim"]) for r in audit}) >= 57
    assert all(str(r["quote"]).strip() for r in audit)


def test_claims_per_source_by_named_graph(mem):
    got = {str(r["class"]).split("#")[1]: r["claims"].toPython() for r in rows(mem, "claims-per-source")}
    assert got["ArmsTransfer"] >= 8 and got["Statement"] >= 10
    assert {str(r["graph"]) for r in rows(mem, "claims-per-source")} == {f"https://w3id.org/serbia-kg/graph/{SEED_ID}"}


def test_claims_about_an_entity_as_a_graph(mem):
    q = saved_query("claims-about-entity")
    result = run_text(mem, q.text, {"entity": "Kornet"}, declared=q.params)
    assert result.type == "CONSTRUCT"
    ids = {str(o) for o in result.graph.objects(None, URIRef("https://w3id.org/serbia-kg/ontology#claimId"))}
    assert ids == {"kornet-russia-to-serbia"}


# --- every saved question on memory, Oxigraph and the remote server --------------------------------

def _norm(term):
    """Compare values, not spellings: Oxigraph keeps xsd:integer for derived integer types."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in (XSD.integer, XSD.nonNegativeInteger, XSD.decimal, XSD.double, XSD.int, XSD.long):
            return ("number", Decimal(str(term.toPython())))
        if term.datatype in (None, XSD.string):
            return ("string", str(term), term.language)
        return ("literal", str(term), str(term.datatype))
    return (type(term).__name__, str(term))


#: Values for the parameters a saved question cannot run without.
REQUIRED = {"claim-evidence": {"claim": "mig-29-russia-to-serbia"}}
#: More parameter sets, each compared across stores as the defaults are.
VARIANTS = [
    ("transfers-by-supplier", {"supplier": "Belarus"}), ("transfers-by-supplier", {"recipient": "turkey"}),
    ("systems-by-origin", {"supplier": "Belarus"}), ("exercises-by-partner", {"partner": "russia"}),
    ("exercises-by-partner", {"actor": "russia"}), ("statements-by-speaker", {"speaker": "Vucic"}),
    ("statements-by-speaker", {"kind": "skv:recommendation"}), ("alignment-rates", {"aligned_with": "european-union"}),
    ("tie-sources", {"a": "serbia", "b": "china"}), ("tied-to-both", {"a": "serbia", "b": "european-union"}),
    ("single-source-ties", {"actor": "russia"}), ("sanctions-by-imposer", {"imposer": "United States"}),
    ("votes-on-resolution", {"voter": "serbia"}), ("positions-on-topic", {"holder": "serbia"}),
    ("claims-about-entity", {"entity": "Kornet"}), ("claim-evidence", {"claim": "kornet-russia-to-serbia"}),
    ("audit-claims", {"limit": "7", "offset": "20"}), ("statements-by-speaker", {"limit": "5", "offset": "3"}),
]


def _answers(ds, q, params=None):
    params = REQUIRED.get(q.name, {}) if params is None else params
    result = run_text(ds, q.text, params, declared=q.params, where=q.name)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return sorted(tuple(_norm(t) for t in triple) for triple in result.graph)
    return sorted((tuple(_norm(t) for t in row) for row in result), key=repr)


@pytest.fixture(scope="module")
def memory_answers(mem):
    """Every saved question's answers (with its defaults) on the in-memory store, computed once."""
    return {q.name: _answers(mem, q) for q in saved_queries()}


@pytest.fixture(scope="module")
def memory_variants(mem):
    """The answers to :data:`VARIANTS` on the in-memory store."""
    return [_answers(mem, saved_query(name), params) for name, params in VARIANTS]


@pytest.mark.server
def test_every_saved_question_gives_the_same_answers_on_every_store(memory_answers, memory_variants, seed_store,
                                                                     seed_endpoint):
    stores = {"oxigraph": open_dataset(store=seed_store), "remote": open_dataset(endpoint=seed_endpoint)}
    for q in saved_queries():
        assert memory_answers[q.name], f"{q.name}: empty on the seed data"
        for name, ds in stores.items():
            assert _answers(ds, q) == memory_answers[q.name], f"{q.name}: {name} differs from memory"
    for (q, params), expected in zip(VARIANTS, memory_variants):
        for name, ds in stores.items():
            assert _answers(ds, saved_query(q), params) == expected, f"{q} {params}: {name} differs from memory"


def test_every_saved_question_is_the_same_on_memory_and_oxigraph(memory_answers, memory_variants, seed_store):
    ox = open_dataset(store=seed_store)
    for q in saved_queries():
        assert _answers(ox, q) == memory_answers[q.name] != [], q.name
    for (q, params), expected in zip(VARIANTS, memory_variants):
        assert _answers(ox, saved_query(q), params) == expected != [], f"{q} {params}"


# --- parameters, syntax, formats -------------------------------------------------------------------

def test_parameters_are_bound_as_terms_never_pasted(mem):
    evil = 'x" } } ; DROP ALL ; SELECT * { "'
    q = bind_values("SELECT ?c WHERE { ?c skg:claimId ?claim }", {"claim": Literal(evil)})
    check_syntax(q)  # still one valid query
    assert rows(mem, "claim-evidence", claim=evil) == []
    with pytest.raises(InputError):
        bind_values("SELECT ?c WHERE { ?c ?p ?o }", {"p } DROP ALL {": Literal("x")})


def test_bind_values_skips_braces_in_strings_iris_and_comments():
    text = '# a { comment\nSELECT ?s WHERE # where {\n{ ?s ?p "{" }'
    bound = bind_values(text, {"p": URIRef("http://x/p")})
    assert bound.endswith('{ VALUES ?p { <http://x/p> } ?s ?p "{" }')


# --- pages and required parameters ----------------------------------------------------------------

def test_set_page_rewrites_the_last_limit_and_its_offset():
    q = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 } } ORDER BY ?s LIMIT 100"
    assert set_page(q, limit=10).endswith("ORDER BY ?s LIMIT 10")
    assert set_page(q, offset=30).endswith("ORDER BY ?s LIMIT 100 OFFSET 30")
    assert set_page("SELECT * { ?s ?p ?o } OFFSET 5 LIMIT 2", limit=3) == "SELECT * { ?s ?p ?o } LIMIT 3 OFFSET 5"
    assert set_page('SELECT * { ?s ?p "LIMIT 9" } LIMIT 2 # LIMIT 7', limit=4) == \
        'SELECT * { ?s ?p "LIMIT 9" } LIMIT 4 # LIMIT 7'  # strings and comments are not clauses
    for bad in ({"limit": 0}, {"offset": -1}):
        with pytest.raises(InputError, match="bad page"):
            set_page(q, **bad)
    with pytest.raises(InputError, match="no LIMIT clause"):
        set_page("SELECT * { ?s ?p ?o }", limit=3)


def test_parameters_are_bound_where_the_page_is_taken():
    paged = "SELECT ?s ?n WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 100 } ?s ?q ?n }"
    bound = bind_values(paged, {"o": URIRef("http://x/o")})
    assert "{ SELECT ?s WHERE { VALUES ?o { <http://x/o> } ?s ?p ?o } ORDER BY" in bound
    outer = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } ?s ?q ?n } LIMIT 10"
    assert bind_values(outer, {"n": Literal(1)}, form="bind").startswith(
        'SELECT ?s WHERE { BIND("1"^^<http://www.w3.org/2001/XMLSchema#integer> AS ?n)')
    several = bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": [URIRef("http://x/a"), URIRef("http://x/b")]},
                          form="bind")
    assert several == "SELECT ?s WHERE { VALUES ?o { <http://x/a> <http://x/b> } ?s ?p ?o }"


def test_parameters_are_bound_in_the_sub_selects_that_name_them():
    """A sub-select nested where the page is taken selects its rows by the parameter too (not one
    that makes the variable with AS, nor one that does not name it)."""
    text = ("SELECT ?c WHERE { { SELECT ?c WHERE { { SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x ?r ?e } } } "
            "{ SELECT ?c WHERE { ?c ?p ?o } } { SELECT (?y AS ?e) WHERE { ?y ?q ?z } } GRAPH ?g { ?c ?r2 ?e } } "
            "ORDER BY ?c LIMIT 10 } ?c ?s ?t }")
    bound = bind_values(text, {"e": URIRef("http://x/e")})
    b = "VALUES ?e { <http://x/e> }"
    assert bound.count(b) == 2
    assert f"{{ SELECT ?c WHERE {{ {b} {{ SELECT DISTINCT ?g WHERE {{ {b} GRAPH ?g" in bound
    assert "{ SELECT ?c WHERE { ?c ?p ?o } }" in bound and "WHERE { ?y ?q ?z }" in bound


def test_a_pre_selection_ending_where_the_page_ends_follows_the_page():
    text = ("SELECT ?c WHERE { { SELECT ?c WHERE { { SELECT ?g WHERE { ?g ?p ?o } ORDER BY ?g LIMIT 100 } "
            "{ SELECT ?h WHERE { ?h ?p ?o } LIMIT 1 } ?c ?q ?g } ORDER BY ?c LIMIT 100 } }")
    paged = set_page(text, limit=10, offset=30)
    assert "ORDER BY ?g LIMIT 40 }" in paged and "ORDER BY ?c LIMIT 10 OFFSET 30 }" in paged
    assert "LIMIT 1 }" in paged  # not the page's end: left as it is
    assert "ORDER BY ?g LIMIT 10 }" in set_page(text, limit=10)


def test_saved_questions_page_their_rows(mem, seed_store):
    ox = open_dataset(store=seed_store)
    for ds in (mem, ox):
        everything = [r["claim"] for r in rows(ds, "audit-claims", limit="1000")]
        assert len(everything) == len(set(everything)) >= 57
        assert [r["claim"] for r in rows(ds, "audit-claims")] == everything  # the default page holds them all
        pages = [[r["claim"] for r in rows(ds, "audit-claims", limit="10", offset=str(o))] for o in range(0, 70, 10)]
        assert [len(p) for p in pages[:5]] == [10] * 5
        assert [c for page in pages for c in page] == everything  # pages follow each other, none lost
        statements = rows(ds, "statements-by-speaker", limit="1000")
        assert [r["claim"] for r in rows(ds, "statements-by-speaker", limit="4", offset="4")] == \
            [r["claim"] for r in statements[4:8]]
        triples = run_text(ds, saved_query("claims-about-entity").text, {"limit": "3"},
                           declared=saved_query("claims-about-entity").params).graph
        assert len(set(triples.subjects(URIRef("https://w3id.org/serbia-kg/ontology#claimId")))) == 3
    with pytest.raises(InputError, match="'limit': '0' is not a whole number of 1 or more"):
        rows(mem, "audit-claims", limit="0")
    with pytest.raises(InputError, match="'offset': 'x' is not a whole number"):
        rows(mem, "audit-claims", offset="x")


def test_page_parameters_and_required_ones_are_declared_properly(tmp_path):
    from graph.store.sparql import PAGE_KINDS

    for q in saved_queries():
        kinds = {p.kind for p in q.params}
        assert ("limit" in kinds) == ("offset" in kinds), q.name
        for p in q.params:
            if p.kind in PAGE_KINDS:
                assert p.default is not None and p.default.isdigit(), q.name
            assert not (p.required and p.default is not None), q.name
    bad = {"no-limit.rq": "# A question without a LIMIT clause to page.\n# param: limit (limit) rows; default: 10\n"
                          "SELECT * WHERE { ?s ?p ?o }\n",
           "both.rq": "# A question whose parameter is required and has a default.\n"
                      "# param: x (string) a value; default: y; required\nSELECT * WHERE { ?s ?p ?x }\n"}
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match="no LIMIT clause|takes no default"):
            saved_queries(tmp_path)
        (tmp_path / name).unlink()


def test_list_shows_pages_and_required_parameters():
    out = cli("sparql", "--list").output
    assert "--param limit=...  limit: at most this many rows (a page) (default: 100)" in out
    assert "--param offset=...  offset:" in out
    assert "--param claim=...  string: the claim's id, as in claims.yaml (required)" in out
    listed = {q["name"]: q for q in json.loads(cli("sparql", "--list", "--format", "json").output)}
    assert [p["required"] for p in listed["claim-evidence"]["params"] if p["name"] == "claim"] == [True]


def test_an_entity_id_is_resolved_without_reading_every_name(mem, monkeypatch):
    import graph.store.sparql as sq

    p = Param("actor", "entity", "")
    monkeypatch.setattr(sq, "_entity_names", lambda ds: pytest.fail("read every name for an id"))
    assert resolve_param(mem, p, "serbia") == ENTITY.serbia
    assert resolve_param(mem, p, "aleksandar-vucic") == ENTITY["aleksandar-vucic"]


def test_entity_parameters_resolve_names_and_refuse_unknown_ones(mem):
    p = Param("actor", "entity", "")
    assert resolve_param(mem, p, "Republic of Serbia") == ENTITY.serbia
    assert resolve_param(mem, p, "ent:serbia") == ENTITY.serbia
    assert resolve_param(mem, p, str(ENTITY.serbia)) == ENTITY.serbia
    with pytest.raises(UnknownName, match=r"unknown entity 'Rusia'; did you mean 'Russia'\?"):
        resolve_param(mem, p, "Rusia")
    with pytest.raises(InputError, match="not a whole number"):
        resolve_param(mem, Param("year", "year", ""), "20x1")


def test_unknown_parameter_of_a_saved_question(seed_out):
    res = cli("sparql", "--out", str(seed_out), "--saved", "systems-by-origin", "--param", "sender=russia")
    assert res.exit_code == 2
    assert "unknown parameter 'sender' (this query takes: supplier, recipient, limit, offset)" in res.stderr


def test_a_source_parameter_takes_the_source_s_id_and_suggests_one_for_a_misspelt_id(seed_out, seed_store):
    # it took only an IRI: a source's id was "not an IRI", and a misspelt src:ID gave 0 rows, exit 0
    for store in ([], ["--store", str(seed_store)]):
        asked = ["sparql", "--out", str(seed_out), *store, "--saved", "audit-claims", "--format", "json", "--param"]
        answers = [json.loads(cli(*asked, f"source={given}").output)["results"]["bindings"]
                   for given in (SEED_ID, f"src:{SEED_ID}", f"<{SOURCE[SEED_ID]}>")]
        assert answers[0] and answers[0] == answers[1] == answers[2]
        assert {b["source"]["value"] for b in answers[0]} == {str(SOURCE[SEED_ID])}
        for typo in (SEED_ID[:-3], f"src:{SEED_ID[:-3]}"):
            res = cli(*asked, f"source={typo}")
            assert res.exit_code == 2
            assert res.stderr == f"error: unknown source '{typo}'; did you mean '{SEED_ID}'?\n"


def test_a_saved_question_whose_page_is_full_says_how_to_get_the_next(seed_out, seed_store):
    # the table ended "(100 rows)" and nothing said more were there
    for store in ([], ["--store", str(seed_store)]):
        asked = ["sparql", "--out", str(seed_out), *store, "--saved", "audit-claims"]
        res = cli(*asked, "--param", "limit=5", "--param", "offset=10")
        assert res.exit_code == 0 and res.stdout.rstrip().endswith("(5 rows)")
        assert res.stderr == "note: a page of 5 rows; --param offset=15 gives the next\n"
        res = cli(*asked, "--param", "limit=1000", "--format", "csv")
        assert res.exit_code == 0 and res.stderr == "" and len(res.stdout.splitlines()) < 1001


def test_a_file_name_given_as_the_query_is_told_to_use_file(seed_out, tmp_path, monkeypatch):
    """`serbia-kg sparql my.rq` reads 'my.rq' as SPARQL; the error says to give it with --file."""
    (tmp_path / "my.rq").write_text("SELECT ?s WHERE { ?s a skg:Actor }\n")
    monkeypatch.chdir(tmp_path)
    for name in ("my.rq", "missing.sparql"):
        res = cli("sparql", "--out", str(seed_out), name)
        assert res.exit_code == 2
        assert res.stderr == (f"error: '{name}' is read as the query's text; to run the query in that file, "
                              f"give it with --file {name}\n")
    res = cli("sparql", "--out", str(seed_out), "--file", "my.rq")
    assert res.exit_code == 0, res.stderr


def test_syntax_error_is_one_line_with_position_then_the_line_and_a_caret_exit_2(seed_out):
    res = cli("sparql", "--out", str(seed_out), "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert res.exit_code == 2
    first, line, caret = res.stderr.splitlines()
    assert first.startswith("error: query: syntax error at line 2, column")
    assert line == "    ?s ?p" and caret.strip() == "^"
    res = cli("sparql", "--out", str(seed_out), "INSERT DATA { ent:a ent:b ent:c }")
    assert res.exit_code == 2 and "SPARQL Update" in res.stderr


def test_prefixes_are_declared_and_table_is_the_default(seed_out):
    res = cli("sparql", "--out", str(seed_out),
              "SELECT ?system ?q WHERE { ?t skg:supplier ent:russia ; skg:recipient ent:serbia ; "
              "skg:system ?system ; skg:quantity ?q } ORDER BY ?system")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split() == ["system", "q"] and lines[2].split() == ["ent:mig-29", "6"]
    assert lines[-1] == "(2 rows)"


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_select_result_formats(seed_out, fmt):
    res = cli("sparql", "--out", str(seed_out), "--saved", "systems-by-origin", "--format", fmt)
    assert res.exit_code == 0, res.output
    out = res.output
    if fmt == "json":
        data = json.loads(out)
        assert data["head"]["vars"][:2] == ["system", "label"]
        assert {b["label"]["value"] for b in data["results"]["bindings"]} >= {"MiG-29", "T-72"}
    elif fmt == "csv":
        table = list(csv.DictReader(io.StringIO(out)))
        assert {r["label"]: r["quantity"] for r in table}["MiG-29"] == "6"
    elif fmt == "tsv":
        assert out.splitlines()[0] == "?system\t?label\t?category\t?quantity\t?status"
    else:
        from xml.etree import ElementTree

        root = ElementTree.fromstring(out)
        assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"


def test_ask_and_construct_formats(seed_out):
    res = cli("sparql", "--out", str(seed_out), "ASK { ?t skg:supplier ent:belarus }")
    assert res.exit_code == 0 and res.output == "yes\n"
    res = cli("sparql", "--out", str(seed_out), "--format", "json", "ASK { ?t skg:supplier ent:serbia }")
    assert json.loads(res.output)["boolean"] is False
    q = "CONSTRUCT { ?t skg:supplier ?s } WHERE { ?t skg:supplier ?s ; skg:system ent:mig-29 }"
    res = cli("sparql", "--out", str(seed_out), q)
    assert res.exit_code == 0 and "skg:supplier ent:belarus" in res.output  # Turtle, with prefixes
    res = cli("sparql", "--out", str(seed_out), "--format", "nt", q)
    assert len(res.output.strip().splitlines()) == 2
    res = cli("sparql", "--out", str(seed_out), "--format", "jsonld", "DESCRIBE ent:kornet")
    assert res.exit_code == 0 and "Kornet" in res.output
    res = cli("sparql", "--out", str(seed_out), "--format", "turtle", "ASK {}")
    assert res.exit_code == 2 and "for CONSTRUCT and DESCRIBE" in res.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_an_ask_is_written_alike_whichever_store_answers_and_as_the_endpoint_writes_it(seed_out, seed_store, fmt):
    from graph.store.results import boolean

    for query, answer in (("ASK { ?t skg:supplier ent:belarus }", True), ("ASK { ?t skg:supplier ent:serbia }", False)):
        memory = cli("sparql", "--out", str(seed_out), "--format", fmt, query)
        native = cli("sparql", "--out", str(seed_out), "--store", str(seed_store), "--format", fmt, query)
        assert memory.exit_code == 0 and native.exit_code == 0, (memory.output, native.output)
        written = boolean(answer, fmt).decode().replace("\r\n", "\n")  # (the runner reads the output as text)
        assert memory.output == native.output == (written if written.endswith("\n") else written + "\n")


def test_select_star_gives_its_columns_in_one_order_whichever_store_answers(seed_out, seed_store):
    for query in ("SELECT * WHERE { ?t skg:supplier ?supplier ; skg:recipient ?recipient ; skg:system ?system } LIMIT 1",
                  "PREFIX x: <http://example.org/> SELECT DISTINCT * WHERE { ?z ?y ?x . ?x ?w ?v } LIMIT 1",
                  "# a comment\nSELECT * WHERE { { SELECT ?b WHERE { ?b ?p ?o } LIMIT 1 } ?b ?c ?a } LIMIT 1"):
        heads = [json.loads(cli("sparql", "--out", str(seed_out), *store, "--format", "json", query).output)
                 ["head"]["vars"] for store in ([], ["--store", str(seed_store)])]
        assert heads[0] == heads[1] == sorted(heads[1]), query
        header = cli("sparql", "--out", str(seed_out), "--format", "csv", query).output.splitlines()[0]
        assert header.split(",") == heads[1]


@pytest.mark.parametrize("query", ["", "   \n", "# only a comment", "PREFIX x: <http://example.org/>"])
def test_an_empty_query_is_called_empty_not_an_update(seed_out, seed_store, query):
    for store in ([], ["--store", str(seed_store)]):
        res = cli("sparql", "--out", str(seed_out), *store, query)
        assert res.exit_code == 2
        assert res.stderr == "error: query: the query is empty: give a SELECT, ASK, CONSTRUCT or DESCRIBE query\n"


def test_list_and_file_and_usage(seed_out, tmp_path):
    res = cli("sparql", "--list")
    assert res.exit_code == 0
    assert "systems-by-origin: Weapons systems of one origin" in res.output
    assert "--param supplier=...  entity: the country of origin (default: russia)" in res.output
    listed = json.loads(cli("sparql", "--list", "--format", "json").output)
    assert len(listed) == len(saved_queries())
    f = tmp_path / "q.rq"
    f.write_text("SELECT (COUNT(?t) AS ?n) WHERE { ?t a skg:ArmsTransfer }\n")
    res = cli("sparql", "--out", str(seed_out), "--file", str(f), "--format", "csv")
    assert res.exit_code == 0 and int(res.output.splitlines()[1]) >= 8
    assert cli("sparql", "--out", str(seed_out)).exit_code == 2
    res = cli("sparql", "--out", str(seed_out), "--saved", "nope")
    assert res.exit_code == 2 and "unknown saved query 'nope'" in res.stderr


def test_installed_command_end_to_end(seed_out):
    import subprocess

    proc = subprocess.run(["serbia-kg", "sparql", "--out", str(seed_out), "--saved", "systems-by-origin",
                           "--param", "supplier=Belarus", "--format", "csv"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("https://w3id.org/serbia-kg/id/mig-29,MiG-29,")


def test_oxigraph_runs_natively_and_binds_terms_never_pasted(seed_store):
    from graph.store.sparql import NativeResult

    ox = open_dataset(store=seed_store)
    evil = 'x" } } ; DROP ALL ; SELECT * { "'
    q = saved_query("claim-evidence")
    result = run_text(ox, q.text, {"claim": evil}, declared=q.params)
    assert isinstance(result, NativeResult) and len(result) == 0
    result = run_text(ox, q.text, {"claim": "kornet-russia-to-serbia"}, declared=q.params)
    assert len(result) > 0 and json.loads(format_result(result, "json"))["results"]["bindings"]
    with pytest.raises(InputError, match="line 1, column"):
        run_text(ox, "SELECT ?x WHERE { ?x skg:supplier }")


#: The plain forms of two saved questions that page claims: every claim naming the entity (both
#: entities), sorted by source and claim id, as written without sub-selects.
_PLAIN = {
    "claims-about-entity": "SELECT DISTINCT ?c ?source_id ?claim WHERE { GRAPH ?g { ?c ?role ?entity . "
                           "?source a skg:Source } ?c skg:claimId ?claim "
                           "BIND(STRAFTER(STR(?g), STR(kgg:)) AS ?source_id) } ORDER BY ?source_id ?claim",
    "tie-sources": "SELECT DISTINCT ?c ?source_id ?claim WHERE { GRAPH ?g { ?c ?p1 ?a . ?c ?p2 ?b . "
                   "?c skg:claimId ?claim } FILTER(?a != ?b) BIND(STRAFTER(STR(?g), STR(kgg:)) AS ?source_id) } "
                   "ORDER BY ?source_id ?claim",
}


@pytest.mark.parametrize("name", sorted(_PLAIN))
def test_questions_that_pick_rows_first_page_the_same_claims_as_the_plain_question(name, synthetic_built):
    """On a corpus of several sources, page after page, the claims are those of the plain question,
    in its order: the hub actor, named in most sources."""
    import json

    from graph.model.terms import ENTITY, SKG
    from graph.store.sparql import run as run_query

    focus = json.loads((synthetic_built / "corpus" / "corpus.json").read_text())["focus"]
    ds = open_dataset(store=synthetic_built / "store")
    params = {"entity": focus["hub"]} if name == "claims-about-entity" else \
        {"a": focus["hub"], "b": focus["partners"][0]}
    plain = bind_values(_PLAIN[name], {k: ENTITY[v] for k, v in params.items()})
    expected = [str(r[0]) for r in run_query(ds, plain)]
    assert len(expected) > 10
    q = saved_query(name)

    def claims(**page):
        result = run_text(ds, q.text, {**params, **page}, declared=q.params, where=name)
        if result.type == "CONSTRUCT":
            found = {str(c): (str(s), str(i)) for c, i in result.graph.subject_objects(SKG.claimId)
                     for s in result.graph.objects(c, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))}
            return [c for c, _ in sorted(found.items(), key=lambda kv: kv[1])]
        return [str(row[[str(v) for v in result.vars].index("claim")]) for row in result]

    if name == "tie-sources":
        ids = {str(r[0]): str(r[2]) for r in run_query(ds, plain)}
        expected = [ids[c] for c in expected]
    assert claims(limit="1000") == expected
    pages = [claims(limit="3", offset=str(o)) for o in range(0, len(expected) + 3, 3)]
    assert [c for page in pages for c in page] == expected
