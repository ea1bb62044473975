"""Incremental builds (graph/compile/incremental.py): a build of an output folder that holds a previous
build compiles only the sources that changed, and writes the same bytes as a full build of the same
corpus, after sources are added, changed and removed, and after a registry change (which rebuilds all)."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DEFAULT_CORPUS, REPO
from graph.cli import main
from graph.compile.build import build
from graph.compile.incremental import CACHE_FILE
from graph.model import generation
from graph.model.errors import CorpusInvalid

sys.path.insert(0, str(REPO / "scripts"))
from generate_corpus import generate  # noqa: E402

#: What differs between two generations of the same corpus: its number and the record of it.
_OWN = {generation.STAMP, CACHE_FILE}


def outputs(out: Path) -> dict[str, bytes]:
    cur = generation.current(out)
    assert cur is not None
    return {p.name: p.read_bytes() for p in sorted(cur.iterdir()) if p.is_file() and p.name not in _OWN}


def full_outputs(corpus: Path, out: Path) -> dict[str, bytes]:
    build(corpus, out, full=True)
    return outputs(out)


def incremental(corpus: Path, out: Path) -> tuple[list[str], dict[str, bytes]]:
    lines: list[str] = []
    build(corpus, out, progress=lines.append)
    return lines, outputs(out)


def compiled(lines: list[str]) -> list[str]:
    """The sources a build compiled (its progress lines ``[k/n] NAME``)."""
    return [line.split("] ", 1)[1] for line in lines if re.match(r"\[\d+/\d+\] ", line)]


def copy_source(corpus: Path, name: str, new: str) -> None:
    shutil.copytree(corpus / name, corpus / new)
    meta = corpus / new / "source.yaml"
    meta.write_text(re.sub(r"^id: .*$", f"id: {new}", meta.read_text(), flags=re.M))


def drop_last_claim(claims: Path) -> None:
    text = claims.read_text()
    at = text.rindex("\n  - id:")
    claims.write_text(text[:at] + "\n")


def built_copy(corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of ``corpus`` in ``tmp_path`` and its full build (corpus, out)."""
    copy, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(corpus, copy)
    build(copy, out)
    return copy, out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("inc") / "corpus"
    generate(12000, corpus, seed=7)
    return corpus


@pytest.mark.parametrize("forked", [False, True])
def test_added_changed_and_removed_sources_give_the_bytes_of_a_full_build(synthetic, tmp_path, monkeypatch, forked):
    """``forked``: the questions' lists made again on two forked processes, as from
    graph.compile.parallel.PARALLEL_CLAIMS claims on."""
    pools: list[int] = []
    if forked:
        from graph.compile import parallel

        monkeypatch.setattr(parallel, "PARALLEL_CLAIMS", 0)
        monkeypatch.setattr(parallel, "cores", lambda: 2)
        real_pool = parallel.pool
        monkeypatch.setattr(parallel, "pool", lambda n, *a: pools.append(n) or real_pool(n, *a))
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out = tmp_path / "out"
    lines, _ = incremental(corpus, out)  # the first build: everything
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    assert len(names) >= 5 and compiled(lines) == names and not any("incremental" in x for x in lines)

    # added: a copy of a source under another id (its transfers link with the original's: kgg:links changes)
    copy_source(corpus, names[0], "zz-added-copy")
    lines, got = incremental(corpus, out)
    assert f"incremental build: 0 source(s) changed, 1 added, 0 removed, {len(names)} unchanged " \
           "(--full rebuilds everything)" in lines
    assert compiled(lines) == ["zz-added-copy"]
    assert got == full_outputs(corpus, tmp_path / "full-1")
    assert b"sameFactAs" in got["serbia-kg.nq"]

    # changed: a claim dropped and the title edited
    drop_last_claim(corpus / names[1] / "claims.yaml")
    meta = corpus / names[1] / "source.yaml"
    meta.write_text(re.sub(r"^title: .*$", 'title: "An edited title"', meta.read_text(), count=1, flags=re.M))
    lines, got = incremental(corpus, out)
    assert "incremental build: 1 source(s) changed, 0 added, 0 removed" in lines[0]
    assert compiled(lines) == [names[1]]
    assert b"An edited title" in got["serbia-kg.ttl"]
    assert got == full_outputs(corpus, tmp_path / "full-2")

    # removed: one source, and the copy (its links go with it)
    shutil.rmtree(corpus / names[2])
    shutil.rmtree(corpus / "zz-added-copy")
    lines, got = incremental(corpus, out)
    assert "0 source(s) changed, 0 added, 2 removed" in lines[0] and compiled(lines) == []
    assert got == full_outputs(corpus, tmp_path / "full-3")
    assert names[2].encode() not in got["serbia-kg.nq"]

    # nothing changed: nothing compiled, the same bytes
    before = got
    lines, got = incremental(corpus, out)
    assert compiled(lines) == [] and got == before
    assert pools.count(2) >= 3 if forked else pools == []  # (each of the three changes' lists on two processes)


def test_a_registry_change_rebuilds_everything_and_says_so(synthetic, tmp_path):
    corpus, out = built_copy(synthetic, tmp_path)
    entities = corpus / "registry" / "entities.yaml"
    text = entities.read_text()
    entities.write_text(re.sub(r'label: "([^"]+)"', r'label: "\1 the Renamed"', text, count=1))
    assert entities.read_text() != text
    lines, got = incremental(corpus, out)
    assert "full build: the registry changed since the previous build" in lines
    assert len(compiled(lines)) == len([p for p in corpus.iterdir() if (p / "source.yaml").is_file()])
    assert b" the Renamed" in got["serbia-kg.ttl"]
    assert got == full_outputs(corpus, tmp_path / "full")


