"""Boilerplate that needs more than one article: curated rules per source, and repetition.

Layer 1 (heuristics on one article's text) lives in ``extract``; these two layers need the database.
"""

from __future__ import annotations

import math
import re

from django.db.models import Count, QuerySet

from search.models import Article, BoilerplateRule, Paragraph

REPEATED_REASON = "repeated in source"
# A paragraph in at least 3 articles of one source, and in 5 % of them or 20 articles, is that
# source's boilerplate. The share keeps a series' repeated interview questions (5 of 336 Wikinews
# articles) in search; the absolute count catches a big outlet's footer early.
REPEAT_ARTICLES = 3
REPEAT_SHARE = 0.05
REPEAT_ENOUGH = 20
REPEAT_MAX_WORDS = 40  # longer repeats are more likely a re-published story than boilerplate


def rule_matches(rule: BoilerplateRule) -> QuerySet[Paragraph]:
    """The kept paragraphs a rule would set aside (the preview before saving)."""
    paragraphs = Paragraph.objects.filter(is_boilerplate=False).exclude(boilerplate_reason=Paragraph.CURATED_KEPT)
    if rule.source_id:
        paragraphs = paragraphs.filter(article__source_id=rule.source_id)
    if rule.is_regex:
        return paragraphs.filter(text__regex=rule.pattern)
    return paragraphs.filter(text=rule.pattern.strip())


def validate_rule(pattern: str, *, is_regex: bool) -> str:
    """An error message for a pattern that cannot be a rule, or ''."""
    if not pattern.strip():
        return "The pattern is empty."
    if is_regex:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            return f"Not a regular expression: {exc}."
        if compiled.search(""):
            return "This expression matches every paragraph."
    return ""


def apply_article_rules(article: Article) -> int:
    """Curated rules of the article's source, and of all sources, over its kept paragraphs."""
    touched = 0
    for rule in BoilerplateRule.objects.filter(source__isnull=True) | BoilerplateRule.objects.filter(source_id=article.source_id):
        touched += rule_matches(rule).filter(article=article).update(is_boilerplate=True, boilerplate_reason=rule.reason[:100])
    return touched


def mark_repeated(article: Article) -> set[int]:
    """Short paragraphs of this article that recur in other articles of its source become boilerplate
    everywhere in that source, also in articles ingested before; returns the articles changed."""
    if article.source_id is None:
        return set()
    hashes = [
        h
        for h, text in article.paragraphs.filter(is_boilerplate=False).values_list("text_hash", "text")
        if len(text.split()) <= REPEAT_MAX_WORDS
    ]
    if not hashes:
        return set()
    same_source = Paragraph.objects.filter(article__source_id=article.source_id, text_hash__in=hashes)
    articles = Article.objects.filter(source_id=article.source_id).count()
    needed = max(REPEAT_ARTICLES, min(REPEAT_ENOUGH, math.ceil(articles * REPEAT_SHARE)))
    counts = same_source.values("text_hash").annotate(n=Count("article_id", distinct=True))
    repeated = [row["text_hash"] for row in counts if row["n"] >= needed]
    if not repeated:
        return set()
    targets = same_source.filter(text_hash__in=repeated, is_boilerplate=False).exclude(boilerplate_reason=Paragraph.CURATED_KEPT)
    changed = set(targets.values_list("article_id", flat=True))
    targets.update(is_boilerplate=True, boilerplate_reason=REPEATED_REASON)
    return changed
