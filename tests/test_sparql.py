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
from graph.errors import InputError, UnknownName
from graph.sparql import (Param, bind_values, check_syntax, format_result, resolve_param, run_text,
                          saved_queries, saved_query)
from graph.store import open_dataset
from graph.terms import ENTITY, SKV, SOURCE

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
    single = rows(mem, "single-source-ties")
    pair = [r for r in single if {r["a"], r["b"]} == {ENTITY.serbia, ENTITY.russia}]
    assert pair and pair[0]["source"] == SOURCE[SEED_ID] and pair[0]["claims"].toPython() >= 5
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


def _answers(ds, q):
    result = run_text(ds, q.text, {}, declared=q.params, where=q.name)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return sorted(tuple(_norm(t) for t in triple) for triple in result.graph)
    return sorted((tuple(_norm(t) for t in row) for row in result), key=repr)


@pytest.fixture(scope="module")
def memory_answers(mem):
    """Every saved question's answers (with its defaults) on the in-memory store, computed once."""
    return {q.name: _answers(mem, q) for q in saved_queries()}


@pytest.mark.server
def test_every_saved_question_gives_the_same_answers_on_every_store(memory_answers, seed_store,
                                                                     seed_endpoint):
    stores = {"oxigraph": open_dataset(store=seed_store), "remote": open_dataset(endpoint=seed_endpoint)}
    for q in saved_queries():
        assert memory_answers[q.name], f"{q.name}: empty on the seed data"
        for name, ds in stores.items():
            assert _answers(ds, q) == memory_answers[q.name], f"{q.name}: {name} differs from memory"


def test_every_saved_question_is_the_same_on_memory_and_oxigraph(memory_answers, seed_store):
    ox = open_dataset(store=seed_store)
    for q in saved_queries():
        assert _answers(ox, q) == memory_answers[q.name] != [], q.name


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
    assert bound.endswith('{ VALUES (?p) { (<http://x/p>) } ?s ?p "{" }')


def test_entity_parameters_resolve_names_and_refuse_unknown_ones(mem):
    p = Param("actor", "entity", "")
    assert resolve_param(mem, p, "Republic of Serbia") == ENTITY.serbia
    assert resolve_param(mem, p, "ent:serbia") == ENTITY.serbia
    assert resolve_param(mem, p, str(ENTITY.serbia)) == ENTITY.serbia
    with pytest.raises(UnknownName, match="did you mean 'russia'"):
        resolve_param(mem, p, "Rusia")
    with pytest.raises(InputError, match="not a whole number"):
        resolve_param(mem, Param("year", "year", ""), "20x1")


def test_unknown_parameter_of_a_saved_question(seed_out):
    res = cli("sparql", "--out", str(seed_out), "--saved", "systems-by-origin", "--param", "sender=russia")
    assert res.exit_code == 2
    assert "unknown parameter 'sender' (this query takes: supplier, recipient)" in res.stderr


def test_syntax_error_is_one_line_with_position_exit_2(seed_out):
    res = cli("sparql", "--out", str(seed_out), "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert "syntax error at line 2, column" in res.stderr
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
    from graph.sparql import NativeResult

    ox = open_dataset(store=seed_store)
    evil = 'x" } } ; DROP ALL ; SELECT * { "'
    q = saved_query("claim-evidence")
    result = run_text(ox, q.text, {"claim": evil}, declared=q.params)
    assert isinstance(result, NativeResult) and len(result) == 0
    result = run_text(ox, q.text, {"claim": "kornet-russia-to-serbia"}, declared=q.params)
    assert len(result) > 0 and json.loads(format_result(result, "json"))["results"]["bindings"]
    with pytest.raises(InputError, match="line 1, column"):
        run_text(ox, "SELECT ?x WHERE { ?x skg:supplier }")