def test_the_default_corpus_removed_and_added_back(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(DEFAULT_CORPUS, corpus, ignore=shutil.ignore_patterns("out"))
    out = tmp_path / "out"
    build(corpus, out)
    first = outputs(out)
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    aside = tmp_path / "aside"
    shutil.move(corpus / names[1], aside)
    lines, got = incremental(corpus, out)
    assert "0 source(s) changed, 0 added, 1 removed" in lines[0]
    assert got == full_outputs(corpus, tmp_path / "full")
    shutil.move(aside, corpus / names[1])
    lines, got = incremental(corpus, out)
    assert compiled(lines) == [names[1]] and got == first


def test_an_invalid_change_writes_nothing_and_the_next_build_reuses_the_previous_one(synthetic, tmp_path):
    corpus, out = built_copy(synthetic, tmp_path)
    before, current = outputs(out), generation.current(out)
    name = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())[0]
    claims = corpus / name / "claims.yaml"
    good = claims.read_text()
    claims.write_text(good + "\n  - id: bad-1\n    type: transfer\n    supplier: nowhere-land\n"
                             "    recipient: freedonia\n    quote: \"not in the text\"\n")
    with pytest.raises(CorpusInvalid):
        build(corpus, out)
    assert generation.current(out) == current and outputs(out) == before
    claims.write_text(good)
    lines, got = incremental(corpus, out)
    assert compiled(lines) == [] and got == before


def test_what_cannot_be_trusted_is_rebuilt_in_full(synthetic, tmp_path):
    corpus, out = built_copy(synthetic, tmp_path)
    expected = outputs(out)
    every = len([p for p in corpus.iterdir() if (p / "source.yaml").is_file()])
    # the record of the sources damaged
    (generation.current(out) / CACHE_FILE).write_bytes(b"not a pickle")
    lines, got = incremental(corpus, out)
    assert "full build: the previous build's record of its sources is unreadable" in lines
    assert len(compiled(lines)) == every and got == expected
    # the previous N-Quads touched after the build wrote them
    nq = generation.current(out) / "serbia-kg.nq"
    os.utime(nq, ns=(nq.stat().st_atime_ns, nq.stat().st_mtime_ns + 1_000_000_000))
    lines, got = incremental(corpus, out)
    assert "full build: the previous build's serbia-kg.nq is not the one it wrote" in lines
    assert len(compiled(lines)) == every and got == expected


def test_the_command_builds_incrementally_unless_asked_for_full(synthetic, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["build", "--sources", str(corpus), "--out", str(out), "--no-view"]
    assert runner.invoke(main, args).exit_code == 0
    first = generation.current(out)
    res = runner.invoke(main, args)  # nothing changed: nothing written, and said so
    assert res.exit_code == 0 and "up to date: nothing changed since the current build" in res.output
    assert res.output.splitlines()[-1].startswith("up to date: ")
    said = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    assert said["built"] is True and said["up_to_date"] is True and said["out"] == str(out)
    assert generation.current(out) == first and sorted(os.listdir(out / generation.BUILDS)) == [first.name]
    drop_last_claim(next(corpus.glob("*/claims.yaml")))
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and "incremental build: 1 source(s) changed, 0 added, 0 removed" in res.output
    res = runner.invoke(main, [*args, "--full"])
    assert res.exit_code == 0 and "full build (asked for)" in res.output and "incremental" not in res.output
    assert "up to date" not in res.output


def test_a_build_with_nothing_changed_writes_nothing_unless_its_outputs_were_touched(synthetic, tmp_path):
    from graph.pipeline import VIEW, build as build_all

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(synthetic, corpus)
    comp, summary = build_all(corpus, out, view=False)
    first, written = generation.current(out), outputs(out)
    assert not comp.up_to_date and first is not None
    # a claims file written again with the same bytes (new times): its digest read again, the same
    claims = next(corpus.glob("*/claims.yaml"))
    claims.write_bytes(claims.read_bytes())
    lines: list[str] = []
    comp, again = build_all(corpus, out, view=False, progress=lines.append)
    assert comp.up_to_date and comp.written_to is None and generation.current(out) == first
    assert [line for line in lines if "up to date" in line or "build" in line] == [
        f"up to date: nothing changed since the current build ({first.name}); nothing written "
        "(--full builds everything again)"]
    # what it returns is that build's: the same summary, the same N-Quads, the same sources
    assert again == summary and comp.nquads_text().encode() == written["serbia-kg.nq"]
    assert sorted(s.folder.name for s in comp.sources) == sorted(p.name for p in corpus.iterdir()
                                                                 if (p / "claims.yaml").exists())
    # a view asked for that the build did not write: built (only the view is new)
    comp, _ = build_all(corpus, out, view=True)
    second = generation.current(out)
    assert not comp.up_to_date and second != first and (second / VIEW).is_file()
    assert build_all(corpus, out, view=True)[0].up_to_date
    # a page written over the build's name (`serbia-kg view`'s default --out): the name is the build's again
    (out / VIEW).unlink()
    (out / VIEW).write_text("<html>a focused view</html>")
    assert build_all(corpus, out, view=True)[0].up_to_date
    assert (out / VIEW).is_symlink() and (out / VIEW).read_bytes() == (second / VIEW).read_bytes()
    assert generation.verify(out) == []
    # an output changed, or gone, since the build wrote it: written again, the same bytes as before
    for mend in (lambda p: p.write_bytes(p.read_bytes()), lambda p: p.unlink()):
        mend(generation.current(out) / "serbia-kg.ttl")
        comp, _ = build_all(corpus, out, view=True)
        assert not comp.up_to_date
        assert {k: v for k, v in outputs(out).items() if k != VIEW} == written
    # --full builds anyway
    comp, _ = build_all(corpus, out, view=True, full=True)
    assert not comp.up_to_date
    # the library's build (no ``keep``) writes a generation every time
    before = generation.current(out)
    comp, _ = build(corpus, out)
    assert not comp.up_to_date and generation.current(out) != before


def test_unchanged_graphs_are_copied_from_the_previous_trig_and_json_ld(synthetic, tmp_path, monkeypatch):
    from graph.compile import merged, serialize

    corpus, out = built_copy(synthetic, tmp_path)
    written: list[tuple[str, bytes]] = []
    chunk = serialize._chunk
    monkeypatch.setattr(serialize, "_chunk",
                        lambda fmt, data, frame: written.append((fmt, data)) or chunk(fmt, data, frame))
    spliced: list = []
    splice = merged.write_spliced
    monkeypatch.setattr(merged, "write_spliced", lambda *a: spliced.append(a[2]) or splice(*a))
    name = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())[0]
    drop_last_claim(corpus / name / "claims.yaml")
    _, got = incremental(corpus, out)
    graphs = {fmt: sorted(data.split(b" <")[-1].split(b">")[0].decode().rsplit("/", 1)[-1] for f, data in written
                          if f == fmt) for fmt in ("trig", "json-ld")}
    # the changed source and the derived graphs its claims are counted in; not the other sources, the registry
    assert graphs["trig"] == graphs["json-ld"] == sorted([name, "pages", "ties"])
    # the Turtle spliced: the blocks of the subjects of the triples that changed written again, the others copied
    assert len(spliced) == 1 and len(spliced[0]) == 3
    assert got == full_outputs(corpus, tmp_path / "full")
    # a previous TriG that is not the file the build wrote is not copied from
    trig = generation.current(out) / "serbia-kg.trig"
    os.utime(trig, ns=(trig.stat().st_atime_ns, trig.stat().st_mtime_ns + 1_000_000_000))
    written.clear()
    drop_last_claim(corpus / name / "claims.yaml")
    _, got = incremental(corpus, out)
    assert len([f for f, _ in written if f == "trig"]) > 3 and got == full_outputs(corpus, tmp_path / "full-2")
    assert len(spliced) == 2  # (the Turtle was the file the build wrote)


