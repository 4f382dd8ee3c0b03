"""Curation in the Django admin. Rules live in ``actions`` and ``search.ingest.repeats``; every change
that affects search is queued in the outbox in its own transaction and applied right after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from search.curation import actions as curation
from search.curation import suggestions
from search.engine import background, index
from search.ingest import learned, repeats
from search.models import Alias, Article, BoilerplateRule, IndexOutbox, Mention, Paragraph, Person, Source


def _done(modeladmin: admin.ModelAdmin, request: HttpRequest, objects: Sequence[Model], what: str, touched: int) -> None:
    """Apply the queued index update (after the response, or at once: search.engine.background), log
    the action on each object, and tell the curator."""
    for obj in objects:
        modeladmin.log_change(request, obj, what)
    if background.applied_in_background():
        background.apply_soon()
        modeladmin.message_user(request, f"{what}: {touched} paragraph(s) queued; search updates them in a moment.", messages.SUCCESS)
        return
    problem = index.try_apply_pending()
    if problem:
        modeladmin.message_user(request, f"{what}: saved, but search is not updated yet. {problem}", messages.WARNING)
        return
    modeladmin.message_user(request, f"{what}: {touched} paragraph(s) updated in search.", messages.SUCCESS)


def _merge_into_largest(
    modeladmin: admin.ModelAdmin, request: HttpRequest, ordered: QuerySet[Any], merge: Callable[[Any, list[Any]], int], *, noun: str
) -> None:
    """Merge the selected rows into the first of ``ordered`` (the one with most articles or mentions)."""
    rows = list(ordered)
    if len(rows) < 2:
        modeladmin.message_user(request, f"Select at least two {noun} to merge.", messages.WARNING)
        return
    target, others = rows[0], rows[1:]
    touched = merge(target, others)
    _done(modeladmin, request, [target], f"Merged {', '.join(o.name for o in others)} into {target.name}", touched)


def _apply_after_commit() -> None:
    background.apply_soon()


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "article_count", "set_aside", "merged_into"]
    list_filter = [("merged_into", admin.EmptyFieldListFilter)]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_sources", "undo_merge"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, obj: Source) -> int:
        return obj.article_count  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="boilerplate")
    def set_aside(self, obj: Source) -> str:
        """Links to what was set aside in this source (with the layer and reason of each) and to what the
        learned layer takes for likely boilerplate among what was kept: both to correct in a few clicks."""
        url = reverse("admin:search_paragraph_changelist") + f"?article__source__id__exact={obj.pk}&is_boilerplate__exact=1"
        likely = reverse("admin:search_source_likely_boilerplate", args=[obj.pk])
        return format_html('<a href="{}">set aside, and why</a> · <a href="{}">likely, still kept</a>', url, likely)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.likely_boilerplate_view)
        return [path("<int:source_id>/likely-boilerplate/", view, name="search_source_likely_boilerplate"), *super().get_urls()]

    def likely_boilerplate_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        """Kept paragraphs of a source the learned layer scores highest; setting aside or keeping them is a
        curator's decision, and a label for the next fit (docs/BOILERPLATE.md)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = get_object_or_404(Source, pk=source_id)
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            chosen = Paragraph.objects.filter(id__in=request.POST.getlist("paragraph"), article__source=source)
            value = request.POST.get("answer") == "aside"
            _done(self, request, list(chosen), "Set aside" if value else "Kept", curation.set_boilerplate(chosen, value=value))
            return HttpResponseRedirect(request.path)
        found = learned.likely_boilerplate(source)
        by_id = Paragraph.objects.select_related("article").in_bulk([paragraph_id for paragraph_id, _, _ in found])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Likely boilerplate in {source.name}",
            "opts": self.model._meta,
            "source": source,
            "model": learned.current_model(),
            "likely": [(by_id[i], score, why) for i, score, why in found if i in by_id],
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/search/source/likely_boilerplate.html", context)

    @admin.action(description="Merge selected sources into the one with most articles", permissions=["change"])
    def merge_sources(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        _merge_into_largest(self, request, queryset.order_by("-article_count", "pk"), curation.merge_sources, noun="sources")  # type: ignore[misc]  # annotated in get_queryset

    @admin.action(description="Undo the merge of the selected sources", permissions=["change"])
    def undo_merge(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in list(queryset.filter(merged_into__isnull=False)):
            _done(self, request, [source], f"Restored {source.name}", curation.unmerge_source(source))


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "mention_count", "not_a_person"]
    list_filter = ["not_a_person"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["sample_paragraphs"]
    inlines = [AliasInline]
    actions = ["merge_persons", "mark_not_a_person", "mark_a_person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).annotate(mention_count=Count("mentions"))

    @admin.display(ordering="mention_count", description="mentions")
    def mention_count(self, obj: Person) -> int:
        return obj.mention_count  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="sample paragraphs")
    def sample_paragraphs(self, obj: Person) -> str:
        paragraphs = Paragraph.objects.filter(mentions__person=obj).distinct().select_related("article")[:5]
        return format_html_join("", "<p>{} <small>({})</small></p>", ((p.text[:300], p.article) for p in paragraphs)) or "—"

    def save_model(self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool) -> None:
        if "name" in form.changed_data:
            obj.name_curated = True  # a name the curator typed: ingest no longer renames it to the most used form
        super().save_model(request, obj, form, change)
        index.queue_articles(set(Paragraph.objects.filter(mentions__person=obj).values_list("article_id", flat=True)))
        _apply_after_commit()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: object, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _apply_after_commit()

    @admin.action(description="Merge selected persons into the one with most mentions", permissions=["change"])
    def merge_persons(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        _merge_into_largest(self, request, queryset.order_by("-mention_count", "pk"), curation.merge_persons, noun="persons")  # type: ignore[misc]  # annotated in get_queryset

    @admin.action(description="Mark as not a person (mentions stop counting)", permissions=["change"])
    def mark_not_a_person(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        objects = list(queryset)
        _done(self, request, objects, "Marked not a person", curation.set_not_a_person(queryset, value=True))

    @admin.action(description="Mark as a person again", permissions=["change"])
    def mark_a_person(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        objects = list(queryset)
        _done(self, request, objects, "Marked a person", curation.set_not_a_person(queryset, value=False))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.merge_suggestions_view)
        return [path("merge-suggestions/", view, name="search_person_merge_suggestions"), *super().get_urls()]

    def merge_suggestions_view(self, request: HttpRequest) -> HttpResponse:
        """Pairs likely to be one human, with the evidence; accept merges them, reject remembers the answer."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._answer_suggestion(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge suggestions",
            "opts": self.model._meta,
            "suggestions": suggestions.merge_suggestions(),
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/search/person/merge_suggestions.html", context)

    def _answer_suggestion(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        keep = get_object_or_404(Person, pk=request.POST.get("keep"))
        other = get_object_or_404(Person, pk=request.POST.get("other"))
        if request.POST.get("answer") == "merge":
            _done(self, request, [keep], f"Merged {other.name} into {keep.name}", curation.merge_persons(keep, [other]))
        else:
            suggestions.reject(keep, other)
            self.message_user(request, f"{keep.name} and {other.name} are two persons: they will not be suggested again.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:search_person_merge_suggestions"))


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "person"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]
    actions = ["split_off"]

    @admin.action(description="Split off into a person of its own", permissions=["change"])
    def split_off(self, request: HttpRequest, queryset: QuerySet[Alias]) -> None:
        for alias in list(queryset):
            person, touched = curation.split_alias(alias)
            _done(self, request, [person], f"Split {person.name} off", touched)


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ["position", "text", "is_boilerplate", "boilerplate_reason"]
    readonly_fields = ["position", "text", "boilerplate_reason"]
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
    actions = ["reindex_selected", "rerun_extraction"]

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: forms.BaseModelFormSet, change: bool) -> None:
        """A flag changed here is a curator's decision: it outlives re-ingest, like the list actions'."""
        for paragraph_form in formset.forms:
            if "is_boilerplate" in paragraph_form.changed_data:
                paragraph = paragraph_form.instance
                paragraph.boilerplate_reason = Paragraph.CURATED_ASIDE if paragraph.is_boilerplate else Paragraph.CURATED_KEPT
        super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: object, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        index.queue_articles([form.instance.pk])
        _apply_after_commit()

    # Deleting articles needs nothing here: search.signals queues their removal from the index for any delete.

    @admin.action(description="Rewrite selected articles in the search index", permissions=["change"])
    def reindex_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        objects = list(queryset)
        index.queue_articles(a.pk for a in objects)
        touched = Paragraph.objects.filter(article__in=objects, is_boilerplate=False).count()
        _done(self, request, objects, "Rewritten in the index", touched)

    @admin.action(description="Re-run extraction (paragraphs, boilerplate, persons)", permissions=["change"])
    def rerun_extraction(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        objects = list(queryset)
        _done(self, request, objects, "Extraction re-run", curation.rerun_extraction(queryset))


class QueuesItsArticles(admin.ModelAdmin):
    """Saving or deleting rows of this model (paragraphs, mentions) changes what its articles index:
    each save and delete queues those articles in the same transaction and applies them after commit."""

    def article_ids(self, objects: Iterable[Any]) -> set[int]:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        previous = self.article_ids(type(obj).objects.filter(pk=obj.pk)) if obj.pk else set()  # a mention moved elsewhere
        super().save_model(request, obj, form, change)
        index.queue_articles(previous | self.article_ids([obj]))
        _apply_after_commit()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        articles = self.article_ids([obj])
        super().delete_model(request, obj)
        index.queue_articles(articles)
        _apply_after_commit()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        articles = self.article_ids(queryset)
        super().delete_queryset(request, queryset)
        index.queue_articles(articles)
        _apply_after_commit()


class LayerFilter(admin.SimpleListFilter):
    """Which boilerplate layer set a paragraph aside (search/ingest/learned.py LAYERS; docs/BOILERPLATE.md)."""

    title = "set aside by"
    parameter_name = "layer"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(layer, layer) for layer in learned.LAYERS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(learned.reasons_of_layer(value)) if value in learned.LAYERS else queryset


class InlineCutFilter(admin.SimpleListFilter):
    """Paragraphs whose source's inline furniture was cut from the text (search/ingest/inline.py)."""

    title = "inline furniture"
    parameter_name = "cut"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "cut from the text"), ("no", "none")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(raw="")
        return queryset.filter(raw="") if self.value() == "no" else queryset


@admin.register(Paragraph)
class ParagraphAdmin(QueuesItsArticles):
    list_display = ["__str__", "article", "is_boilerplate", "layer", "boilerplate_reason"]
    list_filter = ["is_boilerplate", LayerFilter, InlineCutFilter, "article__source"]
    search_fields = ["text", "raw"]
    readonly_fields = ["raw"]
    list_select_related = ["article"]
    raw_id_fields = ["article"]
    actions = ["mark_boilerplate", "mark_kept"]

    def article_ids(self, objects: Iterable[Paragraph]) -> set[int]:
        return {paragraph.article_id for paragraph in objects}

    @admin.display(description="set aside by")
    def layer(self, obj: Paragraph) -> str:
        return learned.layer_of(obj.boilerplate_reason, by_rule=obj.rule_id is not None)

    @admin.action(description="Set aside as boilerplate", permissions=["change"])
    def mark_boilerplate(self, request: HttpRequest, queryset: QuerySet[Paragraph]) -> None:
        objects = list(queryset)
        _done(self, request, objects, "Set aside as boilerplate", curation.set_boilerplate(queryset, value=True))

    @admin.action(description="Keep (not boilerplate)", permissions=["change"])
    def mark_kept(self, request: HttpRequest, queryset: QuerySet[Paragraph]) -> None:
        objects = list(queryset)
        _done(self, request, objects, "Kept", curation.set_boilerplate(queryset, value=False))


class BoilerplateRuleForm(forms.ModelForm):
    preview = ""  # set by clean() until the curator confirms
    confirm = forms.BooleanField(required=False, label="Apply to the paragraphs shown in the preview")

    class Meta:
        model = BoilerplateRule
        fields = ["source", "pattern", "is_regex", "reason"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        problem = repeats.validate_rule(str(data.get("pattern") or ""), is_regex=bool(data.get("is_regex")))
        if problem:
            raise forms.ValidationError(problem)
        if not data.get("confirm"):
            rule = BoilerplateRule(source=data.get("source"), pattern=str(data.get("pattern") or ""), is_regex=bool(data.get("is_regex")))
            matches = repeats.rule_matches(rule)
            shown = Paragraph.objects.filter(id__in=matches[:5])
            samples = format_html_join("", "<li>{}</li>", ((p.text[:200],) for p in shown))
            text = "This rule catches {} paragraph(s).<ul>{}</ul>Tick “Apply” and save to apply it."
            self.preview = format_html(text, len(matches), samples)
            raise forms.ValidationError(self.preview, code="preview")  # not saved yet; shown as a preview, not an error
        return data


@admin.register(BoilerplateRule)
class BoilerplateRuleAdmin(admin.ModelAdmin):
    form = BoilerplateRuleForm
    list_display = ["pattern", "source", "is_regex", "reason", "created_at"]
    list_filter = ["source", "is_regex"]
    change_form_template = "admin/search/boilerplaterule/change_form.html"

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        """A rule's preview is a step, not an error: shown as such, without "Please correct the error below"."""
        form = context["adminform"].form
        if form.preview and list(form.errors) == [NON_FIELD_ERRORS]:
            context.update(preview=form.preview, errors=[])
            del form.errors[NON_FIELD_ERRORS]
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: BoilerplateRule, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        touched = curation.apply_rule(obj)
        _apply_after_commit()
        self.message_user(request, f"Rule applied: {touched} paragraph(s) set aside as boilerplate.", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: BoilerplateRule) -> None:
        touched = curation.remove_rule(obj)
        _apply_after_commit()
        self.message_user(request, f"Rule removed: {touched} paragraph(s) kept again.", messages.SUCCESS)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BoilerplateRule]) -> None:
        touched = sum(curation.remove_rule(rule) for rule in list(queryset))
        _apply_after_commit()
        self.message_user(request, f"Rules removed: {touched} paragraph(s) kept again.", messages.SUCCESS)


@admin.register(Mention)
class MentionAdmin(QueuesItsArticles):
    list_display = ["text", "person", "speaker", "paragraph"]
    list_filter = ["speaker"]  # a wrong speaker is corrected here, and search follows (speaker:)
    search_fields = ["text", "person__name"]
    raw_id_fields = ["paragraph", "person"]

    def article_ids(self, objects: Iterable[Mention]) -> set[int]:
        return set(Paragraph.objects.filter(id__in={mention.paragraph_id for mention in objects}).values_list("article_id", flat=True))


@admin.register(IndexOutbox)
class IndexOutboxAdmin(admin.ModelAdmin):
    list_display = ["article_id", "queued_at"]

    # Pending updates are the outbox's promise that search gets every change: nobody adds, edits or
    # deletes them by hand (a deleted row is a change search never sees). They can be looked at.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
