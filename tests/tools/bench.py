"""`make bench`: ingest N AllSides paragraphs into the project, then time the whole search response
against SQLite FTS5 and tantivy doing the same work as well as they allow (tests/tools/peers.py) and
against Whoosh's own ``groupedby`` faceting (what django-haystack does), in one run, on the same
data, and write the figures into docs/BENCHMARKS.md.

    python tests/tools/bench.py --paragraphs 100000 [--processes 2] [--runs 5]

The instance lives in var/bench-<N>/ and is reused when already loaded (delete it to re-ingest).
AllSides is research-only data: it is read from ../shared at run time and never copied here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402 - beside this file
from peers import OverBudget, build_fts5, build_tantivy, fts5_engine, tantivy_engine  # noqa: E402

__all__ = ["OverBudget", "fts5_engine"]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
ALLSIDES = SHARED / "corpora" / "allsides"
REPORT = ROOT / "docs" / "BENCHMARKS.md"


def setup_django(var_dir: Path) -> None:
    os.environ["NEWSAPP_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_TLS"] = "0"  # the test client speaks plain http; production settings would redirect it
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- loading ----------------------------------------------------------------------------------


def allsides_records(limit_paragraphs: int) -> Iterator[dict[str, object]]:
    """Whole AllSides articles, in file order, until ``limit_paragraphs`` paragraphs are reached."""
    total = 0
    paths = sorted(ALLSIDES.glob("allsides_*.jsonl.gz"))
    if not paths:
        raise SystemExit(f"The AllSides corpus is missing: {ALLSIDES} (set NEWSAPP_SHARED_DIR to the shared/ folder).")
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                total += sum(1 for p in str(record.get("content_original") or "").split("\n\n") if p.strip())
                yield record
                if total >= limit_paragraphs:
                    return


def load(limit_paragraphs: int, processes: int, work: Path) -> dict[str, object]:
    from django.core.management import call_command

    from search.ingest import store as ingest
    from search.models import Paragraph

    call_command("migrate", verbosity=0)
    if Paragraph.objects.exists():
        return json.loads((work / "load.json").read_text(encoding="utf-8"))
    source = work / "input.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for record in allsides_records(limit_paragraphs):
            out.write(json.dumps(record) + "\n")
    started = time.perf_counter()
    with TreeMemory() as memory:
        summary = ingest.ingest_paths([source], processes=processes, apply_every=2000)
    seconds = time.perf_counter() - started
    source.unlink()
    figures = {
        "seconds": round(seconds, 1),
        "articles": summary.new,
        "paragraphs": summary.paragraphs_kept + summary.paragraphs_boilerplate,
        "kept": summary.paragraphs_kept,
        "boilerplate": summary.paragraphs_boilerplate,
        "persons": summary.persons_new,
        "failed": summary.failed,
        "processes": processes,
        "peak_rss_mb": round(max(max_rss_mb(), memory.peak_mb), 1),
    }
    (work / "load.json").write_text(json.dumps(figures), encoding="utf-8")
    return figures


class TreeMemory:
    """Peak of the summed RSS of this process and all its descendants (NER workers), sampled every
    two seconds.

    Summing counts pages shared between the workers (the model, copied on write) once per process,
    so the figure is an upper bound of what the ingest needs. The walk follows /proc's ``children``
    lists from this process down; it used to read every process's stat file twice a second, which
    py-spy showed taking a sixth of the ingest process's samples (GIL time the ingest then lacked).
    """

    INTERVAL = 2.0

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(pid) for pid in _tree(os.getpid())) / 1024)


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:
                continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


def max_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# --- the query mix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    q: str = ""
    person: str = ""  # slug
    source: str = ""  # slug
    year: str = ""
    together: str = ""  # slug: "Mentioned with" (with=)
    path: str = "/"  # the search page, or an analysis page

    def querydict(self) -> dict[str, str]:
        pairs = {"q": self.q, "person": self.person, "with": self.together, "source": self.source, "from": self.year, "to": self.year}
        return {k: v for k, v in pairs.items() if v}

    def label(self) -> str:
        state = " ".join(f"{k}={v}" for k, v in self.querydict().items())
        return (self.path if self.path != "/" else "") + (" " if state and self.path != "/" else "") + state or "(browse)"


def query_mix() -> list[Case]:
    from django.db.models import Count

    from search.models import Person, Source

    persons = list(Person.objects.annotate(n=Count("mentions")).order_by("-n").values_list("slug", flat=True)[:5])
    sources = list(Source.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", flat=True)[:5])
    cases = [Case("common term", q) for q in ("trump", "said", "president", "health", "police")]
    cases += [Case("rare term", q) for q in ("blockchain", "tsunami", "ebola", "filibuster", "cyberattack")]
    cases += [Case("AND", q) for q in ("trump AND russia", "health insurance", "police shooting", "tax reform", "border wall")]
    cases += [Case("phrase", f'"{q}"') for q in ("white house", "health care", "supreme court", "climate change", "north korea")]
    cases += [Case("person filter", "", person=p) for p in persons]
    cases += [Case("person + term", "election", person=p) for p in persons[:3]]
    cases += [Case("source filter", "", source=s) for s in sources]
    cases += [Case("source + term", "immigration", source=s) for s in sources[:3]]
    cases += [
        Case("date range", q, year=y)
        for q, y in (("trump", "2016"), ("obama", "2014"), ("election", "2018"), ("", "2019"), ("virus", "2020"))
    ]
    cases += [Case("browse"), Case("browse", source=sources[0]), Case("browse", year="2017")]
    cases += [Case("fuzzy word", q) for q in ("goverment~", "electon~", "presdent~")]
    cases += [Case("typo, few hits", q) for q in ("goverment", "immigraton", "senatr")]
    return cases


COMPARED = (
    ("trump", "biden"),
    ("climate", '"global warming"'),
    ("police", "immigration"),
    ("health", "tax"),
)  # /compare/, counts and per volume


def analysis_mix() -> list[Case]:
    """Issue 14's pages, which no peer engine answers: "Mentioned with" (two persons, AND) and person
    pages, for the most mentioned persons and for some of the middle of the list."""
    from django.db.models import Count

    from search.models import Person
    from search.web import results
    from search.web.facets import read_params

    ranked = list(
        Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).order_by("-n").values_list("slug", flat=True)[:400]
    )
    persons = ranked[:5] + ranked[100::60][:5]
    cases = [Case("person page", path=f"/person/{slug}/") for slug in persons]
    cases += [
        Case("compare queries", path="/compare/?" + urlencode([("q", a), ("q", b), *([("per", "volume")] if per else [])]))
        for a, b in COMPARED
        for per in (False, True)
    ]
    for slug in ranked[:5]:
        partner = results.search(read_params({"person": slug})).facet_map["with"].values
        if partner:
            cases += [
                Case("mentioned with", person=slug, together=partner[0].value),
                Case("mentioned with + term", "said", person=slug, together=partner[0].value),
            ]
    return cases


# --- engines ----------------------------------------------------------------------------------


def project_engine() -> Callable[[Case], int]:
    """The whole response as users get it: the HTMX partial rendered by the view."""
    from django.test import Client

    client = Client()

    def run(case: Case) -> int:
        response = client.get(case.path, case.querydict(), headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code
        return len(response.content)

    return run


def groupedby_engine() -> Callable[[Case], int]:
    """Whoosh's own faceting, as django-haystack's Whoosh backend does it, on the same index."""
    from whoosh import highlight, sorting
    from whoosh import query as wq

    from search.engine import index, parse
    from search.models import Paragraph, Person, Source
    from search.web.results import LOOKUPS

    ix = index.open_index()
    searcher = ix.searcher()
    facets = {
        "person": sorting.FieldFacet("person", allow_overlap=True),
        "source": sorting.FieldFacet("source"),
        "day": sorting.FieldFacet("day"),
    }

    def run(case: Case) -> int:
        parts = [parse.parse_query(case.q, searcher, LOOKUPS).query] if case.q else []
        if case.person:
            parts.append(wq.Term("person", str(Person.objects.get(slug=case.person).pk)))
        if case.source:
            parts.append(wq.Term("source", Source.objects.get(slug=case.source).pk))
        if case.year:
            parts.append(wq.NumericRange("day", int(case.year) * 10000, int(case.year) * 10000 + 1299))
        q = wq.And(parts) if parts else wq.Every()
        results = searcher.search(q, limit=10, groupedby=facets, maptype=sorting.Count)
        top = results[:10]  # groupedby ignores limit (docs/WHOOSH.md): never iterate all
        counts = {name: results.groups(name) for name in facets}
        pids = [int(hit["pid"]) for hit in top]
        texts = dict(Paragraph.objects.filter(pk__in=pids).values_list("pk", "text"))
        terms = frozenset(t.decode() if isinstance(t, bytes) else t for _, t in q.existing_terms(searcher.reader(), fieldname="text"))
        formatter = highlight.HtmlFormatter(tagname="mark")
        fragmenter = highlight.ContextFragmenter()
        snippets = [highlight.highlight(texts.get(p, ""), terms, index.schema.ANALYZER, fragmenter, formatter, top=2) for p in pids]
        return len(results) + sum(len(s) for s in snippets) + sum(len(c) for c in counts.values())

    return run


# --- timing -----------------------------------------------------------------------------------


@dataclass
class Timings:
    by_case: dict[str, list[float]] = field(default_factory=dict)
    over_budget: set[str] = field(default_factory=set)  # cases stopped at the budget: their times are lower bounds
    first: dict[str, float] = field(default_factory=dict)  # the warm-up pass: each query asked for the first time

    def all(self) -> list[float]:
        return [t for times in self.by_case.values() for t in times]


def time_engine(run: Callable[[Case], int], cases: list[Case], *, runs: int, budget: float = 0.0) -> Timings:
    """Warm ms per case. A case that ran past the budget in its warm-up is not run again: it is
    recorded at the budget, a lower bound, and marked (re-running it would only take more minutes)."""
    timings = Timings()
    for case in cases:  # warm up: caches, doc values, page cache
        started = time.perf_counter()
        try:
            run(case)
        except OverBudget:
            timings.over_budget.add(case.label())
            timings.by_case[case.label()] = [budget * 1000] * runs
        timings.first[case.label()] = (time.perf_counter() - started) * 1000
    for _ in range(runs):
        for case in cases:
            if case.label() in timings.over_budget:
                continue
            started = time.perf_counter()
            try:
                run(case)
            except OverBudget:
                timings.over_budget.add(case.label())
            timings.by_case.setdefault(case.label(), []).append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- report -----------------------------------------------------------------------------------


PAGES = (1, 2, 10, 50, 100, 250, 500)


def deep_paging() -> dict[str, list[tuple[int, float]]]:
    """Paging on through a common word, page after page as a reader would: ms per page (the view)."""
    from django.test import Client

    client = Client()
    timings: dict[str, list[tuple[int, float]]] = {}
    for sort in ("relevance", "newest"):
        row = []
        for page in range(1, PAGES[-1] + 1):
            started = time.perf_counter()
            response = client.get("/", {"q": "said", "sort": sort, "page": str(page)}, headers={"HX-Request": "true"})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"page {page} answered {response.status_code}")
            if page in PAGES:
                row.append((page, elapsed))
        timings[sort] = row
    return timings


def report(n: int, args: argparse.Namespace, figures: dict[str, object]) -> str:
    engines: dict[str, Timings] = figures["engines"]  # type: ignore[assignment]
    cases: list[Case] = figures["cases"]  # type: ignore[assignment]
    loaded = figures["load"]["paragraphs"]  # type: ignore[index]
    lines = [
        f"## The whole corpus: {loaded:,} paragraphs" if loaded < n else f"## {n:,} paragraphs",  # the corpus ran out first
        "",
        f"Command: `python tests/tools/bench.py --paragraphs {n} --processes {args.processes} --runs {args.runs} "
        f"--engines {args.engines} --budget {args.budget:g}` "
        f"(`make bench` runs it). Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Timings are wall-clock, warm, {args.runs} runs of each of {len(cases)} queries.",
        "",
    ]
    load_figures = figures["load"]
    lines += [
        "**Ingest** (the real pipeline: split, boilerplate, spaCy NER, database, index): "
        f"{load_figures['articles']:,} articles, {load_figures['paragraphs']:,} paragraphs "
        f"({load_figures['kept']:,} kept, {load_figures['boilerplate']:,} boilerplate), {load_figures['persons']:,} persons, "
        f"in {load_figures['seconds']:,} s with {load_figures['processes']} NER process(es) = "
        f"{load_figures['articles'] / max(load_figures['seconds'], 1e-9):.1f} articles/s; peak RSS {load_figures['peak_rss_mb']:,} MB.",
        "",
        f"**Sizes**: Whoosh index {figures['index_mb']:.0f} MB"
        + _size_of("SQLite FTS5 database", figures, "fts")
        + _size_of("tantivy index", figures, "tantivy")
        + ", each built from the project database's kept paragraphs.",
        "",
        "| engine | p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- |",
    ]
    lines += [_summary_row(name, timings, timings.all()) for name, timings in engines.items()]
    lines += [
        "",
        "The same queries the first time each was asked in this run (the warm-up pass above the timed runs: "
        "caches hold only what the queries before it left, and the very first query also loads the doc values):",
        "",
        "| engine | first answer p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- |",
    ]
    lines += [_summary_row(name, timings, list(timings.first.values())) for name, timings in engines.items()]
    for name, timings in engines.items():
        if timings.over_budget:
            lines += [
                "",
                f"{name}: {len(timings.over_budget)} of {len(cases)} queries were stopped at the {args.budget:g} s budget "
                f"({', '.join(sorted(timings.over_budget))}); they count as {args.budget:g} s, so its figures are lower bounds (≥).",
            ]
    lines += ["", "Median ms by query class (ratio = other engine ÷ this project; above 1 means the project is faster):", ""]
    names = list(engines)
    others = names[1:]
    lines.append("| class | " + " | ".join(names) + "".join(f" | {name.split(' (')[0]} ratio" for name in others) + " |")
    lines.append("| --- |" + " --- |" * (len(names) + len(others)))
    for kind in dict.fromkeys(c.kind for c in cases):
        labels = [c.label() for c in cases if c.kind == kind]
        medians = {name: statistics.median(t for label in labels for t in engines[name].by_case[label]) for name in names}
        project = medians[names[0]]
        lines.append(
            f"| {kind} | "
            + " | ".join(f"{_bound(engines[name], labels)}{medians[name]:.1f}" for name in names)
            + "".join(f" | {_bound(engines[name], labels)}{medians[name] / project:.1f}×" for name in others)
            + " |"
        )
    lines += [
        "",
        f"Peak RSS of the benchmark process after the queries: {figures['query_rss_mb']:.0f} MB. "
        f"HTMX partial for `q=trump`: {figures['partial_bytes']:,} bytes ({figures['partial_gzip']:,} gzipped), "
        f"against {figures['full_bytes']:,} bytes ({figures['full_gzip']:,} gzipped) for the full page.",
        "",
    ]
    if figures["stages"]:
        lines += [
            "Where the page's time goes, one query of each class, warm (median ms of 5; `tests/tools/stages.py` times each "
            "stage's function in the view's process):",
            "",
            *stages.table(figures["stages"]),  # type: ignore[arg-type]
            "",
        ]
    if "analysis" in figures:
        lines += _analysis_table(*figures["analysis"])  # type: ignore[misc]
    paging: dict[str, list[tuple[int, float]]] = figures["paging"]  # type: ignore[assignment]
    lines += [
        "Deep paging (`q=said`, every page from 1 to 500 in turn, ms for the pages shown):",
        "",
        "| sort | " + " | ".join(f"page {p}" for p, _ in paging["relevance"]) + " |",
        "| --- |" + " --- |" * len(paging["relevance"]),
    ]
    lines += [f"| {sort} | " + " | ".join(f"{ms:.0f}" for _, ms in row) + " |" for sort, row in paging.items()]
    lines.append("")
    return "\n".join(lines)


def _analysis_table(cases: list[Case], timings: Timings) -> list[str]:
    """Warm ms of the analysis pages by class (this project only: no peer has them)."""
    lines = [
        "Analysis pages (issue 14; this project only, no peer answers them), warm ms over every run of the class's queries:",
        "",
        "| class | queries | p50 ms | p95 ms | max ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind in dict.fromkeys(c.kind for c in cases):
        labels = [c.label() for c in cases if c.kind == kind]
        times = [t for label in labels for t in timings.by_case[label]]
        lines.append(f"| {kind} | {len(labels)} | {percentile(times, 50):.1f} | {percentile(times, 95):.1f} | {max(times):.1f} |")
    return [*lines, ""]


def _size_of(name: str, figures: dict[str, object], key: str) -> str:
    if f"{key}_seconds" not in figures:
        return ""
    return f"; {name} {figures[f'{key}_mb']:.0f} MB (built in {figures[f'{key}_seconds']:.1f} s)"


def _summary_row(name: str, timings: Timings, values: list[float]) -> str:
    """p50, p95 and mean of ``values``, marked as lower bounds when some query hit the budget."""
    at_least = "≥ " if timings.over_budget else ""
    figures_ms = (percentile(values, 50), percentile(values, 95), statistics.mean(values))
    return f"| {name} | " + " | ".join(f"{at_least}{ms:.1f}" for ms in figures_ms) + " |"


def _bound(timings: Timings, labels: list[str]) -> str:
    """'≥ ' when some of these cases were stopped at the budget (their median is then a lower bound)."""
    return "≥ " if timings.over_budget.intersection(labels) else ""


def write_report(section: str, n: int) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n\n"
    marker = f"<!-- bench:{n} -->"
    end = f"<!-- /bench:{n} -->"
    block = f"{marker}\n{section}\n{end}"
    if marker in text:
        text = re.sub(re.escape(marker) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", default="project,fts5,tantivy,groupedby", help="which to time: project, fts5, tantivy, groupedby")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds an FTS5 query may run before it is stopped")
    args = parser.parse_args()
    engines = set(args.engines.split(","))
    work = ROOT / "var" / f"bench-{args.paragraphs}"
    work.mkdir(parents=True, exist_ok=True)
    setup_django(work)
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", "--noinput", verbosity=0)  # production settings serve hashed static files
    figures: dict[str, object] = {"load": load(args.paragraphs, args.processes, work)}
    print("loaded:", figures["load"], flush=True)
    fts_path = work / "fts5.sqlite3"
    tantivy_path = work / "tantivy"
    if "fts5" in engines:
        figures["fts_seconds"] = build_fts5(fts_path)
    if "tantivy" in engines:
        figures["tantivy_seconds"] = build_tantivy(tantivy_path)
    cases = query_mix()
    figures["cases"] = cases
    timed: dict[str, Timings] = {}
    if "project" in engines:
        timed["this project (view, HTMX partial)"] = time_engine(project_engine(), cases, runs=args.runs)
        analysis = analysis_mix()
        figures["analysis"] = (analysis, time_engine(project_engine(), analysis, runs=args.runs))
    if "fts5" in engines:
        timed["SQLite FTS5"] = time_engine(fts5_engine(fts_path, args.budget), cases, runs=args.runs, budget=args.budget)
    if "tantivy" in engines:
        timed["tantivy"] = time_engine(tantivy_engine(tantivy_path), cases, runs=args.runs)
    if "groupedby" in engines:
        timed["Whoosh groupedby (haystack way)"] = time_engine(groupedby_engine(), cases, runs=max(1, args.runs // 2))
    figures["engines"] = timed
    figures["index_mb"] = folder_mb(Path(settings.SEARCH_INDEX_DIR))
    figures["fts_mb"] = fts_path.stat().st_size / 1e6 if fts_path.exists() else 0.0
    figures["tantivy_mb"] = folder_mb(tantivy_path) if tantivy_path.exists() else 0.0
    figures["paging"] = deep_paging()
    figures["stages"] = stages.breakdown(cases) if "project" in engines else []
    figures["query_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    client = Client()
    gzip_ok = {"Accept-Encoding": "gzip"}
    figures["partial_bytes"] = len(client.get("/", {"q": "trump"}, headers={"HX-Request": "true"}).content)
    figures["full_bytes"] = len(client.get("/", {"q": "trump"}).content)
    figures["partial_gzip"] = len(client.get("/", {"q": "trump"}, headers={"HX-Request": "true", **gzip_ok}).content)
    figures["full_gzip"] = len(client.get("/", {"q": "trump"}, headers=gzip_ok).content)
    section = report(args.paragraphs, args, figures)
    print(section)
    write_report(section, args.paragraphs)


if __name__ == "__main__":
    main()
