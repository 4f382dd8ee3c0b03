"""Crashes and concurrent writers, with real processes: the database and the index must agree after
the normal start-up recovery (search_sync), and nothing acknowledged may be lost."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_lines

pytestmark = [pytest.mark.slow, pytest.mark.own_instance]


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
    code = f"from search.engine import index; from search.models import *; print({expression})"
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


RECOVER = """
import json
from io import StringIO
from django.core.management import call_command
from search.engine import index
from search.models import Article, IndexOutbox, Paragraph
call_command("search_sync", stdout=StringIO())  # the normal start-up recovery
print(json.dumps({
    "clean": index.check().clean,
    "indexed": index.document_count(),
    "kept": Paragraph.objects.filter(is_boilerplate=False).count(),
    "outbox": IndexOutbox.objects.count(),
    "curated": [f"{a} {h}" for a, h in Paragraph.objects.filter(boilerplate_reason="curated", is_boilerplate=True)
                .values_list("article_id", "text_hash")],
    "revisions": sorted(Article.objects.values_list("raw_text", flat=True)),
}))
"""

CURATE = """
from django.db import transaction
from search.curation import actions as curation
from search.engine import index
from search.models import Article, Paragraph
with transaction.atomic():
    paragraph = Paragraph.objects.filter(is_boilerplate=False).order_by("?").first()
    curation.set_boilerplate(Paragraph.objects.filter(pk=paragraph.pk), value=True)
    # and enough queued work that the sync about to be killed is busy for a while
    index.queue_articles(Article.objects.values_list("id", flat=True))
