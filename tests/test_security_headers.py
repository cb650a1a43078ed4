"""Security headers: a Content-Security-Policy with no 'unsafe-inline' and no other origin, a
fresh script nonce per response on every script tag, nosniff, no framing, a referrer policy; and
templates that need no inline script, handler or style to work under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.config import PROJECT_DIR
from portal.rules.vocabulary import Role
from tests.security_world import built_world

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
# Admin pages with what the CSP could break: bulk actions and filters, select2 pickers (plain
# and ajax), inline forms with their "Add" buttons, date pickers, the workflow action form; each
# as a role that may open it (the secretariat has the case actions, the admin the rest).
ADMIN_PAGES = {
    "/admin/": Role.SECRETARIAT,
    "/admin/case/": Role.SECRETARIAT,
    "/admin/case/new/": Role.SECRETARIAT,
    "/admin/case/details/?id={case}": Role.SECRETARIAT,
    "/admin/case/act/submit/?id={case}": Role.SECRETARIAT,
    "/admin/scheme/new/": Role.ADMIN,
    "/admin/unit/new/": Role.ADMIN,
    "/admin/assessor/new/": Role.ADMIN,
    "/admin/decision_meeting/new/": Role.ADMIN,
    "/admin/user/new/": Role.ADMIN,
    "/admin/certificate/": Role.ADMIN,
    "/admin/audit/": Role.ADMIN,
    "/berkas/dokumen-publik/baru": Role.ADMIN,
}
PUBLIC_PAGES = ("/jadwal", "/verifikasi", "/verifikasi?nomor=1", "/login", "/no-such-page")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with built_world(tmp_path_factory.mktemp("headers")) as built:
        yield built


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as directive → sources."""
    directives = (d.split() for d in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def _pages(world, urls):
    """(url, response) of each admin page, as its role sees it."""
    clients = {role: world.client(role) for role in set(ADMIN_PAGES.values())}
    return [(u, clients[ADMIN_PAGES[u]].get(u.format(case=world.own_case))) for u in urls]


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/static/css/portal.css"])
def test_the_policy_allows_this_site_only_and_no_inline_code(world, url):
    response = world.client().get(url)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["style-src"] == ["'self'"] and csp["img-src"] == ["'self'", "data:"]
    for sources in csp.values():
        for source in sources:
            assert source in ("'self'", "'none'", "data:") or source.startswith("'nonce-"), source
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only when COOKIE_SECURE is on


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_carry_no_script_at_all(world, url):
    response = world.client().get(url)
    html = response.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html and not INLINE_HANDLER.search(html)
    assert policy(response)["script-src"] == ["'self'"]


def test_every_script_of_an_admin_page_carries_the_responses_nonce(world):
    nonces = set()
    for url, response in _pages(world, ADMIN_PAGES):
        assert response.status_code == 200, url
        (nonce,) = [s for s in policy(response)["script-src"] if s.startswith("'nonce-")]
        nonce = nonce.removeprefix("'nonce-").removesuffix("'")
        nonces.add(nonce)
        scripts = SCRIPT_TAG.findall(response.get_data(as_text=True))
        assert scripts, url
        for attributes, _body in scripts:
            assert f'nonce="{nonce}"' in attributes, (url, attributes)
        assert "portal-admin.js" in response.get_data(as_text=True)
    assert len(nonces) == len(ADMIN_PAGES)  # a fresh nonce per response


def test_admin_pages_have_no_inline_handlers(world):
    for url, response in _pages(world, ADMIN_PAGES):
        html = response.get_data(as_text=True)
        assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0))
        assert "style=" not in html, url


def test_the_bulk_action_menu_and_inline_forms_use_data_attributes(world):
    pages = dict(_pages(world, ("/admin/case/", "/admin/scheme/new/")))
    listing = pages["/admin/case/"].get_data(as_text=True)
    assert 'data-portal-action="submit"' in listing
    assert "data-portal-inert" in listing  # the filter menu's entries
    assert 'data-portal-add-inline="requirements"' in pages["/admin/scheme/new/"].get_data(
        as_text=True
    )


def _served_templates() -> list[Path]:
    """Our templates that reach a browser (PDF ones go to xhtml2pdf, e-mails to mail clients)."""
    root = PROJECT_DIR / "templates"
    return [
        p for p in root.rglob("*.html") if not {"pdf", "email"} & set(p.relative_to(root).parts)
    ]


@pytest.mark.parametrize("path", _served_templates(), ids=lambda p: p.name)
def test_our_templates_need_no_inline_script_handler_or_style(path):
    source = path.read_text(encoding="utf-8")
    assert not INLINE_HANDLER.search(source)
    assert "javascript:" not in source
    assert "style=" not in source
    for attributes, body in SCRIPT_TAG.findall(source):
        assert "admin_csp_nonce_attribute" in attributes and "src=" in attributes
        assert not body.strip()


def test_the_admin_script_handles_every_data_attribute_the_templates_use():
    script = (PROJECT_DIR / "static/js/portal-admin.js").read_text(encoding="utf-8")
    used = {
        name
        for path in _served_templates()
        for name in re.findall(r"data-portal-([a-z-]+)", path.read_text(encoding="utf-8"))
    }
    assert used == {"action", "confirm", "add-inline", "inert"}
    for name in used:
        assert f"[data-portal-{name}]" in script
