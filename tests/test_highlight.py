"""The highlighter's fast reading of a text gives exactly the words and stems the index's analyzer gives."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from search.engine import highlight, schema
from tests.conftest import DEMO


def _analyzer_words(text: str) -> list[tuple[int, int, str]]:
    return [(t.startchar, t.endchar, t.text) for t in schema.ANALYZER(text, chars=True, mode="index")]


def test_indexed_words_are_the_analyzers_on_every_demo_article() -> None:
    with DEMO.open(encoding="utf-8") as handle:
        texts = [str(json.loads(line).get("text", "")) for line in handle]
    assert sum(len(t) for t in texts) > 100_000
    for text in texts:
        assert list(schema.indexed_words(text)) == _analyzer_words(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAéÉßıİ ǅ'’-.,0123456789_\\n\\tthe of running ran CAFÉ Über ŒUVRE"), max_size=80))
def test_indexed_words_are_the_analyzers_on_any_text(text: str) -> None:
    assert list(schema.indexed_words(text)) == _analyzer_words(text)


def test_marks_fall_on_the_words_whose_stem_was_searched() -> None:
    text = "Elections were held; the elected Élection board said: ELECTIONS, again."
    marked = [text[a:b] for a, b in highlight._marks(text, frozenset({"elect"}))]
    assert marked == ["Elections", "elected", "Élection", "ELECTIONS"]


def test_quoted_words_are_marked_with_the_searched_ones_inside() -> None:
    text = 'Putin said "we will win the war" on Tuesday, and “nothing else” mattered.'
    html = highlight.snippet(text, frozenset({"win"}))
    assert '<span class="quoted">&quot;we will <mark>win</mark> the war&quot;</span>' in html
    assert '<span class="quoted">“nothing else”</span>' in html
    long = "Opening words. " * 60 + '"A quote that the window cuts in two, since it is long: ' + "word " * 80 + 'end"'
    cut = highlight.snippet(long, frozenset({"quot"}))
    assert cut.count('<span class="quoted">') >= 1  # the window shows part of the quote, set apart
    assert cut.count('<span class="quoted">') == cut.count("</span>") - cut.count('class="gap"')  # every span closed
