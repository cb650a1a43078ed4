"""The staff portal under /admin/: one Flask-Admin instance, built inside the factory."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..exchange.views import ExchangeView
from ..models import (
    Appeal,
    Applicant,
    ApplicantLink,
    Assessor,
    AuditEvent,
    BnspCode,
    Case,
    Certificate,
    Complaint,
    DecisionMeeting,
    Element,
    OutboxMessage,
    PublicDocument,
    Schedule,
    Scheme,
    SurveillanceReport,
    Tuk,
    Unit,
    User,
)
from ..rules.access import can_read
from ..security import csp_nonce
from . import kept
from .account import AccountView
from .cases import CaseView
from .catalogue import (
    BnspCodeView,
    ElementView,
    PublicDocumentView,
    ScheduleView,
    SchemeView,
    TukView,
    UnitView,
)
from .certificates import CertificateView
from .dashboard import DashboardView
from .jobs import JobsView
from .outbox import OutboxView
from .people import ApplicantLinkView, ApplicantView, AssessorView, UserView
from .records import (
    AppealView,
    AuditView,
    ComplaintView,
    DecisionMeetingView,
    SurveillanceView,
)

PROCESS = _l("Certification")
CATALOGUE = _l("Catalogue")
SYSTEM = _l("System")


def init_app(app: Flask) -> None:
    """Build the admin and add every screen, grouped in the menu by what staff do."""
    admin = Admin(
        app,
        name=app.config["LSP_NAME"],
        theme=Bootstrap4Theme(swatch="default", fluid=True),
        index_view=DashboardView(name=_l("Dashboard"), url="/admin", endpoint="admin"),
        translations_path=str(app.root_path + "/../translations"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(CaseView(Case, name=_l("Cases"), category=PROCESS))
    admin.add_view(ApplicantView(Applicant, name=_l("Asesi"), category=PROCESS))
    admin.add_view(
        ApplicantLinkView(
            ApplicantLink,
            name=_l("Account links to confirm"),
            category=PROCESS,
            endpoint="applicant_link",
        )
    )
    admin.add_view(
        DecisionMeetingView(DecisionMeeting, name=_l("Decision meetings"), category=PROCESS)
    )
    admin.add_view(CertificateView(Certificate, name=_l("Certificates"), category=PROCESS))
    admin.add_view(SurveillanceView(SurveillanceReport, name=_l("Surveillance"), category=PROCESS))
    admin.add_view(AppealView(Appeal, name=_l("Appeals"), category=PROCESS))
    admin.add_view(ComplaintView(Complaint, name=_l("Complaints"), category=PROCESS))
    admin.add_view(
        ExchangeView(name=_l("BNSP exchange"), endpoint="exchange", url="/admin/exchange")
    )
    admin.add_view(SchemeView(Scheme, name=_l("Skema"), category=CATALOGUE))
    admin.add_view(UnitView(Unit, name=_l("Unit kompetensi"), category=CATALOGUE))
    admin.add_view(
        ElementView(Element, name=_l("Elements and KUK"), category=CATALOGUE, endpoint="element")
    )
    admin.add_view(AssessorView(Assessor, name=_l("Asesor"), category=CATALOGUE))
    admin.add_view(TukView(Tuk, name=_l("TUK"), category=CATALOGUE))
    admin.add_view(ScheduleView(Schedule, name=_l("Schedules"), category=CATALOGUE))
    admin.add_view(
        PublicDocumentView(PublicDocument, name=_l("Public documents"), category=CATALOGUE)
    )
    admin.add_view(BnspCodeView(BnspCode, name=_l("BNSP codes"), category=SYSTEM))
    admin.add_view(UserView(User, name=_l("Users"), category=SYSTEM))
    admin.add_view(AuditView(AuditEvent, name=_l("Audit log"), category=SYSTEM))
    admin.add_view(OutboxView(OutboxMessage, name=_l("Outbox"), category=SYSTEM))
    admin.add_view(JobsView(name=_l("My jobs"), endpoint="jobs", url="/admin/jobs"))
    admin.add_view(AccountView(name=_l("My account"), endpoint="account", url="/admin/akun"))
    app.extensions["portal_admin"] = admin
    app.jinja_env.globals["kept_menu"] = kept.menu
    app.jinja_env.globals["can_read"] = lambda screen: (
        current_user.is_authenticated and can_read(screen, current_user.roles)
    )
