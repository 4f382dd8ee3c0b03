"""Ingest: read article files, split and classify paragraphs, store them, queue the index update.

One article is one transaction. A file that cannot be read is reported and skipped; the
others still go in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify

from search import extract, index, rules
from search.models import Alias, Article, Mention, Paragraph, Person, Source
from search.readers import ArticleInput, IngestError, Skipped, iter_files, parse_date, read_file

__all__ = ["ArticleInput", "Defaults", "IngestError", "Summary", "ingest_paths", "parse_date", "preview_paths", "store_article"]

MAX_PARAGRAPH_CHARS = 100_000


@dataclass(frozen=True)
class Defaults:
    """Metadata from the command line, used where the input lacks it."""

    source: str = ""
    published: dt.date | None = None
    url: str = ""
    title: str = ""


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    paragraphs_kept: int = 0
    paragraphs_boilerplate: int = 0
    persons_new: int = 0
    errors: list[str] = field(default_factory=list)
    index_error: str = ""  # the index could not be written: the articles are stored, their updates queued

    def line(self) -> str:
        return (
            f"articles: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"
            f"{f', {self.skipped} skipped' if self.skipped else ''}; "
            f"paragraphs: {self.paragraphs_kept} kept, {self.paragraphs_boilerplate} boilerplate; persons: {self.persons_new} new"
        )


def with_defaults(article: ArticleInput, defaults: Defaults) -> ArticleInput:
    return replace(
        article,
        source=article.source or defaults.source or article.fallback_source,
        published=article.published or defaults.published,
        url=article.url or defaults.url,
        title=article.title or defaults.title,
    )


def article_key(article: ArticleInput, first_paragraph: str) -> str:
    if article.url:
        return extract.content_hash("url", article.url.strip())
    return extract.content_hash("text", article.source.casefold(), article.title, first_paragraph)


def resolve_source(name: str, url: str) -> Source | None:
    """One source per outlet: matched by name (case-insensitive), or by the URL's domain when the
    input names no source. Different names on one domain stay apart until a curator merges them;
    a merged source's articles go where the curator merged it."""
    domain = _domain(url)
    name = name.strip()
    if not name:
        source = Source.objects.filter(domain=domain).first() if domain else None
    else:
        source = Source.objects.filter(name__iexact=name).first()
        if source is None:
            domain_taken = bool(domain) and Source.objects.filter(domain=domain).exists()
            source = Source.objects.create(name=name, slug=unique_slug(Source, name), domain="" if domain_taken else domain)
    return _followed(source)


def _followed(source: Source | None) -> Source | None:
    """Where a curator merged this source, if anywhere."""
    while source is not None and source.merged_into_id is not None:
        source = source.merged_into
    return source


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


@dataclass(frozen=True)
class PreparedArticle:
    """An article split, classified and with its person mentions found: everything but the database."""

    article: ArticleInput
    paragraphs: list[extract.ParagraphDraft]
    mentions: list[extract.MentionDraft]  # ``paragraph`` indexes ``paragraphs``

    @property
    def key(self) -> str:
        return article_key(self.article, self.paragraphs[0].text)


def prepare(article: ArticleInput) -> PreparedArticle:
    """Split, classify and find persons in one article (ingest_paths does this for a stream)."""
    ((prepared, _),) = prepare_stream([article], on_error=_raise)
    return prepared


def _raise(article: ArticleInput, exc: IngestError) -> None:
    raise exc


def prepare_stream(
    articles: Iterable[ArticleInput],
    *,
    on_error: Callable[[ArticleInput, IngestError], None],
    skip: Callable[[ArticleInput, str], bool] = lambda article, key: False,
    processes: int = 1,
) -> Iterator[tuple[PreparedArticle, str]]:
    """(prepared article, its key) for each article; NER runs batched over the whole stream.

    ``skip(article, key)`` lets the caller pass over an article before NER (unchanged ones).
    """

    def split() -> Iterator[tuple[tuple[ArticleInput, list[extract.ParagraphDraft], list[int], str], list[str]]]:
        for article in articles:
            try:
                drafts = _classified_paragraphs(article)
            except IngestError as exc:
                on_error(article, exc)
                continue
            key = article_key(article, drafts[0].text)
            if skip(article, key):
                continue
            # Persons only from kept paragraphs: a name in a reader appeal is not a person of the article.
            kept = [n for n, d in enumerate(drafts) if not d.is_boilerplate]
            yield (article, drafts, kept, key), [drafts[n].text for n in kept]

    for (article, drafts, kept, key), mentions in extract.find_persons_stream(split(), processes=processes):
        prepared = PreparedArticle(article, drafts, [replace(m, paragraph=kept[m.paragraph]) for m in mentions])
        yield prepared, key


