"""Contexts for the pages around the search: an article, a paragraph's neighbours."""

from __future__ import annotations

from django.urls import reverse

from search.engine import highlight
from search.models import Article, Mention, Paragraph, Person
from search.web import facets, results
from search.web.params import SearchParams


def article_context(article: Article, params: SearchParams) -> dict[str, object]:
    """The article's kept paragraphs, those the search selects marked and highlighted, and its persons."""
    paragraphs = list(article.paragraphs.filter(is_boilerplate=False).order_by("position"))
    matches: set[int] = set()
    terms: frozenset[str] = frozenset()
    if params.q or params.has_filters:
        hits, terms = results.article_matches(article.pk, params)
        matches = {hit.paragraph_id for hit in hits}
    persons = (
        Person.objects.filter(mentions__paragraph__article=article, mentions__paragraph__is_boilerplate=False).distinct().order_by("name")
    )
    return {
        "article": article,
        "paragraphs": [
            {"paragraph": p, "html": highlight.snippet(p.text, terms, whole=True), "matched": p.pk in matches} for p in paragraphs
        ],
        "match_count": len(matches),
        "persons": [
            {"person": person, "url": SearchParams().querystring(changes={facets.PERSON.params[0]: (person.slug,)})} for person in persons
        ],
        "back_url": params.querystring(),
        "here": reverse("search:article", args=[article.pk]) + params.querystring(),  # each paragraph's link keeps the marks
    }


def context_around(paragraph: Paragraph, params: SearchParams) -> dict[str, object]:
    """The kept paragraphs just before and after one hit."""
    siblings = Paragraph.objects.filter(article_id=paragraph.article_id, is_boilerplate=False)
    before = siblings.filter(position__lt=paragraph.position).order_by("-position").first()
    after = siblings.filter(position__gt=paragraph.position).order_by("position").first()
    terms = results.highlight_terms(params)
    return {
        "paragraph": paragraph,
        "before": before and {"paragraph": before, "html": highlight.snippet(before.text, terms, whole=True)},
        "after": after and {"paragraph": after, "html": highlight.snippet(after.text, terms, whole=True)},
        "current_html": highlight.snippet(paragraph.text, terms, whole=True),
    }


def persons_of_paragraphs(paragraph_ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """Each paragraph's persons, and those among them whose words it gives, by name in mention order."""
    names: dict[int, tuple[list[str], list[str]]] = {}
    mentions = Mention.objects.filter(paragraph_id__in=paragraph_ids).order_by("paragraph_id", "start")
    for paragraph_id, name, speaker in mentions.values_list("paragraph_id", "person__name", "speaker"):
        named, speaking = names.setdefault(paragraph_id, ([], []))
        for listed, include in ((named, True), (speaking, speaker)):
            if include and name not in listed:
                listed.append(name)
    return names
