"""Inline furniture (#19, part 3): spans a source repeats inside otherwise unique paragraphs, cut from
the indexed and shown text, the paragraph as written kept, persons found in what is left."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from search.engine import index
from search.ingest import inline
from search.ingest import store as ingest
from search.ingest.readers import ArticleInput
from search.models import Article, Mention, Paragraph, Person, Source
from tests.conftest import jsonl

_WORDS = "council harbour budget minister report court police union school river bridge hospital tax farmers market energy".split()
_VERBS = "approved rejected debated announced delayed opened reviewed funded questioned".split()
# A name hover card and the related headlines run into a sentence, as one outlet's pages scrape.
_CARDS = [
    "Donald John TrumpSenators balk at lengthy harbour trial Governors make play for voters in the west MORE",
    "Donald John TrumpTop diplomat suggested he could quit over the bridge dealings READ: texts discussing funds MORE",
    "Donald John TrumpFive takeaways from the debate on the river Warren goes local in the race to build support MORE",
]
_SHOWN = ["President Trump", "Donald Trump", "Trump"]
_CAPTIONS = ["The", "Why the", "Watch: the", "How a", "Protesters say the", "One", "Inside the"]
_SUBJECTS = ["The mayor's office", "A spokeswoman for the council", "The union", "Lawyers for the city", "The ministry"]


def _sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(_WORDS, 3)
    return f"The {a} {rng.choice(_VERBS)} the {b} plan on {rng.choice(['Monday', 'Tuesday', 'Friday'])}, the {c} said."


def _article(rng: random.Random, n: int) -> dict[str, str]:
    paragraphs = [" ".join(_sentence(rng) for _ in range(3)) for _ in range(4)]
    card = _CARDS[n % len(_CARDS)]
    opener = rng.choice(["On Monday,", "Late on Friday", "In a speech", "As expected", "Hours later", "Once again"])
    verb = rng.choice(["slammed", "praised", "questioned", "defended", "mocked", "ignored", "welcomed"])
    paragraphs.insert(1, f"{opener} {_SHOWN[n % 3]} {card} {verb} the {rng.choice(_WORDS)} rules in a speech.")
    paragraphs.append(f"{_SUBJECTS[n % len(_SUBJECTS)]} did not immediately respond to a request for comment on the plan.")
    paragraphs.insert(
        3, f"Tap to unmute this player on your phone Now showing {rng.choice(_CAPTIONS)} {rng.choice(_WORDS)} {n} was {rng.choice(_VERBS)}"
    )
    return {"url": f"https://hill.example/{n}", "source": "Hill Daily", "text": "\n\n".join(paragraphs)}


def _archive(count: int = 30) -> list[dict[str, str]]:
    rng = random.Random(3)
    return [_article(rng, n) for n in range(count)]


def test_a_name_card_is_cut_after_the_name_the_sentence_shows() -> None:
    text = "On Monday, President Trump " + _CARDS[0] + " slammed the rules."
    keys = np.sort(inline.paragraph_keys(text)[3:17])  # "Trump" to "MORE"
    spans = inline.furniture_spans(text, inline.Furniture(keys))
    assert inline.cut(text, spans) == "On Monday, President Trump slammed the rules."


def test_words_run_together_are_two_words() -> None:
    assert [t.norm for t in inline.tokens("Donald John TrumpSenators balk")] == ["donald", "john", "trump", "senators", "balk"]
    assert [t.norm for t in inline.tokens("McDonald iPhone U.S. LeeFed")] == ["mcdonald", "iphone", "u.s.", "lee", "fed"]


def test_a_formula_of_prose_inside_a_sentence_is_not_cut() -> None:
    text = "The union did not immediately respond to a request for comment on the plan."
    keys = np.sort(inline.paragraph_keys(text)[1:])  # recurring from "did" to the end
    assert inline.furniture_spans(text, inline.Furniture(keys)) == []
    quoted = 'He said: "Sign up for our newsletter to read more about it." The union agreed.'
    assert inline.furniture_spans(quoted, inline.Furniture(np.sort(inline.paragraph_keys(quoted)[2:9]))) == []


def test_cut_joins_what_is_left() -> None:
    assert inline.cut("Before the card. Sign up now for news. After it.", [(17, 38)]) == "Before the card. After it."
    assert inline.cut("Name card here, then more.", [(4, 14)]) == "Name, then more."


def test_a_small_source_learns_nothing() -> None:
    assert inline.needed_stories(inline.MIN_SOURCE_STORIES - 1) == 0
    assert inline.needed_stories(300) == inline.MIN_STORIES and inline.needed_stories(1000) == 10
    assert inline.needed_stories(100_000) == 1000


@pytest.mark.django_db
def test_ingest_cuts_a_sources_inline_furniture_and_keeps_the_paragraph_as_written(tmp_path: Path, client: Client) -> None:
    summary = ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", _archive())])
    assert "inline furniture learned afresh, 30 article(s)" in summary.boilerplate_settled
    carded = Paragraph.objects.exclude(raw="").filter(raw__contains="MORE")
    assert carded.count() == 30
    for paragraph in carded:
        assert "MORE" not in paragraph.text and "Donald John" not in paragraph.text and "balk" not in paragraph.text
        assert paragraph.text.endswith("rules in a speech.") and "Trump" in paragraph.text
        assert paragraph.raw != paragraph.text and "Donald John Trump" in paragraph.raw
    captions = Paragraph.objects.filter(raw__startswith="Tap to unmute")
    assert captions.count() == 30 and all(p.text.split()[0] in {c.split()[0] for c in _CAPTIONS} for p in captions)
    # Formulas of the source's prose stay as they are.
    formula = Paragraph.objects.filter(text__contains="did not immediately respond")
    assert formula.count() == 30 and not formula.exclude(raw="").exists()
    # Persons come from what is left: the shown name, at offsets into the cut text; the card makes no one.
    assert not Person.objects.filter(name__icontains="Donald John").exists()
    assert not Person.objects.filter(name__icontains="Senators").exists()
    assert not Person.objects.filter(mentions__isnull=True).exists()  # none left over from the first, uncut pass
    for mention in Mention.objects.filter(paragraph__in=carded):
        assert mention.paragraph.text[mention.start : mention.end] == mention.text
    # Search never sees the card's headlines.
    index.apply_pending()
    page = client.get("/", {"q": "balk"})
    assert page.status_code == 200 and b'data-total-paragraphs="0"' in page.content


def _stored_state() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    paragraphs = Paragraph.objects.values_list("article__url", "position", "text", "raw", "is_boilerplate", "boilerplate_reason")
    mentions = Mention.objects.values_list("paragraph__article__url", "paragraph__position", "start", "end", "person__name", "speaker")
    return sorted(paragraphs), sorted(mentions)


@pytest.mark.django_db
def test_the_end_of_a_run_prepares_cut_articles_in_its_processes_with_the_same_result(tmp_path: Path) -> None:
    """The articles inline furniture now cuts are prepared again in the run's NER processes, with the
    run's directory and repetition counts: the same archive as a run in this process."""
    path = jsonl(tmp_path / "a.jsonl", _archive(70))
    alone = ingest.ingest_paths([path])
    assert "inline furniture learned afresh, 70 article(s)" in alone.boilerplate_settled
    in_this_process = _stored_state()
    Article.objects.all().delete()
    Person.objects.all().delete()
    Source.objects.all().delete()
    in_workers = ingest.ingest_paths([path], processes=2)
    assert in_workers.boilerplate_settled == alone.boilerplate_settled
    assert _stored_state() == in_this_process


