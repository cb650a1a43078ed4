"""Settings from environment variables, with safe defaults for the demo."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from .rules.waiting import parse_targets

CSV_DELIMITERS = (";", ",")

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_DIR / "instance"
# The demo signing key (`flask make-demo-signing-key`, run by `make run`): self-signed, marked
# DEMO in its name, kept in the instance folder and never in the repository.
DEMO_SIGNING_KEY = INSTANCE_DIR / "demo-signing-key.p12"
DEMO_SIGNING_PASSPHRASE = "demo-only"


def _int(name: str, default: int) -> int:
    """Read an integer setting, falling back to the default when unset."""
    value = os.environ.get(name)
    return int(value) if value else default


def _flag(name: str) -> bool:
    """Read an on/off setting: "1" is on."""
    return os.environ.get(name, "0") == "1"


class Config:
    """Production-leaning defaults; every value can be set from the environment."""

    DEMO = os.environ.get("PORTAL_DEMO", "0") == "1"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    )
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    # A request may carry several attachments; the per-file limit is checked separately.
    MAX_CONTENT_LENGTH = _int("MAX_REQUEST_BYTES", 32 * 1024 * 1024)
    # Spreadsheet imports (BNSP numbers, applicants and cases) take up to this many rows; a
    # larger file is refused with a message. A file above IMPORT_INLINE_BYTES is checked on the
    # worker (every commit runs there); an upload never committed is removed after
    # IMPORT_KEEP_HOURS by the worker's sweep.
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 10_000)
    IMPORT_INLINE_BYTES = _int("IMPORT_INLINE_BYTES", 100 * 1024)
    IMPORT_KEEP_HOURS = _int("IMPORT_KEEP_HOURS", 24)

    LSP_NAME = os.environ.get("LSP_NAME", "LSP Pustakawan")
    LSP_ADDRESS = os.environ.get("LSP_ADDRESS", "Jl. Salemba Raya No. 28A, Jakarta Pusat 10430")
    LSP_CITY = os.environ.get("LSP_CITY", "Jakarta")
    LSP_TIMEZONE = os.environ.get("LSP_TIMEZONE", "Asia/Jakarta")
    # The address printed in every certificate's QR code: required outside demo and tests.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    CERTIFICATE_NUMBER_PATTERN = os.environ.get(
        "CERTIFICATE_NUMBER_PATTERN", "{seq:05d}/LSP-PUST/{scheme}/{year}"
    )
    # Electronic signature of certificates (PAdES): a PKCS#12 file, its passphrase, and an
    # optional RFC 3161 timestamp server. Unset: certificates print unsigned.
    CERT_SIGNING_P12 = os.environ.get("CERT_SIGNING_P12")
    CERT_SIGNING_PASSPHRASE = os.environ.get("CERT_SIGNING_PASSPHRASE")
    TIMESTAMP_URL = os.environ.get("TIMESTAMP_URL")
    APPEAL_WINDOW_DAYS = _int("APPEAL_WINDOW_DAYS", 14)
    RECERTIFICATION_HORIZON_MONTHS = _int("RECERTIFICATION_HORIZON_MONTHS", 6)
    LSP_MEETING_QUORUM = _int("LSP_MEETING_QUORUM", 3)
    # Applicant accounts: how long a confirmation and a password-reset link stay valid.
    APPLICANT_CONFIRM_HOURS = _int("APPLICANT_CONFIRM_HOURS", 48)
    APPLICANT_RESET_HOURS = _int("APPLICANT_RESET_HOURS", 2)
    APPLICANT_RATE_LIMIT = os.environ.get("APPLICANT_RATE_LIMIT", "10/minute")

    # E-mail through SMTP. With no MAIL_SERVER the worker keeps the messages in the outbox
    # (readable in the admin) and sends nothing.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "LSP Pustakawan <noreply@lsp-pustakawan.id>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_SECONDS = _int("MAIL_RETRY_SECONDS", 60)  # doubled after each failed attempt

    # The job engine (Huey): SQLite file by default, redis://host:port/db in production.
    BROKER_URL = os.environ.get("BROKER_URL", f"sqlite:///{INSTANCE_DIR / 'jobs.db'}")
    BROKER_QUEUE = os.environ.get("BROKER_QUEUE", "lsp-portal")
    WORKER_THREADS = _int("WORKER_THREADS", 2)
    # A message or job claimed by a worker that stopped answering is taken up again after this.
    WORKER_LEASE_SECONDS = _int("WORKER_LEASE_SECONDS", 120)
    JOB_RESULT_DIR = Path(os.environ.get("JOB_RESULT_DIR", INSTANCE_DIR / "jobs"))
    JOB_KEEP_HOURS = _int("JOB_KEEP_HOURS", 24)
    # An export, or an action on "all matching" cases, of more rows than this runs as a job
    # (the size of one transaction of a bulk action, casework.BATCH_SIZE).
    INLINE_MAX_ROWS = _int("INLINE_MAX_ROWS", 2_000)
    STEP_TARGET_DAYS = os.environ.get("STEP_TARGET_DAYS", "")  # see rules/waiting.parse_targets
    # The hour (0-23, in LSP_TIMEZONE) from which the daily digest of waiting work is sent.
    DIGEST_HOUR = _int("DIGEST_HOUR", 7)
    EXPORT_CSV_DELIMITER = os.environ.get("EXPORT_CSV_DELIMITER", ";")

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("id", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=_int("REMEMBER_DAYS", 14))  # Flask-Login: 365
    WTF_CSRF_TIME_LIMIT = None
    # Rate-limit counters: in memory per process unless a shared store is named, e.g.
    # `redis://127.0.0.1:6379/0` (needed when several workers serve the portal).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "lsp-portal")
    RATELIMIT_HEADERS_ENABLED = True  # a 429 carries Retry-After
    FLASK_ADMIN_SWATCH = "default"


DEMO_BASE_URL = "http://127.0.0.1:5000"


def finalise(config: dict) -> None:
    """Fill derived settings and refuse to run misconfigured: without a secret or a public
    address outside demo and tests (a printed certificate's QR code cannot be recalled),
    with SMTP credentials over a clear connection, or with unreadable step targets, CSV
    delimiter or digest hour."""
    parse_targets(config.get("STEP_TARGET_DAYS"))
    if config.get("EXPORT_CSV_DELIMITER", ";") not in CSV_DELIMITERS:
        raise RuntimeError("EXPORT_CSV_DELIMITER must be ';' or ','.")
    if not 0 <= config.get("DIGEST_HOUR", 7) <= 23:
        raise RuntimeError("DIGEST_HOUR must be an hour from 0 to 23.")
    if config.get("MAIL_USERNAME") and not config.get("MAIL_USE_TLS"):
        raise RuntimeError(
            "MAIL_USERNAME is set without MAIL_USE_TLS=1: the password would travel in clear."
        )
    if not config.get("SECRET_KEY"):
        if config.get("TESTING"):
            config["SECRET_KEY"] = secrets.token_hex(32)
        elif config.get("DEMO"):
            config["SECRET_KEY"] = _demo_secret()
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment "
                "(or PORTAL_DEMO=1 for a local demonstration)."
            )
    if not config.get("PUBLIC_BASE_URL"):
        if not (config.get("TESTING") or config.get("DEMO")):
            raise RuntimeError(
                "PUBLIC_BASE_URL is not set: the address printed in certificates' QR codes, "
                "e.g. https://sertifikasi.example.id (or PORTAL_DEMO=1 for a local demonstration)."
            )
        config["PUBLIC_BASE_URL"] = DEMO_BASE_URL
    _signing_key(config)


def _signing_key(config: dict) -> None:
    """Use the demo key in demo mode when none is set; refuse a configured key that is missing."""
    path = config.get("CERT_SIGNING_P12")
    if not path:
        if config.get("DEMO") and not config.get("TESTING") and DEMO_SIGNING_KEY.exists():
            config["CERT_SIGNING_P12"] = str(DEMO_SIGNING_KEY)
            config["CERT_SIGNING_PASSPHRASE"] = DEMO_SIGNING_PASSPHRASE
        return
    if not Path(path).is_file():
        raise RuntimeError(f"CERT_SIGNING_P12 is set, but {path} is not a readable file.")


def _demo_secret() -> str:
    """A random key kept in the instance folder, so demo sessions survive a restart."""
    path = INSTANCE_DIR / "demo-secret-key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
