"""Access control, route by route: every rule of the URL map × each of its methods × anonymous
and every role, judged against the access table (`rules/access.py`) and the transition table;
object-level scoping for an asesor; and an audit log that nobody can write.

The expected answer is derived from the tables, never from the views under test: anonymous
visitors are sent to the login page everywhere but the public pages; a role gets 403 where the
tables give it no business; nothing answers 500. A route that appears in the URL map without an
expectation here fails the test, so a new route cannot slip in unguarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

import pytest
from flask_admin.model import BaseModelView
from sqlalchemy import func, select

from portal.admin_views.certificates import DOWNLOAD
from portal.casework.heads import HEAD_ROLES
from portal.extensions import db
from portal.models import AuditEvent, Case
from portal.rules import certificates as certs
from portal.rules import workflow
from portal.rules.access import SCREENS
from portal.rules.account_link import LINK_CONFIRMERS
from portal.rules.meetings import ADDENDUM_ROLES
from portal.rules.vocabulary import Role
from portal.rules.workflow import Action
from tests.security_world import World, built_world, row_counts

IDENTITIES = [None, *Role]  # None: an anonymous visitor
PUBLIC = {
    "public.index",
    "public.schedules",
    "public.verify",
    "attachments.public_document",
    "i18n.switch_language",
    "auth.login",
    "static",
    "admin.static",
}
ANY_STAFF = {
    "admin.index",
    "account.index",
    "account.digest",
    "jobs.index",
    "jobs.show",
    "jobs.download",
}
HEADS = "admin.heads_view"  # the heads' dashboard: for casework.heads.HEAD_ROLES
# The applicant portal: its account pages are open to anyone; the rest needs an applicant's
# session (anonymous visitors are sent to its sign-in page, staff are refused: tested with
# applicants themselves in test_applicant_access.py).
APPLICANT_OPEN = {
    "asesi.register",
    "asesi.sign_in",
    "asesi.confirm",
    "asesi.resend",
    "asesi.forgot",
    "asesi.reset",
}
READ, WRITE = "read", "write"
# Routes outside Flask-Admin: the screen whose access they follow, and what they need of it.
PLAIN = {
    "attachments.upload": ("attachment", WRITE),
    "attachments.verdict": ("attachment", WRITE),
    "attachments.download": ("attachment", READ),
    "attachments.new_public_document": ("public_document", WRITE),
    "documents.certificate": ("certificate", READ),
    "documents.certificates_zip": ("certificate", READ),
    "documents.register": ("certificate", READ),
    "documents.badges": ("case", READ),
    "documents.case_badge": ("case", READ),
    "documents.application_form": ("case", READ),
    "documents.self_assessment_form": ("case", READ),
    "documents.minutes": ("decision_meeting", READ),
    "jobs.certificate_zip": ("certificate", READ),
    "documents.case_form": ("case", READ),
    "documents.appeal_form": ("appeal", READ),
    "documents.assignment_letter": ("case", READ),
    "documents.attendance_list": ("case", READ),
    "exchange.index": ("exchange", READ),
    "exchange.sheet": ("exchange", READ),
    "exchange.sheet_download": ("exchange", READ),
    "exchange.numbers": ("exchange", WRITE),
    "exchange.numbers_commit": ("exchange", WRITE),
    "exchange.intake": ("exchange", WRITE),
    "exchange.intake_template": ("exchange", WRITE),
    "exchange.intake_commit": ("exchange", WRITE),
    "exchange.report": ("exchange", WRITE),
}
# Flask-Admin's endpoints of a model view, and ours; those taking a bulk action's name.
ACTION_ENDPOINTS = ("action_view", "act_view", "change_view")
ADMIN_ENDPOINTS = {
    "index_view",
    "details_view",
    "create_view",
    "edit_view",
    "delete_view",
    "ajax_update",
    "ajax_lookup",
    "export",
    *ACTION_ENDPOINTS,
    "recertify_view",
    "new_application_view",
    "addendum_view",
    "action_report",
}
STATIC_FILES = {"static": "css/portal.css", "admin.static": "admin/js/helpers.js"}
PERIOD = {"from": "2000-01-01", "to": "2100-12-31"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with built_world(tmp_path_factory.mktemp("access")) as built:
        yield built


# --- what the tables say ---------------------------------------------------------------------


def action_allowed(view: BaseModelView, role: Role, action: str) -> bool:
    """What the tables say of a bulk action: the transition table's roles for a case action, the
    certificate lifecycle's for a certificate change, and the screen's write for a delete."""
    if view.screen == "case" and action in set(Action):
        return bool(workflow_roles(action) & {role})
    if view.screen == "certificate" and action == DOWNLOAD:
        return True
    if view.screen == "certificate" and action in set(certs.CertificateAction):
        return role in certs.lifecycle_row(action).roles
    if view.screen == "outbox":
        return action == "send_again" and role in SCREENS["outbox"].write
    if view.endpoint == "applicant_link":
        return action == "confirm_link" and role in LINK_CONFIRMERS
    return action == "delete" and role in SCREENS[view.screen].write and view.allow_delete


def workflow_roles(action: str) -> frozenset[str]:
    """The roles the transition table lets take an action anywhere in the flow."""
    return frozenset().union(*(row.roles for row in workflow.rows(action)))


def admin_allows(view: BaseModelView, name: str, role: Role, action: str | None) -> bool:
    """What the access table lets a role do through one of a model view's endpoints."""
    access = SCREENS[view.screen]
    read, write = role in access.read, role in access.write
    may_act = action is not None and action_allowed(view, role, action)
    return {
        "index_view": read,
        "details_view": read,
        "create_view": write and view.allow_create,
        "edit_view": write and view.allow_edit,
        "delete_view": write and view.allow_delete,
        "ajax_update": write and view.allow_edit,
        "ajax_lookup": write and (view.allow_create or view.allow_edit),
        # An asesor reads only the cases assigned to them: no bulk copy of personal data.
        "export": read and view.allow_export and role != Role.ASSESSOR,
        "action_view": read and may_act,
        "act_view": read and may_act,
        "change_view": read and may_act and action != DOWNLOAD,
        "recertify_view": read and role in certs.RECERTIFICATION_ROLES,
        "new_application_view": read and role in workflow.NEW_APPLICATION_ROLES,
        "addendum_view": read and role in ADDENDUM_ROLES,
        "action_report": read,  # the report of one's own action job (another's is not found)
    }[name]


