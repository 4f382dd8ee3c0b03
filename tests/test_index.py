from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from search.engine import index
from search.models import Article, IndexOutbox, Paragraph
from search.web import results as query

pytestmark = pytest.mark.django_db


def test_one_document_per_kept_paragraph(seed_article: None, demo_subset: Path) -> None:
    assert index.document_count() == Paragraph.objects.filter(is_boilerplate=False).count()


def test_apply_pending_is_idempotent(seed_article: None) -> None:
    article = Article.objects.get()
    index.queue_articles([article.pk])
    index.queue_articles([article.pk])
    assert index.apply_pending() == 1
    assert index.document_count() == 6
    assert index.apply_pending() == 0


def test_deleted_article_leaves_the_index_through_the_outbox(seed_article: None) -> None:
    article = Article.objects.get()
    article_id = article.pk
    article.delete()
    index.update_articles([article_id])
    assert index.document_count() == 0
    assert not IndexOutbox.objects.exists()


def test_an_article_deleted_outside_the_admin_leaves_search_after_commit(
    seed_article: None, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    """A shell or a script deleting articles (here through a queryset, as a cascade would) queues their
    removal in the same transaction; the index applies it once that commits."""
    assert query.search(query.SearchParams(q="Lukashenko")).total_paragraphs > 0
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        Article.objects.all().delete()
    assert index.document_count() == 0
    assert not IndexOutbox.objects.exists()
    assert query.search(query.SearchParams(q="Lukashenko")).total_paragraphs == 0


def test_rebuild_swaps_in_a_complete_new_generation(seed_article: None, demo_subset: Path, index_dir: Path) -> None:
    before = index.current_path()
    assert query.search(query.SearchParams(q="Lukashenko")).total_paragraphs == 4
    written = index.rebuild()
    assert written == Paragraph.objects.filter(is_boilerplate=False).count()
    assert index.current_path() != before
    assert before.exists()  # kept one generation, for searchers still reading it
    assert query.search(query.SearchParams(q="Lukashenko")).total_paragraphs == 4
    index.rebuild()
    assert not before.exists()
    assert len(list(index_dir.glob("gen-*"))) == 2


def test_updates_wait_in_the_outbox_while_the_index_is_locked(seed_article: None, settings: object) -> None:
    settings.SEARCH_WRITE_TIMEOUT = 0.2  # type: ignore[attr-defined]
    article = Article.objects.get()
    Paragraph.objects.filter(article=article, position=0).update(text="Rewritten while locked.")
    held = index.open_index().writer()  # another process's writer, or a rebuild
    try:
        assert index.update_articles([article.pk]) == 0
        assert IndexOutbox.objects.count() == 1
    finally:
        held.cancel()
    assert index.apply_pending() == 1
    assert query.search(query.SearchParams(q="rewritten")).total_paragraphs == 1


def test_boilerplate_is_never_indexed(store: Callable[..., object]) -> None:
    store("The harbour reopened on Monday after repairs.\n\nAdvertisement\n\nShips queued outside.")
    assert index.document_count() == 2
    assert query.search(query.SearchParams(q="advertisement")).total_paragraphs == 0


def test_sync_removes_builds_a_crash_abandoned_but_not_one_in_progress(seed_article: None, index_dir: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    live = index.current_path()
    abandoned = index._create_generation_dir()  # a rebuild killed before its swap
    running = index._create_generation_dir()
    lock = index.open_index().storage.__class__(str(running)).lock("MAIN_WRITELOCK")
    assert lock.acquire(blocking=False)  # a rebuild still writing it
    try:
        out = StringIO()
        call_command("search_sync", stdout=out)
        assert f"Removed the abandoned index folder {abandoned.name}" in out.getvalue()
        assert not abandoned.exists() and running.exists() and live.exists()
        assert index.current_path() == live
    finally:
        lock.release()


def test_small_segments_merge_and_big_ones_stay(seed_article: None, store: Callable[..., object], settings: object) -> None:
    for n in range(index.MERGE_AT + 3):  # each store commits one small segment
        store(f"Councillor number {n} spoke about the harbour.")
    with index.open_index().searcher() as searcher:
        segments = len(searcher.reader().leaf_readers()) if hasattr(searcher.reader(), "leaf_readers") else 1
    assert segments < index.MERGE_AT
    assert query.search(query.SearchParams(q="harbour")).total_paragraphs == index.MERGE_AT + 3
    assert index.check().clean


def test_numbers_are_indexed_as_one_exact_term_each(seed_article: None, demo_subset: Path) -> None:
    """No precision tiers (Whoosh's default writes one term per 4 bits: 16 for an id), and the exact
    terms still answer term and range queries."""
    from whoosh import query as wq

    with index.open_index().searcher() as s:
        reader = s.reader()
        for field, values in (
            ("article", set(Article.objects.values_list("id", flat=True))),
            ("source", {a.source_id or 0 for a in Article.objects.all()}),
            ("day", {index.schema.day_number(a) for a in Article.objects.all()}),
        ):
            assert len(list(reader.lexicon(field))) == len(values), field
        article = Article.objects.exclude(published=None).first()
        kept = article.paragraphs.filter(is_boilerplate=False).count()
        assert s.search(wq.Term("article", article.pk), limit=None).scored_length() == kept
        day = index.schema.day_number(article)
        in_range = s.search(wq.NumericRange("day", day, day), limit=None)
        same_day = set(Article.objects.filter(published=article.published).values_list("id", flat=True))
        assert {int(hit["article"]) for hit in in_range} == same_day


def test_a_writer_over_its_memory_limit_spills_sorted_runs_and_still_writes_everything(
    demo_subset: Path, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEARCH_WRITER_MB bounds the postings a writer sorts in memory; past it Whoosh writes sorted
    runs to disk and merges them at commit. The index must come out the same either way."""
    from whoosh.writing import PostingPool

    spills: list[int] = []
    save = PostingPool.save
    monkeypatch.setattr(PostingPool, "save", lambda pool: (spills.append(1), save(pool))[1])
    settings.SEARCH_WRITER_MB = 1  # type: ignore[attr-defined]
    index.rebuild()
    assert spills, "40 articles are more than 1 MB of postings: the writer should have spilled"
    assert index.document_count() == Paragraph.objects.filter(is_boilerplate=False).count()
    assert index.check().clean
