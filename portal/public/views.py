"""The public pages: what anyone may see without logging in (seed 2.1, RULES.md #14).

The verification page never receives a Certificate object: it gets a `PublicCertificate` built
from the few columns it may show, so no template change can leak the holder's NIK, address,
phone or e-mail.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..extensions import db
from ..models import Case, Certificate, PublicDocument, Schedule, Scheme, SignedCertificate
from ..rules.certificates import effective_status
from ..rules.schedules import SEATLESS_STATUSES, seats_left
from ..rules.vocabulary import CertificateStatus
from .ratelimit import limiter, verify_limit

bp = Blueprint("public", __name__)

NUMBER_MAX = 80
CODE_MAX = 32
NAME_MAX = 200
_NUMBER = re.compile(rf"[A-Za-z0-9./\-_ ]{{1,{NUMBER_MAX}}}")
_CODE = re.compile(rf"[A-Za-z0-9_\-]{{1,{CODE_MAX}}}")
DOCUMENT_ENDPOINT = "attachments.public_document"


@dataclass(frozen=True)
class PublicCertificate:
    """The only facts of a certificate that the public page shows."""

    number: str
    holder_name: str
    scheme_title: str
    scheme_number: str
    status: str
    issued_on: date
    expires_on: date
    # Who signed its PDF electronically (PAdES), for a certificate in force whose PDF is signed.
    signed_by: str | None = None


@bp.route("/")
def index() -> Any:
    """The home page is the schedule."""
    return redirect(url_for("public.schedules"))


def upcoming_schedules(today: date) -> list[tuple[Schedule, int]]:
    """Published schedules not yet over, each with its seats left, counted in one grouped query."""
    taken = (
        select(Case.schedule_id, func.count(Case.id).label("taken"))
        .where(Case.schedule_id.is_not(None), Case.status.not_in(SEATLESS_STATUSES))
        .group_by(Case.schedule_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Schedule, func.coalesce(taken.c.taken, 0))
        .outerjoin(taken, taken.c.schedule_id == Schedule.id)
        .options(joinedload(Schedule.scheme), joinedload(Schedule.tuk))
        .where(Schedule.published.is_(True), Schedule.ends_on >= today)
        .order_by(Schedule.starts_on, Schedule.id)
        .limit(100)
    ).all()
    return [(schedule, seats_left(schedule.quota, taken)) for schedule, taken in rows]


def published_documents(schedule_ids: list[int]) -> dict[int | None, list[PublicDocument]]:
    """Published downloads: the LSP's own (key None) and those of the listed schedules."""
    documents = db.session.scalars(
        select(PublicDocument)
        .where(
            PublicDocument.published.is_(True),
            or_(PublicDocument.schedule_id.is_(None), PublicDocument.schedule_id.in_(schedule_ids)),
        )
        .order_by(PublicDocument.title)
    ).all()
    grouped: dict[int | None, list[PublicDocument]] = defaultdict(list)
    for document in documents:
        grouped[document.schedule_id].append(document)
    return grouped


def document_url(document_id: int) -> str:
    """The download link of a public document: the attachments route when registered."""
    registered = DOCUMENT_ENDPOINT in current_app.view_functions
    rules = list(current_app.url_map.iter_rules(DOCUMENT_ENDPOINT)) if registered else []
    if rules and len(rules[0].arguments) == 1:
        (argument,) = rules[0].arguments
        return url_for(DOCUMENT_ENDPOINT, **{argument: document_id})
    return f"{request.script_root}/dokumen/{document_id}"


@bp.route("/jadwal")
def schedules() -> Any:
    """Upcoming schedules with seats left and deadlines, and the documents to download."""
    today = clock.lsp_today()
    rows = upcoming_schedules(today)
    documents = published_documents([schedule.id for schedule, _seats in rows])
    return render_template(
        "public/schedules.html",
        rows=rows,
        documents=documents,
        today=today,
        document_url=document_url,
    )


def same_name(typed: str, holder: str) -> bool:
    """True when the typed name is the holder's, whatever the case, spacing and composition."""

    def key(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).casefold().split())

    return bool(typed.strip()) and key(typed) == key(holder)


def find_certificate(
    number: str, code: str, today: date, name: str = ""
) -> PublicCertificate | None:
    """The public facts of the certificate with this verification code, or else with this number
    and holder's name: numbers are sequential, so a number alone would list holders by guessing."""
    column = Certificate.verify_code if code else Certificate.number
    row = db.session.execute(
        select(
            Certificate.number,
            Certificate.holder_name,
            Certificate.status,
            Certificate.issued_on,
            Certificate.expires_on,
            Scheme.title,
            func.coalesce(Scheme.number, Scheme.code),
            SignedCertificate.signer,
        )
        .join(Scheme, Scheme.id == Certificate.scheme_id)
        .outerjoin(SignedCertificate, SignedCertificate.certificate_id == Certificate.id)
        .where(column == (code or number))
    ).first()
    if row is None or not (code or same_name(name, row.holder_name)):
        return None
    number, holder, status, issued_on, expires_on, scheme_title, scheme_number, signer = row
    status = effective_status(status, expires_on, today)
    return PublicCertificate(
        number=number,
        holder_name=holder,
        scheme_title=scheme_title,
        scheme_number=scheme_number,
        status=status.value,
        issued_on=issued_on,
        expires_on=expires_on,
        signed_by=signer if status == CertificateStatus.ACTIVE else None,
    )


@bp.route("/verifikasi")
@limiter.limit(verify_limit)
def verify() -> Any:
    """Look a certificate up by its number and holder's name (`nomor`, `nama`), or by the code
    its QR carries (`kode`)."""
    number = " ".join((request.args.get("nomor") or "").split())
    name = " ".join((request.args.get("nama") or "").split())
    code = (request.args.get("kode") or "").strip()
    outcome, certificate = "form", None
    if code or number:
        well_formed = _CODE.fullmatch(code) if code else _NUMBER.fullmatch(number)
        if not well_formed:
            outcome = "malformed"
        elif not (code or name):
            outcome = "name_needed"
        else:
            certificate = find_certificate(number, code, clock.lsp_today(), name[:NAME_MAX])
            outcome = "found" if certificate else "not_found"
    return render_template(
        "public/verify.html",
        outcome=outcome,
        certificate=certificate,
        number=number[:NUMBER_MAX],
        name=name[:NAME_MAX],
    )