def expected(app, endpoint: str, role: Role | None, action: str | None) -> str:
    """`open`, `login` (anonymous sent to log in) or `denied` (403), from the tables."""
    if endpoint in PUBLIC | APPLICANT_OPEN:
        return "open"
    if endpoint.startswith("asesi."):
        return "applicant_login" if role is None else "denied"
    if role is None or endpoint == "auth.logout":  # logging out ends on the login page too
        return "login"
    if endpoint in ANY_STAFF:
        return "open"
    if endpoint == HEADS:
        allowed = role in HEAD_ROLES
    elif endpoint in PLAIN:
        screen, need = PLAIN[endpoint]
        allowed = role in getattr(SCREENS[screen], need)
    else:
        prefix, name = endpoint.split(".", 1)
        allowed = admin_allows(_views(app)[prefix], name, role, action)
    return "open" if allowed else "denied"


def _views(app) -> dict[str, BaseModelView]:
    """The admin's model views by endpoint."""
    admin = app.extensions["portal_admin"]
    return {view.endpoint: view for view in admin._views if isinstance(view, BaseModelView)}


def outcome(response) -> str:
    """How the app answered: `error`, `denied`, `login` or `open`."""
    if response.status_code >= 500:
        return "error"
    if response.status_code in (401, 403):
        return "denied"
    location = urlparse(response.headers.get("Location", "")).path
    if response.status_code in (301, 302, 303) and location == "/login":
        return "login"
    if response.status_code in (301, 302, 303) and location == "/asesi/masuk":
        return "applicant_login"
    return "open"


# --- the requests: one per rule, method and (for workflow actions) action -------------------


@dataclass(frozen=True)
class Probe:
    """One request of the matrix."""

    endpoint: str
    method: str
    url: str
    data: dict
    action: str | None = None


def probes(app, world: World) -> list[Probe]:
    """A request for every rule × method (× action), aimed at real rows; logout comes last."""
    views = _views(app)
    found = []
    for rule in app.url_map.iter_rules():
        prefix, _, name = rule.endpoint.partition(".")
        view = views.get(prefix)
        actions = _actions(view, name)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for action in actions:
                found.append(_probe(rule, method, view, name, action, world))
    return sorted(found, key=lambda p: (p.endpoint == "auth.logout", p.method, p.url))


