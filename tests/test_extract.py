from __future__ import annotations

import pytest

from search.ingest import boilerplate, persons
from search.ingest.paragraphs import split_paragraphs
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
    assert split_paragraphs(text) == expected


def test_a_quoted_sentence_after_a_related_link_is_not_another_link() -> None:
    """A "More:" list continues with short unpunctuated headlines; a sentence ending in a quotation
    ("He added: "… questions."") is the story again."""
    video = "JUST WATCHED FBI: CIA report may spark terror threat Replay More Videos ... MUST WATCH FBI: CIA report 02:11"
    drafts = boilerplate.classify_paragraphs(["The senator spoke first.", video, 'He added: "The American people need the answers."'])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", ""]
    drafts = boilerplate.classify_paragraphs(["The senator spoke first.", video, "Senate report on torture"])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", "related link"]
    drafts = boilerplate.classify_paragraphs(["The last of the story.", "Full story", "What I learned from Flint moms", "Text."])
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", "", ""]  # a roundup's next heading


def test_a_link_in_brackets_starts_no_list() -> None:
    """A related link closed by its bracket is whole: the short heading under it is the story's."""
    drafts = boilerplate.classify_paragraphs(
        ["Five states vote on Tuesday.", "[Related: The Latest Polls]", "Georgia", "Georgia has two races."]
    )
    assert [d.boilerplate_reason for d in drafts] == ["", "related link", "", ""]


def reasons_of(paragraphs: list[str]) -> list[str]:
    return [d.boilerplate_reason for d in boilerplate.classify_paragraphs(paragraphs)]


def test_a_byline_standing_alone_on_top_and_its_affiliation() -> None:
    story = "WASHINGTON — The House passed the bill on Tuesday, officials said."
    assert reasons_of(["Bart Jansen and Kevin Johnson", "USA TODAY", story]) == ["byline", "byline", ""]
    assert reasons_of(["Jim Gomez", "The Associated Press", "MANILA, Philippines — Attacks rose."]) == ["byline", "byline", ""]
    assert reasons_of(["Advertisement", "Jake Grovum", "Pew/Stateline Staff Writer", story]) == ["advertisement", "byline", "byline", ""]
    assert reasons_of(["Susan Page", story, "More of the story."]) == ["byline", "", ""]  # a dateline is the story
    # headings and headlines are not names: a function word, no given name first, four words of a headline
    assert reasons_of(["The Good News", story]) == ["", ""]
    assert reasons_of(["Rate Outlook", story]) == ["", ""]
    assert reasons_of(["Missouri Blocks Right-To-Work Law", story]) == ["", ""]
    # only on top: a name alone inside the story is a heading or a speaker ("Ezra Klein" in an interview)
    assert reasons_of([story, "Ezra Klein", "What happens next?"]) == ["", "", ""]


def test_a_topic_tag_list_closing_an_article() -> None:
    tail = ["This article tagged under: Harry Reid", "Koch Brothers", "Senate"]
    assert reasons_of(["The story.", *tail]) == ["", "topic tags", "topic tags", "topic tags"]
    # a sentence after the lead is not a tag: the lead alone is not enough to take the tail
    assert reasons_of(["The story.", "Tags: none", "The senator said he would return on Monday."]) == ["", "", ""]


def test_classify_seed_keeps_six_article_paragraphs_and_sets_the_appeal_aside() -> None:
    drafts = boilerplate.classify_paragraphs(split_paragraphs(SEED.read_text(encoding="utf-8")))
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
    drafts = boilerplate.classify_paragraphs(paragraphs)
    assert [d.boilerplate_reason for d in drafts].count("reader appeal") == 1


def test_ner_windows_cover_capitalised_words_and_skip_paragraphs_without_them() -> None:
    from search.ingest import ner

    assert ner.windows("it was raining and nobody came to the meeting at all.") == []
    text = "the committee said on tuesday that it had met, and later that week it heard from Angela Merkel about it."
    ((start, end),) = ner.windows(text, width=2)
    assert text[start:end] == "heard from Angela Merkel about it."
    short = "Angela Merkel spoke."
    assert ner.windows(short) == [(0, len(short))]  # mostly covered: given whole


