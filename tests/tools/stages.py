"""Where one search request's time goes, stage by stage, for `make bench`: each stage's function is
wrapped with a wall-clock timer in this process (no profiler, whose overhead falls on Python code
unevenly), one query of each class is answered warm through the view, and the median of a few runs
of each stage is reported beside the whole request. "Django and the rest" is what remains: reading
the parameters, middleware, resolving the URL, gzip, the test client.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

STAGES = ("parse + match", "did you mean", "hits + snippets", "facets", "timeline", "template")


class CaseLike(Protocol):
    kind: str

    def querydict(self) -> dict[str, str]: ...


def _targets() -> list[tuple[str, Any, str]]:
    from search.engine import search as engine
    from search.web import facets, timeline, views

    targets = [
        ("parse + match", engine, "match"),
        ("did you mean", engine, "suggestion"),
        ("hits + snippets", engine.Matches, "page"),
        ("timeline", timeline, "chart"),
        ("template", views, "render"),
    ]
    # Each class that defines a facet's ``result`` (a subclass may inherit it), once.
    targets += [("facets", next(c for c in type(f).__mro__ if "result" in c.__dict__), "result") for f in facets.REGISTRY]
    return list({(stage, id(owner), name): (stage, owner, name) for stage, owner, name in targets}.values())


@contextmanager
def timed_stages(spent: dict[str, float]) -> Iterator[None]:
    """While inside, every call of a stage's function adds its wall-clock ms to ``spent[stage]``."""
    originals = []
    for stage, owner, name in _targets():
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, _timer(stage, original, spent))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _timer(stage: str, function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] = spent.get(stage, 0.0) + (time.perf_counter() - started) * 1000

    return timed


def breakdown(cases: list[CaseLike], *, runs: int = 5) -> list[tuple[str, str, dict[str, float]]]:
    """(class, query, median ms per stage and "whole request") for the first case of each class."""
    from django.test import Client

    client = Client()
    rows = []
    firsts = {case.kind: case for case in reversed(cases)}
    for kind in dict.fromkeys(case.kind for case in cases):
        case = firsts[kind]
        client.get("/", case.querydict(), headers={"HX-Request": "true"})  # warm
        samples: list[dict[str, float]] = []
        for _ in range(runs):
            spent: dict[str, float] = {}
            with timed_stages(spent):
                started = time.perf_counter()
                client.get("/", case.querydict(), headers={"HX-Request": "true"})
                spent["whole request"] = (time.perf_counter() - started) * 1000
            samples.append(spent)
        medians = {name: statistics.median(s.get(name, 0.0) for s in samples) for name in (*STAGES, "whole request")}
        medians["Django and the rest"] = max(0.0, medians["whole request"] - sum(medians[s] for s in STAGES))
        label = " ".join(f"{k}={v}" for k, v in case.querydict().items()) or "(browse)"
        rows.append((kind, label, medians))
    return rows


def table(rows: list[tuple[str, str, dict[str, float]]]) -> list[str]:
    columns = (*STAGES, "Django and the rest", "whole request")
    lines = ["| class | query | " + " | ".join(columns) + " |", "| --- | --- |" + " --- |" * len(columns)]
    lines += [f"| {kind} | `{label}` | " + " | ".join(f"{ms[c]:.1f}" for c in columns) + " |" for kind, label, ms in rows]
    return lines
