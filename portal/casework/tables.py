"""The tables the service writes with Core statements, named once."""

from sqlalchemy import Table

from ..models import (
    Appeal,
    Applicant,
    Assessor,
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    Element,
    Kuk,
    KukAnswer,
    Scheme,
    User,
)

CASE: Table = Case.__table__
UNIT: Table = CaseUnit.__table__
CERT: Table = Certificate.__table__
USER: Table = User.__table__
APPLICANT: Table = Applicant.__table__
SCHEME: Table = Scheme.__table__
ASSESSOR: Table = Assessor.__table__
AUDIT: Table = AuditEvent.__table__
APPEAL: Table = Appeal.__table__
ELEMENT: Table = Element.__table__
KUK: Table = Kuk.__table__
KUK_ANSWER: Table = KukAnswer.__table__
