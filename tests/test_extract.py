from __future__ import annotations

import pytest

from search import extract
from tests.conftest import SEED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One.\nTwo.\n", ["One.", "Two."]),
        ("One\nstill one.\n\nTwo.", ["One still one.", "Two."]),
        ("  spaced \t out  \r\n\r\nnext\u00a0para ", ["spaced out", "next para"]),
        ("\n\n\n", []),
    ],
)
def test_split_paragraphs_lines_or_blocks(text: str, expected: list[str]) -> None:
    assert extract.split_paragraphs(text) == expected


@pytest.mark.parametrize(
    ("paragraph", "reason"),
    [
        ("Advertisement", "advertisement"),
        ("ADVERTISEMENT", "advertisement"),
        ("© 2023 The Associated Press. All rights reserved.", "copyright"),
        ("Copyright 2019 Reuters. All rights reserved.", "copyright"),
        ("This material may not be published, broadcast, rewritten, or redistributed.", "copyright"),
        ("Sign up for our daily newsletter to get the news first.", "newsletter prompt"),
        ("Follow us on Twitter", "follow-us prompt"),
        ("Share this article", "share buttons"),
        ("Already a member? Sign in to stop seeing this", "reader appeal"),
        ("Join our Community", "reader appeal"),
        ("By Jane Smith", "byline"),
        ("Sign up for Daily Newsletters Manage Newsletters", "newsletter prompt"),
        ("Get all the latest news on coronavirus and more delivered daily to your inbox. Sign up here.", "newsletter prompt"),
        ("- Follow the Ticker on Twitter: @PoliticalTicker", "follow-us prompt"),
        ("Join us at Facebook/CNNOpinion", "follow-us prompt"),
        ("Photos: Who's running for president? Ted Cruz, 44. Hide Caption 1 of 6", "photo caption"),
        ("Courtesy of Skylar Bee", "photo credit"),
        ("7 years ago", "page furniture"),
        ("ANALYSIS/OPINION:", "page furniture"),
        ("The opinions expressed in this commentary are solely those of Jeffrey Bellin.", "page furniture"),
        ("Send tips to kevin@dailycallernewsfoundation.org.", "credit line"),
        ("Now playing: Watch this: Best practices for safe shopping, delivery and takeout...", "related link"),
        ("By Stephen McDonell, BBC News, Hong Kong", "byline"),
        ("Media playback is unsupported on your device Media caption Witnesses described hearing gunfire", "photo caption"),
        ("A man believed to be Abu Bakr al-Baghdadi in a screen grab (Al Furqan Media Network/Reuters TV via Reuters)", "photo caption"),
        ("Photo by Alex Wong/Getty Images Photo by Alex Wong/Getty Images", "photo credit"),
        ("SNOWDEN UPDATE:Russia's protection is latest affront to U.S.", "related link"),
        ("HOUSE :Rejects plan to kill NSA data collection", "related link"),
        ('poster="http://v.politico.com/images/1155968404.jpg" It’s seven weeks before Election Day.', "page furniture"),
        ("Updated at on Dec. 17 at 2:30 p.m. ET", "page furniture"),
        ("Updated: Jan. 5, 2020", "page furniture"),
        ("The opinions expressed by columnists are their own and do not represent the views of Townhall.com.", "page furniture"),
        (
            "POLITICO Pulse newsletter Get the latest on the health care fight, every weekday morning — in your inbox. "
            "Email Sign Up By signing up you agree to receive email newsletters or alerts from POLITICO.",
            "newsletter prompt",
        ),
        ("This column originally appeared in the Louisville Courier Journal.", "credit line"),
        # Ordinary reporting that merely mentions these words is not boilerplate.
        ("Updated guidance on masks came on Tuesday.", ""),
        ("The newsletter's readers were asked to sign up again after the breach, the company said.", ""),
        ("The vote was 3:2, officials said: Turnout rose at 10:30 a.m. in every ward.", ""),
        ("By the time the polls closed, Smith, the mayor, had conceded.", ""),
        ("Norwegian Cruise Line (NASDAQ:NCLH) announced late Tuesday that it is partnering with a relief group.", ""),
        ("Stop. Stop.", ""),
        ("Trump said he would follow Obama on Twitter and then unfollow him within the hour.", ""),
        ("Courtesy of the governor's office, every school received new laptops this year.", ""),
        ("Opinion: the court's ruling was narrow, legal scholars said on Monday.", ""),
        (
            "Readers who sign up for the paper's newsletters get the ruling in full, the editor said, adding that the "
            "court's clerk had released the 80-page opinion late on Friday, after most of the staff had gone home.",
            "",
        ),
        ("The company's advertisement revenue fell by a third, its newsletter said.", ""),
        ("He became a member of the Imus family, his friends said, and stayed for years after the ranch closed. " * 2, ""),
        ("Lukashenko earlier confirmed Prigozhin will be in Belarus on Tuesday.", ""),
        # fifth round (fourth held-out sample's misses), each with a near miss that must stay
        ("Peoples reported from Palm Beach, Fla.", "credit line"),
        ("Gerstein reported from Johannesburg; Epstein reported from Washington.", "credit line"),
        ("NPR's Greg Allen reported from Miami:", ""),
        ("Smith reported from Kabul that the Taliban had advanced across the north, and that the army withdrew.", ""),
        ("Follow @politico", "follow-us prompt"),
        ("Follow the money, he said.", ""),
        ("Read the full story and listen to the related podcast", "related link"),
        ("He said the full story would come out in court.", ""),
        ("(GRAPHIC: Deadly California fires: tmsnrt.rs/2Plpuui )", "related link"),
        ("Ann Hermes/The Christian Science Monitor Dorje Lama loads bricks at a kiln in Dhading, Nepal.", "photo caption"),
        ("LARRY DOWNING/REUTERS/FILE Audience members pray at the National Prayer Breakfast in Washington.", "photo caption"),
        ("Republicans/Democrats said the bill would pass.", ""),
        ("Gerald Herbert/AP, FILE", "photo credit"),
        ("Ilana Panich-Linsman/The New York Times via Redux", "photo caption"),
        ("x YouTube Video", "page furniture"),
        ("Are you affected? Let us know about your experiences. Email haveyoursay@bbc.co.uk with your stories.", "page furniture"),
        ("Interested in Immigration? Add Immigration as an interest to stay up to date on the latest news.", "app prompt"),
        ("Interested in politics? Many voters are, the poll found.", ""),
    ],
)
def test_boilerplate_reason(paragraph: str, reason: str) -> None:
    assert extract.boilerplate_reason(paragraph) == reason