def _classified_paragraphs(article: ArticleInput) -> list[extract.ParagraphDraft]:
    paragraphs = extract.split_paragraphs(article.text)
    if not paragraphs:
        raise IngestError("no text")
    too_long = next((p for p in paragraphs if len(p) > MAX_PARAGRAPH_CHARS), None)
    if too_long is not None:
        raise IngestError(f"a paragraph of {len(too_long):,} characters (limit {MAX_PARAGRAPH_CHARS:,}): not article text")
    return extract.classify_paragraphs(paragraphs)


def article_digest(article: ArticleInput) -> str:
    """What decides whether a stored article changed: its text and metadata as given."""
    return extract.content_hash(article.title, article.url, article.source, str(article.published), article.byline, article.text)


def _unchanged(article: ArticleInput, key: str) -> bool:
    return Article.objects.filter(key=key, content_hash=article_digest(article)).exists()


def known_person(name: str) -> Person | None:
    """The curated person a name refers to: an alias wins, then the canonical name, then a unique surname."""
    alias = Alias.objects.filter(name__iexact=name).select_related("person").first()
    if alias:
        return alias.person
    person = Person.objects.filter(name__iexact=name).first()
    if person or " " in name:
        return person
    # A surname alone, with no full name in its article: the best-known person of that surname.
    return Person.objects.filter(name__iendswith=f" {name}").annotate(n=Count("mentions")).order_by("-n", "id").first()


class PersonDirectory:
    """Names → canonical persons for a bulk ingest, held in memory.

    Same rules as ``known_person``, without a database round trip (and a table scan for surnames)
    per name: on a large archive those dominate the time of storing an article.
    """

    def __init__(self) -> None:
        self.by_name: dict[str, int] = {}
        self.by_surname: dict[str, dict[int, int]] = {}
        counts = dict(Person.objects.annotate(n=Count("mentions")).values_list("id", "n"))
        for person_id, name in Person.objects.values_list("id", "name"):
            self._add(person_id, name, counts.get(person_id, 0))
        for person_id, name in Alias.objects.values_list("person_id", "name"):
            self.by_name[name.casefold()] = person_id  # a curated alias wins

    def _add(self, person_id: int, name: str, mentions: int) -> None:
        self.by_name.setdefault(name.casefold(), person_id)
        if " " in name:
            surname = self.by_surname.setdefault(name.rsplit(" ", 1)[1].casefold(), {})
            surname[person_id] = surname.get(person_id, 0) + mentions

    def lookup(self, name: str) -> int | None:
        found = self.by_name.get(name.casefold())
        if found is not None or " " in name:
            return found
        candidates = self.by_surname.get(name.casefold())
        return min(candidates, key=lambda pid: (-candidates[pid], pid)) if candidates else None

    def created(self, person: Person) -> None:
        self._add(person.pk, person.name, 0)

    def mentioned(self, person_id: int, name: str, count: int) -> None:
        surname = self.by_surname.get(name.rsplit(" ", 1)[-1].casefold(), {})
        if person_id in surname:
            surname[person_id] += count


def resolve_people(names: Iterable[str], directory: PersonDirectory | None = None) -> tuple[dict[str, Person], int]:
    """Canonical Person rows for these names, creating new ones; returns (map, how many are new).

    A single word that neither resolved to a full name in its article nor names a known person is
    left out: alone, "Twitter" or "Wagner" is more often not a person than a mononym.
    """
    people: dict[str, Person] = {}
    created = 0
    names = list(dict.fromkeys(names))
    if directory is not None:
        ids = {name: directory.lookup(name) for name in names}
        rows = Person.objects.in_bulk([i for i in ids.values() if i is not None])
        found = {name: rows[i] for name, i in ids.items() if i is not None and i in rows}
    else:
        found = {name: person for name in names if (person := known_person(name)) is not None}
    for name in names:
        person = found.get(name)
        if person is None and " " in name:
            person = Person.objects.create(name=name[:200], slug=unique_slug(Person, name))
            created += 1
            if directory is not None:
                directory.created(person)
        if person is not None:
            people[name] = person
    return people, created


def unique_slug(model: type[Person] | type[Source], name: str) -> str:
    base = slugify(name)[:180] or model.__name__.lower()
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def store_article(article: ArticleInput) -> tuple[str, Article, PreparedArticle, int]:
    """Prepare and store one article; see store_prepared."""
    return store_prepared(prepare(article))


