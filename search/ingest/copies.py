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
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    words = _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def band_keys(shingle_set: set[bytes]) -> list[int]:
    """The hashed bands of the set's MinHash signature, one signed 64-bit key per band."""
    signature = _TEMPLATE.copy()
    signature.update_batch(sorted(shingle_set))
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
    Run inside the article's transaction, after its boilerplate is decided."""
    texts = dict(Paragraph.objects.filter(article_id=article_id, is_boilerplate=False).values_list("id", "text"))
    sets = {pid: s for pid, text in texts.items() if len(s := shingles(text)) >= MIN_SHINGLES}
    if not sets:
        return 0
    keys = {pid: band_keys(s) for pid, s in sets.items()}
    candidates = _candidates(keys, article_id)
    found = _families(sets, candidates)
    founders = Paragraph.objects.filter(id__in={founder for founder, _ in found.values()}, family__isnull=True)
    index.queue_articles(set(founders.values_list("article_id", flat=True)))  # their documents now carry the family
    founders.update(family=F("id"))
    Paragraph.objects.bulk_update([Paragraph(id=pid, family=family) for pid, (_, family) in found.items()], ["family"])
    CopyBand.objects.bulk_create(CopyBand(paragraph_id=pid, key=key) for pid, ks in keys.items() if pid not in found for key in ks)
    return len(found)


def _candidates(keys: dict[int, list[int]], article_id: int) -> dict[int, set[int]]:
    """Per paragraph, the kept paragraphs of other articles that share one of its bands."""
    wanted = {key for ks in keys.values() for key in ks}
    by_key: dict[int, set[int]] = {}
    rows = (
        CopyBand.objects.filter(key__in=wanted, paragraph__is_boilerplate=False)
        .exclude(paragraph__article_id=article_id)
        .values_list("key", "paragraph_id")
    )
    for key, pid in rows:
        by_key.setdefault(key, set()).add(pid)
    return {pid: set().union(*(by_key.get(k, set()) for k in ks)) for pid, ks in keys.items()}


def _families(sets: dict[int, set[bytes]], candidates: dict[int, set[int]]) -> dict[int, tuple[int, int]]:
    """paragraph → (the copy it is most like, that copy's family id), for those with a copy."""
    wanted = set().union(*candidates.values())
    if not wanted:
        return {}
    rows = {
        pid: (shingles(text), family) for pid, text, family in Paragraph.objects.filter(id__in=wanted).values_list("id", "text", "family")
    }
    found: dict[int, tuple[int, int]] = {}
    for pid, others in candidates.items():
        scored = [(jaccard(sets[pid], rows[o][0]), -o) for o in others if o in rows]
        best = max(scored, default=(0.0, 0))
        if best[0] >= SIMILAR:
            copy = -best[1]
            found[pid] = (copy, rows[copy][1] or copy)
    return found


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