def test_person_spans_are_the_same_in_worker_processes_and_in_order() -> None:
    from search.ingest import ner, workers

    articles = [(n, [f"Vladimir Putin met Angela Merkel in Berlin on day {n}.", "nothing here at all."]) for n in range(5)]
    serial = list(workers.mapped(ner.spans_in, articles, processes=1, batch=2))
    parallel = list(workers.mapped(ner.spans_in, articles, processes=2, batch=2))
    assert serial == parallel
    assert [key for key, _, _ in parallel] == list(range(5))
    assert {text for _, _, spans in parallel for _, _, text, label in spans[0] if label == ner.PERSON} == {
        "Vladimir Putin",
        "Angela Merkel",
    }
    assert {(text, label) for _, _, spans in parallel for _, _, text, label in spans[0] if label != ner.PERSON} == {("Berlin", "GPE")}
    assert all(spans[1] == [] for _, _, spans in parallel)


def test_names_in_results_tables_and_capitalised_headlines() -> None:
    table = "Women's singles: Linda Wild (U.S.) beat Barbara Rittner (Germany) 6-4 4-6 7-5"
    assert [name for _, _, name in persons.table_names(table)] == ["Linda Wild", "Barbara Rittner"]
    assert persons.table_names("Linda Wild (U.S.) said the match was hard.") == []  # prose, not a table
    hill = "said Senate Democratic Whip Dick Durbin Richard (Dick) Joseph Durbin on Tuesday, 12 days later."
    assert persons.table_names(hill) == []  # a widget's name in prose with numbers is still prose
    lineup = "France - 1 - Bernard Lama ; 2 - Lilian Thuram , 5 - Laurent Blanc ( 14 - Sabri Lamouchi 87th )"
    assert {name for _, _, name in persons.table_names(lineup)} >= {"Bernard Lama", "Lilian Thuram", "Laurent Blanc"}
    mentions = persons.find_persons(["TENNIS - EDBERG REFUSES TO GO QUIETLY", "Stefan Edberg of Sweden won in four sets."])
    headline = [m for m in mentions if m.paragraph == 0]
    assert [(m.start, m.end, m.name) for m in headline] == [(9, 15, "Stefan Edberg")]


def test_boilerplate_labels_refer_to_the_shared_corpus() -> None:
    """The labelled samples (tests/data) are by reference: every row still points at the text it labelled."""
    from tests.tools import boilerplate_eval as evaluation

    for _, path in evaluation.SAMPLES:
        labels = evaluation.read_labels(path)
        assert len(labels) > 300 and 0.05 < sum(label.boilerplate for label in labels) / len(labels) < 0.2
        records: dict[str, list[dict[str, object]]] = {}
        for label in labels:
            if label.file not in records:
                records[label.file] = evaluation.records(evaluation.ALLSIDES / label.file)
            text = str(records[label.file][label.record].get("content_original") or "")
            assert evaluation.sha(split_paragraphs(text)[label.position]) == label.sha


def test_a_writers_name_alone_and_a_writers_bio_are_set_aside() -> None:
    """The byline and a source that is a columnist's name tell layer 1 who wrote the piece: a line that
    is only that name is a byline wherever it stands, a first or last paragraph that opens with it a bio."""
    writers = boilerplate.writer_names("By Fred Ferguson, Jay Evensen and Associated Press", "Deseret News")
    assert writers == ["Fred Ferguson", "Jay Evensen"]
    assert boilerplate.writer_names("", "Howard Kurtz") == ["Howard Kurtz"]
    assert boilerplate.writer_names("Dailymail.Com Reporter", "Daily Mail") == []
    story = [
        "The committee met on Monday and voted to send the bill to the floor.",
        "Howard Kurtz",
        "Newt Gingrich is a former speaker, and he told the committee the bill would fail.",
        "The vote is expected next week.",
        "Newt Gingrich is the former speaker of the House of Representatives and a candidate for president in 2012.",
    ]
    reasons = [d.boilerplate_reason for d in boilerplate.classify_paragraphs(story, ["Howard Kurtz", "Newt Gingrich"])]
    assert reasons == ["", "byline", "", "", "author bio"]
    assert [d.boilerplate_reason for d in boilerplate.classify_paragraphs(story)] == [""] * 5  # no writer given: all story
    interview = ["Sean Illing", "What is the most consequential lie we teach?", "Jane Roe", "That history is over.", "Sean Illing", "Why?"]
    assert [d.boilerplate_reason for d in boilerplate.classify_paragraphs(interview, ["Sean Illing"])] == [""] * 6  # the turns
