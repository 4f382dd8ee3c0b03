"""Layer 4 of boilerplate: a small model fitted on this archive's own paragraphs, labelled by the layers it trusts.

The patterns (layer 1), curated rules and decisions, and repetition at high counts label the archive;
gradient-boosted trees over ``features.NAMES`` learn from them what furniture looks like and find
the furniture those layers miss on outlets they were never written for. Nothing is trained anywhere
else: ``fit_archive`` runs on the user's machine (``manage.py boilerplate_fit``, and ingest when the
archive has grown), and the model is stored as numbers in ``BoilerplateModel``. Its threshold is set
for precision on sources held out of the fit. docs/BOILERPLATE.md has the design and the figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q

from search.engine import index
from search.ingest import features
from search.ingest.repeats import REPEAT_MAX_WORDS, REPEATED_REASON, batches
from search.models import Article, BoilerplateModel, Paragraph, Source

PREFIX = "learned: "  # the start of every reason this layer gives, followed by its two weightiest features
# Repetition counts as a label only well above layer 2's own line: in 10 % of the source's articles, at least 6.
LABEL_REPEAT_SHARE = 0.10
LABEL_REPEAT_MIN = 6
LABEL_REPEAT_MAX = 40
# The threshold: the lowest score at which, on sources held out of the fit, at least this share of what
# it sets aside is boilerplate by the trusted layers (an underestimate: what they miss counts against it).
TARGET_PRECISION = 0.995
MIN_ARTICLES = 50  # fewer articles are too few sources and repeats to learn from
REFIT_GROWTH = 1.25  # ingest refits once the archive has a quarter more articles than the model saw
SOURCE_FOLDS = 3
_SCORE_ROWS = 4096  # rows scored at once (memory: a node index per row and tree)
UNCERTAIN = 0.5  # a paragraph labelled story that a model of the other sources scores this high is not a sure story


@dataclass(frozen=True)
class Tree:
    """One regression tree of the ensemble, as arrays indexed by node (root 0)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray  # leaves: their share of the score; inner nodes: the value before the split (for reasons)

    def contributions(self, row: np.ndarray, into: np.ndarray) -> None:
        """Add to ``into`` what each feature on the row's path moved its value by (Saabas' attribution)."""
        node = 0
        while not self.leaf[node]:
            child = self.left[node] if row[self.feature[node]] <= self.threshold[node] else self.right[node]
            into[self.feature[node]] += self.value[child] - self.value[node]
            node = child

    def as_json(self) -> dict[str, list[float] | list[int] | list[bool]]:
        return {
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "leaf": self.leaf.tolist(),
            "value": self.value.tolist(),
        }

    @classmethod
    def of(cls, data: dict[str, list[Any]]) -> Tree:
        return cls(
            np.array(data["feature"], dtype=np.int64),
            np.array(data["threshold"], dtype=np.float64),
            np.array(data["left"], dtype=np.int64),
            np.array(data["right"], dtype=np.int64),
            np.array(data["leaf"], dtype=bool),
            np.array(data["value"], dtype=np.float64),
        )


