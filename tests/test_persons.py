"""Persons you can trust (#18): one person per human, found under every name, nothing that is not a person.

Name rules (search.names), the article's own resolution (search.ingest.persons), the archive's
(search.people.Directory), the dry run against a real ingest, re-resolution (persons_resolve) and
the most used form as the canonical name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from search import names, people
from search.curation import actions as curation
from search.curation import suggestions
from search.engine import index
from search.ingest import persons
from search.ingest import store as ingest
from search.models import Alias, Article, IndexOutbox, Mention, Paragraph, Person, PersonRedirect, UnresolvedMention
from tests.conftest import DEMO, jsonl

P = names.parts


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Donald J. Trump", "Donald Trump"),
        ("Donald John Trump", "Donald J. Trump"),
        ("John A. Boehner", "John Boehner"),
        ("Hillary Rodham Clinton", "Hillary Clinton"),
        ("Hillary Diane Rodham Clinton", "Hillary Rodham Clinton"),
        ("Eric H. Holder Jr.", "Eric Holder"),
        ("Raúl R. Labrador", "Raul Labrador"),
        ("Jim Mattis", "James Mattis"),
        ("Joe Biden", "Joseph R. Biden"),
        ("Bill Clinton", "William Jefferson Clinton"),
        ("GEORGE H.W. BUSH", "George H. W. Bush"),
        ("J. Christopher Stevens", "Chris Stevens"),
        ("Martin O’Malley", "Martin O'Malley"),
    ],
)
def test_forms_of_one_name_are_one_human(a: str, b: str) -> None:
    assert names.same_human(P(a), P(b)) and names.same_human(P(b), P(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("George H. W. Bush", "George W. Bush"),  # initials must agree in number
        ("Bill Clinton", "Hillary Clinton"),
        ("Donald Trump Jr.", "Donald Trump"),  # a suffix without a middle name is a son, not a style
        ("Cal Ripken Jr.", "Cal Ripken Sr."),
        ("Jeb Bush", "George Bush"),
    ],
)
def test_different_humans_stay_apart(a: str, b: str) -> None:
    assert not names.same_human(P(a), P(b))


def test_near_spellings_are_misspellings_not_other_given_names() -> None:
    assert names.near_spelling(P("Ihan Omar"), P("Ilhan Omar"))
    assert names.near_spelling(P("Mohamed Morsy"), P("Mohammed Morsi"))
    assert not names.near_spelling(P("Mark Kelly"), P("Mary Kelly"))  # two given names, two humans
    assert not names.near_spelling(P("Jon Kyl"), P("Jan Kyl"))  # too short to tell
    assert not names.near_spelling(P("Daniel Brown"), P("Danielle Brown"))
    assert not names.near_spelling(P("David Card"), P("David Carr"))  # short last names: two people


def test_a_title_that_leaves_one_word_keeps_the_word() -> None:
    assert names.clean_name("King Fahd") == (0, "King Fahd")  # one word left: the title is how he is known
    assert names.clean_name("Pope Francis") == (0, "Pope Francis")
    assert names.clean_name("Mr. Trump") == (4, "Trump")  # a courtesy title is no part of a name
    assert names.clean_name("King Salman bin Abdulaziz") == (5, "Salman bin Abdulaziz")
    assert names.clean_name("Superintendent Eddie Johnson") == (15, "Eddie Johnson")
    assert names.clean_name("The Bernie Sanders") == (4, "Bernie Sanders")
    assert names.clean_name("Related Donald Trump") == (8, "Donald Trump")  # a link's label
    assert names.clean_name("Crown Prince Mohammed bin Salman") == (13, "Mohammed bin Salman")  # two words of a title
    assert P("Miguel de la Madrid").last == "de la madrid"


def test_in_article_forms_resolve_to_the_fullest() -> None:
    found = [
        "Debbie Wasserman Schultz",
        "Wasserman Schultz",
        "Enrique Peña Nieto",
        "Enrique Peña",
        "Donald Trump",
        "Trump Donald",
        "Related Donald Trump",
        "Removing Trump",
        "Donald Trump Jr.",
        "Melania Trump",
        "Mike Lee",
        "Mike Lee Michael",
        "Trump",
        "Trump",
        "Sanctimonious James Comey",
        "James Comey",
        "Barack Obama",
        "Joe Biden",
        "Obama Biden",
    ]
    resolved = persons.resolve_in_article(found, "related coverage: removing him, said to be sanctimonious")
    assert resolved["Wasserman Schultz"] == "Debbie Wasserman Schultz"
    assert resolved["Enrique Peña"] == "Enrique Peña Nieto"
    assert resolved["Trump Donald"] == resolved["Related Donald Trump"] == resolved["Removing Trump"] == "Donald Trump"
    assert resolved["Trump"] == "Donald Trump"  # the Trump the article names most, not the first one
    assert resolved["Donald Trump Jr."] == "Donald Trump Jr." and resolved["Melania Trump"] == "Melania Trump"
    assert resolved["Mike Lee Michael"] == "Mike Lee"
    assert resolved["James Comey"] == "James Comey"  # an epithet is not a given name
    assert resolved["Obama Biden"] == "Joe Biden"  # two surnames run together are not a third person


def test_spans_split_where_widgets_and_possessives_join_names() -> None:
    text = "Trump spoke. Corker agreed."
    assert [p for _, p, _ in persons._pieces("Theresa May’s Brexit", "")] == ["Theresa May", "Brexit"]
    assert [p for _, p, _ in persons._pieces("Facebook's Mark Zuckerberg", "")] == ["Facebook", "Mark Zuckerberg"]
    assert [(p, w) for _, p, w in persons._pieces("John TrumpKamala Harris", text)] == [("John Trump", True), ("Kamala Harris", False)]
    assert [p for _, p, _ in persons._pieces("CorkerLindsey Graham", text)] == ["Corker", "Lindsey Graham"]
    assert [p for _, p, _ in persons._pieces("Trump MORE", "")] == ["Trump"]
    assert [p for _, p, _ in persons._pieces("Charles Schumer Charles", "")] == ["Charles Schumer"]
    assert [p for _, p, _ in persons._pieces("Barack Obama Barack Hussein", "")] == ["Barack Obama"]
    assert [p for _, p, _ in persons._pieces("John Paul Jones", "")] == ["John Paul Jones"]
    assert [p for _, p, _ in persons._pieces("George H.W. Bush", "")] == ["George H.W. Bush"]  # initials are no widget
    assert [p for _, p, _ in persons._pieces("Ron DeSantis", text)] == ["Ron DeSantis"]  # not glued


def test_a_compound_made_of_a_name_is_the_name_and_korean_given_names_stay_whole() -> None:
    assert names.clean_name("George W. Bush-era") == (0, "George W. Bush")
    assert names.clean_name("Sen. Karl Rove-backed") == (5, "Karl Rove")
    assert names.clean_name("Moon Jae-in") == (0, "Moon Jae-in")
    assert names.clean_name("Kim Jong-un") == (0, "Kim Jong-un")


def test_headline_fragments_and_institutions_are_not_persons() -> None:
    found = persons.find_persons(
        [
            "Trump Lashes Out At Critics Over Witch Hunt",
            "Donald Trump said on Tuesday that the inquiry was unfair, and Trump repeated it later.",
            "Officials of the Obama White House met at Carson High on Monday, said the Trump Twitter account.",
        ]
    )
    strong = {m.name for m in found if not m.weak}  # weak: may name a known person, never creates one
    assert "Donald Trump" in strong
    assert not {"Trump Lashes Out", "Witch Hunt", "Obama White House", "Carson High", "Trump Twitter"} & strong
    headline = [m.name for m in found if m.paragraph == 0 and not m.weak]
    assert headline == ["Donald Trump"]  # the name inside the headline is the mention


def test_a_lone_common_word_is_not_a_surname() -> None:
    found = persons.find_persons(["Energy prices rose. The energy minister spoke to Walter Energy workers."])
    assert all(m.text != "Energy" for m in found)


def test_the_last_word_of_a_name_without_a_given_name_is_not_repeated() -> None:
    """The model's spans given by hand (``_mentions``): a lone word it missed is the same name again
    only after a name that opens with a given name ("Kevorkian" after "Jack Kevorkian"); after
    "Battleground Texas" a lone "Texas" is the state, not fifteen more mentions of a group."""
    paragraphs = ["Battleground Texas held a rally.", "Texas voters came, and Jack Kevorkian spoke.", "Kevorkian left Texas."]
    spans = [[(0, 18, "Battleground Texas", "PERSON")], [(0, 5, "Texas", "GPE"), (26, 40, "Jack Kevorkian", "PERSON")], []]
    found = [(m.paragraph, m.text, m.name) for m in persons._mentions(paragraphs, spans)]
    assert (2, "Kevorkian", "Jack Kevorkian") in found
    assert not [m for m in found if m[1] == "Texas"]
    # no given name, but nothing else in the article is "Akram": the surname is the name again
    paragraphs = ["Wasim Akram took five wickets.", "Akram said the pitch was slow."]
    found = [(m.paragraph, m.name) for m in persons._mentions(paragraphs, [[(0, 11, "Wasim Akram", "PERSON")], []])]
    assert (1, "Wasim Akram") in found


def test_a_lone_common_word_is_not_the_surname_of_a_name_without_a_given_name() -> None:
    """A lone "Coal" where the article writes "coal" is the word, even when the article also has the
    model's "Beyond Coal"; a lone "White" after "Mark White" is still him; "Surprised Obama" is Obama."""
    paragraphs = ["Beyond Coal won a grant.", "Coal prices fell as coal demand slowed."]
    found = persons._mentions(paragraphs, [[(0, 11, "Beyond Coal", "PERSON")], [(0, 4, "Coal", "PERSON")]])
    assert [(m.paragraph, m.text) for m in found] == [(0, "Beyond Coal")]
    paragraphs = ["Mark White spoke.", "White said the white paper was late."]
    found = persons._mentions(paragraphs, [[(0, 10, "Mark White", "PERSON")], [(0, 5, "White", "PERSON")]])
    assert [(m.paragraph, m.name) for m in found] == [(0, "Mark White"), (1, "Mark White")]
    assert persons.resolve_in_article(["Surprised Obama"], "Obama spoke.") == {"Surprised Obama": "Obama"}


