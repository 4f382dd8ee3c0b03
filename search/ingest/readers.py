"""Readers: every input format becomes ArticleInput records. No database, no index.

A file that cannot be read at all raises IngestError; a broken record inside a readable file is
yielded as an IngestError in its place, so the records around it still go in.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + HTML_SUFFIXES + FEED_SUFFIXES

# Accepted JSON field names, first match wins (AllSides uses content_original, date_iso, authors).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "url": ("url", "link", "source_url_full"),
    "source": ("source", "source_name", "publisher", "outlet", "site_name"),
    "published": ("published", "date_iso", "date", "published_at", "pubdate", "datePublished"),
    "byline": ("byline", "authors", "author"),
    "text": ("text", "content_original", "content", "body", "article"),
}

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
EARLIEST_DATE = dt.date(1800, 1, 1)  # an earlier "publication date" is a placeholder or a typo
_BYLINE_PLACE = re.compile(r"\s+in\s+[A-Z][\w .'-]*$")  # "David Smith in Washington"
_MIN_PAGE_WORDS = 5  # less than this is navigation that trafilatura fell back to, not an article
_BLOCK_TAGS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dd", "td")


class IngestError(Exception):
    """An input that cannot become an article; the message says why."""


class Skipped(IngestError):
    """An input that is not an article and not an error either (a feed entry with no content)."""


@dataclass(frozen=True)
class ArticleInput:
    text: str
    title: str = ""
    url: str = ""
    source: str = ""
    published: dt.date | None = None
    byline: str = ""
    path: str = ""
    record: int = 0
    # A source to use only when neither the input nor the command line names one (a feed's title).
    fallback_source: str = ""
    date_from: str = ""  # which signal gave ``published`` (a saved page: json-ld, meta, url or text)


def parse_date(value: object) -> dt.date | None:
    """A date from metadata: ISO (2016-09-28…) or, as US scrapers write it, month first (9/28/16,
    9/28/2016). None when there is none or it cannot be a publication date (AllSides has
    "0001-11-30" placeholders and a "2050-09-30" typo): undated, never today's date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value if _plausible(value) else None
    text = str(value or "")
    found = _iso_date(text) or _us_date(text)
    return found if found and _plausible(found) else None


def _iso_date(text: str) -> dt.date | None:
    match = _ISO_DATE.match(text)
    return _date(*(int(part) for part in match.groups())) if match else None


def _us_date(text: str) -> dt.date | None:
    match = _US_DATE.match(text)
    if not match:
        return None
    month, day, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year += 2000 if year < 70 else 1900
    if month > 12 >= day:  # day first after all (28/9/16): no month is above 12
        month, day = day, month
    return _date(year, month, day)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _plausible(date: dt.date) -> bool:
    return EARLIEST_DATE <= date <= dt.date.today() + dt.timedelta(days=366)


def iter_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and _is_supported(p))
        else:
            yield path


def estimated_articles(path: Path) -> int:
    """About how many articles a file holds, cheaply, for a progress bar's total: lines of JSON Lines,
    items or entries of a feed, else one. Never an error: a file that cannot be read counts one."""
    name = path.name.lower()
    if not name.endswith(JSON_SUFFIXES + FEED_SUFFIXES):
        return 1
    try:
        data = _read_bytes(path)
    except IngestError:
        return 1
    if name.endswith(FEED_SUFFIXES):
        return max(1, data.count(b"<item") + data.count(b"<entry"))
    return max(1, sum(1 for line in data.splitlines() if line.strip().startswith(b"{")))


def _is_supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED_SUFFIXES)


def read_file(path: Path) -> Iterator[ArticleInput | IngestError]:
    """The articles in one file, and an IngestError in place of each record that is broken.

    Raises IngestError for a file that cannot be read at all.
    """
    name = path.name.lower()
    if name.endswith(JSON_SUFFIXES):
        yield from _read_json(path)
    elif name.endswith(TEXT_SUFFIXES):
        yield ArticleInput(text=_read_text(path), path=str(path), record=1)
    elif name.endswith(HTML_SUFFIXES):
        yield _read_html(path)
    elif name.endswith(FEED_SUFFIXES):
        yield from _read_feed(path)
    else:
        raise IngestError(f"unsupported file type (expected one of {', '.join(SUPPORTED_SUFFIXES)})")