@dataclass(frozen=True)
class Model:
    """Gradient-boosted trees over features.NAMES: score = sigmoid(baseline + the trees' values)."""

    baseline: float
    trees: tuple[Tree, ...]
    threshold: float

    @classmethod
    def of(cls, stored: BoilerplateModel) -> Model:
        if stored.weights.get("features") != list(features.NAMES):
            raise ValueError("the stored model was fitted on other features: fit it again (manage.py boilerplate_fit)")
        return cls(float(stored.weights["baseline"]), tuple(Tree.of(t) for t in stored.weights["trees"]), stored.threshold)

    def as_json(self) -> dict[str, object]:
        return {"features": list(features.NAMES), "baseline": self.baseline, "trees": [t.as_json() for t in self.trees]}

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Every tree walked at once, one step of all of them per level (an article's few rows would
        otherwise cost a Python loop per tree), a few thousand rows at a time (a node per row and tree)."""
        if len(rows) > _SCORE_ROWS:
            return np.concatenate([self.scores(rows[start : start + _SCORE_ROWS]) for start in range(0, len(rows), _SCORE_ROWS)])
        packed = self._packed
        trees = np.arange(len(self.trees))[None, :]
        at = np.arange(len(rows))[:, None]
        node = np.zeros((len(rows), len(self.trees)), dtype=np.int64)
        while True:
            inner = ~packed["leaf"][trees, node]
            if not inner.any():
                break
            go_left = rows[at, packed["feature"][trees, node]] <= packed["threshold"][trees, node]
            step = np.where(go_left, packed["left"][trees, node], packed["right"][trees, node])
            node = np.where(inner, step, node)
        raw = self.baseline + packed["value"][trees, node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))

    @cached_property
    def _packed(self) -> dict[str, np.ndarray]:
        """The trees' arrays side by side, padded with leaves to the longest."""
        width = max((len(t.leaf) for t in self.trees), default=1)

        def pad(name: str, fill: object, dtype: type) -> np.ndarray:
            out: np.ndarray = np.full((len(self.trees), width), fill, dtype=dtype)
            for i, tree in enumerate(self.trees):
                values = getattr(tree, name)
                out[i, : len(values)] = values
            return out

        return {
            "feature": pad("feature", 0, np.int64),
            "threshold": pad("threshold", 0.0, np.float64),
            "left": pad("left", 0, np.int64),
            "right": pad("right", 0, np.int64),
            "leaf": pad("leaf", True, bool),
            "value": pad("value", 0.0, np.float64),
        }

    def reason(self, row: np.ndarray) -> str:
        contributions = np.zeros(len(features.NAMES))
        for tree in self.trees:
            tree.contributions(row, contributions)
        top = [features.NAMES[i] for i in np.argsort(-contributions)[:2] if contributions[i] > 0]
        return (PREFIX + ", ".join(top))[:100]


def _model_of(classifier: Any, threshold: float) -> Model:
    """sklearn's HistGradientBoostingClassifier read into plain arrays (numerical features, none missing).

    Its leaves hold their shrunk values; the inner nodes' values are shrunk here, so that a path's steps
    add up to its leaf (for reasons)."""
    rate = float(classifier.learning_rate)
    trees = []
    for (predictor,) in classifier._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        value = np.where(leaf, nodes["value"], nodes["value"] * rate)
        trees.append(
            Tree(
                nodes["feature_idx"].astype(np.int64),
                nodes["num_threshold"].astype(np.float64),
                nodes["left"].astype(np.int64),
                nodes["right"].astype(np.int64),
                leaf,
                value.astype(np.float64),
            )
        )
    return Model(float(np.ravel(classifier._baseline_prediction)[0]), tuple(trees), threshold)


_loaded: dict[int, Model] = {}


def current_model() -> Model | None:
    """The newest fitted model (read from the database once per fit, then kept)."""
    newest = BoilerplateModel.objects.order_by("-fitted_at", "-id").values_list("id", flat=True).first()
    if newest is None:
        return None
    if newest not in _loaded:
        try:
            model = Model.of(BoilerplateModel.objects.get(id=newest))
        except ValueError:
            return None  # fitted before the features changed: none until the next fit (needs_fit says so)
        _loaded.clear()
        _loaded[newest] = model
    return _loaded[newest]


def is_learned(reason: str) -> bool:
    return reason.startswith(PREFIX)


LAYERS = ("patterns", "repetition", "learned", "curated rule", "curator")


def layer_of(reason: str, *, by_rule: bool) -> str:
    """Which layer set a paragraph aside ('' when none did): what the admin shows beside the reason."""
    if not reason or reason == Paragraph.CURATED_KEPT:
        return ""
    if by_rule:
        return "curated rule"
    if reason == Paragraph.CURATED_ASIDE:
        return "curator"
    if reason == REPEATED_REASON:
        return "repetition"
    return "learned" if is_learned(reason) else "patterns"


