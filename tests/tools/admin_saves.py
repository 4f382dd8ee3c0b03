"""How long a curator waits for an admin save: p50/p95 of saving an alias on the most-mentioned persons.

    python tests/tools/admin_saves.py --var var/bench-100000 [--persons 20] [--runs 2]

For each of the ``--persons`` persons with most mentions, saves the person's change form with one
alias more (and then without it again), through Django's test client against the instance, timing
each request: with the index updates applied in the request (SEARCH_APPLY_IN_BACKGROUND off: how it
was) and after the response (on: how it is), alternating, so that both see the same machine. Then
reports how long the background thread took to bring the index up to date. Writes to the instance
(aliases added and removed again; the index brought up to date first with search_sync).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="an instance's var folder (make bench creates var/bench-<N>)")
    parser.add_argument("--persons", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "tools"))
    from bench import setup_django  # noqa: PLC0415

    setup_django(args.var.resolve())
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db.models import Count  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from search.engine import background, index  # noqa: PLC0415
    from search.models import Person  # noqa: PLC0415

    call_command("search_sync", verbosity=0)
    user, _ = User.objects.get_or_create(username="admin-saves-tool", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    persons = list(Person.objects.annotate(n=Count("mentions")).order_by("-n")[: args.persons])
    print(f"{len(persons)} persons, mentions {persons[0].n:,} to {persons[-1].n:,}; seconds per save")  # type: ignore[attr-defined]
    for run in range(args.runs):
        for mode in (False, True):
            settings.SEARCH_APPLY_IN_BACKGROUND = mode
            seconds = [save(client, person, alias) for person in persons for alias in (f"Tool alias {person.pk}", "")]
            started = time.perf_counter()
            background.wait_idle(600)
            settled = time.perf_counter() - started
            print(
                f"run {run + 1}  {'after the response' if mode else 'in the request':20s} "
                f"p50 {statistics.median(seconds):6.2f}  p95 {percentile(seconds, 95):6.2f}  max {max(seconds):6.2f}"
                f"  index up to date {settled:5.1f} s later, {index.pending_count()} queued",
                flush=True,
            )


def save(client: object, person: object, alias: str) -> float:
    """One save of the person's change form, with ``alias`` as its only alias ("" removes it)."""
    from search.models import Alias  # noqa: PLC0415

    existing = list(Alias.objects.filter(person=person).values_list("id", "name"))
    form: dict[str, object] = {"name": person.name, "slug": person.slug, "aliases-TOTAL_FORMS": str(len(existing) + 1)}  # type: ignore[attr-defined]
    form["aliases-INITIAL_FORMS"] = str(len(existing))
    for i, (alias_id, name) in enumerate(existing):
        form |= {f"aliases-{i}-id": alias_id, f"aliases-{i}-name": name, f"aliases-{i}-person": person.pk}  # type: ignore[attr-defined]
        if name.startswith("Tool alias") and not alias:
            form[f"aliases-{i}-DELETE"] = "on"
    if alias:
        form[f"aliases-{len(existing)}-name"] = alias
    started = time.perf_counter()
    response = client.post(f"/admin/search/person/{person.pk}/change/", form)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"the save of {person} was refused ({response.status_code})")
    return elapsed


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    main()