def _actions(view: BaseModelView | None, name: str) -> list[str | None]:
    """The bulk actions to try on an action endpoint: each the view offers, and one it does not."""
    if view is None or name not in ACTION_ENDPOINTS:
        return [None]
    return [*(action for action, _label in view._actions), "delete", "no-such-action"]


def _probe(rule, method: str, view, name: str, action: str | None, world: World) -> Probe:
    """The request for one rule, method and action."""
    row = _row_id(view, world) if view is not None else None
    values = {
        "case_id": world.own_case,
        "attachment_id": world.own_attachment,
        "document_id": world.public_document,
        "certificate_id": _min_id("certificate"),
        "meeting_id": _min_id("decision_meeting"),
        "schedule_id": _min_id("schedule"),
        "job_id": 1,
        "appeal_id": _min_id("appeal") or 1,
        "kind": "assessment-plan",
        "export_type": "csv",
        "code": "id",
        "action": action,
        "filename": STATIC_FILES.get(rule.endpoint),
        "token": "not-a-valid-token",
    }
    path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
    query, data = _arguments(rule.endpoint, name, view, row, action)
    if method == "GET":
        query, data = {**query, **data}, {}
    url = path + ("?" + urlencode(query, doseq=True) if query else "")
    return Probe(rule.endpoint, method, url, data, action)


def _arguments(endpoint: str, name: str, view, row: int | None, action: str | None):
    """The query string and form of a request: ids of real rows, a period, an action."""
    if name in ("details_view", "edit_view", "act_view", "change_view"):
        return {"id": row}, {}
    if name == "ajax_lookup":
        return {"name": next(iter(view._form_ajax_refs), "none"), "query": "a"}, {}
    if name == "action_view":
        return {}, {"action": action, "rowid": row}
    if name in ("delete_view", "recertify_view", "new_application_view"):
        return {}, {"id": row}
    return {
        "documents.register": (PERIOD, {}),
        "documents.certificates_zip": (PERIOD, {}),
        "jobs.certificate_zip": (PERIOD, {}),
        "i18n.switch_language": ({}, {"next": "/jadwal"}),
        "auth.login": ({}, {"username": "nobody", "password": "wrong-password"}),
    }.get(endpoint, ({}, {}))


def _row_id(view: BaseModelView, world: World) -> int:
    """The row a view's record pages aim at: the asesor's own case, else the newest row."""
    if view.screen == "case":
        return world.own_case
    return db.session.scalar(select(func.max(view.model.id)))


def _min_id(table: str) -> int:
    """The first row of a table."""
    model = next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == table)
    return db.session.scalar(select(func.min(model.id)))


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", IDENTITIES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_answers_each_role_as_the_access_table_says(world, role):
    app = world.app
    client = world.client(role)
    token = world.token(client)
    wrong = []
    checked = probes(app, world)
    for probe in checked:
        data = {"csrf_token": token, **probe.data} if probe.method == "POST" else None
        response = client.open(probe.url, method=probe.method, data=data)
        response.get_data()  # a streamed body fails while it is read
        want = expected(app, probe.endpoint, role, probe.action)
        got = outcome(response)
        if got != want:
            wrong.append(
                f"{probe.method} {probe.url} {probe.data}: {response.status_code}, want {want}"
            )
    rules = {p.endpoint + p.method for p in checked}
    print(
        f"\naccess matrix [{role.value if role else 'anonymous'}]: {len(checked)} requests "
        f"({len(rules)} rule×method pairs, workflow actions expanded), {len(wrong)} wrong"
    )
    assert wrong == []


def test_every_route_has_an_expectation(world):
    views = _views(world.app)
    unknown = []
    for rule in world.app.url_map.iter_rules():
        prefix, _, name = rule.endpoint.partition(".")
        known = (
            rule.endpoint in PUBLIC | ANY_STAFF | set(PLAIN) | {"auth.logout", HEADS}
            or prefix == "asesi"
            or (prefix in views and name in ADMIN_ENDPOINTS)
        )
        if not known:
            unknown.append(rule.endpoint)
    assert unknown == [], "add these routes to the access expectations of this test"


