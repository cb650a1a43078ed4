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


def _int(name: str, default: int) -> int:
    """Read an integer setting, falling back to the default when unset."""
    value = os.environ.get(name)
    return int(value) if value else default


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

    LSP_NAME = os.environ.get("LSP_NAME", "LSP Pustakawan")
    LSP_ADDRESS = os.environ.get("LSP_ADDRESS", "Jl. Salemba Raya No. 28A, Jakarta Pusat 10430")
    LSP_CITY = os.environ.get("LSP_CITY", "Jakarta")
    LSP_TIMEZONE = os.environ.get("LSP_TIMEZONE", "Asia/Jakarta")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    CERTIFICATE_NUMBER_PATTERN = os.environ.get(
        "CERTIFICATE_NUMBER_PATTERN", "{seq:05d}/LSP-PUST/{scheme}/{year}"
    )
    APPEAL_WINDOW_DAYS = _int("APPEAL_WINDOW_DAYS", 14)
    RECERTIFICATION_HORIZON_MONTHS = _int("RECERTIFICATION_HORIZON_MONTHS", 6)
    STEP_TARGET_DAYS = os.environ.get("STEP_TARGET_DAYS", "")  # see rules/waiting.parse_targets
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
    FLASK_ADMIN_SWATCH = "default"


def finalise(config: dict) -> None:
    """Fill derived settings and refuse to run without a secret outside demo and tests, or with
    unreadable step targets or CSV delimiter."""
    parse_targets(config.get("STEP_TARGET_DAYS"))
    if config.get("EXPORT_CSV_DELIMITER", ";") not in CSV_DELIMITERS:
        raise RuntimeError("EXPORT_CSV_DELIMITER must be ';' or ','.")
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


def _demo_secret() -> str:
    """A random key kept in the instance folder, so demo sessions survive a restart."""
    path = INSTANCE_DIR / "demo-secret-key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
