"""What a paragraph looks like, as numbers: the features of the learned boilerplate layer. Pure: no Django.

One row per paragraph of an article, one column per name in ``NAMES``. They describe the shape of page
furniture in general (short, no sentence, capitals, a name alone, credit and prompt words, links, a
place at either end, set-aside neighbours, repetition across the source's articles), never one
outlet's wording, so that a model fitted on one archive's outlets carries over to outlets it has not
seen. Repetition is counted by the caller (``repeats.SourceRepeats`` at ingest, ``learned`` over the
whole archive) on ``masked_hash``: the same text with its numbers masked ("Updated 3:15 p.m.").
docs/BOILERPLATE.md says why each feature is there.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

import numpy as np

_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ")", "…", "»")
_LINK = re.compile(r"https?://|www\.|\.com\b|@\w{2,}|\[email", re.I)
_CREDIT = re.compile(
    r"©|\b(photo|photos|photograph|image|images|getty|reuters|afp|ap|epa|file|courtesy|shutterstock|credit|caption|illustration|"
    r"pool|handout|staff)\b",
    re.I,
)
_MEDIA = re.compile(r"\b(video|videos|watch|watched|play|playback|gallery|slideshow|listen|podcast|replay|live)\b", re.I)
_PROMPT = re.compile(
    r"\b(click|subscribe|sign up|signup|newsletters?|download|follow|share|tap|app|here|read more|see also|related|"
    r"more:|see:|recommended|trending|email|tips?|donate|support)\b",
    re.I,
)
_LABEL = re.compile(r"^[A-Z][\w’']*( [\w’']+){0,2}:\s")  # "PHOTOS: …", "Also see: …", "PROGRAMMING ALERT: …"
_STAMP = re.compile(r"\b(updated|posted|published|last modified|first published)\b", re.I)
_CREDIT_END = re.compile(
    r"\b(photo|photos|image|images|getty|reuters|afp|ap|epa|file|courtesy|shutterstock|credit|illustration|pool|handout)\W*"
    r"([\w.’'-]+\W*){0,3}$",
    re.I,
)
_NOT_ALNUM = re.compile(r"[\W_]+")
_AD = re.compile(r"^\W*(advertisement|advertising|sponsored|ad|ads)\b", re.I)
_BYLINE = re.compile(r"^\W*(by|written by|reporting by|edited by|contributed|contributing|story produced by|produced by)\b", re.I)
_NAME_LINE = re.compile(r"^[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3}$")
_QUOTE_START = ('"', "“", "‘", "'", "«")
FUNCTION_WORDS = frozenset(
    "the a an of and to in that is was for on with as by at from he she it they we his her their its this be are were "
    "has have had said says not but or who which would will been than after about into when there".split()
)

NAMES = (
    "words (log)",
    "very short",
    "no sentence",
    "ends with a colon",
    "short line without a sentence",
    "title case",
    "capitals",
    "few function words",
    "digits",
    "link or handle",
    "credit words",
    "media words",
    "prompt words",
    "advertisement word",
    "a label and a colon first",
    "a credit at the end",
    "an update stamp",
    "byline opening",
    "a name alone",
    "the source's name",
    "opens with a quotation",
    "first paragraph",
    "last paragraph",
    "near the start",
    "near the end",
    "a neighbour set aside",
    "repeated in the source",
    "share of the source's articles",
    "the article's title",
    "a recurring opening",
    "a recurring ending",
)


@dataclass(frozen=True)
class ArticleParagraphs:
    """What the features of one article's paragraphs are computed from."""

    texts: list[str]
    aside: list[bool]  # set aside by the layers before this one (the article's own patterns)
    repeats: list[int]  # other articles of the source with the same masked text (short paragraphs; 0 for long ones)
    source_articles: int  # articles of the source, this one included
    openings: list[int] | None = None  # other articles with a paragraph of the same opening (recurrence_keys)
    endings: list[int] | None = None  # … of the same ending
    source_name: str = ""
    title: str = ""


