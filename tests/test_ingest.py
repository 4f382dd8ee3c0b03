from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from search.engine import index
from search.ingest import store as ingest
from search.models import Alias, Article, IndexOutbox, Mention, Paragraph, Person, Source
from tests.conftest import SEED, demo_lines, jsonl

pytestmark = pytest.mark.django_db


def test_seed_ingest_yields_six_paragraphs_source_and_date(seed_article: None) -> None:
    article = Article.objects.get()
    assert article.source.name == "The Times of Israel"
    assert article.published == dt.date(2023, 6, 27)
    assert article.title == ""  # the first line is a paragraph, not a title
    kept = list(article.paragraphs.filter(is_boilerplate=False).values_list("text", flat=True))
    assert len(kept) == 6
    assert article.paragraphs.filter(is_boilerplate=True).count() == 16
    assert index.document_count() == 6
    assert not IndexOutbox.objects.exists()


def test_seed_without_date_is_undated_never_today() -> None:
    ingest.ingest_paths([SEED], defaults=ingest.Defaults(source="The Times of Israel"))
    assert Article.objects.get().published is None


def test_reingest_is_idempotent(seed_article: None) -> None:
    before = list(Paragraph.objects.values_list("id", "text"))
    summary = ingest.ingest_paths([SEED], defaults=ingest.Defaults(source="The Times of Israel", published=dt.date(2023, 6, 27)))
    assert (summary.new, summary.updated, summary.unchanged) == (0, 0, 1)
    assert list(Paragraph.objects.values_list("id", "text")) == before
    assert Article.objects.count() == 1
    assert index.document_count() == 6


def test_changed_article_is_updated_in_place(tmp_path: Path) -> None:
    record = {"title": "T", "url": "https://example.org/a", "source": "Example", "published": "2020-01-02", "text": "First.\n\nSecond."}
    path = jsonl(tmp_path / "a.jsonl", [record])
    ingest.ingest_paths([path])
    article_id = Article.objects.get().pk
    jsonl(path, [{**record, "text": "First.\n\nSecond, corrected.\n\nThird."}])
    summary = ingest.ingest_paths([path])
    assert summary.updated == 1
    article = Article.objects.get()
    assert article.pk == article_id
    assert list(article.paragraphs.values_list("text", flat=True)) == ["First.", "Second, corrected.", "Third."]
    assert index.document_count() == 3


def test_demo_jsonl_records_keep_metadata(tmp_path: Path) -> None:
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(5)), encoding="utf-8")
    summary = ingest.ingest_paths([path])
    assert summary.new == 5 and summary.failed == 0
    first = Article.objects.order_by("id").first()
    assert first.title == "Hundreds dead in Hajj stampede"
    assert first.published == dt.date(2006, 1, 12)
    assert first.source.name == "Wikinews"
    assert first.url.startswith("https://en.wikinews.org/wiki/")


def test_allsides_field_names_are_mapped(tmp_path: Path) -> None:
    record = {
        "source": "Washington Times",
        "source_url": "www.washingtontimes.com",
        "date": "May 16, 2014",
        "date_iso": "2014-05-16",
        "authors": "Muneeza Naqvi",
        "title": "Modi to be prime minister",
        "url": "http://www.washingtontimes.com/news/2014/may/16/modi/",
        "content_original": "NEW DELHI (AP) — Opposition leader Narendra Modi will be prime minister.\n\nMore text.",
    }
    path = tmp_path / "allsides.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(tmp_path / "x.jsonl", [record]).read_bytes()))
    ingest.ingest_paths([path])
    article = Article.objects.get()
    assert (article.source.name, article.published, article.byline) == ("Washington Times", dt.date(2014, 5, 16), "Muneeza Naqvi")
    assert article.source.domain == "washingtontimes.com"


def test_sources_are_matched_case_insensitively_and_by_domain(tmp_path: Path) -> None:
    jsonl(
        tmp_path / "s.jsonl",
        [
            {"source": "Example News", "url": "https://www.example.com/1", "text": "One."},
            {"source": "example news", "url": "https://example.com/2", "text": "Two."},
            {"url": "https://example.com/3", "text": "Three."},
        ],
    )
    ingest.ingest_paths([tmp_path / "s.jsonl"])
    assert list(Source.objects.values_list("name", flat=True)) == ["Example News"]
    assert Article.objects.filter(source__name="Example News").count() == 3


