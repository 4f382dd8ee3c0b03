"""Alerts without email: every search as an Atom feed of the paragraphs added to the archive last
(``/feed.atom?…`` with the search page's parameters), and the saved searches of a signed-in user, each
with how many of its paragraphs are new since they last opened it.

"New" means stored after: article ids grow with every article stored, so a search's paragraphs of
articles with a larger id than the newest one a user had seen are new to them, whatever the
articles' own dates (an archive loaded with last year's stories has new paragraphs too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Max
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from search.engine.search import QueryError
from search.models import Article, SavedSearch
from search.web import results
from search.web.facets import read_params
from search.web.params import SearchParams

FEED_ENTRIES = 50


def describe(params: SearchParams) -> str:
    """A search in a line: its words and its filters ("“putin” · person: vladimir-putin")."""
    parts = [f"“{params.q}”"] if params.q else []
    parts += [f"{name}: {', '.join(values)}" for name, values in params.filters if values]
    return " · ".join(parts) or "everything"


def atom_feed(params: SearchParams, request: HttpRequest) -> str:
    """The Atom document of a search's latest paragraphs; raises ``QueryError`` for a refused query."""
    hits = results.matches(params).latest_added(FEED_ENTRIES)
    stored = dict(Article.objects.filter(id__in={hit.article_id for hit in hits}).values_list("id", "ingested_at"))
    state = params.querystring()
    feed = Atom1Feed(
        title=f"News archive: {describe(params)}",
        link=request.build_absolute_uri(reverse("search:search") + state),
        description="The paragraphs matching this search that were added to the archive last.",
        feed_url=request.build_absolute_uri(),
        feed_guid=request.build_absolute_uri(reverse("search:feed") + state),
        author_name="News archive search",
        language="en",
    )
    for hit in hits:
        article_url = reverse("search:article", args=[hit.article_id]) + state + f"#p-{hit.position}"
        feed.add_item(
            title=f"{hit.title or 'Untitled'} ({hit.source})" if hit.source else hit.title or "Untitled",
            link=request.build_absolute_uri(article_url),
            description=hit.snippet,  # HTML, escaped by the highlighter: the matching words marked
            unique_id=request.build_absolute_uri(reverse("search:paragraph_context", args=[hit.paragraph_id])),
            unique_id_is_permalink=False,
            updateddate=stored.get(hit.article_id) or timezone.now(),
            pubdate=_midnight(hit.published),
            author_name=hit.source or "unknown source",
        )
    return feed.writeString("utf-8")


def _midnight(day: str) -> dt.datetime | None:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=dt.UTC) if day else None


@dataclass(frozen=True)
class Saved:
    """A saved search as its page lists it."""

    search: SavedSearch
    new: int | None  # paragraphs stored since the user last opened it; None when the query is refused now
    error: str = ""

    @property
    def url(self) -> str:
        return reverse("search:open_saved", args=[self.search.pk])

    @property
    def feed_url(self) -> str:
        """The private feed: works without a login, for whoever has the link."""
        return reverse("search:saved_feed", args=[self.search.feed_token])


def newest_article_id() -> int:
    return int(Article.objects.aggregate(newest=Max("id"))["newest"] or 0)


def saved_searches(user: User) -> list[Saved]:
    """The user's saved searches, each with how many of its paragraphs are new to them."""
    listed = []
    for search in SavedSearch.objects.filter(user=user):
        try:
            new = results.matches(params_of(search)).count_added_after(search.seen_article_id)
        except QueryError as exc:
            listed.append(Saved(search, None, str(exc)))
            continue
        listed.append(Saved(search, new))
    return listed


def params_of(search: SavedSearch) -> SearchParams:
    return read_params(QueryDict(search.query))


def save(user: User, query: str, name: str) -> SavedSearch:
    """Keep this search state (a query string) for the user, as seen now; saving it again renames it."""
    state = read_params(QueryDict(query.lstrip("?")))
    query = state.querystring().lstrip("?")  # the page's own form of the state: the same search saved once
    search, _ = SavedSearch.objects.update_or_create(
        user=user,
        query=query,
        defaults={"name": (name.strip() or describe(state))[:200], "seen_article_id": newest_article_id(), "seen_at": timezone.now()},
    )
    return search


def opened(search: SavedSearch) -> str:
    """Mark a saved search as seen now and answer the search page's URL."""
    SavedSearch.objects.filter(pk=search.pk).update(seen_article_id=newest_article_id(), seen_at=timezone.now())
    return reverse("search:search") + "?" + search.query