def reasons_of_layer(layer: str) -> Q:
    """The paragraphs set aside by ``layer`` (one of LAYERS), as a filter."""
    return {
        "curated rule": Q(rule__isnull=False),
        "curator": Q(boilerplate_reason=Paragraph.CURATED_ASIDE),
        "repetition": Q(boilerplate_reason=REPEATED_REASON, rule__isnull=True),
        "learned": Q(boilerplate_reason__startswith=PREFIX, rule__isnull=True),
        "patterns": Q(is_boilerplate=True, rule__isnull=True)
        & ~Q(boilerplate_reason__in=[Paragraph.CURATED_ASIDE, REPEATED_REASON])
        & ~Q(boilerplate_reason__startswith=PREFIX),
    }[layer]


def label(reason: str, repeats: int, source_articles: int) -> int | None:
    """1 boilerplate, 0 story, None unknown: what the trusted layers say of one paragraph."""
    if not reason or reason == Paragraph.CURATED_KEPT:
        return 0
    if is_learned(reason):
        return None  # the model's own earlier answers teach it nothing
    if reason == REPEATED_REASON:
        needed = max(LABEL_REPEAT_MIN, min(LABEL_REPEAT_MAX, math.ceil(source_articles * LABEL_REPEAT_SHARE)))
        return 1 if repeats + 1 >= needed else None
    return 1  # layer 1's patterns, a curated rule, a curator's decision


# ----------------------------------------------------------------------------------------------- the archive


@dataclass
class ArchiveRows:
    """Every paragraph of the archive as a feature row, with what the layers decided of it."""

    ids: list[int] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    labels: list[int | None] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def matrix(self) -> np.ndarray:
        return np.vstack(self.rows) if self.rows else np.zeros((0, len(features.NAMES)), dtype=np.float32)


def archive_rows(progress: Callable[[str], None] = lambda line: None) -> ArchiveRows:
    """Feature rows of every paragraph, source by source, repetition counted over the whole archive."""
    out = ArchiveRows()
    names = dict(Source.objects.values_list("id", "name"))
    source_ids = list(Article.objects.order_by().values_list("source_id", flat=True).distinct())
    for done, source_id in enumerate(sorted(source_ids, key=lambda s: (s is None, s or 0)), 1):
        _source_rows(source_id, names.get(source_id, "") if source_id else "", out)
        if done % 50 == 0:
            progress(f"features: {done} of {len(source_ids)} sources, {len(out.ids):,} paragraphs")
    return out


def _source_rows(source_id: int | None, source_name: str, out: ArchiveRows) -> None:
    articles: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    in_source = (
        Paragraph.objects.filter(article__source__isnull=True)
        if source_id is None
        else Paragraph.objects.filter(article__source_id=source_id)
    )
    rows = in_source.order_by("article_id", "position").values_list("id", "article_id", "text", "boilerplate_reason")
    for paragraph_id, article_id, text, reason in rows.iterator(chunk_size=5000):
        articles[article_id].append((paragraph_id, text, reason))
    add_source(articles, source_id or 0, source_name, out, _titles(source_id))


def _titles(source_id: int | None) -> dict[int, str]:
    in_source = Article.objects.filter(source__isnull=True) if source_id is None else Article.objects.filter(source_id=source_id)
    return dict(in_source.values_list("id", "title"))