def _quads(graphs: dict[str, list[str]]) -> tuple[bytes, list]:
    from graph.compile.serialize import Part

    data, parts = b"", []
    for g in sorted(graphs):
        chunk = "".join(f"{t} <https://w3id.org/serbia-kg/graph/{g}> .\n" for t in sorted(set(graphs[g]))).encode()
        parts.append(Part(f"<https://w3id.org/serbia-kg/graph/{g}>", "x.nq", len(data), len(chunk), len(graphs[g])))
        data += chunk
    return data, parts


def test_a_chunked_output_written_in_spans_and_joined_is_the_file_written_whole(tmp_path):
    """The outputs' processes write TriG and JSON-LD in spans of graphs, each to a file of its own, joined in
    order (graph/compile/build.py: _spans, _Taking): the same bytes, each chunk where the whole file has it."""
    from graph.compile.serialize import HashingWriter, Part, write_chunked

    data, parts = _quads({"a": ["<https://e.org/s> <https://e.org/p> \"1\""],
                          "b": [f"<https://e.org/s{i}> <https://e.org/p> \"{i}\"" for i in range(30)],
                          "c": ["<https://e.org/t> <https://e.org/p> <https://e.org/s>"]})
    empty = Part("<https://w3id.org/serbia-kg/graph/0>", "x.nq", 0, 0, 0)  # (a graph with no triples: no chunk)
    parts = [empty, *parts[:2], Part("<https://w3id.org/serbia-kg/graph/bb>", "x.nq", len(data), 0, 0), parts[2]]
    (tmp_path / "x.nq").write_bytes(data)
    for fmt in ("trig", "json-ld"):
        with HashingWriter(tmp_path / "whole") as out:
            where = write_chunked(fmt, tmp_path / "x.nq", parts, out)
            out.close()
        whole = (tmp_path / "whole").read_bytes()
        for cuts in ([0, 1, 5], [0, 2, 5], [0, 3, 4, 5], [0, 1, 2, 3, 4, 5], [0, 4, 5]):
            joined, at = b"", {}
            for start, end in zip(cuts, cuts[1:]):
                with HashingWriter(tmp_path / "span", hashing=False) as out:
                    span_at = write_chunked(fmt, tmp_path / "x.nq", parts, out, span=(start, end))
                    assert out.close() == ""
                at.update({g: (len(joined) + pos, n) for g, (pos, n) in span_at.items()})
                joined += (tmp_path / "span").read_bytes()
            assert joined == whole and at == where, (fmt, cuts)


