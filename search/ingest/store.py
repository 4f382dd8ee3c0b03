"""Ingest: read article files, split and classify paragraphs, store them, queue the index update.

One article is one transaction. A file that cannot be read is reported and skipped; the
others still go in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection, transaction

from search import digests, people
from search.engine import index
from search.ingest import boilerplate, copies, inline, learned, paragraphs, persons, repeats, speakers, things, unresolved, workers
from search.ingest.readers import ArticleInput, IngestError, Skipped, estimated_articles, iter_files, parse_date, read_file
from search.models import Alias, Article, Mention, Paragraph, Person, RejectedMerge, Source, unique_slug, web_url

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
    skips: list[tuple[str, str]] = field(default_factory=list)  # (file, why): inputs that hold no article
    index_error: str = ""  # the index could not be written: the articles are stored, their updates queued
    cluster_error: str = ""  # the Dask cluster failed: the articles before it are stored and indexed, the rest not read
    boilerplate_settled: str = ""  # what deciding repetition afresh and refitting the learned layer changed
    set_aside: list[str] = field(default_factory=list)  # persons the run's end found written as things (ingest.things)
    late_mentions: str = ""  # earlier articles' mentions the run's persons took (ingest.unresolved)

    def line(self) -> str:
        return (
            f"articles: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"
            f"{f', {self.skipped} skipped' if self.skipped else ''}; "
            f"paragraphs: {self.paragraphs_kept} kept, {self.paragraphs_boilerplate} boilerplate; persons: {self.persons_new} new"
        )

    def set_aside_line(self) -> str:
        """The persons set aside as written like things, the first ten by name."""
        shown = ", ".join(self.set_aside[:10]) + (f", and {len(self.set_aside) - 10} more" if len(self.set_aside) > 10 else "")
        return f"persons: {len(self.set_aside)} set aside as written like things, not persons: {shown}" if self.set_aside else ""

    def skip_reasons(self) -> list[str]:
        """Why inputs were skipped, one line per file and reason, with how many ("feed.xml: 77 skipped:
        no text content, only a title or media")."""
        counts = Counter((path, _ENTRY_NUMBER.sub("", why)) for path, why in self.skips)
        return [f"{path}: {n} skipped: {why}" for (path, why), n in counts.items()]


_ENTRY_NUMBER = re.compile(r"^entry \d+: ")


def with_defaults(article: ArticleInput, defaults: Defaults) -> ArticleInput:
    return replace(
        article,
        source=article.source or defaults.source or article.fallback_source,
        published=article.published or defaults.published,
        date_from=article.date_from or ("input" if article.published else "--date" if defaults.published else ""),
        url=article.url or defaults.url,
        title=article.title or defaults.title,
    )


def article_key(article: ArticleInput, first_paragraph: str) -> str:
    if article.url:
        return digests.content_hash("url", article.url.strip())
    return digests.content_hash("text", article.source.casefold(), article.title, first_paragraph)


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
    paragraphs: list[boilerplate.ParagraphDraft]
    mentions: list[persons.MentionDraft]  # ``paragraph`` indexes ``paragraphs``

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
    cluster: str | None = None,
) -> Iterator[tuple[PreparedArticle, str]]:
    """(prepared article, its key) for each article; NER runs batched over the whole stream.

    ``skip(article, key)`` lets the caller pass over an article before NER (unchanged ones). Kept
    paragraphs lose their source's inline furniture (as learned so far) before persons are found.
    """
    furniture = SourceFurniture()

    def split() -> Iterator[tuple[tuple[ArticleInput, list[boilerplate.ParagraphDraft], list[int], str], list[str]]]:
        for article in articles:
            try:
                drafts = _classified_paragraphs(article)
            except IngestError as exc:
                on_error(article, exc)
                continue
            key = article_key(article, drafts[0].text)
            if skip(article, key):
                continue
            drafts = without_furniture(drafts, furniture.of(article))
            # Persons only from kept paragraphs: a name in a reader appeal is not a person of the article.
            kept = [n for n, d in enumerate(drafts) if not d.is_boilerplate]
            yield (article, drafts, kept, key), [drafts[n].text for n in kept]

    for (article, drafts, kept, key), mentions in persons.find_persons_stream(split(), processes=processes, cluster=cluster):
        prepared = PreparedArticle(article, drafts, [replace(m, paragraph=kept[m.paragraph]) for m in mentions])
        yield prepared, key


