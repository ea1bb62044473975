"""`serbia-kg draft`: claims proposed from an article's text, reviewed, then validated like any others."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO, SEED_CORPUS, SEED_ID

from graph.cli import main
from graph.compile.build import validate
from graph.compile.sources import QuoteIndex
from graph.importers.draft import DRAFT_FILE, accept, draft, write_draft
from graph.importers.draft.text import Reader
from graph.model.registry import load_registry

FICTION = REPO / "tests" / "fixtures" / "draft"
ARTICLES = [(SEED_CORPUS, SEED_ID)] + [(FICTION, p.name) for p in sorted(FICTION.glob("*/text.txt"))
                                        for p in [p.parent]]

sys.path.insert(0, str(REPO / "scripts"))
import bench_draft


def new_folder(tmp_path: Path, corpus: Path, source_id: str) -> Path:
    """The article's text and source.yaml in a new corpus (with its registry), without claims.yaml."""
    shutil.copytree(corpus / "registry", tmp_path / "corpus" / "registry")
    folder = tmp_path / "corpus" / source_id
    folder.mkdir()
    for name in ("text.txt", "source.yaml"):
        shutil.copy(corpus / source_id / name, folder / name)
    return folder


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def drafted(folder: Path) -> dict:
    return yaml.safe_load((folder / DRAFT_FILE).read_text(encoding="utf-8"))


@pytest.mark.parametrize("corpus,source_id", ARTICLES, ids=[a[1][:30] for a in ARTICLES])
def test_every_drafted_claim_is_accepted_and_validates(tmp_path, corpus, source_id):
    folder = new_folder(tmp_path, corpus, source_id)
    result = run("draft", folder)
    assert result.exit_code == 0, result.output
    assert not (folder / "claims.yaml").exists()  # the draft never writes claims.yaml
    claims = drafted(folder)["claims"]
    assert claims
    text = (folder / "text.txt").read_text(encoding="utf-8")
    index = QuoteIndex(text)
    assert all(index.locate(c["quote"]) is not None for c in claims)
    for c in claims:
        assert c["draft"]["rule"].split(":")[0] == c["type"]
        assert 0 < c["draft"]["confidence"] <= 1
    # every claim whose names the registry knows goes into claims.yaml, and validate accepts the corpus
    known = [c["id"] for c in claims if "unknown_names" not in c["draft"]]
    assert known
    accepted = accept(folder, known)
    assert accepted == known
    _, summary = validate(folder.parent)
    assert summary.claims == len(known)
    assert [c["id"] for c in drafted(folder)["claims"]] == [c["id"] for c in claims if c["id"] not in known]


def test_the_first_source_drafts_its_transfers_with_quantities_and_dates(tmp_path):
    folder = new_folder(tmp_path, SEED_CORPUS, SEED_ID)
    d = draft(folder)
    by_id = {c["id"]: c for c in d.claims}
    mig = by_id["mig-29-russia-to-serbia"]
    assert (mig["supplier"], mig["recipient"], mig["system"], mig["quantity"], mig["status"]) == \
        ("russia", "serbia", "mig-29", 6, "delivered")
    kornet = by_id["kornet-russia-to-serbia"]
    assert kornet["delivered"] == "2022-01"  # "In January" in an article of 4 March 2022
    assert '"In January" in an article of 4 March 2022: January 2022.' in kornet["note"]
    assert kornet["quote"] == "In January, a shipment of Kornet anti-tank missiles arrived from Russia."
    belarus = by_id["mig-29-belarus-to-serbia"]
    assert (belarus["supplier"], belarus["quantity"], belarus["status"]) == ("belarus", 4, "purchased")
    exercise = by_id["joint-response-2021"]
    assert exercise["participants"] == ["serbian-armed-forces", "russian-armed-forces"]
    assert exercise["date"] == "2021-05"
    drones = by_id["armed-drone-china-to-serbia"]  # "Belgrade ... from Beijing": capitals read as their states
    assert (drones["supplier"], drones["recipient"]) == ("china", "serbia")
    assert "capital" in drones["note"]


