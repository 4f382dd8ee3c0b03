"""Who speaks in a paragraph: the persons whose words it gives (a direct quote or reported speech),
told apart from those only mentioned. The rule being implemented, and how it is measured, are in
docs/SPEAKERS.md.

The commonest attributions are read from the words alone (``by_words``: "Putin said", '"…," said
Putin'). The other sentences that hold a verb of saying and name a person or say "he" or "she"
(``to_parse``) go through spaCy's dependency parse (``ner.parses``: the same model package's parser):

- a verb of saying (``SPEECH_VERBS``, known by its forms) that is not negated ("did not say",
  "declined to comment") makes its subject the speaker: the nominal subject; the agent of a passive
  ("was denied by X"); for a verb with no subject of its own ("…, saying …", "… and added"), the
  subject of the verb it hangs on; for "X, who said …", X; when the parse gives no subject, a person
  named just after a closing quote and the verb ('"…," said X'). "X's spokesman said" has the
  spokesman as subject, so X is not a speaker;
- a subject "he" or "she" stands for the last person named before it in the paragraph who is the
  subject of a parsed verb, else the last person named before it;
- "according to X" makes X a speaker;
- a name followed by a colon that opens the paragraph ("Putin: …", an interview's "Name: …"), or a
  transcript's "((Name)) …", is a speaker, without a parse.

A quote's speaker is the speaking person named nearest to it, outside it; unknown when none speaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from search.ingest import ner
from search.sentences import QUOTED, sentences

SPEECH_VERBS = frozenset(
    """say tell add ask answer reply respond explain claim insist argue assert state declare announce report note
    observe remark comment mention write tweet post warn caution urge suggest propose deny admit acknowledge concede
    confirm reveal disclose predict promise vow pledge threaten complain protest boast joke recall testify allege
    contend maintain emphasize emphasise stress question wonder counter retort quip shout scream whisper conclude
    estimate call describe blast slam praise criticize criticise accuse charge tout dismiss lament""".split()
)
_IRREGULAR = {"say": ["said"], "tell": ["told"], "write": ["wrote", "written"]}
NEGATING = frozenset({"decline", "refuse", "fail", "neglect"})  # "declined to comment": no words given
PRONOUNS = frozenset({"he", "she"})
SUBJECT_HOPS = ("advcl", "xcomp", "conj", "ccomp", "pcomp")  # a verb that takes its subject from the verb it hangs on
NAME_WITHIN = 6  # tokens after a verb of saying that follows a quote, where its speaker is named
_CLOSING = frozenset({'"', "”", "''"})
_COLON_AFTER = re.compile(r"(\)\))?\s*:\s*\S|\)\)\s*\S")  # "Putin: …", "((Putin)): …", "((Putin)) …"
_WORD = re.compile(r"[\w']+")
# "Putin said", "Putin also told", "Putin, 70, said": the word after a name (a few adverbs or an age between)
_BEFORE_VERB = re.compile(r"(?:,\s*\d{1,3},)?\s+(?:(?:also|later|then|again|previously|earlier|recently|once)\s+){0,2}([a-z]+)\b")
# "said Putin", "said Sen. Jim Inhofe", "said President": a verb, then at most three capitalised words, ending at the name
_AFTER_VERB = re.compile(r"[\"”,]\s*([a-z]+)\s+(?:[A-Z][\w.'-]*\s+){0,3}$")
_ATTRIBUTION_ENDS = re.compile(r"\s*(?:[,.;:!?(—–]|$)")  # '"…," said Putin.' but not "said Putin had lied"
_OBJECT_OF = re.compile(r"\b(?:for|of|to|with|from|by|about|against|on|at)\s+(?:[A-Z][\w.'-]*\s+){0,3}$")  # "a spokeswoman for X said"

Mention = tuple[int, int]  # character offsets in the paragraph
Piece = tuple[str, int]  # a sentence to parse, and its offset in the paragraph


def _forms(verb: str) -> list[str]:
    """A regular verb's forms ("warn": warns, warned, warning; "deny": denies, denied, denying)."""
    if verb.endswith("e"):
        return [verb, verb + "s", verb + "d", verb[:-1] + "ing"]
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return [verb, verb[:-1] + "ies", verb[:-1] + "ied", verb + "ing"]
    doubled = verb + verb[-1] if verb in ("quip", "admit", "slam", "vow") else verb
    ending = "es" if verb.endswith(("s", "sh", "ch", "x")) else "s"
    return [verb, verb + ending, doubled + "ed", doubled + "ing"]


