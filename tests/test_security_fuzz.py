"""Bad input (Hypothesis): random and hostile values posted to every admin create form and every
workflow action form, and put in the query strings of the lists and the public pages.

Whatever comes in, the portal answers without a 500, echoes no markup unescaped, and writes
nothing unless it accepted the request: a refused form leaves every table's row count as it was.
Examples are bounded (MAX_EXAMPLES per form) so the suite stays quick; each test prints how many
it ran.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Case
from portal.rules import workflow
from portal.rules.access import SCREENS
from portal.rules.vocabulary import Role
from portal.rules.workflow import Action
from tests.security_world import LOGINS, built_world, row_counts
from tests.test_security_access import _views, workflow_roles

MAX_EXAMPLES = 25
SCRIPT = "<script>alert(1)</script>"
FIXED = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "25:61",
    "' OR '1'='1' --",
    "1; DROP TABLE case; --",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "%s%n%x",
    "../../../etc/passwd",
    "\u202etxt.exe",
    "😀" * 50,
    "a\x00b",
    "\x01\x1f\x7f",
    "line\r\nbreak\ttab",
    "x" * 100_000,
]
HOSTILE = st.one_of(
    st.sampled_from(FIXED),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.lists(st.sampled_from(FIXED), min_size=2, max_size=3),  # a field sent several times
)
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
INLINE = re.compile(r'<div class="inline-field" id="([\w-]+)">(.*?)id="\1-button"', re.S)
INLINE_FIELD_NAME = re.compile(r"name=&#34;([^&]+)&#34;")
COUNTED: dict[str, int] = {}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with built_world(tmp_path_factory.mktemp("fuzz")) as built:
        yield built
    print(f"\nfuzz examples run: {sum(COUNTED.values())} over {len(COUNTED)} forms and pages")


def form_fields(html: str) -> list[str]:
    """The names a browser would post from a form page, a first row of each inline form too."""
    names = set(FIELD_NAME.findall(html)) - {"csrf_token"}
    for inline, template in INLINE.findall(html):
        names |= {f"{inline}-0-{name}" for name in INLINE_FIELD_NAME.findall(template)}
    return sorted(names)


def check(response, before: dict[str, int], accepted: bool) -> None:
    """No 500, no markup echoed unescaped, and no write unless the request was accepted."""
    assert response.status_code < 500, response.status_code
    body = response.get_data()  # bytes: a PDF or a ZIP is no text
    assert SCRIPT.encode() not in body and b"<img src=x" not in body
    if not accepted:
        assert row_counts() == before


def _count(name: str) -> None:
    COUNTED[name] = COUNTED.get(name, 0) + 1


EXTREME_DATES = st.sampled_from(["0001-01-01", "9999-12-31", clock.today().isoformat()])
DATE_FIELD = re.compile(r"(date|_on|_until)$")


def _payload(fields: list[str]):
    """Hostile values for any subset of the fields; date fields get extreme dates more often."""
    values = {
        name: st.one_of(EXTREME_DATES, HOSTILE) if DATE_FIELD.search(name) else HOSTILE
        for name in fields
    }
    return st.fixed_dictionaries({}, optional=values)


# --- the admin's create forms ------------------------------------------------------------------


def _create_screens() -> list[str]:
    """The screens an admin may write (attachments have their own upload form, fuzzed apart)."""
    return sorted(name for name, screen in SCREENS.items() if Role.ADMIN in screen.write)


@pytest.mark.parametrize("screen", _create_screens())
def test_create_forms_survive_hostile_input(world, screen):
    targets = [v for v in _views(world.app).values() if v.screen == screen and v.allow_create]
    if not targets:
        pytest.skip(f"{screen}: rows are created elsewhere, not by a form")
    client = world.client(Role.ADMIN)
    for view in targets:
        url = f"/admin/{view.endpoint}/new/"
        page = client.get(url)
        assert page.status_code == 200, url
        _fuzz_create_form(
            client, url, form_fields(page.get_data(as_text=True)), world.token(client)
        )


def _fuzz_create_form(client, url: str, fields: list[str], token: str) -> None:
    """Post hostile values to one create form; Flask-Admin redirects only when it saved."""

    @FUZZ
    @given(data=_payload(fields))
    def post(data):
        _count(url)
        before = row_counts()
        response = client.post(url, data={**data, "csrf_token": token})
        check(response, before, accepted=response.status_code == 302)

    post()


# --- the workflow action forms -----------------------------------------------------------------


def _actor(action: Action) -> Role:
    """A role that may take the action (the transition table's first, in LOGINS order)."""
    return next(role for role in LOGINS if role in workflow_roles(action))


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_workflow_action_forms_survive_hostile_input(world, action):
    client = world.client(_actor(action))
    cases = _cases_for(action)
    page = client.get(f"/admin/case/act/{action.value}/?id={cases[0]}&id={cases[-1]}")
    fields = [*form_fields(page.get_data(as_text=True)), "all"]
    token = world.token(client)
    ids = st.lists(st.sampled_from([str(c) for c in cases] + FIXED[:6]), min_size=1, max_size=4)

    @FUZZ
    @given(data=_payload(fields), ids=ids, query=st.sampled_from(["", "?all=1", "?id=1&id=x"]))
    def post(data, ids, query):
        _count(f"act/{action.value}")
        before, statuses = row_counts(), _statuses()
        url = f"/admin/case/act/{action.value}/{query}"
        response = client.post(url, data={"id": ids, **data, "apply": "1", "csrf_token": token})
        refused = 'name="apply"' in response.get_data(as_text=True)  # the form came back
        if action == Action.VERIFY:  # the checklist's verdicts stand, audited, when it is refused
            before = {**before, "audit_event": row_counts()["audit_event"]}
        check(response, before, accepted=not refused)
        if refused:
            assert _statuses() == statuses

    post()


def _cases_for(action: Action) -> list[int]:
    """Cases the action could apply to (so that examples get past the guards), and one other."""
    sources = frozenset().union(*(row.sources for row in workflow.rows(action)))
    fitting = db.session.scalars(select(Case.id).where(Case.status.in_(sources)).order_by(Case.id))
    return [*fitting, db.session.scalar(select(func.max(Case.id)))]


def _statuses() -> list[tuple[int, str]]:
    db.session.expire_all()
    return db.session.execute(select(Case.id, Case.status).order_by(Case.id)).all()


# --- query strings -----------------------------------------------------------------------------

LIST_ARGS = ["page", "page_size", "sort", "desc", "search", "flt0_0", "flt1_5", "flt2_12", "id"]


@pytest.mark.parametrize("screen", ["case", "applicant", "certificate", "audit", "schedule"])
def test_list_query_strings_survive_hostile_input(world, screen):
    client = world.client(Role.ADMIN if screen != "case" else Role.SECRETARIAT)
    before = db.session.scalar(select(func.count(Case.id)))

    @FUZZ
    @given(args=_payload(LIST_ARGS), path=st.sampled_from(["", "details/", "export/csv/"]))
    def get(args, path):
        _count(f"/admin/{screen}/")
        response = client.get(f"/admin/{screen}/{path}", query_string=args)
        response.get_data()
        check(response, {}, accepted=True)

    get()
    assert db.session.scalar(select(func.count(Case.id))) == before


@pytest.mark.parametrize(
    ("url", "args"),
    [
        ("/verifikasi", ["nomor", "kode"]),
        ("/jadwal", ["page", "q"]),
        ("/", ["next"]),
        ("/login", ["next"]),
        ("/admin/case/ajax/lookup/", ["name", "query", "offset", "limit"]),
        ("/documents/certificates/register.pdf", ["from", "to"]),
    ],
)
def test_public_and_lookup_query_strings_survive_hostile_input(world, url, args):
    client = world.client(Role.SECRETARIAT if url.startswith(("/admin", "/doc")) else None)

    @FUZZ
    @given(query=_payload(args))
    def get(query):
        _count(url)
        before = row_counts()
        response = client.get(url, query_string=query)
        response.get_data()
        check(response, before, accepted=False)

    get()


def test_login_and_language_forms_survive_hostile_input(world):
    client = world.client()
    token = world.token(client)

    @FUZZ
    @given(
        data=_payload(["username", "password", "remember", "next"]),
        code=st.sampled_from(["id", "en", "xx", "%00", "..", "ID"]),
    )
    def post(data, code):
        _count("/login and /lang")
        before = row_counts()
        for url in ("/login", f"/lang/{code}"):
            response = client.post(url, data={**data, "csrf_token": token})
            check(response, before, accepted=False)
            location = response.headers.get("Location", "/")
            assert location.startswith("/") and not location.startswith("//"), location

    post()
