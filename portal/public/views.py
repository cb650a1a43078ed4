"""The public pages: what anyone may see without logging in."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Certificate, Schedule

bp = Blueprint("public", __name__)


@bp.route("/")
def index() -> Any:
    """The home page is the schedule."""
    return redirect(url_for("public.schedules"))


@bp.route("/jadwal")
def schedules() -> Any:
    """Upcoming published schedules (seed 2.1)."""
    rows = db.session.scalars(
        select(Schedule)
        .options(joinedload(Schedule.scheme), joinedload(Schedule.tuk))
        .where(Schedule.published.is_(True), Schedule.ends_on >= date.today())
        .order_by(Schedule.starts_on)
        .limit(100)
    ).all()
    return render_template("public/schedules.html", schedules=rows)


@bp.route("/verifikasi")
def verify() -> Any:
    """Look a certificate up by its number or by the code in its QR."""
    number = (request.args.get("nomor") or "").strip()[:80]
    code = (request.args.get("kode") or "").strip()[:32]
    certificate = None
    if code:
        certificate = db.session.scalar(
            select(Certificate)
            .options(joinedload(Certificate.scheme))
            .where(Certificate.verify_code == code)
        )
    elif number:
        certificate = db.session.scalar(
            select(Certificate)
            .options(joinedload(Certificate.scheme))
            .where(Certificate.number == number)
        )
    searched = bool(number or code)
    return render_template(
        "public/verify.html", certificate=certificate, searched=searched, number=number
    )
