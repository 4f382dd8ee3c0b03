"""Thin views: read the request, call one function, render a page or its fragment.

Every URL renders a full page for a normal request; htmx only narrows what is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from search.models import Article, BatchJob, Paragraph, Person, PersonRedirect, SavedSearch
from search.web import alerts, batch, compare, copies, export, pages, results, tables
from search.web import person as person_pages
from search.web.facets import read_params
from search.web.params import SearchParams, clean_text


def _refused(message: str) -> HttpResponseBadRequest:
    """A request this app will not answer (a refused query, a search too long to keep), said in plain text."""
    return HttpResponseBadRequest(f"{message}\n", content_type="text/plain; charset=utf-8")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _fragment_requested(request: HtmxHttpRequest) -> bool:
    # The htmx magic: a request from htmx gets only the region it swaps, unless htmx is
    # restoring history, in which case it needs the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_GET
@gzip_page
@vary_on_headers("HX-Request")
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    page = results.search(read_params(request.GET))
    template_name = "search/search.html"
    if _fragment_requested(request):
        # "Load more" asks for the next page's groups alone, to append them.
        template_name = "search/_more_groups.html" if request.GET.get("append") else "search/_results.html"
    return render(request, template_name, {"page": page})


@require_GET
@vary_on_headers("HX-Request")
def person_facet_page(request: HtmxHttpRequest) -> HttpResponse:
    params = read_params(request.GET)
    name_filter = clean_text(request.GET.get("filter", ""))[:100]
    facet = results.person_values(params, name_filter=name_filter)
    template_name = "search/_person_list.html" if _fragment_requested(request) else "search/person_facet.html"
    return render(request, template_name, {"params": params, "facet": facet, "filter": name_filter})


@require_GET
def person_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A person's page; a merged person's old slug leads to the survivor's."""
    person = Person.objects.filter(slug=slug, not_a_person=False).first()
    if person is None:
        moved = get_object_or_404(PersonRedirect, slug=slug)
        return HttpResponseRedirect(reverse("search:person", args=[moved.person.slug]))
    return render(request, "search/person.html", {"page": person_pages.person_page(person)})


