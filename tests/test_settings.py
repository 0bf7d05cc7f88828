"""Production mode refuses to start with development secrets or a per-process cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = {
    "ONESTOP_SECRET_KEY": "a" * 50,
    "ONESTOP_PII_KEYS": "prod1:" + "ab" * 16,
    "ONESTOP_PII_INDEX_KEY": "cd" * 32,
    "ONESTOP_ALLOWED_HOSTS": "onestop.example.gov.cn",
    "ONESTOP_REDIS_URL": "redis://cache.internal:6379/0",
}


def run_check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ONESTOP_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update({"ONESTOP_ENV": "production", "DJANGO_SETTINGS_MODULE": "onestop.settings"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["ONESTOP_SECRET_KEY", "ONESTOP_PII_KEYS", "ONESTOP_PII_INDEX_KEY"]
)
def test_production_refuses_to_start_without_each_secret(missing):
    result = run_check({k: v for k, v in REAL.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_the_development_defaults():
    from onestop.settings import DEV_SECRETS

    result = run_check({**REAL, "ONESTOP_PII_KEYS": DEV_SECRETS["ONESTOP_PII_KEYS"]})
    assert result.returncode != 0 and "ONESTOP_PII_KEYS" in result.stderr


def test_production_starts_with_real_secrets():
    result = run_check(REAL)
    assert result.returncode == 0, result.stderr


def test_production_refuses_a_cache_each_process_keeps_to_itself():
    # Sessions are read through the cache: with one per worker, a session ended in one worker
    # would live on in the others.
    result = run_check({k: v for k, v in REAL.items() if k != "ONESTOP_REDIS_URL"})
    assert result.returncode != 0
    assert "ONESTOP_REDIS_URL" in result.stderr
