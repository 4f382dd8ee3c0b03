"""What the end of a first ingest run costs on a large archive: ``store.settle_boilerplate``'s stages
(inline furniture learned per source and the articles it cuts prepared again, repetition decided
afresh, the learned layer fitted and applied), timed one by one on a copy of a loaded instance put
back to the state a single run leaves before its end (no furniture learned, nothing cut, no model):

    python tests/tools/settle_cost.py --instance var/bench-100000000 [--processes 2] [--keep]

The copy goes to var/settle-cost/ (the database only: settling queues index updates in the outbox,
which this tool never applies) and is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from grown_ingest import copy_instance  # noqa: E402 - beside this file


def as_before_the_end() -> int:
    """Undo what the end of a run decided: furniture cuts (the text as written back), the sources'
    learned furniture and the learned layer's models. Returns the paragraphs put back."""
    from search.models import BoilerplateModel, Paragraph, Source  # noqa: PLC0415 - after django.setup()

    cut = Paragraph.objects.exclude(raw="")
    ids = list(cut.values_list("id", flat=True))
    for start in range(0, len(ids), 500):
        for paragraph in Paragraph.objects.filter(id__in=ids[start : start + 500]).only("id", "raw"):
            Paragraph.objects.filter(id=paragraph.id).update(text=paragraph.raw, raw="")
    Source.objects.update(inline_furniture={})
    BoilerplateModel.objects.all().delete()
    return len(ids)


def timed_stages(processes: int) -> list[tuple[str, float, object]]:
    from search.ingest import learned, store  # noqa: PLC0415
    from search.models import Source  # noqa: PLC0415

    sources = set(Source.objects.filter(articles__isnull=False).values_list("id", flat=True).distinct())
    stages: list[tuple[str, float, object]] = []

    def stage(name: str, work):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = work()
        stages.append((name, time.perf_counter() - started, result))
        print(f"{name}: {stages[-1][1]:.1f} s ({result if not isinstance(result, tuple) else 'fitted'})", flush=True)
        return result

    stage("inline furniture learned, articles cut otherwise prepared again", lambda: store.settle_furniture(sources, processes=processes))
    stage("repetition decided afresh", lambda: store.settle_repetition(sources))
    fitted = stage("learned layer fitted (the archive described, then the fits)", learned.fit_archive)
    if fitted is not None:
        model, rows, _ = fitted  # as settle_boilerplate does: applied to the rows the fit described
        stage("learned layer applied", lambda: learned.apply_archive(model, rows).set_aside)
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = ROOT / "var" / "settle-cost"
    copy_instance(args.instance.resolve(), work, names=("db.sqlite3", "db.sqlite3-wal"))
    os.environ.update(NEWSAPP_VAR_DIR=str(work), DJANGO_SECRET_KEY="bench-only", SEARCH_APPLY_IN_BACKGROUND="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", verbosity=0)
    print(f"put back before the end: {as_before_the_end():,} paragraphs as written", flush=True)
    stages = timed_stages(args.processes)
    print(f"total: {sum(seconds for _, seconds, _ in stages):.1f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
