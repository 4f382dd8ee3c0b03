"""Write side of the search index: schema, opening, writing, rebuilding.

The index is derived from the database: every
change that must reach it is queued in ``IndexOutbox`` in the change's own transaction and
applied here, idempotently, by whichever process holds Whoosh's single writer lock.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.writing import IndexWriter, SegmentWriter

from search.engine import _whoosh, schema, segment_values
from search.models import Article, IndexOutbox, Mention, Paragraph

log = logging.getLogger(__name__)


_WRITE_LOCK = "WRITELOCK"  # Whoosh's lock name; the file is MAIN_WRITELOCK in a generation folder
_CURRENT = "current"  # a symlink to the live generation directory, swapped atomically by rebuild()


def index_root() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def current_path() -> Path:
    return (index_root() / _CURRENT).resolve()


def open_index() -> whoosh_index.Index:
    """Open the live index, creating an empty one on first use."""
    link = index_root() / _CURRENT
    if not link.exists():
        _point_current_at(_create_generation_dir())
    path = link.resolve()
    if not whoosh_index.exists_in(str(path)):
        return whoosh_index.create_in(str(path), schema.SCHEMA)
    return whoosh_index.open_dir(str(path))


def _create_generation_dir() -> Path:
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"gen-{time.time_ns()}"
    path.mkdir()
    whoosh_index.create_in(str(path), schema.SCHEMA)
    return path


def _point_current_at(path: Path) -> None:
    link = index_root() / _CURRENT
    tmp = index_root() / f".{_CURRENT}-{os.getpid()}-{time.time_ns()}"
    os.symlink(path.name, tmp)
    os.replace(tmp, link)  # atomic: readers see the old or the new generation, never none


@contextmanager
def writer(ix: whoosh_index.Index | None = None, *, timeout: float | None = None) -> Iterator[IndexWriter]:
    """Whoosh's writer, waiting for the lock instead of failing at once; commits or cancels.

    Without an explicit index it writes to the live generation: if a rebuild swapped generations
    while this process waited for the lock, it lets go and takes the new generation's lock instead.
    """
    timeout = settings.SEARCH_WRITE_TIMEOUT if timeout is None else timeout
    while True:
        target = ix or open_index()
        w = _open_writer(target, timeout=timeout)
        if ix is not None or Path(target.storage.folder).resolve() == current_path():
            break
        w.cancel()
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    try:
        w.commit(mergetype=merge_small_segments)
    except BaseException:
        with suppress(Exception):  # a failed commit (disk full) must still let go of the lock
            w.cancel()
        raise
    save_segment_values(target)


def save_segment_values(ix: whoosh_index.Index) -> None:
    """Write the doc-value files of the index's segments that lack them, and drop those of segments
    merged away (search/engine/segment_values.py), so that no searcher reads them through Whoosh."""
    folder = ix.storage.folder
    try:
        with whoosh_index.open_dir(folder).reader() as reader:
            leaves = [(_whoosh.segment_key(r)[0], r) for r, _ in _whoosh.leaves(reader)]
            segment_values.write_missing(folder, leaves)
    except OSError as exc:  # the commit stands; searchers read the values through Whoosh meanwhile
        log.warning("Doc values of %s not written: %s", folder, exc)


SMALL_SEGMENT_DOCS = 20_000  # segments below this size are merged once there are MERGE_AT of them
MERGE_AT = 8
REWRITE_DELETED_SHARE = 0.3  # a segment with this share of deleted documents is rewritten


def merge_small_segments(w: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: merge only small segments, and segments mostly deleted.

    whoosh-reloaded's default (MERGE_SMALL) merges every segment up to a "merge point" that, on a
    growing index, periodically includes all of them: a 240k-paragraph index was rewritten whole
    during an ingest (minutes of the writer re-adding every posting in Python). Here a paragraph
    is rewritten at most once by merging (small segments into one of up to ~MERGE_AT x 20k
    documents), so an index grows in segments of tens of thousands of paragraphs; `search_rebuild`
    writes a single segment when a compact index is wanted.
    """
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT_DOCS]
    holey = [s for s in segments if s.deleted_count() > REWRITE_DELETED_SHARE * s.doc_count_all()]
    merge = holey + (small if len(small) >= MERGE_AT else [])
    merge = list({id(s): s for s in merge}.values())
    if not merge or (len(merge) == 1 and not holey):
        return segments
    for segment in merge:
        _whoosh.add_segment(w, segment)
    return [s for s in segments if all(s is not m for m in merge)]


