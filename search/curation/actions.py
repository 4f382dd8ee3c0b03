"""Curation: the fixes a curator makes, each one transaction that also queues the index update.

Callers (admin actions, commands) apply the queued update after commit with ``index.apply_pending``;
if the process dies first, the next writer or start-up applies it. Each function returns how many
paragraphs it touched, for the curator's message.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet

from search.engine import index
from search.ingest import repeats, store
from search.ingest.readers import ArticleInput
from search.models import Alias, Article, BoilerplateRule, Mention, Paragraph, Person, PersonRedirect, Source, unique_slug


def _articles_mentioning(person_ids: Iterable[int]) -> set[int]:
    return set(Paragraph.objects.filter(mentions__person_id__in=list(person_ids)).values_list("article_id", flat=True))


def _queue(article_ids: set[int]) -> int:
    index.queue_articles(article_ids)
    return Paragraph.objects.filter(article_id__in=article_ids, is_boilerplate=False).count()


@transaction.atomic
def merge_persons(target: Person, others: Iterable[Person]) -> int:
    """Fold ``others`` into ``target``: their mentions and aliases move, their names become aliases,
    their slugs lead to ``target``."""
    others = [p for p in others if p.pk != target.pk]
    ids = [p.pk for p in others]
    articles = _articles_mentioning(ids)
    Mention.objects.filter(person_id__in=ids).update(person=target)
    Alias.objects.filter(person_id__in=ids).update(person=target)
    PersonRedirect.objects.filter(person_id__in=ids).update(person=target)
    PersonRedirect.objects.bulk_create([PersonRedirect(slug=p.slug, person=target) for p in others], ignore_conflicts=True)
    names = [p.name for p in others]
    Person.objects.filter(pk__in=ids).delete()
    for name in names:
        Alias.objects.get_or_create(name=name, defaults={"person": target})
    return _queue(articles)


@transaction.atomic
def split_alias(alias: Alias) -> tuple[Person, int]:
    """Make an alias a person of its own; the mentions ingest resolved to that name move with it.

    By the name each mention was resolved to, not only as written: after "Donald J. Trump" was merged
    into "Donald Trump", its mentions written "Trump" go back with it too.
    """
    old = alias.person
    person = Person.objects.create(name=alias.name, slug=unique_slug(Person, alias.name), name_curated=True)
    PersonRedirect.objects.filter(slug=person.slug).delete()  # the slug is this person's again
    resolved_so = Q(name__iexact=alias.name) | Q(name="", text__iexact=alias.name)  # "": stored before names were kept
    moved = Mention.objects.filter(resolved_so, person=old)
    articles = set(moved.values_list("paragraph__article_id", flat=True))
    moved.update(person=person)
    alias.delete()
    return person, _queue(articles)


@transaction.atomic
def set_not_a_person(people: QuerySet[Person], *, value: bool = True) -> int:
    ids = list(people.values_list("pk", flat=True))
    Person.objects.filter(pk__in=ids).update(not_a_person=value, kind_curated=True)
    return _queue(_articles_mentioning(ids))


@transaction.atomic
def merge_sources(target: Source, others: Iterable[Source]) -> int:
    """Fold ``others`` into ``target`` ("Fox Online News" into "Fox News"): their articles move, and
    later ingests of those names land in ``target``. ``unmerge_source`` undoes it."""
    ids = [s.pk for s in others if s.pk != target.pk]
    moved = Article.objects.filter(source_id__in=ids)
    articles = set(moved.values_list("id", flat=True))
    for source_id in ids:
        Article.objects.filter(source_id=source_id, original_source__isnull=True).update(original_source_id=source_id)
    moved.update(source=target)
    BoilerplateRule.objects.filter(source_id__in=ids).update(source=target)
    Source.objects.filter(Q(pk__in=ids) | Q(merged_into_id__in=ids)).update(merged_into=target)
    return _queue(articles)


@transaction.atomic
def unmerge_source(source: Source) -> int:
    """Undo a merge: the articles that came from ``source`` go back to it."""
    back = Article.objects.filter(original_source=source)
    articles = set(back.values_list("id", flat=True))
    back.update(source=source, original_source=None)
    Source.objects.filter(pk=source.pk).update(merged_into=None)
    return _queue(articles)


@transaction.atomic
def apply_rule(rule: BoilerplateRule) -> int:
    """Mark every paragraph the rule catches as boilerplate, with the rule's reason, recording the rule."""
    matches = repeats.rule_matches(rule)
    articles = _articles_of(matches)
    touched = repeats.set_aside_by_rule(rule, matches)
    index.queue_articles(articles)
    return touched


def _articles_of(paragraph_ids: list[int]) -> set[int]:
    articles: set[int] = set()
    for start in range(0, len(paragraph_ids), 500):
        articles |= set(Paragraph.objects.filter(id__in=paragraph_ids[start : start + 500]).values_list("article_id", flat=True))
    return articles


@transaction.atomic
def set_boilerplate(paragraphs: QuerySet[Paragraph], *, value: bool) -> int:
    """A curator's decision: remembered by the paragraph's text, so it survives re-ingest of the article."""
    articles = set(paragraphs.values_list("article_id", flat=True))
    reason = Paragraph.CURATED_ASIDE if value else Paragraph.CURATED_KEPT
    touched = paragraphs.update(is_boilerplate=value, boilerplate_reason=reason)
    index.queue_articles(articles)
    return touched


def rerun_extraction(articles: QuerySet[Article]) -> int:
    """Split, classify and extract persons again from each article's raw text, as ingest would now."""
    touched = 0
    for article in articles.select_related("source"):
        source = article.source.name if article.source else ""
        prepared = store.prepare(
            ArticleInput(text=article.raw_text, title=article.title, url=article.url, source=source, published=article.published)
        )
        with transaction.atomic():
            article.paragraphs.all().delete()
            store.replace_paragraphs(article, prepared)
            index.queue_articles([article.pk])
        touched += len(prepared.paragraphs)
    return touched


@transaction.atomic
def remove_rule(rule: BoilerplateRule) -> int:
    """Undo a rule: the paragraphs it set aside are kept again; then delete it. Another rule with the
    same reason keeps what it set aside (paragraphs record their rule)."""
    caught = Paragraph.objects.filter(is_boilerplate=True, rule=rule)
    articles = set(caught.values_list("article_id", flat=True))
    touched = caught.update(is_boilerplate=False, boilerplate_reason="", rule=None)
    rule.delete()
    index.queue_articles(articles)
    return touched
