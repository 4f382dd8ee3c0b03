"""A full disk or a read-only index directory: a clear error, nothing lost, search keeps serving.

Both are simulated where Whoosh touches the file system (creating a file, taking the write lock),
because the suite may run as root, for whom a chmod-ed directory is still writable, and mounting a
full filesystem needs privileges CI may not have. What is tested is our handling of the ``OSError``
Whoosh raises, which is the same whatever the device says.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from whoosh.filedb.filestore import FileStorage

from search.engine import index
from search.models import Article, IndexOutbox, Paragraph
from search.web import results as query
from search.web.params import SearchParams

pytestmark = pytest.mark.django_db


def _fail_with(code: int) -> Callable[..., object]:
    def fail(*args: object, **kwargs: object) -> object:
        raise OSError(code, os.strerror(code))

    return fail


class Disk:
    def __init__(self, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.code, self.monkeypatch = code, monkeypatch

    def __call__(self) -> None:
        """Make the index unwritable."""
        self.monkeypatch.setattr(FileStorage, "create_file", _fail_with(self.code))
        if self.code == errno.EROFS:  # a read-only directory refuses even the lock file
            self.monkeypatch.setattr(FileStorage, "lock", _fail_with(self.code))

    def mend(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture(params=[errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
def broken_disk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    disk = Disk(request.param, monkeypatch)
    yield disk
    disk.mend()


def total(q: str) -> int:
    return query.search(SearchParams(q=q)).total_paragraphs


def test_ingest_stores_articles_and_says_why_the_index_lags(seed_article: None, broken_disk: Disk, tmp_path: Path, client: Client) -> None:
    assert total("Prigozhin") == 3
    broken_disk()
    article = tmp_path / "new.txt"
    article.write_text("Yevgeny Prigozhin was seen in Minsk again.\n\nZygmunt Quarrelwood reported it.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"cannot be written \(.+\).*search_sync"):
        call_command("ingest", str(article), "--source", "Elsewhere", stdout=StringIO(), stderr=StringIO())
    assert Article.objects.count() == 2  # the database has the article
    assert IndexOutbox.objects.count() == 1  # and its index update waits
    response = client.get("/", {"q": "Prigozhin"})
    assert response.status_code == 200  # search keeps serving what it has
    assert response.context["page"].total_paragraphs == 3
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("search_sync", stdout=StringIO())
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("search_rebuild", stdout=StringIO())
    assert total("Prigozhin") == 3  # a failed rebuild leaves the live generation alone


def test_once_mended_the_queued_updates_arrive(seed_article: None, broken_disk: Disk, tmp_path: Path) -> None:
    broken_disk()
    article = tmp_path / "new.txt"
    article.write_text("Zygmunt Quarrelwood met Yevgeny Prigozhin in Minsk.\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("ingest", str(article), "--source", "Elsewhere", stdout=StringIO(), stderr=StringIO())
    generations = set(index.index_root().glob("gen-*"))
    with pytest.raises(CommandError):
        call_command("search_rebuild", stdout=StringIO())
    assert set(index.index_root().glob("gen-*")) == generations  # the half-built generation is gone
    broken_disk.mend()
    call_command("search_sync", stdout=StringIO())
    assert total("Quarrelwood") == 1
    assert not IndexOutbox.objects.exists()
    assert index.check().clean


def test_admin_edit_is_saved_and_the_curator_is_told(seed_article: None, broken_disk: Disk, client: Client) -> None:
    call_command("search_groups", stdout=StringIO())
    user = User.objects.create_user("cura", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    paragraph = Paragraph.objects.filter(is_boilerplate=False, text__contains="Prigozhin").first()
    assert paragraph is not None
    broken_disk()
    response = client.post("/admin/search/paragraph/", {"action": "mark_boilerplate", "_selected_action": [paragraph.pk]}, follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert response.status_code == 200
    assert "saved, but search is not updated yet" in messages and "search_sync" in messages
    paragraph.refresh_from_db()
    assert paragraph.is_boilerplate  # the curation is kept
    assert IndexOutbox.objects.count() == 1
