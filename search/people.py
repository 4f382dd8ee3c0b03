"""Who a name is: the one place that normalises person names and looks them up.

Ingest (a name found in an article → a canonical person) decides by ``Directory.lookup``: a curated
alias wins, then the canonical name (case and accents aside), then another form of the same name
(``names.same_human``: "Donald J. Trump" is Donald Trump), then, for a single word, the person of that
surname most mentioned around the article's date. The query language (``person:putin``, a word that
is someone's name or alias) and the person facet's name filter match names and aliases here too
(``persons_named``, ``person_exact``, ``matching_person_ids``), without the guesses.
docs/PERSONS.md has the rules and what they were measured on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from itertools import chain

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from search import names
from search.models import Alias, Mention, Person

clean_name = names.clean_name
is_full_name = names.is_full_name


def name_key(name: str) -> str:
    """What two spellings of a name share when they are the same name: case, accents and spacing aside."""
    return names.fold(name)


# --- lookups in the database --------------------------------------------------------------------


def known_person(name: str, when: date | None = None) -> Person | None:
    """The person a name refers to, by ``Directory.lookup``'s rules, read from the database."""
    person_id = Directory.for_names([name]).lookup(name, when)
    return Person.objects.filter(pk=person_id).first() if person_id is not None else None


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


Month = int  # months since year 0: year * 12 + month - 1


def month_of(day: date | None) -> Month | None:
    return day.year * 12 + day.month - 1 if day else None


