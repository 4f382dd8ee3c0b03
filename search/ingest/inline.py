"""Inline furniture: spans a source repeats inside otherwise unique paragraphs (name hover cards with
related headlines, "Media playback is unsupported on your device", sign-up boxes run into a
sentence). Learned per source from repetition; pure functions: no Django, no Whoosh.

A span is a run of words covered by shingles (SHINGLE_WORDS words) that occur in at least
``needed_stories`` stories of the source. Recurrence alone also finds the source's formulas of prose
("did not immediately respond to a request for comment", "Senate Majority Leader Mitch McConnell,
Kentucky Republican,"), so a span is cut only where it stands apart from the sentence around it: at
each end a paragraph edge, a sentence edge, or two words run together where the page had an element
boundary (``TrumpGOP``). A span that opens inside a name hover card ("President Trump Donald John
TrumpGOP senators … MORE") starts after the name that the card repeats. docs/BOILERPLATE.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from search.ingest.features import FUNCTION_WORDS

SHINGLE_WORDS = 6
MIN_STORIES = 6  # a span in fewer stories of its source is never furniture
STORY_SHARE = 0.01  # ... nor in fewer than this share of them
MIN_SOURCE_STORIES = 20  # a smaller source has too little to tell its furniture from its formulas
MIN_CUT_WORDS = 4
MIN_CARDS = 10  # recurring name cards closed by one read-more word before the source's every card is cut
CARD_WORDS = 120  # a card's name and headlines, at most

_WORD = re.compile(r"\S+")
# Two words run together where the page had an element boundary ("TrumpTop", "McConnellGOP"); a
# capital within the first three letters is a name's own ("McDonald", "DeSantis", "iPhone").
_GLUE = re.compile(r"(?<=\S{3})(?:(?<=[a-z]{2})|(?<=\)))(?=[A-Z0-9])")  # never after a full stop: "D-N.Y.", "U.S."
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")
# A full stop that ends an abbreviation, not a sentence: "D-N.", "(R-S.", "S.E.", "Mr.", "U.S."
_ABBREVIATION = re.compile(r"(^|[^\w])[A-Z][a-z]?\.[\"”’')\]]*$|\w\.\w+\.[\"”’')\]]*$")
_AFTER_LINK = re.compile(r"([’']s)?[,;:.!?)”’\"']*$")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_OPENS_SENTENCE = re.compile(r"^[\"“‘'(\[]*[A-Z0-9]")
_READ_MORE = frozenset({"MORE", "More»", "more»", "More›"})  # a link to the rest, closing a card or a teaser
_CAPITALISED = re.compile(r"^\(?[A-Z][\w.’'-]*\)?,?$")


@dataclass(frozen=True)
class Furniture:
    """What a source's inline furniture is: the keys (sorted) of the recurring word runs it cut, and
    the read-more word that closes its name cards once enough recurring ones showed it (then every
    card of that shape is cut, also one of a person mentioned once)."""

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    card_end: str = ""

    @property
    def empty(self) -> bool:
        return not self.keys.size and not self.card_end

    def as_json(self) -> dict[str, object]:
        return {"keys": self.keys.tolist(), "card_end": self.card_end}

    @classmethod
    def from_json(cls, value: object) -> Furniture:
        if not isinstance(value, dict):
            return cls()
        return cls(np.array(sorted(value.get("keys", [])), dtype=np.int64), str(value.get("card_end", "")))


class Token(NamedTuple):
    start: int
    end: int
    norm: str


def tokens(text: str) -> list[Token]:
    """The words of ``text`` with their offsets; two words run together (``TrumpGOP``) are two."""
    glue = [g.start() for g in _GLUE.finditer(text)]
    if not glue:
        return [Token(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text)]
    found: list[Token] = []
    next_glue = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        while next_glue < len(glue) and glue[next_glue] < end:
            found.append(Token(start, glue[next_glue], text[start : glue[next_glue]].casefold()))
            start = glue[next_glue]
            next_glue += 1
        found.append(Token(start, end, text[start:end].casefold()))
    return found


def _norms(text: str) -> list[str]:
    """tokens(text)'s words alone, faster (what the keys need)."""
    return _GLUE.sub(" ", text).casefold().split()


