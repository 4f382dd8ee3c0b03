"""Article text into paragraphs, and the hash that finds one paragraph text in other articles. Pure functions: no Django, no Whoosh."""

from __future__ import annotations

import hashlib
import re

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


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


def paragraph_hash(text: str) -> str:
    """The same paragraph text in any article (case and spacing aside): for repetition and curated decisions."""
    return hashlib.sha1(" ".join(text.casefold().split()).encode("utf-8")).hexdigest()
