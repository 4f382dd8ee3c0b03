"""Who a name is: the one place that normalises person names and looks them up.

Ingest (a name found in an article → a canonical person), the query language (``person:putin``, a
word that is someone's name or alias) and the person facet's name filter all decide through here, by
the same rules: a curated alias wins, then the canonical name (case-insensitive), then, for a single
word, the best-known person of that surname.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

from django.db.models import Count, Q
from django.db.models.functions import Lower

from search.models import Alias, Person

# Titles and honorifics are not part of a name ("President Vladimir Putin" is Vladimir Putin).
_TITLES = frozenset(
    """mr mrs ms miss mx dr prof president vice prime minister sen senator rep representative gov governor
    gen general col colonel lt capt captain sgt adm admiral chancellor king queen prince princess pope sir
    dame lord lady judge justice secretary chief ceo chairman chairwoman coach rev reverend father sister
    brother sheikh ayatollah imam rabbi emir sultan mayor speaker ambassador commissioner director
    officer detective inspector professor doctor saint st former late then acting deputy""".split()
)
_POSSESSIVE = re.compile(r"(['’]s|['’])$")
_NAME_TOKEN = re.compile(r"^[A-Z][^\W\d_]*(['’.-][^\W\d_]*)*\.?$|^(de|da|van|von|der|den|del|la|le|bin|al|ibn|el)$")
_MAX_NAME_TOKENS = 5


def clean_name(text: str) -> tuple[int, str] | None:
    """(offset of the name within ``text``, name) without titles or possessive; None if not a name."""
    tokens = text.split()
    offset = 0
    while tokens and tokens[0].rstrip(".").lower() in _TITLES:
        offset = text.index(tokens[0], offset) + len(tokens[0])
        tokens = tokens[1:]
    if not tokens:
        return None
    tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
    name = " ".join(t for t in tokens if t)
    if not name or len(tokens) > _MAX_NAME_TOKENS or not all(_NAME_TOKEN.match(t) for t in tokens if t):
        return None
    if len(name) < 2 or name.isupper() and len(name) <= 3:
        return None
    return text.index(tokens[0], offset), name


def name_key(name: str) -> str:
    """What two spellings of a name share when they are the same name: case and spacing aside."""
    return " ".join(name.casefold().split())


def surname_key(name: str) -> str:
    return name_key(name).rsplit(" ", 1)[-1]


def is_full_name(name: str) -> bool:
    """A single word alone ("Twitter", "Wagner") is more often not a person than a mononym."""
    return " " in name.strip()


# --- lookups in the database --------------------------------------------------------------------


def known_person(name: str) -> Person | None:
    """The curated person a name refers to: an alias wins, then the canonical name, then a unique surname."""
    alias = Alias.objects.filter(name__iexact=name).select_related("person").first()
    if alias:
        return alias.person
    person = Person.objects.annotate(lowered=Lower("name")).filter(lowered=name.lower()).first()
    if person or is_full_name(name):
        return person
    # A surname alone, with no full name in its article: the best-known person of that surname.
    return Person.objects.filter(name__iendswith=f" {name}").annotate(n=Count("mentions")).order_by("-n", "id").first()


def person_exact(text: str) -> tuple[int, str] | None:
    """(id, name) of the person whose name or alias is exactly ``text`` (case aside): no surname guess."""
    alias = Alias.objects.filter(name__iexact=text).select_related("person").first()
    if alias:
        return alias.person_id, alias.person.name
    person = Person.objects.annotate(lowered=Lower("name")).filter(lowered=text.lower()).values_list("id", "name").first()
    return (person[0], person[1]) if person else None


def persons_named(text: str) -> list[int]:
    """Persons whose name or an alias contains every word of ``text``, or whose slug it is."""
    words = text.replace("-", " ").split()
    if not words:
        return []
    first = words[0]
    candidates = Person.objects.filter(Q(slug=text.lower()) | Q(name__icontains=first) | Q(aliases__name__icontains=first))
    ids = set(candidates.values_list("id", flat=True))
    by_slug = set(Person.objects.filter(slug=text.lower()).values_list("id", flat=True))
    return sorted(by_slug | set(matching_person_ids(" ".join(words), ids)))


def is_name_word(word: str) -> bool:
    """Whether ``word`` is one of the words of a person's name or alias (case aside)."""
    key = name_key(word)
    names = chain(
        Person.objects.filter(name__icontains=key).values_list("name", flat=True)[:500],
        Alias.objects.filter(name__icontains=key).values_list("name", flat=True)[:500],
    )
    return any(key in name_key(name).replace("-", " ").split() for name in names)


def matching_person_ids(text: str, candidates: Iterable[int]) -> list[int]:
    """Persons among ``candidates`` whose name or an alias contains every word of ``text``."""
    query_words = name_key(text).split()
    ids = list(candidates)
    names: dict[int, list[str]] = {}
    for person_id, name in Person.objects.filter(id__in=ids).values_list("id", "name"):
        names.setdefault(person_id, []).append(name_key(name))
    for person_id, name in Alias.objects.filter(person_id__in=ids).values_list("person_id", "name"):
        names.setdefault(person_id, []).append(name_key(name))
    return [i for i, all_names in names.items() if all(any(w in n for n in all_names) for w in query_words)]


class Directory:
    """Names → canonical persons for a bulk ingest, held in memory.

    Same rules as ``known_person``, without a database round trip (and a table scan for surnames)
    per name: on a large archive those dominate the time of storing an article. ``forget`` and
    ``reload`` keep it true to curation done meanwhile (merges, new aliases).
    """

    def __init__(self) -> None:
        self.by_name: dict[str, int] = {}
        self.by_surname: dict[str, dict[int, int]] = {}
        self.reload()

    def reload(self) -> None:
        """Read every person and alias again: the database is the truth, curation may have changed it."""
        self.by_name, self.by_surname = {}, {}
        counts = dict(Person.objects.annotate(n=Count("mentions")).values_list("id", "n"))
        for person_id, name in Person.objects.values_list("id", "name"):
            self._add(person_id, name, counts.get(person_id, 0))
        for person_id, name in Alias.objects.values_list("person_id", "name"):
            self.by_name[name_key(name)] = person_id  # a curated alias wins

    def _add(self, person_id: int, name: str, mentions: int) -> None:
        self.by_name.setdefault(name_key(name), person_id)
        if is_full_name(name):
            surname = self.by_surname.setdefault(surname_key(name), {})
            surname[person_id] = surname.get(person_id, 0) + mentions

    def lookup(self, name: str) -> int | None:
        found = self.by_name.get(name_key(name))
        if found is not None or is_full_name(name):
            return found
        candidates = self.by_surname.get(name_key(name))
        return min(candidates, key=lambda pid: (-candidates[pid], pid)) if candidates else None

    def created(self, person: Person) -> None:
        self._add(person.pk, person.name, 0)

    def mentioned(self, person_id: int, name: str, count: int) -> None:
        surname = self.by_surname.get(surname_key(name), {})
        if person_id in surname:
            surname[person_id] += count
