"""Boilerplate decided over the archive (#19): the learned layer, and repetition that does not depend on order."""

from __future__ import annotations

import random
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from search.ingest import boilerplate, features, learned
from search.ingest import store as ingest
from search.models import Article, BoilerplateModel, Paragraph, Source
from tests.conftest import jsonl

pytestmark = pytest.mark.django_db

_WORDS = (
    "council harbour budget minister vote report court police union school river bridge hospital election "
    "tax farmers workers plan market energy water road trial city province government crew"
).split()
_VERBS = "approved rejected debated announced delayed opened closed reviewed funded questioned".split()
_NAMES = ["Lena Park", "Omar Diaz", "Ruth Okafor", "Ivan Petrov", "Mia Chen", "Sam Otieno", "Ada Novak", "Leo Rossi"]


def _sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(_WORDS, 3)
    return f"The {a} {rng.choice(_VERBS)} the {b} plan on {rng.choice(['Monday', 'Tuesday', 'Friday'])}, the {c} said."


def _prose(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _article(rng: random.Random, source: str, n: int, furniture: list[str]) -> dict[str, str]:
    paragraphs = [_prose(rng) for _ in range(rng.randint(5, 8))]
    for line in furniture:
        paragraphs.insert(rng.choice([1, len(paragraphs) // 2, len(paragraphs)]), line)
    return {"url": f"https://{source.lower().replace(' ', '')}.example/{n}", "source": source, "text": "\n\n".join(paragraphs)}


def _archive(seed: int = 5) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Sixty articles of four outlets whose furniture the patterns know (credits, ads, prompts), with
    short headings of their own, and fifteen of an outlet three of which carry a credit no pattern has
    ("Image: Lena Park / Harbour Wire"): few enough that the threshold's precision can admit them."""
    rng = random.Random(seed)
    known = []
    for s, source in enumerate(["North Post", "South Ledger", "East Courier", "West Tribune"]):
        for n in range(15):
            credit = f"Photo: {rng.choice(_NAMES)}/{source}" if n % 3 else f"Photo: {rng.choice(_NAMES)}/Getty Images"
            furniture = [credit, "Advertisement"] if (n + s) % 2 else [credit, "Follow us on Twitter", "Getty Images"]
            known.append(_article(rng, source, n, [*furniture, _heading(rng)]))
    unseen = [_article(rng, "Harbour Wire", n, [_heading(rng)]) for n in range(12)]
    unseen += [_article(rng, "Harbour Wire", n, [f"Image: {_NAMES[n - 12]} / Harbour Wire"]) for n in range(12, 15)]
    return known, unseen


def _heading(rng: random.Random) -> str:
    a, b = rng.sample(_WORDS, 2)
    return rng.choice([f"What the {a} wants", f"The {a} question", f"{a.title()} and {b}", "What comes next"])


def test_masked_repetition_sets_numbers_aside() -> None:
    assert features.masked_hash("Updated 3:15 p.m.") == features.masked_hash("updated  4:20 p.m.")
    assert features.masked_hash("Updated 3:15 p.m.") != features.masked_hash("Updated at 3:15 p.m.")
    rows = features.article_features(features.ArticleParagraphs(["Advertisement", "The council met. It voted."], [True, False], [9, 0], 10))
    assert rows.shape == (2, len(features.NAMES)) and rows.dtype == np.float32


def test_ingest_fits_the_layer_once_the_archive_is_big_enough(tmp_path: Path) -> None:
    known, unseen = _archive()
    summary = ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known[:40])])
    assert learned.MIN_ARTICLES > 40 and not BoilerplateModel.objects.exists()
    summary = ingest.ingest_paths([jsonl(tmp_path / "b.jsonl", known[40:] + unseen)])
    assert "learned layer fitted again" in summary.boilerplate_settled
    stored = BoilerplateModel.objects.get()
    assert stored.articles == 75 and stored.weights["features"] == list(features.NAMES) and "threshold" in stored.report


def _fit(*args: str) -> str:
    out = StringIO()
    call_command("boilerplate_fit", *args, stdout=out)
    return out.getvalue()


def test_the_learned_layer_finds_furniture_no_pattern_knows(tmp_path: Path) -> None:
    known, unseen = _archive()
    lines = [p for a in unseen for p in a["text"].split("\n\n") if p.startswith("Image: ")]
    assert len(lines) == 3 and not any(boilerplate.boilerplate_reason(line) for line in lines)  # the patterns miss them
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known + unseen)], refit=False)
    report = _fit("--precision", "0.9")
    assert "threshold" in report and "features by their share" in report and "Set aside" in report
    aside = Paragraph.objects.filter(text__in=lines)
    assert aside.count() == 3 and all(p.is_boilerplate and learned.is_learned(p.boilerplate_reason) for p in aside)
    for reason in aside.values_list("boilerplate_reason", flat=True):  # it says which features weighed most
        assert reason.removeprefix(learned.PREFIX) and set(reason.removeprefix(learned.PREFIX).split(", ")) <= set(features.NAMES)
    prose = Paragraph.objects.filter(text__endswith="said.")
    assert prose.count() > 300 and not prose.filter(is_boilerplate=True).exists()  # no story paragraph set aside
    # An article stored later meets the model at once, without another fit.
    later = [_article(random.Random(9), "Harbour Wire", 99, ["Image: Kai Berg / Harbour Wire"])]
    summary = ingest.ingest_paths([jsonl(tmp_path / "b.jsonl", later)], refit=False)
    assert "learned" not in summary.boilerplate_settled
    credit = Paragraph.objects.get(text="Image: Kai Berg / Harbour Wire")
    assert credit.is_boilerplate and learned.is_learned(credit.boilerplate_reason)


