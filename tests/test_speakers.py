"""Who said what (issue 15, part 1): speakers told apart from persons only mentioned, one hand case per
construction of docs/SPEAKERS.md, through the real person finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from search.engine import index
from search.ingest import persons, speakers
from search.models import Mention

PUTIN, MERKEL = "Vladimir Putin", "Angela Merkel"


def speaking(paragraph: str) -> dict[str, bool]:
    """Each person named in a one-paragraph article → whether the paragraph gives their words."""
    (mentions,) = persons.mentions_in([[paragraph]])
    found: dict[str, bool] = {}
    for m in mentions:
        found[m.name] = found.get(m.name, False) or m.speaker
    return found


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # 1. direct quotes, either order
        (f'"We will not retreat," {PUTIN} said on Tuesday.', {PUTIN: True}),
        (f'"We will not retreat," said {PUTIN}, speaking in Moscow.', {PUTIN: True}),
        (f'{PUTIN} said: "We will not retreat."', {PUTIN: True}),
        # 2. reported speech, verbs of saying, "according to", a passive's agent
        (f"{PUTIN} said that the talks with {MERKEL} had failed.", {PUTIN: True, MERKEL: False}),
        (f"{PUTIN} told reporters the army would stay.", {PUTIN: True}),
        (f"{PUTIN} warned on Friday that sanctions would hurt Europe.", {PUTIN: True}),
        (f"The army will stay, according to {PUTIN}.", {PUTIN: True}),
        (f"The claim was denied by {PUTIN} on Monday.", {PUTIN: True}),
        (f"{PUTIN}, who said last year that the war was over, met {MERKEL} in Sochi.", {PUTIN: True, MERKEL: False}),
        # 3. a pronoun for the person named before it
        (f'{PUTIN} arrived two hours late. "We had work to do," he said.', {PUTIN: True}),
        # 4. a name and a colon, and an interview's answer
        (f'{PUTIN}: "We will not retreat."', {PUTIN: True}),
        (f"{PUTIN}: We have never wanted this war, and we will not start one.", {PUTIN: True}),
        # 5. someone speaks for them
        (f"{PUTIN}'s spokesman said the meeting would go ahead.", {PUTIN: False}),
        (f"A spokeswoman for {MERKEL} said the chancellor was ill.", {MERKEL: False}),
        # 6. the verb of saying is someone else's
        (f"{MERKEL} said {PUTIN} had broken his word.", {MERKEL: True, PUTIN: False}),
        # 7. acting and thinking are not saying
        (f"{PUTIN} signed the decree and met {MERKEL} in Berlin.", {PUTIN: False, MERKEL: False}),
        # 8. no words given
        (f"{PUTIN} did not say whether the troops would leave.", {PUTIN: False}),
        (f"{PUTIN} declined to comment on the report.", {PUTIN: False}),
    ],
)
def test_each_construction(paragraph: str, expected: dict[str, bool]) -> None:
    assert speaking(paragraph) == expected


def test_a_quote_is_the_nearest_speakers() -> None:
    paragraph = f'"We will not retreat," {PUTIN} said, after {MERKEL} had left the room.'
    (mentions,) = persons.mentions_in([[paragraph]])
    spans = [(m.start, m.end) for m in mentions]
    (quote,) = speakers.quotes(paragraph, spans, {i for i, m in enumerate(mentions) if m.speaker})
    assert paragraph[quote.start : quote.end] == '"We will not retreat,"' and quote.speaker is not None
    assert mentions[quote.speaker].name == PUTIN


def test_only_sentences_with_a_verb_of_saying_and_a_person_or_pronoun_are_parsed() -> None:
    paragraph = f"{PUTIN} met {MERKEL} in Sochi. The weather was said to be fine. Later he insisted the war was over."
    assert speakers.to_parse(paragraph, [(0, 14)]) == [("Later he insisted the war was over.", paragraph.index("Later"))]
    assert speakers.to_parse("Nobody is named here, though someone said something.", []) == []
    assert {"said", "says", "denies", "denied", "warned", "tweeted", "told", "wrote", "admitted"} <= speakers.VERB_OF.keys()


@pytest.mark.django_db
def test_speaker_search_finds_the_paragraphs_that_give_their_words(store: Callable[..., object], client: Client) -> None:
    store(
        f'"We will not retreat," {PUTIN} said on Tuesday.\n\n{MERKEL} said {PUTIN} had broken his word.\n\n'
        f"{PUTIN} signed the decree in Moscow.",
        title="Talks",
    )
    stored = {m.paragraph.position: (m.person.name, m.speaker) for m in Mention.objects.select_related("paragraph", "person")}
    assert stored[0] == (PUTIN, True)

    def found(q: str) -> tuple[int, str]:
        soup = BeautifulSoup(client.get("/", {"q": q}).content, "html.parser")
        hit = soup.select_one("li.hit .snippet")
        return int(soup.select_one("[data-total-paragraphs]")["data-total-paragraphs"]), hit.get_text(" ", strip=True)[:12] if hit else ""

    assert found("person:putin")[0] == 3
    assert found("speaker:putin") == (1, '"We will not')  # said it; named in the other two
    assert found("speaker:merkel") == (1, "Angela Merke") and found("speaker:nobody") == (0, "")
    assert index.check().clean


@pytest.mark.django_db
def test_a_curator_who_corrects_a_speaker_changes_what_speaker_search_finds(
    store: Callable[..., object], curator: Client, django_capture_on_commit_callbacks: Any
) -> None:
    store(f"{PUTIN} signed the decree in Moscow on Tuesday.", title="Decree")
    mention = Mention.objects.get(person__name=PUTIN)
    assert not mention.speaker

    def total() -> str:
        soup = BeautifulSoup(curator.get("/", {"q": "speaker:putin"}).content, "html.parser")
        return soup.select_one("[data-total-paragraphs]")["data-total-paragraphs"]

    assert total() == "0"
    form = {f: getattr(mention, f) for f in ("start", "end", "text", "name")}
    form |= {"paragraph": mention.paragraph_id, "person": mention.person_id, "speaker": "on"}
    with django_capture_on_commit_callbacks(execute=True):  # the admin applies the index update after commit
        response = curator.post(f"/admin/search/mention/{mention.pk}/change/", form)
    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.speaker and total() == "1" and index.check().clean


@pytest.mark.django_db
def test_the_quoted_facet_counts_speakers_and_narrows_to_their_words(store: Callable[..., object], client: Client) -> None:
    store(f'"We will not retreat," {PUTIN} said on Tuesday.\n\n{MERKEL} said {PUTIN} had broken his word.', title="Talks")
    store(f"{MERKEL} told reporters the summit was over.\n\n{PUTIN} signed the decree in Moscow.", title="Summit")

    def facet(**params: str) -> tuple[dict[str, tuple[int, int]], int, list[str]]:
        soup = BeautifulSoup(client.get("/", params).content, "html.parser")
        values = {a["data-value"]: (int(a["data-count"]), int(a["data-articles"])) for a in soup.select('[data-facet="speaker"]')}
        total = int(soup.select_one("[data-total-paragraphs]")["data-total-paragraphs"])
        return values, total, [chip.get_text(" ", strip=True) for chip in soup.select("[data-chip]")]

    putin, merkel = (persons.slug for persons in _persons(PUTIN, MERKEL))
    assert facet(q="") == ({merkel: (2, 2), putin: (1, 1)}, 4, [])
    assert facet(q="decree")[0] == {}  # named there, not speaking
    values, total, chips = facet(q="", speaker=putin)
    assert total == 1 and values[putin] == (1, 1) and values[merkel] == (2, 2)  # its own filter aside, like the person facet
    assert chips == ["quoted Vladimir Putin ×"]
    assert facet(q="", person=putin)[0] == {merkel: (1, 1), putin: (1, 1)}  # speakers among the paragraphs naming Putin
    exported = json.loads(b"".join(client.get("/export.json", {"q": "word"}).streaming_content))
    assert [(row["persons"], row["speakers"]) for row in exported] == [([MERKEL, PUTIN], [MERKEL])]


def _persons(*names: str) -> list[Any]:
    from search.models import Person

    return [Person.objects.get(name=name) for name in names]
