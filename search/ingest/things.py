"""Names the archive writes as things, not persons (docs/PERSONS.md, "Across the archive", rule 8).

News writes a person's full name after an article almost never ("a Mark Hutton pitch": 9 of the
4,284 full-name person mentions of CoNLL-2003 train) and a company's, a group's, a law's or a show's
often ("the Freedom Caucus", "the Hobby Lobby case", "the Keystone XL pipeline": about one in five of
CoNLL's organisations and places). The small model calls some of these persons every time it sees
them, so no count of its labels tells them apart; how the archive writes them does. A person whose
full name follows "the", "a" or "an" at least ``MIN_AS_THING`` times and in ``THING_SHARE`` of its
full-name mentions, and that no lone word of the archive ever names (a person is "Zuckerberg" after
"Mark Zuckerberg"; nobody writes "Lobby" for Hobby Lobby), is set aside: its mentions are kept but
not indexed or counted, like a curator's "not a person", and later mentions of the name join it there.
A curator's word on a person (either way) is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least, Substr

from search.engine import index
from search.ingest import repeats
from search.models import Mention, Paragraph, Person

MIN_AS_THING = 2  # full-name mentions after an article, at least
THING_SHARE = 0.2  # ... and at least this share of the full-name mentions
_LEAD = 6  # characters read before a mention: " the " and what opens it
AFTER_ARTICLE = re.compile(r"(?:^|[^\w'’])(?:the|an?)\s+$", re.IGNORECASE)


def written_as_things(person_ids: Iterable[int]) -> list[int]:
    """Of these persons, the uncurated ones the archive writes as things (see the module)."""
    candidates = _uncurated(person_ids)
    full: Counter[int] = Counter()
    as_thing: Counter[int] = Counter()
    for batch in repeats.batches(sorted(candidates)):
        named_alone = set(Mention.objects.filter(person_id__in=batch).exclude(text__contains=" ").values_list("person_id", flat=True))
        rows = (
            Mention.objects.filter(person_id__in=set(batch) - named_alone)
            .annotate(lead=Substr("paragraph__text", Greatest(F("start") - _LEAD + 1, Value(1)), Least(F("start"), Value(_LEAD))))
            .values_list("person_id", "lead")
        )
        for person_id, lead in rows.iterator(chunk_size=5000):
            full[person_id] += 1
            as_thing[person_id] += bool(AFTER_ARTICLE.search(lead or ""))
    return sorted(p for p, n in as_thing.items() if n >= MIN_AS_THING and n >= THING_SHARE * full[p])


def set_aside_things(person_ids: Iterable[int], *, dry_run: bool = False) -> tuple[list[str], int]:
    """Set aside those of these persons the archive writes as things (with ``dry_run``, only find
    them): their names, and how many articles were queued for the index."""
    found = written_as_things(person_ids)
    names = list(Person.objects.filter(pk__in=found).order_by("name").values_list("name", flat=True))
    return names, 0 if dry_run else sum(set_aside(person_id) for person_id in found)


@transaction.atomic
def set_aside(person_id: int) -> int:
    """A person set aside as not a person by the rules (its mentions kept, no longer indexed or
    counted); its articles queued for the index. Returns how many."""
    articles = set(Paragraph.objects.filter(mentions__person_id=person_id).values_list("article_id", flat=True))
    Person.objects.filter(pk=person_id).update(not_a_person=True)
    index.queue_articles(articles)
    return len(articles)


def _uncurated(person_ids: Iterable[int]) -> set[int]:
    ids = sorted({p for p in person_ids if p > 0})
    uncurated = Person.objects.filter(not_a_person=False, name_curated=False, kind_curated=False, aliases__isnull=True)
    kept: set[int] = set()
    for batch in repeats.batches(ids):
        kept |= set(uncurated.filter(pk__in=batch).values_list("pk", flat=True))
    return kept