@pytest.mark.django_db
def test_a_lone_surname_is_the_person_most_mentioned_around_its_date(store: Callable[..., object]) -> None:
    for year in (1990, 1991):
        store("George H. W. Bush met Mikhail Gorbachev in Helsinki.", published=dt.date(year, 9, 9))
    for year in (2003, 2004, 2005):
        store("George W. Bush spoke at the White House about Iraq.", published=dt.date(year, 3, 1))
    store("Bush said the talks had gone well.", published=dt.date(1990, 11, 1))
    store("Bush said the war would go on.", published=dt.date(2004, 6, 1))
    lone = dict(Mention.objects.filter(text="Bush").values_list("paragraph__article__published__year", "person__name"))
    assert lone == {1990: "George H. W. Bush", 2004: "George W. Bush"}


@pytest.mark.django_db
def test_a_lone_surname_stays_unresolved_when_two_are_close(store: Callable[..., object]) -> None:
    store("Jeb Bush spoke in Miami.", published=dt.date(2015, 1, 1))
    store("Laura Bush spoke in Dallas.", published=dt.date(2015, 2, 1))
    store("Bush then left the stage.", published=dt.date(2015, 3, 1))
    assert not Mention.objects.filter(text="Bush").exists()


@pytest.mark.django_db
def test_forms_of_a_name_are_one_person_named_by_its_most_used_form(store: Callable[..., object]) -> None:
    store("Donald J. Trump signed the order on Friday.")
    store("Donald Trump spoke in Ohio. Donald Trump then left for Florida.")
    store("Donald Trump said the deal was done.")
    store("Donald John Trump was sworn in.")
    assert list(Person.objects.values_list("name", flat=True)) == ["Donald Trump"]
    assert Mention.objects.filter(person__name="Donald Trump").count() == 5