def add_source(
    articles: dict[int, list[tuple[int, str, str]]], source_id: int, source_name: str, out: ArchiveRows, titles: dict[int, str]
) -> None:
    """Rows of one source's articles ({article: [(paragraph id, text, reason)] in order}, their titles); 0: no source.

    Only paragraphs of at most ``REPEAT_MAX_WORDS`` words get a row: the layer decides on no longer one."""
    counts = _key_counts(articles)
    for article_id, paragraphs in articles.items():
        found = [counts[k] - 1 if k and source_id else 0 for _, text, _ in paragraphs for k in _keys(text)]
        repeats = found[0::3]
        matrix = _matrix(paragraphs, found, len(articles), source_name, titles.get(article_id, ""))
        for n, (paragraph_id, text, reason) in enumerate(paragraphs):
            if not _decides_on(text):
                continue
            out.ids.append(paragraph_id)
            out.article_ids.append(article_id)
            out.source_ids.append(source_id)
            out.reasons.append(reason)
            out.labels.append(label(reason, repeats[n], len(articles)) if source_id else (0 if not reason else None))
            out.rows.append(matrix[n])


def _keys(text: str) -> tuple[str, str, str]:
    return features.recurrence_keys(text, REPEAT_MAX_WORDS)


def _matrix(paragraphs: list[tuple[int, str, str]], found: list[int], source_articles: int, source_name: str, title: str) -> np.ndarray:
    """The feature rows of one article's paragraphs ([(id, text, reason)] in order); ``found``: for each
    paragraph's three recurrence keys in turn, how many other articles of the source have it."""
    return features.article_features(
        features.ArticleParagraphs(
            texts=[text for _, text, _ in paragraphs],
            aside=[_aside_before(reason) for _, _, reason in paragraphs],
            repeats=found[0::3],
            openings=found[1::3],
            endings=found[2::3],
            source_articles=source_articles,
            source_name=source_name,
            title=title,
        ),
        REPEAT_MAX_WORDS,
    )


def _decides_on(text: str) -> bool:
    """Furniture a pattern does not know is short; a long paragraph is left to the other layers."""
    return len(text.split()) <= REPEAT_MAX_WORDS


def _key_counts(articles: dict[int, list[tuple[int, str, str]]]) -> dict[str, int]:
    """For each recurrence key of the source's short paragraphs: how many of its articles have it."""
    counts: dict[str, int] = defaultdict(int)
    for paragraphs in articles.values():
        for key in {k for _, text, _ in paragraphs for k in _keys(text)} - {""}:
            counts[key] += 1
    return counts


def _aside_before(reason: str) -> bool:
    """Set aside by a layer before this one (a neighbour's decision the features may use)."""
    return bool(reason) and reason != Paragraph.CURATED_KEPT and not is_learned(reason)


# ----------------------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Fit:
    model: Model
    weights: dict[str, object]
    labelled: int
    positives: int
    held_out_precision: float
    held_out_recall: float
    report: str


def fit(matrix: np.ndarray, labels: np.ndarray, groups: np.ndarray, target: float = TARGET_PRECISION) -> Fit:
    """Gradient-boosted trees on the labelled rows; the threshold from predictions on held-out sources.

    The story label is "no layer set it aside", so the furniture those layers miss is labelled story:
    exactly what this layer is for. A first fit, scoring each source with a model that never saw it,
    finds the paragraphs labelled story that look like furniture (score ≥ ``UNCERTAIN``); they are left
    out of the second fit, as unknown rather than story, but still count as story for the threshold's
    precision, so that the estimate errs towards keeping.
    """
    first = _held_out_scores(matrix, labels, groups)
    keep = (labels == 1) | (first < UNCERTAIN)
    second = first.copy()
    second[keep] = _held_out_scores(matrix[keep], labels[keep], groups[keep])
    threshold, precision, recall = _threshold_for(second, labels, target)
    final = _classifier().fit(matrix[keep], labels[keep])
    model = _model_of(final, threshold)
    sample = matrix[: min(len(matrix), 2000)]
    if not np.allclose(model.scores(sample), final.predict_proba(sample)[:, 1], atol=1e-6):
        raise RuntimeError("the trees read from scikit-learn do not score as scikit-learn does")
    gains = np.zeros(len(features.NAMES))
    for (predictor,) in final._predictors:
        inner = ~predictor.nodes["is_leaf"].astype(bool)
        np.add.at(gains, predictor.nodes["feature_idx"][inner], predictor.nodes["gain"][inner])
    ranked = [i for i in np.argsort(-gains) if gains[i] > 0]
    report = "\n".join(
        [
            f"labelled paragraphs of at most {REPEAT_MAX_WORDS} words: {len(keep):,} "
            f"({int(labels.sum()):,} boilerplate by the trusted layers), {len(set(groups.tolist()))} sources; "
            f"{int((~keep).sum()):,} labelled story look like furniture and were left out of the fit",
            f"threshold {threshold:.3f}: on sources held out of the fit, precision {precision:.3f} and recall {recall:.3f} "
            "against those labels",
            "features by their share of the trees' gain: "
            + ", ".join(f"{features.NAMES[i]} {gains[i] / gains.sum():.0%}" for i in ranked[:12]),
        ]
    )
    return Fit(model, model.as_json(), int(keep.sum()), int(labels.sum()), precision, recall, report)


