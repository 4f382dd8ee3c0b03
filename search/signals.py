"""Deletes made anywhere (the admin, a shell, a script, a cascade) reach the index.

An article's removal is queued in the outbox in the deleting transaction and applied after it commits,
as every other change is (search/engine/index.py). Without this, only the admin queued removals, and an
article deleted from a shell stayed searchable until ``search_check --repair``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from search.engine import background, index
from search.models import Article


@receiver(post_delete, sender=Article, dispatch_uid="search.article_deleted")
def queue_article_removal(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    index.queue_articles([instance.pk])
    background.apply_soon()
