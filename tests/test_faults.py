"""Crashes and concurrent writers, with real processes: the database and the index must agree after
the normal start-up recovery (search_sync), and nothing acknowledged may be lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_lines

pytestmark = pytest.mark.slow


def _environment(var: Path) -> dict[str, str]:
    # Each test runs its own instance on SQLite in ``var`` (read directly by articles_in), whatever
    # database the rest of the suite uses: what is tested is the outbox, not the database server.
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["NEWSAPP_VAR_DIR"] = str(var)
    return env


def manage(var: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = _environment(var)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, check=check, timeout=600
    )


def start(var: Path, *args: str) -> subprocess.Popen[str]:
    env = _environment(var)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def count(var: Path, expression: str) -> int:
    code = f"from search import index; from search.models import *; print({expression})"
    return int(manage(var, "shell", "-c", code).stdout.strip().splitlines()[-1])


def articles_in(var: Path) -> int:
    """Committed articles, read straight from SQLite (cheaper than starting Django to ask)."""
    with sqlite3.connect(var / "db.sqlite3", timeout=30) as db:
        return int(db.execute("SELECT count(*) FROM search_article").fetchone()[0])


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    manage(var, "migrate", "-v0")
    return var


def test_sigkill_during_ingest_and_index_sync_loses_nothing(instance: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "demo.jsonl"
    corpus.write_text("".join(demo_lines(60)), encoding="utf-8")
    rng = random.Random(11)
    seen = []
    for _ in range(3):
        before = articles_in(instance)
        process = start(instance, "ingest", str(corpus))
        target = before + rng.randint(3, 10)
        while articles_in(instance) < target and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # mid-ingest: articles committed, their index update pending
        process.wait()
        stored = count(instance, "Article.objects.count()")
        seen.append(stored)
        manage(instance, "search_sync")  # the start-up recovery
        check = manage(instance, "search_check", check=False)
        assert check.returncode == 0 and "No drift" in check.stdout, check.stdout + check.stderr
        assert count(instance, "index.document_count()") == count(instance, "Paragraph.objects.filter(is_boilerplate=False).count()")
        assert count(instance, "Article.objects.count()") == stored  # every committed article is still there
    assert all(0 < n < 60 for n in seen), seen  # each kill landed in the middle of the run
    manage(instance, "ingest", str(corpus))
    assert count(instance, "Article.objects.count()") == 60
    assert "No drift" in manage(instance, "search_check").stdout


def test_sigkill_while_applying_the_outbox(instance: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "demo.jsonl"
    corpus.write_text("".join(demo_lines(40)), encoding="utf-8")
    manage(instance, "ingest", str(corpus))
    requeue = "from search import index; from search.models import Article, Paragraph; "
    requeue += "Paragraph.objects.filter(position=0).update(text='Rewritten opening.'); "
    requeue += "index.queue_articles(Article.objects.values_list('id', flat=True))"
    rng = random.Random(5)
    for _ in range(3):
        manage(instance, "shell", "-c", requeue)
        process = start(instance, "search_sync")
        time.sleep(rng.uniform(2.0, 4.0))  # start-up is ~2 s; the writer is then rewriting 40 articles
        process.send_signal(signal.SIGKILL)
        process.wait()
        manage(instance, "search_sync")
        assert "No drift" in manage(instance, "search_check").stdout
        assert count(instance, "IndexOutbox.objects.count()") == 0


def test_two_writers_at_once_both_land(instance: Path, tmp_path: Path) -> None:
    lines = demo_lines(30)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:15]), encoding="utf-8")
    second.write_text("".join(lines[15:]), encoding="utf-8")
    processes = [start(instance, "ingest", str(first)), start(instance, "ingest", str(second))]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    assert count(instance, "Article.objects.count()") == 30
    assert count(instance, "IndexOutbox.objects.count()") == 0
    assert "No drift" in manage(instance, "search_check").stdout
