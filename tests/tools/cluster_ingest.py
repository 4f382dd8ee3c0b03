"""Ingest through a Dask cluster against a local ingest, side by side: the same AllSides articles into
fresh instances, alternating ``--processes N`` and ``--cluster`` with N local Dask workers.

    python tests/tools/cluster_ingest.py [--articles 1000] [--workers 2] [--rounds 2]

The scheduler and workers are started as README says (``dask scheduler``, ``dask worker --nworkers N
--nthreads 1``) on 127.0.0.1 and stopped at the end; each run is timed from outside, and the
workers' peak memory (resident, the largest worker process) is sampled every 0.2 s. AllSides is
research-only data, read from ../shared at run time.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ab_ingest  # noqa: E402 - a sibling tool

ROOT = ab_ingest.ROOT
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_cluster(workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": ROOT}
    port = address.rsplit(":", 1)[1]
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"], **quiet)
    worker = subprocess.Popen(
        [str(BIN / "dask"), "worker", address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"], **quiet
    )
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, [worker, scheduler]


class PeakMemory:
    """The largest resident size of any process under ``root`` while it runs, sampled."""

    def __init__(self, root: int) -> None:
        self.root, self.peak, self._stop = psutil.Process(root), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for process in self.root.children(recursive=True):
                try:
                    self.peak = max(self.peak, process.memory_info().rss)
                except psutil.Error:
                    continue

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    address, processes = start_cluster(args.workers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "input.jsonl"
            ab_ingest.sample(args.articles, source)
            sides = (("--processes", ("--processes", str(args.workers))), ("--cluster", ("--cluster", address)))
            for number in range(1, args.rounds + 1):
                for side, how in sides:
                    memory = PeakMemory(processes[0].pid)
                    seconds, summary = ab_ingest.run(ROOT, source, Path(tmp) / side.strip("-"), how)
                    peak = memory.stop() / 2**20
                    workers = f"; largest Dask worker {peak:.0f} MB" if side == "--cluster" else ""
                    rate = f"{seconds:.1f} s = {args.articles / seconds:.2f} articles/s"
                    print(f"round {number} {side} {args.workers}: {rate}{workers}; {summary}", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