def shingle_keys(words: list[Token] | list[str]) -> np.ndarray:
    """A stable 64-bit key (int64) for every run of SHINGLE_WORDS words, the same in every process: each
    word's own key (blake2b) weighted by its place in the run."""
    count = len(words) - SHINGLE_WORDS + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    norms = [w if isinstance(w, str) else w.norm for w in words]
    own = np.fromiter((_WORD_KEYS.get(w) or _word_key(w) for w in norms), dtype=np.uint64, count=len(words))
    keys = np.zeros(count, dtype=np.uint64)
    for place in range(SHINGLE_WORDS):
        keys += own[place : place + count] * _PLACE[place]  # wraps around at 2**64, as meant
    return keys.view(np.int64)


def paragraph_keys(text: str) -> np.ndarray:
    return shingle_keys(_norms(text))


_WORD_KEYS: dict[str, int] = {}
_PLACE = np.array([pow(0x9E3779B97F4A7C15, place + 1, 2**64) | 1 for place in range(SHINGLE_WORDS)], dtype=np.uint64)


def _word_key(norm: str) -> int:
    key = _WORD_KEYS.get(norm)
    if key is None:
        if len(_WORD_KEYS) > 2_000_000:  # a long-running process's vocabulary stays bounded
            _WORD_KEYS.clear()
        key = _WORD_KEYS[norm] = int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "little")
    return key


def needed_stories(stories: int) -> int:
    """In how many stories of a source a shingle must occur to be furniture (0: the source is too small)."""
    if stories < MIN_SOURCE_STORIES:
        return 0
    return max(MIN_STORIES, math.ceil(STORY_SHARE * stories))


def recurring_keys(keyed: Iterable[tuple[int, np.ndarray]], needed: int) -> np.ndarray:
    """The shingle keys found in at least ``needed`` stories, sorted, from (story, paragraph_keys) pairs."""
    pairs = [(np.full(len(keys), story, dtype=np.int64), keys) for story, keys in keyed if len(keys)]
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    stories, keys = np.concatenate([s for s, _ in pairs]), np.concatenate([k for _, k in pairs])
    order = np.lexsort((stories, keys))
    stories, keys = stories[order], keys[order]
    first_in_story = np.ones(len(keys), dtype=bool)
    first_in_story[1:] = (keys[1:] != keys[:-1]) | (stories[1:] != stories[:-1])
    found, count = np.unique(keys[first_in_story], return_counts=True)
    return found[count >= needed]


def learn(paragraphs: list[tuple[int, str]]) -> Furniture:
    """A source's furniture from its kept paragraphs as (story, text) pairs: the keys of the recurring
    runs that stand apart somewhere (cut with these, a paragraph is cut as learned), and how its name
    cards close when enough of the runs cut are cards."""
    needed = needed_stories(len({story for story, _ in paragraphs}))
    if not needed:
        return Furniture()
    keyed = [paragraph_keys(text) for _, text in paragraphs]
    recurring = Furniture(recurring_keys(((story, keys) for (story, _), keys in zip(paragraphs, keyed, strict=True)), needed))
    used: set[int] = set()
    card_ends: Counter[str] = Counter()
    for (_, text), keys in zip(paragraphs, keyed, strict=True):
        if among(keys, recurring.keys).any():
            used |= used_keys(text, recurring)
            card_ends.update(_card_ends(text, furniture_spans(text, recurring)))
    end, count = card_ends.most_common(1)[0] if card_ends else ("", 0)
    return Furniture(np.array(sorted(used), dtype=np.int64), end if count >= MIN_CARDS else "")