def _read_bytes(path: Path) -> bytes:
    try:
        data = gzip.decompress(path.read_bytes()) if path.name.lower().endswith(".gz") else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise IngestError(f"cannot read: {exc}") from exc
    if b"\x00" in data[:8192]:
        raise IngestError("binary file (NUL bytes), not text")
    return data


def _read_text(path: Path) -> str:
    try:
        return _read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _read_json(path: Path) -> Iterator[ArticleInput | IngestError]:
    text = _read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("[") or _is_json_feed(stripped):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(f"invalid JSON: {exc}") from exc
        if isinstance(records, dict):
            yield from _json_feed_items(records, path=path)
            return
        for number, record in enumerate(records, start=1):
            yield _article_from_record(record, path=path, number=number)
        return
    if stripped.startswith("{") and (single := _one_document(text)) is not None:
        # One pretty-printed object (a corpus's stats.json, a single article): not JSON Lines.
        if isinstance(single, dict) and _pick(single, "text") is not None:
            yield _article_from_record(single, path=path, number=1)
        else:
            yield Skipped("no articles: one JSON object without an article's text")
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestError(f"line {number}: invalid JSON: {exc.msg}")
            continue
        yield _article_from_record(record, path=path, number=number)


def _one_document(text: str) -> object | None:
    """The file as one JSON document, or None when it is not one (JSON Lines fail at the second line)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _pick(record: dict[str, object], name: str) -> object:
    for key in FIELD_NAMES[name]:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v)
    return "" if value is None else str(value).strip()


def _article_from_record(record: object, *, path: Path, number: int) -> ArticleInput | IngestError:
    if not isinstance(record, dict):
        return IngestError(f"record {number}: expected a JSON object")
    return ArticleInput(
        text=_as_text(_pick(record, "text")),
        title=_as_text(_pick(record, "title")),
        url=_as_text(_pick(record, "url")),
        source=_as_text(_pick(record, "source")),
        published=parse_date(_pick(record, "published")),
        byline=_as_text(_pick(record, "byline")),
        path=str(path),
        record=number,
    )


# --- JSON Feed (jsonfeed.org) ----------------------------------------------------------------


def _is_json_feed(text: str) -> bool:
    # Versions are URLs, often written with escaped slashes: "https:\\/\\/jsonfeed.org\\/version\\/1".
    return text.startswith("{") and "jsonfeed.org" in text[:2000]


def _json_feed_items(feed: dict[str, object], *, path: Path) -> Iterator[ArticleInput | IngestError]:
    items = feed.get("items")
    if not isinstance(items, list):
        raise IngestError("JSON Feed without an items list")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield IngestError(f"item {number}: expected a JSON object")
            continue
        html_text = str(item.get("content_html") or "")
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        yield ArticleInput(
            text="\n\n".join(html_paragraphs(html_text)) if html_text else _as_text(item.get("content_text") or item.get("summary")),
            title=_as_text(item.get("title")),
            url=_as_text(item.get("url")),
            published=parse_date(item.get("date_published")),
            byline=", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict)),
            path=str(path),
            record=number,
            fallback_source=_as_text(feed.get("title")),
        )


# --- saved HTML pages (trafilatura) ----------------------------------------------------------


def _read_html(path: Path) -> ArticleInput:
    """Main text and metadata of a saved page. trafilatura finds the article body; htmldate, inside
    it, the publication date (None when the page gives none: never the file's or today's date)."""
    import trafilatura  # noqa: PLC0415 - slow import, only for HTML inputs

    data = _read_bytes(path)
    root = html_root(data)  # parsed once: trafilatura works on its own copy, the date's signals and the headline on this
    document = trafilatura.bare_extraction(
        data if root is None else root, with_metadata=True, include_comments=False, include_tables=False, deduplicate=True
    )
    assert not isinstance(document, dict)  # a dict only with as_dict=True
    if document is None or len((document.text or "").split()) < _MIN_PAGE_WORDS:
        raise IngestError("no article text found in the page")
    published, date_from = page_date(root, document.url or "", text_date=document.date)
    return ArticleInput(
        text=document.text or "",
        title=page_title(root, document.title or "", site=document.sitename or "", url=document.url or "", text=document.text or ""),
        url=document.url or "",
        source=document.sitename or "",
        published=published,
        date_from=date_from,
        byline=document.author or "",
        path=str(path),
        record=1,
    )


_PUBLISHED_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate", "publication_date",
    "dc.date.issued", "dcterms.created", "parsely-pub-date", "sailthru.date", "date",
)  # fmt: skip
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified", "dcterms.modified", "lastmod")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")


def html_root(data: bytes) -> Any:
    """The page as an lxml tree, decoded as trafilatura decodes it (the declared or guessed charset:
    lxml alone reads an undeclared UTF-8 page as Latin-1), or None for hopeless markup."""
    from trafilatura import load_html  # noqa: PLC0415 - slow import, only for HTML inputs

    try:
        return load_html(data)
    except Exception:  # lxml raises several types for hopeless markup
        return None


def page_date(root: Any, url: str, *, text_date: object) -> tuple[dt.date | None, str]:
    """A saved page's publication date and the signal that gave it.

    htmldate's choice first (through trafilatura, which asks it for the original date; it weighs the
    page's JSON-LD, metadata, URL and text, and time zones; docs/BENCHMARKS.md), unless it is a day the
    page itself calls modified and the page names an earlier day as published: then that one. The
    signal named is the most explicit one that gives the same day (``json-ld``, ``meta``, ``url``, else
    ``text``). When htmldate finds nothing, the first of those that does. Never today's date or a
    later one: a page saved today that names no date stays undated.
    """
    today = dt.date.today()
    signals = [(d, signal) for d, signal in _date_signals(root, url) if d < today]
    found = parse_date(text_date)
    if found is None or found >= today:
        return signals[0] if signals else (None, "")
    earlier = [(d, signal) for d, signal in signals if d < found and signal != "url"]
    if earlier and found in _modified_dates(root):
        return min(earlier)
    return found, next((signal for d, signal in signals if d == found), "text")


def _date_signals(root: Any, url: str) -> list[tuple[dt.date, str]]:
    """The days a page names as its publication, most explicit first."""
    signals: list[tuple[dt.date, str]] = []
    if root is not None:
        signals += [(d, "json-ld") for value in _json_ld_dates(root) if (d := parse_date(value))]
        metas = _metas(root)
        signals += [(d, "meta") for name in _PUBLISHED_META if (d := parse_date(metas.get(name)))]
    if match := _URL_DATE.search(url):
        signals += [(d, "url") for d in [parse_date("-".join(f"{int(part):02d}" for part in match.groups()))] if d]
    return signals


def _modified_dates(root: Any) -> set[dt.date]:
    """The days a page names as its last change (JSON-LD ``dateModified``, modified-time metadata)."""
    if root is None:
        return set()
    metas = _metas(root)
    values = _json_ld_dates(root, key="dateModified") + [metas.get(name) for name in _MODIFIED_META]
    return {d for value in values if (d := parse_date(value))}


def _metas(root: Any) -> dict[str, str | None]:
    return {(m.get("property") or m.get("name") or m.get("itemprop") or "").casefold(): m.get("content") for m in root.iter("meta")}


def _json_ld_dates(root: object, key: str = "datePublished") -> list[str]:
    dates: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if isinstance(node.get(key), str):
                dates.append(node[key])
            for inner in ("@graph", "mainEntity", "mainEntityOfPage"):
                walk(node.get(inner))

    for script in root.xpath('//script[@type="application/ld+json"]'):  # type: ignore[attr-defined]
        try:
            walk(json.loads(script.text_content() or "null"))
        except ValueError:
            continue
    return dates


_TITLE_PARTS = re.compile(r"(\s+[|\-–—:·•»]\s+)")  # split keeping the separators


def page_title(root: Any, title: str, *, site: str, url: str, text: str = "") -> str:
    """The article's headline: the page's first ``<h1>`` when it names the same story as the
    metadata's title (which is often the search-engine title: "Coronavirus: …" shortened, reworded, or
    with the site's name) or when the title is not about the text at all (a section's name, "Allergies
    Health Center"); else that title without a site or section suffix ("… | Harper's Magazine")."""
    headline = _first_h1(root)
    if headline and not _is_site_name(headline, site, url):
        about_text = bool(text) and _share_in(headline, text) >= 0.5 and _share_in(title, text) < 0.5
        if _same_story(headline, title) or about_text:
            title = headline
    return strip_site_suffix(title, site=site, url=url)


