"""Facet counting on doc values alone (no database): both ways of counting persons agree with a
plain count of the mentions."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from search.engine.counting import SMALL_SELECTION, person_counts
from search.engine.docvalues import DocValues


def random_values(seed: int, *, docs: int = 3000, mentions: int = 9000) -> DocValues:
    rng = np.random.default_rng(seed)
    article = np.sort(rng.integers(1, docs // 5, docs))  # paragraphs of one article are consecutive
    person_doc = np.sort(rng.integers(0, docs, mentions))
    person_id = rng.integers(1, 60, mentions)
    # One person mentioned twice in a paragraph is one mention: keep (doc, person) unique.
    pairs = np.unique(np.stack([person_doc, person_id], axis=1), axis=0)
    return DocValues(
        article=article,
        source=rng.integers(1, 9, docs),
        day=rng.integers(20120101, 20201231, docs),
        live=np.ones(docs, bool),
        person_doc=pairs[:, 0].copy(),
        person_id=pairs[:, 1].copy(),
    )


def counted_by_hand(values: DocValues, docs: np.ndarray) -> dict[int, tuple[int, int]]:
    wanted = set(docs.tolist())
    paragraphs: Counter[int] = Counter()
    articles: dict[int, set[int]] = {}
    for doc, person in zip(values.person_doc.tolist(), values.person_id.tolist(), strict=True):
        if doc in wanted:
            paragraphs[person] += 1
            articles.setdefault(person, set()).add(int(values.article[doc]))
    return {p: (n, len(articles[p])) for p, n in paragraphs.items()}


@pytest.mark.parametrize("selected", [0, 1, 7, 40, 139, 2000, 3000])
def test_person_counts_equal_a_count_by_hand_for_few_and_many_documents(selected: int) -> None:
    values = random_values(selected)
    docs = np.sort(np.random.default_rng(selected + 1).choice(values.size, selected, replace=False))
    counts = person_counts(values, docs)
    assert {k: (p, a) for k, p, a in counts.rows()} == counted_by_hand(values, docs)


def test_both_ways_of_counting_are_exercised() -> None:
    values = random_values(0)
    # The sizes above straddle the switch from reading each document's mentions to one pass over all.
    assert 40 * SMALL_SELECTION < values.person_doc.size < 139 * SMALL_SELECTION


def test_mentions_of_documents_without_mentions() -> None:
    values = random_values(3)
    lonely = np.setdiff1d(np.arange(values.size), values.person_doc)[:5]
    persons, articles = values.mentions_of(lonely)
    assert persons.size == 0 and articles.size == 0


@pytest.mark.parametrize("seed", range(5))
def test_first_of_families_keeps_each_familys_earliest_and_every_other_document(seed: int) -> None:
    from dataclasses import replace

    from search.engine.counting import LAST_DAY, first_of_families

    values = random_values(seed)
    rng = np.random.default_rng(seed + 10)
    family = np.where(rng.random(values.size) < 0.3, rng.integers(1, 80, values.size), 0)
    day = np.where(rng.random(values.size) < 0.1, 0, values.day)  # some undated: listed last within a family
    values = replace(values, family=family, day=day)
    docs = np.sort(rng.choice(values.size, values.size // 2, replace=False))
    kept = first_of_families(values, docs)
    expected = [int(d) for d in docs if family[d] == 0]
    by_family: dict[int, list[tuple[int, int]]] = {}
    for d in docs.tolist():
        if family[d]:
            by_family.setdefault(int(family[d]), []).append((int(day[d]) or LAST_DAY + 1, d))
    expected += [min(members)[1] for members in by_family.values()]
    assert kept.tolist() == sorted(expected)
