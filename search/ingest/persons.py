"""Person mentions in an article's paragraphs: the model's spans cleaned of titles, names from results
tables, repeated names the model missed, and each name resolved to its fullest form in the article.

Which canonical person a name is, across articles, is decided in ``search.people``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from search import names
from search.ingest import ner, speakers, workers

T = TypeVar("T")


@dataclass(frozen=True)
class MentionDraft:
    paragraph: int  # index in the list given to find_persons
    start: int  # character offsets into that paragraph
    end: int
    text: str  # the name as written, title and possessive removed
    name: str  # the fullest form of the name in this article
    weak: bool = False  # seen only in a headline or a run-together widget: may name a known person, never a new one
    speaker: bool = False  # its words are given in the paragraph (a quote, reported speech): ingest.speakers


def resolve_in_article(names_found: list[str], text: str = "", targets: Iterable[str] | None = None) -> dict[str, str]:
    """Map each name to its fullest form in the same article: "Putin" → "Vladimir Putin",
    "Wasserman Schultz" → "Debbie Wasserman Schultz", "Trump Donald" → "Donald Trump".

    ``targets`` are the full names a name may resolve to (by default every full name given; ingest
    gives those found in the article's sentences, not only in a headline or a widget); ``text`` (the
    article's paragraphs) tells words from names: "Removing Trump" is Trump when "removing" is also
    written in lower case there.
    """
    unique = list(dict.fromkeys(names_found))
    full = list(dict.fromkeys(targets)) if targets is not None else [n for n in unique if " " in n]
    frequency = Counter(names_found)
    full.sort(key=lambda n: -frequency[n])  # a lone surname is the full name the article uses most
    lowered = _lower_case_words(text)
    by_word: dict[str, list[str]] = {}  # a lone word → the full names it is the surname, then the given name, of
    for key, form in [(k, f) for f in full for k in (names.surname(f), names.fold(_surname_word(f)))] + [
        (names.fold(f.split()[0]), f) for f in full
    ]:
        if form not in by_word.setdefault(key, []):
            by_word[key].append(form)
    step = {name: _fuller_form(name, full, lowered, by_word) for name in unique}
    resolved = {}
    for name in unique:
        seen, current = {name}, step[name]
        while step.get(current, current) not in seen:  # "Trump" → "Donald Trump"; chains end, cycles stop
            seen.add(current)
            current = step.get(current, current)
        resolved[name] = current
    return resolved


@functools.lru_cache(maxsize=4)
def _lower_case_words(text: str) -> frozenset[str]:
    """The words an article writes in lower case (asked twice per article: cached)."""
    return frozenset(re.findall(r"\b[a-z][a-z'’-]*\b", text))


def _fuller_form(name: str, full: list[str], lowered: frozenset[str], by_word: dict[str, list[str]]) -> str:
    words = name.split()
    if len(words) == 1:
        return (by_word.get(names.fold(name)) or [name])[0]
    others = [f for f in full if f != name]
    return (
        _widget_form(words, others)
        or _longer_form(words, others, lowered)
        or _shorter_form(words, others, lowered)
        or _two_surnames(words, by_word)
        or name
    )


def _two_surnames(words: list[str], by_word: dict[str, list[str]]) -> str | None:
    """ "Obama Biden", "Giuliani Trump": two surnames of the article's persons run together, the first
    no given name; the mention is the second's (the span cannot be two persons)."""
    if len(words) != 2 or names.is_given_name(words[0]):
        return None
    first, second = (by_word.get(names.fold(w), []) for w in words)
    surname_of = [f for f in second if names.surname(f) == names.fold(words[1])]
    return surname_of[0] if surname_of and any(names.surname(f) == names.fold(words[0]) for f in first) else None


# "Removing", "Defunding", "Surprised", "Embattled": a headline's verb or participle, not a given name
_GERUND = re.compile(r"^[A-Z][a-z]{3,}ing$|^[A-Z][a-z]{4,}ed$")


def _opens_with_given_name(name: str) -> bool:
    """ "Wasim Akram", "H. Morris": a given name of any land or an initial, then more."""
    first = name.split()[0]
    return " " in name and (names.is_any_given_name(first) or bool(names.INITIALS.match(first)))


def _is_word(token: str, lowered: frozenset[str]) -> bool:
    """A capitalised word the article also writes in lower case, or a verb's -ing or -ed form, and no
    given name: "Removing", "Team", "Collapse", "Surprised"."""
    return (token.casefold() in lowered or bool(_GERUND.match(token))) and not names.is_given_name(token)


def _widget_form(words: list[str], others: list[str]) -> str | None:
    """ "Trump Donald" when the article has "Donald Trump"; "Mike Lee Michael" when it has "Mike Lee"."""
    if len(words) == 2 and names.is_given_name(words[1]) and not names.is_given_name(words[0]) and f"{words[1]} {words[0]}" in others:
        return f"{words[1]} {words[0]}"
    if len(words) >= 3 and names.is_given_name(words[-1]) and " ".join(words[:-1]) in others:
        return " ".join(words[:-1])
    return None


_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def _longer_form(words: list[str], others: list[str], lowered: frozenset[str]) -> str | None:
    """The longer name this one is the end or the start of: "Wasserman Schultz" → "Debbie Wasserman
    Schultz" (what the longer adds before is a given name or initials), "Enrique Peña" → "Enrique
    Peña Nieto" (what it adds after is not a suffix, "Donald Trump Jr." is someone else, nor a
    widget's given name)."""
    for other in sorted(others, key=lambda o: -len(o.split())):
        longer = other.split()
        extra = len(longer) - len(words)
        if extra <= 0:
            continue
        if longer[extra:] == words and all(names.is_given_name(t) or _INITIALS.match(t) for t in longer[:extra]):
            return other  # "Debbie Wasserman Schultz"; not "Sanctimonious James Comey" (the directory has two-word surnames)
        added = longer[len(words) :]
        if longer[: len(words)] == words and not any(t.casefold() in _SUFFIXES or names.is_given_name(t) for t in added):
            return other
    return None


def _shorter_form(words: list[str], others: list[str], lowered: frozenset[str]) -> str | None:
    """The name this one is, once the capitalised words before it are read as words: "Related Donald
    Trump" → "Donald Trump"; "Removing Trump" → "Donald Trump" (through the surname), or "Trump"
    alone when the article has no full name of that surname."""
    for cut in range(1, len(words)):
        if not all(_is_word(t, lowered) for t in words[:cut]):
            break
        rest = " ".join(words[cut:])
        if rest in others:
            return rest
        if cut == len(words) - 1:
            key = names.fold(rest)
            surname = [f for f in others if names.surname(f) == key]
            return surname[0] if surname else rest  # a lone surname, for the archive to resolve
    return None


def cleaned_name(name: str) -> str | None:
    """A stored person's name as extraction would now write it ("Trump MORE" → "Trump", "Mike Lee
    Michael" → "Mike Lee"), or None when it would not be a person's at all ("Obama White House")."""
    for _, piece, _ in _pieces(name, ""):
        cleaned = names.clean_name(piece)
        if cleaned is not None:
            return None if _institution(cleaned[1]) else cleaned[1]
    return None


def find_persons(paragraphs: list[str]) -> list[MentionDraft]:
    """Person mentions in an article's paragraphs, each resolved to the fullest name in the article."""
    ((_, mentions),) = find_persons_stream([(None, paragraphs)])
    return mentions


def find_persons_stream(
    articles: Iterable[tuple[T, list[str]]], *, processes: int = 1, cluster: str | None = None
) -> Iterator[tuple[T, list[MentionDraft]]]:
    """Person mentions for a stream of (key, paragraphs) articles, in order, found in this process, in
    ``processes`` worker processes or on the Dask ``cluster`` (search/ingest/workers.py)."""
    for key, _, mentions in workers.mapped(mentions_in, articles, processes=processes, cluster=cluster):
        yield key, mentions


def mentions_in(articles: list[list[str]]) -> list[list[MentionDraft]]:
    """The person mentions of a batch of articles (each a list of paragraphs), speakers marked: what a
    worker answers."""
    found = [_mentions(paragraphs, spans) for paragraphs, spans in zip(articles, ner.spans_in(articles), strict=True)]
    return with_speakers(articles, found) if SPEAKERS else found


SPEAKERS = True  # look for who speaks (tests/tools/speakers_eval.py --cost turns it off to measure what it costs)


def with_speakers(articles: list[list[str]], found: list[list[MentionDraft]]) -> list[list[MentionDraft]]:
    """The mentions with ``speaker`` set, the sentences worth it parsed in one batch."""
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, mentions in enumerate(found):
        for m in mentions:
            spans.setdefault((a, m.paragraph), []).append((m.start, m.end))
    pieces = [(key, piece) for key, mentions in spans.items() for piece in speakers.to_parse(articles[key[0]][key[1]], mentions)]
    parsed: dict[tuple[int, int], list[ner.Parsed]] = {}
    for (key, _), sentence in zip(pieces, ner.parses([piece for _, piece in pieces]), strict=True):
        parsed.setdefault(key, []).append(sentence)
    speaking = {
        key: {mentions[i] for i in speakers.speakers(articles[key[0]][key[1]], mentions, parsed.get(key, []))}
        for key, mentions in spans.items()
    }
    return [
        [replace(m, speaker=True) if (m.start, m.end) in speaking[(a, m.paragraph)] else m for m in mentions]
        for a, mentions in enumerate(found)
    ]


Raw = tuple[int, int, int, str]  # paragraph, start, end, name
_Weak = set[tuple[int, int]]  # (paragraph, start) of weak mentions


def _mentions(paragraphs: list[str], spans: list[ner.ParagraphSpans]) -> list[MentionDraft]:
    text = "\n".join(paragraphs)
    raw: list[Raw] = []
    weak: _Weak = set()
    for number, paragraph_spans in enumerate(spans):
        for entity_start, _, entity_text, label in paragraph_spans:
            if label != ner.PERSON:
                continue
            for offset, piece, piece_weak in _pieces(_question_word_dropped(entity_text, paragraphs[number], entity_start), text):
                cleaned = names.clean_name(piece)
                if cleaned is None:
                    continue
                inner, name = cleaned
                start = entity_start + offset + inner
                raw.append((number, start, start + len(name), name))
                if piece_weak:
                    weak.add((number, start))
    with_tables = _with_table_names(paragraphs, raw)
    raw = _without_other_entities(with_tables, spans, set(with_tables) - set(raw))
    lowered = _lower_case_words(text)
    raw += _repeated_names(paragraphs, raw, spans, lowered)
    raw = _headline_names(paragraphs, raw, weak)
    raw.sort()
    in_sentences = [name for n, start, _, name in raw if (n, start) not in weak and " " in name]
    resolved = resolve_in_article([name for *_, name in raw], text, in_sentences)
    strong = {resolved[name] for name in in_sentences}
    return [
        MentionDraft(paragraph=n, start=s, end=e, text=name, name=resolved[name], weak=resolved[name] not in strong)
        for n, s, e, name in raw
        if " " in name or not _is_word(name, lowered) or _opens_with_given_name(resolved[name])
    ]  # a lone "Energy" where the article writes "energy" is a word, unless it is "Mark White"'s "White"


def _question_word_dropped(entity: str, paragraph: str, start: int) -> str:
    """A span that opens a sentence with a word that opens questions ("Will Trump…", "May Obama…") is
    the name after it; the offset is kept by blanking the word, not removing it."""
    first = entity.split()[0] if entity.split() else ""
    before = paragraph[:start].rstrip()
    if first in ner.FUNCTION_WORDS and " " in entity.strip() and (not before or before[-1] in '.!?:"“‘(['):
        return " " * len(first) + entity[len(first) :]
    return entity


# A token two names were run together in, by a widget that prints a name and the next headline
# without a space: "TrumpKamala", "CorkerLindsey", "TrumpGOP". Not "McConnell", "DeSantis", "LaHood"
# (one lower-case letter before the capital), nor "MacArthur" (a particle).
_GLUED = re.compile(r"^([A-Z][a-z]*[a-z]{2})(?=[A-Z])(.+)$")
_GLUED_PREFIXES = frozenset({"Mac", "Van", "Von", "Fitz", "Del", "Della", "Des", "Ten", "Ver"})
_INITIALS = names.INITIALS
_INNER_POSSESSIVE = re.compile(r"^(.+?)(['’]s?)$")


def _pieces(entity: str, text: str) -> list[tuple[int, str, bool]]:
    """(offset, text, weak) of the names in one PERSON span: split where a possessive ends a word
    before the last ("Theresa May’s Brexit", "Facebook's Mark Zuckerberg"), where two names were run
    together (the part before the join is weak) and cut before a word in capitals ("Trump MORE")."""
    tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", entity)]
    pieces: list[tuple[int, str, bool]] = []
    current: list[tuple[int, str]] = []

    def close(weak: bool = False) -> None:
        if current:
            pieces.append((current[0][0], entity[current[0][0] : current[-1][0] + len(current[-1][1])], weak))
            current.clear()

    mixed_case = entity.upper() != entity
    for number, (offset, token) in enumerate(tokens):
        last = number == len(tokens) - 1
        shouted = token.isupper() and len(token.strip(".,")) >= 2 and not _INITIALS.match(token)
        shouted = shouted and token.casefold().rstrip(",") not in _SUFFIXES
        if number and mixed_case and shouted:
            break  # "Trump MORE", "Steve Tellier KSTP": a widget's or a caption's word in capitals; not "Henry II"
        glued = _GLUED.match(token)
        if glued and glued.group(1) not in _GLUED_PREFIXES and re.search(rf"\b{re.escape(glued.group(1))}\b", text):
            current.append((offset, glued.group(1)))
            close(weak=True)
            current.append((offset + len(glued.group(1)), glued.group(2)))
            continue
        possessive = _INNER_POSSESSIVE.match(token) if not last else None
        if possessive and possessive.group(2) and token[-2:] in ("'s", "’s"):
            current.append((offset, possessive.group(1)))
            close()
            continue
        current.append((offset, token))
    close()
    return [(offset, _without_widget_name(piece), weak) for offset, piece, weak in pieces]


def _without_widget_name(piece: str) -> str:
    """ "Mike Lee Michael" → "Mike Lee", "Barack Obama Barack Hussein" → "Barack Obama": a widget
    prints the legal name after the name a person is known by ("Charles Schumer Charles (Chuck) Ellis
    Schumer"); a real name does not repeat a form of its own first name after its last."""
    words = piece.split()
    for number in range(2, len(words)):
        if names.same_given_name(names.fold(words[0]), names.fold(words[number])):
            offsets = [m.start() for m in re.finditer(r"\S+", piece)]
            return piece[: offsets[number]].rstrip()
    return piece


# Only nationalities: the small model also calls foreign surnames places ("Cozma", "Korda", "Takemura"
# as GPE cost 56 true mentions on CoNLL train), it rarely calls a surname a nationality.
_PLACE_LABELS = frozenset({"NORP"})


def _without_other_entities(found: list[Raw], spans: list[ner.ParagraphSpans], tables: set[Raw] | None = None) -> list[Raw]:
    """Leave out a name the model calls something other than a person (a group, a place, a work) in
    the same article at least as often as it calls it a person ("Boko Haram", "Charlie Hebdo"; a lone
    word more often: "Trump" five times a person and five an organisation is still a surname for the
    archive to resolve, and a lone word never creates a person), unless
    a table pattern found it or it is a word of a full name kept there ("Conte" of "Lansana Conte");
    a full name not opening with a given name whose last word the article uses as a nationality
    ("Displaced Syrian"); and a name
    whose last word is an institution's or a place's ("Obama White House", "Carson High")."""
    other = Counter(_entity_key(t) for paragraph in spans for _, _, t, label in paragraph if label in ner.OTHER_LABELS)
    nationality = Counter(_entity_key(t) for paragraph in spans for _, _, t, label in paragraph if label in _PLACE_LABELS)
    person = Counter(_entity_key(name) for *_, name in found)
    tables = tables or set()

    def kept_full(name: str) -> bool:
        last = _entity_key(_surname_word(name))
        if _institution(name) or nationality[last] > person[last] and not names.is_given_name(name.split()[0]):
            return False
        return other[_entity_key(name)] < person[_entity_key(name)]

    full = [m for m in found if " " in m[3] and (m in tables or kept_full(m[3]))]
    words_of_full = {names.fold(w) for *_, name in full for w in name.split()}
    lone = [
        m
        for m in found
        if " " not in m[3] and (m in tables or names.fold(m[3]) in words_of_full or other[_entity_key(m[3])] <= person[_entity_key(m[3])])
    ]
    return sorted(full + lone)


def _entity_key(text: str) -> str:
    key = names.fold(text)
    return key[4:] if key.startswith("the ") else key


# The last word of an institution's or a place's name, never of a person's in news: a short gazetteer
# of heads, kept to words that are not surnames ("Hall", "Park", "Court", "Law", "Church" are).
_INSTITUTION_HEADS = frozenset(
    """house tower university college school schools academy airport center centre hospital museum
    stadium complex caucus patrol department agency committee commission administration campaign cabinet
    party inc corp llc labs foundation institute marketplace mountain trail bridge street avenue boulevard
    square county city bill act news times magazine network brexit obamacare high elementary live show tonight
    twitter facebook instagram youtube tiktok""".split()
)


def _institution(name: str) -> bool:
    words = name.split()
    return len(words) > 1 and names.fold(words[-1]) in _INSTITUTION_HEADS


_HEADLINE_WORDS = 15  # longer than this, a capitalised paragraph is a list, whatever its last character
_SHORT_WORDS = 3  # words this short (of, to, in, and, the) are left lower case in headlines


def _headline_like(paragraph: str) -> bool:
    """A headline, a related link or a list (of countries, of sections): three or more longer words,
    nearly all capitalised, no full stop at the end of a short one, and not a table or a line-up."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", paragraph) if len(w) > _SHORT_WORDS]
    if len(words) < 3 or len(words) <= _HEADLINE_WORDS and paragraph.rstrip().endswith("."):
        return False
    if sum(1 for w in words if w[0].isupper()) < 0.85 * len(words):
        return False
    # A results table or a line-up ("Did Not Bat : Mushtaq Ahmed , Waqar Younis") has names, not a headline.
    return not (paragraph.count(",") > 1 or "(" in paragraph or _looks_tabular(paragraph))


def _headline_names(paragraphs: list[str], found: list[Raw], weak: _Weak) -> list[Raw]:
    """In headlines, where every word is capitalised and the model takes "Trump Lashes Out" for a
    name, a name the article's sentences do not have is weak; a name of the sentences inside it
    ("Putin" in "Cancel Putin Meeting") is the mention instead."""
    headlines = {n for n, text in enumerate(paragraphs) if _headline_like(text)}
    if not headlines:
        return found
    in_sentences = {name for n, start, _, name in found if n not in headlines and (n, start) not in weak}
    known = in_sentences | {name.split()[-1] for name in in_sentences if " " in name}
    kept: list[Raw] = []
    for mention in found:
        number, start, end, name = mention
        if number not in headlines or name in known:
            kept.append(mention)
            continue
        inner = _known_inside(name, known)
        if inner is not None:
            kept.append((number, start + inner[0], start + inner[0] + len(inner[1]), inner[1]))
        else:
            kept.append(mention)
            weak.add((number, start))
    return kept


def _known_inside(name: str, known: set[str]) -> tuple[int, str] | None:
    for candidate in sorted(known, key=len, reverse=True):
        match = re.search(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])", name)
        if match:
            return match.start(), candidate
    return None


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


def _repeated_names(
    paragraphs: list[str], found: list[tuple[int, int, int, str]], spans: list[ner.ParagraphSpans], lowered: frozenset[str]
) -> list[tuple[int, int, int, str]]:
    """Later mentions that the model missed of names it found elsewhere in the same article.

    The small model misses names in short or unusual sentences ("Merkel spoke first."); a name
    it recognised once in an article is strong evidence for its other occurrences there.
    """
    other = {names.fold(t) for paragraph in spans for _, _, t, label in paragraph if label in ner.OTHER_LABELS and " " not in t}
    known = {name for *_, name in found} | {_surname_word(name) for *_, name in found if _repeats_surname(name, other, lowered)}
    if not known:
        return []
    alternatives = "|".join(re.escape(n) for n in sorted(known, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])")
    shouted = re.compile(r"(?<![\w-])(" + alternatives.upper() + r")(?![\w-])")  # headlines in capitals
    by_upper = {n.upper(): n for n in known}
    taken = {(n, position) for n, start, end, _ in found for position in range(start, end)}
    extra = []
    for number, text in enumerate(paragraphs):
        in_capitals = text.upper() == text
        for match in (shouted if in_capitals else pattern).finditer(text):
            if (number, match.start()) not in taken and (number, match.end() - 1) not in taken:
                name = by_upper[match.group(1)] if in_capitals else match.group(1)
                extra.append((number, match.start(), match.end(), name))
    return extra


def _repeats_surname(name: str, other: set[str], lowered: frozenset[str]) -> bool:
    """Whether a full name's last word alone, where the model missed it, is the same name: not when
    the name opens with no given name and the article has the word otherwise, as an entity the model
    calls a place, group or thing (``other``: folded one-word entities) or in lower case. "Battleground Texas",
    "Weimar Germany", "Arch Coal" are a group, a time and a company the model took for persons once;
    their last words elsewhere in the article are the state, the country and the coal, not fifteen
    more mentions of a "person". A name of a land the lists do not know ("Wasim Akram") keeps its
    surname: the article writes "Akram" for nothing else."""
    if " " not in name:
        return False
    last = _surname_word(name)
    return _opens_with_given_name(name) or not (names.fold(last) in other or last.casefold() in lowered)


def _surname_word(name: str) -> str:
    """The last word of a name that is not a suffix: "Trump" of "Donald Trump Jr."."""
    words = [w for w in name.split() if w.casefold().rstrip(",") not in _SUFFIXES]
    return (words or name.split())[-1]


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
