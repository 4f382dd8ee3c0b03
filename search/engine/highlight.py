"""Highlighted snippets: which words of a query to mark, and the marked fragments of a text."""

from __future__ import annotations

import html

from whoosh import query as wq
from whoosh.searching import Searcher

from search.engine import schema
from search.sentences import QUOTED, sentences

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
    """``text`` as safe HTML with the query's words marked: whole when short (most news paragraphs
    are), else the sentences with the most marked words, whole, in text order, with an editor's
    ``[…]`` wherever text is left out, so that two pieces never read as one quote."""
    marks = _marks(text, terms)  # analysed once, for the whole text
    if whole or len(text) <= WHOLE_CHARS:
        return _render(text, marks, 0, len(text))
    spans = sentences(text)
    counts = [sum(1 for m in marks if a <= m[0] < b) for a, b in spans]
    parts: list[str] = []
    previous = -1
    for i in _chosen(spans, counts):
        if i != previous + 1:
            parts.append(GAP)
        start, end = spans[i]
        parts.append(_window(text, marks, start, end) if end - start > 2 * SNIPPET_CHARS else _render(text, marks, start, end))
        previous = i
    if previous != len(spans) - 1:
        parts.append(GAP)
    return " ".join(parts)


WHOLE_CHARS = 600  # a paragraph up to this long is shown whole
GAP = '<span class="gap" title="text left out">[…]</span>'


_OPEN_QUOTE, _CLOSE_QUOTE = '<span class="quoted">', "</span>"


def _render(text: str, marks: list[tuple[int, int]], start: int, end: int) -> str:
    """``text[start:end]`` escaped, the marked words inside it in ``<mark>``, quoted words (a quote cut
    by the window too) in ``<span class="quoted">``."""
    inside = [(a, b) for a, b in marks if a >= start and b <= end]
    tags = [(a, 1, "<mark>") for a, _ in inside] + [(b, 0, "</mark>") for _, b in inside]
    for quote in QUOTED.finditer(text):
        a, b = max(quote.start(), start), min(quote.end(), end)
        if a < b:
            tags += [(a, 1, _OPEN_QUOTE), (b, 0, _CLOSE_QUOTE)]
    out: list[str] = []
    at = start
    for position, _, tag in sorted(tags):  # at one position a span closes before the next opens
        out += [html.escape(text[at:position]), tag]
        at = position
    out.append(html.escape(text[at:end]))
    return "".join(out)


def _marks(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` whose stem is one of ``terms``, in order."""
    if not terms:
        return []
    return [(start, end) for start, end, stem in schema.indexed_words(text) if stem in terms]


def _chosen(spans: list[tuple[int, int]], counts: list[int]) -> list[int]:
    """Sentences within ``SNIPPET_CHARS``: those with most marked words first (the first sentences
    when nothing is marked), at least one, returned in text order."""
    order = sorted(range(len(spans)), key=lambda i: (-counts[i], i)) if any(counts) else list(range(len(spans)))
    chosen: list[int] = []
    used = 0
    for i in order:
        length = spans[i][1] - spans[i][0]
        if chosen and (used + length > SNIPPET_CHARS or (any(counts) and counts[i] == 0)):
            break
        chosen.append(i)
        used += length
    return sorted(chosen)


def _window(text: str, marks: list[tuple[int, int]], sentence_start: int, sentence_end: int) -> str:
    """A very long sentence: ``SNIPPET_CHARS`` around its first marked word, cut between words."""
    centre = next((a for a, _ in marks if a >= sentence_start), sentence_start)
    start = max(sentence_start, centre - SNIPPET_CHARS // 3)
    end = min(sentence_end, start + SNIPPET_CHARS)
    if start > sentence_start:
        start = text.find(" ", start, sentence_end) + 1 or start
    if end < sentence_end:
        end = max(text.rfind(" ", start, end), start + 1)
    inner = _render(text, marks, start, end)
    return (GAP + " " if start > sentence_start else "") + inner + (" " + GAP if end < sentence_end else "")