@pytest.mark.parametrize(
    ("source", "branches"),
    [
        (r"^a|b", ["^a", "b"]),
        (r"^(x|y)z|\|w", ["^(x|y)z", r"\|w"]),  # a group's | and an escaped | are not top-level
        (r"[|(]a|[]|]b|[^]|]c|d", ["[|(]a", "[]|]b", "[^]|]c", "d"]),  # nor a | inside a class
        (r"(?i:a|b)|^c", ["(?i:a|b)", "^c"]),
    ],
)
def test_top_level_branches(source: str, branches: list[str]) -> None:
    assert extract._top_level_branches(source) == branches


def test_split_rules_answer_as_their_patterns_do() -> None:
    """Each rule's anchored match, gated searches and remaining search give the pattern's own
    ``search`` answer (tests/tools/classify_cost.py checks AllSides paragraphs; here texts that start,
    contain or end with each pattern's typical matches, on ordinary sentences, and on letters that
    casefolding and IGNORECASE treat differently)."""
    texts = [
        "Advertisement",
        "© 2023 The Associated Press. All rights reserved.",
        "Sign up for our daily newsletter",
        "Read more: the case against",
        "Updated at 5:12 p.m. ET",
        "REUTERS/Kevin Lamarque",
        "Photo: AP",
        "He said the bill would pass. Read more",
        "The senator, who was updated on the vote, said no.",
        "POLITICS UPDATE:House passes bill",
        "Shares of (NASDAQ:NCLH) rose.",
        "Jane Doe contributed to this report.",
        "Download the NBC News app for breaking news",
        "Facebook Twitter Pinterest",
        "This article originally appeared on X",
        "© 2019 ALL RIGHTS RESERVED",
        "© 2019 all r\u0131ghts reserved",
        "COPYRIGHT 2019 ALL R\u0130GHTS RESERVED",
        "Support \u0130ndependent journalism today",
        "He said: “Consider joining us.” Then he left.",
        "Photo by X/REUTERS/File",
    ]
    for text in texts:
        folded = None if any(c in text for c in extract._UNFOLDABLE) else text.casefold()
        for rule, (reason, pattern) in zip(extract._RULES, extract._BOILERPLATE_PATTERNS, strict=True):
            assert rule.reason == reason
            assert rule.matches(text, folded) == bool(pattern.search(text)), (reason, text)
        assert extract.boilerplate_reason(text) == next((r for r, p in extract._BOILERPLATE_PATTERNS if p.search(text)), "")


@pytest.mark.parametrize(
    ("branch", "flags", "required"),
    [
        (r"\ball rights reserved\.?\s*$", 0, "all rights reserved"),
        (r"\bjoin (our|the) .{0,40}community\b", 0, "community"),
        (r"(?i:sign up)", 0, ""),  # inside a group: not required text of the branch's own
        (r"\bab?c", 0, ""),  # "b" is optional, and "a" alone is too short to gate on
        (r"caf\u00e9 society", 0, " society"),  # ASCII only
    ],
)
def test_required_text_is_what_every_match_contains(branch: str, flags: int, required: str) -> None:
    assert extract._required_text(branch, flags) == required


