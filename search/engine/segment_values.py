"""Each segment's doc values as arrays in files beside the segment, written once and mapped at open;
its word list likewise (for words within a typo, ``search/engine/words.py``).

Reading a segment's doc values through Whoosh walks every ``person`` posting in Python: 7.1 s for
the whole AllSides corpus, paid by every new worker before its first answer. A segment never
changes once committed (deletions live in the index's table of contents), so its arrays are
written once, when the segment is committed, as ``.npy`` files in the generation's ``docvalues/``
folder, and every process maps them (``numpy.load(mmap_mode="r")``): a new worker reads them from
the page cache the other workers share. docs/WHOOSH.md, "Doc values beside the segments".

A missing, short or foreign file is never trusted: the values are read through Whoosh again and
the file rewritten (atomically: a reader sees the old file or the new one). Failing to write (a
read-only or full disk) costs speed, never an answer.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FOLDER = "docvalues"
_PER_DOC = ("article", "source", "day", "family")  # one value per document: rows of <segment>.docs.npy
_VERSION = 4  # bump when what the files hold changes; older files are then rewritten


def folder(index_path: str | Path) -> Path:
    return Path(index_path) / FOLDER


def _files(index_path: str | Path, segment_id: str) -> tuple[Path, Path]:
    base = folder(index_path) / f"{segment_id}.v{_VERSION}"
    return base.with_name(base.name + ".docs.npy"), base.with_name(base.name + ".persons.npy")


def _words_file(index_path: str | Path, segment_id: str) -> Path:
    return folder(index_path) / f"{segment_id}.v{_VERSION}.words.txt"


def arrays(index_path: str | Path, segment_id: str, reader: Any) -> tuple[np.ndarray, np.ndarray]:
    """(article, source, day, family) rows by document, and (document, person, speaks) rows of every
    mention (speaks: 1 when the paragraph gives the person's words), of one segment, deleted documents
    included: mapped from the segment's files, written first if needed."""
    mapped = _mapped(index_path, segment_id, reader.doc_count_all())
    if mapped is not None:
        return mapped
    docs, persons = read_through_whoosh(reader)
    save(index_path, segment_id, docs, persons)
    return docs, persons


def read_through_whoosh(reader: Any) -> tuple[np.ndarray, np.ndarray]:
    """The segment's doc values from Whoosh's columns and ``person`` and ``speaker`` postings (the slow way)."""
    n = reader.doc_count_all()
    docs = np.stack([np.fromiter(reader.column_reader(name), dtype=np.int64, count=n) for name in _PER_DOC])
    person_doc, person_id = _postings(reader, "person")
    speaker_doc, speaker_id = _postings(reader, "speaker")
    speaks = np.isin(person_doc * (1 << 32) + person_id, speaker_doc * (1 << 32) + speaker_id)
    return docs, np.stack([person_doc, person_id, speaks.astype(np.int64)])


def _postings(reader: Any, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
    """(documents, ids) of every posting of a field whose terms are ids."""
    doc_parts: list[np.ndarray] = [np.zeros(0, np.int64)]
    id_parts: list[np.ndarray] = [np.zeros(0, np.int64)]
    if fieldname not in reader.schema:  # an index written before the field existed
        return doc_parts[0], id_parts[0]
    for term in reader.lexicon(fieldname):
        postings = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
        doc_parts.append(postings)
        id_parts.append(np.full(postings.size, int(term), dtype=np.int64))
    return np.concatenate(doc_parts), np.concatenate(id_parts)


def _mapped(index_path: str | Path, segment_id: str, doc_count: int) -> tuple[np.ndarray, np.ndarray] | None:
    docs_file, persons_file = _files(index_path, segment_id)
    try:
        docs = np.load(docs_file, mmap_mode="r")
        persons = np.load(persons_file, mmap_mode="r")
    except (OSError, ValueError) as exc:  # absent, short, or not an array file
        if not isinstance(exc, FileNotFoundError):
            log.warning("Doc values of segment %s unreadable (%s): reading them again.", segment_id, exc)
        return None
    fits = docs.shape == (len(_PER_DOC), doc_count) and persons.ndim == 2 and persons.shape[0] == 3
    if not fits or docs.dtype != np.int64 or persons.dtype != np.int64:
        log.warning("Doc values of segment %s do not fit the segment: reading them again.", segment_id)
        return None
    if persons.shape[1] and int(persons[0].max()) >= doc_count:
        return None
    return docs, persons


def save(index_path: str | Path, segment_id: str, docs: np.ndarray, persons: np.ndarray) -> None:
    """Write one segment's array files, each atomically; a failure is logged, never raised."""
    for path, values in zip(_files(index_path, segment_id), (docs, persons), strict=True):
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(values, dtype=np.int64))
        _write_atomically(path, buffer.getvalue())


def words(index_path: str | Path, segment_id: str, reader: Any) -> tuple[list[str], list[int]]:
    """The segment's ``words`` terms (every word as written, lower-cased), sorted, with the number of
    documents each is in: from its file, written first if needed. Whoosh lists them from its term
    dictionary in Python (0.4 s at 100k)."""
    path = _words_file(index_path, segment_id)
    listed = _read_words(path, reader.doc_count_all())
    if listed is None:
        terms = sorted((_text(term), info.doc_frequency()) for term, info in reader.iter_field("words"))
        listed = [t for t, _ in terms], [f for _, f in terms]
        _save_words(path, reader.doc_count_all(), *listed)
    return listed


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _read_words(path: Path, doc_count: int) -> tuple[list[str], list[int]] | None:
    """The file's words and frequencies, if its header names this segment's document count and as many
    words as it holds (a word and its frequency per line, tab between)."""
    try:
        header, _, body = path.read_text(encoding="utf-8").partition("\n")
        rows = [line.split("\t") for line in body.split("\n")] if body else []
        listed = [w for w, _ in rows], [int(f) for _, f in rows]
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return listed if header == _words_header(doc_count, len(rows)) else None


def _words_header(doc_count: int, word_count: int) -> str:
    return f"words v{_VERSION} documents {doc_count} words {word_count}"


def _save_words(path: Path, doc_count: int, listed: list[str], frequencies: list[int]) -> None:
    lines = "\n".join(f"{word}\t{frequency}" for word, frequency in zip(listed, frequencies, strict=True))
    _write_atomically(path, (_words_header(doc_count, len(listed)) + "\n" + lines).encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except FileNotFoundError:
        # The writer's next commit merged the segment away (or a rebuild removed the generation) and
        # took the half-written file with it: nothing is lost, nobody needs the file any more.
        log.debug("%s not written: its segment is gone", path.name)
    except OSError as exc:
        log.warning("%s not written (%s): searches read it through Whoosh.", path.name, exc)


def merged_words(index_path: str | Path, readers: list[tuple[str, Any]]) -> tuple[list[str], np.ndarray]:
    """Every segment's words merged (sorted, each once, frequencies summed), for one index version
    (set of segments): from its file, else merged from the segments' files and written. Merging 22
    segments' lists of the whole corpus (800k words) takes about 2 s in Python; reading the merged
    file, 140k words, some 20 ms. The writer writes it after each commit, so no searcher merges."""
    name = vocabulary_name(segment_id for segment_id, _ in readers)
    text_file, frequency_file = folder(index_path) / f"{name}.txt", folder(index_path) / f"{name}.frequencies.npy"
    try:
        listed = text_file.read_text(encoding="utf-8").split("\n")
        frequencies = np.load(frequency_file, mmap_mode="r")
        if listed == [""]:
            listed = []
        if frequencies.shape == (len(listed),):
            return listed, frequencies
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    listed, counts = _merged([words(index_path, segment_id, reader) for segment_id, reader in readers])
    frequencies = np.array(counts, dtype=np.int64)
    _write_atomically(text_file, "\n".join(listed).encode("utf-8"))
    buffer = io.BytesIO()
    np.save(buffer, frequencies)
    _write_atomically(frequency_file, buffer.getvalue())
    return listed, frequencies


def vocabulary_name(segment_ids: Iterable[str]) -> str:
    """The merged word list's file name for a set of segments (a digest of their ids)."""
    digest = hashlib.sha256("\n".join(sorted(segment_ids)).encode()).hexdigest()[:20]
    return f"vocabulary-{digest}.v{_VERSION}"


def _merged(lists: list[tuple[list[str], list[int]]]) -> tuple[list[str], list[int]]:
    """Sorted word lists merged into one, a word in several segments once, its frequencies summed."""
    merged: list[str] = []
    frequencies: list[int] = []
    for word, frequency in heapq.merge(*(zip(listed, counts, strict=True) for listed, counts in lists)):
        if merged and merged[-1] == word:
            frequencies[-1] += frequency
        else:
            merged.append(word)
            frequencies.append(frequency)
    return merged, frequencies


def write_missing(index_path: str | Path, readers: Iterable[tuple[str, Any]]) -> None:
    """Write the files of these (segment id, reader) pairs that lack them and their merged word list,
    and remove the files of segments no longer in the index (merged away): call after a commit, with
    every segment of the index."""
    readers = list(readers)
    keep: set[str] = set()
    for segment_id, reader in readers:
        keep.add(segment_id)
        if _mapped(index_path, segment_id, reader.doc_count_all()) is None:
            save(index_path, segment_id, *read_through_whoosh(reader))
        words(index_path, segment_id, reader)
    merged_words(index_path, readers)
    keep.add(vocabulary_name(segment_id for segment_id, _ in readers).split(".", 1)[0])
    _remove_others(index_path, keep)


def _remove_others(index_path: str | Path, keep: set[str]) -> None:
    # A process still reading an old searcher keeps its mapping: unlinking a mapped file is safe on POSIX.
    if not folder(index_path).is_dir():
        return
    for path in folder(index_path).iterdir():
        segment_id, version = ([*path.name.lstrip(".").split("."), ""])[:2]
        if segment_id not in keep or version != f"v{_VERSION}":  # merged away, or written by another version
            path.unlink(missing_ok=True)
