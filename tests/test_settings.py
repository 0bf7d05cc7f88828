"""Production mode refuses to start with development or weak secrets or a per-process cache,
and is HTTPS only."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _random_hex(label: str, nbytes: int) -> str:
    """Fixed, random-looking test values (a real deployment draws them with ``secrets``)."""
    return hashlib.sha512(label.encode()).hexdigest()[: nbytes * 2]


REAL = {
    "ONESTOP_SECRET_KEY": _random_hex("django", 32),
    "ONESTOP_PII_KEYS": f"prod2:{_random_hex('pii-2', 16)},prod1:{_random_hex('pii-1', 16)}",
    "ONESTOP_PII_INDEX_KEY": _random_hex("index", 32),
    "ONESTOP_AUDIT_KEYS": "prod1:" + _random_hex("audit", 32),
    "ONESTOP_ALLOWED_HOSTS": "onestop.example.gov.cn",
    "ONESTOP_REDIS_URL": "redis://cache.internal:6379/0",
    "ONESTOP_PUBLIC_URL": "https://onestop.example.gov.cn",
}


def run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ONESTOP_", "DJANGO_"))  # e.g. the browser tests' async switch
    }
    env.update({"ONESTOP_ENV": "production", "DJANGO_SETTINGS_MODULE": "onestop.settings"})
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - this interpreter, arguments made by the test
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    return run_manage(env_overrides, "check", "--deploy", "--fail-level", "CRITICAL")


@pytest.mark.parametrize(
    "missing",
    ["ONESTOP_SECRET_KEY", "ONESTOP_PII_KEYS", "ONESTOP_PII_INDEX_KEY", "ONESTOP_AUDIT_KEYS"],
)
def test_production_refuses_to_start_without_each_secret(missing):
    result = run_check({k: v for k, v in REAL.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_the_development_defaults():
    from onestop.settings import DEV_SECRETS

    result = run_check({**REAL, "ONESTOP_PII_KEYS": DEV_SECRETS["ONESTOP_PII_KEYS"]})
    assert result.returncode != 0 and "ONESTOP_PII_KEYS" in result.stderr


@pytest.mark.parametrize("weak", ["ab" * 32, "0123456789abcdef" * 2, "not-hex"])
def test_production_refuses_a_short_or_patterned_audit_key(weak):
    result = run_check({**REAL, "ONESTOP_AUDIT_KEYS": "prod1:" + weak})
    assert result.returncode != 0 and "ONESTOP_AUDIT_KEYS" in result.stderr


def test_production_starts_with_real_secrets():
    result = run_check(REAL)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ONESTOP_SECRET_KEY", _random_hex("short", 20), "at least 50 random characters"),
        ("ONESTOP_SECRET_KEY", "a" * 60, "at least 50 random characters"),
        ("ONESTOP_SECRET_KEY", "onestop-secret-" * 4, "at least 50 random characters"),
        ("ONESTOP_PII_KEYS", "prod1:" + _random_hex("k", 15), "exactly 16 bytes"),
        ("ONESTOP_PII_KEYS", "prod1:" + _random_hex("k", 32), "exactly 16 bytes"),
        ("ONESTOP_PII_KEYS", "prod1:" + "zz" * 16, "must be hexadecimal"),
        ("ONESTOP_PII_KEYS", _random_hex("k", 16), 'written "id:hex"'),
        ("ONESTOP_PII_KEYS", "prod1:" + "ab" * 16, "is not random"),
        ("ONESTOP_PII_KEYS", "prod1:" + "0123456789abcdef" * 2, "is not random"),
        ("ONESTOP_PII_INDEX_KEY", _random_hex("index", 16), "at least 32 bytes"),
        ("ONESTOP_PII_INDEX_KEY", "00" * 32, "is not random"),
        ("ONESTOP_PII_KEY_ID", "prod3", "is not in ONESTOP_PII_KEYS"),
    ],
)
def test_production_refuses_weak_or_malformed_secrets_at_start_up(name, value, says):
    result = run_check({**REAL, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
    assert says in result.stderr


def test_production_takes_aes_keys_of_32_bytes():
    aes = {"ONESTOP_PII_CIPHER": "aes-256-gcm", "ONESTOP_PII_KEYS": "a1:" + _random_hex("a", 32)}
    assert run_check({**REAL, **aes}).returncode == 0
    result = run_check({**REAL, "ONESTOP_PII_CIPHER": "aes-256-gcm"})  # 16-byte SM4 keys
    assert result.returncode != 0 and "exactly 32 bytes" in result.stderr


def test_the_deployment_check_is_clean_in_production():
    result = run_manage(REAL, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_redirects_to_https_and_sends_hsts_and_the_policy(tmp_path):
    probe = (
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='onestop.example.gov.cn')\n"
        "r = c.get('/portal/')\n"
        "print(r.status_code, r['Location'])\n"
        "r = c.get('/api/v1/matters', secure=True)\n"
        "print(r['Strict-Transport-Security'])\n"
        "print(r['Content-Security-Policy'])\n"
    )
    result = run_manage({**REAL, "ONESTOP_VAR_DIR": str(tmp_path)}, "shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    redirect, hsts, policy = result.stdout.strip().splitlines()[-3:]
    assert redirect == "301 https://onestop.example.gov.cn/portal/"
    assert hsts == "max-age=31536000; includeSubDomains"  # no preload: see settings.py
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_production_refuses_a_cache_each_process_keeps_to_itself():
    # Sessions are read through the cache: with one per worker, a session ended in one worker
    # would live on in the others.
    result = run_check({k: v for k, v in REAL.items() if k != "ONESTOP_REDIS_URL"})
    assert result.returncode != 0
    assert "ONESTOP_REDIS_URL" in result.stderr


@pytest.mark.parametrize(
    "public_url", [None, "", "http://onestop.example.gov.cn", "onestop.gov.cn"]
)
def test_production_refuses_to_start_without_the_public_https_address(public_url):
    """Documents print it for verification: a wrong one sends the public nowhere."""
    env = {k: v for k, v in REAL.items() if k != "ONESTOP_PUBLIC_URL"}
    if public_url is not None:
        env["ONESTOP_PUBLIC_URL"] = public_url
    result = run_check(env)
    assert result.returncode != 0 and "ONESTOP_PUBLIC_URL" in result.stderr


MEDIA_PROBE = (
    "import json\n"
    "from django.core.files.storage import storages\n"
    "s = storages['default']\n"
    "inner = s.inner\n"
    "print(json.dumps({'outer': type(s).__module__ + '.' + type(s).__name__,\n"
    "    'inner': type(inner).__module__ + '.' + type(inner).__name__,\n"
    "    **{k: getattr(inner, k, None) for k in ('bucket_name', 'endpoint_url', 'region_name',\n"
    "        'access_key', 'secret_key', 'location', 'addressing_style', 'file_overwrite',\n"
    "        'object_parameters', 'max_memory_size', 'verify')}}, default=str))\n"
)
S3 = {
    "ONESTOP_MEDIA_BACKEND": "storages.backends.s3.S3Storage",
    "ONESTOP_S3_BUCKET": "onestop-materials",
    "ONESTOP_S3_ENDPOINT_URL": "https://oss.example.gov.cn",
    "ONESTOP_S3_REGION": "cn-north-1",
    "ONESTOP_S3_ACCESS_KEY": "AKEXAMPLE",
    "ONESTOP_S3_SECRET_KEY": _random_hex("s3", 20),
    "ONESTOP_S3_PREFIX": "/nmg/materials/",
    "ONESTOP_S3_ADDRESSING_STYLE": "path",
}


def media_storage(env: dict[str, str], tmp_path) -> dict:
    result = run_manage(
        {**REAL, "ONESTOP_VAR_DIR": str(tmp_path), **env}, "shell", "-c", MEDIA_PROBE
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_materials_live_in_the_database_with_postgresql_and_in_a_folder_with_sqlite(tmp_path):
    """Every app server reaches the database; the embedded first run keeps them in var/."""
    pg = media_storage({"DATABASE_URL": "postgresql://onestop@db.internal:5432/onestop"}, tmp_path)
    assert pg["outer"] == "onestop.core.storage.EncryptedStorage"
    assert pg["inner"] == "onestop.core.dbstorage.DatabaseStorage"
    lite = media_storage({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}, tmp_path)
    assert lite["outer"] == "onestop.core.storage.EncryptedStorage"
    assert lite["inner"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_s3_storage_is_configured_from_the_environment_under_the_same_seal(tmp_path):
    """No object store runs here: this checks the wiring only (nothing is sent to one)."""
    storage = media_storage(
        {"DATABASE_URL": "postgresql://onestop@db.internal:5432/onestop", **S3}, tmp_path
    )
    assert storage["outer"] == "onestop.core.storage.EncryptedStorage"
    assert storage["inner"] == "storages.backends.s3.S3Storage"
    assert storage["bucket_name"] == "onestop-materials"
    assert storage["endpoint_url"] == "https://oss.example.gov.cn"
    assert storage["region_name"] == "cn-north-1"
    assert storage["access_key"] == "AKEXAMPLE"
    assert storage["secret_key"] == S3["ONESTOP_S3_SECRET_KEY"]
    assert storage["location"] == "nmg/materials"
    assert storage["addressing_style"] == "path"
    assert storage["file_overwrite"] is False  # a second upload of a name gets its own object
    assert storage["object_parameters"] == {"ContentType": "application/octet-stream"}
    assert storage["max_memory_size"] == 1024 * 1024
    assert storage["verify"] is None


def test_s3_storage_without_a_bucket_refuses_to_start(tmp_path):
    env = {k: v for k, v in S3.items() if k != "ONESTOP_S3_BUCKET"}
    result = run_check({**REAL, "ONESTOP_VAR_DIR": str(tmp_path), **env})
    assert result.returncode != 0 and "ONESTOP_S3_BUCKET" in result.stderr
