"""Settings read from the environment.

A first run needs nothing: SQLite in ./var, development-only secrets, a local task queue.
``ONESTOP_ENV=production`` refuses to start until every secret is set to a real value.
"""

import hashlib
import os
import re
from datetime import date
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONESTOP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and task queue live here

ENV = os.environ.get("ONESTOP_ENV", "development")
if ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("ONESTOP_ENV must be development, production or test")
PRODUCTION = ENV == "production"


def _dev_secret(label: str, nbytes: int) -> str:
    # Deterministic so a developer's data stays readable across restarts; refused in production.
    return hashlib.sha256(f"onestop-development-only:{label}".encode()).hexdigest()[: nbytes * 2]


DEV_SECRETS = {
    "ONESTOP_SECRET_KEY": _dev_secret("django", 32),
    "ONESTOP_PII_KEYS": "dev1:" + _dev_secret("pii-sm4", 16),
    "ONESTOP_PII_INDEX_KEY": _dev_secret("pii-index", 32),
    "ONESTOP_AUDIT_KEYS": "dev1:" + _dev_secret("audit-chain", 32),
}


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if PRODUCTION and (not value or value == DEV_SECRETS[name]):
        raise ImproperlyConfigured(
            f"{name} must be set to a real secret when ONESTOP_ENV=production "
            "(see README.md, 'Deploying')."
        )
    return value or DEV_SECRETS[name]


def _looks_random(symbols: str | bytes, *, min_distinct: int) -> bool:
    """Enough distinct symbols and no short block repeated: drawn at random, not typed in."""
    periodic = any(symbols[p:] == symbols[:-p] for p in range(1, len(symbols) // 2 + 1))
    return not periodic and len(set(symbols)) >= min_distinct


def _strong_text(name: str, value: str, *, min_length: int) -> None:
    if len(value) < min_length or not _looks_random(value, min_distinct=10):
        raise ImproperlyConfigured(
            f"{name} is too weak: use at least {min_length} random characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )


def _strong_key(name: str, hexkey: str, *, nbytes: int, exact: bool = False) -> None:
    """A key given in hex: ``nbytes`` long (at least, unless ``exact``) and random."""
    try:
        key = bytes.fromhex(hexkey)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be hexadecimal.") from None
    if len(key) != nbytes if exact else len(key) < nbytes:
        size = f"exactly {nbytes}" if exact else f"at least {nbytes}"
        raise ImproperlyConfigured(f"{name} must be {size} bytes ({nbytes * 2} hex digits).")
    if not _looks_random(key, min_distinct=len(key) // 2 + 1):
        raise ImproperlyConfigured(
            f"{name} is not random: draw it with python3 -c "
            f"'import secrets; print(secrets.token_hex({nbytes}))'."
        )


def _strong_keyring(name: str, value: str, *, nbytes: int) -> list[str]:
    """Keys written "id:hex,id:hex" (the newest usually first); returns the key ids."""
    ids = []
    for item in value.split(","):
        kid, sep, hexkey = item.strip().partition(":")
        if not kid or not sep:
            raise ImproperlyConfigured(f'{name} must be written "id:hex", several joined by ",".')
        _strong_key(f"{name} (key {kid!r})", hexkey, nbytes=nbytes, exact=True)
        ids.append(kid)
    return ids


SECRET_KEY = _secret("ONESTOP_SECRET_KEY")
# Printed on documents (QR code and verification address): where the public reaches the site.
PUBLIC_URL = os.environ.get("ONESTOP_PUBLIC_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not re.fullmatch(r"https://[^/\s]+(/\S*)?", PUBLIC_URL):
    raise ImproperlyConfigured(
        "ONESTOP_PUBLIC_URL must be the https:// address the public reaches (it is printed on "
        "every document for verification), e.g. https://onestop.example.gov.cn."
    )
# Named in every portal page's footer (政务服务 convention: who runs the service).
SITE_SPONSOR = os.environ.get(
    "ONESTOP_SITE_SPONSOR",
    "内蒙古自治区民政厅、内蒙古自治区残疾人联合会、内蒙古自治区医疗保障局、"
    "内蒙古自治区人力资源和社会保障厅、内蒙古自治区政务服务局",
)
SITE_OPERATOR = os.environ.get("ONESTOP_SITE_OPERATOR", "内蒙古自治区政务服务局")
# The public's help line where a county gives none of its own (see regions.services.hotline_for).
HOTLINE_DEFAULT = os.environ.get("ONESTOP_HOTLINE", "12345")
HOTLINE_DEFAULT_NAME = os.environ.get("ONESTOP_HOTLINE_NAME", "政务服务便民热线")
DEBUG = not PRODUCTION and os.environ.get("ONESTOP_DEBUG", "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ONESTOP_ALLOWED_HOSTS", "").split(",") if h]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]
elif not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ONESTOP_ALLOWED_HOSTS must list the public host names.")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ONESTOP_CSRF_ORIGINS", "").split(",") if o]

# Personal data at rest (see onestop/core/pii.py).
PII_CIPHER = os.environ.get("ONESTOP_PII_CIPHER", "sm4-gcm")
PII_KEYS = _secret("ONESTOP_PII_KEYS")
PII_KEY_ID = os.environ.get("ONESTOP_PII_KEY_ID", "")
PII_INDEX_KEY = _secret("ONESTOP_PII_INDEX_KEY")
PII_INDEX_HASH = os.environ.get("ONESTOP_PII_INDEX_HASH", "hmac-sm3")
# How long a department system may retry a write with the same Idempotency-Key (its answer is
# kept encrypted under the PII key that long, then deleted by the worker).
IDEMPOTENCY_HOURS = int(os.environ.get("ONESTOP_IDEMPOTENCY_HOURS", "24"))

# Audit chain (see onestop/audit/macs.py): keyed outside the database, so a database writer
# cannot recompute it; checkpoints go to an append-only file and to the 政务服务局 outbox.
AUDIT_KEYS = _secret("ONESTOP_AUDIT_KEYS")
AUDIT_KEY_ID = os.environ.get("ONESTOP_AUDIT_KEY_ID", "")
AUDIT_HASH = os.environ.get("ONESTOP_AUDIT_HASH", "hmac-sm3")
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("ONESTOP_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit" / "checkpoints.jsonl")
)
AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("ONESTOP_AUDIT_CHECKPOINT_MINUTES", "5"))

