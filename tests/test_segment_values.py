"""Doc values written beside each segment at commit and mapped at open (search/engine/segment_values.py):
they equal what Whoosh's own columns and postings hold, deletions included, and a missing, broken or
unwritable file costs speed, never a wrong count."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from search.engine import docvalues, index, segment_values
from search.ingest import store as ingest
from search.models import Article
from search.web import results as query

pytestmark = pytest.mark.django_db


def _leaves() -> list[tuple[str, object]]:
    reader = index.open_index().reader()
    return [(r.segment().segment_id(), r) for r, _ in reader.leaf_readers() if r.doc_count_all()]


def _files() -> set[str]:
    return {p.name for p in segment_values.folder(index.current_path()).iterdir()}


def _through_whoosh(monkeypatch: pytest.MonkeyPatch) -> docvalues.DocValues:
    """The doc values as they were read before the files: through Whoosh, nothing mapped or written."""
    with monkeypatch.context() as patched:
        patched.setattr(segment_values, "_mapped", lambda *args: None)
        patched.setattr(segment_values, "save", lambda *args: None)
        _forget_cached_values()
        with index.open_index().searcher() as searcher:
            values = docvalues._join_segment_values(searcher)
    _forget_cached_values()
    return values


def _forget_cached_values() -> None:
    docvalues._segment_cache.clear()
    docvalues._joined_cache.clear()


def _mapped_values() -> docvalues.DocValues:
    _forget_cached_values()
    with index.open_index().searcher() as searcher:
        return docvalues._join_segment_values(searcher)


def _assert_same(a: docvalues.DocValues, b: docvalues.DocValues) -> None:
    for name in ("article", "source", "day", "live"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    pairs = lambda v: sorted(zip(v.person_doc.tolist(), v.person_id.tolist(), v.person_speaks.tolist(), strict=True))  # noqa: E731
    assert pairs(a) == pairs(b)


def test_every_committed_segment_has_files_equal_to_what_whoosh_holds(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leaves = _leaves()
    assert leaves
    for segment_id, reader in leaves:
        mapped = segment_values._mapped(index.current_path(), segment_id, reader.doc_count_all())  # type: ignore[attr-defined]
        assert mapped is not None, f"no files for {segment_id}"
        assert isinstance(mapped[0], np.memmap)
        for got, want in zip(mapped, segment_values.read_through_whoosh(reader), strict=True):
            np.testing.assert_array_equal(got, want)
    values = _mapped_values()
    assert values.person_doc.size > 0 and 0 < np.count_nonzero(values.person_speaks) < values.person_doc.size
    _assert_same(values, _through_whoosh(monkeypatch))


def test_deleted_documents_are_left_out_as_whoosh_leaves_them_out(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = Article.objects.filter(paragraphs__mentions__isnull=False).distinct().first()
    assert article is not None
    article_id = article.pk
    article.delete()
    index.update_articles([article_id])  # deletes its documents in the older segment
    values = _mapped_values()
    assert not values.live.all()
    _assert_same(values, _through_whoosh(monkeypatch))
    assert query.search(query.SearchParams(q="")).total_paragraphs == values.live_count


def test_a_broken_or_missing_file_is_read_again_and_rewritten(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = _through_whoosh(monkeypatch)
    folder = segment_values.folder(index.current_path())
    docs_files = sorted(folder.glob("*.docs.npy"))
    docs_files[0].write_bytes(docs_files[0].read_bytes()[:100])  # cut short
    persons_files = sorted(folder.glob("*.persons.npy"))
    persons_files[-1].unlink()
    _assert_same(_mapped_values(), want)
    assert persons_files[-1].exists()
    assert docs_files[0].stat().st_size > 100
    _assert_same(_mapped_values(), want)


def test_files_of_another_size_are_not_trusted(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = _through_whoosh(monkeypatch)
    path = sorted(segment_values.folder(index.current_path()).glob("*.docs.npy"))[0]
    np.save(path, np.zeros((3, 2), np.int64))  # a valid array file, but not this segment's
    _assert_same(_mapped_values(), want)


def test_an_unwritable_folder_costs_speed_not_answers(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = _through_whoosh(monkeypatch)
    folder = segment_values.folder(index.current_path())
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("not a folder")  # mkdir and every write into it fail
    _assert_same(_mapped_values(), want)
    assert folder.is_file()


def test_merged_segments_leave_no_files_behind(store: Callable[..., ingest.ArticleInput]) -> None:
    for n in range(index.MERGE_AT + 2):  # one small segment per article, then a merge
        store(f"Angela Merkel met Emmanuel Macron in Berlin on day {n}.\n\nThey spoke about trade.", title=f"Visit {n}")
    kept = max(_leaves(), key=lambda leaf: leaf[1].doc_count_all())[0]  # type: ignore[attr-defined]
    older = segment_values.folder(index.current_path()) / f"{kept}.v0.docs.npy"
    older.write_bytes(b"written by an older version")
    store("Angela Merkel met Emmanuel Macron in Paris.\n\nThey spoke about trade.", title="Another visit")
    assert kept in {segment_id for segment_id, _ in _leaves()} and not older.exists()
    segment_ids = {segment_id for segment_id, _ in _leaves()}
    assert len(segment_ids) < index.MERGE_AT + 2  # merged
    names = {name for name in _files() if not name.startswith("vocabulary-")}
    assert {name.split(".", 1)[0] for name in names} == segment_ids
    assert len(names) == 3 * len(segment_ids)  # docs, persons, words
    assert sorted(n for n in _files() if n.startswith("vocabulary-")) == [  # the current version's merged words alone
        segment_values.vocabulary_name(segment_ids) + suffix for suffix in (".frequencies.npy", ".txt")
    ]


def test_a_rebuilt_generation_has_its_own_files(demo_subset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index.rebuild()
    assert _files()
    _assert_same(_mapped_values(), _through_whoosh(monkeypatch))


def test_a_new_gunicorn_worker_warms_the_doc_values_before_serving(demo_subset: Path) -> None:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).resolve().parent.parent / "newsapp" / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    _forget_cached_values()
    conf.post_worker_init(object())
    (warmed,) = docvalues._joined_cache.values()
    assert "pairs" in warmed.__dict__ and "mention_offsets" in warmed.__dict__
    with index.open_index().searcher() as searcher:
        assert docvalues._join_segment_values(searcher) is warmed  # what the first search then uses
