"""What a person's name is made of, and when two names can be the same human: no database here.

Parsing is nameparser's (titles, first, middle names and initials, last name with its particles —
"de la Madrid", "bin Salman" —, suffixes); given names are the same when equal or when one is a
nickname of the other in the ``nicknames`` package (Jim/James, Bill/William, Joe/Joseph). Case and
accents are folded for matching only; the name shown keeps its spelling. docs/PERSONS.md has the rules
and the measurements behind them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import unicodedata
from dataclasses import dataclass

from nameparser import HumanName
from nameparser.config import CONSTANTS
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein


@dataclass(frozen=True)
class NameParts:
    """A name's folded parts: ``first`` and ``last`` are what two forms of one human's name share."""

    first: str
    middles: tuple[str, ...]
    last: str
    suffix: str

    @property
    def is_full(self) -> bool:
        return bool(self.first and self.last)


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "-": " ", "‐": " ", "‑": " "})


def fold(text: str) -> str:
    """Case, accents, apostrophes, hyphens and spacing aside: "Raúl  LABRADOR" → "raul labrador",
    "Martin O’Malley" → "martin o'malley", "Kim Jong-un" → "kim jong un"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


_DOTS = re.compile(r"[.’']")


@functools.lru_cache(maxsize=200_000)
def parts(name: str) -> NameParts:
    """The parsed, folded parts of a name (titles dropped): "Eric H. Holder Jr." → eric, (h,), holder, jr."""
    return _simple_parts(name) or parsed_parts(name)


def parsed_parts(name: str) -> NameParts:
    """``parts`` as nameparser reads the name."""
    parsed = HumanName(name)
    first, last = fold(parsed.first), fold(parsed.last)
    if not last and first and not parsed.middle:
        first, last = "", first  # a title and one word: "King Fahd" is Fahd
    middles = tuple(_DOTS.sub("", m) for m in fold(parsed.middle).replace(".", ". ").split() if _DOTS.sub("", m))
    return NameParts(first=_DOTS.sub("", first), middles=middles, last=last, suffix=_DOTS.sub("", fold(parsed.suffix)))


_PLAIN_WORD = re.compile(r"^[A-Z][a-z]+$")


@functools.cache
def _special_words() -> frozenset[str]:
    """The words nameparser reads as something other than a given or last name: titles, suffixes,
    particles, conjunctions (lower case)."""
    lists = (CONSTANTS.titles, CONSTANTS.suffix_acronyms, CONSTANTS.suffix_not_acronyms, CONSTANTS.prefixes, CONSTANTS.conjunctions)
    return frozenset(word.lower() for listed in lists for word in listed)


def _simple_parts(name: str) -> NameParts | None:
    """The parts of a plain "Given Last" name (two capitalised ASCII words, neither a title, suffix,
    particle or conjunction) without nameparser, which takes ~0.2 ms a name: loading the person
    directory of a large archive parsed 53,000 names in 10 s. What nameparser says of such names
    (``parsed_parts``: tests/test_persons.py compares the two)."""
    given, space, last = name.partition(" ")
    if not space or " " in last or not (_PLAIN_WORD.match(given) and _PLAIN_WORD.match(last)):
        return None
    special = _special_words()
    if given.lower() in special or last.lower() in special:
        return None
    return NameParts(first=given.lower(), middles=(), last=last.lower(), suffix="")


@functools.cache
def _nicknames() -> NickNamer:
    return NickNamer()


@functools.cache
def _given_names() -> frozenset[str]:
    """The nicknames package's names, less nameparser's suffixes (it lists "jr" as a nickname of junior)."""
    nick = _nicknames()
    suffixes = frozenset(CONSTANTS.suffix_acronyms) | frozenset(CONSTANTS.suffix_not_acronyms)
    return (frozenset(nick.canonical_lookup) | frozenset(nick.nickname_lookup)) - suffixes


INITIALS = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$")  # "J.", "H.W.", "T.S": initials, not a name
_LATIN_NAME = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*$")


@functools.cache
def _any_given_names() -> frozenset[str]:
    """Given names of any land: the nicknames package's and the first names of Faker's person providers
    (86 locales' lists, drawn from national name statistics: "Sean", "Melania", "Ion", "Enrique",
    "Recep", none of which has an English nickname), in Latin script; about 24,000, folded."""
    from faker.providers import person as provided  # noqa: PLC0415 - 0.3 s of imports, once, when a rule asks

    found: set[str] = set()
    for module in pkgutil.iter_modules(provided.__path__):
        provider = getattr(importlib.import_module(f"{provided.__name__}.{module.name}"), "Provider", None)
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            listed = vars(provider).get(attribute) if provider is not None else None
            if isinstance(listed, (list, tuple, dict)):
                found.update(fold(name) for name in listed if isinstance(name, str) and _LATIN_NAME.match(name) and name[0].isupper())
    return _given_names() | frozenset(found)


