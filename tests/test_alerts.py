"""Alerts without email: a search's Atom feed, and saved searches that say what is new."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.test import Client

from search.models import Paragraph, SavedSearch, Source
from search.web import results
from search.web.facets import read_params

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client: Client, query: str) -> ET.Element:
    response = client.get("/feed.atom" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and parsed.version == "atom10"  # well-formed Atom 1.0 to a feed reader's parser
    return ET.fromstring(response.content)


def _required_elements(root: ET.Element) -> None:
    """What RFC 4287 requires of a feed and its entries (4.1.1, 4.1.2): id, title, updated, an author
    (the feed's stands for its entries'), a self link; per entry an alternate link, ids unique."""
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link"))
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}link").get("href", "").startswith("http://testserver/article/")  # type: ignore[union-attr]
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids))


def _paragraph_ids(root: ET.Element) -> list[int]:
    return [int((entry.findtext(f"{ATOM}id") or "").rstrip("/").split("/")[-2]) for entry in root.findall(f"{ATOM}entry")]


def _latest_matching(query: dict[str, str], size: int) -> list[int]:
    """The search's paragraphs, newest stored article first and in article order: from the database."""
    ids = set(results.paragraph_ids(read_params(query)))
    rows = Paragraph.objects.filter(id__in=ids).order_by("-article_id", "position").values_list("id", flat=True)
    return list(rows[:size])


def test_a_searchs_feed_is_atom_with_its_newest_paragraphs(demo_subset: Path, client: Client) -> None:
    root = _feed(client, "?q=said")
    _required_elements(root)
    want = _latest_matching({"q": "said"}, 50)
    assert len(want) == 50 and _paragraph_ids(root) == want
    assert root.findtext(f"{ATOM}title") == "News archive: “said”"
    summary = root.find(f"{ATOM}entry/{ATOM}summary")
    assert summary is not None and summary.get("type") == "html" and "<mark>said</mark>" in (summary.text or "").lower()


def test_a_filtered_feed_keeps_the_filter_and_a_refused_query_gets_its_message(demo_subset: Path, client: Client) -> None:
    source = Source.objects.filter(articles__isnull=False).first()
    assert source is not None
    root = _feed(client, f"?q=said&source={source.slug}")
    want = _latest_matching({"q": "said", "source": source.slug}, 50)
    assert want and _paragraph_ids(root) == want
    refused = client.get("/feed.atom?q=" + "a* " * 20)
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/plain")


def test_the_search_page_links_its_feed_and_offers_saving_only_to_signed_in_users(demo_subset: Path, client: Client) -> None:
    page = BeautifulSoup(client.get("/?q=said").content, "html.parser")
    assert page.select_one('link[rel="alternate"][type="application/atom+xml"]')["href"] == "/feed.atom?q=said"  # type: ignore[index]
    assert page.select_one("a[data-feed]")["href"] == "/feed.atom?q=said"  # type: ignore[index]
    assert page.select_one("form.save-search") is None
    client.force_login(User.objects.create_user("reader", password="pw-for-tests-only"))
    form = BeautifulSoup(client.get("/?q=said").content, "html.parser").select_one("form.save-search")
    assert form is not None and form.select_one('input[name="query"]')["value"] == "q=said"  # type: ignore[index]


def test_a_saved_search_counts_what_is_new_since_it_was_last_opened(
    demo_subset: Path, client: Client, store: Callable[..., object]
) -> None:
    reader = User.objects.create_user("reader", password="pw-for-tests-only")
    client.force_login(reader)
    assert client.post("/saved/new/", {"query": "q=ambassador", "name": "Envoys"}).url == "/saved/"  # type: ignore[attr-defined]
    saved = SavedSearch.objects.get(user=reader)
    listed = BeautifulSoup(client.get("/saved/").content, "html.parser")
    assert listed.select_one(f'[data-saved="{saved.pk}"] [data-new]')["data-new"] == "0"  # type: ignore[index]

    store("The ambassador said nothing.\n\nA second paragraph.\n\nThe ambassador left at noon.", title="Envoy")
    listed = BeautifulSoup(client.get("/saved/").content, "html.parser")
    assert listed.select_one(f'[data-saved="{saved.pk}"] [data-new]')["data-new"] == "2"  # type: ignore[index]
    assert "2 new paragraphs" in listed.get_text(" ", strip=True)

    opened = client.get(f"/saved/{saved.pk}/")
    assert opened.status_code == 302 and opened.url == "/?q=ambassador"  # type: ignore[attr-defined]
    listed = BeautifulSoup(client.get("/saved/").content, "html.parser")
    assert listed.select_one(f'[data-saved="{saved.pk}"] [data-new]')["data-new"] == "0"  # type: ignore[index]


def test_saved_searches_are_their_users_own(demo_subset: Path, client: Client) -> None:
    owner = User.objects.create_user("owner", password="pw-for-tests-only")
    saved = SavedSearch.objects.create(user=owner, name="Mine", query="q=said")
    assert client.get("/saved/").status_code == 302  # anonymous: to the login page
    client.force_login(User.objects.create_user("other", password="pw-for-tests-only"))
    assert "Mine" not in client.get("/saved/").content.decode()
    assert client.get(f"/saved/{saved.pk}/").status_code == 404
    assert client.post(f"/saved/{saved.pk}/delete/").status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    client.force_login(owner)
    assert client.post("/saved/new/", {"query": "q=said&page=3"}).status_code == 302  # the same search, saved once
    assert SavedSearch.objects.filter(user=owner).count() == 1
    client.post(f"/saved/{saved.pk}/delete/")
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def test_behind_a_login_a_saved_searchs_private_feed_is_its_link(demo_subset: Path, client: Client, settings: object) -> None:
    """With SEARCH_REQUIRE_LOGIN the public feed needs a login a feed reader cannot give; the saved
    search's private feed answers whoever has its secret link, and nothing for a wrong one."""
    settings.SEARCH_REQUIRE_LOGIN = True  # type: ignore[attr-defined]
    owner = User.objects.create_user("owner", password="pw-for-tests-only")
    saved = SavedSearch.objects.create(user=owner, name="Said", query="q=said")
    assert len(saved.feed_token) >= 40  # 32 random bytes
    assert client.get("/feed.atom?q=said").status_code == 302  # to the login page
    response = client.get(f"/feeds/{saved.feed_token}.atom")
    assert response.status_code == 200 and response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    _required_elements(root)
    assert _paragraph_ids(root) == _latest_matching({"q": "said"}, 50)
    assert client.get("/feeds/not-the-secret.atom").status_code == 404
    client.force_login(owner)
    listed = BeautifulSoup(client.get("/saved/").content, "html.parser")
    assert listed.select_one("a[data-private-feed]")["href"] == f"/feeds/{saved.feed_token}.atom"  # type: ignore[index]
