from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "News search"

    def ready(self) -> None:
        from search import matching, signals  # noqa: F401, PLC0415 - importing signals connects its receivers

        matching.postings_cache.max_bytes = settings.SEARCH_POSTINGS_CACHE_MB * 2**20
