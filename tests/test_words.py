"""Words within a typo (search/engine/words.py) are the words Whoosh's own Levenshtein automaton finds,
read from the word files beside the segments."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from search.engine import index, segment_values, words

pytestmark = pytest.mark.django_db


def _typos(vocabulary: list[str], count: int, seed: int) -> list[str]:
    """Archive words with one or two random edits (and some unchanged), as users mistype them."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzé"
    typed = []
    for word in rng.sample([w for w in vocabulary if len(w) >= 3 and w.isalpha()], count):
        for _ in range(rng.choice((0, 1, 1, 2))):
            i, letter = rng.randrange(1, len(word) + 1), rng.choice(letters)
            word = rng.choice((word[:i] + letter + word[i:], word[: i - 1] + word[i:], word[: i - 1] + letter + word[i:]))
        typed.append(word or "a")
    return typed


def test_words_within_one_and_two_edits_are_whooshs(demo_subset: Path) -> None:
    with index.open_index().searcher() as searcher:
        vocabulary = words.vocabulary(searcher)
        leaves = [r for r, _ in searcher.reader().leaf_readers() if r.doc_count_all()]
        for typed in _typos(vocabulary.words, 150, seed=7) + ["z", "ü"]:
            for maxdist in (1, 2):
                want = {w for leaf in leaves for w in leaf.terms_within("words", typed, maxdist, prefix=1)}
                assert set(words.within(searcher, typed, maxdist, prefix=1)) == want, (typed, maxdist)


def test_the_word_list_is_every_segments_words_once_with_whooshs_frequencies(demo_subset: Path, store: Callable[..., object]) -> None:
    store("Elections in Ruritania: the election commission said turnout was high.", title="Vote")  # a second segment
    with index.open_index().searcher() as searcher:
        vocabulary = words.vocabulary(searcher)
        reader = searcher.reader()
        assert len([r for r, _ in reader.leaf_readers() if r.doc_count_all()]) > 1
        want = sorted({t.decode("utf-8") for r, _ in reader.leaf_readers() for t in r.lexicon("words")})
        assert vocabulary.words == want
        assert vocabulary.frequencies.tolist() == [reader.doc_frequency("words", w) for w in want]
        assert vocabulary.frequency("ruritania") == 1 and vocabulary.frequency("zzzzunknown") == 0


def test_a_cut_word_file_is_not_trusted(demo_subset: Path) -> None:
    folder = segment_values.folder(index.current_path())
    (segment_file,) = folder.glob("MAIN_*.words.txt")
    (merged_file,) = folder.glob("vocabulary-*.txt")
    texts = {path: path.read_text(encoding="utf-8") for path in (segment_file, merged_file)}
    with index.open_index().searcher() as searcher:
        want = words.vocabulary(searcher)
    for cuts in ([merged_file], [merged_file, segment_file]):  # the merged list alone, then both
        for cut in cuts:
            cut.write_text(texts[cut][: len(texts[cut]) // 2], encoding="utf-8")
        words._cache.clear()
        with index.open_index().searcher() as searcher:
            again = words.vocabulary(searcher)
        assert again.words == want.words and again.frequencies.tolist() == want.frequencies.tolist()
        assert all(path.read_text(encoding="utf-8") == text for path, text in texts.items())  # rewritten whole
