"""Batch search: a pasted or uploaded list of up to 10,000 names or queries, searched one line at a
time in the background, each line counted by source and month, its paragraphs kept for download.

A name line searches ``person:"<line>"``, so it resolves through the names and curated aliases
exactly as the query language does; a query line is a search as typed. Every line is narrowed by the
job's filters (the search page's state it was started from). Each line is done in one transaction:
its counts, its paragraphs and the job's progress together, so a runner that stops between two
lines, or in the middle of one, leaves nothing half written. Runners hold a job by a lease they renew
after every line; another runner takes over a job whose lease has run out (its runner died, the
server restarted) and goes on from the first line not done. Runners are the server's own background
thread (woken by the batch pages) and ``manage.py batch_run`` (docs/ARCHITECTURE.md, "Batch search").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from search import people
from search.engine import counting
from search.engine.search import Matches, QueryError
from search.models import BatchCount, BatchJob, BatchLine, BatchMatch, Person, Source
from search.web import alerts, results
from search.web.facets import PERSON, WithFacet, read_params
from search.web.params import SearchParams, clean_text

log = logging.getLogger(__name__)

LINE_CHARS = 300
LEASE = dt.timedelta(seconds=60)  # a runner renews it after every line; one line takes far less
RETRY = dt.timedelta(seconds=10)  # a job that met a busy database is taken up again after this
HEADERS = {"name", "names", "query", "queries", "line", "lines"}  # a CSV's first cell that is a header
MATCH_BATCH = 5000
LINES_PER_PAGE = 100


Progress = Callable[[BatchJob, int], None]  # (the job, its lines done so far), after each line


class BatchError(ValueError):
    """A list that cannot become a job: the message says why, for the page."""


# --- the list ---------------------------------------------------------------------------------


def lines_of_text(text: str) -> list[str]:
    """The non-blank lines of pasted text."""
    return [line for line in (clean_text(raw).strip() for raw in text.splitlines()) if line]


def lines_of_csv(data: bytes) -> list[str]:
    """The first column of an uploaded CSV file (UTF-8, with or without a byte order mark), a header
    row left out."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BatchError("The file is not UTF-8 text: save it as CSV (UTF-8) and upload it again.") from error
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    except csv.Error as error:
        raise BatchError(f"The file is not readable as CSV: {error}.") from error
    if rows and rows[0][0].strip().casefold() in HEADERS:
        rows = rows[1:]
    return [clean_text(row[0]).strip() for row in rows]


def checked_lines(lines: Iterable[str]) -> list[str]:
    """The lines as a job takes them: each once, in the list's order; a list that is empty, too long,
    or has a line too long is refused with what to change."""
    unique = list(dict.fromkeys(line for line in lines if line))
    if not unique:
        raise BatchError("The list is empty: paste one name or query per line, or upload a CSV file.")
    if len(unique) > BatchJob.MAX_LINES:
        raise BatchError(f"The list has {len(unique):,} lines; a batch takes at most {BatchJob.MAX_LINES:,}. Split it in two.")
    long = next((i for i, line in enumerate(unique, 1) if len(line) > LINE_CHARS), None)
    if long is not None:
        raise BatchError(f"Line {long} is longer than {LINE_CHARS} characters.")
    return unique


def name_query(text: str) -> str:
    """A name no person has exactly, as the query language's ``person:"…"`` (every person whose name
    or alias holds each of its words)."""
    return 'person:"{}"'.format(text.replace('"', " ").strip())


def resolved(kind: str, text: str) -> tuple[Person | None, str]:
    """What a line searches: (the person, "") for a name that is exactly a person's name or curated
    alias (case aside), else (None, the query)."""
    if kind == BatchJob.QUERIES:
        return None, text
    exact = people.person_exact(text)
    person = Person.objects.filter(pk=exact[0], not_a_person=False).first() if exact else None
    return (person, "") if person else (None, name_query(text))