@pytest.mark.parametrize("by_the_system", [True, False])
def test_the_n_quads_copied_by_the_system_are_the_graphs_bytes_in_order_with_their_digest(tmp_path, monkeypatch,
                                                                                          by_the_system):
    """write_nquads copies the graphs that lie one after another in a file at once, by the system
    (os.copy_file_range), and takes the digest from a map of the files meanwhile: the file and its sha256 are
    those of the graphs' bytes written in the order of their names, from files and from pieces held in memory
    (an updated graph's, any range of them), after what was written before; where the system cannot copy (two
    file systems), through a buffer."""
    import hashlib

    from graph.compile import serialize
    from graph.compile.serialize import HashingWriter, Part, write_nquads

    if not by_the_system:
        def cannot(*args, **kwargs):
            raise OSError(18, "Invalid cross-device link")
        monkeypatch.setattr(serialize.os, "copy_file_range", cannot)
    rng = random.Random(7)
    files = {name: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000))) for name in ("p.nq", "q.nq")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    derived = b"".join(f"<https://e.org/held> <https://e.org/p> \"{i}\" .\n".encode() for i in range(300))
    cuts = sorted({0, len(derived), *(rng.randrange(len(derived)) for _ in range(12))})
    held = {"derived.0.nq": [derived[a:b] if k % 2 else memoryview(derived)[a:b]  # in pieces, as a patch holds it
                             for k, (a, b) in enumerate(zip(cuts, cuts[1:]))]}
    parts, expected = [], {}
    for i in range(40):  # graphs from both files (runs of neighbours and gaps) and from the pieces held
        name = rng.choice([*files, *held])
        data = {**files, "derived.0.nq": derived}[name]
        start = rng.randrange(len(data))
        length = rng.randrange(0, min(len(data) - start, 900) + 1)
        graph = f"<https://w3id.org/serbia-kg/graph/{i:03d}>"
        parts.append(Part(graph, name, start, length, 1))
        expected[graph] = data[start:start + length]
    a = files["p.nq"]
    parts += [Part("<https://w3id.org/serbia-kg/graph/100>", "p.nq", 0, 10, 1),  # neighbours: copied as one range
              Part("<https://w3id.org/serbia-kg/graph/101>", "p.nq", 10, len(a) - 10, 1)]
    expected["<https://w3id.org/serbia-kg/graph/100>"] = a[:10]
    expected["<https://w3id.org/serbia-kg/graph/101>"] = a[10:]
    rng.shuffle(parts)
    with HashingWriter(tmp_path / "out.nq") as out:
        out.write(b"before\n")
        written = write_nquads(tmp_path, parts, out, "out.nq", held=held)
        assert out.fh.tell() == 7 + sum(map(len, expected.values()))  # (the file's place, as it is after writes)
        out.write(b"after\n")
        digest = out.close()
    body = b"".join(expected[g] for g in sorted(expected))
    whole = b"before\n" + body + b"after\n"
    assert (tmp_path / "out.nq").read_bytes() == whole
    assert digest == hashlib.sha256(whole).hexdigest()
    assert [(p.graph, p.offset, p.length) for p in written] == \
        [(g, sum(len(expected[h]) for h in sorted(expected) if h < g), len(expected[g])) for g in sorted(expected)]


def test_n_quads_from_a_spool_file_shorter_than_its_parts_are_an_error(tmp_path):
    from graph.compile.serialize import HashingWriter, Part, write_nquads

    (tmp_path / "p.nq").write_bytes(b"<https://e.org/s> <https://e.org/p> <https://e.org/o> .\n")
    with HashingWriter(tmp_path / "out.nq") as out:
        with pytest.raises(OSError, match="p.nq is shorter than expected"):
            write_nquads(tmp_path, [Part("<https://w3id.org/serbia-kg/graph/a>", "p.nq", 10, 100, 1)], out, "out.nq")


def test_the_turtle_spliced_keeps_a_triple_while_any_graph_holds_it(tmp_path):
    from graph.compile import merged
    from graph.compile.serialize import HashingWriter

    e = "<https://w3id.org/serbia-kg/id/{}>"
    p = "<https://w3id.org/serbia-kg/ontology#{}>"
    shared = f'{e.format("a")} {p.format("label")} "A\\nline"@en'
    versions = [
        {"g1": [shared, f"{e.format('a')} {p.format('x')} {e.format('b')}"],
         "g2": [shared, f"{e.format('b')} {p.format('x')} {e.format('c')}"],
         "g3": [f"{e.format('c')} {p.format('x')} \"1\"^^<http://www.w3.org/2001/XMLSchema#integer>"]},
        {"g1": [f"{e.format('a')} {p.format('x')} {e.format('b')}"],   # g1 drops the shared triple: g2 still holds it
         "g2": [shared, f"{e.format('b')} {p.format('x')} {e.format('c')}"],
         "g3": [f"{e.format('c')} {p.format('x')} \"1\"^^<http://www.w3.org/2001/XMLSchema#integer>"]},
        {"g1": [f"{e.format('a')} {p.format('x')} {e.format('b')}"],   # g2 drops it too; g3 goes, g4 comes
         "g2": [f"{e.format('b')} {p.format('x')} {e.format('c')}"],
         "g4": [f"{e.format('d')} {p.format('y')} \"z\"", shared]},
    ]
    data, parts = _quads(versions[0])
    (tmp_path / "x.nq").write_bytes(data)
    with HashingWriter(tmp_path / "0.ttl") as out:
        n, index = merged.write_full(tmp_path / "x.nq", parts, out, tmp_path / "0.ttl")
        out.close()
    assert n == 4 and index is not None and index.shared
    for k in (1, 2):
        old, new = versions[k - 1], versions[k]
        def nq(version: dict, g: str) -> bytes:
            lines = sorted(set(version.get(g, [])))
            return "".join(f"{t} <https://w3id.org/serbia-kg/graph/{g}> .\n" for t in lines).encode()

        changed = [(nq(old, g), nq(new, g)) for g in sorted(set(old) | set(new)) if old.get(g) != new.get(g)]
        with HashingWriter(tmp_path / f"{k}.ttl") as out:
            index = merged.write_spliced(tmp_path / f"{k - 1}.ttl", index, changed, out)
            out.close()
        data, parts = _quads(new)
        (tmp_path / "y.nq").write_bytes(data)
        with HashingWriter(tmp_path / f"full-{k}.ttl") as out:
            n, _ = merged.write_full(tmp_path / "y.nq", parts, out, tmp_path / f"full-{k}.ttl")
            out.close()
        assert (tmp_path / f"{k}.ttl").read_bytes() == (tmp_path / f"full-{k}.ttl").read_bytes()
        assert index.triples == n
    assert b"A\\nline" in (tmp_path / "2.ttl").read_bytes()