@require_GET
def export_table(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One of a search's tables (``tables.FIELDS``), whole, as CSV or JSON; a refused query gets its message."""
    try:
        rows = tables.rows(read_params(request.GET), table)
    except results.QueryError as exc:
        return _refused(str(exc))
    return _table_download(rows, tables.FIELDS[table], f"search-{table}", fmt)


def _table_download(rows: list[dict[str, object]], fields: list[str], name: str, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(tables.as_csv(rows, fields), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(tables.as_json(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def copies_page(request: HttpRequest, paragraph_id: int) -> HttpResponse:
    """Where did this paragraph first appear: its copy family in date order, with sources."""
    paragraph = get_object_or_404(Paragraph, pk=paragraph_id, is_boilerplate=False)
    members = copies.family(paragraph)
    return render(request, "search/copies.html", {"paragraph": paragraph, "members": members, "spread": copies.spread(members)})


@require_GET
def copies_export(request: HttpRequest, paragraph_id: int, fmt: str) -> HttpResponse:
    """A copy family, for download."""
    rows = copies.rows(copies.family(get_object_or_404(Paragraph, pk=paragraph_id, is_boilerplate=False)))
    return _table_download(rows, copies.FIELDS, f"copies-of-{paragraph_id}", fmt)


@require_GET
def compare_page(request: HttpRequest) -> HttpResponse:
    comparison = compare.compare(compare.read(request.GET))
    return render(request, "search/compare.html", {"comparison": comparison, "slots": compare.slots(comparison)})


@require_GET
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source"), pk=article_id)
    params = read_params(request.GET)
    return render(request, "search/article.html", pages.article_context(article, params))


@require_GET
@vary_on_headers("HX-Request")
def article_matches(request: HtmxHttpRequest, article_id: int) -> HttpResponse:
    params = read_params(request.GET)
    if not _fragment_requested(request):
        return HttpResponseRedirect(reverse("search:article", args=[article_id]) + params.querystring())
    hits, _ = results.article_matches(article_id, params)
    shown = request.GET.get("shown", "")  # the hit already on the page: "N more" lists the N others
    hits = [hit for hit in hits if str(hit.paragraph_id) != shown]
    return render(request, "search/_matches.html", {"hits": hits, "article_id": article_id})


@require_GET
@vary_on_headers("HX-Request")
def paragraph_context(request: HtmxHttpRequest, paragraph_id: int) -> HttpResponse:
    paragraph = get_object_or_404(Paragraph, pk=paragraph_id, is_boilerplate=False)
    if not _fragment_requested(request):
        url = reverse("search:article", args=[paragraph.article_id]) + read_params(request.GET).querystring()
        return HttpResponseRedirect(f"{url}#p-{paragraph.position}")
    return render(request, "search/_context.html", pages.context_around(paragraph, read_params(request.GET)))


def _export(request: HttpRequest, stream: Callable[..., Iterator[str]], content_type: str, filename: str) -> HttpResponseBase:
    """Match first, then stream: a refused query gets its message (400) before any byte of the file.

    Anonymous exports stop at ``SEARCH_EXPORT_ANONYMOUS_ROWS`` (a whole-archive export holds a worker
    for seconds); the ``X-Export-Limit`` header says so, and signed-in users get every row.
    """
    params = read_params(request.GET)
    try:
        found = results.matches(params)
    except results.QueryError as exc:
        return _refused(str(exc))
    limit = None if request.user.is_authenticated else settings.SEARCH_EXPORT_ANONYMOUS_ROWS
    response = StreamingHttpResponse(stream(found, limit=limit), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if limit is not None and found.total_paragraphs > limit:
        response["X-Export-Limit"] = f"{limit} of {found.total_paragraphs} paragraphs; sign in to export all"
    return response


@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    return _export(request, export.csv_rows, "text/csv; charset=utf-8", "search-results.csv")


@require_GET
def export_json(request: HttpRequest) -> HttpResponseBase:
    return _export(request, export.json_chunks, "application/json", "search-results.json")


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The search's latest paragraphs as Atom (the page's parameters); a refused query gets its message."""
    return _atom(request, read_params(request.GET))


@require_GET
def saved_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A saved search's private feed: the link is the credential (public even behind a login)."""
    return _atom(request, alerts.params_of(get_object_or_404(SavedSearch, feed_token=token)))


def _atom(request: HttpRequest, params: SearchParams) -> HttpResponse:
    try:
        body = alerts.atom_feed(params, request)
    except results.QueryError as exc:
        return _refused(str(exc))
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@login_required
@require_GET
def saved_searches(request: HttpRequest) -> HttpResponse:
    return render(request, "search/saved.html", {"saved": alerts.saved_searches(request.user)})  # type: ignore[arg-type]  # login_required: a user


@login_required
@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    if len(query) > SavedSearch.QUERY_CHARS:
        return _refused("This search is too long to save.")
    alerts.save(request.user, query, clean_text(request.POST.get("name", "")))  # type: ignore[arg-type]  # login_required: a user
    return HttpResponseRedirect(reverse("search:saved"))


@login_required
@require_GET
def open_saved(request: HttpRequest, saved_id: int) -> HttpResponse:
    """A saved search opened: marked as seen now, and shown."""
    return HttpResponseRedirect(alerts.opened(get_object_or_404(SavedSearch, pk=saved_id, user_id=request.user.pk)))


@login_required
@require_POST
def delete_saved(request: HttpRequest, saved_id: int) -> HttpResponse:
    get_object_or_404(SavedSearch, pk=saved_id, user_id=request.user.pk).delete()
    return HttpResponseRedirect(reverse("search:saved"))


@login_required
@require_http_methods(["GET", "POST"])
def batches(request: HttpRequest) -> HttpResponse:
    """A user's batch searches, and the form for a new one (a pasted list or a CSV file)."""
    error = ""
    if request.method == "POST":
        try:
            job = batch.submit(request.user, request.POST, request.FILES)  # type: ignore[arg-type]  # login_required: a user
        except batch.BatchError as exc:
            error = str(exc)
        else:
            batch.wake_runner()
            return HttpResponseRedirect(reverse("search:batch", args=[job.pk]))
    batch.wake_runner()  # a job a restart left waiting goes on
    context = {
        "jobs": BatchJob.objects.filter(user=request.user),  # type: ignore[misc]  # login_required: a user
        "error": error,
        "form": request.POST if error else {},
        "filters": request.GET.urlencode() if request.method == "GET" else request.POST.get("filters", ""),
        "kinds": BatchJob.KINDS,
        "max_lines": BatchJob.MAX_LINES,
    }
    return render(request, "search/batches.html", context, status=400 if error else 200)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def batch_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """A batch's progress, and its lines with their counts, a hundred a page."""
    job = get_object_or_404(BatchJob, pk=job_id, user_id=request.user.pk)
    batch.wake_runner()
    lines = Paginator(job.lines.order_by("position"), batch.LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "lines": lines,
        "rows": batch.line_rows(job, lines),
        "filters": batch.describe_filters(job),
        "progress": batch.progress(job),
    }
    return render(request, "search/_batch_progress.html" if _fragment_requested(request) else "search/batch.html", context)


@login_required
@require_GET
def batch_download(request: HttpRequest, job_id: int, table: str, fmt: str) -> StreamingHttpResponse:
    """A batch's table (line × source × month) or its paragraphs, streamed as CSV or JSON."""
    job = get_object_or_404(BatchJob, pk=job_id, user_id=request.user.pk)
    rows, fields = (batch.table_rows(job), batch.TABLE_FIELDS) if table == "table" else (batch.paragraph_rows(job), batch.PARAGRAPH_FIELDS)
    body = export.csv_lines(rows, fields) if fmt == "csv" else export.json_lines(rows)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json")
    response["Content-Disposition"] = f'attachment; filename="batch-{job.pk}-{table}.{fmt}"'
    return response


@login_required
@require_POST
def delete_batch(request: HttpRequest, job_id: int) -> HttpResponse:
    get_object_or_404(BatchJob, pk=job_id, user_id=request.user.pk).delete()
    return HttpResponseRedirect(reverse("search:batches"))
