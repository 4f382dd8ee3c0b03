"""Person mentions in an article's paragraphs: the model's spans cleaned of titles, names from results
tables, repeated names the model missed, and each name resolved to its fullest form in the article.

Which canonical person a name is, across articles, is decided in ``search.people``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from search import people
from search.ingest import ner

T = TypeVar("T")


@dataclass(frozen=True)
class MentionDraft:
    paragraph: int  # index in the list given to find_persons
    start: int  # character offsets into that paragraph
    end: int
    text: str  # the name as written, title and possessive removed
    name: str  # the fullest form of the name in this article


def resolve_in_article(names: list[str]) -> dict[str, str]:
    """Map each name to its fullest form in the same article: "Putin" → "Vladimir Putin"."""
    full = [n for n in dict.fromkeys(names) if " " in n]
    resolved: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if " " in name:
            resolved[name] = name
            continue
        candidates = [f for f in full if name in (f.split()[-1], f.split()[0])]
        # Prefer a surname match; the first full form seen wins when several share it.
        surname = [f for f in candidates if f.split()[-1] == name]
        resolved[name] = (surname or candidates or [name])[0]
    return resolved


def find_persons(paragraphs: list[str]) -> list[MentionDraft]:
    """Person mentions in an article's paragraphs, each resolved to the fullest name in the article."""
    ((_, mentions),) = find_persons_stream([(None, paragraphs)])
    return mentions


def find_persons_stream(articles: Iterable[tuple[T, list[str]]], *, processes: int = 1) -> Iterator[tuple[T, list[MentionDraft]]]:
    """Person mentions for a stream of (key, paragraphs) articles, in order (``processes`` NER workers)."""
    for key, paragraphs, spans in ner.person_spans(articles, processes=processes):
        yield key, _mentions(paragraphs, spans)


def _mentions(paragraphs: list[str], spans: list[ner.ParagraphSpans]) -> list[MentionDraft]:
    raw: list[tuple[int, int, int, str]] = []
    for number, paragraph_spans in enumerate(spans):
        for entity_start, _, entity_text in paragraph_spans:
            cleaned = people.clean_name(entity_text)
            if cleaned is None:
                continue
            offset, name = cleaned
            start = entity_start + offset
            raw.append((number, start, start + len(name), name))
    raw = _with_table_names(paragraphs, raw)
    raw += _repeated_names(paragraphs, raw)
    raw.sort()
    resolved = resolve_in_article([name for *_, name in raw])
    return [MentionDraft(paragraph=n, start=s, end=e, text=name, name=resolved[name]) for n, s, e, name in raw]


def _with_table_names(paragraphs: list[str], found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """The model's mentions plus names from table patterns; in a table the pattern's span wins over
    an overlapping one of the model's (which there often takes in a country or a score)."""
    from_tables = [(number, start, end, name) for number, text in enumerate(paragraphs) for start, end, name in table_names(text)]
    covered = {(n, position) for n, start, end, _ in from_tables for position in range(start, end)}
    kept = [m for m in found if not any((m[0], position) in covered for position in range(m[1], m[2]))]
    taken: set[tuple[int, int]] = set()
    for number, start, end, _ in sorted(from_tables, key=lambda m: m[1] - m[2]):  # longest first
        if any((number, position) in taken for position in range(start, end)):
            continue
        taken.update((number, position) for position in range(start, end))
        kept.append((number, start, end, paragraphs[number][start:end]))
    return kept


def _repeated_names(paragraphs: list[str], found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """Later mentions that the model missed of names it found elsewhere in the same article.

    The small model misses names in short or unusual sentences ("Merkel spoke first."); a name
    it recognised once in an article is strong evidence for its other occurrences there.
    """
    names = {name for *_, name in found} | {name.split()[-1] for *_, name in found if " " in name}
    if not names:
        return []
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])")
    shouted = re.compile(r"(?<![\w-])(" + alternatives.upper() + r")(?![\w-])")  # headlines in capitals
    by_upper = {n.upper(): n for n in names}
    taken = {(n, position) for n, start, end, _ in found for position in range(start, end)}
    extra = []
    for number, text in enumerate(paragraphs):
        in_capitals = text.upper() == text
        for match in (shouted if in_capitals else pattern).finditer(text):
            if (number, match.start()) not in taken and (number, match.end() - 1) not in taken:
                name = by_upper[match.group(1)] if in_capitals else match.group(1)
                extra.append((number, match.start(), match.end(), name))
    return extra


