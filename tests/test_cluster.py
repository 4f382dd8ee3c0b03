"""Ingest through a Dask cluster (``ingest --cluster``): persons found on the cluster's workers, the
archive stored and indexed here, the same as a local ingest of the same files.

A real scheduler and two worker processes on 127.0.0.1 (distributed's LocalCluster), torn down
after the module; each test is bounded by the cluster's own timeouts (workers.CONNECT_SECONDS).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from search.engine import index
from search.ingest import persons, workers
from search.ingest import store as ingest
from search.models import Article, Mention, Person, Source
from tests.conftest import demo_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0", silence_logs=logging.ERROR
    ) as cluster:
        yield str(cluster.scheduler_address)


@contextmanager
def _batches_on(scheduler: str) -> Iterator[list[str]]:
    """The names of the tasks the cluster's workers ran meanwhile (from any client)."""
    from distributed import Client, get_task_stream

    ran: list[str] = []
    with Client(scheduler, set_as_default=False) as client, get_task_stream(client) as stream:
        yield ran
    ran += [task["key"] for task in stream.data]


def _archive() -> dict[str, object]:
    """Everything an ingest decides, without database ids: per article its metadata, paragraphs
    (text, set aside or not, why) and mentions (where, which person)."""
    articles = {}
    for article in Article.objects.select_related("source").order_by("key"):
        paragraphs = list(article.paragraphs.order_by("position").values_list("position", "text", "is_boilerplate", "boilerplate_reason"))
        mentions = sorted(
            Mention.objects.filter(paragraph__article=article).values_list("paragraph__position", "start", "end", "text", "person__name")
        )
        source = article.source.name if article.source else None
        articles[article.key] = (article.title, source, article.published, paragraphs, mentions)
    persons = sorted(Person.objects.values_list("name", "not_a_person"))
    return {"articles": articles, "persons": persons}


def _forget_archive(settings: object, index_path: Path) -> None:
    Article.objects.all().delete()
    Person.objects.all().delete()
    Source.objects.all().delete()
    settings.SEARCH_INDEX_DIR = index_path  # type: ignore[attr-defined]


def test_an_ingest_through_the_cluster_gives_the_archive_a_local_one_gives(scheduler: str, tmp_path: Path, settings: object) -> None:
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(24)), encoding="utf-8")
    local = ingest.ingest_paths([path], processes=1)
    want = _archive()
    assert local.new == 24 and want["persons"]

    _forget_archive(settings, tmp_path / "index-cluster")
    out = StringIO()
    with _batches_on(scheduler) as ran:
        call_command("ingest", str(path), "--cluster", scheduler, stdout=out)
    assert "articles: 24 new" in out.getvalue()
    assert len([key for key in ran if "mentions_in" in str(key)]) == 1  # 24 articles: one batch, found there
    assert _archive() == want
    assert index.check().clean  # indexed here, by the one writer


def test_a_dry_run_through_the_cluster_previews_what_a_local_one_does(scheduler: str, tmp_path: Path) -> None:
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(12)), encoding="utf-8")
    local: list[dict[str, object]] = []
    remote: list[dict[str, object]] = []
    ingest.preview_paths([path], emit=local.append)
    with _batches_on(scheduler) as ran:
        ingest.preview_paths([path], emit=remote.append, cluster=scheduler)
    assert ran
    assert remote == local and len(local) == 12
    assert not Article.objects.exists()


def test_no_scheduler_at_the_address_is_a_clear_error_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "CONNECT_SECONDS", 2)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(3)), encoding="utf-8")
    with pytest.raises(CommandError, match=f"no Dask scheduler answered at tcp://127.0.0.1:{port}"):
        call_command("ingest", str(path), "--cluster", f"tcp://127.0.0.1:{port}", stdout=StringIO())
    assert not Article.objects.exists()


def test_a_scheduler_without_workers_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(workers, "CONNECT_SECONDS", 2)
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(2)), encoding="utf-8")
    empty = LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=":0", silence_logs=logging.ERROR)
    with empty, pytest.raises(CommandError, match="has no workers"):
        call_command("ingest", str(path), "--cluster", empty.scheduler_address, stdout=StringIO())
    assert not Article.objects.exists()


def test_a_cluster_failing_midway_leaves_what_was_stored_indexed_and_the_rerun_takes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(6)), encoding="utf-8")
    found = persons.find_persons_stream

    def failing_after_four(*args: object, **kwargs: object) -> Iterator[object]:
        for number, answer in enumerate(found(*args, **{**kwargs, "cluster": None})):  # type: ignore[arg-type]  # found here
            if number == 4:
                raise workers.ClusterError("the Dask cluster at tcp://10.0.0.9:8786 failed a batch: worker lost")
            yield answer

    monkeypatch.setattr(persons, "find_persons_stream", failing_after_four)
    with pytest.raises(CommandError, match="failed a batch: worker lost; the articles before it are stored"):
        call_command("ingest", str(path), "--cluster", "tcp://10.0.0.9:8786", stdout=StringIO())
    assert Article.objects.count() == 4
    assert index.check().clean  # the four are searchable

    monkeypatch.setattr(persons, "find_persons_stream", found)
    out = StringIO()
    call_command("ingest", str(path), stdout=out)
    assert "articles: 2 new, 0 updated, 4 unchanged" in out.getvalue()
