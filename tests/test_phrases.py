"""A quoted phrase finds exactly the paragraphs that contain it, case and punctuation aside: stop words
in their places, every word as written (not by stem)."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from search.models import Paragraph
from search.web import facets, results

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r"\w+(?:\.?\w+)*")  # Whoosh's RegexTokenizer's default pattern, lower-cased below


def params(text: str) -> results.SearchParams:
    return facets.read_params(QueryDict(urlencode({"q": text})))


def found(text: str) -> set[int]:
    return set(results.paragraph_ids(params(text)))


def words(text: str) -> list[str]:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return _TOKEN.findall(folded)


def containing(phrase: list[str], paragraphs: dict[int, list[str]]) -> set[int]:
    """A scan of the database's text: the paragraphs whose words hold the phrase's words in a row."""
    n = len(phrase)
    return {pid for pid, ws in paragraphs.items() if any(ws[i : i + n] == phrase for i in range(len(ws) - n + 1))}


def test_a_phrase_with_stop_words_finds_exactly_what_contains_it(store: Callable[..., object]) -> None:
    store(
        "He gave the State of the Union address.\n\nA state in a union of states.\n\n"
        "The states of the unions met.\n\nWatch the latest video here."
    )
    assert len(found('"state of the union"')) == 1  # it found nothing: "of the" left a gap in the positions
    assert len(found('"state-of-the-union"')) == 1  # punctuation aside
    assert len(found('"watch the latest video"')) == 1
    assert len(found("state union")) == 3  # unquoted words still match every form
    assert len(found('"states"')) == 2  # one quoted word is that word as written
    assert len(found('"of the"')) == 2  # a phrase of stop words alone is still a phrase


@pytest.mark.parametrize("seed", range(4))
def test_random_phrases_from_the_archive_match_a_scan_of_its_text(demo_subset: Path, seed: int) -> None:
    paragraphs = {pid: words(text) for pid, text in Paragraph.objects.filter(is_boilerplate=False).values_list("id", "text")}
    texts = [ws for ws in paragraphs.values() if len(ws) >= 6]
    rng = random.Random(seed)
    for _ in range(15):
        ws = rng.choice(texts)
        size = rng.randint(2, 5)
        start = rng.randrange(len(ws) - size + 1)
        phrase = ws[start : start + size]
        expected = containing(phrase, paragraphs)
        assert found('"' + " ".join(phrase) + '"') == expected, phrase
