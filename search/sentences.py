"""Sentences and quotations in a text. No Django, no Whoosh: the engine's snippets (whole sentences,
quoted words marked) and ingest's speakers (the sentences worth parsing, a quote's speaker) both use it."""

from __future__ import annotations

import re

QUOTED = re.compile(r"“[^”]{2,}”|\"[^\"]{2,}\"")  # quoted words, curly or straight quotation marks
_SENTENCE_END = re.compile(r"""[.!?]["”’)]*(\s+)(?=["“‘(]?[A-Z0-9])""")  # group 1: the space between two
_ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Dr Prof Sen Rep Gov Gen Lt Col Capt Sgt Adm Cmdr Maj Rev Hon Pres Supt Det Insp St Mt Jr Sr No Vol Inc Corp Ltd Co Bros"
    " Jan Feb Mar Apr Aug Sept Sep Oct Nov Dec vs etc approx".split()
)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after . ! or ? followed by space and a capital or digit."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        word = text[: match.start() + 1].rsplit(None, 1)[-1].strip('"“‘(').rstrip(".")
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()) or "." in word:  # Mr. Smith, J. Smith, U.S. Senate
            continue
        spans.append((start, match.start(1)))
        start = match.end(1)
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]