def test_the_merged_turtle_is_every_triple_once_in_order_whatever_the_blocks_read(tmp_path, monkeypatch):
    """The graphs are merged by runs of lines read in blocks: with blocks of a few lines, runs that cross them,
    subjects spread over several graphs and triples held by several, the file is pyoxigraph's Turtle of the
    sorted set of triples, and the index names each subject once, in order."""
    import random

    import pyoxigraph as ox

    from graph.compile import merged
    from graph.compile.serialize import HashingWriter, _prefixes

    rng = random.Random(5)
    e = "<https://w3id.org/serbia-kg/id/{}>"
    p = "<https://w3id.org/serbia-kg/ontology#{}>"
    pool = [f"{e.format(rng.choice('abcdefgh') + str(rng.randrange(40)))} {p.format(rng.choice('xyz'))} "
            f"\"{rng.randrange(50)}\"" for _ in range(400)]
    graphs = {f"g{i}": rng.sample(pool, 60) for i in range(7)}
    data, parts = _quads(graphs)
    parts = [dataclasses.replace(part, triples=len(set(graphs[part.graph.rsplit("/", 1)[-1][:-1]])))
             for part in parts]
    (tmp_path / "x.nq").write_bytes(data)
    lines_of = merged._lines_of
    monkeypatch.setattr(merged, "_lines_of", lambda fd, part: lines_of(fd, part, chunk=200))
    with HashingWriter(tmp_path / "m.ttl") as out:
        n, index = merged.write_full(tmp_path / "x.nq", parts, out, tmp_path / "m.ttl")
        out.close()
    triples = sorted({t for g in graphs.values() for t in g})
    want = ox.serialize(ox.parse("".join(f"{t} .\n" for t in triples).encode(), format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.TURTLE, prefixes=_prefixes())
    assert (tmp_path / "m.ttl").read_bytes() == want and n == len(triples)
    assert index is not None and index.subject_list() == sorted({t.split(" ")[0].encode() for t in triples})
    held = Counter(t for g in graphs.values() for t in set(g))
    assert index.shared == {t.encode(): k for t, k in held.items() if k > 1}


def test_a_turtle_record_that_does_not_fit_the_previous_file_gives_a_turtle_written_whole(synthetic, tmp_path):
    from array import array

    from graph.compile import incremental as inc

    corpus, out = built_copy(synthetic, tmp_path)
    record = generation.current(out) / CACHE_FILE
    cache = inc.read(record)
    starts = cache.turtle.starts
    cache.turtle.starts = array("q", [starts[0]] * (len(starts) - 1) + [starts[-1]])  # every block empty
    inc.write(record, cache)
    name = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())[-1]
    drop_last_claim(corpus / name / "claims.yaml")
    lines, got = incremental(corpus, out)
    assert compiled(lines) == [name] and got == full_outputs(corpus, tmp_path / "full")


def test_ties_and_pages_are_updated_subject_by_subject(synthetic, tmp_path, monkeypatch):
    """kgg:ties and kgg:pages are not made again from every source's records: the nodes the changed claims
    bear on are (graph/compile/delta.py), and the TriG and JSON-LD copy the graphs' other subjects."""
    from graph.compile import build as build_module, delta

    monkeypatch.setattr(build_module, "PARALLEL_TRIPLES", 0)  # the outputs written by two processes, as at 1M
    monkeypatch.setattr(build_module, "SPAN_MIN", 1)  # TriG and JSON-LD written in spans of graphs, joined
    corpus, out = built_copy(synthetic, tmp_path)
    made: list[tuple[str, int]] = []
    derive = delta.derive
    monkeypatch.setattr(delta, "derive", lambda *a: (lambda r: made.append(r) or r)(derive(*a)))
    log = tmp_path / "spliced.txt"  # (written by the outputs' processes)
    splice = delta.splice_chunk

    def watched(fmt, old, patch, make):
        new = splice(fmt, old, patch, make)  # a Mismatch (then the chunk is written whole) fails the test
        with open(log, "a") as fh:
            fh.write(f"{fmt} {len(patch.insert)} {patch.subjects_before}\n")
        return new

    monkeypatch.setattr(delta, "splice_chunk", watched)
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    for step in range(3):
        if step == 0:  # a claim dropped
            drop_last_claim(corpus / names[3] / "claims.yaml")
        elif step == 1:  # a source added, a copy of another (its claims name the same pairs of actors)
            copy_source(corpus, names[4], "zz-added-copy")
        else:  # and removed
            shutil.rmtree(corpus / "zz-added-copy")
        made.clear()
        log.write_text("")
        _, got = incremental(corpus, out)
        spliced = [(fmt, int(n), int(before)) for fmt, n, before in map(str.split, log.read_text().splitlines())]
        assert len(made) == 1 and made[0] is not None
        patches = made[0]
        ties = patches["<https://w3id.org/serbia-kg/graph/ties>"]
        pages = patches["<https://w3id.org/serbia-kg/graph/pages>"]
        assert ties.removed or ties.added or step == 0
        assert pages.removed or pages.added
        # a few subjects written again, in both outputs, the others copied
        assert sorted(fmt for fmt, _, _ in spliced) == ["json-ld", "json-ld", "trig", "trig"]
        assert all(n < before for _, n, before in spliced) and any(n for _, n, _ in spliced)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")


def test_a_source_whose_files_kept_their_stats_is_not_read_again(synthetic, tmp_path, monkeypatch):
    from graph.compile import incremental as inc

    monkeypatch.setattr(inc, "SETTLED_NS", 0)  # (a build trusts only files changed 2 s or more before it)
    corpus, out = built_copy(synthetic, tmp_path)
    read: list[str] = []
    digest = inc.source_digest
    monkeypatch.setattr(inc, "source_digest", lambda folder: read.append(folder.name) or digest(folder))
    lines, before = incremental(corpus, out)
    assert read == [] and compiled(lines) == []
    name = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())[2]
    claims = corpus / name / "source.yaml"
    text = claims.read_text()
    i = re.search(r"(?m)^title: \W*\w", text).end() - 1
    claims.write_text(text[:i] + text[i].swapcase() + text[i + 1:])  # the same size, other bytes
    lines, got = incremental(corpus, out)
    assert read == [name] and compiled(lines) == [name]
    assert got == full_outputs(corpus, tmp_path / "full")
    # the same bytes written back (a new time): read again, found unchanged, not compiled
    read.clear()
    claims.write_text(text)
    claims.write_text(claims.read_text())
    lines, got = incremental(corpus, out)
    assert read == [name]


