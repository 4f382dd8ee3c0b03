"""Boilerplate that needs more than one article: curated rules per source, and repetition.

Layer 1 (patterns and context on one article's text) lives in ``boilerplate``; these two need the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from search.ingest import inline
from search.ingest.features import recurrence_keys
from search.models import Article, BoilerplateRule, Paragraph, Source

T = TypeVar("T")
REPEATED_REASON = "repeated in source"
# A paragraph in at least 3 articles of one source, and in 5 % of them or 20 articles, is that
# source's boilerplate. The share keeps a series' repeated interview questions (5 of 336 Wikinews
# articles) in search; the absolute count catches a big outlet's footer early.
REPEAT_ARTICLES = 3
REPEAT_SHARE = 0.05
REPEAT_ENOUGH = 20
REPEAT_MAX_WORDS = 40  # longer repeats are more likely a re-published story than boilerplate


def rule_candidates(rule: BoilerplateRule) -> QuerySet[Paragraph]:
    """The kept paragraphs a rule looks at: its source's (or every source's), not kept by a curator."""
    paragraphs = Paragraph.objects.filter(is_boilerplate=False).exclude(boilerplate_reason=Paragraph.CURATED_KEPT)
    return paragraphs.filter(article__source_id=rule.source_id) if rule.source_id else paragraphs


def rule_matches(rule: BoilerplateRule, paragraphs: QuerySet[Paragraph] | None = None) -> list[int]:
    """Ids of the kept paragraphs a rule would set aside (among ``paragraphs``, else all it looks at).

    A regular expression is applied by Python's ``re``, the engine that validated it, never by the
    database: PostgreSQL's ``~`` is another dialect (``\\b`` is a backspace there), so the same rule
    would catch other paragraphs on each database. An exact text is compared by the database.
    """
    candidates = rule_candidates(rule) if paragraphs is None else paragraphs & rule_candidates(rule)
    if not rule.is_regex:
        return list(candidates.filter(text=rule.pattern.strip()).values_list("id", flat=True))
    compiled = re.compile(rule.pattern)
    rows = candidates.values_list("id", "text").iterator(chunk_size=5000)
    return [paragraph_id for paragraph_id, text in rows if compiled.search(text)]


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


def set_aside_by_rule(rule: BoilerplateRule, paragraph_ids: list[int]) -> int:
    """Mark these paragraphs as set aside by ``rule`` (its reason shown, the rule itself recorded)."""
    touched = 0
    for batch in batches(paragraph_ids):
        touched += Paragraph.objects.filter(id__in=batch).update(is_boilerplate=True, boilerplate_reason=rule.reason[:100], rule=rule)
    return touched


def apply_article_rules(article: Article) -> int:
    """Curated rules of the article's source, and of all sources, over its kept paragraphs."""
    touched = 0
    for rule in BoilerplateRule.objects.filter(Q(source__isnull=True) | Q(source=article.source)):
        touched += set_aside_by_rule(rule, rule_matches(rule, article.paragraphs.all()))
    return touched


def _needed(source_id: int) -> int:
    articles = Article.objects.filter(source_id=source_id).count()
    return max(REPEAT_ARTICLES, min(REPEAT_ENOUGH, math.ceil(articles * REPEAT_SHARE)))


def _set_aside(paragraphs: QuerySet[Paragraph]) -> set[int]:
    targets = paragraphs.filter(is_boilerplate=False).exclude(boilerplate_reason=Paragraph.CURATED_KEPT)
    changed = set(targets.values_list("article_id", flat=True))
    targets.update(is_boilerplate=True, boilerplate_reason=REPEATED_REASON)
    return changed


_SHORT_CHARS = 40 * REPEAT_MAX_WORDS  # no paragraph of REPEAT_MAX_WORDS words is longer (a cheap SQL pre-filter)


