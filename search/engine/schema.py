"""What the index holds: the analyzer, the schema, and a paragraph as a Whoosh document.

One document per kept paragraph. The database is the source of truth: a document is built from a
Paragraph row, its article and its mentions, and carries a digest of what went in, so that
``index.check`` can tell a stale document from a current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh import fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from search.digests import content_hash
from search.models import Article, Paragraph

# Words: stemmed and accent-folded ("café" finds "cafe", "elections" finds "election"), stop words
# dropped (renumber=False keeps the others' positions as in the text).
ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(renumber=False) | StemFilter(cachesize=100_000)

# Phrases: every word as written, case and accents aside, stop words kept. A quoted phrase must find
# exactly the paragraphs that contain it: on the stemmed field "state of the union" found nothing (a
# phrase's words must be adjacent, and "of the" left a gap) and "the companies said" would have found
# "the company said". The same word list, with document frequencies, is what "did you mean" corrects
# against (docs/WHOOSH.md, "Phrases").
PHRASE_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)

_TOKENIZER, _, _FOLD, _STOP, _STEM = ANALYZER.items


def indexed_words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, stem) of each word ``ANALYZER`` indexes in ``text``, as ``ANALYZER(text,
    chars=True, mode="index")`` gives them, without its chain of generators and Token objects: about a
    third of the time, and every hit on a page is highlighted through it (tests/test_highlight.py
    compares the two on the demo corpus)."""
    stops, shortest, longest, charmap = _STOP.stops, _STOP.min, _STOP.max, _FOLD.charmap
    stem, ignore = _STEM._stem, _STEM.ignore  # the filter's own cached stemmer
    for match in _TOKENIZER.expression.finditer(text):
        word = match.group(0).lower().translate(charmap)
        if len(word) < shortest or (longest is not None and len(word) > longest) or word in stops:
            continue
        yield match.start(), match.end(), word if word in ignore else stem(word)


# One document per kept paragraph. Texts are not stored: snippets are highlighted from the
# database's text, which keeps the index small and writes fast. Facet fields are sortable
# columns so that query.py can load them into numpy arrays once per segment.
#
# Numbers are indexed as one exact term each (shift_step=0). Whoosh's default also writes a term
# for every 4 bits of precision, for fast range queries: 16 terms for a 64-bit id, 8 for a day,
# 40 of a paragraph’s ~100 postings: a quarter (under load) to half (quiet) of the CPU time of writing
# the index (tests/tools/index_cost.py, figures in docs/BENCHMARKS.md).
# Nothing here asks Whoosh for a numeric range over postings: date ranges are answered from the
# ``day`` column (matching.py), and Whoosh's own fallback reads the exact terms in the range.
_EXACT = {"shift_step": 0}
SCHEMA = fields.Schema(
    pid=fields.ID(stored=True, unique=True),
    article=fields.NUMERIC(int, bits=64, stored=True, sortable=True, **_EXACT),
    # Bare words match the stems (no positions: phrases match ``words``).
    text=fields.TEXT(analyzer=ANALYZER, phrase=False),
    words=fields.TEXT(analyzer=PHRASE_ANALYZER, phrase=True),
    title=fields.TEXT(analyzer=ANALYZER),
    person=fields.KEYWORD(commas=True, stored=True),  # canonical person ids
    speaker=fields.KEYWORD(commas=True),  # the persons whose words the paragraph gives (ingest.speakers)
    source=fields.NUMERIC(int, bits=64, stored=True, sortable=True, **_EXACT),  # 0: no source
    day=fields.NUMERIC(int, stored=True, sortable=True, **_EXACT),  # yyyymmdd; 0: undated
    family=fields.NUMERIC(int, bits=64, sortable=True, **_EXACT),  # its copy family's id; 0: no known copy
    digest=fields.STORED(),  # hash of what was indexed, for search_check
)


def day_number(article: Article) -> int:
    published = article.published
    return published.year * 10000 + published.month * 100 + published.day if published else 0


def id_list(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(ids)))


def paragraph_document(paragraph: Paragraph, person_ids: Iterable[int], speaker_ids: Iterable[int] = ()) -> dict[str, object]:
    article = paragraph.article
    persons, speakers = id_list(person_ids), id_list(speaker_ids)
    return {
        "pid": str(paragraph.pk),
        "article": article.pk,
        "text": paragraph.text,
        "words": paragraph.text,
        "title": article.title,
        "person": persons,
        "speaker": speakers,
        "source": article.source_id or 0,
        "day": day_number(article),
        "family": paragraph.family or 0,
        "digest": paragraph_digest(paragraph, persons=persons, speakers=speakers),
    }


def paragraph_digest(paragraph: Paragraph, *, persons: str, speakers: str) -> str:
    article = paragraph.article
    day, source, family = str(day_number(article)), str(article.source_id or 0), str(paragraph.family or 0)
    return content_hash(paragraph.text, article.title, persons, source, day, family, speakers)
