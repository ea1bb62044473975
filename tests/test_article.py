"""The first source read against its text: what a researcher asks of the built graph (issue 12, 8-12)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from graph.cli import main
from graph.model.terms import ENTITY, SKV, SOURCE, WIKIDATA
from graph.store.backends import open_dataset
from graph.store.sparql import run_text

from conftest import SEED_CORPUS, SEED_ID

PREFIXES = """PREFIX skg: <https://w3id.org/serbia-kg/ontology#>
PREFIX skv: <https://w3id.org/serbia-kg/vocab/>
PREFIX ent: <https://w3id.org/serbia-kg/id/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@pytest.fixture(scope="module")
def ds(seed_out):
    return open_dataset(seed_out)


def ask(ds, body: str) -> list[dict]:
    result = run_text(ds, PREFIXES + body, {})
    return [{str(v): row[i] for i, v in enumerate(result.vars)} for row in result]


def claim(ds, claim_id: str) -> dict:
    [found] = ask(ds, f'SELECT ?c WHERE {{ ?c skg:claimId "{claim_id}" }}')
    return found


def test_belarus_mig29s_are_procured_not_purchased(ds):
    """Item 8: "Serbia has also procured 4 MiG-29s from Belarus": the status says no more than the words."""
    got = ask(ds, """SELECT ?status WHERE { ?t a skg:ArmsTransfer ; skg:supplier ent:belarus ;
                     skg:recipient ent:serbia ; skg:transferStatus ?status }""")
    assert [r["status"] for r in got] == [SKV.procured]


def test_the_authors_assessment_is_the_sources_not_chinas(ds):
    """Item 9: "Today, China considers the country to be a major entry point ..." is the author's view."""
    by_china = ask(ds, "SELECT ?s WHERE { ?s a skg:Statement ; skg:speaker ent:china }")
    assert by_china == []
    [row] = ask(ds, """SELECT ?speaker ?kind WHERE { ?s a skg:Statement ; skg:speaker ?speaker ;
                       skg:statementKind ?kind ; skg:words ?w . FILTER(CONTAINS(?w, "entry point")) }""")
    assert (row["speaker"], row["kind"]) == (SOURCE[SEED_ID], SKV.assessment)


def test_a_trend_since_2017_is_a_span_that_starts_in_2017(ds):
    """Item 10: "Since the passage of CAATSA ..." has a start, not a single date."""
    [row] = ask(ds, """SELECT ?start ?date WHERE { ?c skg:claimId "serbia-russia-heavy-weapons-imports-up" ;
                       skg:startDate ?start . OPTIONAL { ?c skg:date ?date } }""")
    assert str(row["start"]) == "2017" and row["date"] is None


def test_people_hold_the_offices_the_text_names(ds):
    """Item 11: Vučić President of Serbia, Shoygu Russia's Defense Minister, Hoyt Yee a US Deputy
    Assistant Secretary of State."""
    got = ask(ds, """SELECT ?who ?office ?of WHERE { ?c a skg:OfficeHolding ; skg:actor ?who ; skg:office ?office ;
                     skg:officeOf ?of }""")
    assert {(r["who"], str(r["office"]), r["of"]) for r in got} == {
        (ENTITY["aleksandar-vucic"], "President", ENTITY["serbia"]),
        (ENTITY["sergey-shoygu"], "Defense Minister", ENTITY["russia"]),
        (ENTITY["hoyt-yee"], "Deputy Assistant Secretary of State", ENTITY["united-states"])}


def test_kosovo_is_an_actor_in_a_dispute_with_serbia(ds):
    """Item 11: "During a dispute with Kosovo last fall over license plates"."""
    [row] = ask(ds, """SELECT ?topic ?date WHERE { ?d a skg:Dispute ; skg:party ent:serbia , ent:kosovo ;
                       skg:topic ?topic ; skg:date ?date }""")
    assert (str(row["topic"]), str(row["date"])) == ("license plates", "2021")
    assert ask(ds, "SELECT ?k WHERE { ent:kosovo a ?k }")[0]["k"] == URIRef("https://w3id.org/serbia-kg/ontology#State")


