"""Who may do what (#16): logins are throttled, links are only http(s), anonymous exports are capped.
(Admin actions by role: tests/test_curation.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from search.models import Article

pytestmark = pytest.mark.django_db


def test_logins_are_locked_out_by_user_and_address_after_a_few_failures(client: Client) -> None:
    User.objects.create_user("ed", password="right-password-1", is_staff=True)
    wrong = {"username": "ed", "password": "wrong"}
    answers = [client.post("/admin/login/", wrong).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # the last failure locks the pair out
    locked = client.post("/admin/login/", {"username": "ed", "password": "right-password-1"})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")  # the same user from another address is not locked out
    assert elsewhere.post("/admin/login/", {"username": "ed", "password": "right-password-1"}).status_code == 302


UNSAFE = ["javascript:alert(1)", "JavaScript:alert(1)", " vbscript:msgbox(1)", "data:text/html,<b>x</b>", "//evil.example/x"]


@pytest.mark.parametrize("url", UNSAFE)
def test_only_web_links_are_stored_and_shown(client: Client, store: Callable[..., object], url: str) -> None:
    store("The harbour reopened on Monday.", url=url, title="Harbour")
    article = Article.objects.get()
    assert article.url == ""
    Article.objects.filter(pk=article.pk).update(url=url)  # a row stored before ingest checked
    page = client.get(f"/article/{article.pk}/").content.decode()
    assert "Original" not in page and "script:" not in page.lower() and "data:text" not in page


def test_a_web_link_is_kept(client: Client, store: Callable[..., object]) -> None:
    store("The harbour reopened on Monday.", url="https://example.org/harbour", title="Harbour")
    page = client.get(f"/article/{Article.objects.get().pk}/").content.decode()
    assert 'href="https://example.org/harbour"' in page


def test_anonymous_exports_stop_at_the_cap_and_say_so(client: Client, store: Callable[..., object], settings: object) -> None:
    settings.SEARCH_EXPORT_ANONYMOUS_ROWS = 2  # type: ignore[attr-defined]
    store("Rain one.\n\nRain two.\n\nRain three.")
    response = client.get("/export.csv?q=rain")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 2 and response["X-Export-Limit"].startswith("2 of 3 paragraphs")
    User.objects.create_user("ann", password="pw-for-tests-only")
    client.force_login(User.objects.get(username="ann"))
    response = client.get("/export.csv?q=rain")
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 1 + 3
    assert "X-Export-Limit" not in response
