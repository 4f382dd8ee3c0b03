from __future__ import annotations

from django.http import HttpRequest

from search.models import Source


def attributions(request: HttpRequest) -> dict[str, object]:
    """Licence credits of the sources whose articles are loaded (e.g. the Wikinews demo corpus)."""
    return {"attributions": lambda: list(Source.objects.exclude(notice="").filter(articles__isnull=False).distinct())}
