"""Highlighted snippets: which words of a query to mark, and the marked fragments of a text."""

from __future__ import annotations

import html

from whoosh import highlight
from whoosh import query as wq
from whoosh.searching import Searcher

from search.engine import schema

SNIPPET_CHARS = 320


def terms_of(searcher: Searcher, parsed: wq.Query | None) -> frozenset[str]:
    if parsed is None:
        return frozenset()
    reader = searcher.reader()
    stems = {_text(t) for _, t in parsed.existing_terms(reader, phrases=True, expand=True, fieldname="text")}
    # A phrase's words (field ``words``) are marked as the highlighter's analyzer reads them: by stem.
    written = {_text(t) for _, t in parsed.existing_terms(reader, phrases=True, expand=True, fieldname="words")}
    stems |= {token.text for word in written for token in schema.ANALYZER(word)}
    return frozenset(stems)


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def snippet(text: str, terms: frozenset[str], *, whole: bool = False) -> str:
    """Highlighted fragments of ``text`` (or all of it) as safe HTML; the formatter escapes the text."""
    if terms:
        fragmenter = highlight.WholeFragmenter() if whole else highlight.ContextFragmenter(maxchars=240, surround=60)
        fragments = highlight.highlight(
            text, terms, schema.ANALYZER, fragmenter, highlight.HtmlFormatter(tagname="mark", between=" … "), top=1 if whole else 2
        )
        if fragments:
            return fragments
    if whole or len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    return html.escape(text[:SNIPPET_CHARS].rsplit(" ", 1)[0]) + " …"