# The tables that grow without end are partitioned by month on PostgreSQL
# (onestop/core/partitions.py). The worker creates each month's partition this many months
# ahead; `manage.py partitions --archive` applies the retention below to older months.
PARTITION_MONTHS_AHEAD = int(os.environ.get("ONESTOP_PARTITION_MONTHS_AHEAD", "3"))
# Detached partitions may move to a cheaper tablespace (made by the DBA beforehand).
PARTITION_ARCHIVE_TABLESPACE = os.environ.get("ONESTOP_PARTITION_ARCHIVE_TABLESPACE", "")
# Table: (rule, months kept attached before the current one). "detach": never deleted; the
# month is detached and stays a readable table. "drop": deleted with its partition.
_OUTBOX_MONTHS = int(os.environ.get("ONESTOP_OUTBOX_KEEP_MONTHS", "6"))
PARTITION_RETENTION = {
    # Audit events are never deleted. 36 months attached is our setting.
    "audit_auditevent": ("detach", int(os.environ.get("ONESTOP_AUDIT_ATTACHED_MONTHS", "36"))),
    # Payment lines are accounting vouchers' evidence: 《会计档案管理办法》(财政部、国家档案局令
    # 第79号) 附表 keeps 会计凭证 30 years, so detach only. 60 months attached is our setting.
    "benefits_paymentline": (
        "detach",
        int(os.environ.get("ONESTOP_PAYMENT_LINES_ATTACHED_MONTHS", "60")),
    ),
    # Webhook events and their deliveries are a transport log (what happened is in the audit
    # chain): 6 months is our setting, as long as the dead-letter list can replay.
    "exchange_delivery": ("drop", _OUTBOX_MONTHS),
    "exchange_outboxevent": ("drop", _OUTBOX_MONTHS),
    # Notices prove what a person was told and when: 《行政诉讼法》第四十六条 bars suits more than
    # five years after the act, so 60 months; then dropped (个人信息保护法 第十九条: no longer
    # than the purpose needs; the audit chain keeps the fact of each notice).
    "notices_notice": ("drop", int(os.environ.get("ONESTOP_NOTICE_KEEP_MONTHS", "60"))),
    # The texts sent are a network log: 《网络安全法》第二十一条（三）keeps such logs at least six
    # months; they hold phone numbers and sign-in codes, so no longer.
    "notices_smsmessage": ("drop", int(os.environ.get("ONESTOP_SMS_KEEP_MONTHS", "6"))),
}