@pytest.mark.django_db
def test_a_curated_name_is_kept(store: Callable[..., object]) -> None:
    store("Donald J. Trump signed the order on Friday.")
    Person.objects.filter(name="Donald J. Trump").update(name="Trump, Donald J.", name_curated=True)
    store("Donald Trump spoke in Ohio. Donald Trump then left for Florida.")
    assert list(Person.objects.values_list("name", flat=True)) == ["Trump, Donald J."]


def _preview(paths: list[Path]) -> list[dict[str, object]]:
    out = StringIO()
    call_command("ingest", *map(str, paths), "--dry-run", "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


ARTICLES = [
    {"url": "https://e.org/0", "published": "2019-02-28", "text": "Obama spoke in Chicago on Monday, and Obama left."},
    {"url": "https://e.org/1", "published": "2019-03-01", "text": "Donald J. Trump met Vladimir V. Putin in Helsinki on Monday."},
    {"url": "https://e.org/2", "published": "2019-03-02", "text": "Putin said the talks were useful, and President Trump said he agreed."},
    {
        "url": "https://e.org/3",
        "published": "2019-03-03",
        "text": "Rep. Debbie Wasserman Schultz spoke on Monday in Miami. Wasserman Schultz then left.",
    },
    {"url": "https://e.org/4", "published": "2019-03-04", "text": "Donald Trump spoke. Donald Trump left. Wasserman Schultz stayed."},
    {"url": "https://e.org/5", "published": "2019-03-05", "text": "Lukashenko met Yevgeny Prigozhin. Prigozhin then left for Minsk."},
    {"url": "https://e.org/6", "published": "2019-03-06", "text": "Former President Barack Obama spoke in Chicago on Tuesday."},
    {"url": "https://e.org/7", "published": "2019-03-07", "text": "Barack Obama met supporters in Chicago on Wednesday."},
    {"url": "https://e.org/8", "published": "2019-03-08", "text": "Vladimir V. Putin spoke in Moscow on Friday."},
]


def _stored_persons(urls: list[str]) -> list[list[str]]:
    return [sorted(set(Mention.objects.filter(paragraph__article__url=url).values_list("person__name", flat=True))) for url in urls]


@pytest.mark.django_db
def test_the_dry_run_gives_the_persons_an_ingest_of_the_same_files_stores(tmp_path: Path) -> None:
    """Resolving against the stored directory plus the files previewed, then giving earlier articles'
    unresolved names to the persons met later: every article's canonical persons in the preview are
    the ones it has once an ingest of the same files is done, file after file."""
    Person.objects.create(name="Alexander Lukashenko", slug="alexander-lukashenko", name_curated=True)  # a curator's
    files = [jsonl(tmp_path / f"{n}.jsonl", [record]) for n, record in enumerate(ARTICLES)]
    preview = [sorted(article["persons"]) for article in _preview(files)]  # type: ignore[arg-type]
    for path in files:
        ingest.ingest_paths([path])
    stored = _stored_persons([str(record["url"]) for record in ARTICLES])
    assert preview == stored
    assert stored[0] == ["Barack Obama"]  # named in full only in two later files
    assert stored[2] == ["Donald Trump", "Vladimir V. Putin"]  # the second article to name Putin in full is the last
    assert stored[4] == ["Debbie Wasserman Schultz", "Donald Trump"]
    assert stored[5] == ["Alexander Lukashenko", "Yevgeny Prigozhin"]
    assert not UnresolvedMention.objects.filter(name="Obama").exists()


@pytest.mark.django_db
def test_the_order_of_the_files_does_not_change_an_articles_persons(tmp_path: Path) -> None:
    """A lone surname stored before its person is met goes to that person at the end of the run that
    meets it, in a later run too: the persons and mentions are the same in either order."""
    lone, full = jsonl(tmp_path / "lone.jsonl", [ARTICLES[0]]), jsonl(tmp_path / "full.jsonl", ARTICLES[6:8])
    results = []
    for order in ([lone, full], [full, lone], [lone]):
        Mention.objects.all().delete()
        Article.objects.all().delete()
        Person.objects.all().delete()
        for path in order:
            ingest.ingest_paths([path])
        results.append(sorted(Mention.objects.values_list("paragraph__article__url", "text", "person__name")))
    assert (
        results[0]
        == results[1]
        == [("https://e.org/0", "Obama", "Barack Obama")] * 2
        + [("https://e.org/6", "Barack Obama", "Barack Obama"), ("https://e.org/7", "Barack Obama", "Barack Obama")]
    )
    assert results[2] == [] and list(UnresolvedMention.objects.values_list("text", "name")) == [("Obama", "Obama")] * 2


@pytest.mark.django_db
def test_persons_resolve_gives_unresolved_mentions_to_a_person_curated_since(store: Callable[..., object]) -> None:
    """A curator's new person (or alias) takes the lone mentions no one had, at the next persons_resolve."""
    store("Obama spoke in Chicago on Monday, and Obama left.")
    assert not Mention.objects.exists() and UnresolvedMention.objects.count() == 2
    obama = Person.objects.create(name="Barack Obama", slug="barack-obama", name_curated=True)  # as the admin saves it
    out = StringIO()
    call_command("persons_resolve", stdout=out)
    assert "2 earlier mention(s) given to a person" in out.getvalue()
    assert Mention.objects.filter(person=obama).count() == 2 and not UnresolvedMention.objects.exists()
    assert not IndexOutbox.objects.exists() and index.check().clean


@pytest.mark.django_db
def test_persons_resolve_folds_old_duplicates_once(store: Callable[..., object]) -> None:
    """Persons stored by older rules ("Donald J. Trump" apart from Donald Trump, "Trump MORE", a
    headline's "Obama White House") are folded or set aside; the mentions are all kept, the old slug
    leads to the person, the index follows, and a second run changes nothing."""
    store("Donald Trump spoke in Ohio. Barack Obama spoke in Chicago.")
    store("Donald Trump spoke in Iowa on Tuesday.")  # named in full in two articles: he takes a lone "Trump"
    trump = Person.objects.get(name="Donald Trump")
    paragraph = Paragraph.objects.first()
    assert paragraph is not None
    for name in ("Donald J. Trump", "Trump MORE", "Obama White House"):
        old = Person.objects.create(name=name, slug=name.lower().replace(" ", "-").replace(".", ""))
        Mention.objects.create(paragraph=paragraph, person=old, start=0, end=5, text=name, name=name)
    curated = Person.objects.create(name="Donald J. Trump Sr.", slug="djt-sr")
    Alias.objects.create(person=curated, name="The Donald")
    total = Mention.objects.count()
    out = StringIO()
    call_command("persons_resolve", stdout=out)
    assert "2 person(s) folded into another, 1 set aside" in out.getvalue()
    assert Mention.objects.count() == total
    assert Mention.objects.filter(person=trump).count() == 4
    assert Person.objects.get(name="Obama White House").not_a_person
    assert PersonRedirect.objects.get(slug="donald-j-trump").person == trump
    assert Person.objects.filter(pk=curated.pk).exists()  # curated: left alone
    assert not IndexOutbox.objects.exists()
    assert index.check().clean  # the folded mentions' paragraphs were indexed again
    again = StringIO()
    call_command("persons_resolve", stdout=again)
    assert "0 person(s) folded into another, 0 set aside" in again.getvalue()


@pytest.mark.django_db
def test_a_widgets_legal_name_after_a_known_person_is_that_person(store: Callable[..., object]) -> None:
    for day in (1, 2, 3):
        store("Ted Cruz spoke in Houston on Monday.", published=dt.date(2019, 5, day))
    store("Sen. Ted Cruz Rafael (Ted) Edward CruzSenate votes on the bill today.", published=dt.date(2019, 5, 9))
    assert list(Person.objects.values_list("name", flat=True)) == ["Ted Cruz"]
    assert people.known_person("Ted Cruz Rafael") == Person.objects.get(name="Ted Cruz")
    store("Mike Lee spoke. Mike Lee left. Mike Lee returned.")
    assert people.known_person("Michael Lee Wilson") is None  # a form of Mike Lee, then a surname: someone else


@pytest.mark.django_db
def test_people_lookup_uses_the_same_rules_as_ingest(store: Callable[..., object]) -> None:
    store("Donald Trump spoke in Ohio.")
    assert people.known_person("Donald J. Trump") == Person.objects.get(name="Donald Trump")
    assert people.known_person("Trump") is None  # one article named him: too little to take every "Trump"
    store("Donald Trump spoke in Iowa.")
    assert people.known_person("Trump") == Person.objects.get(name="Donald Trump")
    assert people.known_person("Lizard Squad") is None


@pytest.mark.django_db
def test_merge_suggestions_show_evidence_and_remember_a_rejection(curator: Client, store: Callable[..., object]) -> None:
    store("Benjamin Netanyahu spoke in Jerusalem. Benjamin Netanyahu then flew to Washington.", published=dt.date(2019, 1, 5))
    store("Binyamin Netanyahu met the envoy. Binyamin Netanyahu said nothing more.", published=dt.date(2019, 2, 5))
    store("Mark Kelly spoke in Tucson. Mark Kelly then left.")
    store("Mary Kelly spoke in Dublin. Mary Kelly then left.")
    store("Eric Holder spoke. Eric Holder left.")
    store("Eric Holder Jr. spoke. Eric Holder Jr. left.")
    url = reverse("admin:search_person_merge_suggestions")
    page = curator.get(url).content.decode()
    assert "Benjamin Netanyahu · Binyamin Netanyahu" in page and "given names spelt alike" in page
    assert "2019-01-05" in page and "Binyamin Netanyahu met the envoy" in page  # dates and a sample paragraph
    mark, mary = Person.objects.get(name="Mark Kelly"), Person.objects.get(name="Mary Kelly")
    pairs = {(s.first.person.name, s.second.person.name) for s in suggestions.merge_suggestions()}
    assert ("Mark Kelly", "Mary Kelly") in pairs or ("Mary Kelly", "Mark Kelly") in pairs
    assert {("Eric Holder", "Eric Holder Jr."), ("Eric Holder Jr.", "Eric Holder")} & pairs
    curator.post(url, {"keep": mark.pk, "other": mary.pk, "answer": "reject"})
    page = curator.get(url).content.decode()
    assert f'data-other="{mary.pk}"' not in page and f'data-keep="{mary.pk}"' not in page  # never suggested again
    assert Person.objects.filter(name__in=["Mark Kelly", "Mary Kelly"]).count() == 2


@pytest.mark.django_db
def test_accepting_a_suggestion_merges_and_a_split_restores_the_counts(curator: Client, store: Callable[..., object]) -> None:
    store("Benjamin Netanyahu spoke in Jerusalem. Benjamin Netanyahu then flew to Washington. Netanyahu smiled.")
    store("Binyamin Netanyahu met the envoy. Binyamin Netanyahu said nothing more.")
    before = dict(Person.objects.annotate(n=Count("mentions")).values_list("name", "n"))
    keep, other = Person.objects.get(name="Benjamin Netanyahu"), Person.objects.get(name="Binyamin Netanyahu")
    curator.post(reverse("admin:search_person_merge_suggestions"), {"keep": keep.pk, "other": other.pk, "answer": "merge"})
    assert list(Person.objects.values_list("name", flat=True)) == ["Benjamin Netanyahu"]
    assert keep.mentions.count() == sum(before.values())
    curation.split_alias(Alias.objects.get(name="Binyamin Netanyahu"))
    index.apply_pending()
    assert dict(Person.objects.annotate(n=Count("mentions")).values_list("name", "n")) == before
    assert index.check().clean


def test_a_viewer_sees_suggestions_but_cannot_answer(client: Client, db: None) -> None:
    call_command("search_groups", stdout=StringIO())
    user = User.objects.create_user("view", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name="viewer"))
    client.force_login(user)
    a = Person.objects.create(name="Binyamin Netanyahu", slug="a")
    b = Person.objects.create(name="Benjamin Netanyahu", slug="b")
    url = reverse("admin:search_person_merge_suggestions")
    assert client.get(url).status_code == 200
    assert client.post(url, {"keep": a.pk, "other": b.pk, "answer": "merge"}).status_code == 403
    assert Person.objects.count() == 2