def store_prepared(
    prepared: PreparedArticle, directory: PersonDirectory | None = None, repeats: rules.SourceRepeats | None = None
) -> tuple[str, Article, PreparedArticle, int]:
    """Insert or update one article in one transaction; returns (outcome, article, prepared, persons created)."""
    article = prepared.article
    digest = article_digest(article)
    with transaction.atomic():
        existing = Article.objects.select_for_update().filter(key=prepared.key).first()
        if existing is not None and existing.content_hash == digest:
            return "unchanged", existing, prepared, 0
        stored = existing or Article(key=prepared.key)
        stored.title = article.title[:500]
        stored.url = article.url[:1000]
        stored.source = resolve_source(article.source, article.url)
        stored.published = article.published
        stored.byline = article.byline[:500]
        stored.raw_text = article.text
        stored.content_hash = digest
        stored.save()
        created = replace_paragraphs(stored, prepared, directory, repeats, fresh=existing is None)
    if repeats is not None:
        repeats.settle()
    return ("updated" if existing else "new"), stored, prepared, created


def replace_paragraphs(
    article: Article,
    prepared: PreparedArticle,
    directory: PersonDirectory | None = None,
    repeats: rules.SourceRepeats | None = None,
    *,
    fresh: bool = False,
) -> int:
    """The article's paragraphs and mentions from ``prepared``, with curated rules and repetition
    applied; queues every article whose paragraphs changed. Returns how many persons are new.

    A curator's decision on a paragraph (set aside, or kept) holds for the same text in the new version.
    ``fresh``: the article was just created, so it has no old paragraphs to look at or delete.
    """
    curated: dict[str, str] = {}
    if not fresh:
        curated = dict(article.paragraphs.filter(boilerplate_reason__in=Paragraph.CURATED).values_list("text_hash", "boilerplate_reason"))
        article.paragraphs.all().delete()
    rows = Paragraph.objects.bulk_create(
        _paragraph_row(article, n, d, curated.get(paragraph_hash(d.text))) for n, d in enumerate(prepared.paragraphs)
    )
    people, created = resolve_people((m.name for m in prepared.mentions), directory)
    Mention.objects.bulk_create(
        Mention(paragraph=rows[m.paragraph], person=people[m.name], start=m.start, end=m.end, text=m.text[:200])
        for m in prepared.mentions
        if m.name in people
    )
    rules.apply_article_rules(article)
    index.queue_articles((repeats.mark(article) if repeats is not None else rules.mark_repeated(article)) | {article.pk})
    return created


def _paragraph_row(article: Article, position: int, draft: extract.ParagraphDraft, curated: str | None) -> Paragraph:
    reason = curated or draft.boilerplate_reason
    return Paragraph(
        article=article,
        position=position,
        text=draft.text,
        text_hash=paragraph_hash(draft.text),
        is_boilerplate=reason != Paragraph.CURATED_KEPT and bool(reason),
        boilerplate_reason=reason,
    )


def paragraph_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.casefold().split()).encode("utf-8")).hexdigest()


def preview(prepared: PreparedArticle) -> dict[str, object]:
    """What ingest would store for this article, as plain JSON-ready data; reads, never writes."""
    article = prepared.article
    canonical = {name: person.name for name in {m.name for m in prepared.mentions} if (person := _person_preview(name))}
    by_paragraph: dict[int, list[extract.MentionDraft]] = {}
    for mention in (m for m in prepared.mentions if m.name in canonical):
        by_paragraph.setdefault(mention.paragraph, []).append(mention)
    source = resolve_source_name(article.source, article.url)
    return {
        "path": article.path,
        "record": article.record,
        "title": article.title,
        "url": article.url,
        "source": source,
        "published": article.published.isoformat() if article.published else None,
        "paragraphs": [
            {
                "text": d.text,
                "boilerplate": d.is_boilerplate,
                "reason": d.boilerplate_reason,
                "mentions": [
                    {"start": m.start, "end": m.end, "text": m.text, "person": canonical[m.name]} for m in by_paragraph.get(n, [])
                ],
            }
            for n, d in enumerate(prepared.paragraphs)
        ],
        "persons": list(dict.fromkeys(canonical[m.name] for m in prepared.mentions if m.name in canonical)),
    }


def _person_preview(name: str) -> Person | None:
    """The person ``resolve_people`` would give this name, without creating it."""
    return known_person(name) or (Person(name=name) if " " in name else None)