class SourceRepeats:
    """Layer 2 for a bulk ingest, in memory: for each source it has met, which articles each short
    paragraph text occurs in, read from the database the first time the source comes up.

    The one implementation of the rule: a bulk ingest keeps one for the whole run (a per-article GROUP
    BY over the paragraph table took a quarter of the ingest process's time on the whole AllSides
    corpus, py-spy); storing a single article uses a new one, which reads its source afresh.
    ``mark`` runs inside the article's transaction; ``settle`` records the article once it committed,
    so a rolled-back article is never counted. Articles another process stores meanwhile are counted
    from the next run on (the database stays the truth).
    """

    def __init__(self) -> None:
        self._seen: dict[int, dict[str, set[int]]] = {}  # source → short text hash → article ids
        self._keys: dict[int, dict[str, set[int]]] = {}  # source → features.recurrence_keys of short texts → article ids
        self._marked: dict[int, set[str]] = {}  # source → hashes set aside source-wide already
        self._of_article: dict[int, tuple[int, set[str], set[str]]] = {}  # article → (source, hashes, keys), as counted
        self._pending: tuple[int, int, set[str], set[str], set[str]] | None = None

    @property
    def sources(self) -> set[int]:
        """The sources this run has met."""
        return set(self._seen)

    def recurrences(self, article: Article, keys: list[str]) -> list[int]:
        """For each key (features.recurrence_keys, '' for none): other articles of the source that have it."""
        if article.source_id is None:
            return [0] * len(keys)
        self._load(article.source_id)
        seen = self._keys[article.source_id]
        return [len(seen.get(k, set()) - {article.pk}) if k else 0 for k in keys]

    def mark(self, article: Article) -> set[int]:
        """Set aside this article's short paragraphs that recur in enough articles of its source;
        the first time a text crosses the line, everywhere in the source. Returns the articles changed."""
        self._pending = None
        if article.source_id is None:
            return set()
        source = article.source_id
        seen = self._load(source)
        rows = list(article.paragraphs.values_list("text_hash", "text", "is_boilerplate"))
        short = {h for h, text, _ in rows if len(text.split()) <= REPEAT_MAX_WORDS}
        keys = {k for _, text, _ in rows for k in recurrence_keys(text, REPEAT_MAX_WORDS) if k}
        candidates = {h for h, text, aside in rows if not aside and len(text.split()) <= REPEAT_MAX_WORDS}
        needed = _needed(source) if candidates else 0
        repeated = {h for h in candidates if len(seen.get(h, set()) - {article.pk}) + 1 >= needed}
        fresh = repeated - self._marked[source]
        self._pending = (source, article.pk, short, keys, fresh)
        if not repeated:
            return set()
        changed = _set_aside(Paragraph.objects.filter(article__source_id=source, text_hash__in=fresh)) if fresh else set()
        return changed | _set_aside(article.paragraphs.filter(text_hash__in=repeated))

    def settle(self) -> None:
        """The article last marked has committed: count it."""
        if self._pending is None:
            return
        source, article_id, short, keys, fresh = self._pending
        counted_source, counted, counted_keys = self._of_article.get(article_id, (source, set(), set()))
        for digest in counted:  # its previous version, possibly under another source
            self._seen.get(counted_source, {}).get(digest, set()).discard(article_id)
        for digest in counted_keys:
            self._keys.get(counted_source, {}).get(digest, set()).discard(article_id)
        for digest in short:
            self._seen[source].setdefault(digest, set()).add(article_id)
        for digest in keys:
            self._keys[source].setdefault(digest, set()).add(article_id)
        self._of_article[article_id] = (source, short, keys)
        self._marked[source] |= fresh
        self._pending = None

    def _load(self, source: int) -> dict[str, set[int]]:
        if source not in self._seen:
            seen: dict[str, set[int]] = {}
            keys: dict[str, set[int]] = {}
            marked: set[str] = set()
            rows = (
                Paragraph.objects.filter(article__source_id=source)
                .annotate(chars=Length("text"))
                .filter(chars__lte=_SHORT_CHARS)
                .values_list("text_hash", "article_id", "text", "boilerplate_reason")
            )
            for digest, article_id, text, reason in rows.iterator(chunk_size=5000):
                if len(text.split()) <= REPEAT_MAX_WORDS:
                    seen.setdefault(digest, set()).add(article_id)
                    counted = self._of_article.setdefault(article_id, (source, set(), set()))
                    counted[1].add(digest)
                    for key in recurrence_keys(text, REPEAT_MAX_WORDS):
                        if key:
                            keys.setdefault(key, set()).add(article_id)
                            counted[2].add(key)
                    if reason == REPEATED_REASON:
                        marked.add(digest)
            self._seen[source], self._keys[source], self._marked[source] = seen, keys, marked
        return self._seen[source]


