from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from search.engine import index
from search.ingest import store as ingest

ROOT = Path(__file__).resolve().parent.parent
# The shared research data sits beside the checkout (../shared), in CI as on a developer's machine.
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "000_1a46649c8a389a99.txt"
DEMO = ROOT / "data" / "demo" / "wikinews.jsonl"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not SEED.exists():
        raise pytest.UsageError(f"The shared data is missing: {SEED} (set NEWSAPP_SHARED_DIR to the shared/ folder).")


@pytest.fixture(autouse=True)
def index_dir(tmp_path: Path, settings: object) -> Path:
    """A fresh index per test, so tests never share state through the index."""
    path = tmp_path / "index"
    settings.SEARCH_INDEX_DIR = path  # type: ignore[attr-defined]
    # Admin edits apply their index updates in the request: a test's own transaction is invisible to
    # the background thread (tests/test_curation.py checks that thread apart).
    settings.SEARCH_APPLY_IN_BACKGROUND = False  # type: ignore[attr-defined]
    settings.SEARCH_BATCH_IN_SERVER = False  # type: ignore[attr-defined]  # tests run batch jobs in turn
    return path


@pytest.fixture
def store() -> Callable[..., ingest.ArticleInput]:
    """Store an article through the real ingest path and apply its index update."""
    counter = itertools.count(1)

    def _store(text: str, **fields: object) -> ingest.ArticleInput:
        fields.setdefault("url", f"https://example.org/{next(counter)}")
        article = ingest.ArticleInput(text=text, **fields)  # type: ignore[arg-type]
        ingest.store_article(article)
        index.apply_pending()
        return article

    return _store


@pytest.fixture
def curator(client: Client) -> Client:
    """A logged-in member of the curator group."""
    call_command("search_groups", stdout=StringIO())
    user = User.objects.create_user("cura", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    return client


@pytest.fixture
def seed_article(db: None) -> None:
    ingest.ingest_paths([SEED], defaults=ingest.Defaults(source="The Times of Israel", published=dt.date(2023, 6, 27)))


def demo_lines(count: int) -> list[str]:
    with DEMO.open(encoding="utf-8") as handle:
        return [line for line, _ in zip(handle, range(count), strict=False)]


@pytest.fixture
def demo_subset(db: None, tmp_path: Path) -> Path:
    """The first 40 demo articles, ingested."""
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(40)), encoding="utf-8")
    ingest.ingest_paths([path])
    return path


def jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
