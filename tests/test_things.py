"""Names the archive writes as things, not persons (search.ingest.things, docs/PERSONS.md rule 8)."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from search.curation import actions as curation
from search.engine import index
from search.ingest import things
from search.models import Mention, Paragraph, Person
from tests.conftest import jsonl


def _mentioned(name: str, texts: list[str], store: Callable[..., object], lone: str = "") -> Person:
    """A person with a stored mention wherever ``texts`` write ``name``, and ``lone`` alone (a surname)."""
    person = Person.objects.create(name=name)
    for text in texts:
        store(text)
        paragraph = Paragraph.objects.filter(text=text).get()
        paragraph.mentions.all().delete()  # the ones person finding gave: these are the test's own
        found = [(m.start(), m.end(), name, name) for m in re.finditer(re.escape(name), text)]
        if lone:
            inside = {n for start, end, *_ in found for n in range(start, end)}
            found += [(m.start(), m.end(), lone, name) for m in re.finditer(rf"\b{re.escape(lone)}\b", text) if m.start() not in inside]
        Mention.objects.bulk_create(Mention(paragraph=paragraph, person=person, start=s, end=e, text=t, name=n) for s, e, t, n in found)
    return person


@pytest.mark.django_db
def test_a_name_written_after_an_article_and_never_alone_is_a_thing(store: Callable[..., object]) -> None:
    thing = _mentioned(
        "Acme Widget", ["The court heard the Acme Widget case.", "An Acme Widget store opened.", "Acme Widget said it would appeal."], store
    )
    once = _mentioned("Jane Roe", ["The Jane Roe ruling was read.", "Jane Roe spoke.", "Jane Roe left."], store)
    named_alone = _mentioned(
        "Mark Hutton",
        ["A Mark Hutton pitch hit him.", "The Mark Hutton bill passed.", "Mark Hutton and Hutton's wife."],
        store,
        lone="Hutton",
    )
    inside_a_word = _mentioned("Pat Lee", ["They bathe Pat Lee daily.", "We bathe Pat Lee too.", "Pat Lee swam."], store)
    assert things.written_as_things([thing.pk, once.pk, named_alone.pk, inside_a_word.pk]) == [thing.pk]


@pytest.mark.django_db
def test_a_curators_word_on_a_person_is_kept(store: Callable[..., object]) -> None:
    thing = _mentioned("Acme Widget", ["The Acme Widget case.", "An Acme Widget store.", "Acme Widget said so."], store)
    curation.set_not_a_person(Person.objects.filter(pk=thing.pk), value=False)  # a curator: "it is a person"
    assert things.written_as_things([thing.pk]) == []


@pytest.mark.django_db
def test_an_ingest_run_sets_aside_what_it_writes_as_a_thing_and_search_stops_counting_it(tmp_path: Path, client: Client) -> None:
    records = [
        {
            "title": "Court",
            "text": "The Supreme Court heard the Hobby Lobby case on Tuesday.\n\nLawyers for Hobby Lobby said the ruling mattered.",
        },
        {"title": "Store", "text": "A Hobby Lobby store opened in Dallas, officials said.\n\nJane Smith, a shopper, said she liked it."},
        {"title": "Bill", "text": "Senator Mark Hutton said a Mark Hutton bill would pass.\n\nHutton smiled at reporters."},
    ]
    out = StringIO()
    call_command(
        "ingest", str(jsonl(tmp_path / "a.jsonl", [{**r, "url": f"https://example.org/{n}"} for n, r in enumerate(records)])), stdout=out
    )
    assert "persons: 1 set aside as written like things, not persons: Hobby Lobby" in out.getvalue()
    assert set(Person.objects.filter(not_a_person=True).values_list("name", flat=True)) == {"Hobby Lobby"}
    assert Mention.objects.filter(person__name="Hobby Lobby").count() >= 2  # kept, no longer counted
    index.apply_pending()
    page = client.get("/", {"q": "Hobby"})
    assert b'data-total-paragraphs="3"' in page.content and b'data-value="hobby-lobby"' not in page.content
    assert b'data-value="mark-hutton"' in client.get("/", {"q": "Hutton"}).content


@pytest.mark.django_db
def test_persons_resolve_sets_aside_things_stored_before_the_rule(store: Callable[..., object]) -> None:
    thing = _mentioned("Acme Widget", ["The Acme Widget case.", "An Acme Widget store.", "Acme Widget said so."], store)
    out = StringIO()
    call_command("persons_resolve", "--dry-run", stdout=out)
    assert not Person.objects.get(pk=thing.pk).not_a_person
    call_command("persons_resolve", stdout=out)
    assert Person.objects.get(pk=thing.pk).not_a_person
    assert "1 set aside as not persons" in out.getvalue()