class SourceFurniture:
    """Each source's inline furniture as learned so far (``Source.inline_furniture``), read once a stream."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], inline.Furniture] = {}

    def of(self, article: ArticleInput) -> inline.Furniture:
        seen = (article.source.strip().casefold(), "" if article.source.strip() else _domain(article.url))
        if seen not in self._keys:
            name = resolve_source_name(article.source, article.url)
            keys = Source.objects.filter(name=name).values_list("inline_furniture", flat=True).first() if name else None
            self._keys[seen] = inline.Furniture.from_json(keys)
        return self._keys[seen]


def without_furniture(drafts: list[boilerplate.ParagraphDraft], keys: inline.Furniture) -> list[boilerplate.ParagraphDraft]:
    """Kept paragraphs with their source's inline furniture cut (``raw`` keeps them as written)."""
    if keys.empty:
        return drafts
    cut = []
    for draft in drafts:
        written = draft.written
        text = written if draft.is_boilerplate else inline.cut_furniture(written, keys)
        cut.append(replace(draft, text=text, raw=written if text != written else ""))
    return cut


def _classified_paragraphs(article: ArticleInput) -> list[boilerplate.ParagraphDraft]:
    texts = paragraphs.split_paragraphs(article.text)
    if not texts:
        raise IngestError("no text")
    too_long = next((p for p in texts if len(p) > MAX_PARAGRAPH_CHARS), None)
    if too_long is not None:
        raise IngestError(f"a paragraph of {len(too_long):,} characters (limit {MAX_PARAGRAPH_CHARS:,}): not article text")
    return boilerplate.classify_paragraphs(texts, boilerplate.writer_names(article.byline, article.source))


def article_digest(article: ArticleInput) -> str:
    """What decides whether a stored article changed: its text and metadata as given."""
    return digests.content_hash(article.title, article.url, article.source, str(article.published), article.byline, article.text)


def _unchanged(article: ArticleInput, key: str) -> bool:
    return Article.objects.filter(key=key, content_hash=article_digest(article)).exists()


def resolve_people(
    mentions: list[persons.MentionDraft], directory: people.Directory | None = None, when: dt.date | None = None
) -> tuple[dict[str, Person], int]:
    """Canonical Person rows for these mentions' names, creating new ones; returns (map, how many are new).

    ``directory`` decides (``people.Directory.lookup``; without one, a directory of the persons these
    names could be). A name that is no one yet becomes a person when it is a full name found in the
    article's sentences; a single word alone ("Twitter", "Wagner") and a weak name (only in a
    headline, or run into a widget) never do. Before a person is created, the database is asked once
    more: a curator may have made the name someone's alias while this ingest ran.
    """
    created = 0

    def create(name: str) -> int:
        nonlocal created
        alias = Alias.objects.filter(name__iexact=name).values_list("person_id", flat=True).first()
        if alias is not None:
            return alias
        person = Person.objects.create(name=name[:200], slug=unique_slug(Person, name))
        created += 1
        assert directory is not None
        directory.created(person)
        return person.pk

    if directory is None:
        directory = people.Directory.for_names(m.name for m in mentions)
    for _ in range(2):
        ids = _resolved_ids(mentions, directory, when, create)
        if Person.objects.filter(pk__in=set(ids.values())).count() == len(set(ids.values())):
            break
        directory.reload()  # it named a person the database no longer has: a curator merged it away meanwhile
    rename_to_better(directory, ids.values())
    rows = Person.objects.in_bulk(set(ids.values()))
    return {name: rows[i] for name, i in ids.items() if i in rows}, created


def rename_to_better(directory: people.Directory, person_ids: Iterable[int]) -> None:
    """Each of these persons renamed to the form of its name its mentions use most (Directory.better_names)."""
    for person_id, name in directory.better_names(person_ids).items():
        if not Person.objects.filter(name=name[:200]).exclude(pk=person_id).exists():
            Person.objects.filter(pk=person_id, name_curated=False).update(name=name[:200])


