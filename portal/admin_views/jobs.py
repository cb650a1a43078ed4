"""Pekerjaan saya: a person's jobs with their progress, and the start of a certificate ZIP.

The progress page reloads itself while the job runs (no script needed, nothing inline for the
CSP), shows done / total, percent and time left, and offers the result when it is done. Each
person sees only their own jobs: another's answers 404.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import clock, jobs
from ..documents.pdf import safe_filename
from ..documents.views import BadRequest, parse_period, visible_certificate_ids
from ..extensions import db
from ..models import Certificate, Job
from ..rules.access import can_read
from .base import deny_access

MY_JOBS_SHOWN = 50
# Jobs whose result is a report read on a page of its own (not a file to download).
REPORT_PAGES = {
    "import_check": "exchange.report",
    "import_commit": "exchange.report",
    "case_action": "case.action_report",
}


class JobsView(BaseView):
    """The signed-in person's jobs (menu: "My jobs")."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny_access()

    @expose("/")
    def index(self) -> Any:
        rows = db.session.scalars(
            select(Job)
            .where(Job.user_id == current_user.id)
            .order_by(Job.id.desc())
            .limit(MY_JOBS_SHOWN)
        ).all()
        return self.render(
            "admin/jobs.html", jobs=rows, progress=progress, report_pages=REPORT_PAGES
        )

    @expose("/<int:job_id>/")
    def show(self, job_id: int) -> Any:
        """The job's progress; once done, a job with a report goes on to its report's page."""
        job = self._own(job_id)
        if job.status == "done" and job.kind in REPORT_PAGES:
            return redirect(url_for(REPORT_PAGES[job.kind], job_id=job.id))
        return self.render("admin/job.html", job=job, progress=progress(job))

    @expose("/<int:job_id>/download")
    def download(self, job_id: int) -> Any:
        job = self._own(job_id)
        if job.status != "done" or not job.result_path or job.kind in REPORT_PAGES:
            abort(404)
        return send_file(
            job.result_path, as_attachment=True, download_name=job.result_name or f"job-{job.id}"
        )

    @expose("/certificate-zip", methods=("GET", "POST"))
    def certificate_zip(self) -> Any:
        """Confirm (GET) and start (POST) the ZIP of the certificates issued in a period."""
        if not can_read("certificate", current_user.roles):
            abort(403)
        try:
            start, end = parse_period(request.values)
        except BadRequest as error:
            flash(str(error), "warning")
            return redirect(url_for("certificate.index_view"))
        ids = visible_certificate_ids(Certificate.issued_on.between(start, end))
        form = FlaskForm()
        if request.method == "POST" and ids and form.validate_on_submit():
            name = safe_filename(f"sertifikat-{start.isoformat()}-{end.isoformat()}", ".zip")
            job = jobs.start(
                db.session,
                current_user.id,
                "certificate_zip",
                _period_title(start, end, len(ids)),
                {"ids": ids, "filename": name},
            )
            return redirect(url_for(".show", job_id=job.id))
        return self.render(
            "admin/job_new_zip.html", form=form, start=start, end=end, count=len(ids)
        )

    def _own(self, job_id: int) -> Job:
        job = db.session.get(Job, job_id)
        if job is None or job.user_id != current_user.id:
            abort(404)
        return job


def _period_title(start: date, end: date, count: int) -> str:
    """The job's name in the list (kept in the language of the person who started it)."""
    return gettext(
        "Certificates %(start)s – %(end)s (%(count)s)",
        start=start.isoformat(),
        end=end.isoformat(),
        count=count,
    )


def progress(job: Job) -> dict[str, Any]:
    """Percent done and the estimated seconds left (None until 5% is done)."""
    percent = int(100 * job.done / job.total) if job.total else 0
    if job.status == "done":
        percent = 100
    left = None
    # An estimate only after 5%: the first items also pay for starting the render processes.
    if job.status == "running" and job.started_at and job.total <= 20 * job.done < 20 * job.total:
        started = job.started_at
        if started.tzinfo is None:  # SQLite hands timestamps back without their zone (UTC)
            started = started.replace(tzinfo=UTC)
        spent = (clock.now() - started).total_seconds()
        left = int(spent / job.done * (job.total - job.done))
    return {
        "percent": percent,
        "seconds_left": left,
        "running": job.status in ("queued", "running"),
    }