def _well_known(name: str, mentions: int, store: Callable[..., object]) -> Person:
    """A person the archive mentions ``mentions`` times in full (stored mentions of two stored articles'
    paragraphs: a name one article gives takes no lone surname elsewhere)."""
    while Paragraph.objects.count() < 2:
        store("Nobody in particular spoke." if not Paragraph.objects.exists() else "Nobody else spoke either.")
    first, second = Paragraph.objects.order_by("pk")[:2]
    person, _ = Person.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})
    more = (Mention(paragraph=(first, second)[n % 2], person=person, start=0, end=5, text=name, name=name) for n in range(mentions))
    Mention.objects.bulk_create(more)
    return person


def _drafts(name: str, lone: str, count: int) -> list[persons.MentionDraft]:
    full = persons.MentionDraft(paragraph=0, start=0, end=len(name), text=name, name=name)
    return [full] + [persons.MentionDraft(paragraph=0, start=10 * n, end=10 * n + len(lone), text=lone, name=name) for n in range(1, count)]


@pytest.mark.django_db
def test_a_headline_word_before_a_well_known_surname_is_that_person_not_a_new_one(store: Callable[..., object]) -> None:
    """ "Collapse Trump" (its lone "Trump"s resolved to it in the article) is Donald Trump when he has
    20 times the mentions; a given name of any land ("Melania"), or a rare one beside a surname the
    archive knows only a little better, stays a person of its own."""
    trump = _well_known("Donald Trump", 100, store)
    _well_known("Kevin Li", 25, store)
    found, created = ingest.resolve_people(_drafts("Collapse Trump", "Trump", 4), people.Directory())
    assert found["Collapse Trump"] == trump and created == 0
    found, created = ingest.resolve_people(_drafts("Melania Trump", "Trump", 4), people.Directory())
    assert found["Melania Trump"].name == "Melania Trump" and created == 1
    found, created = ingest.resolve_people(_drafts("Bing Bing Li", "Li", 3), people.Directory())  # Li 25 < 20 × 3
    assert found["Bing Bing Li"].name == "Bing Bing Li" and created == 1
    found, _ = ingest.resolve_people(_drafts("Collapse Trump", "Trump", 6), people.Directory())  # 100 < 20 × 6: not sure enough
    assert found["Collapse Trump"].name == "Collapse Trump"