def test_lists_of_their_own_come_and_go_as_a_full_build_makes_them(synthetic, tmp_path, monkeypatch):
    """With pages of 3 claims, pairs of recipient and supplier (of actor and partner) have lists of their
    own in the small corpus (transfers-by-supplier's and systems-by-origin's): a change that makes a pair's
    list come or go gives a full build's bytes."""
    from graph.compile import delta, pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 3)
    corpus, out = built_copy(synthetic, tmp_path)
    made: list = []
    derive = delta.derive
    monkeypatch.setattr(delta, "derive", lambda *a: (lambda r: made.append(r) or r)(derive(*a)))
    pairs = (rb"page/transfers-by-supplier/id/[^/> ]+/id/", rb"page/exercises-by-partner/id/[^/> ]+/id/",
             rb"page/systems-by-origin/id/[^/> ]+/id/")
    nq = outputs(out)["serbia-kg.nq"]
    assert all(re.search(p, nq) for p in pairs)
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    for step, name in enumerate(names[:3]):
        claims = corpus / name / "claims.yaml"
        for _ in range(3):
            drop_last_claim(claims)
        _, got = incremental(corpus, out)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")
    shutil.rmtree(corpus / names[0])
    copy_source(corpus, names[-1], "zz-added-copy")
    _, got = incremental(corpus, out)
    assert got == full_outputs(corpus, tmp_path / "full-last")
    assert len(made) == 4 and all(r is not None for r in made)  # updated in place, not made whole


def test_lists_of_busy_pairs_come_and_go_as_a_full_build_makes_them(synthetic, tmp_path, monkeypatch):
    """With entities busy past 12 claims and pages of 3, pairs of busy entities have lists of
    ``tie-sources``: dropped claims, a removed and an added source give a full build's bytes (the
    lists updated in place, or made whole where an entity became busy or stopped being so)."""
    from graph.compile import delta, pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 3)
    monkeypatch.setattr(pages, "BUSY", 12)
    corpus, out = built_copy(synthetic, tmp_path)
    made: list = []
    derive = delta.derive
    monkeypatch.setattr(delta, "derive", lambda *a: (lambda r: made.append(r) or r)(derive(*a)))
    assert re.search(rb"page/tie-sources/id/[^/> ]+/id/", outputs(out)["serbia-kg.nq"])
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    for step, name in enumerate(names[:3]):
        claims = corpus / name / "claims.yaml"
        for _ in range(3):
            drop_last_claim(claims)
        _, got = incremental(corpus, out)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")
    shutil.rmtree(corpus / names[0])
    copy_source(corpus, names[-1], "zz-added-copy")
    _, got = incremental(corpus, out)
    assert got == full_outputs(corpus, tmp_path / "full-last")
    assert len(made) == 4 and any(r is not None for r in made)  # updated in place at least once


def test_the_record_copies_the_batches_it_did_not_change(synthetic, tmp_path, monkeypatch):
    """An incremental build pickles again only the batch of entries of the source that changed (the others'
    pickles are copied from the previous record), and records what a full build of the corpus records."""
    from dataclasses import replace

    from graph.compile import incremental as inc

    monkeypatch.setattr(inc, "_BATCH", 2)
    # every folder's stats recorded, however soon after the copy the build read it (else a folder read
    # within SETTLED_NS of its copy is read again next time, and its batch pickled again)
    monkeypatch.setattr(inc, "SETTLED_NS", 0)
    corpus, out = built_copy(synthetic, tmp_path)
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    drop_last_claim(corpus / names[3] / "claims.yaml")
    pickled: list[list[str]] = []
    dump = inc._pickle
    monkeypatch.setattr(inc, "_pickle", lambda obj: pickled.append(list(obj)) or dump(obj))
    incremental(corpus, out)
    assert pickled == [names[2:4]]
    build(corpus, tmp_path / "full", full=True)
    got, full = (inc.read(generation.current(o) / CACHE_FILE) for o in (out, tmp_path / "full"))
    assert list(got.entries) == names and got.parts == full.parts
    assert {n: replace(e, stats=None) for n, e in got.entries.items()} == \
        {n: replace(e, stats=None) for n, e in full.entries.items()}


def test_a_source_of_no_claims_added_and_removed_gives_the_bytes_of_a_full_build(synthetic, tmp_path, monkeypatch):
    """A source of no claims changes no claim's list, but ``claims-per-source`` lists every source (its page
    counts one of no claims): added, then removed, it gives a full build's bytes, updated in place."""
    from graph.compile import delta, pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    corpus, out = built_copy(synthetic, tmp_path)
    made: list = []
    derive = delta.derive
    monkeypatch.setattr(delta, "derive", lambda *a: (lambda r: made.append(r) or r)(derive(*a)))
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    for step in range(2):
        if step == 0:
            (corpus / "b-no-claims").mkdir()
            for f in ("source.yaml", "text.txt"):
                shutil.copy(corpus / names[0] / f, corpus / "b-no-claims" / f)
            meta = corpus / "b-no-claims" / "source.yaml"
            meta.write_text(re.sub(r"^id: .*$", "id: b-no-claims", meta.read_text(), flags=re.M))
            (corpus / "b-no-claims" / "claims.yaml").write_text("claims: []\n")
        else:
            shutil.rmtree(corpus / "b-no-claims")
        _, got = incremental(corpus, out)
        assert (b"pageItem> <https://w3id.org/serbia-kg/source/b-no-claims> " in got["serbia-kg.nq"]) == (step == 0)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")
    assert len(made) == 2 and all(r is not None and r["<https://w3id.org/serbia-kg/graph/pages>"].added
                                  for r in made)


