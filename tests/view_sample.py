"""A small hand-made projected graph, following the projection contract, for the view's tests."""

from __future__ import annotations

import networkx as nx

ENT = "https://w3id.org/serbia-kg/id/"
CLAIM = "https://w3id.org/serbia-kg/claim/"

#: A quote with every character that breaks markup: quotation marks, typographic quotes, &, <, >.
NASTY_QUOTE = 'He said “we’ll never join NATO” & "<script>alert(\'x\')</script>" — <b>isn\'t</b> it?'


def _ev(claim: str, source: str, title: str, quote: str, date: str) -> dict:
    return {"claim": CLAIM + claim, "claim_id": claim, "source": source, "title": title,
            "quote": quote, "date": date}


def sample_graph() -> nx.MultiDiGraph:
    """Eight nodes of six types and nine ties of six relations, one tie with two sources."""
    g = nx.MultiDiGraph()
    for slug, label, type_, kind in [
        ("serbia", "Serbia", "State", "actor"),
        ("russia", "Russia", "State", "actor"),
        ("china", "China", "State", "actor"),
        ("nato", "NATO", "InternationalOrganisation", "actor"),
        ("aleksandar-vucic", "Aleksandar Vučić", "Person", "actor"),
        ("mig-29", "MiG-29", "WeaponsSystem", "system"),
        ("slavic-brotherhood-2021", "Slavic Brotherhood 2021", "MilitaryExercise", "exercise"),
        ("european-union", "European Union", "InternationalOrganisation", "actor"),
    ]:
        g.add_node(ENT + slug, label=label, type=type_, kind=kind, iri=ENT + slug)

    def tie(u, v, relation, label, fact, evidence, date=None, quantity=None, **extra):
        g.add_edge(ENT + u, ENT + v, key=f"{relation}:{fact}", relation=relation, label=label,
                   claims=sorted(e["claim"] for e in evidence), sources=sorted({e["source"] for e in evidence}),
                   evidence=evidence, date=date, quantity=quantity, weight=float(len({e["source"] for e in evidence})),
                   **extra)

    tie("russia", "serbia", "supplies", "supplies MiG-29", "mig29",
        [_ev("c1", "gmf", "Time for Serbia to Scale Back", "It has received 6 MiG-29 fighters from Russia", "2022-03-04"),
         _ev("c2", "sipri", "SIPRI Arms Transfers Database", "6 MiG-29 (second-hand) delivered 2017", "2023-03-13")],
        date="2017", quantity=6, system="MiG-29", status="delivered")
    tie("russia", "serbia", "supplies", "supplies air defence", "pantsir",
        [_ev("c3", "gmf", "Time for Serbia to Scale Back", "a Pantsir S1 air defence system", "2022-03-04")],
        date="2020", quantity=1)
    tie("china", "serbia", "supplies", "supplies drones", "cn-drones",
        [_ev("c4", "gmf", "Time for Serbia to Scale Back", "Chinese armed drones", "2022-03-04")], date="2020")
    tie("serbia", "slavic-brotherhood-2021", "participates_in", "takes part in", "sb-serbia",
        [_ev("c5", "gmf", "Time for Serbia to Scale Back", "Slavic Brotherhood exercises", "2022-03-04")], date="2021")
    tie("russia", "slavic-brotherhood-2021", "participates_in", "takes part in", "sb-russia",
        [_ev("c5", "gmf", "Time for Serbia to Scale Back", "Slavic Brotherhood exercises", "2022-03-04")], date="2021")
    tie("aleksandar-vucic", "nato", "states_about", "says about", "vucic-nato",
        [_ev("c6", "gmf", "Time for Serbia to Scale Back & <More>", NASTY_QUOTE, "2022-03-04")], date="2021-12")
    tie("serbia", "nato", "partner_of", "partner of", "pfp",
        [_ev("c7", "gmf", "Time for Serbia to Scale Back", "Serbia is a member of NATO’s Partnership for Peace", "2022-03-04")])
    tie("european-union", "russia", "sanctions", "sanctions", "eu-ru",
        [_ev("c8", "gmf", "Time for Serbia to Scale Back", "the EU sanctions on Russia", "2022-03-04")], date="2014")
    tie("serbia", "european-union", "member_of", "accession candidate of", "eu-cand",
        [_ev("c9", "gmf", "Time for Serbia to Scale Back", "Serbia, an EU candidate", "2022-03-04")], kind="accession-candidate")
    return g