def _resolved_ids(
    mentions: list[persons.MentionDraft], directory: people.Directory, when: dt.date | None, create: Callable[[str], int]
) -> dict[str, int]:
    """Name → person id for an article's mentions, by the directory's rules; ``create`` makes a person
    (a row in an ingest, a negative id in a dry run). The directory then counts the mentions, so the
    next article's lone surnames weigh them: the preview and the ingest decide alike."""
    strong = {m.name for m in mentions if not m.weak}
    counts = Counter(m.name for m in mentions)
    ids: dict[str, int] = {}
    for name in counts:
        found = directory.lookup(name, when)
        if found is None and people.is_full_name(name) and name in strong:
            found = directory.surname_owner(name, when, counts[name])
            found = create(name) if found is None else found
        if found is not None:
            ids[name] = found
    for name, count in counts.items():
        if name in ids:
            directory.mentioned(ids[name], when, count, name)
    return ids


def store_article(article: ArticleInput) -> tuple[str, Article, PreparedArticle, int]:
    """Prepare and store one article; see store_prepared."""
    return store_prepared(prepare(article))


def store_prepared(
    prepared: PreparedArticle, directory: people.Directory | None = None, source_repeats: repeats.SourceRepeats | None = None
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
        stored.url = web_url(article.url)[:1000]  # http(s) only, the one place a URL is stored: never a javascript: link
        stored.source = resolve_source(article.source, article.url)
        stored.published = article.published
        stored.byline = article.byline[:500]
        stored.raw_text = article.text
        stored.content_hash = digest
        stored.save()
        created = replace_paragraphs(stored, prepared, directory, source_repeats, fresh=existing is None)
    if source_repeats is not None:
        source_repeats.settle()
    return ("updated" if existing else "new"), stored, prepared, created


def replace_paragraphs(
    article: Article,
    prepared: PreparedArticle,
    directory: people.Directory | None = None,
    source_repeats: repeats.SourceRepeats | None = None,
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
        _paragraph_row(article, n, d, curated.get(paragraphs.paragraph_hash(d.written))) for n, d in enumerate(prepared.paragraphs)
    )
    found, created = resolve_people(prepared.mentions, directory, prepared.article.published)
    Mention.objects.bulk_create(
        Mention(
            paragraph=rows[m.paragraph],
            person=found[m.name],
            start=m.start,
            end=m.end,
            text=m.text[:200],
            name=m.name[:200],
            speaker=m.speaker,
        )
        for m in prepared.mentions
        if m.name in found
    )
    unresolved.keep(rows, prepared.mentions, found)
    repeats.apply_article_rules(article)
    counter = source_repeats or repeats.SourceRepeats()
    changed = counter.mark(article)
    learned.mark_article(article, lambda keys: counter.recurrences(article, keys))
    copies.link_article(article.pk)
    index.queue_articles(changed | {article.pk})
    return created


def _paragraph_row(article: Article, position: int, draft: boilerplate.ParagraphDraft, curated: str | None) -> Paragraph:
    reason = curated or draft.boilerplate_reason
    return Paragraph(
        article=article,
        position=position,
        text=draft.text,
        raw=draft.raw,
        text_hash=paragraphs.paragraph_hash(draft.written),
        is_boilerplate=reason != Paragraph.CURATED_KEPT and bool(reason),
        boilerplate_reason=reason,
    )


def preview(prepared: PreparedArticle, directory: people.Directory | None = None) -> dict[str, object]:
    """What ingest would store for this article, as plain JSON-ready data; reads, never writes.

    With ``directory`` (the stored persons plus those the articles previewed before would have
    created), the canonical persons are the ones an ingest of the same files would store."""
    directory = directory or people.Directory.for_names(m.name for m in prepared.mentions)
    return preview_of(prepared, _resolved_ids(prepared.mentions, directory, prepared.article.published, directory.add_virtual), directory)


def preview_of(prepared: PreparedArticle, ids: dict[str, int], directory: people.Directory) -> dict[str, object]:
    """The preview of an article whose names ``directory`` resolved to ``ids``."""
    article = prepared.article
    directory.better_names(ids.values())
    canonical = {name: directory.names[i] for name, i in ids.items()}
    by_paragraph: dict[int, list[persons.MentionDraft]] = {}
    for mention in (m for m in prepared.mentions if m.name in canonical):
        by_paragraph.setdefault(mention.paragraph, []).append(mention)
    quoted = {n: _quotes(prepared.paragraphs[n].text, ms, canonical) for n, ms in by_paragraph.items()}
    source = resolve_source_name(article.source, article.url)
    return {
        "path": article.path,
        "record": article.record,
        "title": article.title,
        "url": web_url(article.url),
        "source": source,
        "published": article.published.isoformat() if article.published else None,
        "date_from": article.date_from or None,  # json-ld, meta, url, text (a saved page), input (a record's field), --date
        "paragraphs": [
            {
                "text": d.text,
                **({"written": d.raw} if d.raw else {}),  # as written, when inline furniture was cut from "text"
                "boilerplate": d.is_boilerplate,
                "reason": d.boilerplate_reason,
                "mentions": [
                    {"start": m.start, "end": m.end, "text": m.text, "person": canonical[m.name], "speaker": m.speaker}
                    for m in by_paragraph.get(n, [])
                ],
                "quotes": quoted.get(n) or _quotes(d.text, [], canonical),
            }
            for n, d in enumerate(prepared.paragraphs)
        ],
        "persons": list(dict.fromkeys(canonical[m.name] for m in prepared.mentions if m.name in canonical)),
    }


def _quotes(text: str, mentions: list[persons.MentionDraft], canonical: dict[str, str]) -> list[dict[str, object]]:
    """A paragraph's quoted words, each with its speaker's canonical name (None when unknown)."""
    spans = [(m.start, m.end) for m in mentions]
    found = speakers.quotes(text, spans, {i for i, m in enumerate(mentions) if m.speaker})
    return [
        {"start": q.start, "end": q.end, "speaker": canonical[mentions[q.speaker].name] if q.speaker is not None else None} for q in found
    ]


def resolve_source_name(name: str, url: str) -> str | None:
    """The source name an article would get (merges followed), without creating anything."""
    if name.strip():
        existing = _followed(Source.objects.filter(name__iexact=name.strip()).first())
        return existing.name if existing else name.strip()
    domain = _domain(url)
    existing = _followed(Source.objects.filter(domain=domain).first() if domain else None)
    return existing.name if existing else None


def preview_paths(
    paths: list[Path],
    *,
    defaults: Defaults = Defaults(),
    emit: Callable[[dict[str, object]], None] | None = None,
    processes: int = 1,
    cluster: str | None = None,
) -> Summary:
    """Prepare every article as ingest would and hand its preview to ``emit``; stores nothing.

    The previews are held until the last file is read: a lone surname in an early article goes to a
    person a later one brings, as it does at the end of an ingest of the same files."""
    summary = Summary()
    on_error = _failure_recorder(summary)
    directory = people.Directory()  # the stored persons, and those the files previewed so far would add
    held: list[tuple[PreparedArticle, dict[str, int]]] = []
    for prepared, _ in prepare_stream(_articles(paths, defaults, summary), on_error=on_error, processes=processes, cluster=cluster):
        summary.new += 1
        _count_paragraphs(summary, prepared)
        ids = _resolved_ids(prepared.mentions, directory, prepared.article.published, directory.add_virtual)
        if emit is not None:
            held.append((prepared, ids))
    if emit is not None:
        _emit_held(held, directory, emit)
    summary.persons_new = directory.virtual_count
    return summary


def _emit_held(
    held: list[tuple[PreparedArticle, dict[str, int]]], directory: people.Directory, emit: Callable[[dict[str, object]], None]
) -> None:
    """As the ingest's end does (settle_persons): the names no one had, given to a person met later; then the previews."""
    for prepared, ids in held:
        ids |= unresolved.late_ids((m.name for m in prepared.mentions if m.name not in ids), directory, prepared.article.published)
    for prepared, ids in held:
        emit(preview_of(prepared, ids, directory))


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
                    summary.skips.append((str(path), str(article)))
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
    paths: list[Path],
    *,
    defaults: Defaults = Defaults(),
    apply_every: int = 200,
    processes: int = 1,
    progress: bool = False,
    refit: bool = True,
    cluster: str | None = None,
) -> Summary:
    """Ingest every article under these paths; broken inputs are counted and described, not fatal.

    Index updates are applied every ``apply_every`` stored articles, so search sees a long ingest
    progress; ``processes`` > 1 runs person finding in that many worker processes, ``cluster`` (a Dask
    scheduler's address) on that cluster's workers; storing and indexing stay here. At the end,
    settle_boilerplate (``refit``: the learned layer too, when the archive has grown enough).
    """
    summary = Summary()

    def unchanged(article: ArticleInput, key: str) -> bool:
        if _unchanged(article, key):
            summary.unchanged += 1
            return True
        return False

    articles = _with_progress(_articles(paths, defaults, summary), total=_estimated_total(paths) if progress else 0)
    stream = prepare_stream(articles, on_error=_failure_recorder(summary), skip=unchanged, processes=processes, cluster=cluster)
    since_apply = 0
    run = Run(people.Directory(), repeats.SourceRepeats(), processes)
    with sqlite_writer():
        try:
            for prepared, _ in stream:
                since_apply += _store_one(prepared, summary, run)
                if since_apply >= apply_every and not summary.index_error:
                    _apply(summary, apply_every)
                    since_apply = 0
        except workers.ClusterError as exc:
            summary.cluster_error = str(exc)
        if summary.new or summary.updated:
            summary.boilerplate_settled = settle_boilerplate(run.source_repeats.sources, refit=refit, run=run)
            summary.late_mentions = settle_persons(run.directory)
            summary.set_aside, _ = things.set_aside_things(run.directory.touched)
        if not summary.index_error:
            _apply(summary, apply_every)
    return summary