def resolve_source_name(name: str, url: str) -> str | None:
    """The source name an article would get (merges followed), without creating anything."""
    if name.strip():
        existing = _followed(Source.objects.filter(name__iexact=name.strip()).first())
        return existing.name if existing else name.strip()
    domain = _domain(url)
    existing = _followed(Source.objects.filter(domain=domain).first() if domain else None)
    return existing.name if existing else None


def preview_paths(
    paths: list[Path], *, defaults: Defaults = Defaults(), emit: Callable[[dict[str, object]], None] | None = None
) -> Summary:
    """Prepare every article as ingest would and hand its preview to ``emit``; stores nothing."""
    summary = Summary()
    on_error = _failure_recorder(summary)
    for prepared, _ in prepare_stream(_articles(paths, defaults, summary), on_error=on_error):
        summary.new += 1
        _count_paragraphs(summary, prepared)
        if emit is not None:
            emit(preview(prepared))
    return summary


def _failure_recorder(summary: Summary) -> Callable[[ArticleInput, IngestError], None]:
    def record(article: ArticleInput, exc: IngestError) -> None:
        _fail(summary, f"{article.path} record {article.record}: {exc}")

    return record


def _articles(paths: list[Path], defaults: Defaults, summary: Summary) -> Iterator[ArticleInput]:
    """Every readable article under these paths; unreadable files and records are counted as failed."""
    for path in iter_files(paths):
        try:
            for article in read_file(path):
                if isinstance(article, Skipped):
                    summary.skipped += 1
                elif isinstance(article, IngestError):
                    _fail(summary, f"{path}: {article}")
                else:
                    yield with_defaults(article, defaults)
        except IngestError as exc:
            _fail(summary, f"{path}: {exc}")


def _count_paragraphs(summary: Summary, prepared: PreparedArticle) -> None:
    boilerplate = sum(1 for d in prepared.paragraphs if d.is_boilerplate)
    summary.paragraphs_boilerplate += boilerplate
    summary.paragraphs_kept += len(prepared.paragraphs) - boilerplate


def ingest_paths(
    paths: list[Path], *, defaults: Defaults = Defaults(), apply_every: int = 200, processes: int = 1, progress: bool = False
) -> Summary:
    """Ingest every article under these paths; broken inputs are counted and described, not fatal.

    Index updates are applied every ``apply_every`` stored articles, so search sees a long ingest
    progress; ``processes`` > 1 runs person extraction in that many worker processes.
    """
    summary = Summary()

    def unchanged(article: ArticleInput, key: str) -> bool:
        if _unchanged(article, key):
            summary.unchanged += 1
            return True
        return False

    articles = _articles(paths, defaults, summary)
    stream = prepare_stream(articles, on_error=_failure_recorder(summary), skip=unchanged, processes=processes)
    since_apply = 0
    directory = PersonDirectory()
    repeats = rules.SourceRepeats()
    for prepared, _ in _with_progress(stream, enabled=progress):
        since_apply += _store_one(prepared, summary, directory, repeats)
        if since_apply >= apply_every and not summary.index_error:
            _apply(summary, apply_every)
            since_apply = 0
    if not summary.index_error:
        _apply(summary, apply_every)
    return summary


def _apply(summary: Summary, articles_per_commit: int) -> None:
    """Bring the index up to date; if it cannot be written, say so once and go on storing articles.

    One index commit for what was stored since the last (apply_pending's default batch of 500 would
    cut 2,000 articles into four small segments that Whoosh later merges, writing them twice)."""
    try:
        index.apply_pending(batch_size=max(500, articles_per_commit))
    except index.IndexWriteError as exc:
        summary.index_error = str(exc)


def _with_progress(stream: Iterator[tuple[PreparedArticle, str]], *, enabled: bool) -> Iterator[tuple[PreparedArticle, str]]:
    if not enabled:
        return stream
    from tqdm import tqdm  # noqa: PLC0415 - only for interactive runs

    return iter(tqdm(stream, unit=" articles", smoothing=0.05, mininterval=1.0))


def _store_one(prepared: PreparedArticle, summary: Summary, directory: PersonDirectory, repeats: rules.SourceRepeats) -> int:
    outcome, _, prepared, created = store_prepared(prepared, directory, repeats)
    setattr(summary, outcome, getattr(summary, outcome) + 1)
    _count_paragraphs(summary, prepared)
    summary.persons_new += created
    return 0 if outcome == "unchanged" else 1


def _fail(summary: Summary, message: str) -> None:
    summary.failed += 1
    summary.errors.append(message)