def test_a_curators_decision_outranks_the_model(tmp_path: Path) -> None:
    known, unseen = _archive()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known + unseen)], refit=False)
    _fit("--precision", "0.9")
    first = Paragraph.objects.filter(text__startswith="Image: ").order_by("id").first()
    assert first is not None and first.is_boilerplate
    Paragraph.objects.filter(id=first.id).update(is_boilerplate=False, boilerplate_reason=Paragraph.CURATED_KEPT)
    _fit("--precision", "0.9")
    first.refresh_from_db()
    assert not first.is_boilerplate and first.boilerplate_reason == Paragraph.CURATED_KEPT


def test_boilerplate_fit_dry_run_changes_nothing(tmp_path: Path) -> None:
    known, unseen = _archive()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known + unseen)], refit=False)
    before = sorted(Paragraph.objects.values_list("id", "is_boilerplate", "boilerplate_reason"))
    assert "Would set aside" in _fit("--dry-run")
    assert sorted(Paragraph.objects.values_list("id", "is_boilerplate", "boilerplate_reason")) == before
    assert not BoilerplateModel.objects.exists()


def test_too_small_an_archive_learns_nothing(tmp_path: Path) -> None:
    known, _ = _archive()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known[:10])])
    assert "Nothing learned" in _fit() and not BoilerplateModel.objects.exists()


def _marks() -> list[tuple[str, int, bool, str]]:
    return sorted(Paragraph.objects.values_list("article__url", "position", "is_boilerplate", "boilerplate_reason"))


def _outlet(count: int, footer_from: int) -> list[dict[str, str]]:
    """An outlet whose footer appears only in its first articles: enough while it is small, not once it grows."""
    rng = random.Random(3)
    records = []
    for n in range(count):
        extra = ["The Gazette desk on Harbour Street"] if n < footer_from else []
        records.append(_article(rng, "Gazette", n, extra))
    return records


def test_the_same_articles_in_another_order_get_the_same_marks(tmp_path: Path) -> None:
    records = _outlet(81, footer_from=3)
    a, b = records[:5], records[5:]
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", a)], refit=False)
    # While the source had five articles, three repeats were enough: the footer was set aside.
    assert Paragraph.objects.filter(text="The Gazette desk on Harbour Street", is_boilerplate=True).count() == 3
    ingest.ingest_paths([jsonl(tmp_path / "b.jsonl", b)], refit=False)
    a_then_b = _marks()
    # With 81 articles it takes five (5 % of them): the three come back.
    assert not Paragraph.objects.filter(text="The Gazette desk on Harbour Street", is_boilerplate=True).exists()
    Article.objects.all().delete()
    Source.objects.all().delete()
    ingest.ingest_paths([jsonl(tmp_path / "b2.jsonl", b)], refit=False)
    ingest.ingest_paths([jsonl(tmp_path / "a2.jsonl", a)], refit=False)
    assert _marks() == a_then_b