WRITER_CACHE_MB = 64
WRITER_CHECKPOINT_PAGES = 20_000  # SQLite's default is 1,000 (about 4 MB of WAL)


@contextlib.contextmanager
def sqlite_writer() -> Iterator[None]:
    """On SQLite, this connection as a long writer: a larger page cache and a WAL checkpointed every
    ``WRITER_CHECKPOINT_PAGES`` rather than every 1,000 pages, then SQLite's defaults again.

    An article's rows land in leaf pages anywhere in the random-key indexes (copy bands, text
    hashes, names); at the default a checkpoint every few articles writes those pages back and the
    next articles dirty them again (docs/BENCHMARKS.md, "Into a grown archive")."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_MB * 1024}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=1000")
            cursor.execute("PRAGMA cache_size=-2000")


@dataclass(frozen=True)
class Run:
    """What one ingest run keeps from its first article to its end: the person directory and the
    repetition counts as they grow, and the NER processes it was given."""

    directory: people.Directory
    source_repeats: repeats.SourceRepeats
    processes: int = 1


def settle_boilerplate(sources: set[int], *, refit: bool = True, run: Run | None = None) -> str:
    """After a run: inline furniture learned afresh, repetition decided afresh in the sources it touched
    (the same marks whatever order the articles came in), and the learned layer refitted once the
    archive has grown enough (learned.needs_fit). ``run``: the run's directory, counts and processes,
    reused rather than read again."""
    cut = settle_furniture(sources, run=run)
    lines = [f"boilerplate: inline furniture learned afresh, {cut} article(s) cut otherwise"] if cut else []
    changed = settle_repetition(sources)
    lines += [f"boilerplate: repetition decided afresh, {changed} article(s) changed"] if changed else []
    if refit and learned.needs_fit():
        fitted = learned.fit_archive()
        if fitted is not None:
            model, rows, _ = fitted
            applied = learned.apply_archive(model, rows)
            lines.append(f"boilerplate: learned layer fitted again, {applied.set_aside} paragraph(s) set aside, {applied.returned} back")
    return "\n".join(lines)


def settle_persons(directory: people.Directory) -> str:
    """After a run: the mentions no one had when their article was stored, given to the persons known
    now (ingest.unresolved), with those persons renamed as their mentions now say. A line to report."""
    resolved = unresolved.resolve_kept(directory)
    if not resolved.mentions:
        return ""
    rename_to_better(directory, resolved.persons)
    return resolved.line()


def settle_furniture(sources: Iterable[int], processes: int = 1, run: Run | None = None) -> int:
    """Inline furniture learned afresh in these sources; each article it now cuts otherwise is prepared
    again from its raw text (persons found in what is left; in ``run``'s processes when given), one
    transaction each. Articles changed."""
    changed: set[int] = set()
    for source_id in sorted(sources):
        changed |= repeats.learn_furniture(source_id)
    if not changed:
        return 0
    named = {
        p
        for batch in repeats.batches(sorted(changed))
        for p in Mention.objects.filter(paragraph__article__in=batch).values_list("person_id", flat=True)
    }
    stored = Article.objects.filter(pk__in=changed).select_related("source").order_by("pk")
    inputs = (
        ArticleInput(
            text=a.raw_text,
            title=a.title,
            url=a.url,
            source=a.source.name if a.source else "",
            published=a.published,
            byline=a.byline,
            record=a.pk,
        )
        for a in stored.iterator(chunk_size=200)
    )  # ``record`` carries the stored article's id through the stream
    run = run or Run(people.Directory(), repeats.SourceRepeats(), processes)
    for prepared, _ in prepare_stream(inputs, on_error=_raise, processes=run.processes):
        article = Article.objects.get(pk=prepared.article.record)
        with transaction.atomic():
            replace_paragraphs(article, prepared, run.directory, run.source_repeats)
        run.source_repeats.settle()
    drop_unmentioned(named)
    return len(changed)


def drop_unmentioned(person_ids: Iterable[int]) -> int:
    """Delete those of these persons nothing mentions any more and no curator touched (no alias, name,
    flag, merge or rejected merge): names that came only from furniture ("Hillicon Valley", a card's
    headline). Returns how many."""
    curated = set(RejectedMerge.objects.values_list("first_id", flat=True)) | set(RejectedMerge.objects.values_list("second_id", flat=True))
    dropped = 0
    for batch in repeats.batches(sorted(set(person_ids) - curated)):
        unmentioned = Person.objects.filter(
            pk__in=batch, mentions__isnull=True, aliases__isnull=True, former_slugs__isnull=True, name_curated=False, not_a_person=False
        )
        dropped += unmentioned.delete()[1].get("search.Person", 0)
    return dropped


def settle_repetition(sources: Iterable[int]) -> int:
    """Layer 2 decided afresh in these sources, in one transaction with its index updates; articles changed."""
    changed: set[int] = set()
    with transaction.atomic():
        for source_id in sorted(sources):
            changed |= repeats.redecide_source(source_id)
        index.queue_articles(changed)
    return len(changed)


def _apply(summary: Summary, articles_per_commit: int) -> None:
    """Bring the index up to date; if it cannot be written, say so once and go on storing articles.

    One index commit for what was stored since the last (apply_pending's default batch of 500 would
    cut 2,000 articles into four small segments that Whoosh later merges, writing them twice)."""
    try:
        index.apply_pending(batch_size=max(500, articles_per_commit))
    except index.IndexWriteError as exc:
        summary.index_error = str(exc)


def _estimated_total(paths: list[Path]) -> int:
    return sum(estimated_articles(path) for path in iter_files(paths))


def _with_progress(articles: Iterator[ArticleInput], *, total: int) -> Iterator[ArticleInput]:
    """The articles as read, with a progress bar when ``total``: read of about ``total``, the rate,
    and the time left (unchanged ones count: a second run's bar moves as fast as it reads)."""
    if not total:
        return articles
    from tqdm import tqdm  # noqa: PLC0415 - only for interactive runs

    return iter(tqdm(articles, total=total, unit=" articles", smoothing=0.05, mininterval=1.0))


def _store_one(prepared: PreparedArticle, summary: Summary, run: Run) -> int:
    outcome, _, prepared, created = store_prepared(prepared, run.directory, run.source_repeats)
    setattr(summary, outcome, getattr(summary, outcome) + 1)
    _count_paragraphs(summary, prepared)
    summary.persons_new += created
    return 0 if outcome == "unchanged" else 1


def _fail(summary: Summary, message: str) -> None:
    summary.failed += 1
    summary.errors.append(message)
