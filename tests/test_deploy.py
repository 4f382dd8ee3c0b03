"""Production settings: `check --deploy` is clean, and misconfiguration fails loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-used-only-by-this-test-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DJANGO_TLS": "1",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(NEWSAPP_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS must be set" in result.stderr
