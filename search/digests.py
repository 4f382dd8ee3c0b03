"""Content hashes: what identifies an article across ingests, what decides whether it changed, and
what the index records of each document (search_check compares them). No Django, no Whoosh: ingest
and the engine both use it."""

from __future__ import annotations

import hashlib


def content_hash(*parts: str) -> str:
    """SHA-256 of the parts, each closed by a NUL (so that ("ab", "c") and ("a", "bc") differ)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()