print(paragraph.article_id, paragraph.text_hash)  # the decision follows the text through re-ingest
"""


def recover(var: Path) -> dict[str, object]:
    return json.loads(manage(var, "shell", "-c", RECOVER).stdout.strip().splitlines()[-1])


def revision(corpus: Path, lines: list[str], number: int) -> None:
    """The same articles (same URLs), each text changed: every article of the run is an update."""
    records = [json.loads(line) for line in lines]
    for record in records:
        record["text"] = record["text"] + f"\n\nRevision {number} of this article."
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def revised_in(var: Path, number: int) -> int:
    with sqlite3.connect(var / "db.sqlite3", timeout=30) as db:
        pattern = f"%Revision {number} of this article.%"
        return int(db.execute("SELECT count(*) FROM search_article WHERE raw_text LIKE ?", (pattern,)).fetchone()[0])


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], *, deadline: float) -> bool:
    """SIGKILL the process once ``ready()``; True if it was still running (the kill landed)."""
    end = time.monotonic() + deadline
    while not ready() and process.poll() is None and time.monotonic() < end:
        time.sleep(0.02)
    landed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return landed


def test_twenty_one_sigkills_across_ingest_sync_and_rebuild_lose_nothing(instance: Path, tmp_path: Path) -> None:
    """Seven kills each during ingest, index sync and rebuild, at random points; after each, the
    normal start-up recovery, then: the index matches the database, every article committed before
    the kill is there in its committed revision, and every acknowledged curation holds."""
    lines = demo_lines(60)
    corpus = tmp_path / "corpus.jsonl"
    revision(corpus, lines, 0)
    manage(instance, "ingest", str(corpus))
    rng = random.Random(20261127)
    acknowledged: list[str] = []
    landed = {"ingest": 0, "sync": 0, "rebuild": 0}
    number = 0
    while min(landed.values()) < 7:
        kind = min(landed, key=lambda k: landed[k])
        if kind == "ingest":
            number += 1
            revision(corpus, lines, number)
            target = rng.randint(1, 50)
            process = start(instance, "ingest", str(corpus))
            hit = kill_when(process, lambda n=number, t=target: revised_in(instance, n) >= t, deadline=120)
            committed = revised_in(instance, number)
        elif kind == "sync":
            acknowledged.append(manage(instance, "shell", "-c", CURATE).stdout.strip().splitlines()[-1])
            process = start(instance, "search_sync")
            pause = time.monotonic() + rng.uniform(1.0, 4.0)
            hit = kill_when(process, lambda p=pause: time.monotonic() >= p, deadline=10)
        else:
            process = start(instance, "search_rebuild")
            pause = time.monotonic() + rng.uniform(1.0, 4.0)
            hit = kill_when(process, lambda p=pause: time.monotonic() >= p, deadline=10)
        state = recover(instance)
        assert state["clean"], f"drift after a kill during {kind}"
        assert state["indexed"] == state["kept"] and state["outbox"] == 0
        assert set(acknowledged) <= set(state["curated"]), "an acknowledged curation was lost"
        if kind == "ingest":
            texts = state["revisions"]
            assert len(texts) == 60
            assert sum(f"Revision {number} of this article." in t for t in texts) == committed
        landed[kind] += hit
    assert sum(landed.values()) >= 21
    assert not [p for p in (instance / "index").glob("gen-*") if p != (instance / "index" / "current").resolve()][1:]


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


CURATE_DURING_INGEST = """
from search.curation import actions as curation
from search.engine import index
from search.models import Alias, BoilerplateRule, Person
target = Person.objects.get(name="Benjamin Netanyahu")
curation.merge_persons(target, Person.objects.filter(name="Binyamin Netanyahu"))
Alias.objects.get_or_create(name="Bibi", defaults={"person": target})
curation.apply_rule(BoilerplateRule.objects.create(pattern="Filed under politics.", reason="section label"))
index.apply_pending()
print("curated")
"""

CURATED_STATE = """
import json
from search.engine import index
from search.models import Alias, Article, Mention, Paragraph, Person
print(json.dumps({
    "articles": Article.objects.count(),
    "persons": sorted(Person.objects.filter(name__endswith="Netanyahu").values_list("name", flat=True)),
    "alias": Alias.objects.get(name="Binyamin Netanyahu").person.name,
    "split_mentions": Mention.objects.filter(name="Binyamin Netanyahu").exclude(person__name="Benjamin Netanyahu").count(),
    "labels_kept": Paragraph.objects.filter(text="Filed under politics.", is_boilerplate=False).count(),
    "labels": Paragraph.objects.filter(text="Filed under politics.").count(),
    "clean": index.check().clean,
}))
"""


def test_curation_during_an_ingest_keeps_both(instance: Path, tmp_path: Path) -> None:
    """A merge of persons, a new alias and a new rule while an ingest runs: the ingest finishes every
    article, and the curation holds for the articles it stores afterwards (its in-memory directory of
    names had the merged-away person: it used to create that person again, then die on a duplicate)."""
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {
            "url": f"https://example.org/politics/{n}",
            "title": f"Campaign day {n}",
            "source": "Example News",
            "text": f"Binyamin Netanyahu spoke in town number {n}. Benjamin Netanyahu then left for the airport.\n\n"
            f"Filed under politics.\n\nVoters in district {n} said the rally ran late.",
        }
        for n in range(125)
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    ingest = start(instance, "ingest", str(corpus), "--index-every", "10")
    deadline = time.monotonic() + 300
    while articles_in(instance) < 10 and ingest.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ingest.poll() is None, "the ingest ended before the curation could run beside it"
    assert "curated" in manage(instance, "shell", "-c", CURATE_DURING_INGEST).stdout
    out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err
    assert "125 new" in out and "0 failed" in out, out
    manage(instance, "search_sync")
    state = json.loads(manage(instance, "shell", "-c", CURATED_STATE).stdout.strip().splitlines()[-1])
    assert state["articles"] == 125
    assert state["persons"] == ["Benjamin Netanyahu"]  # the merged-away person was not created again
    assert state["alias"] == "Benjamin Netanyahu" and state["split_mentions"] == 0
    assert state["labels"] == 125 and state["labels_kept"] == 0  # the rule reached articles stored after it
    assert state["clean"]
