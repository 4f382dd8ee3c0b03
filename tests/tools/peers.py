"""The peers `make bench` times the search page against, each doing the page's work as well as it
allows: SQLite FTS5 and tantivy, over the same kept paragraphs, with the same facet counts.

Each engine answers a ``Case`` (query words, person, source, year) with what the page shows: the top
10 by relevance (newest first without words) with highlighted snippets, the total, and counts by
source, by month and by person (the 20 most mentioned). They count paragraphs; the page counts
articles too, which is more work, not less.

- **SQLite FTS5** (porter stemmer): the matching rowids once into a temporary table with an integer
  primary key, the filters as rowid sets from covering indexes, counts by joining that set to the
  document table by primary key (and to the person pairs by their primary key), ``snippet()`` only
  for the top 10. Browse mode counts from the covering indexes alone. Fuzzy words (``word~``) are
  expanded against the ``fts5vocab`` table (terms sharing the first letter within one edit of the
  word as typed or of its stem), since FTS5 has no fuzzy matching of its own.
- **tantivy** (the ``tantivy`` package, Rust; English stemmer): fast fields for source, month, day and
  persons, counts by its terms aggregations, top 10 and count in one search, snippets by its
  ``SnippetGenerator``; fuzzy words by its ``fuzzy_term_query`` (one edit, first letter kept).

An engine is a function of a case returning a number (so nothing is optimised away); a query that
runs past the budget raises ``OverBudget`` (FTS5 only: SQLite's progress handler stops it).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

TOP = 10
TOP_PERSONS = 20
LAST_TOTAL = [0]  # the last answer's total, for checking that the engines agree (set by each engine)
_FUZZY = re.compile(r"(\w+)~\d*")


class CaseLike(Protocol):
    q: str
    person: str
    source: str
    year: str


class OverBudget(Exception):
    """A query stopped at the time budget: its time is recorded as the budget, a lower bound."""


def kept_paragraphs(batch: int = 5000) -> Iterator[list[tuple[int, str, int, int, int, list[int]]]]:
    """(paragraph id, text, article, source, day, persons) of every kept paragraph, in batches."""
    from django.db import connection

    persons: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT m.paragraph_id, m.person_id FROM search_mention m JOIN search_paragraph p ON p.id = m.paragraph_id "
            "JOIN search_person s ON s.id = m.person_id WHERE NOT p.is_boilerplate AND NOT s.not_a_person"
        )
        for paragraph_id, person_id in cursor.fetchall():
            persons.setdefault(paragraph_id, []).append(person_id)
        cursor.execute(
            "SELECT p.id, p.text, a.id, COALESCE(a.source_id, 0), a.published FROM search_paragraph p "
            "JOIN search_article a ON a.id = p.article_id WHERE NOT p.is_boilerplate"
        )
        for rows in iter(lambda: cursor.fetchmany(batch), []):
            yield [(r[0], r[1], r[2], r[3], day_number(r[4]), persons.get(r[0], [])) for r in rows]


def day_number(value: object) -> int:
    text = str(value or "")
    return int(text[:10].replace("-", "")) if len(text) >= 10 else 0


def ids_of(case: CaseLike) -> tuple[int | None, int | None]:
    """The person and source ids a case filters on."""
    from search.models import Person, Source

    person = Person.objects.get(slug=case.person).pk if case.person else None
    source = Source.objects.get(slug=case.source).pk if case.source else None
    return person, source


def year_bounds(year: str) -> tuple[int, int]:
    return int(year) * 10000, int(year) * 10000 + 1299


# --- SQLite FTS5 ------------------------------------------------------------------------------


def build_fts5(path: Path) -> float:
    """SQLite FTS5 over the kept paragraphs, a document table and the (document, person) pairs, with
    the indexes the counts and filters read; seconds taken."""
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='porter unicode61');
        CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row');
        CREATE TABLE doc(id INTEGER PRIMARY KEY, article INTEGER, source INTEGER, day INTEGER, month INTEGER);
        CREATE TABLE doc_person(doc_id INTEGER, person_id INTEGER, PRIMARY KEY(doc_id, person_id)) WITHOUT ROWID;
        """
    )
    for rows in kept_paragraphs():
        db.executemany("INSERT INTO fts(rowid, body) VALUES (?, ?)", [(r[0], r[1]) for r in rows])
        db.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?)", [(r[0], r[2], r[3], r[4], r[4] // 100) for r in rows])
        db.executemany("INSERT OR IGNORE INTO doc_person VALUES (?, ?)", [(r[0], p) for r in rows for p in r[5]])
    db.executescript(
        """
        CREATE INDEX doc_source ON doc(source, month); CREATE INDEX doc_month ON doc(month, source);
        CREATE INDEX doc_day ON doc(day);
        CREATE INDEX doc_person_person ON doc_person(person_id, doc_id);
        INSERT INTO fts(fts) VALUES ('optimize');
        ANALYZE;
        """
    )
    db.commit()
    db.close()
    return time.perf_counter() - started