def _open_writer(ix: whoosh_index.Index, *, timeout: float) -> SegmentWriter:
    # limitmb: Whoosh estimates ~180 bytes a posting, close to what Python holds. A bulk ingest's
    # commit (2,000 articles, ~2.7M postings) fits in 1 GB; at 256 MB it spilled a sorted run to
    # disk and merged the runs in Python, for the same segment (tests/tools/index_cost.py).
    return _whoosh.open_segment_writer(ix, lock_name=_WRITE_LOCK, timeout=timeout, limitmb=settings.SEARCH_WRITER_MB)


def _kept_paragraphs(article_ids: Iterable[int]) -> Iterator[tuple[Paragraph, list[int], list[int]]]:
    """Each kept paragraph of these articles with the persons it mentions and those who speak in it."""
    ids = list(article_ids)
    paragraphs = list(
        Paragraph.objects.filter(article_id__in=ids, is_boilerplate=False).select_related("article").order_by("article_id", "position")
    )
    persons: dict[int, list[int]] = {}
    speakers: dict[int, list[int]] = {}
    # By article, not by paragraph: a bulk commit covers ~50k paragraphs, more than SQLite binds in one query.
    mentions = Mention.objects.filter(paragraph__article_id__in=ids, paragraph__is_boilerplate=False, person__not_a_person=False)
    for paragraph_id, person_id, speaker in mentions.values_list("paragraph_id", "person_id", "speaker"):
        persons.setdefault(paragraph_id, []).append(person_id)
        if speaker:
            speakers.setdefault(paragraph_id, []).append(person_id)
    for paragraph in paragraphs:
        yield paragraph, persons.get(paragraph.pk, []), speakers.get(paragraph.pk, [])


def write_articles(w: IndexWriter, article_ids: Iterable[int]) -> int:
    """Replace the documents of these articles with their current kept paragraphs."""
    ids = sorted(set(article_ids))
    for article_id in ids:
        w.delete_by_term("article", article_id)
    written = 0
    for paragraph, person_ids, speaker_ids in _kept_paragraphs(ids):
        w.add_document(**schema.paragraph_document(paragraph, person_ids, speaker_ids))
        written += 1
    return written


def queue_articles(article_ids: Iterable[int]) -> None:
    """Record that these articles must be rewritten in the index. Call inside the change's transaction."""
    IndexOutbox.objects.bulk_create([IndexOutbox(article_id=a) for a in sorted(set(article_ids))])


def apply_pending(*, batch_size: int = 500) -> int:
    """Apply queued index updates in batches; returns how many articles were rewritten.

    Safe to run in several processes at once: Whoosh's lock serialises the writers, rewriting
    an article is idempotent, and a row is deleted only after the index commit that covered it.
    When the lock stays taken (a rebuild), the rows stay queued for the next writer: nothing is lost.
    """
    applied = 0
    while True:
        rows = list(IndexOutbox.objects.order_by("id").values_list("id", "article_id")[:batch_size])
        if not rows:
            return applied
        try:
            with writer() as w:
                write_articles(w, (article_id for _, article_id in rows))
        except LockError:
            log.warning("Search index busy; %d update(s) stay queued for the next writer.", pending_count())
            return applied
        except OSError as exc:  # disk full, read-only directory, permissions
            raise IndexWriteError(_unwritable(exc)) from exc
        IndexOutbox.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        applied += len({article_id for _, article_id in rows})


class IndexWriteError(Exception):
    """The index cannot be written. The database has every change; the updates stay queued."""


def _unwritable(exc: OSError) -> str:
    return (
        f"The search index in {index_root()} cannot be written ({exc.strerror or exc}). Search keeps serving "
        f"what it has and the database has every change; {pending_count()} article update(s) stay queued. "
        "Run `python manage.py search_sync` once the disk has room or the directory is writable."
    )


def try_apply_pending() -> str | None:
    """``apply_pending`` for callers that must not fail with the index (admin, after commit): None, or why not."""
    try:
        apply_pending()
    except IndexWriteError as exc:
        log.error("%s", exc)
        return str(exc)
    return None


def schema_is_current() -> bool:
    """Whether the live index was built with this version's schema (else search_sync rebuilds it)."""
    return sorted(open_index().schema.names()) == sorted(schema.SCHEMA.names())


def pending_count() -> int:
    return IndexOutbox.objects.count()


