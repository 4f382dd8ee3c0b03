"""Security headers the app can promise because it has no inline scripts and loads nothing from elsewhere."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RequireLoginMiddleware:
    """With SEARCH_REQUIRE_LOGIN, every page but the admin's own, static files and saved searches' private
    feeds (``/feeds/<secret>.atom``: a feed reader cannot sign in, the secret link is the credential)
    needs a login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SEARCH_REQUIRE_LOGIN and not request.user.is_authenticated and not _public(request.path):
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return self.get_response(request)


def _public(path: str) -> bool:
    return path.startswith(("/admin/", "/feeds/", "/" + settings.STATIC_URL.lstrip("/")))
