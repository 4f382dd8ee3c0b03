"""Copy families: the same paragraph published in several articles (agency copy, syndicated columns,
press releases), found as each article is stored, exactly or nearly.

A paragraph is its set of word 3-shingles, after folding case, width and accents and dropping
punctuation (so curly and straight quotes, spacing and dashes do not tell copies apart). Its MinHash
signature (datasketch, 64 permutations) is cut into 8 bands of 8 rows; each band, hashed, is a row
of ``CopyBand``. Paragraphs of other articles that share a band are candidates (locality-sensitive
hashing; 8 × 8 is datasketch's optimum for a Jaccard threshold of 0.7 with 64 permutations), and a
candidate is a copy when the exact Jaccard similarity of the two shingle sets is at least ``SIMILAR``
(a word or two changed in a paragraph of forty words is about 0.75–0.85). The new paragraph joins the
most similar candidate's family, whose id is the id of its first stored paragraph.

A paragraph's family is in its index document too (search lists a family once); when a paragraph
founds a family its article is queued for the index again. Only the first paragraph of a family,
and paragraphs with no copy yet, keep their bands: a bucket
holds about one paragraph per family, so a story copied a thousand times costs no more to match
than one copied twice. Figures and their commands: docs/BENCHMARKS.md ("Copy families").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash
from django.db import connection
from django.db.models import F

from search.engine import index
from search.models import CopyBand, Paragraph

SHINGLE = 3  # words per shingle
MIN_SHINGLES = 8  # shorter paragraphs ("He said so.") are too common to be copies of anything
PERMUTATIONS = 64
BANDS, ROWS = 8, 8
SIMILAR = 0.7  # exact Jaccard of the shingle sets for a copy
_WORD = re.compile(r"\w+")
_TEMPLATE = MinHash(num_perm=PERMUTATIONS, seed=1)  # its permutations are shared by every signature


def shingles(text: str) -> set[bytes]:
    """The paragraph's word 3-shingles, case, width, accents and punctuation aside."""
    folded = text.casefold()
    if not folded.isascii():  # width and accents: "ｃａｆé" is "cafe" (most paragraphs skip this)
        folded = "".join(c for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", folded)) if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def band_keys(shingle_set: set[bytes]) -> list[int]:
    """The hashed bands of the set's MinHash signature, one signed 64-bit key per band."""
    signature = _TEMPLATE.copy()
    signature.update_batch(list(shingle_set))  # a minimum over the set: any order gives the same signature
    values = np.asarray(signature.hashvalues, dtype=np.uint64)
    return [_key(band, values[band * ROWS : (band + 1) * ROWS].tobytes()) for band in range(BANDS)]


def _key(band: int, rows: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest(), "little", signed=True)


def jaccard(first: set[bytes], second: set[bytes]) -> float:
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def link_article(article_id: int) -> int:
    """Join the article's kept paragraphs to the families of their copies in other articles, and keep
    the bands of those that start no family yet. Returns how many paragraphs were found to be copies.
    Run inside the article's transaction, after its boilerplate is decided, before its paragraphs
    have bands of their own (a new article, or one whose paragraphs were just replaced)."""
    texts = Paragraph.objects.filter(article_id=article_id, is_boilerplate=False).values_list("id", "text")
    sets = {pid: s for pid, text in texts if len(s := shingles(text)) >= MIN_SHINGLES}
    if not sets:
        return 0
    keys = {pid: band_keys(s) for pid, s in sets.items()}
    found = _families(sets, _candidates(keys))
    if found:
        _join(found)
    _keep_bands((pid, key) for pid, ks in keys.items() if pid not in found for key in ks)
    return len(found)


def _candidates(keys: dict[int, list[int]]) -> dict[int, set[int]]:
    """Per paragraph, the paragraphs that share one of its bands (a lookup of the key index alone)."""
    by_key: dict[int, set[int]] = {}
    for key, pid in CopyBand.objects.filter(key__in={key for ks in keys.values() for key in ks}).values_list("key", "paragraph_id"):
        by_key.setdefault(key, set()).add(pid)
    return {pid: set().union(*(by_key.get(k, ()) for k in ks)) for pid, ks in keys.items()}


def _families(sets: dict[int, set[bytes]], candidates: dict[int, set[int]]) -> dict[int, tuple[int, int]]:
    """paragraph → (the copy it is most like, that copy's family id), for those with a kept copy."""
    wanted = set().union(*candidates.values())
    if not wanted:
        return {}
    kept = Paragraph.objects.filter(id__in=wanted, is_boilerplate=False).values_list("id", "text", "family")
    rows = {pid: (shingles(text), family) for pid, text, family in kept}
    found: dict[int, tuple[int, int]] = {}
    for pid, others in candidates.items():
        best = max(((jaccard(sets[pid], rows[o][0]), -o) for o in others if o in rows), default=(0.0, 0))
        if best[0] >= SIMILAR:
            copy = -best[1]
            found[pid] = (copy, rows[copy][1] or copy)
    return found


def _join(found: dict[int, tuple[int, int]]) -> None:
    """Each paragraph into its copy's family; a copy that had none founds it (and its document,
    already written without a family, is queued for the index again)."""
    founders = Paragraph.objects.filter(id__in={copy for copy, _ in found.values()}, family__isnull=True)
    index.queue_articles(set(founders.values_list("article_id", flat=True)))
    founders.update(family=F("id"))
    Paragraph.objects.bulk_update([Paragraph(id=pid, family=family) for pid, (_, family) in found.items()], ["family"])


def _keep_bands(rows: Iterable[tuple[int, int]]) -> None:
    """Insert (paragraph, key) rows: one statement run many times (the ORM's objects were half the cost)."""
    table, key = connection.ops.quote_name(CopyBand._meta.db_table), connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (paragraph_id, {key}) VALUES (%s, %s)", list(rows))  # noqa: S608 - the model's own names


def relink(article_ids: Iterable[int]) -> int:
    """Every family found afresh, these articles linked in turn as if stored in this order
    (``manage.py copies_link``: an archive stored before families, or after changing the rules
    above). Returns how many paragraphs are copies."""
    before = set(Paragraph.objects.filter(family__isnull=False).values_list("id", "family", "article_id"))
    CopyBand.objects.all().delete()
    Paragraph.objects.filter(family__isnull=False).update(family=None)
    linked = sum(link_article(article_id) for article_id in article_ids)
    after = set(Paragraph.objects.filter(family__isnull=False).values_list("id", "family", "article_id"))
    index.queue_articles({article_id for _, _, article_id in before ^ after})
    return linked
