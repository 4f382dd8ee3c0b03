"""The peers `make bench` compares the page with (tests/tools/peers.py) answer the same questions over
the same kept paragraphs: their totals equal the project's on the demo articles, so that their times
are for the same work."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Count

from search.models import Person, Source
from search.web import facets, results
from tests.tools import bench, peers

pytestmark = pytest.mark.django_db


def _cases() -> list[bench.Case]:
    person = Person.objects.annotate(n=Count("mentions")).order_by("-n").values_list("slug", flat=True)[0]
    source = Source.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", flat=True)[0]
    return [
        bench.Case("common term", "said"),
        bench.Case("AND", "minister AND government"),
        bench.Case("phrase", '"prime minister"'),
        bench.Case("person filter", "", person=person),
        bench.Case("person + term", "said", person=person),
        bench.Case("source filter", "", source=source),
        bench.Case("source + term", "government", source=source),
        bench.Case("browse"),
    ]


def test_fts5_and_tantivy_count_what_the_page_counts(demo_subset: Path, tmp_path: Path) -> None:
    peers.build_fts5(tmp_path / "fts5.sqlite3")
    peers.build_tantivy(tmp_path / "tantivy")
    engines = {"fts5": peers.fts5_engine(tmp_path / "fts5.sqlite3", budget=60.0), "tantivy": peers.tantivy_engine(tmp_path / "tantivy")}
    for case in _cases():
        want = results.search(facets.read_params(case.querydict())).total_paragraphs
        assert want > 0, case.label()
        for name, run in engines.items():
            assert run(case) > 0
            assert peers.LAST_TOTAL[0] == want, (name, case.label())
