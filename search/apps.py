from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "News search"

    def ready(self) -> None:
        from search import signals  # noqa: F401, PLC0415 - connects the receivers
