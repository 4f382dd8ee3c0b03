"""Hostile input at the search view: random query strings and URL parameters never give a server
error, and always get an answer in bounded time (a generous bound: it catches runaway expansions,
not speed, which `make bench` measures)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PARAMS = ["q", "person", "source", "from", "to", "sort", "page", "undated", "append", "filter", "unknown"]
ODD = st.sampled_from(["", "*", "?", "~", '"', "(", ")", ":", "[", "]", "\x00", "\u202e", "𝕏", "a" * 600, "date:[", "person:", "like:"])
TEXT = st.one_of(st.text(max_size=80), ODD, st.lists(ODD, max_size=6).map("".join))
BOUND_SECONDS = 10


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=8), htmx=st.booleans())
def test_search_never_fails(client: Client, seed_article: None, pairs: list[tuple[str, str]], htmx: bool) -> None:
    started = time.monotonic()
    response = client.get("/?" + urlencode(pairs), headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    assert time.monotonic() - started < BOUND_SECONDS


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=5), path=st.sampled_from(["/export.json", "/facets/person/"]))
def test_other_pages_never_fail(client: Client, seed_article: None, pairs: list[tuple[str, str]], path: str) -> None:
    response = client.get(path + "?" + urlencode(pairs))
    assert response.status_code == 200
    if path == "/export.json":
        b"".join(response.streaming_content)


def test_search_page_never_writes(client: Client, seed_article: None) -> None:
    assert client.post("/", {"q": "x"}).status_code == 405