# --- object level: an asesor and a case not assigned to them ----------------------------------


def _status(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).status


def test_an_asesor_does_not_see_a_case_of_another_asesor_in_any_list(world):
    client = world.client(Role.ASSESSOR)
    other = db.session.get(Case, world.other_case)
    own = db.session.get(Case, world.own_case)
    listing = client.get("/admin/case/?page_size=100").get_data(as_text=True)
    searched = client.get(f"/admin/case/?search={other.reg_number}").get_data(as_text=True)
    assert own.reg_number in listing
    assert other.reg_number not in listing
    assert other.applicant.nik not in searched  # the search term itself is echoed back
    assert own.applicant.nik in client.get(f"/admin/case/?search={own.reg_number}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/case/details/?id={other}",
        "/admin/case/edit/?id={other}",
        "/berkas/lampiran/{attachment}",
        "/documents/cases/{other}/fr-apl-01.pdf",
        "/documents/cases/{other}/fr-apl-02.pdf",
        "/admin/case/act/recommend/?id={other}",
        "/admin/case/ajax/lookup/?name=applicant&query=a",
    ],
)
def test_an_asesor_cannot_open_a_case_of_another_asesor(world, url):
    client = world.client(Role.ASSESSOR)
    other = db.session.get(Case, world.other_case)
    response = client.get(url.format(other=other.id, attachment=world.other_attachment))
    assert response.status_code in (302, 403, 404)
    body = response.get_data(as_text=True)
    assert other.reg_number not in body and other.applicant.nik not in body
    if response.status_code == 302:  # Flask-Admin's "record does not exist", or "choose a case"
        assert urlparse(response.headers["Location"]).path == "/admin/case/"


def test_the_same_pages_open_for_the_asesors_own_case(world):
    client = world.client(Role.ASSESSOR)
    for url in (
        f"/admin/case/details/?id={world.own_case}",
        f"/berkas/lampiran/{world.own_attachment}",
        f"/documents/cases/{world.own_case}/fr-apl-01.pdf",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("action", [a.value for a in Action if Role.ASSESSOR in workflow_roles(a)])
def test_an_asesor_cannot_act_on_a_case_of_another_asesor_by_posting_its_id(world, action):
    client = world.client(Role.ASSESSOR)
    token = world.token(client)
    before = _status(world.other_case), row_counts()
    other = str(world.other_case)
    bulk = client.post(
        "/admin/case/action/", data={"csrf_token": token, "action": action, "rowid": other}
    )
    form = client.post(
        f"/admin/case/act/{action}/",
        data={"csrf_token": token, "apply": "1", "id": other, "reason": "x", "tools": "x"},
    )
    other_case = db.session.get(Case, world.other_case)
    everything = client.post(
        f"/admin/case/act/{action}/?all=1&search={other_case.applicant.nik}",
        data={"csrf_token": token, "apply": "1"},
    )
    for response in (bulk, form, everything):
        assert response.status_code in (200, 302)
        assert other_case.reg_number not in response.get_data(as_text=True)
    assert (_status(world.other_case), row_counts()) == before


# --- the audit log is read-only for everyone --------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_audit_log_cannot_be_written_by_any_role(world, role):
    client = world.client(role)
    token = world.token(client)
    event = db.session.scalar(select(func.max(AuditEvent.id)))
    before = row_counts()
    attempts = {
        ("GET", "/admin/audit/new/"): {},
        ("POST", "/admin/audit/new/"): {"action": "submit", "note": "forged"},
        ("GET", f"/admin/audit/edit/?id={event}"): {},
        ("POST", f"/admin/audit/edit/?id={event}"): {"action": "submit", "note": "forged"},
        ("POST", "/admin/audit/delete/"): {"id": event},
        ("POST", "/admin/audit/action/"): {"action": "delete", "rowid": event},
        ("POST", "/admin/audit/ajax/update/"): {"list_form_pk": event, "note": "forged"},
    }
    for (method, url), data in attempts.items():
        form = {"csrf_token": token, **data} if method == "POST" else None
        assert client.open(url, method=method, data=form).status_code == 403, (method, url)
    assert row_counts() == before
    note = db.session.scalar(select(AuditEvent.note).where(AuditEvent.id == event))
    assert note != "forged"