def _classifier() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, l2_regularization=1.0, early_stopping=False, random_state=0)


def _held_out_scores(matrix: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's score by a model fitted without its source (GroupKFold over sources)."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(labels))
    folds = min(SOURCE_FOLDS, len(set(groups.tolist())))
    if folds < 2:
        return scores  # no source to hold out: every score 0, and _threshold_for sets none
    for train, test in GroupKFold(n_splits=folds).split(matrix, labels, groups):
        if len(set(labels[train].tolist())) == 2:
            scores[test] = _classifier().fit(matrix[train], labels[train]).predict_proba(matrix[test])[:, 1]
    return scores


def _threshold_for(scores: np.ndarray, labels: np.ndarray, target: float) -> tuple[float, float, float]:
    """The lowest threshold whose held-out precision is at least ``target``, with that precision and recall."""
    order = np.argsort(-scores)
    hits = np.cumsum(labels[order])
    precision = hits / np.arange(1, len(order) + 1)
    good = np.nonzero((precision >= target) & (scores[order] > 0))[0]
    positives = max(int(labels.sum()), 1)
    if len(good) == 0:
        return 1.0, 1.0, 0.0
    last = int(good[-1])
    return float(max(scores[order[last]], 0.5)), float(precision[last]), float(hits[last] / positives)


def fit_archive(
    progress: Callable[[str], None] = lambda line: None, *, target: float = TARGET_PRECISION, store: bool = True
) -> tuple[Model, ArchiveRows, str] | None:
    """Fit on the whole archive and (``store``) keep the model; None when it is too small to learn from
    (fewer than MIN_ARTICLES articles or SOURCE_FOLDS sources, or no paragraph of one kind)."""
    articles = Article.objects.count()
    if articles < MIN_ARTICLES:
        return None
    rows = archive_rows(progress)
    known = [n for n, value in enumerate(rows.labels) if value is not None]
    matrix = rows.matrix()
    labels = np.array([rows.labels[n] for n in known], dtype=np.int8)
    sources = len({rows.source_ids[n] for n in known})
    if len(set(labels.tolist())) < 2 or sources < SOURCE_FOLDS:
        return None  # a threshold is set on sources held out of the fit: it takes three at least
    result = fit(matrix[known], labels, np.array([rows.source_ids[n] for n in known]), target)
    report = f"fitted on {articles:,} articles\n{result.report}"
    if store:
        BoilerplateModel.objects.create(
            articles=articles,
            paragraphs=result.labelled,
            positives=result.positives,
            threshold=result.model.threshold,
            weights=result.weights,
            report=report,
        )
    return result.model, rows, report


def needs_fit() -> bool:
    """Enough articles and sources to learn from, and no usable model yet or a quarter more articles than it saw."""
    articles = Article.objects.count()
    if articles < MIN_ARTICLES or Source.objects.filter(articles__isnull=False).distinct().count() < SOURCE_FOLDS:
        return False
    stored = BoilerplateModel.objects.order_by("-fitted_at", "-id").first()
    if stored is None or current_model() is None:
        return True
    return articles >= stored.articles * REFIT_GROWTH


# ----------------------------------------------------------------------------------------------- applying


@dataclass
class Applied:
    set_aside: int = 0
    returned: int = 0
    articles: set[int] = field(default_factory=set)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (reason, text) of some set aside


def apply_archive(model: Model, rows: ArchiveRows, *, dry_run: bool = False) -> Applied:
    """Re-decide this layer over the whole archive: set aside what now scores above the threshold, and
    bring back what it set aside before and no longer does. Other layers' and curators' marks stay."""
    applied = Applied()
    matrix = rows.matrix()
    scores = model.scores(matrix) if len(matrix) else np.zeros(0)
    aside: dict[str, list[int]] = defaultdict(list)
    back: list[int] = []
    for n, reason in enumerate(rows.reasons):
        above = scores[n] >= model.threshold
        if above and not reason:
            why = model.reason(matrix[n])
            aside[why].append(rows.ids[n])
            applied.articles.add(rows.article_ids[n])
        elif not above and is_learned(reason):
            back.append(rows.ids[n])
            applied.articles.add(rows.article_ids[n])
    applied.set_aside = sum(len(ids) for ids in aside.values())
    applied.returned = len(back)
    for why, ids in sorted(aside.items(), key=lambda item: -len(item[1]))[:10]:
        applied.examples.append((why, Paragraph.objects.filter(id=ids[0]).values_list("text", flat=True).first() or ""))
    if dry_run:
        return applied
    with transaction.atomic():
        for why, ids in aside.items():
            for batch in batches(ids):
                Paragraph.objects.filter(id__in=batch, boilerplate_reason="").update(is_boilerplate=True, boilerplate_reason=why)
        for batch in batches(back):
            Paragraph.objects.filter(id__in=batch).update(is_boilerplate=False, boilerplate_reason="")
        index.queue_articles(applied.articles)
    return applied


def mark_article(article: Article, counts: Callable[[list[str]], list[int]]) -> bool:
    """At ingest: set aside the article's kept paragraphs the current model scores above its threshold.

    ``counts(keys)`` gives, for each features.recurrence_keys key, how many other articles of the source have it.
    Returns whether a paragraph changed.
    """
    model = current_model()
    if model is None:
        return False
    source_articles = Article.objects.filter(source_id=article.source_id).count() if article.source_id else 1
    paragraphs = list(article.paragraphs.order_by("position").values_list("id", "text", "boilerplate_reason"))
    if not any(not reason and _decides_on(text) for _, text, reason in paragraphs):
        return False
    found = counts([k for _, text, _ in paragraphs for k in _keys(text)])
    matrix = _matrix(paragraphs, found, source_articles, article.source.name if article.source is not None else "", article.title)
    scores = model.scores(matrix)
    changed = False
    for n, (paragraph_id, text, reason) in enumerate(paragraphs):
        if not reason and _decides_on(text) and scores[n] >= model.threshold:
            Paragraph.objects.filter(id=paragraph_id).update(is_boilerplate=True, boilerplate_reason=model.reason(matrix[n]))
            changed = True
    return changed


SUGGEST = 0.5  # the score from which a kept paragraph is shown to a curator as likely boilerplate


def likely_boilerplate(source: Source, limit: int = 50) -> list[tuple[int, float, str]]:
    """The source's kept short paragraphs the model scores highest, below its threshold or not:
    (paragraph id, score, reason) for a curator to set aside or keep, each answer a label for the next fit."""
    model = current_model()
    if model is None:
        return []
    rows = ArchiveRows()
    _source_rows(source.pk, source.name, rows)
    matrix = rows.matrix()
    if not len(matrix):
        return []
    scores = model.scores(matrix)
    candidates = [n for n in np.argsort(-scores) if scores[n] >= SUGGEST and not rows.reasons[n]]
    return [(rows.ids[n], float(scores[n]), model.reason(matrix[n])) for n in candidates[:limit]]