def strip_site_suffix(title: str, *, site: str, url: str) -> str:
    """``title`` without a trailing (or leading) part that is the site's name or domain, or a section
    name of at most three words set off by " | " ("Local News | Brothel catering …")."""
    pieces = [p.strip() for p in title.split(" | ")]
    if len(pieces) > 1:
        longest = max(pieces, key=len)
        if len(longest.split()) > 3 and all(p == longest or len(p.split()) <= 3 for p in pieces):
            title = longest
    tokens = _TITLE_PARTS.split(title)  # part, separator, part, …
    while len(tokens) > 1 and _is_site_name(tokens[-1], site, url):
        del tokens[-2:]
    while len(tokens) > 1 and _is_site_name(tokens[0], site, url):
        del tokens[:2]
    return " ".join("".join(tokens).split())


def _first_h1(root: Any) -> str:
    if root is None:
        return ""
    for h1 in root.iter("h1"):
        text = " ".join(h1.text_content().split())
        if len(text.split()) >= 3:
            return text
    return ""


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2}


def _share_in(candidate: str, text: str) -> float:
    """The share of ``candidate``'s words that occur in ``text``."""
    words = _words(candidate)
    return len(words & _words(text)) / len(words) if words else 0.0


def _same_story(headline: str, title: str) -> bool:
    """Whether two headlines share most of the shorter one's words (a rewording, not another story)."""
    a, b = _words(headline), _words(title)
    return bool(a and b) and len(a & b) >= 0.5 * min(len(a), len(b))