@pytest.mark.django_db
def test_persons_resolve_folds_a_headline_word_before_a_surname_stored_earlier(store: Callable[..., object]) -> None:
    obama = _well_known("Barack Obama", 400, store)
    early = Person.objects.create(name="Surprised Obama", slug="surprised-obama")
    paragraph = Paragraph.objects.first()
    lone = (Mention(paragraph=paragraph, person=early, start=0, end=5, text="Obama", name="Surprised Obama") for _ in range(16))
    Mention.objects.bulk_create(lone)
    out = StringIO()
    call_command("persons_resolve", "-v", "2", stdout=out)
    assert "fold: Surprised Obama → Barack Obama" in out.getvalue()
    assert Mention.objects.filter(person=obama).count() == 416


@pytest.mark.django_db
def test_persons_resolve_leaves_regnal_numbers_and_middle_names_alone(store: Callable[..., object]) -> None:
    """Two wrong folds of a fresh AllSides ingest: "Henry II" into Kristin Henry (the numeral was cut
    as a widget's word in capitals, leaving a lone surname), "John Paul Stevens" into the pope's "John
    Paul" (a surname after a given name is no widget's word)."""
    assert persons.cleaned_name("Henry II") == "Henry II" and persons.cleaned_name("Pope John Paul II") == "John Paul II"
    assert persons.cleaned_name("Trump MORE") == "Trump"
    for name in ("Kristin Henry", "John Paul", "Ted Cruz"):
        _well_known(name, 10, store)
    for name in ("Henry II", "John Paul Stevens"):
        person = Person.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        Mention.objects.create(paragraph=Paragraph.objects.first(), person=person, start=0, end=5, text=name, name=name)
    out = StringIO()
    call_command("persons_resolve", "-v", "2", stdout=out)
    assert "0 person(s) folded into another" in out.getvalue(), out.getvalue()
    directory = people.Directory()
    for trailing in ("Ted Cruz Rafael", "Ted Cruz Tweeted"):  # a widget's given name, a headline's word: still him
        assert directory.names[directory.lookup(trailing)] == "Ted Cruz"


