"""The query language: the user's text as a Whoosh query, with names resolved and expansions bounded.

No database here: names (``person:putin``, ``source:fox``, a word that is someone's alias) and
``like:`` paragraphs are resolved through the ``Lookups`` the caller passes (``search.web`` passes
``search.people``'s), so the parser can be tested and reasoned about apart from the ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from whoosh import fields, qparser
from whoosh import query as wq
from whoosh.searching import Searcher

from search.engine import schema, words


@dataclass(frozen=True)
class LikeParagraph:
    """A paragraph to find similar ones to: its id, text, and how to name it in a notice."""

    id: int
    text: str
    label: str  # e.g. ¶3 of “Title”


class Lookups(Protocol):
    """How names in a query become ids (implemented over the database by ``search.web``)."""

    def persons_named(self, text: str) -> list[int]: ...

    def sources_named(self, text: str) -> list[int]: ...

    def person_exact(self, text: str) -> tuple[int, str] | None: ...

    def is_name_word(self, word: str) -> bool: ...

    def paragraph(self, paragraph_id: int) -> LikeParagraph | None: ...


class QueryError(ValueError):
    """A query that is refused (too expensive, or a date that is not one); the message says why."""


LIKE_TERMS = 12  # distinctive words taken from a paragraph for "more like this"
LIKE_MINMATCH = 3  # of which a similar paragraph must share at least this many
MAX_EXPANSION = 50  # terms a prefix, wildcard or fuzzy word may expand to (docs/WHOOSH.md)
MIN_PREFIX = 3
MAX_SLOP = 10  # positions a sloppy phrase's words ("a b"~N) may be apart
MAX_EXPANDED_WORDS = 8  # prefix, wildcard and fuzzy words in one query (each walks the word list)
MAX_NAME_WORDS = 4  # words typed in a row that are looked up together as one person's name or alias
_WORD_FIELDS = ("text", "title", "words")  # fields of words; person:, source: and like: take names and ids
_DATE_RANGE = re.compile(r"\bdate:\[\s*(\S*?)\s+to\s+(\S*?)\s*\]", re.I)
_DATE_SINGLE = re.compile(r"\bdate:(\d{4}(?:-\d{2}){0,2})\b", re.I)


# Matches no document. (Whoosh's NullQuery would vanish inside an And and widen the search.)
NOTHING = wq.Term("pid", "")


@dataclass(frozen=True)
class ParsedQuery:
    query: wq.Query | None
    notices: tuple[str, ...] = ()


# What users may type: person:, speaker: and source: take names, which the rewriter turns into the ids
# the index holds; every other field name is read as a plain word.
_PARSE_SCHEMA = fields.Schema(
    text=schema.SCHEMA["text"],
    words=schema.SCHEMA["words"],
    title=schema.SCHEMA["title"],
    person=fields.ID(),
    speaker=fields.ID(),
    source=fields.ID(),
    like=fields.ID(),
)


class _ExactPhrasePlugin(qparser.PhrasePlugin):
    """Quoted text in the paragraph's text is a phrase of the words as written (``schema.words``):
    stop words kept and nothing stemmed, so it finds exactly the paragraphs that contain it, case and
    punctuation aside. One quoted word is that word as written ("Trumps", not every form of trump)."""

    class ExactPhraseNode(qparser.PhrasePlugin.PhraseNode):
        def query(self, parser: qparser.QueryParser) -> wq.Query:
            if (self.fieldname or parser.fieldname) == "text":
                self.set_fieldname("words", override=True)
            return super().query(parser)

    class ExactPhraseTagger(qparser.PhrasePlugin.PhraseTagger):
        def create(self, parser: qparser.QueryParser, match: re.Match[str]) -> qparser.PhrasePlugin.PhraseNode:
            node = super().create(parser, match)
            return _ExactPhrasePlugin.ExactPhraseNode(node.text, node.textstartchar, node.slop)

    def taggers(self, parser: qparser.QueryParser) -> list[tuple[qparser.taggers.Tagger, int]]:
        return [(self.ExactPhraseTagger(self.expr), 0)]


def _parser() -> qparser.QueryParser:
    # AND between words, as news readers expect. Ranges, boosts and *:* are off; wildcards and
    # fuzzy words are on but bounded below, since Whoosh has no expansion limit of its own
    # (docs/WHOOSH.md: `mi*` took 24 s). Dates have their own syntax, handled before parsing.
    parser = qparser.QueryParser("text", _PARSE_SCHEMA, group=qparser.AndGroup)
    for plugin in (qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin, qparser.PhrasePlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(_ExactPhrasePlugin())
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # "-word" excludes, as in web search engines; only at the start of a word, so "long-time" stays a word.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def parse_query(text: str, searcher: Searcher, lookups: Lookups) -> ParsedQuery:
    """The user's query as a Whoosh query, with persons, sources, dates and expansions resolved."""
    text, dates = _date_clauses(text)
    notices: list[str] = []
    parsed: wq.Query | None = None
    if text.strip():
        parsed = _parsed(text, notices)
    if parsed is not None:
        rewriter = _Rewriter(text, searcher, lookups)
        parsed = rewriter.rewrite(parsed)
        notices += rewriter.notices
    if dates:
        parsed = wq.And([parsed, *dates]) if parsed is not None else (dates[0] if len(dates) == 1 else wq.And(dates))
    if parsed is wq.NullQuery:  # only stop words ("the"), or operators without words
        notices.append("The query has no words to search for: only very common words or operators.")
        parsed = NOTHING
    return ParsedQuery(parsed, tuple(notices))


