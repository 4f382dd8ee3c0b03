"""Pure text functions for ingest: paragraphs and boilerplate. Imports neither Django nor Whoosh."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from search import ner

T = TypeVar("T")

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# Each pattern names the reason stored with the paragraph. They match whole short paragraphs or
# unmistakable phrases, so that ordinary reporting about newsletters or ads is not caught.
_BOILERPLATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("advertisement", re.compile(r"^\W*(advertisement|advertising|sponsored( content)?|ad)\W*$", re.I)),
    (
        "copyright",
        re.compile(
            r"^\W*(copyright|©|\(c\))\s.*\b(\d{4}|all rights reserved)|all rights reserved\.?\s*$"
            r"|may not be (re)?published, broadcast, rewritten,? or redistributed",
            re.I,
        ),
    ),
    (
        "newsletter prompt",
        re.compile(
            r"\b(sign up|subscribe) (now |today )?(for|to) (our|the) .{0,60}newsletter"
            r"|^\W*(get|receive) (our|the) .{0,40}newsletter|^newsletter\b",
            re.I,
        ),
    ),
    (
        "follow-us prompt",
        re.compile(r"^\W*(follow|like) (us|me) on (twitter|facebook|instagram|x\b)|^\W*click here\b", re.I),
    ),
    ("share buttons", re.compile(r"^\W*(share|share this( article| story)?|tweet|email|print|comments?)\W*$", re.I)),
    (
        "reader appeal",
        re.compile(
            r"\bjoin (our|the) .{0,40}community\b|\balready a (member|subscriber)\b|\bsign in to stop seeing"
            r"|\bconsider (joining|supporting|subscribing|donating|making a contribution)"
            r"|\bsupport (our|independent|quality) journalism"
            r"|\byou('ve| have) read \w+ .{0,40}articles\b"
            r"|\b(supporting|subscribing to) (the|our) .{0,40} (isn[’']t|is not) a transaction",
            re.I,
        ),
    ),
    # Weaker appeal phrases that ordinary reporting also uses; only in short paragraphs.
    (
        "reader appeal",
        re.compile(
            r"^(?=(\S+\s+){0,30}\S+\s*$).*(\byour support (is|helps|makes)\b|\b(become|becoming) a (member|subscriber|supporter)\b"
            r"|\bdonate (now|today)\b|\bsubscribe (now|today)\b)",
            re.I,
        ),
    ),
    ("byline", re.compile(r"^\W*[Bb][Yy] [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3}( and [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3})?\W*$")),
)

# A reader appeal at the end of an article spans many paragraphs, most of them individually
# harmless ("Thank you,", a signature). Once an appeal starts in the second half of an article
# and at least this share of what follows is flagged, the whole tail is the appeal.
_TAIL_FLAGGED_SHARE = 0.3
_SHORT_LEAD_IN_WORDS = 7


@dataclass(frozen=True)
class ParagraphDraft:
    text: str
    boilerplate_reason: str = ""

    @property
    def is_boilerplate(self) -> bool:
        return bool(self.boilerplate_reason)


def normalize_text(text: str) -> str:
    """Unify newlines and collapse runs of spaces inside lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks when the text has them, else one paragraph per line."""
    text = normalize_text(text)
    if not text:
        return []
    blocks = [" ".join(b.split("\n")) for b in _BLANK_LINE.split(text)] if _BLANK_LINE.search(text) else text.split("\n")
    return [block.strip() for block in blocks if block.strip()]


def boilerplate_reason(paragraph: str) -> str:
    """The reason a paragraph is boilerplate on its own, or '' when it is not."""
    for reason, pattern in _BOILERPLATE_PATTERNS:
        if pattern.search(paragraph):
            return reason
    return ""


def classify_paragraphs(paragraphs: list[str]) -> list[ParagraphDraft]:
    """Mark boilerplate paragraphs (kept, with a reason) using only this article's text."""
    reasons = [boilerplate_reason(p) for p in paragraphs]
    tail_start = _appeal_tail_start(paragraphs, reasons)
    if tail_start is not None:
        reasons = reasons[:tail_start] + [r or "reader appeal" for r in reasons[tail_start:]]
    return [ParagraphDraft(text=p, boilerplate_reason=r) for p, r in zip(paragraphs, reasons, strict=True)]


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


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


# --- persons ----------------------------------------------------------------------------------

