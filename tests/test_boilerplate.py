"""Layer 1 of boilerplate, from its table (search/ingest/boilerplate.toml): every rule's examples, and
the way rules are taken apart for speed (anchored, gated by required text) answering as the patterns do."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from search.ingest import boilerplate

EXAMPLES = [(rule.reason, text, True) for rule in boilerplate.RULES for text in rule.match]
EXAMPLES += [(rule.reason, text, False) for rule in boilerplate.RULES for text in rule.keep]


@pytest.mark.parametrize(("reason", "text", "aside"), EXAMPLES, ids=[f"{r}:{t[:30]}" for r, t, _ in EXAMPLES])
def test_every_example_of_the_table(reason: str, text: str, aside: bool) -> None:
    """A ``match`` example is set aside with its rule's reason (no earlier rule takes it); a ``keep``
    example is ordinary reporting that no rule sets aside."""
    assert boilerplate.boilerplate_reason(text) == (reason if aside else "")


def test_every_rule_has_examples_and_valid_patterns() -> None:
    table = tomllib.loads(boilerplate.PATTERNS_FILE.read_text(encoding="utf-8"))
    assert len(table["rule"]) == len(boilerplate.RULES) > 10
    for entry in table["rule"]:
        assert set(entry) <= {"reason", "ignore_case", "patterns", "match", "keep"}, entry["reason"]
        assert entry["match"], f"{entry['reason']}: a rule needs an example it must set aside"
        for pattern in entry["patterns"]:
            re.compile(pattern)
            assert not re.compile(pattern).search(""), f"{entry['reason']}: {pattern} matches every paragraph"


def test_a_table_of_ones_own(tmp_path: Path) -> None:
    """The loader reads any table: order decides, flags apply to every alternative."""
    path = tmp_path / "rules.toml"
    path.write_text(
        "[[rule]]\nreason = 'first'\nignore_case = true\npatterns = ['^hello$', 'good ?bye']\n"
        "[[rule]]\nreason = 'second'\npatterns = ['Goodbye']\n",
        encoding="utf-8",
    )
    first, second = boilerplate.load_rules(path)
    assert (first.reason, second.reason) == ("first", "second")
    assert first.matches("HELLO", "hello") and first.matches("a GOODBYE b", "a goodbye b")
    assert not second.matches("goodbye", "goodbye") and second.matches("Goodbye", "goodbye")


def test_split_rules_answer_as_their_patterns_do() -> None:
    """Each rule's anchored match, gated searches and remaining search give its joined pattern's own
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
        folded = None if any(c in text for c in boilerplate._UNFOLDABLE) else text.casefold()
        for rule in boilerplate.RULES:
            assert rule.matches(text, folded) == bool(rule.pattern.search(text)), (rule.reason, text)
        assert boilerplate.boilerplate_reason(text) == next((r.reason for r in boilerplate.RULES if r.pattern.search(text)), "")


@pytest.mark.parametrize(
    ("alternative", "required"),
    [
        (r"\ball rights reserved\.?\s*$", "all rights reserved"),
        (r"\bjoin (our|the) .{0,40}community\b", "community"),
        (r"(?i:sign up)", ""),  # inside a group: not required text of the alternative's own
        (r"\bab?c", ""),  # "b" is optional, and "a" alone is too short to gate on
        ("caf\u00e9 society", " society"),  # ASCII only
        (r"^x|rights reserved", ""),  # a top-level | : no text is required
        (r"[(|]abc", "abc"),  # a class's ( and | are no group and no alternative
        (r"\(c\) news{2}", " new"),  # the s before {2} is not required once; escapes end a run
        (r"fox+y", "fox"),  # x once at least: required, but nothing after it in the same run
    ],
)
def test_required_text_is_what_every_match_contains(alternative: str, required: str) -> None:
    assert boilerplate.required_text(alternative) == required
