"""Admin for browsing and first curation. Every change that affects search goes through the outbox."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from search import index
from search.models import Alias, Article, IndexOutbox, Mention, Paragraph, Person, Source


def _reindex(request: HttpRequest, article_ids: list[int], modeladmin: admin.ModelAdmin) -> None:
    index.apply_pending()
    modeladmin.message_user(request, f"{len(set(article_ids))} article(s) updated in search.", messages.SUCCESS)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "slug"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline]


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "person"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ["position", "text", "is_boilerplate", "boilerplate_reason"]
    readonly_fields = ["position", "text", "is_boilerplate", "boilerplate_reason"]
    extra = 0
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published", "ingested_at"]
    list_filter = ["source", "published"]
    search_fields = ["title", "url"]
    date_hierarchy = "published"
    readonly_fields = ["key", "content_hash", "raw_text", "ingested_at"]
    inlines = [ParagraphInline]
    actions = ["reindex_selected"]

    def save_model(self, request: HttpRequest, obj: Article, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        index.queue_articles([obj.pk])
        transaction.on_commit(index.apply_pending)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        article_id = obj.pk
        super().delete_model(request, obj)
        index.queue_articles([article_id])
        transaction.on_commit(index.apply_pending)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        article_ids = list(queryset.values_list("id", flat=True))
        super().delete_queryset(request, queryset)
        index.queue_articles(article_ids)
        transaction.on_commit(index.apply_pending)

    @admin.action(description="Rewrite selected articles in the search index")
    def reindex_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        article_ids = list(queryset.values_list("id", flat=True))
        index.queue_articles(article_ids)
        transaction.on_commit(lambda: _reindex(request, article_ids, self))


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "is_boilerplate", "boilerplate_reason"]
    list_filter = ["is_boilerplate", "boilerplate_reason", "article__source"]
    search_fields = ["text"]
    list_select_related = ["article"]
    raw_id_fields = ["article"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "person", "paragraph"]
    search_fields = ["text", "person__name"]
    raw_id_fields = ["paragraph", "person"]


@admin.register(IndexOutbox)
class IndexOutboxAdmin(admin.ModelAdmin):
    list_display = ["article_id", "queued_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
