"""The load script in CI: 20 searchers against gunicorn while an ingest runs, zero errors.

The figures in docs/BENCHMARKS.md come from the same script on the AllSides index (`make load`);
here it runs for seconds on the demo corpus, to prove the path end to end on every change.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_lines
from tests.test_faults import manage

pytestmark = [pytest.mark.slow, pytest.mark.own_instance]


def test_twenty_searchers_while_ingesting_see_no_errors(tmp_path: Path) -> None:
    var = tmp_path / "var"
    lines = demo_lines(160)
    loaded, incoming = tmp_path / "loaded.jsonl", tmp_path / "incoming.jsonl"
    loaded.write_text("".join(lines[:120]), encoding="utf-8")
    incoming.write_text("".join(lines[120:]), encoding="utf-8")
    manage(var, "migrate", "-v0")
    manage(var, "ingest", str(loaded))
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "tools" / "load.py"), "--var", str(var), "--ingest", str(incoming)]
        + ["--searchers", "20", "--seconds", "5", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| while ingesting |" in result.stdout and "lock errors: 0" in result.stdout
