"""What an admin page shows alike to everyone with the same roles and language, built once per
process instead of once per request: the menu, a list's filter definitions and its action menu.

Each of them read every screen's access rule, translated tens of labels and built tens of URLs
on every request (a tenth of a list page's time). What they depend on is their key: the language,
the user's roles, the page (the menu marks it active) and the script root (the URLs). The filter
definitions also list schemes, TUKs and asesors from the database, so they are rebuilt after
`FILTERS_TTL` seconds. Each kept item belongs to one application's admin, never to the module,
so two applications in one process (the tests) never share one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

FILTERS_TTL = 60.0  # seconds; as long as a LookupFilter keeps its options
MAX_KEPT = 256  # entries per store: languages × role sets × pages stay far below it


def _roles() -> frozenset[str]:
    return frozenset(current_user.roles) if current_user.is_authenticated else frozenset()


def user_key() -> tuple[Hashable, ...]:
    """What the kept items depend on besides the page: language, roles and script root."""
    return str(get_locale()), _roles(), request.script_root


def kept(store: dict, key: Hashable, build: Callable[[], Any], ttl: float | None = None) -> Any:
    """The value kept in `store` under `key`, built (again) when missing or older than `ttl`."""
    now = time.monotonic()
    found = store.get(key)
    if found is None or (ttl is not None and now - found[0] > ttl):
        if len(store) >= MAX_KEPT:
            store.clear()
        found = store[key] = (now, build())
    return found[1]


def menu(admin_view: Any, render: Callable[[], str]) -> Markup:
    """The admin menu's HTML (`render` is Flask-Admin's `layout.menu` macro) for this page,
    without the macro's indentation and blank lines (half of its 7 KB; links and text only, so
    a run of white space shows as one space whatever it holds)."""
    store = admin_view.admin.__dict__.setdefault("_kept_menus", {})

    def build() -> Markup:
        return Markup(_BLANKS.sub("\n", render()))

    return kept(store, (*user_key(), admin_view.endpoint), build)


_BLANKS = re.compile(r"\s*\n\s*")