VERB_OF = {form: verb for verb in SPEECH_VERBS for form in _forms(verb) + _IRREGULAR.get(verb, [])}
NEGATING_FORMS = {form for verb in NEGATING for form in _forms(verb)}


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    speaker: int | None  # index into the paragraph's mentions


def to_parse(paragraph: str, mentions: Sequence[Mention]) -> list[Piece]:
    """The sentences worth parsing: a verb of saying (or "according to"), a person named or a "he"
    or "she" in them, and no speaker found by their words alone (``by_words``)."""
    if not mentions:
        return []
    pieces = []
    for start, end in sentences(paragraph):
        words = [w.lower() for w in _WORD.findall(paragraph[start:end])]
        names = any(start <= m_start < end for m_start, _ in mentions) or any(w in PRONOUNS for w in words)
        if names and any(w in VERB_OF or w == "according" for w in words) and not by_words(paragraph, mentions, (start, end)):
            pieces.append((paragraph[start:end], start))
    return pieces


def speakers(paragraph: str, mentions: Sequence[Mention], parsed: Sequence[ner.Parsed]) -> set[int]:
    """Indexes of the mentions that speak in the paragraph (``parsed``: its sentences ``to_parse``, parsed)."""
    found = {i for i, (start, end) in enumerate(mentions) if _COLON_AFTER.match(paragraph, end) and _opens_line(paragraph, start)}
    found |= {i for span in sentences(paragraph) for i in by_words(paragraph, mentions, span)}
    tokens_at = [_mention_of_tokens(mentions, sentence) for sentence in parsed]
    subjects = {at[i] for sentence, at in zip(parsed, tokens_at, strict=True) for i in at if sentence[i].dep in ("nsubj", "nsubjpass")}
    for sentence, at in zip(parsed, tokens_at, strict=True):
        found |= _by_parse(mentions, sentence, at, subjects)
    return found


def by_words(paragraph: str, mentions: Sequence[Mention], sentence: tuple[int, int]) -> set[int]:
    """Speakers told by the words alone, the commonest attributions, with no parse: a name right
    before a verb of saying ("Putin said", "Putin also told"), or right after one with at most a few
    capitalised titles between ('"…," said Putin', "…, said Sen. Jim Inhofe."). A "he said" is left to
    the parse, which knows who the sentences before are about (a shortcut for it lost a speaker)."""
    start, end = sentence
    found: set[int] = set()
    for i, (m_start, m_end) in enumerate(mentions):
        if not start <= m_start < end:
            continue
        before = paragraph[start:m_start]
        after = _BEFORE_VERB.match(paragraph, m_end, end)
        if after and after.group(1).lower() in VERB_OF and not _OBJECT_OF.search(before):
            found.add(i)
        verb = _AFTER_VERB.search(before)
        if verb and verb.group(1).lower() in VERB_OF and _ATTRIBUTION_ENDS.match(paragraph, m_end):
            found.add(i)
    return found


def _opens_line(paragraph: str, start: int) -> bool:
    """A name that opens the paragraph, a transcript's "((Name))", or follows a short lead-in in
    capitals ("JUST WATCHED Graham: …"): not a name inside a sentence that happens to precede a colon."""
    before = paragraph[:start].rstrip("( ")
    return not before or (len(before.split()) <= 3 and before.isupper())


