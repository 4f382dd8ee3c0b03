"""Searchers under load while an ingest runs, against the app as `make serve` runs it (gunicorn).

    python tests/tools/load.py --var var/bench-100000 --ingest ARTICLES.jsonl [--searchers 20] [--seconds 60]

Loopback only. Starts gunicorn on a free local port over an already loaded instance (``--var``: its
database and index; `make bench` leaves one in var/bench-N), then drives ``--searchers`` concurrent
searchers with the benchmark's query mix (half of them as HTMX partials, some on page 2, some on an
article page):

1. idle, for ``--seconds``;
2. while ``manage.py ingest`` loads ``--ingest`` into the same instance (new articles: database
   writes and index commits under the searchers), for as long as the ingest runs (at least
   ``--seconds``).

It reports requests/s, p50/p95/p99 and errors for both phases (an error is any status other than 200,
a refused connection or a timeout; a lock error is the ingest reporting that the index was busy or
locked), and with ``--report`` writes them into docs/BENCHMARKS.md. Exit status 1 on any error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools import bench  # noqa: E402 - after the path is set

WARM_UP_SECONDS = 20


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, pct: float) -> float:
        return bench.percentile(self.latencies, pct) if self.latencies else float("nan")

    def line(self) -> str:
        return (
            f"| {self.name} | {len(self.latencies):,} | {len(self.latencies) / max(self.seconds, 1e-9):.1f} | "
            f"{self.percentile(50):.0f} | {self.percentile(95):.0f} | {self.percentile(99):.0f} | {len(self.errors)} |"
        )


def request_mix(var: Path) -> list[tuple[str, dict[str, str]]]:
    """(path, headers) pairs: the benchmark's queries as full pages and HTMX partials, page 2, article pages."""
    bench.setup_django(var)
    from search.models import Article

    cases = bench.query_mix()
    articles = list(Article.objects.order_by("-id").values_list("id", flat=True)[:20])
    mix: list[tuple[str, dict[str, str]]] = []
    for case in cases:
        query = urlencode(case.querydict())
        mix.append((f"/?{query}", {}))
        mix.append((f"/?{query}", {"HX-Request": "true"}))
    mix += [(f"/?{urlencode(c.querydict())}&page=2", {"HX-Request": "true"}) for c in cases[::4]]
    mix += [(f"/article/{a}/?q=president", {}) for a in articles]
    return mix


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        NEWSAPP_VAR_DIR=str(var),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY", "load-test-only"),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    return env


def start_server(var: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn as `make serve` runs it (production settings, hashed static files)."""
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"], ["search_sync", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=environment(var), check=True, capture_output=True)
    command = [sys.executable, "-m", "gunicorn", "newsapp.wsgi", "--config", "newsapp/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment(var))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start within 60 s")


def searcher(port: int, mix: list[tuple[str, dict[str, str]]], phase: Phase, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        path, headers = rng.choice(mix)
        started = time.perf_counter()
        try:
            # As the TLS-terminating proxy in front of gunicorn would (production settings redirect plain http).
            proxy = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
            connection.request("GET", path, headers={**proxy, **headers})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                phase.errors.append(f"{response.status} {path}")
        except (OSError, http.client.HTTPException) as exc:
            phase.errors.append(f"{type(exc).__name__} {path}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        phase.latencies.append((time.perf_counter() - started) * 1000)
    connection.close()


def run_phase(phase: Phase, port: int, mix: list[tuple[str, dict[str, str]]], searchers: int, until: Callable[[], None]) -> Phase:
    stop = threading.Event()
    threads = [threading.Thread(target=searcher, args=(port, mix, phase, stop, n), daemon=True) for n in range(searchers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    until()
    stop.set()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    return phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="a loaded instance: its db.sqlite3 and index/")
    parser.add_argument("--ingest", type=Path, required=True, help="articles to ingest during the second phase")
    parser.add_argument("--searchers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--report", action="store_true", help="write the figures into docs/BENCHMARKS.md")
    args = parser.parse_args()
    var = args.var.resolve()
    mix = request_mix(var)
    port = free_port()
    server = start_server(var, port, args.workers)
    try:
        # Warm-up, not recorded: every worker opens the index and loads its doc values once.
        run_phase(Phase("warm-up"), port, mix, args.searchers, lambda: time.sleep(min(args.seconds, WARM_UP_SECONDS)))
        idle = run_phase(Phase("idle"), port, mix, args.searchers, lambda: time.sleep(args.seconds))
        ingest = subprocess.Popen(
            [sys.executable, "manage.py", "ingest", str(args.ingest.resolve())],
            cwd=ROOT,
            env=environment(var),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()

        def until_ingest_done() -> None:
            ingest.wait()
            time.sleep(max(0.0, args.seconds - (time.monotonic() - started)))

        loaded = run_phase(Phase("while ingesting"), port, mix, args.searchers, until_ingest_done)
        out, err = ingest.communicate()
    finally:
        server.terminate()
        server.wait(timeout=30)
    lock_errors = [line for line in (out + err).splitlines() if "lock" in line.lower() or "busy" in line.lower()]
    summary = (out.strip().splitlines() or [""])[-1]
    figures = {
        "idle": idle,
        "loaded": loaded,
        "ingest_status": ingest.returncode,
        "ingest_summary": summary,
        "lock_errors": lock_errors,
        "ratio": loaded.percentile(95) / max(idle.percentile(95), 1e-9),
    }
    section = report(args, figures)
    print(section)
    if args.report:
        bench.write_report(section, "load")
    failed = idle.errors or loaded.errors or lock_errors or ingest.returncode != 0
    if failed:
        print(json.dumps({"errors": (idle.errors + loaded.errors)[:20], "lock": lock_errors[:20], "ingest": err[-2000:]}, indent=1))
    sys.exit(1 if failed else 0)


def report(args: argparse.Namespace, figures: dict[str, object]) -> str:
    idle, loaded = figures["idle"], figures["loaded"]
    assert isinstance(idle, Phase) and isinstance(loaded, Phase)
    lines = [
        "## Load: searchers while an ingest runs",
        "",
        f"Command: `python tests/tools/load.py --var {args.var} --ingest {args.ingest.name} --searchers {args.searchers} "
        f"--seconds {args.seconds:g} --workers {args.workers}` (`make load`). Machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. gunicorn with "
        f"{args.workers} workers on loopback, {args.searchers} concurrent searchers (keep-alive connections, no think time) "
        "with the benchmark's query mix as full pages and HTMX partials, page 2 and article pages.",
        "",
        "| phase | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        idle.line(),
        loaded.line(),
        "",
        f"Ingest during the second phase: {figures['ingest_summary']} (exit status {figures['ingest_status']}); "
        f"lock errors: {len(figures['lock_errors'])}. p95 under ingest ÷ idle p95 = {figures['ratio']:.2f} (target ≤ 2).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