def test_broken_inputs_are_reported_and_the_others_go_in(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A good paragraph about the harbour.\nAnother one.", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 society".encode("latin-1"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "truncated.jsonl").write_text('{"url": "https://e.org/1", "text": "Fine."}\n{"url": "https://e.org/2", "te', encoding="utf-8")
    (folder / "huge.txt").write_text("word " * 30_000, encoding="utf-8")
    (folder / "bad.jsonl.gz").write_bytes(gzip.compress(b'{"text": "x"}\n')[:-8])
    summary = ingest.ingest_paths([folder])
    assert summary.new == 2  # good.txt and the first record of truncated.jsonl
    assert summary.failed == 6
    messages = "\n".join(summary.errors)
    for expected in (
        "latin1.txt",
        "not UTF-8",
        "binary",
        "empty.txt record 1: no text",
        "line 2: invalid JSON",
        "huge.txt",
        "bad.jsonl.gz",
    ):
        assert expected in messages
    assert Paragraph.objects.count() == 3
    assert index.document_count() == 3


def test_failed_article_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(article_ids: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(index, "queue_articles", explode)
    with pytest.raises(RuntimeError):
        ingest.store_article(ingest.ArticleInput(text="One.\n\nTwo.", url="https://e.org/x"))
    assert not Article.objects.exists() and not Paragraph.objects.exists()


def test_seed_persons_resolve_to_full_names(seed_article: None) -> None:
    assert set(Person.objects.values_list("name", flat=True)) == {
        "Alexander Lukashenko",
        "Vladimir Putin",
        "Yevgeny Prigozhin",
        "Alexei Navalny",
    }
    putin = Mention.objects.filter(person__name="Vladimir Putin")
    assert set(putin.values_list("text", flat=True)) == {"Vladimir Putin", "Putin"}
    for mention in Mention.objects.select_related("paragraph"):
        assert mention.paragraph.text[mention.start : mention.end] == mention.text
        assert not mention.paragraph.is_boilerplate


def test_curated_alias_wins_across_articles(tmp_path: Path) -> None:
    bibi = Person.objects.create(name="Benjamin Netanyahu", slug="benjamin-netanyahu")
    Alias.objects.create(person=bibi, name="Bibi Netanyahu")
    jsonl(
        tmp_path / "a.jsonl", [{"url": "https://e.org/b", "text": "Prime Minister Bibi Netanyahu's coalition met in Jerusalem on Sunday."}]
    )
    ingest.ingest_paths([tmp_path / "a.jsonl"])
    assert list(Mention.objects.values_list("person__name", "text")) == [("Benjamin Netanyahu", "Bibi Netanyahu")]
    assert Person.objects.count() == 1


def test_dry_run_json_preview_touches_nothing(tmp_path: Path) -> None:
    out = StringIO()
    call_command("ingest", str(SEED), "--dry-run", "--json", "--source", "The Times of Israel", stdout=out)
    preview = json.loads(out.getvalue())
    assert (preview["path"], preview["record"], preview["source"], preview["published"]) == (str(SEED), 1, "The Times of Israel", None)
    assert sum(not p["boilerplate"] for p in preview["paragraphs"]) == 6
    assert preview["persons"] == ["Alexander Lukashenko", "Vladimir Putin", "Yevgeny Prigozhin", "Alexei Navalny"]
    mention = preview["paragraphs"][1]["mentions"][0]
    assert mention == {"start": 0, "end": 10, "text": "Lukashenko", "person": "Alexander Lukashenko", "speaker": True}
    quoted = next(p for p in preview["paragraphs"] if p["quotes"])  # "“I said to Putin: …,” Lukashenko says"
    assert quoted["quotes"] == [{"start": 0, "end": quoted["text"].index("”") + 1, "speaker": "Alexander Lukashenko"}]
    assert [(m["text"], m["speaker"]) for m in quoted["mentions"]] == [("Putin", False), ("Prigozhin", False), ("Lukashenko", True)]
    assert not Article.objects.exists() and not Person.objects.exists() and not Source.objects.exists()
    assert index.document_count() == 0


def test_feed_title_is_the_source_unless_one_is_given() -> None:
    feed = SEED.parent.parent / "corpora" / "feeds" / "trafilatura" / "feed2.rss"
    ingest.ingest_paths([feed])
    assert list(Article.objects.values_list("source__name", flat=True)) == ["RSS Title"]
    Article.objects.all().delete()
    ingest.ingest_paths([feed], defaults=ingest.Defaults(source="My Blog"))
    assert list(Article.objects.values_list("source__name", flat=True)) == ["My Blog"]


def test_mixed_folder_of_formats(tmp_path: Path) -> None:
    shared = SEED.parent.parent / "corpora"
    folder = tmp_path / "mixed"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "page.html").write_bytes((shared / "html_trafilatura" / "eval_en_news" / "latimes.com.bloomberg.html").read_bytes())
    (folder / "feed.atom").write_bytes((shared / "feeds" / "trafilatura" / "feed1.atom").read_bytes())
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "notes.md").write_text("not an article format", encoding="utf-8")
    summary = ingest.ingest_paths([folder])
    assert (summary.new, summary.failed) == (4, 0)
    page = Article.objects.get(title__startswith="As his first debate nears")
    assert (page.published, page.byline) == (dt.date(2020, 2, 19), "Evan Halper")


