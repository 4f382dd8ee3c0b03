from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client

from search.curation import actions as curation
from search.engine import index
from search.ingest import repeats as rules
from search.ingest import store as ingest
from search.models import Alias, Article, BoilerplateRule, IndexOutbox, Mention, Paragraph, Person, Source
from search.web import facets
from search.web import results as query
from search.web.params import SearchParams

pytestmark = pytest.mark.django_db


def total(q: str = "", **changes: str) -> int:
    """Paragraphs found for ``q``, with facet parameters by name (``from_`` for ``from``)."""
    state = {name.rstrip("_"): (value,) for name, value in changes.items()}
    return query.search(SearchParams(q=q).changed(state)).total_paragraphs


def person_counts(q: str = "") -> dict[str, int]:
    return {v.label: v.count for v in query.search(SearchParams(q=q)).facet_map["person"].values}


def action(client: Client, model: str, name: str, ids: list[int]) -> str:
    response = client.post(f"/admin/search/{model}/", {"action": name, "_selected_action": ids}, follow=True)
    assert response.status_code == 200
    return " ".join(str(m) for m in response.context["messages"])


def test_merge_two_spellings_of_a_person(curator: Client, store: Callable[..., object]) -> None:
    store("Volodymyr Zelensky spoke in Kyiv on Monday.")
    store("Volodymyr Zelenskyy visited troops near Kharkiv.")
    assert person_counts() == {"Volodymyr Zelensky": 1, "Volodymyr Zelenskyy": 1}
    ids = list(Person.objects.values_list("pk", flat=True))
    message = action(curator, "person", "merge_persons", ids)
    assert "1 paragraph(s) updated in search" in message  # the other spelling's paragraph
    (name,) = person_counts()
    assert person_counts() == {name: 2}
    assert Alias.objects.filter(person__name=name).count() == 1
    assert total(q="person:zelenskyy") == total(q="person:zelensky") == 2
    assert LogEntry.objects.filter(change_message__startswith="Merged").exists()


def test_merge_fox_news_and_fox_online_news(curator: Client, store: Callable[..., object]) -> None:
    store("Storms hit Texas.", source="Fox News")
    store("Storms hit Texas again.", source="Fox News")
    store("Storms move east.", source="Fox Online News")
    message = action(curator, "source", "merge_sources", list(Source.objects.values_list("pk", flat=True)))
    assert "Merged Fox Online News into Fox News: 1 paragraph(s) updated in search." in message
    facet = query.search(SearchParams(q="storms")).facet_map["source"]
    assert [(v.label, v.count) for v in facet.values] == [("Fox News", 3)]
    store("Storms reach Ohio.", source="Fox Online News")  # later ingests follow the merge
    facet = query.search(SearchParams(q="storms")).facet_map["source"]
    assert [(v.label, v.count) for v in facet.values] == [("Fox News", 4)]
    message = action(curator, "source", "undo_merge", [Source.objects.get(name="Fox Online News").pk])
    assert "Restored Fox Online News: 1 paragraph(s) updated in search." in message
    facet = query.search(SearchParams(q="storms")).facet_map["source"]
    assert [(v.label, v.count) for v in facet.values] == [("Fox News", 3), ("Fox Online News", 1)]


def test_boilerplate_rule_previews_then_applies(
    curator: Client, store: Callable[..., object], django_capture_on_commit_callbacks: Any
) -> None:
    store("Discover more at our site.\n\nThe bridge reopened.", source="Daily")
    store("Discover more at our site.\n\nThe tunnel closed.", source="Daily")
    source = Source.objects.get()
    assert total(q="discover") == 2
    form = {"source": source.pk, "pattern": "Discover more at our site.", "reason": "read-more link"}
    preview = curator.post("/admin/search/boilerplaterule/add/", form)
    page = preview.content.decode()
    assert preview.status_code == 200 and "This rule catches 2 paragraph(s)" in page and "data-preview" in page
    assert "Please correct" not in page and "errornote" not in page  # a step, not an error (it was shown red)
    assert not BoilerplateRule.objects.exists() and total(q="discover") == 2
    with django_capture_on_commit_callbacks(execute=True):  # the admin applies the index update after commit
        saved = curator.post("/admin/search/boilerplaterule/add/", {**form, "confirm": "on"}, follow=True)
    assert "2 paragraph(s) set aside" in saved.content.decode()
    assert total(q="discover") == 0
    assert Paragraph.objects.filter(boilerplate_reason="read-more link").count() == 2
    store("Discover more at our site.\n\nA third story.", source="Daily")  # the rule applies to new articles too
    assert total(q="discover") == 0
    rule = BoilerplateRule.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # and deleting the rule undoes it
        undone = curator.post(f"/admin/search/boilerplaterule/{rule.pk}/delete/", {"post": "yes"}, follow=True)
    assert "3 paragraph(s) kept again" in undone.content.decode()
    assert total(q="discover") == 3