def _parsed(text: str, notices: list[str]) -> wq.Query | None:
    try:
        return _parser().parse(text)
    except Exception as exc:  # Whoosh raises plain exceptions from deep inside the parser
        words = " ".join(word for word in re.findall(r"\w+", text) if word not in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"))
        notices.append(f"Could not read the query as written ({exc}); searched for the words “{words}” instead.")
    try:
        return _parser().parse(words) if words else wq.NullQuery
    except Exception as exc:  # not even the words: say so rather than fail
        raise QueryError(f"Could not read the query ({exc}): try plain words.") from exc


def _date_clauses(text: str) -> tuple[str, list[wq.Query]]:
    """Take ``date:[2019 to 2020-03]`` and ``date:2019-05`` out of the text, as day-number ranges."""
    ranges: list[wq.Query] = []

    def as_range(low_text: str, high_text: str) -> wq.Query:
        low = day_bounds(low_text) if low_text not in ("", "*") else (1, 1)
        high = day_bounds(high_text) if high_text not in ("", "*") else (99991231, 99991231)
        if low is None or high is None:
            bad = low_text if low is None else high_text
            raise QueryError(f"“{bad}” is not a date: use YYYY, YYYY-MM or YYYY-MM-DD, as in date:[2019 to 2020-03].")
        return wq.NumericRange("day", low[0], high[1])

    def take_range(match: re.Match[str]) -> str:
        ranges.append(as_range(match.group(1), match.group(2)))
        return " "

    def take_single(match: re.Match[str]) -> str:
        ranges.append(as_range(match.group(1), match.group(1)))
        return " "

    text = _DATE_SINGLE.sub(take_single, _DATE_RANGE.sub(take_range, text))
    return text, ranges


class _Rewriter:
    """Resolves person: and source: to ids, bounds expansions, and widens person aliases."""

    def __init__(self, text: str, searcher: Searcher, lookups: Lookups) -> None:
        self.text = text
        self.searcher = searcher
        self.lookups = lookups
        self.reader = searcher.reader()
        self.notices: list[str] = []
        self.expanded_words = 0

    def rewrite(self, node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Every):
            raise QueryError("“*” alone matches every paragraph: leave the search box empty to browse everything.")
        if isinstance(node, (wq.FuzzyTerm, wq.Prefix, wq.Wildcard)) and node.fieldname not in _WORD_FIELDS:
            # Names and ids take no patterns: person:trum* is person:trum.
            return self.rewrite(wq.Term(node.fieldname, str(node.text).strip("*?~")))
        if isinstance(node, wq.Term) and node.fieldname in ("person", "speaker"):
            return self._person(str(node.text), node.fieldname)
        if isinstance(node, wq.Term) and node.fieldname == "source":
            return self._source(str(node.text))
        if isinstance(node, wq.Term) and node.fieldname == "like":
            return self._like(str(node.text))
        if isinstance(node, (wq.FuzzyTerm, wq.Prefix, wq.Wildcard)):
            self.expanded_words += 1
            if self.expanded_words > MAX_EXPANDED_WORDS:
                raise QueryError(f"At most {MAX_EXPANDED_WORDS} words with *, ? or ~ in one query.")
            return self._fuzzy(node) if isinstance(node, wq.FuzzyTerm) else self._expansion(node)
        if isinstance(node, wq.Phrase) and node.slop > MAX_SLOP:
            self.notices.append(f"A phrase's words may be at most {MAX_SLOP} positions apart: searched with ~{MAX_SLOP}.")
            node.slop = MAX_SLOP
        if isinstance(node, wq.Phrase) and node.fieldname == "words":
            starts, ends = zip(*(node.char_ranges or [(None, None)]), strict=True)
            raw = self.text[starts[0] : ends[-1]] if starts[0] is not None and ends[-1] is not None else " ".join(node.words)
            return self._with_alias(node, raw)
        if isinstance(node, wq.And):
            return wq.And([n if done else self.rewrite(n) for n, done in self._with_name_runs(node.subqueries)])
        if isinstance(node, wq.Term) and node.fieldname in ("text", "words"):
            return self._with_alias(node, self.text[node.startchar : node.endchar] if node.startchar is not None else "")
        return node.apply(self.rewrite)

    def _person(self, text: str, fieldname: str) -> wq.Query:
        """person: (mentioned) and speaker: (their words given) take any name or alias."""
        ids = self.lookups.persons_named(text)
        if not ids:
            self.notices.append(f"No person matches “{text}”.")
            return NOTHING
        return wq.Or([wq.Term(fieldname, str(i)) for i in ids])

    def _source(self, text: str) -> wq.Query:
        ids = self.lookups.sources_named(text)
        if not ids:
            self.notices.append(f"No source matches “{text}”.")
            return NOTHING
        return wq.Or([wq.Term("source", i) for i in ids])

    def _like(self, text: str) -> wq.Query:
        """More like this: the paragraph's most distinctive words, the paragraph itself left out."""
        paragraph = self.lookups.paragraph(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else None
        if paragraph is None:
            self.notices.append(f"No paragraph {text[:20]} to find similar ones to.")
            return NOTHING
        words = [word for word, _ in self.searcher.key_terms_from_text("text", paragraph.text, numterms=LIKE_TERMS)]
        if not words:
            return NOTHING
        self.notices.append(f"Paragraphs like {paragraph.label}.")
        return wq.AndNot(wq.Or([wq.Term("text", w) for w in words], minmatch=LIKE_MINMATCH), wq.Term("pid", str(paragraph.id)))

    def _fuzzy(self, node: wq.FuzzyTerm) -> wq.Query:
        """The words within one typo of the word as typed, as the terms they index under.

        Not Whoosh's FuzzyTerm: on this field it compares the *stemmed* query ("goverment" → "gover")
        with the unstemmed words, so "goverment~" found nothing. Here the typed word is compared with
        the words as written (field ``words``), whose stems are then searched. The first letter is taken
        as typed, as Whoosh's own fuzzy terms and "did you mean" do (``search/engine/words.py``).
        """
        if node.maxdist > 1:
            self.notices.append(f"“{node.text}~{node.maxdist}” searched with one typo at most (~1).")
        typed = re.findall(r"\w+", self.text[node.startchar : node.endchar] if node.startchar is not None else "")
        word = (typed[0] if typed else str(node.text)).lower()
        near = words.within(self.searcher, word, 1, prefix=1)
        stems = {token.text for w in near for token in schema.ANALYZER(w)} | {str(node.text)}
        found = sorted(stem for stem in stems if (node.fieldname, stem) in self.reader)
        if len(found) > MAX_EXPANSION:
            raise QueryError(f"“{word}~” matches {len(found)} different words (at most {MAX_EXPANSION}): add letters.")
        return wq.Or([wq.Term(node.fieldname, stem) for stem in found]) if found else NOTHING

    def _expansion(self, node: wq.Query) -> wq.Query:
        text = str(getattr(node, "text", "")) + ("*" if isinstance(node, wq.Prefix) else "")
        if isinstance(node, (wq.Prefix, wq.Wildcard)) and len(re.split(r"[*?]", text)[0]) < MIN_PREFIX:
            raise QueryError(f"“{text}”: a wildcard needs at least {MIN_PREFIX} letters before * or ?.")
        expanded = {t for _, t in node.expanded_terms(self.reader)}
        if len(expanded) > MAX_EXPANSION:
            raise QueryError(f"“{text}” matches {len(expanded)} different words (at most {MAX_EXPANSION}): add letters.")
        # The words themselves, so that nothing expands the pattern a second time.
        return wq.Or([wq.Term(node.fieldname, word) for word in sorted(expanded)]) if expanded else NOTHING

    def _with_name_runs(self, nodes: list[wq.Query]) -> list[tuple[wq.Query, bool]]:
        """Words typed one after another that are a person's name or alias ("Bibi Netanyahu",
        unquoted) also find that person's mentions under other names: the longest run first.
        Each node comes with whether it is rewritten already."""
        out: list[tuple[wq.Query, bool]] = []
        i = 0
        while i < len(nodes):
            for size in range(min(MAX_NAME_WORDS, len(nodes) - i), 1, -1):
                run = nodes[i : i + size]
                raw = self._typed_run(run)
                person = self.lookups.person_exact(raw) if raw else None
                if person is not None:
                    self.notices.append(f"“{raw}” also finds paragraphs that mention {person[1]} under another name.")
                    out.append((wq.Or([wq.And(run), wq.Term("person", str(person[0]))]), True))
                    i += size
                    break
            else:
                out.append((nodes[i], False))
                i += 1
        return out

    def _typed_run(self, run: list[wq.Query]) -> str:
        """The text of adjacent plain words as typed (only spaces between them), else ''."""
        if not all(isinstance(n, wq.Term) and n.fieldname == "text" and n.startchar is not None for n in run):
            return ""
        between = [self.text[a.endchar : b.startchar] for a, b in zip(run, run[1:], strict=False)]
        return self.text[run[0].startchar : run[-1].endchar] if all(not gap.strip() for gap in between) else ""

    def _with_alias(self, node: wq.Query, raw: str) -> wq.Query:
        """A word or phrase that is a person's name or alias also finds mentions under other names."""
        raw = raw.strip().strip('"')
        person = self.lookups.person_exact(raw) if raw else None
        if person is None:
            return node
        self.notices.append(f"“{raw}” also finds paragraphs that mention {person[1]} under another name.")
        return wq.Or([node, wq.Term("person", str(person[0]))])


def day_bounds(value: str) -> tuple[int, int] | None:
    """(first, last) day numbers (yyyymmdd) covered by YYYY, YYYY-MM or YYYY-MM-DD."""
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month, day = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0
    if year < 1000 or (len(parts) > 1 and not 1 <= month <= 12) or (len(parts) > 2 and not 1 <= day <= 31):
        return None
    base = year * 10000 + month * 100 + day
    if len(parts) == 1:
        return base, base + 1299
    if len(parts) == 2:
        return base, base + 99
    return base, base