def test_plain_two_word_names_are_parsed_as_nameparser_parses_them() -> None:
    """The fast path for "Given Last" names (names._simple_parts) must say what nameparser says: every
    pair of capitalised words in the demo corpus ("Barack Obama", "The President", "Prime Minister",
    "New York"), and names with titles, suffixes and particles."""
    import re

    from search import names

    pairs = set(re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", DEMO.read_text(encoding="utf-8")))
    pairs |= {"Doctor Who", "King Fahd", "John Jr", "Van Morrison", "Sir Elton", "Senator Obama", "Pope Francis", "Mr Trump"}
    fast = {name: parsed for name in pairs if (parsed := names._simple_parts(name)) is not None}
    assert len(fast) > 1000 and {"Doctor Who", "King Fahd", "Senator Obama", "Pope Francis"}.isdisjoint(fast)
    assert {name: names.parsed_parts(name) for name in fast} == fast
    assert names.parts("Donald Trump") == names.NameParts(first="donald", middles=(), last="trump", suffix="")


@pytest.mark.django_db
def test_persons_resolve_folds_a_compound_of_a_name_stored_before_the_rule(store: Callable[..., object]) -> None:
    bush = _well_known("George W. Bush", 10, store)
    compound = Person.objects.create(name="George W. Bush-era", slug="george-w-bush-era")
    Mention.objects.create(
        paragraph=Paragraph.objects.first(), person=compound, start=0, end=18, text="George W. Bush-era", name="George W. Bush-era"
    )
    call_command("persons_resolve", stdout=StringIO())
    assert not Person.objects.filter(name="George W. Bush-era").exists()
    assert Mention.objects.filter(person=bush).count() == 11