if PRODUCTION:  # every secret checked at start-up, not when it is first used
    _strong_text("ONESTOP_SECRET_KEY", SECRET_KEY, min_length=50)
    pii_key_bytes = {"sm4-gcm": 16, "aes-256-gcm": 32}.get(PII_CIPHER)
    if pii_key_bytes is None:
        raise ImproperlyConfigured("ONESTOP_PII_CIPHER must be sm4-gcm or aes-256-gcm.")
    pii_key_ids = _strong_keyring("ONESTOP_PII_KEYS", PII_KEYS, nbytes=pii_key_bytes)
    if PII_KEY_ID and PII_KEY_ID not in pii_key_ids:
        raise ImproperlyConfigured(f"ONESTOP_PII_KEY_ID {PII_KEY_ID!r} is not in ONESTOP_PII_KEYS.")
    _strong_key("ONESTOP_PII_INDEX_KEY", PII_INDEX_KEY, nbytes=32)

INSTALLED_APPS = [
    "onestop.apps.OnestopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",
    "onestop.core",
    "onestop.audit",
    "onestop.regions",
    "onestop.accounts",
    "onestop.people",
    "onestop.policy",
    "onestop.outbox",
    "onestop.cases",
    "onestop.notices",
    "onestop.lang",
    "onestop.delivery",
    "onestop.ratings",
    "onestop.benefits",
    "onestop.portal",
    "onestop.exchange",
    "onestop.documents",
    "onestop.reports",
    "onestop.workbench",
    "onestop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "onestop.core.replica.ReplicaMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "onestop.core.language.api_in_chinese",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "onestop.urls"
WSGI_APPLICATION = "onestop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onestop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onestop.portal.context.portal_urls",
                "onestop.lang.context.language",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onestop.sqlite3'}"),
        # Keep server connections open between requests (a new PostgreSQL connection per request
        # costs more than most pages); checked before reuse.
        conn_max_age=int(os.environ.get("ONESTOP_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# No JIT on PostgreSQL: the platform's statements are short or set-based over known rows, and
# compiling cost more than it saved (150 ms on each chunk of a payment run, the run 20% slower).
POSTGRESQL_OPTIONS = {"options": "-c jit=off"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **POSTGRESQL_OPTIONS,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so two
    # writers queue instead of failing halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A streaming replica for the heavy reads (onestop/core/replica.py says which and when).
REPLICA_URL = os.environ.get("ONESTOP_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("ONESTOP_REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(os.environ.get("ONESTOP_REPLICA_CHECK_SECONDS", "2"))
# A caller who wrote reads the primary for longer than the replica may lag.
REPLICA_PIN_SECONDS = REPLICA_MAX_LAG_SECONDS + 2 * REPLICA_CHECK_SECONDS
DATABASE_ROUTERS: list[str] = []
if REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            REPLICA_URL,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "OPTIONS": POSTGRESQL_OPTIONS,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["onestop.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("ONESTOP_REDIS_URL", "")
# The task queue's name; also the prefix of the task leases (two deployments may share a Redis).
HUEY_NAME = os.environ.get("ONESTOP_HUEY_NAME", "onestop")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "name": HUEY_NAME,
        "huey_class": "huey.RedisHuey",
        "connection": {"url": REDIS_URL},
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
elif PRODUCTION:
    # A per-process cache would let a signed-out session live on in the other workers.
    raise ImproperlyConfigured(
        "ONESTOP_REDIS_URL must be set when ONESTOP_ENV=production: sessions are read through "
        "the cache, which every server process must share (see README.md, 'Deploying')."
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "name": HUEY_NAME,
        "huey_class": "huey.SqliteHuey",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

AUTH_USER_MODEL = "accounts.StaffUser"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Consecutive failed logins before an account is locked, and for how long.
LOGIN_MAX_FAILURES = int(os.environ.get("ONESTOP_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCK_MINUTES = int(os.environ.get("ONESTOP_LOGIN_LOCK_MINUTES", "15"))

# Anonymous pre-screening requests per client address per minute (staff are not limited).
PRESCREEN_ANON_PER_MINUTE = int(os.environ.get("ONESTOP_PRESCREEN_PER_MINUTE", "30"))

# Text messages: the provider adapter, and how many codes a number or an address may ask for.
SMS_BACKEND = os.environ.get("ONESTOP_SMS_BACKEND", "onestop.notices.sms.ConsoleBackend")
NOTICES_SEND_ON_COMMIT = os.environ.get("ONESTOP_NOTICES_SEND_ON_COMMIT", "1") == "1"
NOTICE_MAX_ATTEMPTS = int(os.environ.get("ONESTOP_NOTICE_MAX_ATTEMPTS", "5"))
# 差评 follow-up deadline, in working days.
RATING_FOLLOWUP_DAYS = int(os.environ.get("ONESTOP_RATING_FOLLOWUP_DAYS", "5"))
# Rate-limit counters: in Redis when configured, else in the database (onestop/core/ratelimit.py);
# the prefix separates installations sharing one Redis.
RATELIMIT_NAMESPACE = os.environ.get("ONESTOP_RATELIMIT_NAMESPACE", "rl")
SMS_PER_PHONE_HOUR = int(os.environ.get("ONESTOP_SMS_PER_PHONE_HOUR", "5"))
SMS_PER_IP_HOUR = int(os.environ.get("ONESTOP_SMS_PER_IP_HOUR", "20"))

# Benefit payments (onestop/benefits/). Maker-checker: who may prepare a roll and who may approve
# it (never the one who prepared it); months owed are paid back no further than the first month.
BENEFITS_PREPARE_ROLES = tuple(
    os.environ.get(
        "ONESTOP_BENEFITS_PREPARE_ROLES", "county_civil,medical_officer,hrss_officer"
    ).split(",")
)
BENEFITS_APPROVE_ROLES = tuple(
    os.environ.get(
        "ONESTOP_BENEFITS_APPROVE_ROLES",
        "department_head,county_civil,medical_officer,hrss_officer",
    ).split(",")
)
BENEFITS_ARREARS_FROM = date.fromisoformat(
    os.environ.get("ONESTOP_BENEFITS_ARREARS_FROM", "2025-01-01")
)
# The disbursement file per paying agent: its name and columns, in order (onestop/benefits/
# disbursement.py lists the fields a column may take).
BENEFITS_AGENTS = {
    "yikatong": {
        "name": "惠民惠农财政补贴资金「一卡通」",
        "columns": [
            ["序号", "seq"],
            ["姓名", "name"],
            ["身份证号", "id_number"],
            ["开户银行", "bank"],
            ["账号", "account"],
            ["补贴项目", "kind"],
            ["所属月份", "month"],
            ["金额（元）", "amount"],
            ["类型", "type"],
            ["流水号", "line"],
        ],
    },
    "bank": {
        "name": "代发银行",
        "columns": [
            ["流水号", "line"],
            ["账号", "account"],
            ["户名", "name"],
            ["金额", "amount"],
            ["摘要", "summary"],
        ],
    },
}
# 定期复核: working days the township officers have to confirm or stop each person.
BENEFITS_REVIEW_DAYS = int(os.environ.get("ONESTOP_BENEFITS_REVIEW_DAYS", "15"))
BENEFITS_DEFAULT_AGENT = os.environ.get("ONESTOP_BENEFITS_AGENT", "yikatong")

# Sessions read through the cache (Redis in production), written through to the database.
# Webhooks to department systems.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("ONESTOP_WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("ONESTOP_WEBHOOK_RETRY_BASE_SECONDS", "10"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("ONESTOP_WEBHOOK_TIMEOUT_SECONDS", "5"))
# Queue a delivery round as soon as a change with new deliveries commits (else: the minutely sweep).
WEBHOOK_DELIVER_ON_COMMIT = os.environ.get("ONESTOP_WEBHOOK_DELIVER_ON_COMMIT", "1") == "1"
# How long a worker holds a delivery it is sending; one that dies is retried after this.
WEBHOOK_LEASE_SECONDS = float(os.environ.get("ONESTOP_WEBHOOK_LEASE_SECONDS", "60"))
# The same for a text message being sent.
NOTICE_LEASE_SECONDS = float(os.environ.get("ONESTOP_NOTICE_LEASE_SECONDS", "60"))
# How long a worker holds a background task (onestop/core/leases.py): shorter than the minutely
# period, so a worker killed mid-task holds the next one back for less than a minute.
TASK_LEASE_SECONDS = float(os.environ.get("ONESTOP_TASK_LEASE_SECONDS", "50"))

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # the load balancer's probes: plain HTTP
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # No HSTS preload: being on the browsers' list cannot be undone for months, and would bind
    # every subdomain of the government domain, which this service does not run.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Scripts, styles and images from this site only; no inline script or style, no plugins, no
# framing; forms post back here. Pages work without JavaScript, which only enhances them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
# Traditional Mongolian beside Chinese (onestop.lang): Django's own "mn" is Cyrillic.
LANGUAGES = [("zh-hans", "简体中文"), ("mn-mong", "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ")]
FORMAT_MODULE_PATH = ["onestop.lang.formats"]  # mn_Mong has none in Django
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
# Fonts fetched at setup (manage.py fetch_webfont), served as /static/fonts/...; under the
# checkout rather than VAR_DIR so a test run with its own VAR_DIR finds them too.
WEBFONT_DIR = BASE_DIR / "var" / "webfonts"
WEBFONT_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("fonts", WEBFONT_DIR)]


def _media_backend() -> tuple[str, dict[str, object]]:
    """Where uploaded files live: ONESTOP_MEDIA_BACKEND, else the database when it is
    PostgreSQL (every app server reaches it), else a folder (the embedded first run)."""
    default = (
        "onestop.core.dbstorage.DatabaseStorage"
        if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        else "django.core.files.storage.FileSystemStorage"
    )
    backend = os.environ.get("ONESTOP_MEDIA_BACKEND") or default
    if not backend.startswith("storages.backends.s3"):
        return backend, {}
    bucket = os.environ.get("ONESTOP_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured(
            "ONESTOP_S3_BUCKET must name the bucket when ONESTOP_MEDIA_BACKEND is S3 storage "
            "(see README.md, 'Deploying')."
        )
    verify = os.environ.get("ONESTOP_S3_VERIFY", "")
    options: dict[str, object] = {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("ONESTOP_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("ONESTOP_S3_REGION") or None,
        # Without keys, boto3 looks for credentials itself (instance role, AWS_* variables).
        "access_key": os.environ.get("ONESTOP_S3_ACCESS_KEY") or None,
        "secret_key": os.environ.get("ONESTOP_S3_SECRET_KEY") or None,
        "location": os.environ.get("ONESTOP_S3_PREFIX", "").strip("/"),
        "addressing_style": os.environ.get("ONESTOP_S3_ADDRESSING_STYLE") or None,
        "signature_version": os.environ.get("ONESTOP_S3_SIGNATURE_VERSION") or None,
        "verify": False if verify.lower() == "false" else (verify or None),
        # Two uploads of one name keep two objects, as files in a folder do.
        "file_overwrite": False,
        "default_acl": None,
        # What the store holds is sealed: never labelled as the image or PDF it will open to.
        "object_parameters": {"ContentType": "application/octet-stream"},
        "querystring_auth": True,
        # An object read spills to a temporary file past 1 MB (sealed bytes, never clear).
        "max_memory_size": int(os.environ.get("ONESTOP_S3_MAX_MEMORY_SIZE", str(1024 * 1024))),
    }
    return backend, options


MEDIA_BACKEND, MEDIA_BACKEND_OPTIONS = _media_backend()
STORAGES = {
    # Uploaded materials: sealed with the PII cipher and key (onestop/core/storage.py) on top of
    # whichever backend holds the bytes.
    "default": {
        "BACKEND": "onestop.core.storage.EncryptedStorage",
        "OPTIONS": {"backend": MEDIA_BACKEND, "options": MEDIA_BACKEND_OPTIONS},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("ONESTOP_MEDIA_DIR", VAR_DIR / "media"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONESTOP_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # one line per table for every PDF otherwise
        "fpdf": {"level": "WARNING"},
    },
}