def update_articles(article_ids: Iterable[int]) -> int:
    """Queue and apply at once: for callers outside a larger transaction (admin actions, commands)."""
    with transaction.atomic():
        queue_articles(article_ids)
    return apply_pending()


def rebuild(*, batch_size: int = 500) -> int:
    """Build a fresh index from the database aside, then swap it in atomically.

    Search keeps serving the old generation until the swap. The old generation's write lock is
    held meanwhile, so changes made during the build stay queued in the outbox (appliers give up
    and leave them), and are applied to the new generation right after the swap.
    """
    live = open_index()
    try:
        held = _open_writer(live, timeout=settings.SEARCH_WRITE_TIMEOUT * 10)  # the old generation's lock
    except OSError as exc:
        raise IndexWriteError(_unwritable(exc)) from exc
    new_path: Path | None = None
    swapped = False
    try:
        new_path = _create_generation_dir()
        fresh = whoosh_index.open_dir(str(new_path))
        article_ids = list(Article.objects.order_by("id").values_list("id", flat=True))
        written = 0
        with writer(fresh) as w:
            for start in range(0, len(article_ids), batch_size):
                written += write_articles(w, article_ids[start : start + batch_size])
        _point_current_at(new_path)
        swapped = True
    except OSError as exc:
        raise IndexWriteError(_unwritable(exc)) from exc
    finally:
        held.cancel()  # let go of the old generation without writing to it
        if new_path is not None and not swapped:
            shutil.rmtree(new_path, ignore_errors=True)  # search goes on with the old generation
    _remove_old_generations(keep={new_path.name, Path(live.storage.folder).name})
    apply_pending()
    return written


def _remove_old_generations(*, keep: set[str]) -> None:
    """Generations older than the previous one; the previous stays for searchers still reading it."""
    for path in index_root().glob("gen-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def remove_abandoned_generations() -> list[str]:
    """Remove generation folders nobody needs; returns their names.

    That is builds a crash abandoned (newer than the live generation, and no rebuild holds their
    write lock) and generations older than the previous one (kept for searchers still reading it).
    """
    live = current_path()
    generations = sorted(index_root().glob("gen-*"), key=_generation_time)
    older = [g for g in generations if _generation_time(g) < _generation_time(live)]
    newer = [g for g in generations if _generation_time(g) > _generation_time(live)]
    doomed = older[:-1] + [g for g in newer if not _being_built(g)]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return [path.name for path in doomed]


def _generation_time(path: Path) -> int:
    return int(path.name.removeprefix("gen-"))


def _being_built(path: Path) -> bool:
    try:
        lock = FileStorage(str(path)).lock(f"MAIN_{_WRITE_LOCK}")
    except OSError:
        return True  # cannot tell: leave it
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def document_count() -> int:
    with open_index().searcher() as s:
        return int(s.doc_count())


@dataclass(frozen=True)
class Drift:
    """Where the index and the database disagree, by paragraph id; the articles to rewrite to repair it."""

    missing: frozenset[int]  # kept in the database, absent from the index
    extra: frozenset[int]  # in the index, no longer kept in the database
    stale: frozenset[int]  # in both, but the index holds an older text, title, persons, source or date
    articles: frozenset[int]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check(*, batch_size: int = 500) -> Drift:
    """Compare every indexed paragraph with the database (ids, and digests of what was indexed)."""
    indexed: dict[int, tuple[int, str]] = {}
    with open_index().searcher() as s:
        for fields_ in s.all_stored_fields():
            indexed[int(fields_["pid"])] = (int(fields_["article"]), str(fields_.get("digest", "")))
    expected: dict[int, tuple[int, str]] = {}
    article_ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(article_ids), batch_size):
        for paragraph, person_ids, speaker_ids in _kept_paragraphs(article_ids[start : start + batch_size]):
            digest = schema.paragraph_digest(paragraph, persons=schema.id_list(person_ids), speakers=schema.id_list(speaker_ids))
            expected[paragraph.pk] = (paragraph.article_id, digest)
    missing = expected.keys() - indexed.keys()
    extra = indexed.keys() - expected.keys()
    stale = {pid for pid in expected.keys() & indexed.keys() if expected[pid][1] != indexed[pid][1]}
    articles = {expected[p][0] for p in missing | stale} | {indexed[p][0] for p in extra}
    return Drift(frozenset(missing), frozenset(extra), frozenset(stale), frozenset(articles))


def repair(drift: Drift) -> int:
    return update_articles(drift.articles)
