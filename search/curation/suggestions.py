"""Merge suggestions: pairs of persons likely to be one human that the rules left apart, with the
evidence a curator needs to decide (names, mentions, first and last dates, sample paragraphs).

The rules (``search.names``) merge what is safe to merge without asking; what is left and looks
alike is suggested here: the same last name with given names that are spelt alike
(Binyamin/Benjamin Netanyahu, rapidfuzz's Jaro-Winkler) or one the start of the other
(Chris/Christopher), last names spelt alike under the same given name, and one name with and
without a suffix (the rules keep "X Jr." apart from "X" unless it has a middle name). A pair the curator
rejected (``RejectedMerge``) is never suggested again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Count, Max, Min
from rapidfuzz.distance import JaroWinkler

from search import names
from search.models import Paragraph, Person, RejectedMerge

GIVEN_SIMILARITY = 0.85  # Jaro-Winkler of the given names: Binyamin/Benjamin 0.85, Mark/Mary 0.88
LAST_SIMILARITY = 0.92  # of last names under one given name: Gadhafi/Qaddafi no, Morsy/Morsi 0.92
MIN_MENTIONS = 2  # persons mentioned once are left out: too little to decide on
MAX_GROUP = 400  # persons of one last name compared pairwise; a larger group is compared in its 400 best known


@dataclass(frozen=True)
class Side:
    person: Person
    mentions: int
    first: str  # ISO dates of the first and last article, "" when undated
    last: str
    samples: list[Paragraph]


@dataclass(frozen=True)
class Suggestion:
    first: Side  # the better known: the one a merge keeps
    second: Side
    why: str

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.first, self.second


def _why(a: names.NameParts, b: names.NameParts) -> str | None:
    """Why two names look like one human's (None: they do not, or the rules already decide)."""
    if a.last == b.last and a.first and b.first and a.first != b.first:
        if names.same_given_name(a.first, b.first):
            return None  # the rules merge these unless middles or suffixes conflict: then they are two
        if a.first.startswith(b.first) or b.first.startswith(a.first):
            return "one given name starts the other"
        if JaroWinkler.similarity(a.first, b.first) >= GIVEN_SIMILARITY:
            return "given names spelt alike"
    if a.first == b.first and a.last != b.last and JaroWinkler.similarity(a.last, b.last) >= LAST_SIMILARITY:
        return "last names spelt alike"
    if (a.first, a.last) == (b.first, b.last) and bool(a.suffix) != bool(b.suffix):
        return "the same name with and without a suffix"  # "Eric Holder Jr." is Eric Holder; "Donald Trump Jr." is not
    return None


def merge_suggestions(limit: int = 50) -> list[Suggestion]:
    """The pairs most worth a curator's look, best known first."""
    rows = list(
        Person.objects.filter(not_a_person=False)
        .annotate(n=Count("mentions"))
        .filter(n__gte=MIN_MENTIONS)
        .order_by("-n", "pk")
        .values_list("pk", "name", "n")
    )
    mentions = {pk: n for pk, _, n in rows}
    groups: dict[str, list[tuple[int, names.NameParts]]] = defaultdict(list)
    for pk, name, _ in rows:
        parts = names.parts(name)
        if parts.is_full:
            groups[parts.last[:3]].append((pk, parts))
    rejected = set(RejectedMerge.objects.values_list("first_id", "second_id"))
    pairs = []
    for members in groups.values():
        for (pa, a), (pb, b) in combinations(members[:MAX_GROUP], 2):
            why = _why(a, b)
            if why and (pa, pb) not in rejected and (pb, pa) not in rejected:
                pairs.append((min(mentions[pa], mentions[pb]), pa, pb, why))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [_suggestion((pa, mentions[pa]), (pb, mentions[pb]), why) for _, pa, pb, why in pairs[:limit]]


def _suggestion(a: tuple[int, int], b: tuple[int, int], why: str) -> Suggestion:
    better, other = (a, b) if (a[1], -a[0]) >= (b[1], -b[0]) else (b, a)
    return Suggestion(_side(*better), _side(*other), why)


def _side(pk: int, mentions: int) -> Side:
    person = Person.objects.get(pk=pk)
    paragraphs = Paragraph.objects.filter(mentions__person=person).distinct()
    span = paragraphs.aggregate(first=Min("article__published"), last=Max("article__published"))
    samples = list(paragraphs.select_related("article", "article__source").order_by("article__published", "pk")[:2])
    first, last = span["first"], span["last"]
    return Side(person, mentions, first.isoformat() if first else "", last.isoformat() if last else "", samples)


def reject(first: Person, second: Person) -> None:
    """Remember that these two are different humans."""
    a, b = sorted((first, second), key=lambda p: p.pk)
    RejectedMerge.objects.get_or_create(first=a, second=b)