def test_bad_regex_rule_is_refused(curator: Client) -> None:
    response = curator.post(
        "/admin/search/boilerplaterule/add/", {"pattern": "(unclosed", "is_regex": "on", "reason": "x", "confirm": "on"}
    )
    assert "Not a regular expression" in response.content.decode()


def test_not_a_person_stops_counting(curator: Client, store: Callable[..., object]) -> None:
    store("Angela Merkel met Emmanuel Macron in Berlin.")
    macron = Person.objects.get(name="Emmanuel Macron")
    action(curator, "person", "mark_not_a_person", [macron.pk])
    assert person_counts() == {"Angela Merkel": 1}
    action(curator, "person", "mark_a_person", [macron.pk])
    assert person_counts() == {"Angela Merkel": 1, "Emmanuel Macron": 1}


def test_split_alias_into_its_own_person(curator: Client, store: Callable[..., object]) -> None:
    store("Hunter Biden testified.\n\nJoe Biden spoke later.")
    joe, hunter = Person.objects.get(name="Joe Biden"), Person.objects.get(name="Hunter Biden")
    curation.merge_persons(joe, [hunter])  # a curator's mistake...
    index.apply_pending()
    assert person_counts() == {"Joe Biden": 2}
    action(curator, "alias", "split_off", [Alias.objects.get(name="Hunter Biden").pk])  # ...undone
    assert person_counts() == {"Joe Biden": 1, "Hunter Biden": 1}