# A paragraph this long found in two articles of a source makes them one story filed again (or agency copy):
# its short paragraphs repeat in them because the story does, not because they are the source's furniture.
_SAME_STORY_CHARS = 300


def learn_furniture(source_id: int) -> set[int]:
    """Inline furniture learned afresh over the source as it now is (``inline.learn``), stored on the
    source; returns the articles whose kept paragraphs would now be cut otherwise than they are."""
    rows = list(Paragraph.objects.filter(article__source_id=source_id, is_boilerplate=False).values_list("article_id", "text", "raw"))
    story_of = stories(source_id)
    furniture = inline.learn([(story_of.get(article, article), raw or text) for article, text, raw in rows])
    Source.objects.filter(pk=source_id).update(inline_furniture=furniture.as_json())
    return {article for article, text, raw in rows if (raw or not furniture.empty) and inline.cut_furniture(raw or text, furniture) != text}


def redecide_source(source_id: int) -> set[int]:
    """Layer 2 decided afresh over the source as it now is, whatever order its articles came in.

    A short paragraph is the source's boilerplate when it occurs in enough *stories* of the source
    (articles that share a long paragraph count once); one set aside earlier that no longer is comes
    back, e.g. three repeats that were enough while the source was small. Returns the articles changed.
    """
    story_of = stories(source_id)
    needed = _needed(source_id)
    by_hash: dict[str, set[int]] = {}
    rows = (
        Paragraph.objects.filter(article__source_id=source_id)
        .annotate(chars=Length("text"))
        .filter(chars__lte=_SHORT_CHARS)
        .values_list("text_hash", "article_id", "text")
    )
    for digest, article_id, text in rows.iterator(chunk_size=5000):
        if len(text.split()) <= REPEAT_MAX_WORDS:
            by_hash.setdefault(digest, set()).add(story_of.get(article_id, article_id))
    repeated = {digest for digest, found in by_hash.items() if len(found) >= needed}
    in_source = Paragraph.objects.filter(article__source_id=source_id)
    changed: set[int] = set()
    back = in_source.filter(boilerplate_reason=REPEATED_REASON).exclude(text_hash__in=repeated)
    changed |= set(back.values_list("article_id", flat=True))
    back.update(is_boilerplate=False, boilerplate_reason="")
    for batch in batches(sorted(repeated)):
        changed |= _set_aside(in_source.filter(text_hash__in=batch, boilerplate_reason=""))
    return changed


def stories(source_id: int) -> dict[int, int]:
    """Article → the first article of its story (articles sharing a long paragraph, transitively)."""
    parent: dict[int, int] = {}

    def root(article: int) -> int:
        while parent.get(article, article) != article:
            article = parent[article]
        return article

    first_with: dict[str, int] = {}
    rows = (
        Paragraph.objects.filter(article__source_id=source_id)
        .annotate(chars=Length("text"))
        .filter(chars__gt=_SAME_STORY_CHARS)
        .order_by("article_id")
        .values_list("text_hash", "article_id")
    )
    for digest, article_id in rows.iterator(chunk_size=5000):
        parent.setdefault(article_id, article_id)
        if digest in first_with:
            a, b = root(first_with[digest]), root(article_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first_with[digest] = article_id
    return {article: root(article) for article in parent}


def batches(items: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """``items`` in slices of ``size``: SQLite binds a limited number of values in one query."""
    return [items[start : start + size] for start in range(0, len(items), size)]