def fts5_engine(path: Path, budget: float) -> Callable[[CaseLike], int]:
    """The page's answer from FTS5; SQLite's progress handler stops a query past ``budget`` seconds."""
    db = sqlite3.connect(path)
    db.execute("CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY)")
    deadline = [0.0]
    db.set_progress_handler(lambda: int(time.perf_counter() > deadline[0]), 10_000)

    def run(case: CaseLike) -> int:
        deadline[0] = time.perf_counter() + budget
        try:
            return _fts5_answer(db, case, *ids_of(case))
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise OverBudget from exc
            raise

    return run


def _fts5_answer(db: sqlite3.Connection, case: CaseLike, person: int | None, source: int | None) -> int:
    match = fts5_match(db, case.q) if case.q else None
    if case.q and not match:
        LAST_TOTAL[0] = 0
        return 0
    sets, args = _fts5_rowid_sets(case, match, person, source)
    if not sets:
        return _fts5_browse_all(db)
    db.execute("DELETE FROM temp.hits")
    db.execute("INSERT INTO temp.hits " + " INTERSECT ".join(sets), args)
    total = db.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
    # CROSS JOIN keeps the join order (the hits, then each by primary key): left to itself, the planner
    # scanned the whole document index and probed the hits (30 ms against 1.4 for 1,396 hits at 100k).
    sources = db.execute("SELECT d.source, count(*) FROM temp.hits h CROSS JOIN doc d ON d.id = h.id GROUP BY d.source").fetchall()
    months = db.execute("SELECT d.month, count(*) FROM temp.hits h CROSS JOIN doc d ON d.id = h.id GROUP BY d.month").fetchall()
    persons = db.execute(
        "SELECT dp.person_id, count(*) c FROM temp.hits h CROSS JOIN doc_person dp ON dp.doc_id = h.id "
        f"GROUP BY dp.person_id ORDER BY c DESC LIMIT {TOP_PERSONS}"
    ).fetchall()
    top = _fts5_top(db, match, filtered=len(sets) > 1)
    LAST_TOTAL[0] = total
    return total + len(top) + sum(len(s) for _, s in top) + len(sources) + len(months) + len(persons)


def _fts5_rowid_sets(case: CaseLike, match: str | None, person: int | None, source: int | None) -> tuple[list[str], list[object]]:
    """One SELECT of rowids per condition (the words, and each filter from its covering index), to intersect."""
    sets: list[str] = []
    args: list[object] = []
    if match is not None:
        sets.append("SELECT rowid FROM fts WHERE fts MATCH ?")
        args.append(match)
    if person is not None:
        sets.append("SELECT doc_id FROM doc_person WHERE person_id = ?")
        args.append(person)
    if source is not None:
        sets.append("SELECT id FROM doc WHERE source = ?")
        args.append(source)
    if case.year:
        sets.append("SELECT id FROM doc WHERE day BETWEEN ? AND ?")
        args += list(year_bounds(case.year))
    return sets, args


def _fts5_top(db: sqlite3.Connection, match: str | None, *, filtered: bool) -> list[tuple[int, str]]:
    """The top 10 ids, then ``snippet()`` for those 10 alone."""
    if match is None:
        ids = [r[0] for r in db.execute(f"SELECT d.id FROM temp.hits h CROSS JOIN doc d ON d.id = h.id ORDER BY d.day DESC LIMIT {TOP}")]
        marks = ",".join("?" * len(ids))
        return db.execute(f"SELECT rowid, substr(body, 1, 200) FROM fts WHERE rowid IN ({marks})", ids).fetchall()  # noqa: S608
    if filtered:
        # Materialised: with ``rowid IN (hits)`` beside MATCH, FTS5 ran the full-text query once per
        # probed rowid (1 s for "election" with a person at 100k, against 17 ms this way).
        top = (
            "WITH r AS MATERIALIZED (SELECT rowid AS id, rank AS k FROM fts WHERE fts MATCH ?) "
            f"SELECT r.id FROM r CROSS JOIN temp.hits h ON h.id = r.id ORDER BY r.k LIMIT {TOP}"
        )
    else:
        top = f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT {TOP}"
    ids = [r[0] for r in db.execute(top, [match])]
    marks = ",".join("?" * len(ids))
    return db.execute(
        f"SELECT rowid, snippet(fts, 0, '<mark>', '</mark>', '…', 24) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",  # noqa: S608
        [match, *ids],
    ).fetchall()


def _fts5_browse_all(db: sqlite3.Connection) -> int:
    """No words, no filters: counts straight from the covering indexes, the 10 newest by the day index."""
    total = db.execute("SELECT count(*) FROM doc").fetchone()[0]
    LAST_TOTAL[0] = total
    sources = db.execute("SELECT source, count(*) FROM doc GROUP BY source").fetchall()
    months = db.execute("SELECT month, count(*) FROM doc GROUP BY month").fetchall()
    persons = db.execute(f"SELECT person_id, count(*) c FROM doc_person GROUP BY person_id ORDER BY c DESC LIMIT {TOP_PERSONS}").fetchall()
    ids = [r[0] for r in db.execute(f"SELECT id FROM doc ORDER BY day DESC LIMIT {TOP}")]
    marks = ",".join("?" * len(ids))
    top = db.execute(f"SELECT rowid, substr(body, 1, 200) FROM fts WHERE rowid IN ({marks})", ids).fetchall()  # noqa: S608
    return total + len(top) + len(sources) + len(months) + len(persons)


