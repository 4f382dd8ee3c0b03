"""Re-resolution: the person rules applied again to the persons already stored (``persons_resolve``).

After an upgrade of the rules, or a curation, persons that the rules now take for one human are
folded together, and names the rules no longer take for a person's are set aside, in small
transactions that queue their index updates through the outbox. Curated persons (a name a curator
chose, or any alias) are left as the curator left them. A second run finds nothing to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from search import people
from search.engine import index
from search.ingest import persons, store, things, unresolved
from search.models import Mention, Paragraph, Person, PersonRedirect


@dataclass
class Report:
    merged: list[tuple[str, str]] = field(default_factory=list)  # (folded name, into)
    set_aside: list[str] = field(default_factory=list)
    articles: int = 0
    late_mentions: int = 0  # mentions no one had when their article was stored, given to a person now

    def line(self) -> str:
        return (
            f"{len(self.merged)} person(s) folded into another, {len(self.set_aside)} set aside as not persons, "
            f"{self.late_mentions} earlier mention(s) given to a person; {self.articles} article(s) queued for the index"
        )


MAX_PASSES = 5  # a fold can make a person well enough known for the next one: passes until none changes


def resolve_stored(*, progress: bool = False, dry_run: bool = False) -> Report:
    """Apply the person rules to every stored, uncurated person, smallest first (a variant folds into
    the person it is a form of, not the other way), pass after pass until one changes nothing."""
    report = Report()
    for _ in range(1 if dry_run else MAX_PASSES):
        changed = len(report.merged) + len(report.set_aside)
        _one_pass(report, progress=progress, dry_run=dry_run)
        if len(report.merged) + len(report.set_aside) == changed:
            break
    directory = people.Directory()
    late = unresolved.resolve_kept(directory, dry_run=dry_run)
    report.late_mentions, report.articles = late.mentions, report.articles + len(late.articles)
    if not dry_run:
        store.rename_to_better(directory, late.persons)
        index.apply_pending()
    return report


def _one_pass(report: Report, *, progress: bool, dry_run: bool) -> None:
    directory = people.Directory()
    rows = (
        Person.objects.filter(not_a_person=False, name_curated=False)
        .annotate(n=Count("mentions", distinct=True), a=Count("aliases", distinct=True))
        .filter(a=0)
        .order_by("n", "pk")
        .values_list("pk", "name", "kind_curated")
    )
    kept: list[int] = []
    for person_id, name, kind_curated in _with_progress(list(rows), progress):
        target, cleaned = _rule_target(directory, person_id, name)
        if cleaned is None and not kind_curated:
            report.set_aside.append(name)
            if not dry_run:
                report.articles += things.set_aside(person_id)
        elif target is not None:
            report.merged.append((name, directory.names[target]))
            if not dry_run:
                report.articles += _fold(person_id, target)
            directory.forget(person_id, into=target)
        else:
            kept.append(person_id)
    names, articles = things.set_aside_things(kept, dry_run=dry_run)
    report.set_aside += names
    report.articles += articles


def _rule_target(directory: people.Directory, person_id: int, name: str) -> tuple[int | None, str | None]:
    """(the other person the rules take this name for, the name as the rules write it)."""
    cleaned = persons.cleaned_name(name)
    if cleaned is None:
        return None, None
    target = directory.lookup(cleaned, exclude=person_id)
    if target is None:  # "Surprised Obama", stored before the rule
        target = directory.surname_owner(cleaned, None, directory.mention_count(person_id))
    if target is None or target == person_id:
        return None, cleaned
    # Into the better-known of the two only (equal: the older), so a variant never takes the person in.
    weight = directory.mention_count
    return (target if (weight(target), -target) > (weight(person_id), -person_id) else None), cleaned


def _articles_of(person_id: int) -> set[int]:
    return set(Paragraph.objects.filter(mentions__person_id=person_id).values_list("article_id", flat=True))


@transaction.atomic
def _fold(person_id: int, target: int) -> int:
    articles = _articles_of(person_id)
    Mention.objects.filter(person_id=person_id).update(person_id=target)
    PersonRedirect.objects.filter(person_id=person_id).update(person_id=target)
    slug = Person.objects.filter(pk=person_id).values_list("slug", flat=True).first()
    Person.objects.filter(pk=person_id).delete()
    if slug:
        PersonRedirect.objects.get_or_create(slug=slug, defaults={"person_id": target})
    index.queue_articles(articles)
    return len(articles)


def _with_progress(rows: list[tuple[int, str, bool]], progress: bool) -> Iterable[tuple[int, str, bool]]:
    if not progress:
        return rows
    from tqdm import tqdm  # noqa: PLC0415 - only for interactive runs

    return tqdm(rows, unit=" persons", mininterval=1.0)


def counts_by_person() -> Counter[str]:
    """Mentions per canonical person's name: what a fold must leave unchanged in total."""
    return Counter(dict(Person.objects.annotate(n=Count("mentions")).values_list("name", "n")))