def test_lists_of_members_come_grow_and_go_as_a_full_build_makes_them(synthetic, tmp_path, monkeypatch):
    """With pages of 2 claims, each member has a list of ``memberships``: sources of memberships copied (their
    claims' ids and organisations the same: rows that tie in the list's order), removed and added back make
    members' lists grow, shrink, go and come; each step gives a full build's bytes, updated in place, with a
    list for each member of a membership and no other."""
    from graph.compile import delta, pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    corpus, out = built_copy(synthetic, tmp_path)
    made: list = []
    derive = delta.derive
    monkeypatch.setattr(delta, "derive", lambda *a: (lambda r: made.append(r) or r)(derive(*a)))

    def members(name: str) -> list[str]:
        text = (corpus / name / "claims.yaml").read_text()
        return re.findall(r"^    type: membership\n    member: (\S+)$", text, re.M)

    def listed(nq: bytes) -> set[bytes]:
        return set(re.findall(rb"<https://w3id.org/serbia-kg/page/memberships/id/([^/> ]+)/\d+> ", nq))

    def expected() -> set[bytes]:
        return {m.encode() for p in corpus.iterdir() if (p / "claims.yaml").is_file() for m in members(p.name)}

    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    counts = {m: sum(members(n).count(m) for n in names) for n in names for m in members(n)}
    most = max(names, key=lambda n: (len(members(n)), n))
    alone = next(n for n in names if any(counts[m] == 1 for m in members(n)))  # a member's only membership
    shutil.copytree(corpus / alone, tmp_path / "alone")
    assert listed(outputs(out)["serbia-kg.nq"]) == expected() != set()
    seen = [expected()]
    steps = [lambda: copy_source(corpus, most, "zz-members-1"), lambda: copy_source(corpus, most, "zz-members-2"),
             lambda: shutil.rmtree(corpus / alone), lambda: shutil.copytree(tmp_path / "alone", corpus / alone),
             lambda: shutil.rmtree(corpus / "zz-members-1")]
    for step, change in enumerate(steps):
        change()
        _, got = incremental(corpus, out)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")
        assert listed(got["serbia-kg.nq"]) == expected()
        seen.append(expected())
    assert any(a - b for a, b in zip(seen, seen[1:])) and any(b - a for a, b in zip(seen, seen[1:]))  # go, come
    assert len(made) == len(steps) and all(r is not None for r in made)  # updated in place, not made whole


def test_a_full_build_keeps_the_subjects_of_the_graphs_updated_in_place(synthetic, tmp_path, monkeypatch):
    """The first incremental build after a full one reads the subjects of kgg:ties and kgg:pages from the record
    (the full build kept them, the same as found in its N-Quads), not from the graphs' N-Quads; and its outputs are
    the bytes of a full build."""
    from graph.compile import build as build_module, delta, incremental as inc

    monkeypatch.setattr(build_module, "PARALLEL_TRIPLES", 0)  # the outputs written by two processes, as at 1M
    monkeypatch.setattr(build_module, "SPAN_MIN", 1)  # TriG and JSON-LD written in spans of graphs, joined
    spans = build_module._spans
    cut: list[int] = []
    monkeypatch.setattr(build_module, "_spans", lambda *a: (lambda r: cut.append(len(r)) or r)(spans(*a)))
    corpus, out = built_copy(synthetic, tmp_path)
    assert cut and all(n > 1 for n in cut)
    cur = generation.current(out)
    assert cur is not None
    record = inc.read(cur / CACHE_FILE)
    nq = (cur / "serbia-kg.nq").read_bytes()
    for name in ("ties", "pages"):
        chunks = record.graphs[f"<https://w3id.org/serbia-kg/graph/{name}>"]
        assert chunks.nq is not None
        offset, length = chunks.nq
        assert chunks.subjects == b"\n".join(delta.subject_list(nq[offset:offset + length]))
        assert chunks.subjects and chunks.subjects.count(b"\n") > 10
    found = []
    subject_list = delta.subject_list
    monkeypatch.setattr(delta, "subject_list", lambda data: found.append(len(data)) or subject_list(data))
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    drop_last_claim(corpus / names[1] / "claims.yaml")
    _, got = incremental(corpus, out)
    assert found == []  # (the record's subjects were read)
    assert got == full_outputs(corpus, tmp_path / "full")


