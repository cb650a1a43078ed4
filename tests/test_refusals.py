"""A `Refusal` of the service raised inside any view becomes a message in one place
(security.py's error handler): a form posted from a page goes back to it with the reason,
anything else gets a 409 page with the reason; nothing is changed either way."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case
from portal.rules.vocabulary import N_
from portal.rules.workflow import Refusal
from tests.conftest import login, make_user
from tests.test_case_actions import make_case

NOT_AT_LIMIT = "A new application starts from a case only when a unit reached the limit."


def _cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def _refused_post(client, catalogue, **headers):
    """Post "start a new application" for a case whose units never reached the limit."""
    case = make_case(catalogue)
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    page_url = f"/admin/case/details/?id={case.id}"
    page = client.get(page_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    before = _cases()
    response = client.post(
        "/admin/case/new-application/",
        data={"csrf_token": token, "id": str(case.id)},
        headers={key: value.format(page=page_url) for key, value in headers.items()},
    )
    assert _cases() == before  # nothing was started
    return response, page_url


def test_a_refused_form_goes_back_to_its_page_with_the_reason(client, catalogue):
    response, page_url = _refused_post(client, catalogue, Referer="http://localhost{page}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://localhost{page_url}"
    shown = client.get(page_url).get_data(as_text=True)
    assert NOT_AT_LIMIT in shown


def test_a_refused_post_from_another_site_or_none_gets_a_409_page(client, catalogue):
    response, _page_url = _refused_post(client, catalogue, Referer="https://evil.example{page}")
    assert response.status_code == 409
    assert NOT_AT_LIMIT in response.get_data(as_text=True)


def test_a_refused_get_gets_a_409_page_with_the_reason(app, client):
    @app.get("/refused-here")
    def _refuses():
        raise Refusal(N_("Already done by someone else."))

    response = client.get("/refused-here", headers={"Referer": "http://localhost/"})
    assert response.status_code == 409
    assert "Sudah dilakukan oleh orang lain." in response.get_data(as_text=True)  # in Indonesian


def test_a_refused_post_asking_for_json_gets_a_409(client, catalogue):
    response, _page_url = _refused_post(
        client, catalogue, Referer="http://localhost{page}", Accept="application/json"
    )
    assert response.status_code == 409