def test_paragraph_bulk_toggle_and_article_delete(
    curator: Client, store: Callable[..., object], django_capture_on_commit_callbacks: Any
) -> None:
    store("Flood waters rose.\n\nFlood defences held.")
    first = Paragraph.objects.get(position=0)
    action(curator, "paragraph", "mark_boilerplate", [first.pk])
    assert total(q="flood") == 1
    action(curator, "paragraph", "mark_kept", [first.pk])
    assert total(q="flood") == 2
    article = Article.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post(f"/admin/search/article/{article.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert total(q="flood") == 0 and index.document_count() == 0


def test_rerun_extraction_picks_up_new_rules(curator: Client, store: Callable[..., object]) -> None:
    store("Subscribe for daily updates!\n\nThe harbour reopened.", source="Port News")
    BoilerplateRule.objects.create(source=Source.objects.get(), pattern="Subscribe for daily updates!", reason="promo")
    assert total(q="daily") == 1
    message = action(curator, "article", "rerun_extraction", list(Article.objects.values_list("pk", flat=True)))
    assert "Extraction re-run" in message
    assert total(q="daily") == 0 and total(q="harbour") == 1


def test_paragraph_repeated_across_a_source_becomes_boilerplate(store: Callable[..., object]) -> None:
    repeated = "Contact the newsroom at tips@example.org."
    store(f"{repeated}\n\nFirst story text.", source="Gazette")
    store(f"{repeated}\n\nSecond story text.", source="Gazette")
    store(f"{repeated}\n\nOther outlet story.", source="Herald")
    assert total(q="newsroom") == 3
    store(f"{repeated}\n\nThird story text.", source="Gazette")
    # Three Gazette articles now share it: set aside in all of them, the earlier ones included.
    assert total(q="newsroom") == 1
    assert Paragraph.objects.filter(boilerplate_reason="repeated in source").count() == 3


def _repetition_stream() -> list[dict[str, str]]:
    """Forty articles of two outlets: a footer in most Gazette articles, a question in a few, a
    footer of the Herald's that only starts late, and one Gazette article re-ingested with a change."""
    records = []
    for n in range(30):
        footer = "Contact the newsroom at tips@example.org." if n % 3 else "Write to the desk at desk@example.org."
        question = "\n\nWhat did the council decide?" if n in (4, 9) else ""
        text = f"Story {n} begins here.{question}\n\n{footer}"
        records.append({"url": f"https://gazette.example/{n}", "source": "Gazette", "text": text})
    for n in range(10):
        footer = "\n\nHerald staff wrote this." if n >= 5 else ""
        records.append({"url": f"https://herald.example/{n}", "source": "Herald", "text": f"Herald story {n}.{footer}"})
    changed = "Story 7 begins anew.\n\nWhat did the council decide?"
    records.append({"url": "https://gazette.example/7", "source": "Gazette", "text": changed})
    # an article that moves to another outlet, with a paragraph both outlets repeat
    records.append({"url": "https://herald.example/6", "source": "Gazette", "text": "Herald story 6, moved.\n\nHerald staff wrote this."})
    return records


def _flags() -> list[tuple[str, str, int, bool, str]]:
    rows = Paragraph.objects.values_list("article__url", "text", "position", "is_boilerplate", "boilerplate_reason")
    return sorted(rows)


def test_bulk_ingest_counts_repetition_in_memory_with_the_database_rule(tmp_path: Path) -> None:
    """ingest_paths keeps layer 2's counts in memory (rules.SourceRepeats); storing the same articles
    one by one with the database rule (rules.mark_repeated) must set aside exactly the same paragraphs."""
    from tests.conftest import jsonl

    records = _repetition_stream()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", records[:-2]), jsonl(tmp_path / "b.jsonl", records[-2:])])
    in_memory = _flags()
    assert any(reason == "repeated in source" for *_, reason in in_memory)
    Article.objects.all().delete()
    Source.objects.all().delete()
    for record in records:
        ingest.store_article(ingest.ArticleInput(text=record["text"], url=record["url"], source=record["source"]))
    ingest.settle_boilerplate(set(Source.objects.values_list("id", flat=True)))  # as ingest_paths does after its run
    assert _flags() == in_memory


def test_search_check_reports_and_repairs_drift(store: Callable[..., object]) -> None:
    store("Alpha paragraph.\n\nBeta paragraph.")
    store("Gamma paragraph.")
    out = StringIO()
    call_command("search_check", stdout=out)
    assert "No drift" in out.getvalue()
    Paragraph.objects.filter(text="Beta paragraph.").update(text="Beta paragraph, corrected.")  # no outbox: drift
    Article.objects.filter(paragraphs__text="Gamma paragraph.").delete()
    drift = index.check()
    assert (len(drift.missing), len(drift.extra), len(drift.stale)) == (0, 1, 1)
    with pytest.raises(Exception, match="does not match"):
        call_command("search_check", stdout=StringIO())
    out = StringIO()
    call_command("search_check", "--repair", stdout=out)
    assert "Repaired: no drift." in out.getvalue()
    assert total(q="corrected") == 1 and total(q="gamma") == 0


def test_pending_updates_are_applied_by_the_next_writer(store: Callable[..., object]) -> None:
    store("Harbour news.")
    article = Article.objects.get()
    Paragraph.objects.filter(article=article).update(text="Airport news.")
    index.queue_articles([article.pk])  # as if the process died before applying
    assert IndexOutbox.objects.count() == 1 and total(q="airport") == 0
    call_command("search_sync", stdout=StringIO())
    assert total(q="airport") == 1 and not IndexOutbox.objects.exists()


def test_viewer_group_can_look_but_not_change(client: Client, store: Callable[..., object]) -> None:
    store("Anything.", source="S")
    call_command("search_groups", stdout=StringIO())
    viewer = User.objects.create_user("viewer", password="pw-for-tests-only", is_staff=True)
    viewer.groups.add(Group.objects.get(name="viewer"))
    client.force_login(viewer)
    assert client.get("/admin/search/article/").status_code == 200
    source = Source.objects.get()
    assert client.post(f"/admin/search/source/{source.pk}/change/", {"name": "Changed", "slug": "changed"}).status_code == 403


def test_admin_needs_login_and_search_can_require_it(client: Client, settings: object) -> None:
    assert client.get("/admin/search/article/").status_code == 302
    assert client.get("/").status_code == 200
    settings.SEARCH_REQUIRE_LOGIN = True  # type: ignore[attr-defined]
    response = client.get("/?q=x")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_published_dates_survive_curation(store: Callable[..., object]) -> None:
    store("Dated story.", published=dt.date(2019, 5, 1), source="A")
    store("Dated story two.", published=dt.date(2019, 5, 2), source="B")
    curation.merge_sources(Source.objects.get(name="A"), [Source.objects.get(name="B")])
    index.apply_pending()
    assert total(q="dated", from_="2019-05", to="2019-05") == 2
    assert index.check().clean


def test_a_series_repeating_a_question_is_not_boilerplate(store: Callable[..., object]) -> None:
    for i in range(60):
        store(f"Story number {i} about the harbour.", source="Wire")
    question = "((WN)) What should be done about climate change?"
    for i in range(3):
        store(f"Interview {i} opening.\n\n{question}\n\nAn answer {i}.", source="Wire")
    assert total(q="climate") == 3  # 3 of 63 articles: a series, not the outlet's footer


def test_curated_decisions_survive_reingest_of_a_changed_article(curator: Client, store: Callable[..., object]) -> None:
    text = "Maria Kowalska opened the bridge.\n\nSubscribe to our newsletter for more.\n\nThe council paid for it."
    store(text, url="https://example.org/bridge", source="Gazette")
    aside = Paragraph.objects.get(text="The council paid for it.")
    kept = Paragraph.objects.get(text__startswith="Subscribe")
    assert kept.is_boilerplate  # the heuristics set the prompt aside
    action(curator, "paragraph", "mark_boilerplate", [aside.pk])
    action(curator, "paragraph", "mark_kept", [kept.pk])
    store(text + "\n\nA correction was added later.", url="https://example.org/bridge", source="Gazette")
    assert Paragraph.objects.get(text="The council paid for it.").is_boilerplate
    assert not Paragraph.objects.get(text__startswith="Subscribe").is_boilerplate
    assert total(q="council") == 0 and total(q="newsletter") == 1


# --- the renovation's bugs (#13), each failing before its fix ---------------------------------------


def test_a_regex_rule_catches_the_same_paragraphs_on_every_database(store: Callable[..., object]) -> None:
    """Curated expressions are Python's ``re``, as validated: ``\\b`` and ``\\d`` mean the same on
    PostgreSQL (whose own ``~`` reads ``\\b`` as a backspace) as on SQLite."""
    store("Filed under 3 topics\n\nThe bridge reopened.", source="Daily")
    store("Filed under 12 topics\n\nThe tunnel closed.", source="Daily")
    store("Everything filed under 3 topics stayed in the books.", source="Daily")
    rule = BoilerplateRule.objects.create(source=Source.objects.get(), pattern=r"^Filed under\b \d+ topics$", is_regex=True)
    assert len(rules.rule_matches(rule)) == 2
    assert curation.apply_rule(rule) == 2
    index.apply_pending()
    assert total(q="topics") == 1 and total(q="books") == 1


def test_removing_a_rule_keeps_what_another_rule_with_the_same_reason_set_aside(store: Callable[..., object]) -> None:
    """Two rules with one reason whose patterns overlap: removing one must not keep again what the other
    set aside (found by reason and pattern, the other rule's paragraph was kept again too)."""
    store("Alpha footer.\n\nBeta footer.\n\nThe harbour reopened.")
    beta = BoilerplateRule.objects.create(pattern="Beta footer.", reason="footer")
    alpha = BoilerplateRule.objects.create(pattern=r"footer\.$", is_regex=True, reason="footer")
    curation.apply_rule(beta)
    curation.apply_rule(alpha)  # catches "Alpha footer." (Beta's is aside already)
    index.apply_pending()
    assert total(q="footer") == 0
    assert curation.remove_rule(alpha) == 1
    index.apply_pending()
    assert total(q="alpha") == 1 and total(q="beta") == 0  # beta's paragraph stays aside
    assert Paragraph.objects.get(text="Beta footer.").rule == beta


def test_deleting_a_paragraph_in_the_admin_reaches_search(
    curator: Client, store: Callable[..., object], django_capture_on_commit_callbacks: Any
) -> None:
    store("The harbour reopened.\n\nThe tunnel closed.")
    paragraph = Paragraph.objects.get(text="The harbour reopened.")
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post(f"/admin/search/paragraph/{paragraph.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200 and not Paragraph.objects.filter(pk=paragraph.pk).exists()
    assert total(q="harbour") == 0 and total(q="tunnel") == 1


def test_editing_a_mention_in_the_admin_reaches_search(
    curator: Client, store: Callable[..., object], django_capture_on_commit_callbacks: Any
) -> None:
    store("Angela Merkel spoke first. Emmanuel Macron spoke next.")
    mention = Mention.objects.get(person__name="Angela Merkel")
    macron = Person.objects.get(name="Emmanuel Macron")
    form = {"paragraph": mention.paragraph_id, "person": macron.pk, "start": mention.start, "end": mention.end, "text": mention.text}
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post(f"/admin/search/mention/{mention.pk}/change/", form, follow=True)
    assert response.status_code == 200 and Mention.objects.get(pk=mention.pk).person == macron
    assert person_counts() == {"Emmanuel Macron": 1}  # Merkel's only mention moved: she is no longer counted


def test_splitting_a_name_off_after_a_merge_restores_its_mentions(curator: Client, store: Callable[..., object]) -> None:
    """Mentions written "Trump" in an article that names "Donald Trump Jr." belong to that name: a
    (mistaken) merge moves them, and splitting the name back out must take every one of them back."""
    store("Donald Trump spoke on Monday. Trump said the talks went well.")
    store("Donald Trump Jr. arrived late. Trump then left. Later Trump returned, and Trump spoke.")
    before = Person.objects.get(name="Donald Trump Jr.").mentions.count()
    assert before == 4
    target = Person.objects.get(name="Donald Trump")
    curation.merge_persons(target, [Person.objects.get(name="Donald Trump Jr.")])
    assert target.mentions.count() == 6
    person, _ = curation.split_alias(Alias.objects.get(name="Donald Trump Jr."))
    index.apply_pending()
    assert person.mentions.count() == before and target.mentions.count() == 2
    assert person_counts() == {"Donald Trump": 1, "Donald Trump Jr.": 1}


# --- roles (#16): every action states the permission it needs ------------------------------------

ACTIONS = [
    (model._meta.model_name, name)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label == "search"
    for name in model_admin.actions or ()
]


def _state() -> tuple[int, ...]:
    """What any curation action changes: a viewer's attempt must leave every one of these as it was."""
    return (
        Person.objects.count(),
        Person.objects.filter(not_a_person=True).count(),
        Alias.objects.count(),
        Source.objects.filter(merged_into__isnull=False).count(),
        Paragraph.objects.count(),
        Paragraph.objects.filter(is_boilerplate=True).count(),
        IndexOutbox.objects.count(),
        LogEntry.objects.count(),
        Mention.objects.count(),
    )


def _role(client: Client, group: str) -> Client:
    call_command("search_groups", stdout=StringIO())
    user = User.objects.create_user(f"{group}-user", password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


@pytest.mark.parametrize(("model", "name"), ACTIONS, ids=[f"{m}.{n}" for m, n in ACTIONS])
def test_a_viewer_runs_no_action_and_a_curator_is_offered_each(model: str, name: str, client: Client, store: Callable[..., object]) -> None:
    store("Volodymyr Zelensky spoke in Kyiv. Advertisement", source="Fox News")
    store("Volodymyr Zelenskyy visited Kharkiv.", source="Fox Online News")
    Alias.objects.create(name="Zelya", person=Person.objects.first())
    Source.objects.filter(name="Fox Online News").update(merged_into=Source.objects.get(name="Fox News"))
    ids = list(apps.get_model("search", model).objects.values_list("pk", flat=True))
    assert len(ACTIONS) >= 10 and ids
    viewer = _role(client, "viewer")
    before = _state()
    response = viewer.post(f"/admin/search/{model}/", {"action": name, "_selected_action": ids}, follow=True)
    assert response.status_code in (200, 403) and _state() == before
    assert f'value="{name}"' not in viewer.get(f"/admin/search/{model}/").content.decode()
    curator = _role(Client(), "curator")
    assert f'value="{name}"' in curator.get(f"/admin/search/{model}/").content.decode()


def test_nobody_deletes_or_edits_a_pending_index_update_in_the_admin(client: Client, store: Callable[..., object]) -> None:
    store("The harbour reopened.")
    index.queue_articles([Article.objects.get().pk])
    row = IndexOutbox.objects.get()
    curator = _role(client, "curator")
    assert curator.get("/admin/search/indexoutbox/").status_code == 200  # looked at
    assert curator.post(f"/admin/search/indexoutbox/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    assert curator.post("/admin/search/indexoutbox/", bulk).status_code in (200, 302)
    assert IndexOutbox.objects.filter(pk=row.pk).exists()
    assert not Group.objects.get(name="curator").permissions.filter(codename__in=["delete_indexoutbox", "change_indexoutbox"]).exists()


def test_a_merged_persons_and_sources_urls_lead_to_the_survivor(client: Client, store: Callable[..., object]) -> None:
    store("Volodymyr Zelensky spoke in Kyiv on Monday.\n\nVolodymyr Zelensky then left.", source="Fox News")
    store("Volodymyr Zelenskyy visited troops near Kharkiv.", source="Fox Online News")
    survivor, merged = Person.objects.get(name="Volodymyr Zelensky"), Person.objects.get(name="Volodymyr Zelenskyy")
    old_slug = merged.slug
    curation.merge_persons(survivor, [merged])
    curation.merge_sources(Source.objects.get(name="Fox News"), [Source.objects.get(name="Fox Online News")])
    index.apply_pending()
    page = client.get("/", {"person": old_slug, "source": "fox-online-news"}).content.decode()
    assert 'data-total-paragraphs="3"' in page  # not the whole archive with "Unknown person … ignored"
    assert "Unknown" not in page and f"“{old_slug}” was merged into Volodymyr Zelensky" in page
    assert f'data-value="{survivor.slug}"' in page
    # merged again into a third person: the first slug follows
    third = Person.objects.create(name="Zelensky Volodymyr", slug="zelensky-volodymyr")
    curation.merge_persons(third, [survivor])
    index.apply_pending()
    assert query.search(facets_params(person=old_slug)).total_paragraphs == 3
    # split back out: the slug is its own person's again
    person, _ = curation.split_alias(Alias.objects.get(name="Volodymyr Zelenskyy"))
    index.apply_pending()
    assert person.slug == old_slug and query.search(facets_params(person=old_slug)).total_paragraphs == 1


def facets_params(**values: str) -> SearchParams:
    """The search state of a request with these parameters, read as a request's are."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data[name] = value
    return facets.read_params(data)


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_answers_before_the_index_is_updated(
    curator: Client, store: Callable[..., object], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index work of an edit runs after the response, in search.engine.background's thread
    (saving an alias on a much-mentioned person took over 30 s when it ran in the request)."""
    from search.engine import background  # noqa: PLC0415

    store("Prime Minister Benjamin Netanyahu met the cabinet.")
    settings.SEARCH_APPLY_IN_BACKGROUND = True
    release, applied = threading.Event(), threading.Event()
    real_apply = index.apply_pending

    def slow_apply(**kwargs: Any) -> int:
        release.wait(30)  # the index write takes as long as the test says
        count = real_apply(**kwargs)
        applied.set()
        return count

    monkeypatch.setattr(index, "apply_pending", slow_apply)
    person = Person.objects.get(name="Benjamin Netanyahu")
    response = curator.post(
        f"/admin/search/person/{person.pk}/change/",
        {
            "name": "Benjamin Netanyahu",
            "slug": person.slug,
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "Bibi",
        },
        follow=True,
    )
    assert response.status_code == 200 and Alias.objects.filter(name="Bibi").exists()
    assert not applied.is_set() and IndexOutbox.objects.exists()  # answered before the index was written
    release.set()
    assert background.wait_idle(30)
    assert applied.is_set() and not IndexOutbox.objects.exists() and index.check().clean