@pytest.mark.django_db
def test_an_article_stored_later_is_cut_as_it_arrives(tmp_path: Path) -> None:
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", _archive())])
    assert Source.objects.get(name="Hill Daily").inline_furniture
    later = _article(random.Random(11), 31)
    prepared = ingest.prepare(ArticleInput(text=later["text"], url=later["url"], source=later["source"]))
    card = next(d for d in prepared.paragraphs if d.raw and "MORE" in d.raw)
    assert "MORE" not in card.text and card.text.endswith("rules in a speech.")
    preview = ingest.preview(prepared)
    assert any("written" in p and "MORE" in p["written"] for p in preview["paragraphs"])  # type: ignore[union-attr]


@pytest.mark.django_db
def test_furniture_learned_afresh_restores_what_no_longer_recurs(tmp_path: Path) -> None:
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", _archive())])
    source = Source.objects.get(name="Hill Daily")
    Source.objects.filter(pk=source.pk).update(inline_furniture={})
    kept = Paragraph.objects.exclude(raw="").first()
    assert kept is not None
    Paragraph.objects.filter(pk=kept.pk).update(text=kept.raw, raw="")  # as if cut otherwise before
    assert ingest.settle_furniture({source.pk}) == 1
    kept = Paragraph.objects.get(article=kept.article, position=kept.position)
    assert kept.raw and "MORE" not in kept.text


