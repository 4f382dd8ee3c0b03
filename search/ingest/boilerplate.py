"""Layer 1 of boilerplate: what one article's own text shows. Pure functions: no Django, no Whoosh.

The patterns are data, in ``boilerplate.toml`` beside this file (reason, alternatives, flags, examples
that must and must not match; tests/test_boilerplate.py checks every example). Layers 2 and 3
(repetition in a source, curated rules) need the database and live in ``repeats``.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PATTERNS_FILE = Path(__file__).with_name("boilerplate.toml")

_HIGHLIGHTS = re.compile(r"\bstory highlights\b", re.I)
_HIGHLIGHT_WORDS = 25
# A line that announces a promotion; the short paragraph after it is the promoted headline.
_PROMO_LEAD = re.compile(r"^(alert|editor[’']?s note|sponsored|related|recommended|more|trending)\W*$", re.I)
_PROMO_WORDS = 15
# A link that closes a section ("Full story") starts no list: the short line after it is the next heading.
_CLOSING_LINK = re.compile(r"^(read )?(the )?full story\b", re.I)
_BRACKETED = re.compile(r"^\s*[(\[].*[)\]]\s*$")
# Other stories' headlines pasted in capitals between paragraphs (as Fox News pages do).
_ALL_CAPS_MIN_WORDS = 5
# An author's bio closing an opinion piece: "Jane Doe teaches history at …".
_AUTHOR_BIO = re.compile(
    r"^(• |— )?([A-Z]+ (contributor|columnist) )?[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3} (is|was|teaches|writes|covers)\b"
    r"(?=.*\b(author|writer|professor|columnist|commentator|contributor|fellow|teaches|editor|journalist|reporter"
    r"|correspondent|academic|analyst|scholar|(?i:follow [\w .’'-]{2,40} on twitter|can be reached at))\b)"
)
_AUTHOR_BIO_WORDS = 60
# A bio that opens with the name of one of the article's writers (writer_names), whatever it says next.
_WRITER_BIO = re.compile(r"^([A-Z][\w.’'-]+(?: [A-Z][\w.’'-]+){1,3}),? (?:is|was|has|had|writes|teaches|covers|served|serves|holds)\b")
_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_BYLINE_APART = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_AUTHOR_BIO_TOP_WORDS = 25
_NAME_LINE = re.compile(r"^[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3}$")
# A byline standing alone at the top: one to five names, joined by "and" or commas ("Bart Jansen and
# Kevin Johnson"), each opening with a given name; the line after it may be the writer's affiliation.
_NAMES_LINE = re.compile(r"^[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3}((,? and |, )[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3}){0,4}$")
_NAMES_APART = re.compile(r",? and |, ")
_NOT_IN_NAMES = frozenset("the a an of and at in on for to no is with from by or".split())
_AFFILIATION_WORDS = 6
_LONG_NAME_WORDS = 4
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,}\s*[(—–-]")  # "WASHINGTON —", "MANILA, Philippines (AP)"
# A topic tag list closing an article ("This article tagged under: Harry Reid", then a tag a line).
_TAGS_LEAD = re.compile(r"^(this article (is )?tagged (under|with)|tags|topics|filed under)\s*:", re.I)
_TAG_WORDS = 6

# A reader appeal at the end of an article spans many paragraphs, most of them individually
# harmless ("Thank you,", a signature). Once an appeal starts in the second half of an article
# and at least this share of what follows is flagged, the whole tail is the appeal.
_TAIL_FLAGGED_SHARE = 0.3
_SHORT_LEAD_IN_WORDS = 7


@dataclass(frozen=True)
class ParagraphDraft:
    text: str
    boilerplate_reason: str = ""
    raw: str = ""  # as written, when inline furniture was cut from ``text`` (ingest.inline)

    @property
    def written(self) -> str:
        return self.raw or self.text

    @property
    def is_boilerplate(self) -> bool:
        return bool(self.boilerplate_reason)


@dataclass(frozen=True)
class Rule:
    """One reason's patterns, taken apart so that a paragraph is read as little as possible, with the
    same answer as searching the alternatives joined (tested; tests/tools/classify_cost.py checks it on
    AllSides):

    - alternatives anchored at the start are tried once, with ``match`` (``^`` without MULTILINE
      only matches at 0; ``search`` tried them again at every position of the paragraph);
    - each other alternative that contains a literal run of text ("rights reserved") is searched
      only when that text occurs in the paragraph, which ``in`` finds many times faster than the
      regular expression engine can rule the alternative out;
    - the rest are searched as one expression.
    """

    reason: str
    pattern: re.Pattern[str]  # every alternative, joined: what the rule means
    anchored: re.Pattern[str] | None
    gated: tuple[tuple[str, re.Pattern[str]], ...]  # (text that must occur, alternative)
    anywhere: re.Pattern[str] | None
    folded: bool  # case-insensitive: the gates are compared with the casefolded paragraph
    match: tuple[str, ...] = ()  # examples it must set aside
    keep: tuple[str, ...] = ()  # examples it must leave alone

    @classmethod
    def of(
        cls, reason: str, alternatives: list[str], *, ignore_case: bool, match: tuple[str, ...] = (), keep: tuple[str, ...] = ()
    ) -> Rule:
        flags = re.IGNORECASE if ignore_case else 0

        def joined(parts: list[str]) -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{part})" for part in parts), flags) if parts else None

        unanchored = [a for a in alternatives if not a.startswith("^")]
        gates = {a: required_text(a) for a in unanchored}
        return cls(
            reason,
            re.compile("|".join(f"(?:{a})" for a in alternatives), flags),
            joined([a for a in alternatives if a.startswith("^")]),
            tuple((gate.casefold() if ignore_case else gate, re.compile(a, flags)) for a, gate in gates.items() if gate),
            joined([a for a, gate in gates.items() if not gate]),
            ignore_case,
            match,
            keep,
        )

    def matches(self, paragraph: str, folded: str | None) -> bool:
        """``folded``: the paragraph casefolded, or None when the gates cannot be trusted on it."""
        if self.anchored and self.anchored.match(paragraph):
            return True
        text = paragraph if not self.folded else folded
        if any((text is None or gate in text) and branch.search(paragraph) for gate, branch in self.gated):
            return True
        return bool(self.anywhere and self.anywhere.search(paragraph))


_PLAIN = frozenset(string.ascii_letters + string.digits + " ,;:'\"!%&/=<>@`~_-")
_QUANTIFIER = re.compile(r"\{\d*(,\d*)?\}")


def required_text(alternative: str) -> str:
    """The longest run of plain ASCII characters that every match of ``alternative`` contains, or ''.

    Read from the expression's source, conservatively: only characters of its own sequence count (not
    those inside groups, classes or lookarounds, which may be optional or alternatives), a character
    followed by ``?``, ``*`` or ``{`` is optional, and an escape ends a run. An alternative with a
    top-level ``|`` has none. The standard library's own parser of expressions is private (``re._parser``).
    """
    runs, run, depth, i = [], "", 0, 0
    while i < len(alternative):
        char, after = alternative[i], alternative[i + 1 : i + 2]
        if depth == 0 and char in _PLAIN and after not in ("?", "*", "{"):
            run += char
            if after == "+":  # once at least: required, but the run ends here
                runs.append(run)
                run = ""
            i += 1
            continue
        runs.append(run)
        run = ""
        if char == "|" and depth == 0:
            return ""
        i = _after_token(alternative, i)
        depth += {"(": 1, ")": -1}.get(char, 0)
    longest = max([*runs, run], key=len)
    return longest if len(longest) >= 3 else ""


def _after_token(source: str, i: int) -> int:
    """The index after the token at ``i``: an escape, a character class, a quantifier, or one character."""
    char = source[i]
    if char == "\\":
        return i + 2
    if char == "{" and (quantifier := _QUANTIFIER.match(source, i)):
        return quantifier.end()
    if char != "[":
        return i + 1
    i += 2 if source[i + 1 : i + 2] == "]" else 3 if source[i + 1 : i + 3] == "^]" else 1  # "[]…]" and "[^]…]"
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def load_rules(path: Path = PATTERNS_FILE) -> tuple[Rule, ...]:
    """The rules of a patterns file, in order (the first that matches gives the reason)."""
    with path.open("rb") as file:
        table = tomllib.load(file)
    return tuple(
        Rule.of(
            entry["reason"],
            list(entry["patterns"]),
            ignore_case=bool(entry.get("ignore_case", False)),
            match=tuple(entry.get("match", ())),
            keep=tuple(entry.get("keep", ())),
        )
        for entry in table["rule"]
    )


# Under IGNORECASE, "ı" (dotless i) matches "i" and "İ" matches "i", but casefolding keeps the one and
# turns the other into "i" and a combining dot: a paragraph with either is searched without gates.
_UNFOLDABLE = ("\u0130", "\u0131")
RULES = load_rules()


def boilerplate_reason(paragraph: str) -> str:
    """The reason a paragraph is boilerplate on its own, or '' when it is not."""
    folded = None if any(c in paragraph for c in _UNFOLDABLE) else paragraph.casefold()
    for rule in RULES:
        if rule.matches(paragraph, folded):
            return rule.reason
    return ""


def classify_paragraphs(paragraphs: list[str], writers: Iterable[str] = ()) -> list[ParagraphDraft]:
    """Mark boilerplate paragraphs (kept, with a reason) using only this article: its text and the
    names of its ``writers`` (``writer_names``: its byline, and a source that is a columnist's name)."""
    reasons = [boilerplate_reason(p) for p in paragraphs]
    reasons = _in_context(paragraphs, reasons)
    _writer_lines(paragraphs, reasons, {w.casefold() for w in writers})
    tail_start = _appeal_tail_start(paragraphs, reasons)
    if tail_start is not None:
        reasons = reasons[:tail_start] + [r or "reader appeal" for r in reasons[tail_start:]]
    return [ParagraphDraft(text=p, boilerplate_reason=r) for p, r in zip(paragraphs, reasons, strict=True)]


def _in_context(paragraphs: list[str], reasons: list[str]) -> list[str]:
    """Boilerplate that shows only next to its neighbours: promos after their lead line, capitalised
    headlines of other stories, a name line above "Opinion contributor", an author bio at the end."""
    reasons = list(reasons)
    for n, text in enumerate(paragraphs):
        if reasons[n]:
            continue
        words = text.split()
        if text.startswith(("CLOSE ", "Story highlights", "Story Highlights")):
            reasons[n] = "related link" if text.startswith("CLOSE") else "story highlights"
        elif n and _HIGHLIGHTS.search(paragraphs[n - 1]) or (n and reasons[n - 1] == "story highlights"):
            if len(words) <= _HIGHLIGHT_WORDS and text[-1:] not in ".:":
                reasons[n] = "story highlights"
        elif _PROMO_LEAD.match(text) or n and _PROMO_LEAD.match(paragraphs[n - 1]) and len(words) <= _PROMO_WORDS:
            reasons[n] = "promotion"
        elif (
            n
            and reasons[n - 1] == "related link"
            and not _CLOSING_LINK.match(paragraphs[n - 1])
            and not _BRACKETED.match(paragraphs[n - 1])  # a link in brackets stands alone: "[Related: …]"
            and len(words) <= _PROMO_WORDS
            and text.rstrip("\"'”’")[-1:] not in ".:"
        ):
            reasons[n] = "related link"  # the rest of a "More:" list of headlines
        elif n and len(words) >= _ALL_CAPS_MIN_WORDS and _shouting(text):
            reasons[n] = "related link"
        elif n + 1 < len(paragraphs) and reasons[n + 1] == "byline" and _NAME_LINE.match(text):
            reasons[n] = "byline"
    _byline_on_top(paragraphs, reasons)
    _tag_list(paragraphs, reasons)
    kept = [n for n, r in enumerate(reasons) if not r]
    if len(kept) > 1 and len(paragraphs[kept[-1]].split()) <= _AUTHOR_BIO_WORDS and _AUTHOR_BIO.match(paragraphs[kept[-1]]):
        reasons[kept[-1]] = "author bio"
    if len(kept) > 1 and len(paragraphs[kept[0]].split()) <= _AUTHOR_BIO_TOP_WORDS and _AUTHOR_BIO.match(paragraphs[kept[0]]):
        reasons[kept[0]] = "author bio"  # an op-ed's author line above the piece
    return reasons


def writer_names(byline: str, source: str = "") -> list[str]:
    """The persons' names an article gives as its writers: the byline's names ("Fred Ferguson, Jay
    Evensen"; "By Jane Doe and John Roe"), and the source's when it is a person's name (a columnist
    filed as a source: "Howard Kurtz"). A byline that names no person ("Associated Press") gives none."""
    parts = _BYLINE_APART.split(_BY.sub("", byline.strip()))
    return [name.strip() for name in [*parts, source.strip()] if name.strip() and _names_alone(name.strip())]


def _writer_lines(paragraphs: list[str], reasons: list[str], writers: set[str]) -> None:
    """A writer's name standing alone once anywhere ("Howard Kurtz" under a column), and a writer's bio as
    the first or last paragraph kept ("Newt Gingrich is the former speaker of the House …")."""
    if not writers:
        return
    lines = [_BY.sub("", text).strip(" .,;:—–-") for text in paragraphs]
    once = Counter(line.casefold() for line in lines)
    for n, line in enumerate(lines):
        if not reasons[n] and line.casefold() in writers and once[line.casefold()] == 1 and _NAME_LINE.match(line):
            reasons[n] = "byline"  # once: an interviewer's name before each question is the transcript's
    kept = [n for n, r in enumerate(reasons) if not r]
    for n in {kept[0], kept[-1]} if len(kept) > 1 else set():
        match = _WRITER_BIO.match(paragraphs[n])
        if match and match.group(1).casefold() in writers and len(paragraphs[n].split()) <= _AUTHOR_BIO_WORDS:
            reasons[n] = "author bio"


def _byline_on_top(paragraphs: list[str], reasons: list[str]) -> None:
    """A writer's name alone as the first paragraph (or the second, under furniture), and the short
    affiliation line under it ("Michael Burke | USA TODAY", "Jake Grovum | Pew/Stateline Staff Writer")."""
    top = 1 if reasons[:1] and reasons[0] else 0
    if len(paragraphs) <= top + 1 or reasons[top] or not _names_alone(paragraphs[top]) or paragraphs.count(paragraphs[top]) > 1:
        return  # a name line that comes back is an interview's turn, not a byline
    reasons[top] = "byline"
    under = top + 1
    text = paragraphs[under]
    if not reasons[under] and len(text.split()) <= _AFFILIATION_WORDS and text[-1:] not in '.?!:"”' and not _DATELINE.match(text):
        reasons[under] = "byline"


def _names_alone(text: str) -> bool:
    """Whether a line is only persons' names: each of two to four capitalised words, the first a given
    name of any land (of four words, an English one: "Missouri Blocks Right-To-Work Law" is a headline),
    none a function word ("The Good News", "At The White House" are headings)."""
    if not _NAMES_LINE.match(text):
        return False
    from search import names  # noqa: PLC0415 - the given-name lists load on the first name line met

    for name in _NAMES_APART.split(text):
        words = name.split()
        given = names.is_any_given_name if len(words) < _LONG_NAME_WORDS else names.is_given_name
        if any(word.casefold() in _NOT_IN_NAMES for word in words) or not given(words[0]):
            return False
    return True


def _tag_list(paragraphs: list[str], reasons: list[str]) -> None:
    """A topic tag list: its lead line and the short lines after it to the article's end."""
    for n, text in enumerate(paragraphs):
        if not _TAGS_LEAD.match(text):
            continue
        tail = paragraphs[n + 1 :]
        if all(len(t.split()) <= _TAG_WORDS and t[-1:] not in '.?!"”' for t in tail):
            for m in range(n, len(paragraphs)):
                reasons[m] = reasons[m] or "topic tags"
        return


def _shouting(text: str) -> bool:
    """Capitals only, and not a quotation (a quoted post in capitals is the story's material)."""
    return text[0] not in "\"“‘'" and any(c.isalpha() for c in text) and not any(c.islower() for c in text)


def _appeal_tail_start(paragraphs: list[str], reasons: list[str]) -> int | None:
    for first, reason in enumerate(reasons):
        if reason != "reader appeal" or first == 0:
            continue
        tail = reasons[first:]
        if sum(1 for r in tail if r) / len(tail) >= _TAIL_FLAGGED_SHARE:
            # Take in a short lead-in line just before the appeal ("It's not (only) about you.").
            while first > 1 and len(paragraphs[first - 1].split()) <= _SHORT_LEAD_IN_WORDS:
                first -= 1
            return first
    return None