def is_given_name(word: str) -> bool:
    """Whether a word is a given name in the ``nicknames`` package's list (about 2,000 English names:
    a word not in it may still be one, "Barack" or "Enrique"). The rules that tell two given names
    apart ("Mary" is not "Mark") ask this list: the census lists hold spelling variants of one name
    ("Mohamed", "Mohammed"), which must stay near spellings."""
    return fold(word).rstrip(".") in _given_names()


def is_any_given_name(word: str) -> bool:
    """Whether a word is a given name anywhere (``_any_given_names``): the question when a capitalised
    word before a surname may be a headline's verb or noun instead ("Surprised Obama", "Team Obama").
    Measured: with these lists for every rule, AllSides dev non-persons rose from 2.8 to 3.2 % ("Hill
    Republicans", "Merry Christmas") and duplicates from 0.4 to 0.7 % (docs/PERSONS.md)."""
    return fold(word).rstrip(".") in _any_given_names()


# Titles, roles and honorifics before a name: nameparser's list (800 of them, "president", "sheikh",
# "attorney", "general") less the three the nicknames list also has as given names ("Field", "Ab",
# "Nanny"), with the roles news puts before names ("Sen.", "Trooper", "spokesman"). "King",
# "Governor" and "Pres" are in both lists and stay titles: before a name in news they are titles.
_NEWS_TITLES = frozenset(
    """mr mrs ms miss mx dr prof sen rep gov gen lt capt sgt adm st vice prime former late then acting deputy
    chairman chairwoman congressman congresswoman lawmaker spokesman spokeswoman justice trooper superintendent
    candidate prophet the rapper star quarterback sheriff crown""".split()
)
# The labels of links and captions that run into a name: "Related Donald Trump", "Watch Cobb", "Video Pelosi".
_LABELS = frozenset("related watch video photos photo read more exclusive breaking opinion analysis update listen".split())
TITLES = (frozenset(CONSTANTS.titles) - _given_names() - {"field", "ab", "nanny"}) | _NEWS_TITLES | _LABELS | {"king", "governor", "pres"}
# Titles a person is known by with one name ("Pope Francis", "King Fahd", "Queen Elizabeth", "Prince
# Harry"): kept with the name when stripping them would leave one word, which is never a person alone.
_KNOWN_BY_TITLE = frozenset("pope king queen prince princess emperor empress sultan emir sheikh ayatollah".split())
_POSSESSIVE = re.compile(r"(['’]s|['’])$")
# An English compound made of a name ("George W. Bush-era", "Karl Rove-backed", "Soros-funded") is
# that name; a hyphen before other lower-case letters is part of the name ("Moon Jae-in", "Kim Jong-un").
_COMPOUND_TAIL = re.compile(
    r"-(?:era|backed|funded|led|linked|style|supporting|aligned|allied|affiliated|inspired|sponsored|endorsed|appointed|"
    r"owned|controlled|friendly|like|esque|worthy|bashing|loving|hating|obsessed|related|centric|based|approved|picked)$"
)
_NAME_TOKEN = re.compile(r"^[A-Z][^\W\d_]*(['’.-][^\W\d_]*)*\.?$|^(de|da|van|von|der|den|del|la|le|bin|al|ibn|el)$")
_MAX_NAME_TOKENS = 5


def clean_name(text: str) -> tuple[int, str] | None:
    """(offset of the name within ``text``, name) without titles or possessive; None if not a name."""
    tokens = text.split()
    offset = 0
    while tokens and tokens[0].rstrip(".").casefold() in TITLES:
        if len(tokens) == 2 and tokens[0].casefold() in _KNOWN_BY_TITLE:
            break  # "Pope Francis", "King Fahd": the title is how the one word is known
        offset = text.index(tokens[0], offset) + len(tokens[0])
        tokens = tokens[1:]
    if not tokens:
        return None
    tokens[-1] = _COMPOUND_TAIL.sub("", _POSSESSIVE.sub("", tokens[-1]))
    name = " ".join(t for t in tokens if t)
    if not name or len(tokens) > _MAX_NAME_TOKENS or not all(_NAME_TOKEN.match(t) for t in tokens if t):
        return None
    if len(name) < 2 or name.isupper() and len(name) <= 3:
        return None
    return text.index(tokens[0], offset), name