def line_params(line: BatchLine, base: SearchParams) -> SearchParams:
    """The search state of a line: the job's filters and the line's person or query. With persons
    among the filters, the line's person must be mentioned too ("with", AND)."""
    if line.person is not None:
        if base.values(PERSON.params[0]):
            return base.changed({WithFacet.params[0]: (*base.values(WithFacet.params[0]), line.person.slug)})
        return base.changed({PERSON.params[0]: (line.person.slug,)})
    return replace(base, q=line.query)


def create_job(user: User, *, name: str, kind: str, lines: list[str], filters: str = "") -> BatchJob:
    """A queued job of these lines; the filters are a search page's query string (its ``q`` left out)."""
    state = read_params(QueryDict(filters)).querystring(q="").lstrip("?")
    with transaction.atomic():
        job = BatchJob.objects.create(user=user, name=name or f"{len(lines):,} {kind}", kind=kind, filters=state, lines_total=len(lines))
        BatchLine.objects.bulk_create(BatchLine(job=job, position=i, text=text) for i, text in enumerate(lines, 1))
    return job


# --- running ----------------------------------------------------------------------------------


def claim_next(now: dt.datetime | None = None) -> BatchJob | None:
    """The oldest job waiting for a runner, held by this one until its lease runs out; None when no job
    waits. Two runners never hold one job: the claim is one conditional update."""
    now = now or timezone.now()
    waiting = Q(state=BatchJob.QUEUED) | Q(state=BatchJob.RUNNING, lease_until__lt=now) | Q(state=BatchJob.RUNNING, lease_until=None)
    for job_id in BatchJob.objects.filter(waiting).order_by("created_at", "id").values_list("id", flat=True)[:10]:
        claimed = BatchJob.objects.filter(waiting, pk=job_id).update(state=BatchJob.RUNNING, lease_until=now + LEASE)
        if claimed:
            BatchJob.objects.filter(pk=job_id, started_at=None).update(started_at=now)
            return BatchJob.objects.get(pk=job_id)
    return None


def run_job(job: BatchJob, on_line: Progress | None = None) -> None:
    """Every line not done yet, in order; then the job is done. A line whose query is refused is
    done with the message as its note."""
    base = read_params(QueryDict(job.filters))
    done = job.lines_done
    for line in job.lines.filter(done=False).order_by("position"):
        done += run_line(line, job.kind, base)
        if on_line:
            on_line(job, done)
    BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.DONE, finished_at=timezone.now(), lease_until=None)


def run_line(line: BatchLine, kind: str, base: SearchParams) -> bool:
    """One line searched and stored with the job's progress, in one transaction; False when another
    runner had done it."""
    line.person, line.query = resolved(kind, line.text)
    found = _search(line_params(line, base))
    with transaction.atomic():
        # Marked done first, and only if no one did: a runner that lost its lease (a line slower than
        # the lease) and the runner that took the job over never both write the line.
        marked = BatchLine.objects.filter(pk=line.pk, done=False).update(
            done=True, person=line.person, query=line.query, paragraphs=found.paragraphs, articles=found.articles, note=found.note[:300]
        )
        if not marked:
            return False
        BatchCount.objects.bulk_create(found.counts_for(line))
        for start in range(0, len(found.paragraph_ids), MATCH_BATCH):
            chunk = found.paragraph_ids[start : start + MATCH_BATCH]
            BatchMatch.objects.bulk_create(BatchMatch(line=line, paragraph_id=pid) for pid in chunk)
        BatchJob.objects.filter(pk=line.job_id).update(lines_done=F("lines_done") + 1, lease_until=timezone.now() + LEASE)
    return True


