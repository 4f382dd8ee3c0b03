"""Pure text functions for ingest: paragraphs and boilerplate. Imports neither Django nor Whoosh."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

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