def test_relative_dates_are_read_against_the_publication_date(tmp_path):
    folder = tmp_path / "corpus" / "dates"
    shutil.copytree(FICTION / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text("id: dates\nkind: article\ntitle: t\nissued: 2024-02-10\ntext: text.txt\n")
    (folder / "text.txt").write_text(
        "In March, Kravonia received 2 Tarn-300 systems from Borduria.\n\n"
        "Last month, 3 Volk-2 vehicles arrived from Syldavia.\n\n"
        "Last year, Kravonia bought 5 Orel-12 tanks from Ruritania.\n", encoding="utf-8")
    claims = {c["system"]: c for c in draft(folder).claims}
    assert claims["volk-2"]["delivered"] == "2024-01"
    assert claims["volk-2"]["recipient"] == "kravonia"  # not named: the last recipient
    assert "January 2024" in claims["volk-2"]["note"]
    assert claims["tarn-300"]["delivered"] == "2023-03"  # a March after February: the year before
    assert claims["orel-12"]["ordered"] == "2023"
    assert '"Last year" in an article of 10 February 2024: 2023.' in claims["orel-12"]["note"]


def test_without_a_publication_date_relative_dates_stay_unknown(tmp_path):
    folder = tmp_path / "corpus" / "undated"
    shutil.copytree(FICTION / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text("id: undated\nkind: article\ntitle: t\ntext: text.txt\n")
    (folder / "text.txt").write_text("In March, Kravonia received 2 Tarn-300 systems from Borduria.\n")
    (claim,) = draft(folder).claims
    assert "delivered" not in claim and "ordered" not in claim


def test_unknown_names_are_proposed_as_guesses_never_dropped(tmp_path):
    folder = tmp_path / "corpus" / "unknown"
    shutil.copytree(FICTION / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text("id: unknown\nkind: article\ntitle: t\nissued: 2024-02-10\ntext: text.txt\n")
    (folder / "text.txt").write_text("Kravonia has received 4 Gryf-9 fighters from Borduria.\n\n"
                                     "Defence Minister Ana Brel said the jets were “a gift to our pilots.”\n")
    d = draft(folder)
    write_draft(d)
    data = drafted(folder)
    proposed = {p["name"]: p for p in data["proposed_entities"]}
    assert proposed["Gryf-9"]["section"] == "systems" and proposed["Gryf-9"]["guess"] is True
    assert proposed["Ana Brel"]["type"] == "Person" and proposed["Ana Brel"]["guess"] is True
    claims = {c["type"]: c for c in data["claims"]}
    assert claims["transfer"]["system"] == "Gryf-9"
    assert claims["transfer"]["draft"]["unknown_names"] == ["Gryf-9"]
    assert claims["transfer"]["id"] in proposed["Gryf-9"]["claims"]
    assert claims["statement"]["speaker"] == "Ana Brel"
    assert "# names the registry does not know" in (folder / DRAFT_FILE).read_text(encoding="utf-8")
    # such a claim is not accepted before the registry knows the name: one line, nothing moved
    result = run("draft", folder, "--accept", claims["transfer"]["id"])
    assert result.exit_code == 1
    assert "Gryf-9" in result.output and "not accepted" in result.output
    assert not (folder / "claims.yaml").exists()


def draft_text(tmp_path: Path, text: str, issued: str = "2026-04-08") -> list[dict]:
    """The claims drafted from ``text`` with the fictional registry."""
    folder = tmp_path / "corpus" / "article"
    shutil.copytree(FICTION / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text(f"id: article\nkind: article\ntitle: t\nissued: {issued}\ntext: text.txt\n")
    (folder / "text.txt").write_text(text, encoding="utf-8")
    return draft(folder).claims


def fields(claims: list[dict], kind: str) -> list[tuple]:
    keys = {"transfer": ("supplier", "recipient", "system", "category"), "sanction": ("imposer", "target"),
            "membership": ("member", "organisation", "kind"), "statement": ("speaker",),
            "exercise": ("name", "participants")}[kind]
    return [tuple(c.get(k) for k in keys) for c in claims if c["type"] == kind]


@pytest.mark.parametrize("text,expected", [
    # a passive verb: the supplier after "by", the recipient after "to", a state's navy read as the state
    ("In March, two Tarn-300 systems were handed over to the Kravonian Navy by Ruritania.",
     ("ruritania", "kravonia", "tarn-300", None)),
    # a relative clause names who supplies; the owner's possessive names who receives
    ("The deal ends a long tie with Syldavia, which supplied the bulk of Borduria's armour in the 2010s.",
     ("syldavia", "borduria", None, "armoured-vehicle")),
    # where the systems were made, read as the supplier
    ("Kravonia has also taken delivery of four Volk-2 vehicles built in Ruritania.",
     ("ruritania", "kravonia", "volk-2", None)),
    # a contract with the supplier for the systems
    ("Borduria signed a contract with Syldavia for eight Zmaj MR-4 helicopters.",
     ("syldavia", "borduria", "zmaj-mr-4", None)),
])
def test_transfers_in_other_words(tmp_path, text, expected):
    assert fields(draft_text(tmp_path, text), "transfer") == [expected]


def test_a_dateline_names_no_party_and_a_supplier_without_recipient_supplies_the_last_one(tmp_path):
    claims = draft_text(tmp_path, "STRELSAU, 8 April 2026 (Fictional Wire Service) – Kravonia will buy three Volk-2 "
                                  "vehicles from Ruritania. Ruritania will also supply 12 Orel-12 tanks, according "
                                  "to a statement.\n")
    assert fields(claims, "transfer") == [("ruritania", "kravonia", "volk-2", None),
                                          ("ruritania", "kravonia", "orel-12", None)]


def test_a_title_is_not_drafted(tmp_path):
    claims = draft_text(tmp_path, "Kravonia receives Orel-12 tanks from Borduria\n\n"
                                  "Kravonia has received 10 Orel-12 tanks from Borduria.\n")
    assert [c["quote"] for c in claims] == ["Kravonia has received 10 Orel-12 tanks from Borduria."]


def test_speakers_named_by_surname_pronoun_or_their_state_s_body(tmp_path):
    claims = draft_text(tmp_path, "Syldavia's foreign minister Tomas Halder spoke first. “We will not be moved,” "
                                  "he told the Northern Defence Compact. “Nor will we,” said Halder.\n\n"
                                  "Borduria's foreign ministry called the sanctions “an act of war.” Kravonia "
                                  "said it would wait.\n")
    assert fields(claims, "statement") == [("tomas-halder",), ("tomas-halder",), ("bordurian-foreign-ministry",),
                                           ("kravonia",)]


@pytest.mark.parametrize("text,sentences", [
    # a straight quote after a sentence's end, before a word, opens the next sentence (as “ does)
    ('The two armies will not exercise together. "We will never join NATO," President Aleksandar Vučić said.',
     ["The two armies will not exercise together.", '"We will never join NATO," President Aleksandar Vučić said.']),
    ("The two armies will not exercise together. “We will never join NATO,” President Aleksandar Vučić said.",
     ["The two armies will not exercise together.", "“We will never join NATO,” President Aleksandar Vučić said."]),
    # one right after the full stop closes the quotation, and stays with its sentence
    ('He said "we will not join." Then he left.', ['He said "we will not join."', "Then he left."]),
    ('He said: "No." "Never," she replied.', ['He said: "No."', '"Never," she replied.']),
    ('The talks ended.\n"We will meet again," he said.', ["The talks ended.", '"We will meet again," he said.']),
])
def test_straight_quotes_open_or_close_sentences_like_typographic_ones(text, sentences):
    read = Reader(load_registry(FICTION / "registry")).read(text, None, None)
    assert [s.text for s in read] == sentences
    assert all(s.text in text for s in read)


def test_a_statement_opening_with_a_straight_quote_is_quoted_whole(tmp_path):
    text = ('Syldavia and Borduria will not exercise together. "We will never join the Northern Defence Compact," '
            "Tomas Halder said.\n")
    claims = draft_text(tmp_path, text)
    assert [(c["quote"], c["speaker"]) for c in claims if c["type"] == "statement"] == [
        ('"We will never join the Northern Defence Compact," Tomas Halder said.', "tomas-halder")]


def test_sanctions_without_the_word_and_targets_named_after_a_description(tmp_path):
    claims = draft_text(tmp_path, "Syldavia has imposed sanctions on two Kravonian shipyards, Port Alder Yards and "
                                  "Marisk Dockworks. In January it banned exports of spare parts to Borduria, and "
                                  "froze the assets of Tomas Halder, Kravonia's envoy. The Northern Defence Compact "
                                  "met. The compact suspended arms sales to Ruritania.\n")
    assert fields(claims, "sanction") == [(["syldavia"], ["port-alder-yards", "marisk-dockworks"]),
                                          (["syldavia"], ["borduria"]), (["syldavia"], ["tomas-halder"]),
                                          (["northern-defence-compact"], ["ruritania"])]


def test_memberships_of_several_members_and_of_an_organisation_named_before(tmp_path):
    claims = draft_text(tmp_path, "The Northern Defence Compact, which both Syldavia and Borduria joined in 2019, "
                                  "met in Klow. Ruritania and Kravonia are already members. Kravonia remains an "
                                  "observer at the Danube Security Forum.\n")
    assert fields(claims, "membership") == [
        ("syldavia", "northern-defence-compact", "member"), ("borduria", "northern-defence-compact", "member"),
        ("ruritania", "northern-defence-compact", "member"), ("kravonia", "northern-defence-compact", "member"),
        ("kravonia", "danube-security-forum", "participant")]


def test_exercises_of_the_two_countries_named_last(tmp_path):
    claims = draft_text(tmp_path, "Ruritanian pilots have trained alongside Bordurian crews. The two air forces flew "
                                  "together in Silver Lance 2026 last September.\n")
    ((name, participants),) = fields(claims, "exercise")
    assert name == "Silver Lance 2026" and sorted(participants) == ["borduria", "ruritania"]


def test_drafting_loads_no_compiler_store_or_graph_library_and_reviewing_no_spacy():
    """A fresh `serbia-kg draft` pays for spaCy, not for the build's modules (start-up time)."""
    import subprocess

    code = ("import sys, graph.importers.draft as d; d.reject; a = 'spacy' in sys.modules; d.draft; "
            "print(a, sorted(m for m in ('spacy', 'graph.compile.build', 'graph.compile.claims', 'pyoxigraph', "
            "'networkx', 'pyshacl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split() == ["False", "['spacy']"]


def test_reviewing_needs_no_spacy(tmp_path, monkeypatch):
    """--reject and --accept work without spaCy; drafting without it says so in one line."""
    folder = new_folder(tmp_path, FICTION, "fiction-syldavia-sanctions")
    assert run("draft", folder).exit_code == 0
    first = drafted(folder)["claims"][0]["id"]
    for name in [m for m in sys.modules if m == "spacy" or m.startswith(("spacy.", "graph.importers.draft."))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy now fails
    result = run("draft", folder, "--reject", first)
    assert result.exit_code == 0, result.output
    result = run("draft", folder)
    assert result.exit_code == 2 and result.output.strip() == (
        "error: serbia-kg draft needs spaCy: pip install 'serbia-kg[draft]' (or '.[draft]' in a checkout)")


def test_names_match_whatever_their_case_diacritics_or_hyphens_but_acronyms_only_in_capitals(tmp_path):
    folder = tmp_path / "corpus" / "names"
    shutil.copytree(SEED_CORPUS / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text("id: names\nkind: article\ntitle: t\nissued: 2022-03-04\ntext: text.txt\n")
    (folder / "text.txt").write_text(
        "“Let us build,” President Aleksandar Vucic said.\n\n"
        "Serbia received the Pantsir-S1 system from Russia.\n", encoding="utf-8")
    claims = {c["type"]: c for c in draft(folder).claims}
    assert claims["statement"]["speaker"] == "aleksandar-vucic"
    assert claims["statement"].get("about", []) == []  # "us" is not the United States
    assert claims["transfer"]["system"] == "pantsir-s1"


def test_accept_moves_claims_into_claims_yaml_keeping_its_comments(tmp_path):
    folder = new_folder(tmp_path, FICTION, "fiction-syldavia-sanctions")
    (folder / "claims.yaml").write_text("# written by hand\nclaims:\n  - id: kept\n    type: membership\n"
                                        "    member: syldavia\n    organisation: northern-defence-compact\n"
                                        "    kind: member\n    quote: Syldavia is a member\n", encoding="utf-8")
    before = (folder / "claims.yaml").read_text(encoding="utf-8")
    assert run("draft", folder).exit_code == 0
    assert (folder / "claims.yaml").read_text(encoding="utf-8") == before  # drafting leaves it alone
    ids = [c["id"] for c in drafted(folder)["claims"]][:2]
    result = run("draft", folder, "--accept", *ids)
    assert result.exit_code == 0, result.output
    text = (folder / "claims.yaml").read_text(encoding="utf-8")
    assert text.startswith(before.rstrip("\n"))  # appended: the comments stay
    data = yaml.safe_load(text)
    assert [c["id"] for c in data["claims"]] == ["kept", *ids]
    assert all("draft" not in c for c in data["claims"])
    assert ids[0] not in [c["id"] for c in drafted(folder)["claims"]]
    assert validate(folder.parent)[1].claims == 3
    again = run("draft", folder, "--accept", ids[0])
    assert again.exit_code == 2 and f"no claim '{ids[0]}'" in again.output
    rest = [c["id"] for c in drafted(folder)["claims"]]
    dropped = run("draft", folder, "--reject", rest[0])
    assert dropped.exit_code == 0 and rest[0] not in [c["id"] for c in drafted(folder)["claims"]]
    # drafting again proposes what claims.yaml does not hold yet, not the accepted claims
    assert run("draft", folder).exit_code == 0
    again_ids = [c["id"] for c in drafted(folder)["claims"]]
    assert set(again_ids) == set(rest) and not set(again_ids) & set(ids)


def test_an_article_whose_claims_are_written_gets_only_what_they_lack(tmp_path):
    from graph.model.registry import load_registry

    folder = new_folder(tmp_path, SEED_CORPUS, SEED_ID)
    shutil.copy(SEED_CORPUS / SEED_ID / "claims.yaml", folder / "claims.yaml")
    d = draft(folder)
    hand = yaml.safe_load((folder / "claims.yaml").read_text(encoding="utf-8"))["claims"]
    text = (folder / "text.txt").read_text(encoding="utf-8")
    scored = bench_draft.score(hand, d.claims, text, load_registry(folder.parent / "registry"))
    # none of what is proposed again is a claim the hand-made file already holds
    assert sum(v["right"] for k, v in scored.items() if isinstance(v, dict)) == 0
    assert len(d.claims) < 5


def test_accept_refuses_a_claim_the_reviewer_broke(tmp_path):
    folder = new_folder(tmp_path, FICTION, "fiction-syldavia-sanctions")
    assert run("draft", folder).exit_code == 0
    path = folder / DRAFT_FILE
    data = drafted(folder)
    first = data["claims"][0]["id"]
    path.write_text(path.read_text(encoding="utf-8").replace(data["claims"][0]["quote"][:30], "Words not in the text"),
                    encoding="utf-8")
    result = run("draft", folder, "--accept", first)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "quote not found" in result.output
    assert not (folder / "claims.yaml").exists()


@pytest.mark.parametrize("case,content", [
    ("missing", None),
    ("empty", b""),
    ("blank", b"  \n\n \t\n"),
    ("latin-1", "Srbija je kupila lovce. Vu\u010di\u0107 je rekao: \u201eDa.\u201c".encode("cp1250")),
    ("utf-16", "Serbia received 6 MiG-29 fighters.".encode("utf-16")),
])
def test_bad_text_gets_one_line_and_nothing_written(tmp_path, case, content):
    folder = tmp_path / "corpus" / "bad"
    shutil.copytree(SEED_CORPUS / "registry", tmp_path / "corpus" / "registry")
    folder.mkdir()
    (folder / "source.yaml").write_text("id: bad\nkind: article\ntitle: t\nissued: 2022-03-04\ntext: text.txt\n")
    if content is not None:
        (folder / "text.txt").write_bytes(content)
    result = CliRunner().invoke(main, ["draft", str(folder)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "text.txt" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["source.yaml"] + (["text.txt"] if content is not None
                                                                                  else []))


def test_a_folder_that_does_not_exist_gets_one_line(tmp_path):
    result = run("draft", tmp_path / "nowhere")
    assert result.exit_code == 2 and "source folder not found" in result.output


def test_ids_given_without_accept_or_reject_are_a_usage_error(tmp_path):
    result = run("draft", tmp_path, "some-id")
    assert result.exit_code == 2 and "--accept or --reject" in result.output


@pytest.mark.slow
def test_the_benchmark_meets_the_issue_aims_on_the_first_source_and_the_fictional_articles():
    """Recall >= 80 % on transfers and exercises and >= 60 % overall, precision >= 60 % (issue 19);
    the held-out article is reported by the benchmark, not asserted."""
    groups: dict[str, list[dict]] = {}
    for group, name, folder, reg in bench_draft.cases():
        groups.setdefault(group, []).append(bench_draft.run_case(name, folder, reg))
    seed = bench_draft.summarise(groups["first source"])
    for t in ("transfer", "exercise"):
        assert seed[t]["found"] >= 0.8 * seed[t]["hand"]
    for group in ("first source", "fictional"):
        total = bench_draft.summarise(groups[group])
        found = sum(v["found"] for v in total.values())
        hand = sum(v["hand"] for v in total.values())
        right = sum(v["right"] for v in total.values())
        drafted_n = sum(v["drafted"] for v in total.values())
        assert found >= 0.6 * hand and right >= 0.6 * drafted_n, (group, total)
    quotes = sum(r["quotes"] for rs in groups.values() for r in rs)
    assert sum(r["quotes_found"] for rs in groups.values() for r in rs) == quotes > 0