def _card_ends(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The last word of each span that opens with a name card and ends with a read-more link."""
    words = tokens(text)
    starts = {w.start: n for n, w in enumerate(words)}
    ends = []
    for start, end in spans:
        last = text[start:end].split()[-1]
        if start in starts and _card_at(text, words, starts[start]) and _read_more(last):
            ends.append(_link_word(last))
    return ends


def among(keys: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which of ``keys`` are in ``known`` (sorted): a binary search, not np.isin's sort of both."""
    if not known.size:
        return np.zeros(len(keys), dtype=bool)
    found = np.searchsorted(known, keys)
    return known[np.minimum(found, len(known) - 1)] == keys


def furniture_spans(text: str, furniture: Furniture) -> list[tuple[int, int]]:
    """Character spans of ``text`` to cut, in order: runs of words covered by the furniture's keys that
    stand apart from their sentence, and name cards closed by its card word. Never the whole paragraph
    (a paragraph that is all furniture is the repetition layer's to set aside)."""
    if furniture.empty:
        return []
    words = tokens(text)
    spans = _recurring_spans(text, words, furniture.keys) + _card_spans(text, words, furniture.card_end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _card_spans(text: str, words: list[Token], card_end: str) -> list[tuple[int, int]]:
    """Every name card closed by ``card_end`` within CARD_WORDS words (none without one)."""
    if not card_end:
        return []
    spans = []
    for k in range(1, len(words)):
        if _card_at(text, words, k):
            close = next(
                (n for n in range(k + 1, min(len(words), k + CARD_WORDS)) if _read_more(text[words[n].start : words[n].end])), None
            )
            if close is not None and _link_word(text[words[close].start : words[close].end]) == card_end:
                spans.append((words[k].start, _span_end(text, words[close])))
    return spans


def _card_at(text: str, words: list[Token], k: int) -> bool:
    """A name card starts at word ``k``: the sentence's name ends just before, the card repeats it in
    full (at most five capitalised words ending in the same word), run together with a headline."""
    if k == 0 or not _capitalised(text, words[k - 1]) or not _NAME_WORD.fullmatch(words[k - 1].norm):
        return False
    for last in range(k, min(len(words) - 1, k + 5)):
        if not _capitalised(text, words[last]):
            return False
        if words[last].norm == words[k - 1].norm and last > k:
            return _glued(words, last + 1)
    return False


def _recurring_spans(text: str, words: list[Token], recurring: np.ndarray) -> list[tuple[int, int]]:
    if not recurring.size:
        return []
    covered = [False] * len(words)
    for first in np.flatnonzero(among(shingle_keys(words), recurring)).tolist():
        covered[first : first + SHINGLE_WORDS] = [True] * SHINGLE_WORDS
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j < len(words) and covered[j] and not (j > i and _read_more(text[words[j - 1].start : words[j - 1].end])):
            j += 1  # a read-more link ends a run: two cards in a row are two runs, the words between them the story's
        span = _standing_apart(text, words, i, j)
        if span is not None:
            cuts.append(span)
        i = j
    return cuts


def used_keys(text: str, recurring: Furniture) -> set[int]:
    """The recurring keys inside the spans furniture_spans cuts from ``text`` (what a source keeps)."""
    spans = furniture_spans(text, recurring)
    if not spans:
        return set()
    words = tokens(text)
    keys = shingle_keys(words)
    inside = among(keys, recurring.keys)
    return {
        int(keys[n]) for n in np.flatnonzero(inside) if any(a <= words[n].start and words[n + SHINGLE_WORDS - 1].end <= b for a, b in spans)
    }


def cut_furniture(text: str, furniture: Furniture) -> str:
    """``text`` without the spans of its source's ``furniture``."""
    if furniture.empty or (not furniture.card_end and not among(paragraph_keys(text), furniture.keys).any()):
        return text
    return cut(text, furniture_spans(text, furniture))


def cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans``, the spaces around each cut made one."""
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(text[last:start].strip())
        last = end
    pieces.append(text[last:].strip())
    joined = pieces[0]
    for piece in pieces[1:]:
        if not joined:
            joined = piece
        elif piece:
            joined += ("" if piece[0] in ".,;:!?)”’'\"" else " ") + piece
    return joined.strip()


def _glued(words: list[Token], i: int) -> bool:
    """Word ``i`` was run together with the word before it."""
    return 0 < i < len(words) and words[i].start == words[i - 1].end


def _standing_apart(text: str, words: list[Token], i: int, j: int) -> tuple[int, int] | None:
    """The covered run words[i:j] as a character span to cut, or None when it is part of a sentence."""
    start = _after_name_card(text, words, i, j)
    if start < 0:
        if not _left_edge(text, words, i):
            return None
        start = i
    if (
        not (_right_edge(text, words, j) or (start == 0 and _label_ends(text, words, j)))
        or j - start < MIN_CUT_WORDS
        or (start == 0 and j == len(words))
    ):
        return None
    if _inside_quotation(text[: words[start].start]):
        return None
    return words[start].start, _span_end(text, words[j - 1])


def _left_edge(text: str, words: list[Token], i: int) -> bool:
    return i == 0 or _glued(words, i) or _ends_sentence(text[words[i - 1].start : words[i - 1].end])


def _right_edge(text: str, words: list[Token], j: int) -> bool:
    if j == len(words) or _glued(words, j):
        return True
    last, following = text[words[j - 1].start : words[j - 1].end], text[words[j].start : words[j].end]
    return _read_more(last) or (_ends_sentence(last) and bool(_OPENS_SENTENCE.match(following)))


def _ends_sentence(word: str) -> bool:
    return bool(_SENTENCE_END.search(word)) and not _ABBREVIATION.search(word)


def _read_more(word: str) -> bool:
    return _link_word(word) in _READ_MORE


def _link_word(word: str) -> str:
    """The word itself, without what the sentence adds to it ("MORE’s", "MORE,")."""
    return _AFTER_LINK.sub("", word)


def _span_end(text: str, word: Token) -> int:
    """Where a cut ending at ``word`` ends: before what the sentence adds to a read-more link."""
    written = text[word.start : word.end]
    return word.start + len(_link_word(written)) if _read_more(written) else word.end


def _label_ends(text: str, words: list[Token], j: int) -> bool:
    """A label that opens a paragraph ends where a sentence starts without a full stop: "… on your
    device Media caption | The …" (its last word a common word, not a name or a function word)."""
    last, following = text[words[j - 1].start : words[j - 1].end], text[words[j].start : words[j].end]
    return last.isalpha() and last.islower() and last not in FUNCTION_WORDS and bool(_OPENS_SENTENCE.match(following))


def _capitalised(text: str, word: Token) -> bool:
    return bool(_CAPITALISED.match(text[word.start : word.end]))


def _after_name_card(text: str, words: list[Token], i: int, j: int) -> int:
    """Where a run that opens in a name hover card starts: after the name as the sentence shows it,
    which the card repeats in full ("President Trump | Donald John TrumpGOP …", "Paul Ryan | Paul
    Davis Ryan …"): a capitalised word, at most four capitalised words, the same word again, all
    within the run's first words; the card's name ends at the last such pair ("Donald Trump Donald
    John Trump": at the second "Trump", not the second "Donald"). -1 when the run has no card."""
    found = -1
    for last in range(i + 1, min(j, i + 12)):
        if not (_NAME_WORD.fullmatch(words[last].norm) and _capitalised(text, words[last])):
            continue
        for shown in range(last - 2, max(-1, i - 5, last - 6), -1):
            if not _capitalised(text, words[shown]):
                break
            if words[shown].norm == words[last].norm:
                found = max(shown + 1, i)
                break
    return found


def _inside_quotation(before: str) -> bool:
    """Whether a quotation opened in ``before`` is still open (straight quotes counted in pairs)."""
    straight = before.count('"') % 2 == 1
    return straight or before.count("“") > before.count("”")
