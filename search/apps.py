from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "News search"

    def ready(self) -> None:
        from search import signals  # noqa: F401, PLC0415 - importing signals connects its receivers
        from search.curation import admin  # noqa: F401, PLC0415 - registers the curation admin (not in search/admin.py)
        from search.engine import _whoosh, matching  # noqa: PLC0415 - the apps must be ready before models are imported

        _whoosh.check_version()
        _whoosh.cache_missing_columns()
        matching.postings_cache.max_bytes = settings.SEARCH_POSTINGS_CACHE_MB * 2**20