def test_dry_run_names_the_source_a_merge_leads_to(tmp_path: Path) -> None:
    from search.models import Source

    fox = Source.objects.create(name="Fox News", slug="fox-news")
    Source.objects.create(name="Fox Online News", slug="fox-online-news", merged_into=fox)
    article = tmp_path / "a.txt"
    article.write_text("Senators met on Tuesday to discuss the budget.\n", encoding="utf-8")
    out = StringIO()
    call_command("ingest", str(article), "--dry-run", "--json", "--source", "Fox Online News", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue().splitlines()[0])["source"] == "Fox News"


def test_index_every_sets_how_many_stored_articles_one_index_commit_covers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commits: list[int] = []
    apply = index.apply_pending
    monkeypatch.setattr(index, "apply_pending", lambda **kw: commits.append(index.pending_count()) or apply(**kw))
    path = tmp_path / "demo.jsonl"
    path.write_text("".join(demo_lines(12)), encoding="utf-8")
    call_command("ingest", str(path), "--index-every", "5", stdout=StringIO(), stderr=StringIO())
    assert len(commits) == 3  # after 5 and 10 stored articles, and at the end
    assert index.document_count() == Paragraph.objects.filter(is_boilerplate=False).count()
    with pytest.raises(CommandError, match="positive whole number"):
        call_command("ingest", str(path), "--index-every", "0", stdout=StringIO(), stderr=StringIO())


def test_a_folder_with_a_pretty_printed_stats_file_ingests_without_failures(tmp_path: Path) -> None:
    """A corpus folder's stats.json (one pretty-printed object, not articles) is one "skipped" file,
    not a failure per line (it was read as JSON Lines: 196 failures and exit 1 on the AllSides folder, #20)."""
    (tmp_path / "stats.json").write_text(json.dumps({"articles": 2, "bias": {"left": 1, "right": 1}}, indent=1), encoding="utf-8")
    (tmp_path / "one.json").write_text(
        json.dumps({"title": "Harbour", "text": "The harbour reopened on Monday."}, indent=1), encoding="utf-8"
    )
    jsonl(tmp_path / "articles.jsonl", [{"url": "https://e.org/a", "text": "The tunnel closed on Tuesday."}])
    summary = ingest.ingest_paths([tmp_path])
    assert (summary.new, summary.failed, summary.skipped) == (2, 0, 1), summary.errors
    out = StringIO()
    call_command("ingest", str(tmp_path), stdout=out)  # exits 0: nothing failed
    assert "0 failed, 1 skipped" in out.getvalue()


def test_skipped_inputs_say_why_per_file(tmp_path: Path) -> None:
    items = "".join(f"<item><title>Photo {n}</title><link>https://e.org/p{n}</link></item>" for n in range(3))
    story = (
        "<item><title>Dam</title><link>https://e.org/dam</link><description>The dam held after the storm on Sunday.</description></item>"
    )
    feed = tmp_path / "photos.rss"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Photos</title>{items}{story}</channel></rss>', encoding="utf-8"
    )
    (tmp_path / "stats.json").write_text(json.dumps({"articles": 2}, indent=1), encoding="utf-8")
    out = StringIO()
    call_command("ingest", str(tmp_path), stdout=out)
    lines = out.getvalue().splitlines()
    assert f"skipped: {feed}: 3 skipped: no text content, only a title or media" in lines
    assert any(line.startswith(f"skipped: {tmp_path / 'stats.json'}: 1 skipped: no articles") for line in lines)
    assert "1 new" in lines[-1] and "4 skipped" in lines[-1]
    detailed = StringIO()
    call_command("ingest", str(feed), stdout=detailed, verbosity=2)
    assert [line for line in detailed.getvalue().splitlines() if line.startswith("skipped:")] == [
        f"skipped: {feed}: entry {n}: no text content, only a title or media" for n in (1, 2, 3)
    ]


def test_progress_shows_the_total_and_the_time_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = jsonl(tmp_path / "a.jsonl", [{"url": f"https://e.org/{n}", "text": f"The bridge {n} reopened on Monday."} for n in range(3)])
    call_command("ingest", str(path), "--progress", stdout=StringIO())
    bar = capsys.readouterr().err
    assert "3/3" in bar and "<00:00" in bar  # done of the total, and the time left


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache and WAL checkpoints; PostgreSQL has neither setting")
def test_an_ingest_writes_with_a_long_checkpoint_interval_and_puts_the_defaults_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def pragma(name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name}")
            return int(cursor.fetchone()[0])

    seen: list[tuple[int, int]] = []
    store_prepared = ingest.store_prepared

    def recording(*args: object, **kwargs: object) -> object:
        seen.append((pragma("wal_autocheckpoint"), pragma("cache_size")))
        return store_prepared(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "store_prepared", recording)
    assert ingest.ingest_paths([SEED]).new == 1
    assert seen == [(ingest.WRITER_CHECKPOINT_PAGES, -ingest.WRITER_CACHE_MB * 1024)]
    assert (pragma("wal_autocheckpoint"), pragma("cache_size")) == (1000, -2000)