def is_full_name(name: str) -> bool:
    """A single word alone ("Twitter", "Wagner") is more often not a person than a mononym."""
    return " " in name.strip()


@functools.lru_cache(maxsize=50_000)
def same_given_name(a: str, b: str) -> bool:
    """Whether two folded given names can be one human's: equal, or one a nickname of the other."""
    if a == b:
        return True
    if not a or not b:
        return False
    nick = _nicknames()
    return b in nick.canonicals_of(a) or a in nick.canonicals_of(b)


def _middles_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Middle names and initials agree when one side has none; when both have as many, each pair
    matches by name or initial ("J" and "John"); when one has fewer, those are whole names found in
    order among the other's ("Rodham" in "Diane Rodham"). Initials alone must match in number:
    "H W" and "W" are two Bushes."""
    if not a or not b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) == len(long):
        return all(x == y or (len(x) == 1 or len(y) == 1) and x[0] == y[0] for x, y in zip(short, long, strict=True))
    if any(len(m) == 1 for m in short):
        return False
    rest = iter(long)
    return all(any(m == other for other in rest) for m in short)


def _suffixes_agree(a: NameParts, b: NameParts) -> bool:
    """The same suffix, or one side without: then only when the side with it also has a middle name or
    initial, the newspaper style of writing a name in full ("Eric H. Holder Jr." is Eric Holder;
    "Donald Trump Jr." and "Cal Ripken Jr." are their fathers' sons)."""
    if a.suffix == b.suffix:
        return True
    if a.suffix and b.suffix:
        return False
    suffixed = a if a.suffix else b
    return bool(suffixed.middles)


def same_human(a: NameParts, b: NameParts) -> bool:
    """Whether two full names can be forms of one human's: same last name, given names equal or
    nicknames, middles and suffixes that do not conflict ("Donald J. Trump", "Donald John Trump" and
    "Donald Trump"; "Hillary Rodham Clinton" and "Hillary Clinton"; not "George H. W. Bush" and
    "George W. Bush")."""
    if not (a.is_full and b.is_full and a.last == b.last and _suffixes_agree(a, b)):
        return False
    if same_given_name(a.first, b.first) and _middles_agree(a.middles, b.middles):
        return True
    return _known_by_middle(a, b) or _known_by_middle(b, a)


def _known_by_middle(a: NameParts, b: NameParts) -> bool:
    """ "J. Christopher Stevens" is Chris Stevens: an initial, then the name the person goes by."""
    return len(a.first) == 1 and bool(a.middles) and same_given_name(a.middles[0], b.first)


NEAR_SPELLING_EDITS = 1  # per part: "Ihan"/"Ilhan", "Kristen"/"Kirsten" (a transposition), "Morsy"/"Morsi"
NEAR_SPELLING_LETTERS = 4  # parts shorter than this are never spelt near ("Jon"/"Jan")
NEAR_SPELLING_LAST_LETTERS = 5  # last names that differ must be this long ("Morsy"/"Morsi"; not "Card"/"Carr")


def near_spelling(a: NameParts, b: NameParts) -> bool:
    """Whether two full names differ only as misspellings do: given and last names each within one
    edit (Damerau-Levenshtein, rapidfuzz), not both exact, every part long enough, middles agreeing,
    and not two different given names of the nicknames list ("Mark"/"Mary", "Bryan"/"Brian").
    Callers use it only towards a much more mentioned person (a misspelling is the rarer form)."""
    if not (a.is_full and b.is_full) or (a.first, a.last) == (b.first, b.last):
        return False
    parts = ((a.first, b.first), (a.last, b.last))
    if any(min(len(x), len(y)) < NEAR_SPELLING_LETTERS for x, y in parts):
        return False
    if a.last != b.last and min(len(a.last), len(b.last)) < NEAR_SPELLING_LAST_LETTERS:
        return False  # "David Card" and "David Carr" are two economists' and journalists' names
    close = all(DamerauLevenshtein.distance(x, y) <= NEAR_SPELLING_EDITS for x, y in parts)
    two_names = a.first != b.first and is_given_name(a.first) and is_given_name(b.first)  # Mark and Mary Kelly
    return close and not two_names and _middles_agree(a.middles, b.middles) and _suffixes_agree(a, b)


def surname(name: str) -> str:
    """The folded last name that a lone mention of this person would be: "Miguel de la Madrid" → "de la madrid"."""
    return parts(name).last


def tail_words(name: str, count: int = 2) -> str:
    """The folded last ``count`` words: what a two-word surname alone ("Wasserman Schultz") would be."""
    return " ".join(fold(name).split()[-count:])
