"""Batch search (issue 15, part 2): lists of names or queries searched line by line in the background."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections import Counter
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from search.models import Alias, BatchJob, BatchLine, BatchMatch, Paragraph, Person
from search.web import batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client: Client) -> Client:
    client.force_login(User.objects.create_user("reporter", password="pw-for-tests-only"))
    return client


def user(name: str = "reporter") -> User:
    return User.objects.get_or_create(username=name)[0]


def kept_mentioning(person: Person) -> Any:
    return Paragraph.objects.filter(is_boilerplate=False, mentions__person=person).distinct()


def downloaded(client: Client, job: BatchJob, table: str) -> list[dict[str, str]]:
    response = client.get(f"/batches/{job.pk}/{table}.csv")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'{table}.csv"')
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]


def test_fifty_names_count_what_the_database_counts(demo_subset: object, member: Client) -> None:
    persons = list(Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).filter(n__gt=0).order_by("-n", "name")[:50])
    assert len(persons) == 50
    response = member.post("/batches/", {"name": "Fifty", "kind": "names", "lines": "\n".join(p.name for p in persons)})
    job = BatchJob.objects.get(name="Fifty")
    assert response.status_code == 302 and response["Location"] == f"/batches/{job.pk}/"
    assert job.state == BatchJob.QUEUED and job.lines_total == 50
    assert batch.run_pending() == 1
    job.refresh_from_db()
    assert (job.state, job.lines_done) == (BatchJob.DONE, 50)
    for person, line in zip(persons, job.lines.order_by("position"), strict=True):
        kept = kept_mentioning(person)
        assert line.person == person, line.text
        assert (line.paragraphs, line.articles) == (kept.count(), kept.values("article").distinct().count()), line.text
    # The table: each line × source × month, as the database counts them.
    table = downloaded(member, job, "table")
    for person, position in zip(persons, range(1, 51), strict=True):
        expected = Counter(
            (p.article.source.name if p.article.source else "", p.article.published.strftime("%Y-%m") if p.article.published else "")
            for p in kept_mentioning(person).select_related("article__source")
        )
        rows = {(r["source"], r["month"]): int(r["paragraphs"]) for r in table if r["line"] == str(position)}
        assert rows == dict(expected), person.name
        assert {r["searched"] for r in table if r["line"] == str(position)} == {f"person: {person.slug}"}
    # Every paragraph, with the line that found it.
    paragraphs = downloaded(member, job, "paragraphs")
    found = {(int(r["line"]), int(r["paragraph_id"])) for r in paragraphs}
    assert len(found) == len(paragraphs)  # no paragraph twice for one line
    assert found == {(i, pid) for i, p in enumerate(persons, 1) for pid in kept_mentioning(p).values_list("id", flat=True)}
    page = BeautifulSoup(member.get(f"/batches/{job.pk}/").content, "html.parser")
    assert page.select_one("#batch-progress")["data-state"] == "done" and not page.select_one("#batch-progress").has_attr("hx-get")
    first = page.select_one("tr[data-line='1']")
    assert first["data-paragraphs"] == str(kept_mentioning(persons[0]).count())
    linked = BeautifulSoup(member.get(first.select_one("a")["href"]).content, "html.parser")
    assert linked.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == first["data-paragraphs"]


def test_names_resolve_through_curated_aliases_and_unknown_names_search_like_person(demo_subset: object) -> None:
    person = Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).order_by("-n").first()
    assert person is not None
    Alias.objects.create(person=person, name="The Curated Alias")
    job = batch.create_job(user(), name="Aliases", kind="names", lines=["the curated alias", "Zebulon Nobody", person.name])
    batch.run_pending()
    alias, nobody, name = job.lines.order_by("position")
    assert alias.person == person and alias.paragraphs == name.paragraphs == kept_mentioning(person).count()
    assert nobody.person is None and nobody.query == 'person:"Zebulon Nobody"' and nobody.paragraphs == 0
    assert "No person matches" in nobody.note


def test_query_lines_are_searches_narrowed_by_the_jobs_filters(demo_subset: object, member: Client) -> None:
    source = Paragraph.objects.filter(is_boilerplate=False).values_list("article__source__slug", flat=True).first()
    lines = "police\nelection OR vote\ndate:[soon to later]"
    member.post("/batches/", {"name": "Queries", "kind": "queries", "lines": lines, "filters": f"source={source}"})
    job = BatchJob.objects.get(name="Queries")
    batch.run_pending()
    police, vote, bad = job.lines.order_by("position")
    for line in (police, vote):
        search = BeautifulSoup(member.get("/", {"q": line.text, "source": source}).content, "html.parser")
        assert str(line.paragraphs) == search.select_one("[data-total-paragraphs]")["data-total-paragraphs"]
        assert set(BatchMatch.objects.filter(line=line).values_list("paragraph__article__source__slug", flat=True)) <= {source}
    assert bad.done and bad.paragraphs == 0 and "is not a date" in bad.note  # a refused query: a line with its message
    assert job.lines.filter(done=True).count() == 3


def test_a_restart_in_the_middle_of_a_batch_loses_nothing_and_it_resumes(demo_subset: object, monkeypatch: pytest.MonkeyPatch) -> None:
    names = list(Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).order_by("-n").values_list("name", flat=True)[:10])
    whole = batch.create_job(user(), name="Whole", kind="names", lines=names)
    batch.run_pending()
    cut = batch.create_job(user(), name="Cut", kind="names", lines=names)
    real_counts, calls = batch.Found.counts_for, []

    def dies_on_the_fifth_line(found: batch.Found, line: BatchLine) -> Any:
        calls.append(line.position)
        if len(calls) == 5:
            raise SystemExit("the server stops")  # inside the line's transaction, after it was marked done
        return real_counts(found, line)

    monkeypatch.setattr(batch.Found, "counts_for", dies_on_the_fifth_line)
    with pytest.raises(SystemExit):
        batch.run_pending()
    monkeypatch.setattr(batch.Found, "counts_for", real_counts)
    cut.refresh_from_db()
    assert (cut.state, cut.lines_done) == (BatchJob.RUNNING, 4)
    assert list(cut.lines.filter(done=True).values_list("position", flat=True)) == [1, 2, 3, 4]
    assert not BatchMatch.objects.filter(line__job=cut, line__position__gte=5).exists()  # nothing half written
    assert batch.claim_next() is None  # its runner's lease still holds it
    later = timezone.now() + batch.LEASE + dt.timedelta(seconds=1)
    claimed = batch.claim_next(later)
    assert claimed is not None and claimed.pk == cut.pk
    batch.run_job(claimed)
    cut.refresh_from_db()
    assert (cut.state, cut.lines_done) == (BatchJob.DONE, 10)

    def results_of(job: BatchJob) -> tuple[list[object], list[object]]:
        return list(batch.table_rows(job)), [row["paragraph_id"] for row in batch.paragraph_rows(job)]

    assert results_of(cut) == results_of(whole)


def test_a_busy_database_leaves_the_job_to_go_on_later_and_an_error_fails_it(demo_subset: object, monkeypatch: pytest.MonkeyPatch) -> None:
    job = batch.create_job(user(), name="Busy", kind="queries", lines=["police", "fire"])

    def locked(*args: object) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(batch, "_search", locked)
    assert batch.run_pending() == 0
    job.refresh_from_db()
    assert job.state == BatchJob.RUNNING and job.lease_until is not None and job.lease_until > timezone.now()
    monkeypatch.setattr(batch, "_search", lambda *args: 1 / 0)
    assert batch.claim_next(timezone.now() + batch.RETRY + dt.timedelta(seconds=1)) is not None
    BatchJob.objects.filter(pk=job.pk).update(lease_until=None)
    batch.run_pending()
    job.refresh_from_db()
    assert job.state == BatchJob.FAILED and "division by zero" in job.error


def test_two_runners_never_hold_one_job(demo_subset: object) -> None:
    job = batch.create_job(user(), name="One", kind="queries", lines=["police"])
    first = batch.claim_next()
    assert first is not None and first.pk == job.pk and batch.claim_next() is None


def test_a_user_sees_only_their_own_batches(demo_subset: object, member: Client, client: Client) -> None:
    theirs = batch.create_job(user("someone-else"), name="Not yours", kind="queries", lines=["police"])
    batch.run_pending()
    page = BeautifulSoup(member.get("/batches/").content, "html.parser")
    assert page.select("tr[data-job]") == [] and "Not yours" not in page.get_text()
    for url in (f"/batches/{theirs.pk}/", f"/batches/{theirs.pk}/table.csv", f"/batches/{theirs.pk}/paragraphs.json"):
        assert member.get(url).status_code == 404
    assert member.post(f"/batches/{theirs.pk}/delete/").status_code == 404 and BatchJob.objects.filter(pk=theirs.pk).exists()
    client.logout()
    assert client.get("/batches/").status_code == 302  # signed-in users only: a job belongs to someone


def test_a_csv_upload_takes_its_first_column_without_the_header(demo_subset: object, member: Client) -> None:
    data = '\ufeffname,note\nPolice,first\n\npolice,again\n"Fire, rescue",third\n'.encode()
    upload = SimpleUploadedFile("names.csv", data, content_type="text/csv")
    member.post("/batches/", {"name": "Upload", "kind": "queries", "file": upload})
    job = BatchJob.objects.get(name="Upload")
    assert list(job.lines.order_by("position").values_list("text", flat=True)) == ["Police", "police", "Fire, rescue"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"lines": "\n \n"}, "The list is empty"),
        ({"lines": "\n".join(f"name {i}" for i in range(10_001))}, "at most 10,000"),
        ({"lines": "x" * 301}, "longer than 300"),
        ({"lines": "police", "kind": "sql"}, "names or queries"),
    ],
)
def test_a_list_that_cannot_be_a_batch_is_refused_on_the_page(member: Client, form: dict[str, str], message: str) -> None:
    response = member.post("/batches/", form)
    assert response.status_code == 400 and message in BeautifulSoup(response.content, "html.parser").select_one("#batch-error").get_text()
    assert not BatchJob.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(member: Client) -> None:
    upload = SimpleUploadedFile("names.csv", "Müller\n".encode("latin-1"), content_type="text/csv")
    response = member.post("/batches/", {"kind": "names", "file": upload})
    assert response.status_code == 400 and b"not UTF-8" in response.content


def test_progress_polls_while_running_and_downloads_as_json(demo_subset: object, member: Client) -> None:
    member.post("/batches/", {"name": "Poll", "kind": "queries", "lines": "police"})
    job = BatchJob.objects.get(name="Poll")
    page = BeautifulSoup(member.get(f"/batches/{job.pk}/").content, "html.parser")
    progress = page.select_one("#batch-progress")
    assert progress["data-state"] == "queued" and progress["hx-trigger"] == "every 2s"
    assert page.select_one("noscript meta[http-equiv=refresh]") is not None  # without JavaScript the page reloads itself
    fragment = member.get(f"/batches/{job.pk}/", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="batch-progress"')
    call_command("batch_run", "--once", stdout=StringIO())
    rows = json.loads(b"".join(member.get(f"/batches/{job.pk}/paragraphs.json").streaming_content))  # type: ignore[attr-defined]
    job.refresh_from_db()
    assert job.state == "done" and len(rows) == job.lines.get().paragraphs and {r["text"] for r in rows} == {"police"}


def test_the_search_page_offers_a_batch_with_its_filters(demo_subset: object, member: Client) -> None:
    source = Paragraph.objects.values_list("article__source__slug", flat=True).first()
    link = BeautifulSoup(member.get("/", {"q": "police", "source": source}).content, "html.parser").select_one("a.batch-link")
    assert link["href"] == f"/batches/?source={source}"
    form = BeautifulSoup(member.get(link["href"]).content, "html.parser")
    assert form.select_one("input[name=filters]")["value"] == f"source={source}"


@pytest.mark.django_db(transaction=True)
def test_the_server_runs_a_submitted_batch_in_the_background(member: Client, store: Callable[..., object], settings: Any) -> None:
    store("Mayor Quinton Marlowe opened the bridge.", source="Daily", title="Bridge")
    settings.SEARCH_BATCH_IN_SERVER = True
    finished = threading.Event()
    real = batch.run_job

    def run_and_tell(job: BatchJob, on_line: Any = None) -> None:
        real(job, on_line)
        finished.set()

    batch.run_job = run_and_tell  # type: ignore[assignment]
    try:
        member.post("/batches/", {"name": "Background", "kind": "names", "lines": "Quinton Marlowe"})
        assert finished.wait(30)
    finally:
        batch.run_job = real  # type: ignore[assignment]
    job = BatchJob.objects.get(name="Background")
    assert job.state == BatchJob.DONE and job.lines.get().paragraphs == 1