class Directory:
    """Names → canonical persons, held in memory: who a name is, decided in one place.

    Ingest, its dry run, curation's re-extraction and ``persons_resolve`` all ask ``lookup`` (and
    ``known_person`` for one name), so a preview resolves exactly as the ingest it previews. The query
    language does not guess: ``person:`` matches names and aliases (``persons_named``, ``person_exact``). The dry run's persons-to-be
    get negative ids (``add_virtual``); ingest adds the persons it creates (``created``) and the
    mentions it stores (``mentioned``), whose months decide a lone surname. ``reload`` keeps it true to
    curation done meanwhile (merges, new aliases, persons set aside as not persons).
    """

    SURNAME_MONTHS = 12  # a lone surname is the person most mentioned within a year of the article
    DOMINANCE = 2.0  # … by this factor over the next one; closer than that it stays unresolved
    LONE_PER_FULL = 100  # a person takes lone surnames up to this many times its full-name mentions
    LONE_MIN_ARTICLES = 2  # … and only once its full name is in this many articles (or a curator made it)
    NEAR_MENTIONS = 3  # a near spelling ("Ihan Omar") is taken for a person mentioned at least this often
    NEAR_BLOCK = 3  # near spellings are looked for among last names that start with as many letters
    OWNER_FACTOR = 20  # "Surprised Obama" is Obama when Obama has this many times its mentions in the article

    def __init__(self, persons: QuerySet[Person] | None = None, aliases: QuerySet[Alias] | None = None) -> None:
        self._persons = persons
        self._aliases = aliases
        self._next_virtual = -1
        self.touched: set[int] = set()  # persons mentioned since the directory was made (``mentioned``)
        self.reload()

    @classmethod
    def for_names(cls, texts: Iterable[str]) -> Directory:
        """A directory of only the persons that could be these names (same last word or alias): what a
        single lookup needs, without reading every person."""
        texts = [t for t in texts if t.strip()]
        lasts = {names.fold(t).split()[-1] for t in texts if names.fold(t)}
        near = Q(pk__in=[])
        for last in lasts:
            near |= Q(name__icontains=last)  # "Donald J. Trump", "Trump, Donald J."
        for text in texts:
            near |= Q(name__iexact=text) | Q(name__iexact=" ".join(reversed(text.split())))
            words = text.split()
            if len(words) >= 3:
                near |= Q(name__iexact=" ".join(words[:-1]))
        aliases = Alias.objects.filter(_any_iexact("name", texts))
        return cls(Person.objects.filter(near | Q(pk__in=aliases.values("person_id"))), aliases)

    def reload(self) -> None:
        """Read the persons and aliases again: the database is the truth, curation may have changed it."""
        self.by_name: dict[str, int] = {}
        self.by_last: dict[str, list[int]] = {}
        self.by_tail: dict[str, list[int]] = {}
        self.by_last_start: dict[str, list[int]] = {}  # first letters of the last name: near spellings
        self.names: dict[int, str] = {}
        self.months: dict[int, Counter[Month]] = {}
        self.forms: dict[int, Counter[str]] = {}  # person → the full names its mentions were resolved to, counted
        self.full_articles: Counter[int] = Counter()  # person → articles that name it in full
        self.curated: set[int] = set()
        self.aliased: set[int] = set()
        self._exclude: int | None = None
        self.moved: dict[int, int] = {}  # person folded away → the person it is now
        persons = Person.objects.all() if self._persons is None else self._persons
        for person_id, name, not_a_person, name_curated in persons.values_list("id", "name", "not_a_person", "name_curated"):
            self._add(person_id, name, searchable=not not_a_person)
            if name_curated:
                self.curated.add(person_id)
        mentions = Mention.objects.filter(person__in=persons.filter(not_a_person=False)).order_by()
        # Counted by day and summed into months here: SQLite truncates a date to its month in a Python
        # function called once a mention (5.0 s against 2.7 s for the whole AllSides corpus's mentions).
        for person_id, day, n in mentions.values_list("person_id", "paragraph__article__published").annotate(n=Count("id")):
            self.months.setdefault(person_id, Counter())[month_of(day) or -1] += n
        full = mentions.filter(name__contains=" ")
        for person_id, form, n in full.values_list("person_id", "name").annotate(n=Count("id")):
            self.forms.setdefault(person_id, Counter())[form] += n
        for person_id, n in full.values_list("person_id").annotate(n=Count("paragraph__article_id", distinct=True)):
            self.full_articles[person_id] = n
        aliases = Alias.objects.all() if self._aliases is None else self._aliases
        for person_id, name in aliases.values_list("person_id", "name"):
            self.by_name[name_key(name)] = person_id  # a curated alias wins
            self.aliased.add(person_id)

    def _add(self, person_id: int, name: str, *, searchable: bool = True) -> None:
        self.names[person_id] = name
        self.by_name.setdefault(name_key(name), person_id)
        if not searchable:
            return  # a name set aside as not a person stays itself, and is nobody's surname
        parts = names.parts(name)
        if parts.last:
            self.by_last.setdefault(parts.last, []).append(person_id)
            self.by_last_start.setdefault(parts.last[: self.NEAR_BLOCK], []).append(person_id)
        words = name_key(name).split()
        if len(words) >= 3:
            self.by_tail.setdefault(" ".join(words[-2:]), []).append(person_id)

    def lookup(self, name: str, when: date | None = None, *, exclude: int | None = None) -> int | None:
        """The person ``name`` is, or None: an alias or the name itself, another form of the same
        name (or a near spelling of a well-known one), a name widget's or surname-first form of a
        known name, then surnames (one word, or the two-word surname of a longer name: "Wasserman
        Schultz"). ``exclude``: a person not to answer (re-resolution asks who else a name is)."""
        self._exclude = exclude
        key = name_key(name)
        exact = self.by_name.get(key)
        while exact in self.moved:
            exact = self.moved[exact]
        if exact is not None and exact != exclude:
            return exact
        if not names.is_full_name(name):
            return self._most_mentioned(self._surname_persons(key), when)
        found = self._same_human(name, when)
        if found is None:
            found = self._near_spelling(name)
        words = name.split()
        if found is None and len(words) >= 3 and self._widget_tail(words):
            found = self._known_form(" ".join(words[:-1]), when)  # "Ted Cruz Rafael": a widget's legal first name
        if found is None and len(words) == 2 and names.is_given_name(words[1]):
            reversed_name = f"{words[1]} {words[0]}"  # "Trump Donald": surname first
            found = self._known_form(reversed_name, when) or self._same_human(reversed_name, when)
        if found is None and len(words) == 2 and key in self.by_tail:
            found = self._most_mentioned(self.by_tail[key], when)
        return found

    def surname_owner(self, name: str, when: date | None, mentions: int) -> int | None:
        """The well-known person a new full name is, when its first word is no given name of any land
        ("Surprised Obama", "Collapse Trump", "Team Obama", "Impeach Obama": a headline's verb or noun
        before a surname): the person a lone surname would be, with OWNER_FACTOR times the ``mentions``
        the name has in its article. A rare given name ("Bing Bing Li", 3 mentions beside a Li with 25)
        stays a person of its own."""
        words = name.split()
        if len(words) < 2 or names.is_any_given_name(words[0]) or names.INITIALS.match(words[0]):
            return None
        owner = self._most_mentioned(self._surname_persons(names.parts(name).last), when)
        if owner is None or self.mention_count(owner) < self.OWNER_FACTOR * max(mentions, 1):
            return None
        return owner

    def _widget_tail(self, words: list[str]) -> bool:
        """Whether the last word trails a known person's name: a widget's legal given name ("Ted Cruz
        Rafael", "Rand Paul Randal") or a headline's word after a surname ("Ted Cruz Tweeted", "Jim Crow
        Zoning"), after a person of exactly the other words mentioned NEAR_MENTIONS times or more. Not
        "Michael Lee Wilson" (its first two words are only a form of Mike Lee), nor "John Paul Stevens"
        after the pope: a surname after a given name is a full name with a middle name."""
        if names.parts(" ".join(words)).suffix:
            return False
        if not names.is_any_given_name(words[-1]) and names.is_given_name(words[-2]):
            return False
        known = self.by_name.get(name_key(" ".join(words[:-1])))
        return known is not None and self.mention_count(known) >= self.NEAR_MENTIONS

    def _known_form(self, name: str, when: date | None) -> int | None:
        found = self.by_name.get(name_key(name))
        return found if found is not None and found != self._exclude else None

    def _same_human(self, name: str, when: date | None) -> int | None:
        parts = names.parts(name)
        same = [
            pid for pid in self.by_last.get(parts.last, ()) if pid in self.names and names.same_human(parts, names.parts(self.names[pid]))
        ]
        return self._most_mentioned(same, when)

    def _near_spelling(self, name: str) -> int | None:
        parts = names.parts(name)
        near = {
            pid
            for pid in self.by_last_start.get(parts.last[: self.NEAR_BLOCK], ())
            if pid != self._exclude
            and pid in self.names
            and self.mention_count(pid) >= self.NEAR_MENTIONS
            and names.near_spelling(parts, names.parts(self.names[pid]))
        }
        return near.pop() if len(near) == 1 else None

    def _surname_persons(self, key: str) -> list[int]:
        """Persons whose last name is this word, by nameparser's reading of their full name (never a
        name that merely ends in it), while their surname alone is not yet LONE_PER_FULL times as
        frequent as their full name: "Reagan" for Ronald Reagan, but a lone "Twitter" does not become
        "Lizard Squad Twitter" six thousand times."""
        return [pid for pid in self.by_last.get(key, ()) if names.is_full_name(self.names.get(pid, "")) and self._takes_lone_mentions(pid)]

    def _takes_lone_mentions(self, person_id: int) -> bool:
        """Named in full in LONE_MIN_ARTICLES articles (or curated), and not yet LONE_PER_FULL times as
        often alone: a name one article gave ("Abbi Easter", "Sharon David", "Radical Left") does
        not take every later "Easter", "David" or "Left" of the archive (docs/PERSONS.md, rule 5)."""
        if self.full_articles[person_id] < self.LONE_MIN_ARTICLES and person_id not in self.curated and person_id not in self.aliased:
            return False
        full = sum(self.forms.get(person_id, Counter()).values())
        lone = self.mention_count(person_id) - full
        return lone < self.LONE_PER_FULL * max(full, 1)

    def _most_mentioned(self, candidates: list[int], when: date | None) -> int | None:
        """The one candidate, or the one mentioned DOMINANCE times as often as the next within
        SURNAME_MONTHS of ``when`` (over all time when undated or when none is mentioned then)."""
        candidates = [pid for pid in dict.fromkeys(candidates) if pid != self._exclude and pid in self.names]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        counts = self._counts(candidates, month_of(when))
        if month_of(when) is not None and not any(counts.values()):
            counts = self._counts(candidates, None)
        ranked = sorted(candidates, key=lambda pid: (-counts[pid], pid))
        first, second = counts[ranked[0]], counts[ranked[1]]
        return ranked[0] if first > 0 and first >= self.DOMINANCE * second else None

    def _counts(self, candidates: list[int], month: Month | None) -> dict[int, int]:
        def count(pid: int) -> int:
            if month is None:
                return self.mention_count(pid)
            return sum(n for m, n in self.months.get(pid, Counter()).items() if abs(m - month) <= self.SURNAME_MONTHS)

        return {pid: count(pid) for pid in candidates}

    def forget(self, person_id: int, *, into: int) -> None:
        """A person folded into another: its names and counts are the other's now."""
        self.names.pop(person_id, None)  # the lists keep the id; lookups skip ids without a name
        self.moved[person_id] = into
        self.months.setdefault(into, Counter()).update(self.months.pop(person_id, Counter()))
        self.forms.setdefault(into, Counter()).update(self.forms.pop(person_id, Counter()))
        self.full_articles[into] += self.full_articles.pop(person_id, 0)  # an article naming both counts twice

    def created(self, person: Person) -> None:
        self._add(person.pk, person.name)

    def add_virtual(self, name: str) -> int:
        """A person the dry run would create: a negative id, so later names resolve to it as ingest's would."""
        person_id, self._next_virtual = self._next_virtual, self._next_virtual - 1
        self._add(person_id, name)
        return person_id

    def mention_count(self, person_id: int) -> int:
        return sum(self.months.get(person_id, Counter()).values())

    @property
    def virtual_count(self) -> int:
        return -1 - self._next_virtual

    def mentioned(self, person_id: int, when: date | None, count: int, form: str = "") -> None:
        """``count`` more mentions of this person in an article of ``when``, resolved to the full name ``form``."""
        self.months.setdefault(person_id, Counter())[month_of(when) or -1] += count
        self.touched.add(person_id)
        if names.is_full_name(form):
            self.forms.setdefault(person_id, Counter())[form] += count
            self.full_articles[person_id] += 1

    def better_names(self, person_ids: Iterable[int]) -> dict[int, str]:
        """Persons whose name is no longer the form of it their mentions use most ("Donald Trump", not
        "Donald J. Trump"), with that form, now in the directory too. Only forms of the same name count
        (``names.same_human``: an alias such as "Bibi Netanyahu" or a widget's form never renames);
        a curator's name stays, and a name another person has is not taken."""
        changes = {}
        for person_id in set(person_ids):
            current = self.names.get(person_id, "")
            if person_id in self.curated or not self.forms.get(person_id):
                continue
            own = names.parts(current)
            forms = Counter({f: n for f, n in self.forms[person_id].items() if f == current or names.same_human(names.parts(f), own)})
            if not forms:
                continue
            best = max(forms, key=lambda form: (forms[form], form == current, form))
            if best != current and forms[best] > forms.get(current, 0) and self.by_name.get(name_key(best), person_id) == person_id:
                self._add(person_id, best)
                changes[person_id] = best
        return changes


def _any_iexact(field: str, texts: Iterable[str]) -> Q:
    query = Q(pk__in=[])
    for text in texts:
        query |= Q(**{f"{field}__iexact": text})
    return query