def masked_hash(text: str) -> str:
    """The paragraph's text with case, spacing and numbers set aside: what repetition is counted on."""
    return hashlib.sha1(_NUMBER.sub("0", " ".join(text.casefold().split())).encode("utf-8")).hexdigest()


def recurrence_keys(text: str, max_words: int) -> tuple[str, str, str]:
    """What a source's articles may share with this paragraph, if it has at most ``max_words`` words:
    its whole text, its first two words and its last three (numbers masked); '' where there is none.
    A recurring opening ("PHOTOS: …", "JUST WATCHED …") or ending ("… Photo: Andres Kudacki") is a
    template the outlet fills in, when the rest of the paragraph differs."""
    words = _NUMBER.sub("0", text.casefold()).split()
    if len(words) > max_words:
        return "", "", ""
    opening = "o:" + " ".join(words[:2]) if len(words) > 3 else ""
    ending = "e:" + " ".join(words[-3:]) if len(words) > 4 else ""
    return "m:" + masked_hash(text), opening, ending


def article_features(article: ArticleParagraphs, max_words: int | None = None) -> np.ndarray:
    """One row of ``NAMES`` columns per paragraph; with ``max_words``, zeros for longer paragraphs (the
    learned layer decides on no longer one, and they cost most to describe)."""
    count = len(article.texts)
    source_words = {w.casefold() for w in _WORD.findall(article.source_name) if len(w) >= 3}
    title = _NOT_ALNUM.sub("", article.title.casefold())
    rows = np.zeros((count, len(NAMES)), dtype=np.float32)
    for n, text in enumerate(article.texts):
        if max_words is not None and len(text.split()) > max_words:
            continue
        neighbour_aside = (n > 0 and article.aside[n - 1]) or (n + 1 < count and article.aside[n + 1])
        is_title = bool(title) and n < 3 and _NOT_ALNUM.sub("", text.casefold()).startswith(title)
        openings = article.openings[n] if article.openings else 0
        endings = article.endings[n] if article.endings else 0
        rows[n] = _paragraph_row(text, n, count, neighbour_aside, article.repeats[n], article.source_articles, source_words) + [
            float(is_title),
            math.log1p(openings) / math.log(50),
            math.log1p(endings) / math.log(50),
        ]
    return rows


def _paragraph_row(
    text: str, n: int, count: int, neighbour_aside: bool, repeats: int, source_articles: int, source_words: set[str]
) -> list[float]:
    """Every feature but the title's, in the order of NAMES."""
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    alphabetic = _WORD.findall(text)
    length = len(words)
    no_sentence = not text.rstrip().endswith(_SENTENCE_END)
    short = length <= 12
    folded = [w.casefold() for w in alphabetic]
    return [
        math.log1p(length) / 5,
        float(length <= 4),
        float(no_sentence),
        float(text.rstrip().endswith(":")),
        float(short and no_sentence),
        sum(w[0].isupper() for w in alphabetic) / len(alphabetic) if alphabetic else 0.0,
        sum(c.isupper() for c in letters) / len(letters) if letters else 0.0,
        1.0 - (sum(w in FUNCTION_WORDS for w in folded) / len(folded) if folded else 0.0),
        sum(c.isdigit() for c in text) / len(text),
        float(bool(_LINK.search(text))),
        float(bool(_CREDIT.search(text))),
        float(bool(_MEDIA.search(text))),
        float(bool(_PROMPT.search(text))),
        float(bool(_AD.match(text))),
        float(bool(_LABEL.match(text))),
        float(bool(_CREDIT_END.search(text))),
        float(bool(_STAMP.search(text))),
        float(bool(_BYLINE.match(text))),
        float(bool(_NAME_LINE.match(text))),
        sum(w in source_words for w in folded) / len(folded) if folded and source_words else 0.0,
        float(text.startswith(_QUOTE_START)),
        float(n == 0),
        float(n == count - 1),
        float(n < 3),
        float(count - 1 - n < 3),
        float(neighbour_aside),
        math.log1p(repeats) / math.log(50),
        min(1.0, repeats / max(source_articles, 1)),
    ]
