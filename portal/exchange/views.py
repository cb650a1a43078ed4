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

from ..admin_views.base import deny_access
from ..admin_views.export import MIMETYPES, table_body
from ..admin_views.people import APPLICANT_LABELS
from ..casework import Settings
from ..casework.imports import import_applications, record_bnsp_numbers
from ..extensions import db
from ..i18n import translate
from ..models import Case, Schedule
from ..rules import bnsp
from ..rules.access import can_read, can_write
from ..rules.workflow import Refusal
from . import bnsp_numbers, bnsp_sheet, intake, pending, reading, template

SCREEN = "exchange"
RECENT_SCHEDULES = 50  # offered on the index page; any other by its id or the case list


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

    @expose("/bnsp-sheet/download/")
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
        rows = bnsp_sheet.cells(db.session, condition)
        body = table_body(kind, list(bnsp.COLUMNS), iter(rows), "BNSP")
        return Response(  # streamed: the rows are read as the file is sent
            stream_with_context(body),
            mimetype=MIMETYPES[kind],
            headers={"Content-Disposition": f"attachment; filename=bnsp-{title}.{kind}"},
        )

    # --- BNSP numbers back in ------------------------------------------------------------------

    @expose("/bnsp-numbers/", methods=("GET", "POST"))
    def numbers(self) -> Any:
        """Upload a sheet of BNSP numbers (POST), then its preview."""
        self._need_write()
        if request.method == "GET":
            return self.render("admin/exchange/numbers_upload.html")
        token = self._keep_upload("numbers")
        return self._numbers_preview(token) if token else redirect(url_for(".numbers"))

    @expose("/bnsp-numbers/commit/", methods=("POST",))
    def numbers_commit(self) -> Any:
        """Write the previewed numbers: all, and only when no row has an error."""
        self._need_write()
        token = request.form.get("token", "")
        kept = pending.load(token, "numbers")
        if kept is None:
            flash(gettext("The upload has expired: upload the file again."), "error")
            return redirect(url_for(".numbers"))
        result = self._read_numbers(*kept)
        if result is None:
            return redirect(url_for(".numbers"))
        if result.errors:
            flash(gettext("Nothing was recorded: the file has rows with errors."), "error")
            return self._numbers_preview(token)
        try:
            done = record_bnsp_numbers(db.session, current_user, result.to_commit(), kept[1])
        except Refusal as refusal:
            flash(translate(refusal), "error")
            return self._numbers_preview(token)
        pending.discard(token)
        flash(gettext("BNSP numbers recorded on %(num)d certificates.", num=done), "success")
        return redirect(url_for(".numbers"))

    def _numbers_preview(self, token: str) -> Any:
        kept = pending.load(token, "numbers")
        result = self._read_numbers(*kept) if kept else None
        if result is None:
            return redirect(url_for(".numbers"))
        return self.render(
            "admin/exchange/numbers_preview.html", preview=result, token=token, filename=kept[1]
        )

    def _read_numbers(self, data: bytes, filename: str) -> bnsp_numbers.NumberPreview | None:
        try:
            table = reading.read(data, filename, current_app.config["IMPORT_MAX_ROWS"])
            return bnsp_numbers.preview(db.session, table, _today())
        except reading.FileRefused as refused:
            flash(translate(refused.message), "error")
            return None

    # --- applicants and cases in bulk ------------------------------------------------------------

    @expose("/intake/", methods=("GET", "POST"))
    def intake(self) -> Any:
        """Upload an intake file (POST), then its preview."""
        self._need_write()
        if request.method == "GET":
            return self.render("admin/exchange/intake_upload.html")
        token = self._keep_upload("intake")
        return self._intake_preview(token) if token else redirect(url_for(".intake"))

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

    @expose("/intake/commit/", methods=("POST",))
    def intake_commit(self) -> Any:
        """Import the valid rows of the previewed file (or, with `cancel`, nothing)."""
        self._need_write()
        token = request.form.get("token", "")
        kept = pending.load(token, "intake")
        if kept is None:
            flash(gettext("The upload has expired: upload the file again."), "error")
            return redirect(url_for(".intake"))
        if request.form.get("cancel"):
            pending.discard(token)
            flash(gettext("Nothing was imported."), "info")
            return redirect(url_for(".intake"))
        checked = self._read_intake(*kept)
        if checked is None:
            return redirect(url_for(".intake"))
        accepted = request.form.getlist("update", type=int)
        result = import_applications(
            db.session, current_user, checked.applications(accepted), kept[1], _today()
        )
        pending.discard(token)
        refused = [(row.row, row.name, row.errors) for row in checked.invalid]
        refused += [(n, _name_of(checked, n), {"": reason}) for n, reason in result.refused]
        return self.render(
            "admin/exchange/intake_result.html",
            result=result,
            refused=sorted(refused, key=lambda r: r[0]),
            filename=kept[1],
        )

    def _intake_preview(self, token: str) -> Any:
        kept = pending.load(token, "intake")
        checked = self._read_intake(*kept) if kept else None
        if checked is None:
            return redirect(url_for(".intake"))
        return self.render(
            "admin/exchange/intake_preview.html",
            preview=checked,
            token=token,
            filename=kept[1],
            labels=APPLICANT_LABELS,
        )

    def _read_intake(self, data: bytes, filename: str) -> intake.IntakePreview | None:
        try:
            max_rows = current_app.config["IMPORT_MAX_ROWS"]
            table = reading.read(data, filename, max_rows, sheet=template.DATA)
            return intake.preview(db.session, table, _today())
        except reading.FileRefused as refused:
            flash(translate(refused.message), "error")
            return None

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


def _name_of(checked: intake.IntakePreview, number: int) -> str:
    return next((row.name for row in checked.rows if row.row == number), "")


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
