"""The derived kgg:pages graph: the saved questions that read a page from it give the rows they gave
when they visited and sorted every claim (tests/fixtures/unpaged/*.rq, the questions as they were),
for every parameter value and any page, on the seed, the seed with both SIPRI samples, the default
corpus and a synthetic corpus."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.compile.pages import ANY, PAGE_ROWS, PAIRS, PAGES, QUESTIONS, READS, claimed, page_triples
from graph.model.terms import CLAIM, ENTITY, GRAPH, PREFIXES, SKG, SKV
from graph.store.querytext import bind_values, set_page
from graph.store.sparql import saved_query

UNPAGED = Path(__file__).parent / "fixtures" / "unpaged"
PAGED = sorted({*QUESTIONS, *READS})
#: Questions that take their page before they sort, without pages (each claim gives a row or more).
PAGED_FIRST = ["claim-evidence"]
#: (limit, offset): the default page, small pages across page boundaries, a page past the end.
PAGES_ASKED = [(None, None), (1, 0), (2, 1), (7, 0), (7, 95), (3, 99), (150, 50), (40, 180), (10, 10**6)]


def _store(out: Path) -> ox.Store:
    st = ox.Store()
    st.bulk_load(path=str(out / "serbia-kg.trig"), format=ox.RdfFormat.TRIG)
    return st


def _rows(st: ox.Store, text: str) -> list:
    r = st.query(text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
    if isinstance(r, ox.QueryTriples):
        return sorted(str(t) for t in r)
    names = [v.value for v in r.variables]
    return [tuple(str(s[n]) if s[n] is not None else None for n in names) for s in r]


def _values(st: ox.Store, question: str) -> list[dict]:
    """Parameter values to ask each question with: values the data holds (each alone, and in pairs), and none."""
    skg, ent = PREFIXES["skg"], PREFIXES["ent"]

    def objects(*props):
        return sorted({q.object for p in props for q in st.quads_for_pattern(None, ox.NamedNode(skg + p), None)},
                      key=str)

    def pairs(name_a, a_values, name_b, b_values, n=12):
        return ([{name_a: a} for a in a_values] + [{name_b: b} for b in b_values]
                + [{name_a: a, name_b: b} for a in a_values[:n] for b in b_values[:n]])

    if question in ("claims-about-entity", "tie-sources"):
        named = sorted({q.object for q in st.quads_for_pattern(None, None, None)
                        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(ent)}, key=str)
        if question == "claims-about-entity":
            return [{}] + [{"entity": e} for e in named]
        busy = objects("supplier", "recipient", "participant")[:8] + named[::max(1, len(named) // 8)]
        return [{}] + pairs("a", busy, "b", busy[::-1], n=16)
    if question == "statements-by-speaker":
        kinds = objects("statementKind") + [ox.NamedNode(str(SKV.assessment))]
        return [{}] + pairs("speaker", objects("speaker"), "kind", kinds)
    if question == "claim-evidence":
        ids = sorted({q.object for q in st.quads_for_pattern(None, ox.NamedNode(skg + "claimId"), None)}, key=str)
        # (the claim is required: left out, rows of different claims tie in the question's order)
        return [{"claim": i} for i in ids[::max(1, len(ids) // 60)]] + [{"claim": ox.Literal("no such claim")}]
    if question == "exercises-by-partner":
        actors = objects("participant", "partOf")
        return [{}] + pairs("actor", actors, "partner", actors[::-1])
    if question == "transfers-by-supplier":
        return [{}] + pairs("recipient", objects("recipient"), "supplier", objects("supplier"))
    if question == "systems-by-origin":  # (both have defaults: always given as a user asks it)
        def of(c, prop):
            return [q.object for q in st.quads_for_pattern(c, ox.NamedNode(skg + prop), None)]

        systems = {q.subject for q in st.quads_for_pattern(None, ox.NamedNode(skg + "system"), None)}
        found = sorted({(r, s) for c in systems for r in of(c, "recipient") for s in of(c, "supplier")}, key=str)
        recipients, suppliers = objects("recipient"), objects("supplier")
        return ([{"recipient": r, "supplier": s} for r, s in found[:: max(1, len(found) // 40)]]
                + [{"recipient": r, "supplier": s} for r in recipients[:4] for s in suppliers[:4]])
    if question == "positions-on-topic":
        return [{}] + [{"holder": h} for h in objects("actor")]
    if question == "memberships":  # (it has a default: always given as a user asks it)
        return [{"member": m} for m in objects("member")] + [{"member": ox.NamedNode(ent + "no-such-actor")}]
    if question == "votes-on-resolution":
        return [{}] + pairs("resolution", objects("resolution"), "voter", objects("voter"), n=6)
    if question == "alignment-rates":
        return [{}] + [{"aligned_with": a} for a in objects("alignedWith", "actor")]
    if question == "sanctions-by-imposer":
        return [{}] + pairs("imposer", objects("imposer"), "target", objects("target"), n=6)
    if question == "claims-per-source":  # (a page alone)
        return [{}]
    if question == "audit-claims":
        sources = sorted({q.subject for q in st.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                                   ox.NamedNode(skg + "Source"))}, key=str)
        return [{}] + [{"source": s} for s in sources] + [{"source": ox.NamedNode(ent + "no-such-source")}]
    raise AssertionError(f"no parameter values for {question}")


def _agree(st: ox.Store, question: str, *, sample: int | None = None) -> int:
    """Ask ``question`` paged and unpaged with each value and page; return how many rows were compared."""
    paged, unpaged = saved_query(question).text, (UNPAGED / f"{question}.rq").read_text(encoding="utf-8")
    values = _values(st, question)
    if sample and len(values) > sample:
        values = values[:: len(values) // sample]
    compared = 0
    for bindings in values:
        for limit, offset in PAGES_ASKED:
            texts = [bind_values(t, bindings, form="bind") if bindings else t for t in (unpaged, paged)]
            if limit is not None:
                texts = [set_page(t, limit, offset) for t in texts]
            want, got = (_rows(st, t) for t in texts)
            assert got == want, f"{question} {bindings} limit={limit} offset={offset}"
            compared += len(want)
    return compared


@pytest.mark.parametrize("question", PAGED + PAGED_FIRST)
def test_paged_questions_give_the_unpaged_rows_on_the_seed(seed_out, question):
    assert _agree(_store(seed_out), question) > 0


@pytest.mark.parametrize("question", PAGED + PAGED_FIRST)
def test_paged_questions_give_the_unpaged_rows_with_both_sipri_samples(sipri_both_out, question):
    assert _agree(_store(sipri_both_out), question) > 0


@pytest.mark.parametrize("question", PAGED + PAGED_FIRST)
def test_paged_questions_give_the_unpaged_rows_on_the_default_corpus(default_out, question):
    assert _agree(_store(default_out), question) > 0


@pytest.mark.parametrize("question", PAGED + PAGED_FIRST)
def test_paged_questions_give_the_unpaged_rows_on_a_synthetic_corpus(synthetic_built, question):
    assert _agree(_store(synthetic_built / "out"), question, sample=40) > 0


def test_the_build_writes_pages_that_start_where_the_question_says(default_out):
    """Each list's pages start at 0 and hold PAGE_ROWS claims or more each (all but its last); a
    question without its pages finds nothing (it reads them, it does not visit the claims)."""
    st = _store(default_out)
    skg, pages = PREFIXES["skg"], ox.NamedNode(str(PAGES))

    def one(page, prop):
        found = [q.object for q in st.quads_for_pattern(page, ox.NamedNode(skg + prop), None, pages)]
        return found[0] if found else None

    lists: dict = {}
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "pageStart"), None, pages):
        of = [x.object for x in st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageOf"), None, pages)]
        own = [x for x in of if q.subject.value.startswith(x.value + "/")]  # (an entity's claims: tie-sources' too)
        assert len(own) == 1 and {x.value.rsplit("/", 1)[1] for x in of} <= set(QUESTIONS)
        key = (own[0], one(q.subject, "pageKey"), one(q.subject, "pageSecondKey"))
        items = len(list(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageItem"), None, pages)))
        lists.setdefault(key, []).append((int(q.object.value), items))
    # (no busy entity here, nor a recipient of more than a page of transfers from one supplier)
    assert {k[0].value.rsplit("/", 1)[1] for k in lists} == set(QUESTIONS) - PAIRS - {"systems-by-origin"}
    assert (ox.NamedNode(PREFIXES["page"] + "claims-about-entity"), ox.NamedNode(str(ANY)), None) in lists
    distinct = ox.NamedNode(PREFIXES["page"] + "exercises-by-partner")  # starts count rows shown, not claims
    for key, numbers in lists.items():
        numbers.sort()
        assert numbers[0][0] == 0
        for (start, items), (nxt, _) in zip(numbers, numbers[1:]):
            assert items >= PAGE_ROWS and nxt > start
            assert key[0] == distinct or items == nxt - start
    assert any(len(n) > 1 for n in lists.values())  # the default corpus's claims of any entity: several pages
    st.remove_graph(pages)
    assert _rows(st, saved_query("claims-about-entity").text) == []


def test_set_page_moves_the_end_of_the_pages_read_with_the_page():
    text = ("SELECT ?c WHERE { { SELECT ?c ?k WHERE { ?l skg:pageStart ?page_start . FILTER(?page_start < 100) "
            "FILTER(?k < 100) ?c skg:n ?k } ORDER BY ?k LIMIT 100 } }  # FILTER(?page_start < 100)")
    paged = set_page(text, limit=10, offset=250)
    assert "FILTER(?page_start < 260)" in paged and "LIMIT 10 OFFSET 250" in paged
    assert "FILTER(?k < 100)" in paged  # only ?page_start is where the pages read end
    assert paged.endswith("# FILTER(?page_start < 100)")  # a comment is not the query
    either = text.replace("FILTER(?page_start < 100)", "FILTER(?page_start < 100 || ?all = 1)", 1)
    assert "FILTER(?page_start < 260 || ?all = 1)" in set_page(either, limit=10, offset=250)  # or all the pages
    other = text.replace("?page_start < 100", "?page_start < 7")  # not where the page ends: left as it is
    assert "FILTER(?page_start < 7)" in set_page(other, limit=10, offset=250)


def test_exercises_that_show_the_same_row_count_once_where_a_page_starts():
    """``exercises-by-partner``'s rows are DISTINCT: two exercises of one name, year and host show one
    row. 200 such exercises (two a year with Bravo) and 50 with Charlie: the first 100 rows are Bravo's
    100 years, from 200 exercises; a page that starts at the 100th exercise starts at the 50th row, and
    is read for the first page (counted in exercises, it would not be: 50 rows missing)."""
    alpha, bravo, charlie = (ENTITY[x] for x in ("alpha", "bravo", "charlie"))
    registry = [(e, SKOS.prefLabel, Literal(e.split("/")[-1])) for e in (alpha, bravo, charlie)]
    graph, triples, claims = GRAPH["src-x"], [], []
    for n in range(250):
        c = URIRef(f"https://w3id.org/serbia-kg/id/claim/x/e{n}")
        partner, year = (bravo, 1900 + n // 2) if n < 200 else (charlie, 1800 + n)
        mine = [(c, RDF.type, SKG.MilitaryExercise), (c, RDFS.label, Literal("Shield")),
                (c, SKG.claimId, Literal(f"e{n}")), (c, SKG.participant, alpha), (c, SKG.participant, partner),
                (c, SKG.host, alpha), (c, SKG.date, Literal(str(year)))]
        triples += mine
        claims.append(claimed(c, f"e{n}", graph, mine))
    pages = page_triples(claims, [], registry)
    st = ox.Store()
    st.load("".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in [*registry, *triples, *pages]),
            format=ox.RdfFormat.N_TRIPLES)
    paged, unpaged = saved_query("exercises-by-partner").text, (UNPAGED / "exercises-by-partner.rq").read_text()
    for limit, offset in [(100, 0), (60, 40), (10, 95), (100, 100)]:
        texts = [set_page(bind_values(t, {"actor": ox.NamedNode(str(alpha))}), limit, offset) for t in (unpaged, paged)]
        want, got = (_rows(st, t) for t in texts)
        assert got == want and len(want) == min(limit, 150 - offset), (limit, offset)
        if offset == 0:  # Bravo's 100 rows
            assert {r[0] for r in want} == {f"<{bravo}>"}
    assert (URIRef(f"{PREFIXES['page']}exercises-by-partner/id/alpha/any/50"), SKG.pageStart,
            Literal(50, datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))) in pages
    # a partner given: Bravo's 200 exercises have a list of their own (more than a page), of which the
    # pages that start before the page ends are read; Charlie's 50 are found in Alpha's pages that hold
    # them (their second key), each read whole
    assert (URIRef(f"{PREFIXES['page']}exercises-by-partner/id/alpha/id/bravo/0"), SKG.pageKey, alpha) in pages
    held = {p for p, k, o in pages if k == SKG.pageSecondKey and o == charlie}
    assert held and all("/id/alpha/any/" in str(p) for p in held)
    for partner, rows in ((bravo, 100), (charlie, 50)):
        for limit, offset in [(100, 0), (30, 40), (10, 45), (10, 95)]:
            given = {"actor": ox.NamedNode(str(alpha)), "partner": ox.NamedNode(str(partner))}
            texts = [set_page(bind_values(t, given), limit, offset) for t in (unpaged, paged)]
            want, got = (_rows(st, t) for t in texts)
            assert got == want and len(want) == max(0, min(limit, rows - offset)), (partner, limit, offset)


def test_a_lists_pages_as_n_triples_are_its_triples_as_pyoxigraph_writes_them():
    """``list_lines`` (the build's N-Triples, written at once) and ``list_triples`` (rdflib's terms) give the same
    triples for every list of every question: keys, second keys, starts, the pages of tie-sources, items."""
    from graph.compile.pages import list_lines, list_triples, page_context
    from graph.model.rdfterms import nt_converter

    alpha, bravo, charlie = (ENTITY[x] for x in ("alpha", "bravo", "charlie"))
    registry = [(e, SKOS.prefLabel, Literal(e.split("/")[-1])) for e in (alpha, bravo, charlie)]
    claims = []
    for n in range(250):
        c = URIRef(f"https://w3id.org/serbia-kg/id/claim/x/e{n}")
        partner = bravo if n < 200 else charlie
        claims.append(claimed(c, f"e{n}", GRAPH[f"src-{n % 3}"], [
            (c, RDF.type, SKG.MilitaryExercise), (c, RDFS.label, Literal("Shield")), (c, SKG.participant, alpha),
            (c, SKG.participant, partner), (c, SKG.host, alpha), (c, SKG.date, Literal(str(1900 + n // 2)))]))
    nt = nt_converter()
    context = page_context(claims, [], registry)
    seen = set()
    for question, lister in QUESTIONS.items():
        lists = lister(claims, context)
        for key in lists:
            lines = list_lines(question, key, lists)
            assert sorted(lines) == sorted(f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in list_triples(question, key, lists))
            # an incremental build's: the pages that start from 100 on (a page's IRI ends with its start)
            assert list_lines(question, key, lists, 100) == [
                line for line in lines if int(line.split(" ")[0].rsplit("/", 1)[1][:-1]) >= 100]
            seen |= {line.split(" ")[1] for line in lines}
    assert {f"<{SKG[p]}>" for p in ("pageOf", "pageKey", "pageSecondKey", "pageStart", "pageItem")} <= seen


def test_tie_sources_reads_the_lists_of_busy_pairs_and_visits_the_others(tmp_path, monkeypatch):
    """``tie-sources`` with entities busy past 15 claims and pages of 5:
    the pairs of busy entities have lists (found by both keys, in either order), the other pairs are
    found from the claims of the entity that is not busy; the rows are the unpaged question's for
    busy, quiet and mixed pairs, in either order, and any page."""
    import sys

    from graph.compile import pages
    from graph.compile.build import build

    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    from generate_corpus import generate

    monkeypatch.setattr(pages, "BUSY", 15)
    monkeypatch.setattr(pages, "PAGE_ROWS", 5)
    generate(30000, tmp_path / "corpus", seed=5)
    build(tmp_path / "corpus", tmp_path / "out")
    st = _store(tmp_path / "out")
    skg = PREFIXES["skg"]
    lists = {q.subject for q in st.quads_for_pattern(None, ox.NamedNode(skg + "pageOf"),
                                                     ox.NamedNode(PREFIXES["page"] + "tie-sources"))}
    counts: dict = {}
    for q in st.quads_for_pattern(None, None, None):  # the claims naming each entity
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(str(ENTITY)) \
                and q.subject.value.startswith(str(CLAIM)):
            counts.setdefault(q.object, set()).add(q.subject)
    busy = sorted((e for e, c in counts.items() if len(c) > 15), key=lambda e: (-len(counts[e]), str(e)))
    quiet = sorted((e for e, c in counts.items() if 3 < len(c) <= 15), key=lambda e: (-len(counts[e]), str(e)))
    assert len(busy) >= 3 and quiet and lists
    unpaged = (UNPAGED / "tie-sources.rq").read_text(encoding="utf-8")
    paged = saved_query("tie-sources").text
    chosen = busy[:4] + quiet[:3]
    compared = 0
    for a in chosen:
        for b in chosen:
            for limit, offset in [(None, None), (1, 0), (7, 3), (40, 20), (5, 60), (3, 150)]:
                texts = [bind_values(t, {"a": a, "b": b}, form="bind") for t in (unpaged, paged)]
                if limit is not None:
                    texts = [set_page(t, limit, offset) for t in texts]
                want, got = (_rows(st, t) for t in texts)
                assert got == want, (a, b, limit, offset)
                compared += len(want)
    assert compared > 0


def test_systems_by_origin_reads_the_lists_of_large_pairs_and_the_pages_of_transfers_of_the_others(tmp_path,
                                                                                                   monkeypatch):
    """``systems-by-origin`` with pages of 5: a recipient and supplier of more than 5 transfers have a list
    of this question's (by label, then transfer; pages of 5 claims, the first at 0), read up to where the
    page ends; a pair of 5 or fewer has none, and is found in the recipient's pages of
    ``transfers-by-supplier``. The rows are the unpaged question's for large and small pairs, any page."""
    import sys

    from graph.compile import pages
    from graph.compile.build import build

    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    from generate_corpus import generate

    monkeypatch.setattr(pages, "PAGE_ROWS", 5)
    generate(30000, tmp_path / "corpus", seed=7)
    build(tmp_path / "corpus", tmp_path / "out")
    st = _store(tmp_path / "out")
    skg, page = PREFIXES["skg"], PREFIXES["page"]
    transfers: dict = {}
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "recipient"), None):
        for s in st.quads_for_pattern(q.subject, ox.NamedNode(skg + "supplier"), None):
            transfers.setdefault((q.object, s.object), set()).add(q.subject)
    starts: dict = {}
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "pageOf"), ox.NamedNode(page + "systems-by-origin")):
        key = tuple(next(st.quads_for_pattern(q.subject, ox.NamedNode(skg + p), None)).object
                    for p in ("pageKey", "pageSecondKey"))
        start = int(next(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageStart"), None)).object.value)
        items = len(list(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageItem"), None)))
        starts.setdefault(key, []).append((start, items))
    large = sorted((pair for pair, cs in transfers.items() if len(cs) > 5), key=lambda p: (-len(transfers[p]), str(p)))
    small = sorted((pair for pair, cs in transfers.items() if 1 < len(cs) <= 5), key=str)
    assert len(large) >= 3 and small and set(starts) == set(large)
    for key, numbers in starts.items():  # pages of 5 claims, each starting where the one before ended
        numbers.sort()
        assert [start for start, _ in numbers] == list(range(0, 5 * len(numbers), 5))
        assert all(items == 5 for _, items in numbers[:-1]) and sum(n for _, n in numbers) == len(transfers[key])
    unpaged = (UNPAGED / "systems-by-origin.rq").read_text(encoding="utf-8")
    paged = saved_query("systems-by-origin").text
    compared = 0
    for recipient, supplier in large[:4] + small[:4]:
        for limit, offset in [(None, None), (1, 0), (5, 0), (7, 3), (4, 5), (40, 20), (5, 60), (3, 150)]:
            given = {"recipient": recipient, "supplier": supplier}
            texts = [bind_values(t, given, form="bind") for t in (unpaged, paged)]
            if limit is not None:
                texts = [set_page(t, limit, offset) for t in texts]
            want, got = (_rows(st, t) for t in texts)
            assert got == want, (recipient, supplier, limit, offset)
            compared += len(want)
    assert compared > 0


def _no_claims(corpus: Path, model: str, name: str) -> None:
    """A source ``name`` in ``corpus`` of no claims (``model``'s metadata and text under another id)."""
    import re
    import shutil

    (corpus / name).mkdir()
    for f in ("source.yaml", "text.txt"):
        shutil.copy(corpus / model / f, corpus / name / f)
    meta = corpus / name / "source.yaml"
    meta.write_text(re.sub(r"^id: .*$", f"id: {name}", meta.read_text(), flags=re.M))
    (corpus / name / "claims.yaml").write_text("claims: []\n")


def test_claims_per_source_reads_the_list_of_every_source_a_page_at_a_time(tmp_path, monkeypatch):
    """``claims-per-source`` with pages of 2: one list of every source's graph, a source of no claims too (the
    question's page counts it, with no row), by the graph's id, pages of 2 starting at 0, 2, 4...; the rows
    are the unpaged question's for any page."""
    import shutil

    from conftest import DEFAULT_CORPUS, SEED_ID
    from graph.compile import pages
    from graph.compile.build import build

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, corpus)
    for name in ("aaa-no-claims", "hhh-no-claims"):
        _no_claims(corpus, SEED_ID, name)
    build(corpus, tmp_path / "out")
    st = _store(tmp_path / "out")
    skg, page = PREFIXES["skg"], PREFIXES["page"]
    sources = sorted((q.graph_name.value, q.subject.value) for q in st.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(skg + "Source")))
    assert len(sources) >= 7 and sources[0][0] == str(GRAPH["aaa-no-claims"])
    listed = []
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "pageOf"), ox.NamedNode(page + "claims-per-source")):
        start = int(next(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageStart"), None)).object.value)
        items = {x.object.value for x in st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageItem"), None)}
        listed.append((start, items))
    listed.sort(key=lambda x: x[0])
    assert [start for start, _ in listed] == list(range(0, len(sources), 2))
    assert [items for _, items in listed] == [{s for _, s in sources[i:i + 2]} for i in range(0, len(sources), 2)]
    unpaged = (UNPAGED / "claims-per-source.rq").read_text(encoding="utf-8")
    paged = saved_query("claims-per-source").text
    assert _rows(st, paged) == _rows(st, unpaged) != []
    for limit in range(1, 5):
        for offset in range(0, len(sources) + 1):
            texts = [set_page(t, limit, offset) for t in (unpaged, paged)]
            want, got = (_rows(st, t) for t in texts)
            assert got == want, (limit, offset)
    assert _rows(st, set_page(paged, 1, 0)) == []  # the first source: no claims, its place taken


def test_memberships_reads_the_pages_of_the_members_list_up_to_where_its_page_ends(tmp_path, monkeypatch):
    """``memberships`` with pages of 2: each member has a list of this question's (by organisation id, then
    claim id; pages of 2 claims or more, the first at 0), read up to where the page ends. The rows are the
    unpaged question's for members of several pages and of one, any page, paged through to the end."""
    import sys

    from graph.compile import pages
    from graph.compile.build import build

    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    from generate_corpus import generate

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    generate(30000, tmp_path / "corpus", seed=7)
    build(tmp_path / "corpus", tmp_path / "out")
    st = _store(tmp_path / "out")
    skg, page = PREFIXES["skg"], PREFIXES["page"]
    members: dict = {}
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "member"), None):
        members.setdefault(q.object, set()).add(q.subject)
    starts: dict = {}
    for q in st.quads_for_pattern(None, ox.NamedNode(skg + "pageOf"), ox.NamedNode(page + "memberships")):
        key = next(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageKey"), None)).object
        start = int(next(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageStart"), None)).object.value)
        items = len(list(st.quads_for_pattern(q.subject, ox.NamedNode(skg + "pageItem"), None)))
        starts.setdefault(key, []).append((start, items))
    large = sorted((m for m, cs in members.items() if len(cs) > 2), key=lambda m: (-len(members[m]), str(m)))
    small = sorted((m for m, cs in members.items() if len(cs) <= 2), key=str)
    assert len(large) >= 2 and small and set(starts) == set(members)
    for key, numbers in starts.items():  # pages of 2 claims or more, each starting where the one before ended
        numbers.sort()
        assert [start for start, _ in numbers] == [sum(n for _, n in numbers[:i]) for i in range(len(numbers))]
        assert all(items >= 2 for _, items in numbers[:-1]) and sum(n for _, n in numbers) == len(members[key])
    unpaged = (UNPAGED / "memberships.rq").read_text(encoding="utf-8")
    paged = saved_query("memberships").text
    compared = 0
    for member in large[:3] + small[:3]:
        given = {"member": member}
        texts = [bind_values(t, given, form="bind") for t in (unpaged, paged)]
        whole = _rows(st, set_page(texts[0], 10**6, 0))
        assert len(whole) == len(members[member])
        for limit, offset in [(None, None), (1, 0), (5, 0), (7, 3), (4, 5), (40, 20), (5, 60), (3, 150)]:
            asked = texts if limit is None else [set_page(t, limit, offset) for t in texts]
            want, got = (_rows(st, t) for t in asked)
            assert got == want, (member, limit, offset)
            compared += len(want)
        for limit in (3, 5, 7):  # every page in turn, to the end: the unpaged question's rows, in its order
            got = []
            for offset in range(0, len(whole) + limit, limit):
                got += _rows(st, set_page(texts[1], limit, offset))
            assert got == whole, (member, limit)
    assert compared > 0