# Titles and honorifics are not part of a name ("President Vladimir Putin" is Vladimir Putin).
_TITLES = frozenset(
    """mr mrs ms miss mx dr prof president vice prime minister sen senator rep representative gov governor
    gen general col colonel lt capt captain sgt adm admiral chancellor king queen prince princess pope sir
    dame lord lady judge justice secretary chief ceo chairman chairwoman coach rev reverend father sister
    brother sheikh ayatollah imam rabbi emir sultan mayor speaker ambassador commissioner director
    officer detective inspector professor doctor saint st former late then acting deputy""".split()
)
_POSSESSIVE = re.compile(r"(['’]s|['’])$")
_NAME_TOKEN = re.compile(r"^[A-Z][^\W\d_]*(['’.-][^\W\d_]*)*\.?$|^(de|da|van|von|der|den|del|la|le|bin|al|ibn|el)$")
_MAX_NAME_TOKENS = 5


@dataclass(frozen=True)
class MentionDraft:
    paragraph: int  # index in the list given to find_persons
    start: int  # character offsets into that paragraph
    end: int
    text: str  # the name as written, title and possessive removed
    name: str  # the fullest form of the name in this article


def clean_person_name(text: str) -> tuple[int, str] | None:
    """(offset of the name within ``text``, name) without titles or possessive; None if not a name."""
    tokens = text.split()
    offset = 0
    while tokens and tokens[0].rstrip(".").lower() in _TITLES:
        offset = text.index(tokens[0], offset) + len(tokens[0])
        tokens = tokens[1:]
    if not tokens:
        return None
    tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
    name = " ".join(t for t in tokens if t)
    if not name or len(tokens) > _MAX_NAME_TOKENS or not all(_NAME_TOKEN.match(t) for t in tokens if t):
        return None
    if len(name) < 2 or name.isupper() and len(name) <= 3:
        return None
    return text.index(tokens[0], offset), name


def resolve_in_article(names: list[str]) -> dict[str, str]:
    """Map each name to its fullest form in the same article: "Putin" → "Vladimir Putin"."""
    full = [n for n in dict.fromkeys(names) if " " in n]
    resolved: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if " " in name:
            resolved[name] = name
            continue
        candidates = [f for f in full if name in (f.split()[-1], f.split()[0])]
        # Prefer a surname match; the first full form seen wins when several share it.
        surname = [f for f in candidates if f.split()[-1] == name]
        resolved[name] = (surname or candidates or [name])[0]
    return resolved


def find_persons(paragraphs: list[str]) -> list[MentionDraft]:
    """Person mentions in an article's paragraphs, each resolved to the fullest name in the article."""
    ((_, mentions),) = find_persons_stream([(None, paragraphs)])
    return mentions


def find_persons_stream(articles: Iterable[tuple[T, list[str]]], *, processes: int = 1) -> Iterator[tuple[T, list[MentionDraft]]]:
    """Person mentions for a stream of (key, paragraphs) articles, in order (``processes`` NER workers)."""
    for key, paragraphs, spans in ner.person_spans(articles, processes=processes):
        yield key, _mentions(paragraphs, spans)


def _mentions(paragraphs: list[str], spans: list[ner.ParagraphSpans]) -> list[MentionDraft]:
    raw: list[tuple[int, int, int, str]] = []
    for number, paragraph_spans in enumerate(spans):
        for entity_start, _, entity_text in paragraph_spans:
            cleaned = clean_person_name(entity_text)
            if cleaned is None:
                continue
            offset, name = cleaned
            start = entity_start + offset
            raw.append((number, start, start + len(name), name))
    raw += _repeated_names(paragraphs, raw)
    raw.sort()
    resolved = resolve_in_article([name for *_, name in raw])
    return [MentionDraft(paragraph=n, start=s, end=e, text=name, name=resolved[name]) for n, s, e, name in raw]


def _repeated_names(paragraphs: list[str], found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """Later mentions that the model missed of names it found elsewhere in the same article.

    The small model misses names in short or unusual sentences ("Merkel spoke first."); a name
    it recognised once in an article is strong evidence for its other occurrences there.
    """
    names = {name for *_, name in found} | {name.split()[-1] for *_, name in found if " " in name}
    if not names:
        return []
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
    taken = {(n, position) for n, start, end, _ in found for position in range(start, end)}
    extra = []
    for number, text in enumerate(paragraphs):
        for match in pattern.finditer(text):
            if (number, match.start()) not in taken and (number, match.end() - 1) not in taken:
                extra.append((number, match.start(), match.end(), match.group(1)))
    return extra