def test_the_missing_claims_are_there(ds):
    """Item 11: neutrality, "the United States has taken notice", the wish of a majority of Serbs, the
    Ohio National Guard's training."""
    neutrality = ask(ds, """SELECT ?stance ?topic WHERE { ?p a skg:Position ; skg:actor ent:serbia ;
                            skg:stance ?stance ; skg:topic ?topic . FILTER(CONTAINS(?topic, "neutrality")) }""")
    assert [r["stance"] for r in neutrality] == [SKV.supports]
    notice = ask(ds, """SELECT ?w WHERE { ?s a skg:Statement ; skg:about ent:united-states ; skg:words ?w .
                        FILTER(CONTAINS(?w, "taken notice")) }""")
    assert len(notice) == 1
    wish = ask(ds, """SELECT ?stance WHERE { ?p a skg:Position ; skg:actor ent:majority-of-serbs ;
                      skg:about ent:european-union ; skg:stance ?stance }""")
    assert [r["stance"] for r in wish] == [SKV.supports]
    training = ask(ds, """SELECT ?programme WHERE { ?t a skg:Training ; skg:participant ent:serbia ,
                          ent:ohio-national-guard ; skg:programme ?programme }""")
    assert [r["programme"] for r in training] == [ENTITY["state-partnership-program"]]


WIKIDATA_IDS = {"serbia": "Q403", "russia": "Q159", "belarus": "Q184", "china": "Q148", "united-states": "Q30",
                "turkey": "Q43", "croatia": "Q224", "ukraine": "Q212", "nato": "Q7184", "european-union": "Q458",
                "kosovo": "Q1246", "belgrade": "Q3711", "vladimir-putin": "Q7747"}


def test_entities_link_to_wikidata_with_skos_exact_match(ds):
    """Item 12: the identities the issue lists, and no other."""
    got = ask(ds, "SELECT ?e ?q WHERE { ?e skos:exactMatch ?q }")
    assert {str(r["e"]).rsplit("/", 1)[-1]: str(r["q"]) for r in got} == {
        eid: str(WIKIDATA[q]) for eid, q in WIKIDATA_IDS.items()}


def test_a_wikidata_id_that_is_not_a_qid_is_refused_in_one_line(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    registry = corpus / "registry" / "entities.yaml"
    text = registry.read_text(encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("  croatia:"))
    registry.write_text(text.replace("wikidata: Q224", "wikidata: https://www.wikidata.org/wiki/Q224"),
                        encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", "--sources", str(corpus), "--out", str(out), "-q"])
    assert res.exit_code == 2
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: {registry}:{line}: entity 'croatia': wikidata 'https://www.wikidata.org/wiki/Q224' "
                      "is not a Wikidata item id (Q and digits, such as Q403)"]
    assert not out.exists() or [p.name for p in out.iterdir()] == [".lock"]  # nothing built: the build lock only


# --- the answers a researcher reads: `serbia-kg ties` ----------------------------------------------

def ties(seed_out, actor: str) -> list[dict]:
    res = CliRunner().invoke(main, ["ties", actor, "--out", str(seed_out), "--sources", str(SEED_CORPUS),
                                    "--format", "json"])
    assert res.exit_code == 0, res.output
    import json
    return [row for rows in json.loads(res.stdout)["relations"].values() for row in rows]


def test_ties_word_a_position_as_the_position(seed_out):
    says = [r["says"] for r in ties(seed_out, "Serbia") if r["relation"] == "takes_position_on"]
    assert "Serbia opposes sanctions on Russia for the invasion of Ukraine" in says
    assert not [s for s in says if "takes a position on" in s]


def test_ties_of_kosovo_and_of_the_office_holders(seed_out):
    kosovo = ties(seed_out, "Kosovo")
    assert [(r["relation"], r["with"]) for r in kosovo if r["relation"] == "disputes_with"] == \
        [("disputes_with", ["Serbia"])]
    vucic = [r["says"] for r in ties(seed_out, "Vucic") if r["relation"] == "holds_office_in"]
    assert vucic == ["Aleksandar Vučić: President of Serbia (2021)"]
    ohio = [r for r in ties(seed_out, "Ohio National Guard") if r["relation"] == "trains_with"]
    assert [r["with"] for r in ohio] == [["Serbia"]]


def test_filters_treat_a_span_as_a_span(ds):
    """Item 10: "since 2017" is found by --since 2020 (it runs on to the article) and not by --until 2016."""
    from graph.ask.projection import facts

    def heavy(**window):
        return [e for e in facts(ds, **window).edges if "serbia-russia-heavy-weapons-imports-up" in e[3]["claim_ids"]]

    assert heavy(since=2020) and heavy(until=2017) and not heavy(until=2016)
    assert heavy(since=2020)[0][3]["date"] == "2017"