def fts5_match(db: sqlite3.Connection, q: str) -> str:
    """The page's query in FTS5's syntax: phrases as they are, words joined by AND, fuzzy words
    expanded to an OR of the vocabulary's terms within one edit ('' when one expands to nothing)."""
    if q.startswith('"'):
        return q
    parts = []
    for word in re.findall(r"\w+~?\d*", q):
        if word == "AND":
            continue
        fuzzy = _FUZZY.fullmatch(word)
        if fuzzy is None:
            parts.append(f'"{word}"')
            continue
        terms = _fts5_near_terms(db, fuzzy.group(1).lower())
        if not terms:
            return ""
        parts.append("(" + " OR ".join(f'"{t}"' for t in terms) + ")")
    return " AND ".join(parts)


def _fts5_near_terms(db: sqlite3.Connection, word: str) -> list[str]:
    from whoosh.lang.porter import stem  # the Porter stemmer, as FTS5's ``porter`` tokenizer applies it

    rows = db.execute("SELECT term FROM vocab WHERE term >= ? AND term < ?", [word[0], chr(ord(word[0]) + 1)]).fetchall()
    terms = [r[0] for r in rows]
    near = {t for w in {word, stem(word)} for t, _, _ in process.extract(w, terms, scorer=Levenshtein.distance, score_cutoff=1, limit=None)}
    return sorted(near)


# --- tantivy ----------------------------------------------------------------------------------


def build_tantivy(path: Path) -> float:
    """A tantivy index of the kept paragraphs: stemmed body with positions (stored, for snippets),
    fast fields for source, month, day and persons; seconds taken."""
    import tantivy

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    started = time.perf_counter()
    index = tantivy.Index(_tantivy_schema(), path=str(path))
    writer = index.writer(heap_size=400_000_000, num_threads=2)
    for rows in kept_paragraphs():
        for pid, text, _article, source, day, persons in rows:
            doc = tantivy.Document()
            doc.add_text("body", text)
            for name, value in (("pid", pid), ("source", source), ("day", day), ("month", day // 100)):
                doc.add_unsigned(name, value)  # keyword arguments would be read as signed integers
            for person in persons:
                doc.add_unsigned("person", person)
            writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


def _tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("pid", stored=True, fast=True)
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem", index_option="position")
    for name in ("source", "day", "month", "person"):
        builder.add_unsigned_field(name, indexed=True, fast=True)
    return builder.build()


def tantivy_engine(path: Path) -> Callable[[CaseLike], int]:
    """The page's answer from tantivy: one search for the top 10 and the count, one aggregation for
    the three facets, snippets of the top 10."""
    import tantivy

    index = tantivy.Index.open(str(path))
    schema = index.schema
    searcher = index.searcher()
    aggregation = {
        "source": {"terms": {"field": "source", "size": 10_000}},
        "month": {"terms": {"field": "month", "size": 10_000}},
        "person": {"terms": {"field": "person", "size": TOP_PERSONS}},
    }

    def run(case: CaseLike) -> int:
        query, has_words = _tantivy_query(index, schema, case, *ids_of(case))
        if has_words:
            found = searcher.search(query, TOP, count=True)
        else:
            found = searcher.search(query, TOP, count=True, order_by_field="day", order=tantivy.Order.Desc)
        counts = searcher.aggregate(query, aggregation)
        if has_words:
            snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
            texts = [snippets.snippet_from_doc(searcher.doc(address)).to_html() for _, address in found.hits]
        else:
            texts = [searcher.doc(address)["body"][0][:200] for _, address in found.hits]
        buckets = sum(len(v.get("buckets", [])) for v in counts.values())
        LAST_TOTAL[0] = int(found.count or 0)
        return int(found.count or 0) + len(texts) + sum(len(t) for t in texts) + buckets

    return run


def _tantivy_query(index: Any, schema: Any, case: CaseLike, person: int | None, source: int | None) -> tuple[Any, bool]:
    import tantivy

    must: list[Any] = []
    if case.q:
        plain = _FUZZY.sub("", case.q).replace(" AND ", " ").strip()
        if plain:
            must.append(index.parse_query(plain, ["body"], conjunction_by_default=True))
        must += [
            tantivy.Query.fuzzy_term_query(schema, "body", m.group(1).lower(), distance=1, transposition_cost_one=False, prefix=False)
            for m in _FUZZY.finditer(case.q)
        ]
    if person is not None:
        must.append(tantivy.Query.term_query(schema, "person", person))
    if source is not None:
        must.append(tantivy.Query.term_query(schema, "source", source))
    if case.year:
        low, high = year_bounds(case.year)
        must.append(tantivy.Query.range_query(schema, "day", tantivy.FieldType.Unsigned, low, high))
    if not must:
        return tantivy.Query.all_query(), False
    query = must[0] if len(must) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])
    return query, bool(case.q)
