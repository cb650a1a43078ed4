"""The exchange screens under /admin/exchange/: the BNSP sheet with its pre-check, and the
imports (upload, preview, commit). Access follows the `exchange` row of `rules/access.py`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import ColumnElement, select
from werkzeug.datastructures import MultiDict

from .. import jobs
from ..admin_views.base import deny_access
from ..admin_views.export import MIMETYPES, csv_delimiter, table_body
from ..admin_views.people import APPLICANT_LABELS
from ..casework import Settings
from ..extensions import db
from ..i18n import translate
from ..models import Case, Job, Schedule
from ..rules import bnsp
from ..rules.access import can_read, can_write
from . import bnsp_sheet, import_jobs, pending, reading, template
from .import_jobs import INTAKE, NUMBERS

SCREEN = "exchange"
RECENT_SCHEDULES = 50  # offered on the index page; any other by its id or the case list
UPLOAD = {INTAKE: ".intake", NUMBERS: ".numbers"}
IMPORT_JOBS = (import_jobs.CHECK, import_jobs.COMMIT)


def _roles() -> frozenset[str]:
    return current_user.roles if current_user.is_authenticated else frozenset()


class ExchangeView(BaseView):
    """The BNSP sheet and the imports."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can_read(SCREEN, _roles())

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny_access()

    @property
    def writable(self) -> bool:
        return current_user.is_authenticated and can_write(SCREEN, _roles())

    @expose("/")
    def index(self) -> Any:
        recent = select(Schedule).order_by(Schedule.starts_on.desc()).limit(RECENT_SCHEDULES)
        return self.render(
            "admin/exchange/index.html",
            schedules=db.session.scalars(recent).all(),
            writable=self.writable,
        )

    # --- the BNSP sheet ------------------------------------------------------------------------

    @expose("/bnsp-sheet/")
    def sheet(self) -> Any:
        """The pre-check of a sheet: every gap with a link to fix it, and the download form."""
        scope = self._sheet_scope()
        if scope is None:
            return redirect(url_for(".index"))
        title, condition = scope
        result = bnsp_sheet.check(db.session, condition)
        return self.render(
            "admin/exchange/sheet_check.html",
            title=title,
            result=result,
            columns=bnsp.COLUMNS,
            args=_args_without("format", "accept"),
        )

    @expose("/bnsp-sheet/download/", methods=("GET", "POST"))
    def sheet_download(self) -> Any:
        """The sheet itself, only when the pre-check is clean or its gaps were accepted."""
        kind = request.args.get("format", "xlsx")
        if kind not in MIMETYPES:
            abort(404)
        scope = self._sheet_scope()
        if scope is None:
            return redirect(url_for(".index"))
        title, condition = scope
        if request.args.get("accept") != "1" and not bnsp_sheet.check(db.session, condition).clean:
            flash(gettext("The sheet has gaps: fix them, or accept them to download."), "error")
            return redirect(url_for(".sheet", **_args_without("format", "accept")))
        ids = bnsp_sheet.case_ids(db.session, condition)
        if len(ids) > current_app.config["INLINE_MAX_ROWS"]:  # a job, started by a POST
            if request.method == "GET":
                back = url_for(".sheet", **_args_without("format", "accept"))
                heading = f"{gettext('BNSP reporting sheet')}: {title}"
                return self.render("admin/job_confirm.html", title=heading, back=back)
            params = {
                "ids": ids,
                "type": kind,
                "delimiter": csv_delimiter(request.args.get("delimiter")),
                "filename": f"bnsp-{title}.{kind}",
            }
            name = gettext("BNSP sheet: %(name)s (%(count)s rows)", name=title, count=len(ids))
            job = jobs.start(db.session, current_user.id, "bnsp_sheet", name, params)
            return redirect(url_for("jobs.show", job_id=job.id))
        rows = bnsp_sheet.cells(db.session, condition)
        body = table_body(kind, list(bnsp.COLUMNS), iter(rows), "BNSP")
        return Response(  # streamed: the rows are read as the file is sent
            stream_with_context(body),
            mimetype=MIMETYPES[kind],
            headers={"Content-Disposition": f"attachment; filename=bnsp-{title}.{kind}"},
        )

    # --- the imports: upload, preview, commit (on the worker), report ------------------------

    @expose("/bnsp-numbers/", methods=("GET", "POST"))
    def numbers(self) -> Any:
        """Upload a sheet of BNSP numbers (POST), then its preview."""
        return self._upload(NUMBERS, "admin/exchange/numbers_upload.html")

    @expose("/intake/", methods=("GET", "POST"))
    def intake(self) -> Any:
        """Upload an intake file (POST), then its preview."""
        return self._upload(INTAKE, "admin/exchange/intake_upload.html")

    @expose("/intake/template.xlsx")
    def intake_template(self) -> Any:
        """The template to fill, with the code tables as drop-downs and the explanation sheet."""
        self._need_write()
        rows = current_app.config["IMPORT_MAX_ROWS"]
        return Response(
            template.workbook(db.session, _today(), rows),
            mimetype=MIMETYPES["xlsx"],
            headers={"Content-Disposition": "attachment; filename=template-asesi.xlsx"},
        )

    @expose("/bnsp-numbers/commit/", methods=("POST",))
    def numbers_commit(self) -> Any:
        """Record the previewed numbers on the worker: all, or none when a row has an error."""
        return self._commit(NUMBERS, {})

    @expose("/intake/commit/", methods=("POST",))
    def intake_commit(self) -> Any:
        """Import the valid rows of the previewed file on the worker (or, with `cancel`,
        nothing)."""
        if request.form.get("cancel"):
            self._need_write()
            pending.discard(request.form.get("token", ""))
            flash(gettext("Nothing was imported."), "info")
            return redirect(url_for(".intake"))
        return self._commit(INTAKE, {"updates": request.form.getlist("update", type=int)})

    @expose("/job/<int:job_id>/")
    def report(self, job_id: int) -> Any:
        """The report of an import job: the preview of a checked file, or what a commit did."""
        self._need_write()
        job = db.session.get(Job, job_id)
        if job is None or job.user_id != current_user.id or job.kind not in IMPORT_JOBS:
            abort(404)
        if job.status != "done":
            return redirect(url_for("jobs.show", job_id=job.id))
        if not job.result_path:
            flash(gettext("The report has been removed: upload the file again."), "warning")
            return redirect(url_for(".index"))
        report = import_jobs.load(job.result_path)
        kind = report["kind"]
        if "file_refused" in report:
            flash(translate(report["file_refused"]), "error")
            return redirect(url_for(UPLOAD[kind]))
        if job.kind == import_jobs.CHECK:
            return self._preview(kind, report["preview"], job.params["token"], report["filename"])
        if kind == NUMBERS:
            return self.render("admin/exchange/numbers_result.html", report=report)
        return self.render(
            "admin/exchange/intake_result.html",
            made=report["made"],
            updated=report["updated"],
            refused=report["refused"],
            filename=report["filename"],
        )

    def _upload(self, kind: str, page: str) -> Any:
        """The upload form (GET); the upload kept, then previewed here or, when large, checked
        on the worker (POST)."""
        self._need_write()
        if request.method == "GET":
            return self.render(page)
        token = self._keep_upload(kind)
        kept = pending.load(token, kind) if token else None
        if kept is None:
            return redirect(url_for(UPLOAD[kind]))
        data, filename = kept
        if len(data) > current_app.config["IMPORT_INLINE_BYTES"]:
            return self._start(import_jobs.CHECK, kind, token, filename, {})
        check = import_jobs.check_intake if kind == INTAKE else import_jobs.check_numbers
        try:
            checked = check(db.session, data, filename, _today(), _no_progress)
        except reading.FileRefused as refused:
            flash(translate(refused.message), "error")
            return redirect(url_for(UPLOAD[kind]))
        return self._preview(kind, checked, token, filename)

    def _preview(self, kind: str, checked: Any, token: str, filename: str) -> Any:
        if kind == NUMBERS:
            return self.render(
                "admin/exchange/numbers_preview.html",
                preview=checked,
                token=token,
                filename=filename,
            )
        return self.render(
            "admin/exchange/intake_preview.html",
            preview=checked,
            token=token,
            filename=filename,
            labels=APPLICANT_LABELS,
        )

    def _commit(self, kind: str, extra: dict[str, Any]) -> Any:
        """Hand the previewed upload to the worker, once: its token leaves this session."""
        self._need_write()
        token = request.form.get("token", "")
        kept = pending.load(token, kind)
        if kept is None:
            flash(gettext("The upload has expired: upload the file again."), "error")
            return redirect(url_for(UPLOAD[kind]))
        pending.forget(token)
        return self._start(import_jobs.COMMIT, kind, token, kept[1], extra)

    def _start(
        self, job_kind: str, kind: str, token: str, filename: str, extra: dict[str, Any]
    ) -> Any:
        titles = {import_jobs.CHECK: gettext("Check"), import_jobs.COMMIT: gettext("Import")}
        job = jobs.start(
            db.session,
            current_user.id,
            job_kind,
            f"{titles[job_kind]}: {filename}"[:200],
            {"kind": kind, "token": token, "filename": filename, **extra},
        )
        return redirect(url_for("jobs.show", job_id=job.id))

    # --- shared ----------------------------------------------------------------------------------

    def _need_write(self) -> None:
        if not self.writable:
            abort(403)

    def _keep_upload(self, kind: str) -> str | None:
        """Keep the posted file for its preview; None (with a message) when none was sent."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("Choose a file to upload."), "error")
            return None
        return pending.keep(upload.read(), upload.filename, kind)

    def _sheet_scope(self) -> tuple[str, ColumnElement[bool]] | None:
        """What the sheet covers, from the query string: a schedule, a period of test dates, or
        the case list's filters (`from_list`). None (with a message) when it names none."""
        args = request.args
        if args.get("schedule_id", "").isdigit():
            schedule = db.session.get(Schedule, int(args["schedule_id"]))
            if schedule is None:
                abort(404)
            return _safe_name(schedule.code), Case.schedule_id == schedule.id
        if args.get("from_list") == "1":
            return "cases", Case.id.in_(_case_list_ids())
        try:
            start, end = date.fromisoformat(args["from"]), date.fromisoformat(args["to"])
        except (KeyError, ValueError):
            flash(gettext("Choose a schedule or a period of test dates."), "error")
            return None
        period = Case.assessment_date.between(start, end)
        return f"{start:%Y%m%d}-{end:%Y%m%d}", period


def _today() -> date:
    return Settings.of(current_app.config).today


def _no_progress(done: int, total: int) -> None:
    """A check in the request has no progress page to tell."""


def _case_list_ids() -> Any:
    """The ids of the cases the case list shows with the filters and search of this request."""
    view = next(v for v in current_app.extensions["portal_admin"]._views if v.endpoint == "case")
    list_args = view._get_list_extra_args()
    _, query = view.get_list(
        None, None, False, list_args.search, list_args.filters, execute=False, page_size=False
    )
    return query.with_entities(Case.id).order_by(None).scalar_subquery()


def _args_without(*names: str) -> MultiDict:
    """This request's query string without the named arguments."""
    kept = MultiDict(request.args)
    for name in names:
        kept.poplist(name)
    return kept


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)