# Results tables and line-ups, where the model sees no sentence: "Todd Martin (U.S.) beat …",
# "13 - Pavel Pardo ,", "C. Hooper 58", "Saeed Anwar c Stewart b Gough 33". Measured on
# CoNLL-2003 train (tests/tools/conll_eval.py --split train) before being tried on dev.
_WORD = r"[A-Z][a-z][\w'’-]*"
_PARTICLE = r"(?:van|de|der|von|da|di|le|la|el)"
_FULL_NAME = rf"(?:[A-Z]\.\s?)?{_WORD}(?:\s(?:{_PARTICLE}\s)?{_WORD}){{1,2}}"
_TABLE_PATTERNS = (
    re.compile(
        rf"(?<![\w.])(?<!the )({_FULL_NAME})\s?\(\s?(?!(?:Reuters|Bloomberg|Getty|Photo|File)\b)"
        r"(?:U\.S\.|[A-Z][a-z][\w.]*(?:\s[A-Z][a-z][\w.]*)*)\s?\)"
    ),
    re.compile(rf"(?:^|[\s(;,])\d{{1,2}}\s?-\s({_FULL_NAME})(?=\s?(?:[,;()]|\d+(?:st|nd|rd|th)\b)|\s?$)"),
    re.compile(rf"(?<![\w.])({_FULL_NAME})\s?\(\s?\d+(?:st|nd|rd|th)(?:\sminute)?\s?\)"),
    re.compile(rf"(?<![\w.])((?:[A-Z]\.\s?)?{_WORD}(?:\s{_WORD}){{0,2}})(?=\s\d+-\d+-\d+-\d+)"),
    re.compile(rf"(?<![\w.])([A-Z]\.\s?{_WORD})(?=\s\d)"),
    re.compile(rf"\s(?:c|b|lbw b|st|c&b)\s({_WORD})(?=\s)"),
    re.compile(rf"^((?:[A-Z]\.\s)?{_WORD}(?:\s{_WORD}){{0,2}})(?=\s(?:c|b|lbw|st|not out|run out)\s)"),
)
_NOT_A_NAME = re.compile(
    r"\b(Party|Commission|Bank|Exchange|Regulation|Union|Army|Board|Group|Value|Economics|Building|Material|Studies|Council"
    r"|Ministry|Agency|Corp|Inc|Ltd|Club|United|City|FC|Association|Institute|Committee|Office|Front|Force|Company|Fund)\b"
)
_TABLE_SYMBOLIC_SHARE = 0.2  # share of tokens without a letter (scores, numbers, dashes, brackets)
_TABLE_MAX_WORDS = 250


def _looks_tabular(paragraph: str) -> bool:
    """Scores, numbers and separators between short runs of names, not sentences."""
    tokens = paragraph.split()
    if not tokens or len(tokens) > _TABLE_MAX_WORDS or not any(c.isdigit() for c in paragraph) and paragraph.count(",") < 3:
        return False
    symbolic = sum(1 for t in tokens if not any(c.isalpha() for c in t))
    return symbolic / len(tokens) >= _TABLE_SYMBOLIC_SHARE


def table_names(paragraph: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of persons in a results-table or line-up paragraph; [] for prose."""
    if not _looks_tabular(paragraph):
        return []
    found = []
    for pattern in _TABLE_PATTERNS:
        for match in pattern.finditer(paragraph):
            if not _NOT_A_NAME.search(match.group(1)):
                found.append((match.start(1), match.end(1), match.group(1)))
    return found