def test_outputs_are_flushed_to_the_disk_together_and_an_error_is_raised(tmp_path):
    """:class:`graph.model.files.Flushing` flushes files by threads while the build goes on; join raises the first
    error (the build then does not switch its generation in)."""
    from graph.model.files import Flushing

    flushing = Flushing()
    for i in range(3):
        (tmp_path / f"f{i}").write_bytes(b"x" * 1000)
        flushing.add(tmp_path / f"f{i}")
    flushing.join()
    flushing.add(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        flushing.join()
    flushing.join()  # (an error is raised once)


def test_the_subjects_of_sorted_n_quads_are_each_line_s_first_term_once_in_order():
    """delta.subject_list matches a subject's run of lines at once; it gives what reading each line gives, on
    subjects that begin alike (<a>, <ab>), blank nodes, literals with spaces and new lines escaped, and a last
    line without its new line."""
    import random

    from graph.compile import delta

    rng = random.Random(3)
    subjects = ["<a>", "<ab>", "<a#x>", "_:b1", "<https://w3id.org/serbia-kg/claim/1>", "<b>"]
    lines = sorted({f'{rng.choice(subjects)} <p{rng.randrange(3)}> "v {rng.randrange(9)}\\n" <g> .'
                    for _ in range(200)})
    for data in ("\n".join(lines) + "\n", "\n".join(lines), lines[0], ""):
        expected = list(dict.fromkeys(line.split(" ")[0].encode() for line in data.splitlines()))
        assert delta.subject_list(data.encode()) == expected


def test_a_graph_s_subjects_are_resubjected_in_their_bytes_as_in_a_sorted_list():
    """delta._resubject finds the touched subjects by bisection over the subjects' bytes; it gives what the list
    of subjects gives (bisect, set and sort): how many, the indices dropped and inserted, the subjects after. On
    subjects that begin alike (_:b1, _:b10; <a>, <ab>), touched ones there or not, there after or not, and none."""
    import bisect
    import random

    from graph.compile import delta

    def by_list(before: bytes, touched: list[bytes], after: set[bytes]):
        listed = before.split(b"\n") if before else []
        drop = [i for s in touched for i in [bisect.bisect_left(listed, s)] if i < len(listed) and listed[i] == s]
        insert = [bisect.bisect_left(listed, s) for s in touched if s in after]
        return len(listed), drop, insert, b"\n".join(sorted((set(listed) - set(touched)) | after))

    rng = random.Random(7)
    pool = [b"_:b1", b"_:b10", b"_:b2", b"<a>", b"<ab>", b"<a#x>", b"<b>"] + \
        [f"<https://w3id.org/serbia-kg/page/x/{i}>".encode() for i in range(30)]
    for _ in range(2000):
        before = b"\n".join(sorted(rng.sample(pool, rng.randrange(len(pool) + 1))))
        touched = sorted(rng.sample(pool, rng.randrange(8)))
        after = {s for s in touched if rng.random() < 0.6}
        assert delta._resubject(before, touched, after) == by_list(before, touched, after)


def test_a_first_key_s_lists_are_made_again_from_their_first_changed_page(synthetic, tmp_path, monkeypatch):
    """With pages of 3 claims, the lists of transfers-by-supplier and exercises-by-partner (questions of HOLDS),
    whose second keys' lists of their own neither come nor go, are made again from the page of their first changed
    row, as other questions' lists are: some list of theirs made again does not begin at its first page (every
    list of the first key was made whole before); each step gives a full build's bytes, updated in place."""
    from graph.compile import delta, pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 3)
    corpus, out = built_copy(synthetic, tmp_path)
    firsts: dict[bytes, int] = {}  # a list of theirs made again: the start of its first page made
    page_lines = delta.page_lines

    def spy(*args):
        made = page_lines(*args)
        for line in made[2] if made else ():
            if m := re.match(r"<(.*/page/(?:transfers-by-supplier|exercises-by-partner)/[^ ]*)/(\d+)> ", line):
                firsts[m[1].encode()] = min(firsts.get(m[1].encode(), 1 << 30), int(m[2]))
        return made

    monkeypatch.setattr(delta, "page_lines", spy)
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    for step, name in enumerate(names[-3:]):
        drop_last_claim(corpus / name / "claims.yaml")
        _, got = incremental(corpus, out)
        assert got == full_outputs(corpus, tmp_path / f"full-{step}")
    copy_source(corpus, names[len(names) // 2], "zz-added-copy")
    _, got = incremental(corpus, out)
    assert got == full_outputs(corpus, tmp_path / "full-added")
    assert firsts and any(start > 0 for start in firsts.values()), firsts


def test_a_lister_asked_for_some_first_keys_gives_their_lists_whole(synthetic, tmp_path):
    """Every question's lister given ``only`` (the first keys' values an incremental build wants, None among them
    or not) gives those values' lists as it gives them unasked, on every claim of the synthetic corpus (as
    recorded by a build); it may leave the others out."""
    import random

    from graph.compile import incremental, pages

    corpus, out = built_copy(synthetic, tmp_path)
    cache = incremental.read(generation.current(out) / CACHE_FILE)
    entries = list(cache.entries.values())
    claims = [c for e in entries for c in e.pages]
    context = pages.page_context(claims, [e.source for e in entries], list(cache.registry.triples()))
    rng = random.Random(11)
    left_out = 0
    for question, lister in sorted(pages.QUESTIONS.items()):
        lists = lister(claims, context)
        firsts = sorted({key[0] for key in lists}, key=str)
        for _ in range(4 if firsts else 0):
            only = set(rng.sample(firsts, max(1, len(firsts) // 3)))
            some = lister(claims, {**context, "only": only})
            assert {k: v for k, v in some.items() if k[0] in only} == \
                {k: v for k, v in lists.items() if k[0] in only}, (question, only)
            left_out += len(lists) - len(some)
    assert left_out > 0  # (the lists of other values are left out by some listers)


def test_the_questions_lists_on_two_processes_are_those_made_here(monkeypatch):
    """delta._each_question: on two forked processes, every question's result as this process makes it
    (the function inherited, not sent); closed early (a list whose name is not its own), the workers end."""
    import os

    from graph.compile import delta, parallel
    from graph.compile.pages import QUESTIONS

    def one(question: str):
        return question, os.getpid()

    here = {q for q, _ in delta._each_question(one, 0)}
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    forked = list(delta._each_question(one, parallel.PARALLEL_CLAIMS))
    assert {q for q, _ in forked} == here == set(QUESTIONS)
    assert os.getpid() not in {pid for _, pid in forked} and len({pid for _, pid in forked}) <= 2
    assert delta._QUESTION == []
    each = delta._each_question(one, parallel.PARALLEL_CLAIMS)
    assert next(each)[0] in QUESTIONS
    each.close()
    assert delta._QUESTION == []