def _is_site_name(text: str, site: str, url: str) -> bool:
    """Whether ``text`` is the site's name or its domain ("LA Weekly", "laweekly.com", "WSVN 7News | …")."""
    key = re.sub(r"\W+", "", text.casefold())
    if not key:
        return False
    names = [re.sub(r"\W+", "", site.casefold())]
    host = urlsplit(url).hostname or ""
    names += [re.sub(r"\W+", "", part) for part in host.casefold().removeprefix("www.").split(".")[:-1]]
    return any(name and (key == name or key.startswith(name) or name.startswith(key) and len(key) >= 4) for name in names)


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraph texts of an HTML fragment (a feed entry's content): block elements, else the text."""
    import lxml.html  # noqa: PLC0415

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types for hopeless markup; fall back to the raw text
        return [" ".join(fragment.split())]
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    blocks = [
        " ".join(el.text_content().split())
        for el in root.iter(*_BLOCK_TAGS)
        if not el.xpath(f"ancestor::{'|ancestor::'.join(_BLOCK_TAGS)}")
    ]
    blocks = [b for b in blocks if b]
    whole = " ".join(root.text_content().split())
    return blocks or ([whole] if whole else [])


# --- RSS and Atom feeds (feedparser) -----------------------------------------------------------


def _read_feed(path: Path) -> Iterator[ArticleInput | IngestError]:
    import feedparser  # noqa: PLC0415

    parsed = feedparser.parse(_read_bytes(path))
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise IngestError(f"not a feed with entries{f' ({problem})' if problem else ''}")
    feed_title = _as_text(parsed.feed.get("title"))
    for number, entry in enumerate(parsed.entries, start=1):
        yield _feed_entry(entry, feed_title=feed_title, path=path, number=number)


def _feed_entry(entry: dict[str, object], *, feed_title: str, path: Path, number: int) -> ArticleInput | IngestError:
    contents = cast("list[dict[str, str]]", entry.get("content") or [])  # feedparser's entries are untyped dicts
    html_text = max((c.get("value", "") for c in contents), key=len) if contents else str(entry.get("summary") or "")
    paragraphs = html_paragraphs(html_text) if html_text.strip() else []
    if not paragraphs:
        return Skipped(f"entry {number}: no text content, only a title or media")
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return ArticleInput(
        text="\n\n".join(paragraphs),
        title=_as_text(entry.get("title")),
        url=_as_text(entry.get("link")),
        published=dt.date(*stamp[:3]) if stamp else None,  # type: ignore[index]  # feedparser gives a time.struct_time
        byline=_BYLINE_PLACE.sub("", _as_text(entry.get("author"))),
        path=str(path),
        record=number,
        fallback_source=feed_title,
    )