def _by_parse(mentions: Sequence[Mention], parsed: ner.Parsed, at: dict[int, int], subjects: set[int]) -> set[int]:
    found: set[int] = set()
    for i, token in enumerate(parsed):
        if token.word == "according" and (name := _according_to(i, parsed, at)) is not None:
            found.add(name)
        if token.word not in VERB_OF or _negated(i, parsed):
            continue
        subject = _subject(i, parsed)
        name = at.get(subject) if subject is not None else _named_after_quote(i, parsed, at)
        if name is None and subject is not None and parsed[subject].word in PRONOUNS:
            name = _antecedent(parsed[subject].start, mentions, subjects)
        if name is not None:
            found.add(name)
    return found


def _mention_of_tokens(mentions: Sequence[Mention], parsed: ner.Parsed) -> dict[int, int]:
    """token index → the mention it is part of."""
    return {i: number for number, (start, end) in enumerate(mentions) for i, token in enumerate(parsed) if start <= token.start < end}


def _children(i: int, parsed: ner.Parsed) -> list[int]:
    return [j for j, token in enumerate(parsed) if token.head == i and j != i]


def _negated(i: int, parsed: ner.Parsed) -> bool:
    if any(parsed[j].dep == "neg" for j in _children(i, parsed)):
        return True
    token = parsed[i]
    return token.dep == "xcomp" and parsed[token.head].word in NEGATING_FORMS


def _subject(i: int, parsed: ner.Parsed) -> int | None:
    """The token that does the saying of verb ``i``: its subject, a passive's agent, the subject of the
    verb it hangs on, or the noun a relative clause ("who said") is about."""
    for _ in range(4):  # a few hops up at most: "…, he said, adding that …"
        children = _children(i, parsed)
        subjects = [j for j in children if parsed[j].dep in ("nsubj", "csubj")]
        if subjects:
            subject = subjects[0]
            if parsed[subject].word in ("who", "that") and parsed[i].dep == "relcl":
                return parsed[i].head
            return subject
        agents = [k for j in children if parsed[j].dep == "agent" for k in _children(j, parsed) if parsed[k].dep == "pobj"]
        if agents:
            return agents[0]
        if any(parsed[j].dep == "nsubjpass" for j in children):
            return None  # "Putin was told …": the words are someone else's
        token = parsed[i]
        if token.dep not in SUBJECT_HOPS or token.head == i:
            return None
        i = token.head
    return None


def _named_after_quote(i: int, parsed: ner.Parsed, at: dict[int, int]) -> int | None:
    """'"…," said Putin' and '"…" tweeted Mayor Sadiq Khan', when the parse gave the verb no subject: a
    verb right after a closing quote, and a person named within a few words after it."""
    after_quote = i > 0 and (parsed[i - 1].word in _CLOSING or (i > 1 and parsed[i - 1].word == "," and parsed[i - 2].word in _CLOSING))
    if not after_quote:
        return None
    return next((at[j] for j in range(i + 1, min(i + 1 + NAME_WITHIN, len(parsed))) if j in at), None)


def _according_to(i: int, parsed: ner.Parsed, at: dict[int, int]) -> int | None:
    for j in _children(i, parsed):
        if parsed[j].word == "to":
            for k in _children(j, parsed):
                if parsed[k].dep == "pobj" and k in at:
                    return at[k]
    return None


def _antecedent(position: int, mentions: Sequence[Mention], subjects: set[int]) -> int | None:
    """The person a "he" or "she" at ``position`` stands for: the last person named before it who is
    the subject of a parsed verb, else the last person named before it."""
    before = [i for i, (_, end) in enumerate(mentions) if end <= position]
    named = [i for i in before if i in subjects] or before
    return named[-1] if named else None


def quotes(paragraph: str, mentions: Sequence[Mention], speaking: set[int]) -> list[Quote]:
    """The quoted words of the paragraph and, where it can be told, who says them: the speaking
    mention nearest the quote, outside it ('"…," Putin said'; "Putin said: "…""), else unknown."""
    found = []
    for match in QUOTED.finditer(paragraph):
        start, end = match.span()
        outside = [(min(abs(mentions[i][0] - end), abs(start - mentions[i][1])), i) for i in speaking if not start <= mentions[i][0] < end]
        found.append(Quote(start, end, min(outside)[1] if outside else None))
    return found