def test_the_fast_words_are_the_tokens_words() -> None:
    for text in [_CARDS[1], "McConnell Addison (Mitch) Mitchell McConnellGOP senators", "U.S. end.The iPhone JavaScript A.B.Cde", ""]:
        assert inline.paragraph_keys(text).tolist() == inline.shingle_keys(inline.tokens(text)).tolist()


def _cut_with(text: str, first: int, last: int) -> str:
    """``text`` cut with the keys of its word runs ``first`` to ``last`` as the source's furniture."""
    return inline.cut_furniture(text, inline.Furniture(np.sort(inline.paragraph_keys(text)[first : last + 1])))


def test_a_party_label_after_the_card_is_the_storys() -> None:
    text = "Rep. Alexandria Ocasio-Cortez Alexandria Ocasio-CortezSanders says she will play a role in his team MORE (D-N.Y.) tweeted."
    assert _cut_with(text, 0, 13) == "Rep. Alexandria Ocasio-Cortez (D-N.Y.) tweeted."
    text = "Sen. Kamala Harris Kamala Devi Harris2020 Democrats push for gun control action at forum MORE (D-Calif.) spoke."
    assert _cut_with(text, 0, 11) == "Sen. Kamala Harris (D-Calif.) spoke."


def test_two_cards_in_a_row_keep_the_words_between() -> None:
    text = (
        "With Sens. Susan Collins Susan Margaret CollinsLawmakers under pressure to pass a fix MORE (Maine), Jeff Flake "
        "Jeffrey (Jeff) Lane FlakeLindsey Graham basks in the spotlight MORE (Ariz.) voting no."
    )
    assert _cut_with(text, 0, 30) == "With Sens. Susan Collins (Maine), Jeff Flake (Ariz.) voting no."


def test_an_abbreviation_is_not_the_end_of_a_sentence() -> None:
    text = "Then Senate Minority Leader Chuck Schumer, D-N.Y. said Friday that Democrats remain against it."
    assert _cut_with(text, 0, 3) == text
    text = "Senate Minority Leader Chuck Schumer, D-N.Y., was dismissive of the plan."
    assert [t.norm for t in inline.tokens(text)][5:7] == ["d-n.y.,", "was"]
    assert _cut_with(text, 0, 1) == text  # "… Schumer, D-N." is no sentence


def test_a_card_closed_before_a_possessive_keeps_it() -> None:
    text = "Both President Trump Donald John TrumpSessions says he backs Trump MORE’s team and John Kelly John Francis KellyMORE, left."
    furniture = inline.Furniture(card_end="MORE")
    assert inline.cut_furniture(text, furniture) == "Both President Trump’s team and John Kelly, left."
    assert inline.cut_furniture("Sen. Rand Paul Randal PaulMORE said so.", inline.Furniture()) == "Sen. Rand Paul Randal PaulMORE said so."
