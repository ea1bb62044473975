"""The terms the build makes by its shortcuts are rdflib's own: the claims' texts and offsets
(:mod:`graph.compile.claims`) and their N-Triples (:func:`graph.model.rdfterms.nt_converter`)."""

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph.compile.claims import _count, _iri, _text
from graph.model.rdfterms import nt_converter, nt_lines, to_oxigraph

TEXTS = ["", "a", " spaced \n", "“typographic” — ünïcödé", 'quote " and \\ backslash', "\t\r\x00\x1f\x7f",
         "2021-05-03", "12", "true", "😀 astral"]


def _slots(lit: Literal) -> tuple:
    return (type(lit), str.__str__(lit), lit._language, lit._datatype, type(lit._datatype), lit._value,
            type(lit._value), lit._ill_typed)


@pytest.mark.parametrize("text", TEXTS)
def test_text_is_rdflibs_literal(text):
    made, expected = _text(text), Literal(text)
    assert _slots(made) == _slots(expected)
    assert made == expected and hash(made) == hash(expected) and made.n3() == expected.n3()


@pytest.mark.parametrize("n", [0, 1, 7, 10**6, 2**70, -1])
def test_count_is_rdflibs_literal(n):
    made, expected = _count(n), Literal(n, datatype=XSD.nonNegativeInteger)
    assert _slots(made) == _slots(expected)
    assert made == expected and hash(made) == hash(expected) and made.n3() == expected.n3()


def test_iri_is_rdflibs():
    made = _iri("https://example.org/claim/0123abcd#evidence")
    assert type(made) is URIRef and made == URIRef("https://example.org/claim/0123abcd#evidence")


TERMS = [URIRef("https://example.org/a"), URIRef("https://example.org/ü?x=1#f"), BNode("b1"),
         *(Literal(t) for t in TEXTS), Literal("x", lang="sr-Latn"), Literal("7", datatype=XSD.integer),
         Literal(5, datatype=XSD.nonNegativeInteger), Literal("2021", datatype=XSD.gYear), Literal(True),
         Literal("61.0", datatype=XSD.decimal), Literal("a", datatype=XSD.string)]


def test_nt_converter_writes_as_pyoxigraph():
    nt = nt_converter()
    for term in TERMS:
        assert nt(term) == str(to_oxigraph(term))
        assert nt(term) == str(to_oxigraph(term))  # from its cache


def test_nt_lines_as_one_by_one():
    triples = [(s, URIRef("https://example.org/p"), o) for s in TERMS[:3] for o in TERMS]
    terms: dict = {}
    nt = nt_converter(terms)
    expected = [f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)}" for s, p, o in triples]
    assert nt_lines(triples, nt, terms) == expected
    assert nt_lines(triples, nt, terms) == expected  # every term cached


@pytest.mark.parametrize("canonical", [{}, {"b": ["x"], "a": ["z", "y"]}, {"k": TEXTS}, {"date": ["2021"], "ü": ['"']}])
def test_canonical_text_is_json(canonical):
    import json

    from graph.compile.claims import _canonical_text

    expected = json.dumps(["src-ü\\\"", "transfer", sorted((k, sorted(v)) for k, v in canonical.items())],
                          ensure_ascii=False)
    assert _canonical_text("src-ü\\\"", "transfer", canonical) == expected


def test_yaml_scalars_typed_as_the_safe_loader_twice(tmp_path):
    """graph.model.yamlfile resolves each plain scalar's tag once (kept by its text): read twice, a file's
    values are the safe loader's (YAML 1.1: yes, on, 0x1f, 1_000, 2021-05-03, .inf, ~ ...)."""
    import yaml

    from graph.model import yamlfile

    scalars = ["yes", "No", "on", "OFF", "true", "y", "n", "0x1f", "0o17", "017", "1_000", "-3", "+4", "1.5e3",
               ".inf", "-.Inf", ".nan", "~", "null", "", "2021-05-03", "2021-05-03 10:00:00", "12:30:00", "1:20",
               "190:20:30", "text", "a b", "0b101", "3.", "'quoted'", '"yes"']
    text = "values:\n" + "".join(f"  - {s}\n" for s in scalars) + "".join(f"k{i}: {s}\n" for i, s in enumerate(scalars))
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    expected = yaml.safe_load(text)
    for _ in range(2):
        got = yamlfile.load(path)
        got.pop(yamlfile.LINE), got.pop(yamlfile.KEY_LINES)
        assert got == expected or repr(got) == repr(expected)  # (nan != nan)


@pytest.mark.parametrize("text", ["base: &b {x: 1, y: two}\nmerged:\n  <<: *b\n  z: 3\n",
                                  "base: &b {x: 1}\nmerged: {<<: [*b], z: [a, b]}\n",
                                  "m: {!!merge '<<': {x: 1}, y: 2}\n", "plain: {a: 1, b: [x, {c: d}]}\n"])
def test_yaml_merge_keys_as_the_safe_loader(tmp_path, text):
    """A mapping's merge keys are flattened as the safe loader does (yamlfile skips that pass only for a file
    without '<<', '=' or '!')."""
    import yaml

    from graph.model import yamlfile

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in yamlfile.META}
        return [plain(v) for v in value] if isinstance(value, list) else value

    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    assert plain(yamlfile.load(path)) == yaml.safe_load(text)


def test_quote_index_offsets_are_fold_texts():
    """QuoteIndex keeps a text's offsets as runs (sources._fold_runs): each folded character's is fold_text's."""
    import random

    from graph.compile.sources import _fold_runs, fold_text

    rng = random.Random(7)
    pieces = ["a", "b", " ", "  ", "\n", "\t", "\r\n", "“", "”", "’", "…", "«", "x y", "″", "é"]
    texts = ["", "plain text", "“a”", "…", "a\n", "\n\nb", "  "] + \
        ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(500)]
    for text in texts:
        folded, offsets = fold_text(text)
        runs_folded, runs = _fold_runs(text)
        assert runs_folded == folded
        assert [runs[i] for i in range(len(folded))] == offsets, text