def test_a_quoted_sentence_after_a_related_link_is_not_another_link() -> None:
    """A "More:" list continues with short unpunctuated headlines; a sentence ending in a quotation
    ("He added: "… questions."") is the story again."""
    video = "JUST WATCHED FBI: CIA report may spark terror threat Replay More Videos ... MUST WATCH FBI: CIA report 02:11"
    drafts = extract.classify_paragraphs(["The senator spoke first.", video, 'He added: "The American people need the answers."'])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", ""]
    drafts = extract.classify_paragraphs(["The senator spoke first.", video, "Senate report on torture"])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", "related link"]
    drafts = extract.classify_paragraphs(["The last of the story.", "Full story", "What I learned from Flint moms", "Text."])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", "", ""]  # a roundup's next heading


def test_classify_seed_keeps_six_article_paragraphs_and_sets_the_appeal_aside() -> None:
    drafts = extract.classify_paragraphs(extract.split_paragraphs(SEED.read_text(encoding="utf-8")))
    kept = [d.text for d in drafts if not d.is_boilerplate]
    assert len(kept) == 6
    assert kept[0].startswith("Belarus strongman Alexander Lukashenko says")
    assert kept[-1].startswith("Kremlin critics have accused Putin")
    aside = [d for d in drafts if d.is_boilerplate]
    assert aside[0].text == "It's not (only) about you."
    assert aside[-1].text == "Already a member? Sign in to stop seeing this"
    assert len(drafts) == 22
    assert all(d.boilerplate_reason for d in aside)


def test_appeal_tail_needs_a_dense_tail() -> None:
    paragraphs = [f"Story paragraph number {i} about the budget." for i in range(10)]
    paragraphs[3] = "Officials urged residents to consider donating blood this week."
    drafts = extract.classify_paragraphs(paragraphs)
    assert [d.boilerplate_reason for d in drafts].count("reader appeal") == 1


def test_ner_windows_cover_capitalised_words_and_skip_paragraphs_without_them() -> None:
    from search import ner

    assert ner.windows("it was raining and nobody came to the meeting at all.") == []
    text = "the committee said on tuesday that it had met, and later that week it heard from Angela Merkel about it."
    ((start, end),) = ner.windows(text, width=2)
    assert text[start:end] == "heard from Angela Merkel about it."
    short = "Angela Merkel spoke."
    assert ner.windows(short) == [(0, len(short))]  # mostly covered: given whole


def test_person_spans_are_the_same_in_worker_processes_and_in_order() -> None:
    from search import ner

    articles = [(n, [f"Vladimir Putin met Angela Merkel in Berlin on day {n}.", "nothing here at all."]) for n in range(5)]
    serial = list(ner.person_spans(articles, processes=1, batch=2))
    parallel = list(ner.person_spans(articles, processes=2, batch=2))
    assert serial == parallel
    assert [key for key, _, _ in parallel] == list(range(5))
    assert {text for _, _, spans in parallel for start, end, text in spans[0]} == {"Vladimir Putin", "Angela Merkel"}
    assert all(spans[1] == [] for _, _, spans in parallel)


def test_names_in_results_tables_and_capitalised_headlines() -> None:
    table = "Women's singles: Linda Wild (U.S.) beat Barbara Rittner (Germany) 6-4 4-6 7-5"
    assert [name for _, _, name in extract.table_names(table)] == ["Linda Wild", "Barbara Rittner"]
    assert extract.table_names("Linda Wild (U.S.) said the match was hard.") == []  # prose, not a table
    hill = "said Senate Democratic Whip Dick Durbin Richard (Dick) Joseph Durbin on Tuesday, 12 days later."
    assert extract.table_names(hill) == []  # a widget's name in prose with numbers is still prose
    lineup = "France - 1 - Bernard Lama ; 2 - Lilian Thuram , 5 - Laurent Blanc ( 14 - Sabri Lamouchi 87th )"
    assert {name for _, _, name in extract.table_names(lineup)} >= {"Bernard Lama", "Lilian Thuram", "Laurent Blanc"}
    mentions = extract.find_persons(["TENNIS - EDBERG REFUSES TO GO QUIETLY", "Stefan Edberg of Sweden won in four sets."])
    headline = [m for m in mentions if m.paragraph == 0]
    assert [(m.start, m.end, m.name) for m in headline] == [(9, 15, "Stefan Edberg")]


def test_boilerplate_labels_refer_to_the_shared_corpus() -> None:
    """The labelled samples (tests/data) are by reference: every row still points at the text it labelled."""
    from tests.tools import boilerplate_eval as evaluation

    for _, path in evaluation.SAMPLES:
        labels = evaluation.read_labels(path)
        assert len(labels) > 700 and 0.05 < sum(label.boilerplate for label in labels) / len(labels) < 0.2
        records: dict[str, list[dict[str, object]]] = {}
        for label in labels:
            if label.file not in records:
                records[label.file] = evaluation.records(evaluation.ALLSIDES / label.file)
            text = str(records[label.file][label.record].get("content_original") or "")
            assert evaluation.sha(extract.split_paragraphs(text)[label.position]) == label.sha