@dataclass
class Found:
    paragraphs: int = 0
    articles: int = 0
    note: str = ""
    counts: list[tuple[int, int, int, int]] = field(default_factory=list)  # (month yyyymm or 0, source id, paragraphs, articles)
    paragraph_ids: list[int] = field(default_factory=list)

    def counts_for(self, line: BatchLine) -> Iterator[BatchCount]:
        names = dict(Source.objects.filter(id__in={source for _, source, _, _ in self.counts}).values_list("id", "name"))
        for month, source, paragraphs, articles in self.counts:
            yield BatchCount(
                line=line,
                source_id=source if source in names else None,
                source_name=names.get(source, ""),
                month=month,
                paragraphs=paragraphs,
                articles=articles,
            )


def _search(params: SearchParams) -> Found:
    """The line's paragraphs, oldest first, and counts: every kept paragraph counted (copies too, as
    the search's totals)."""
    try:
        m = results.matches(replace(params, sort="oldest"))
    except QueryError as error:
        return Found(note=str(error))
    note = " ".join(m.notices)
    if m.selected.size == 0:
        return Found(note=note)
    periods, sources, paragraphs, articles = counting.period_source_counts(m.values, m.selected, divisor=100)
    counts = list(zip(periods.tolist(), sources.tolist(), paragraphs.tolist(), articles.tolist(), strict=True))
    return Found(
        paragraphs=int(m.selected.size),
        articles=int(m.values.articles_among(m.selected).size),
        note=note,
        counts=counts + _undated_by_source(m),
        paragraph_ids=list(m.paragraph_ids()),
    )


def _undated_by_source(m: Matches) -> list[tuple[int, int, int, int]]:
    """(0, source, paragraphs, articles) of the selected paragraphs that have no date."""
    undated = m.selected[m.values.day[m.selected] == counting.NO_DAY]
    sources = m.values.source[undated]
    rows = []
    for source in np.unique(sources).tolist():
        docs = undated[sources == source]
        rows.append((0, int(source), int(docs.size), int(m.values.articles_among(docs).size)))
    return rows


def run_pending(*, on_line: Progress | None = None) -> int:
    """Run the waiting jobs one after another until none waits; returns how many were finished. A
    busy or unreachable database (an ingest holding SQLite's write lock) leaves the job to be taken
    up again after ``RETRY``; any other error marks the job failed, with the error."""
    finished = 0
    while (job := claim_next()) is not None:
        try:
            run_job(job, on_line)
            finished += 1
        except OperationalError:
            log.warning("Batch job %s waits: the database is busy; it goes on after %s.", job.pk, RETRY)
            BatchJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() + RETRY)
            break
        except Exception as error:  # one bad job must not stop the others
            log.exception("Batch job %s failed", job.pk)
            BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.FAILED, error=str(error)[:2000], lease_until=None)
    return finished


# --- the server's runner ----------------------------------------------------------------------


