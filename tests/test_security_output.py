"""Output: no user text rendered unescaped, spreadsheet cells that cannot run, friendly error
pages for every error, and no secret in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import abort

from portal.config import PROJECT_DIR
from portal.extensions import db
from portal.security import neutralise_cell
from tests.conftest import login, make_user

# not the project's own: tools, caches, data, and what the benches build (`make bench-peer` copies
# the Django peer, with its own settings, into build/)
SKIPPED_DIRS = {
    ".venv",
    ".git",
    "instance",
    "node_modules",
    "test-artifacts",
    "__pycache__",
    "build",
    "dist",
}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def project_files(*suffixes: str) -> list[Path]:
    """The project's own files with these suffixes (no virtualenv, caches or instance data)."""
    return [
        path
        for path in PROJECT_DIR.rglob("*")
        if path.is_file()
        and path.suffix in suffixes
        and not SKIPPED_DIRS.intersection(path.relative_to(PROJECT_DIR).parts)
        and not any(part.startswith(".") or part.endswith(".egg-info") for part in path.parts)
    ]


# --- escaping ----------------------------------------------------------------------------------


def test_no_markup_is_built_by_string_formatting():
    pattern = re.compile(r"Markup\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\+)|[a-z_]+\s*\))")
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}"
        for path in project_files(".py")
        if path.parent.name != "tests" or "security" not in path.name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == [], "build markup as Markup('<b>{}</b>').format(value)"


def test_templates_mark_only_literals_safe():
    unsafe = re.compile(r"([\w\.\)\]]+)\s*\|\s*safe\b")  # `|safe` after anything but a quote
    found = [
        f"{path.relative_to(PROJECT_DIR)}: {match.group(0)}"
        for path in project_files(".html")
        for match in unsafe.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) != "tojson"  # JSON for a data attribute: escaped by |tojson itself
    ]
    assert found == []
    autoescape_off = [p for p in project_files(".html") if "autoescape false" in p.read_text()]
    assert autoescape_off == []


def test_hostile_text_typed_by_staff_is_shown_escaped(app, client, catalogue):
    applicant = catalogue["applicant"]
    applicant.full_name, applicant.institution = XSS, XSS
    db.session.commit()
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    for url in ("/admin/applicant/", f"/admin/applicant/details/?id={applicant.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html


# --- spreadsheet cells -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 812", "'+62 812"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "\t'=1"),  # the quote goes before the first visible character
        ("\r=1", "\r'=1"),
        ("Budi = Santoso", "Budi = Santoso"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_quoted(value, cell):
    assert neutralise_cell(value) == cell


# --- error pages -------------------------------------------------------------------------------


@pytest.fixture
def failing_route(app):
    """Routes that fail on purpose, with exceptions answered as in production."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 1024
    app.add_url_rule("/test-crash", "test_crash", lambda: 1 / 0)
    app.add_url_rule("/test-gone", "test_gone", lambda: abort(410))
    return app


@pytest.mark.parametrize(
    ("method", "url", "data", "status"),
    [
        ("GET", "/no-such-page", None, 404),
        ("GET", "/logout", None, 405),
        ("GET", "/test-gone", None, 410),
        ("GET", "/test-crash", None, 500),
        ("GET", "/verifikasi?nomor=%00", None, 400),
        ("POST", "/lang/en", {"next": "/"}, 400),  # no CSRF token
        ("POST", "/login", {"username": "x" * 2048}, 413),
    ],
)
def test_every_error_is_the_friendly_page_in_the_portals_layout(
    failing_route, client, method, url, data, status
):
    response = client.open(url, method=method, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "error-card" in html and failing_route.config["LSP_NAME"] in html
    assert "Traceback" not in html and "ZeroDivisionError" not in html
    assert "Content-Security-Policy" in response.headers


def test_a_staff_error_page_leads_back_to_the_staff_portal(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    response = client.get("/admin/user/")
    assert response.status_code == 403 and 'href="/admin/"' in response.get_data(as_text=True)


# --- secrets -----------------------------------------------------------------------------------

SECRETS = [
    re.compile("-----BEGIN [A-Z ]*" + "PRIVATE KEY-----"),
    re.compile(r"SECRET_KEY\W{0,3}\s*[=:]\s*[\"'][^\"'{}\s]{8,}[\"']"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),
    re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    # a database URL with a password (not *** and not a {placeholder})
    re.compile(r"postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:(?!\*\*\*)[^@\s/{]+@"),
]


def test_no_secret_is_kept_in_the_repository():
    found = [
        f"{path.relative_to(PROJECT_DIR)}: {pattern.pattern}"
        for path in project_files(
            ".py",
            ".html",
            ".cfg",
            ".toml",
            ".md",
            ".txt",
            ".ini",
            ".env",
            ".yml",
            ".yaml",
            ".json",
            "",
        )
        for pattern in SECRETS
        if pattern.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert found == []
    assert not (PROJECT_DIR / ".env").exists()