def test_a_story_filed_three_times_is_not_its_own_boilerplate(tmp_path: Path) -> None:
    rng = random.Random(4)
    story = [" ".join(_sentence(rng) for _ in range(8)) for _ in range(4)]
    assert all(len(p) > 300 for p in story)
    subhead = "What happens next"
    refiled = [
        {"url": f"https://gazette.example/refiled/{n}", "source": "Gazette", "text": "\n\n".join([story[0], subhead, *story[1:]])}
        for n in range(3)
    ]
    footer = "Gazette staff wrote this"
    others = [_article(rng, "Gazette", n, [footer]) for n in range(5)]
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", refiled + others)], refit=False)
    assert not Paragraph.objects.filter(text=subhead, is_boilerplate=True).exists()
    assert Paragraph.objects.filter(text=footer, is_boilerplate=True).count() == 5  # a real footer still is


def test_the_admin_says_which_layer_set_a_paragraph_aside_and_why(tmp_path: Path, curator: Client) -> None:
    known, unseen = _archive()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known + unseen)], refit=False)
    _fit("--precision", "0.9")
    source = Source.objects.get(name="Harbour Wire")
    listing = curator.get("/admin/search/source/").content.decode()
    link = f"/admin/search/paragraph/?article__source__id__exact={source.pk}&amp;is_boilerplate__exact=1"
    assert link in listing
    page = curator.get(f"/admin/search/paragraph/?layer=learned&article__source__id__exact={source.pk}").content.decode()
    assert "Image: Lena Park / Harbour Wire" in page and learned.PREFIX in page
    patterns = curator.get("/admin/search/paragraph/?layer=patterns").content.decode()
    assert "Getty Images" in patterns and "Image: Lena Park" not in patterns
    # Keeping it is the curator's label for the next fit: it stays kept, and counts as story.
    paragraph = Paragraph.objects.get(text="Image: Lena Park / Harbour Wire")
    curator.post("/admin/search/paragraph/", {"action": "mark_kept", "_selected_action": [paragraph.pk]})
    paragraph.refresh_from_db()
    assert paragraph.boilerplate_reason == Paragraph.CURATED_KEPT and learned.label(paragraph.boilerplate_reason, 0, 15) == 0


def test_one_source_is_not_enough_to_set_a_threshold(tmp_path: Path) -> None:
    known, _ = _archive()
    one = [{**record, "source": "North Post", "url": f"https://one.example/{n}"} for n, record in enumerate(known)]
    summary = ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", one)])
    assert not learned.needs_fit() and "learned" not in summary.boilerplate_settled
    assert "Nothing learned" in _fit() and not BoilerplateModel.objects.exists()


def test_a_curator_reviews_likely_boilerplate_still_kept(tmp_path: Path, curator: Client) -> None:
    known, unseen = _archive()
    ingest.ingest_paths([jsonl(tmp_path / "a.jsonl", known + unseen)], refit=False)
    source = Source.objects.get(name="Harbour Wire")
    assert "No learned layer yet" in curator.get(f"/admin/search/source/{source.pk}/likely-boilerplate/").content.decode()
    _fit("--precision", "0.9")
    credit = Paragraph.objects.get(text="Image: Omar Diaz / Harbour Wire")
    Paragraph.objects.filter(id=credit.id).update(is_boilerplate=False, boilerplate_reason="")  # as if kept
    page = curator.get(f"/admin/search/source/{source.pk}/likely-boilerplate/").content.decode()
    assert f'data-paragraph="{credit.pk}"' in page and "Image: Omar Diaz / Harbour Wire" in page
    assert "said.</td>" not in page  # story paragraphs score low
    response = curator.post(f"/admin/search/source/{source.pk}/likely-boilerplate/", {"paragraph": [credit.pk], "answer": "aside"})
    assert response.status_code == 302
    credit.refresh_from_db()
    assert credit.is_boilerplate and credit.boilerplate_reason == Paragraph.CURATED_ASIDE
    assert f'data-paragraph="{credit.pk}"' not in curator.get(f"/admin/search/source/{source.pk}/likely-boilerplate/").content.decode()


def test_ingest_no_fit_leaves_the_fit_to_boilerplate_fit(tmp_path: Path) -> None:
    known, unseen = _archive()
    out = StringIO()
    call_command("ingest", str(jsonl(tmp_path / "a.jsonl", known + unseen)), "--no-fit", stdout=out)
    assert "learned" not in out.getvalue() and not BoilerplateModel.objects.exists() and learned.needs_fit()
    assert "fitted on 75 articles" in _fit()
