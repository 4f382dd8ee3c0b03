"""Hostile requests against gunicorn in production settings, in CI: a few hundred seeded requests with
random and hostile values for every parameter of every public endpoint (tests/tools/fuzz.py), on the
demo corpus. No server error, no broken or cut-off response, none slower than the bound (generous
here: it catches runaway requests, not speed; `make fuzz` runs the long version with a 3 s bound)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_lines
from tests.test_faults import manage

pytestmark = [pytest.mark.slow, pytest.mark.own_instance]


def test_hostile_requests_against_gunicorn_get_no_server_error(tmp_path: Path) -> None:
    var = tmp_path / "var"
    corpus = tmp_path / "demo.jsonl"
    corpus.write_text("".join(demo_lines(120)), encoding="utf-8")
    manage(var, "migrate", "-v0")
    manage(var, "ingest", str(corpus))
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "tools" / "fuzz.py"), "--var", str(var)]
        + ["--requests", "400", "--clients", "4", "--seed", "7", "--bound", "15"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "failures (>= 500, broken, or over 15 s): 0" in result.stdout
