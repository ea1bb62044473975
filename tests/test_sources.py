"""Locating quotes: white space and typographic quotes folded, offsets into the original text."""

from graph.compile.sources import QuoteIndex, fold_text


def test_fold_whitespace_and_quotes():
    assert fold_text("a\u00a0 \n“b’s”")[0] == "a \"b's\""


def test_locate_returns_original_offsets_and_context():
    text = "Intro.  He said: “We  don’t care.” Then more text follows here."
    idx = QuoteIndex(text)
    sel = idx.locate('He said: "We don\'t care."')
    assert sel is not None
    assert text[sel.start:sel.end] == sel.exact == "He said: “We  don’t care.”"
    assert sel.prefix.endswith("Intro.  ") and sel.suffix.startswith(" Then")


def test_missing_quote_is_none():
    assert QuoteIndex("Some text.").locate("other words") is None
    assert QuoteIndex("Some text.").locate("   ") is None