class _Runner:
    """One thread per server process that runs waiting jobs when woken (a job submitted, a batch page
    opened: so a job a restart interrupted goes on once its lease has run out and anyone looks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="batch-search", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            close_old_connections()
            run_pending()
        except Exception:
            log.exception("The batch runner stopped; waiting jobs are taken up at the next wake.")
        finally:
            connection.close()


_RUNNER = _Runner()


def wake_runner() -> None:
    """Have the server run waiting jobs in the background, unless ``SEARCH_BATCH_IN_SERVER`` is off
    (``manage.py batch_run`` runs them instead, and tests run them in turn)."""
    if getattr(settings, "SEARCH_BATCH_IN_SERVER", True):
        transaction.on_commit(_RUNNER.wake)


# --- the pages --------------------------------------------------------------------------------


UPLOAD_BYTES = 4 * 1024 * 1024  # 10,000 lines of 300 characters, and room for a few more columns


def submit(user: User, data: Mapping[str, str], files: Mapping[str, UploadedFile]) -> BatchJob:
    """The job of a submitted form: pasted lines or an uploaded CSV file (its first column), names or
    queries, narrowed by the search it was started from; raises ``BatchError`` with what to change."""
    upload = files.get("file")
    if upload is not None and upload.size:
        if upload.size > UPLOAD_BYTES:
            raise BatchError(f"The file is larger than {UPLOAD_BYTES // (1024 * 1024)} MB: upload at most {BatchJob.MAX_LINES:,} lines.")
        lines = lines_of_csv(upload.read())
    else:
        lines = lines_of_text(data.get("lines", ""))
    kind = data.get("kind", BatchJob.NAMES)
    if kind not in {BatchJob.NAMES, BatchJob.QUERIES}:
        raise BatchError("Choose whether the lines are names or queries.")
    name = clean_text(data.get("name", "")).strip()[:200]
    return create_job(user, name=name, kind=kind, lines=checked_lines(lines), filters=data.get("filters", "")[:2000])


@dataclass(frozen=True)
class LineRow:
    line: BatchLine
    search_url: str  # the line's search, with the job's filters


def line_rows(job: BatchJob, lines: Iterable[BatchLine]) -> list[LineRow]:
    """The lines of a page with the search each ran (a line not run yet: the search it will run)."""
    base = read_params(QueryDict(job.filters))
    path = reverse("search:search")
    rows = []
    for line in lines:
        if not line.done:
            line.person, line.query = None, name_query(line.text) if job.kind == BatchJob.NAMES else line.text
        rows.append(LineRow(line, path + line_params(line, base).querystring()))
    return rows


def describe_filters(job: BatchJob) -> str:
    """The job's filters in a line ("source: cnn · from: 2016"), "" when none."""
    params = read_params(QueryDict(job.filters))
    return alerts.describe(params) if any(values for _, values in params.filters) else ""


def progress(job: BatchJob) -> int:
    """Per cent of the lines done."""
    return 100 if not job.lines_total else round(100 * job.lines_done / job.lines_total)


# --- the downloads ----------------------------------------------------------------------------


TABLE_FIELDS = ["line", "text", "searched", "source", "month", "paragraphs", "articles"]
PARAGRAPH_FIELDS = ["line", "text", "paragraph_id", "article_id", "published", "source", "title", "url", "paragraph"]


def table_rows(job: BatchJob) -> Iterator[dict[str, object]]:
    """Each line × source × month with its counts (month "" = undated); a line with no paragraph once, with zeros."""
    counts = BatchCount.objects.filter(line__job=job).order_by("line__position", "month", "source_name")
    by_line: dict[int, list[BatchCount]] = {}
    for count in counts.iterator(chunk_size=2000):
        by_line.setdefault(count.line_id, []).append(count)
    for line in job.lines.select_related("person").order_by("position"):
        base = {"line": line.position, "text": line.text, "searched": searched(line)}
        rows = by_line.get(line.pk, [])
        if not rows:
            yield {**base, "source": "", "month": "", "paragraphs": 0, "articles": 0}
        for c in rows:
            month = f"{c.month // 100:04d}-{c.month % 100:02d}" if c.month else ""
            yield {**base, "source": c.source_name, "month": month, "paragraphs": c.paragraphs, "articles": c.articles}


def searched(line: BatchLine) -> str:
    """What a line searched, in a few words: "person: donald-trump", or its query."""
    return f"person: {line.person.slug}" if line.person else line.query


def paragraph_rows(job: BatchJob) -> Iterator[dict[str, object]]:
    """Every paragraph each line found, with the line that found it, the line's paragraphs oldest first."""
    matches = (
        BatchMatch.objects.filter(line__job=job)
        .order_by("line__position", "id")
        .values_list(
            "line__position",
            "line__text",
            "paragraph_id",
            "paragraph__article_id",
            "paragraph__article__published",
            "paragraph__article__source__name",
            "paragraph__article__title",
            "paragraph__article__url",
            "paragraph__text",
        )
    )
    for position, text, pid, aid, published, source, title, url, paragraph in matches.iterator(chunk_size=2000):
        yield {
            "line": position,
            "text": text,
            "paragraph_id": pid,
            "article_id": aid,
            "published": published.isoformat() if published else "",
            "source": source or "",
            "title": title or "",
            "url": url or "",
            "paragraph": paragraph,
        }
