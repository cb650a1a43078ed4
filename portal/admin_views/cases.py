"""The case screen: applications from draft to certificate, scoped per asesor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.sqla.fields import QuerySelectMultipleField
from flask_admin.contrib.sqla.filters import (
    DateBetweenFilter,
    DateTimeBetweenFilter,
    FilterEmpty,
    FilterEqual,
    FilterInList,
)
from flask_admin.helpers import get_redirect_target
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select
from wtforms.fields import TextAreaField
from wtforms.validators import ValidationError

from .. import casework, clock, jobs
from ..casework import seats
from ..casework.verdicts import judge_attachments
from ..casework.waiting import case_worklist
from ..extensions import db
from ..i18n import translate
from ..models import (
    APPLICANT_NAME_FTS,
    Applicant,
    Assessor,
    Case,
    CaseUnit,
    Job,
    Schedule,
    Scheme,
    Tuk,
    Unit,
    scheme_unit,
)
from ..rules import workflow
from ..rules.chosen_units import chosen_units_refusal
from ..rules.vocabulary import (
    CASE_STATUS_LABELS,
    EDITABLE_CASE_STATUSES,
    N_,
    PURPOSE_LABELS,
    CaseStatus,
    Purpose,
)
from ..rules.waiting import case_step
from ..rules.workflow import Action, Refusal
from ..scoping import scope_cases
from . import case_actions, kept
from .base import SecureModelView
from .fields import LookupFilter, badge_formatter, choices, enum_formatter
from .listing import (
    ContainsThrough,
    FastListMixin,
    day_formatter,
    ids_matching,
    is_number,
    prefix_match,
    substring_match,
)

STATUS_CSS = {
    CaseStatus.DRAFT: "light",
    CaseStatus.SUBMITTED: "info",
    CaseStatus.RETURNED: "warning",
    CaseStatus.VERIFIED: "primary",
    CaseStatus.SELF_ASSESSED: "primary",
    CaseStatus.READY_FOR_ASSESSMENT: "primary",
    CaseStatus.ASSESSED: "primary",
    CaseStatus.COMPETENT: "success",
    CaseStatus.NOT_YET_COMPETENT: "danger",
    CaseStatus.CERTIFIED: "success",
    CaseStatus.APPEALED: "warning",
    CaseStatus.CLOSED: "dark",
    CaseStatus.WITHDRAWN: "dark",
}


NOT_EDITABLE = N_("The application can be changed only while it is a draft or returned.")


def _all_units():
    """Every unit, for the unit picker (the catalogue is small: tens of units per scheme)."""
    return db.session.scalars(select(Unit).order_by(Unit.code))


class CaseView(FastListMixin, SecureModelView):
    """Certification cases. The status is never edited here: only workflow actions change it."""

    screen = "case"
    list_template = "admin/case_list.html"
    details_template = "admin/case_details.html"
    column_list = (
        "reg_number",
        "applicant.full_name",
        "applicant.nik",
        "scheme.title",
        "tuk.name",
        "assessor.full_name",
        "status",
        "created_at",
    )
    list_nowrap_columns = ("reg_number", "applicant.nik", "created_at")
    list_row_values = ()  # the rows as values: the formatters read shown columns only
    column_select_related_list = (Case.applicant, Case.scheme, Case.tuk, Case.assessor)
    column_sortable_list = (
        "reg_number",
        "status",
        "created_at",
        "applicant.full_name",
    )
    column_default_sort = ("id", True)
    # matched by search_condition(): numbers by prefix, names by substring
    column_searchable_list = ("reg_number", "applicant.nik", "applicant.full_name")
    allow_export = True
    export_labels = {"status": CASE_STATUS_LABELS, "purpose": PURPOSE_LABELS}
    column_filters = (
        FilterEqual(
            Case.status, _l("Status"), options=lambda: choices(CaseStatus, CASE_STATUS_LABELS)
        ),
        FilterInList(
            Case.status, _l("Status"), options=lambda: choices(CaseStatus, CASE_STATUS_LABELS)
        ),
        LookupFilter(Case.scheme_id, _l("Skema"), Scheme, Scheme.title),
        LookupFilter(Case.tuk_id, _l("TUK"), Tuk, Tuk.name),
        LookupFilter(Case.assessor_id, _l("Asesor"), Assessor, Assessor.full_name),
        FilterEmpty(Case.assessor_id, _l("Asesor")),  # "Menunggu Anda": cases without an asesor
        # typed, not picked: schedules grow by one per scheme and week, too many for a dropdown
        FilterEqual(Schedule.code, _l("Schedule")),
        FilterEqual(
            Case.purpose,
            _l("Purpose of assessment"),
            options=lambda: choices(Purpose, PURPOSE_LABELS),
        ),
        DateBetweenFilter(Case.assessment_date, _l("Assessment date")),
        DateBetweenFilter(Case.decided_on, _l("Decided on")),
        DateTimeBetweenFilter(Case.created_at, _l("Created")),
        FilterEqual(Applicant.nik, _l("NIK")),
        ContainsThrough(Case.applicant_id, Applicant.full_name, _l("Asesi")),
    )
    form_columns = (
        "applicant",
        "scheme",
        "chosen_units",
        "purpose",
        "schedule",
        "seat_override_note",
        "tuk",
        "trainer",
        "declaration_signed",
        "declaration_name",
        "declaration_date",
    )
    form_extra_fields = {
        "chosen_units": QuerySelectMultipleField(
            _l("Unit kompetensi chosen"), query_factory=_all_units, allow_blank=False
        ),
        "seat_override_note": TextAreaField(
            _l("Override note for a full or closed schedule"),
            description=_l(
                "Kepala Bidang Sertifikasi only: with a note, the case is placed on a schedule "
                "that is full or past its registration deadline; the note goes into the audit trail."
            ),
        ),
    }
    form_choices = {"purpose": choices(Purpose, PURPOSE_LABELS)}
    form_ajax_refs = {
        "applicant": {"fields": ("nik", "full_name"), "page_size": 20},
        "trainer": {"fields": ("full_name", "username"), "page_size": 20},
        "schedule": {"fields": ("code",), "page_size": 20},
    }
    column_formatters = {
        "status": badge_formatter(CASE_STATUS_LABELS, STATUS_CSS),
        "purpose": enum_formatter(PURPOSE_LABELS),
        "created_at": day_formatter("created_at"),
    }
    column_labels = {
        "reg_number": _l("Registration no."),
        "applicant": _l("Asesi"),
        "applicant.full_name": _l("Asesi"),
        "applicant.nik": _l("NIK"),
        "scheme": _l("Skema"),
        "scheme.title": _l("Skema"),
        "tuk": _l("TUK"),
        "tuk.name": _l("TUK"),
        "assessor": _l("Asesor"),
        "assessor.full_name": _l("Asesor"),
        "schedule": _l("Schedule"),
        "status": _l("Status"),
        "purpose": _l("Purpose of assessment"),
        "trainer": _l("Trainer of the asesi (staff)"),
        "declaration_signed": _l("Declaration signed by the applicant"),
        "declaration_name": _l("Signed by (name)"),
        "declaration_date": _l("Signed on"),
        "created_at": _l("Created"),
        "assessment_date": _l("Assessment date"),
        "decided_on": _l("Decided on"),
    }

    def list_row_editable(self, row: Case) -> bool:
        """Only a draft or returned application can be changed (`on_model_change`)."""
        return row.status in EDITABLE_CASE_STATUSES

    def edit_refusal(self, model: Case) -> str | None:
        """A submitted application is not edited: its form is not shown (base `edit_view`)."""
        return None if self.list_row_editable(model) else gettext(NOT_EDITABLE)

    # --- workflow actions ---------------------------------------------------------------------

    def init_actions(self) -> None:
        """Offer every workflow action of the transition table in the list's action menu."""
        self._actions, self._actions_data = [], {}
        for action in Action:
            text = _l(workflow.label(action))
            self._actions.append((action.value, text))
            self._actions_data[action.value] = (self._action_handler(action), text, None)

    def _action_handler(self, action: Action):
        """The list-menu handler of an action: show its form for the checked cases."""
        return lambda ids: self._action_page(action, self.scoped_ids(ids), all_matching=False)

    def is_action_allowed(self, name: str) -> bool:
        try:
            action = Action(name)
        except ValueError:
            return False
        roles = frozenset().union(*(row.roles for row in workflow.rows(action)))
        return current_user.is_authenticated and bool(roles.intersection(current_user.roles))

    def action_refusals(self) -> dict[str, str]:
        """The actions that start from none of the statuses the list is filtered to, each with
        the statuses it needs (kept per language and statuses, kept.py)."""
        listed = self._listed_statuses()
        if listed is None:
            return {}

        def build() -> dict[str, str]:
            refusals = {a.value: workflow.listed_refusal(a, listed) for a in Action}
            return {name: translate(r) for name, r in refusals.items() if r is not None}

        return kept.kept(self._kept, ("refusals", str(get_locale()), listed), build)

    def _listed_statuses(self) -> frozenset[CaseStatus] | None:
        """The statuses the list shows, narrowed by its status filters and worklist step (each
        narrows the others), or None when it is not narrowed by status."""
        listed = None
        step = case_step(request.args.get("worklist"))
        if step is not None:
            listed = frozenset(step.statuses)
        for arg, value in request.args.items(multi=True):
            found = self._filter_args.get(arg[3:].partition("_")[2]) if arg[:3] == "flt" else None
            flt = found[1] if found else None
            if type(flt) not in (FilterEqual, FilterInList) or flt.column is not Case.status:
                continue
            values = flt.clean(value) if isinstance(flt, FilterInList) else [value]
            chosen = frozenset(s for s in CaseStatus if s.value in values)
            listed = chosen if listed is None else listed & chosen
        return listed

    @expose("/act/<action>/", methods=("GET", "POST"))
    def act_view(self, action: str) -> Any:
        """The form of an action for cases chosen by id or by the list's filter, and its result."""
        if not self.is_action_allowed(action):
            abort(403)
        all_matching = request.args.get("all") == "1"
        if all_matching:
            ids = self.matching_ids()
        else:
            ids = self.scoped_ids(request.values.getlist("id"))
        if not ids:
            flash(gettext("Choose at least one case."), "warning")
            return redirect(self._list_url())
        return self._action_page(Action(action), ids, all_matching)

    def _action_page(self, action: Action, ids: list[int], all_matching: bool) -> Any:
        """Show the action's form; when it is submitted and valid, apply it and show the report.
        One case's refused action comes back as its form, with the input and the reason."""
        single = len(ids) == 1
        page = casework.action_page(
            db.session, action, ids, current_user, current_app.config, _typed_date()
        )
        units = case_actions.unit_rows(ids) if action in case_actions.UNIT_INPUTS else []
        form = case_actions.build_form(action, units, single, page)
        submitted = request.method == "POST" and request.form.get("apply") == "1"
        refusal = None
        if submitted and form.validate():
            if all_matching and len(ids) > current_app.config["INLINE_MAX_ROWS"]:
                inputs = case_actions.inputs_from(form, action, units)
                return self._start_job(action, ids, inputs)
            try:
                outcome = self._apply(action, ids, form, page, units)
            except Refusal as refused:
                refusal = refused
            else:
                if not (single and outcome.skipped):
                    return self._report(action, outcome)
                refusal = outcome.skipped[0][2]
        cases = db.session.execute(
            select(Case.id, Case.reg_number, Applicant.full_name, Case.status)
            .join(Applicant, Applicant.id == Case.applicant_id)
            .where(Case.id.in_(ids[:20]))
            .order_by(Case.id)
        ).all()
        blocked = page.offer.refusal if page.offer else None
        return self.render(
            "admin/case_action.html",
            action=action,
            action_label=gettext(workflow.label(action)),
            form=form,
            page=page,
            refusal=translate(refusal) if refusal else None,
            blocked=translate(blocked) if blocked else None,
            ids=[] if all_matching else ids,
            count=len(ids),
            inline_max=current_app.config["INLINE_MAX_ROWS"],
            shown=cases,
            single=single,
            unit_fields=case_actions.unit_fields(form),
            common_fields=case_actions.common_fields(form),
            form_url=url_for(".act_view", action=action.value, **request.args),
            return_url=self._return_url(ids),
        )

    def _apply(
        self,
        action: Action,
        ids: list[int],
        form: Any,
        page: casework.ActionPage,
        units: list,
    ) -> casework.Outcome:
        """Record the verify form's checklist (its own transaction: the verdicts stand even
        when the verification is refused), then apply the action through the service."""
        if action == Action.VERIFY and page.attachments:
            verdicts = case_actions.verdicts_from(form, page)
            judged = judge_attachments(db.session, ids[0], current_user, verdicts)
            if judged:
                flash(
                    ngettext(
                        "Verdict recorded for %(num)d attachment.",
                        "Verdicts recorded for %(num)d attachments.",
                        len(judged),
                    ),
                    "info",
                )
        inputs = case_actions.inputs_from(form, action, units)
        return casework.apply(db.session, action, ids, current_user, inputs, current_app.config)

    def _start_job(self, action: Action, ids: list[int], inputs: dict[str, Any]) -> Any:
        """Many cases: the action runs on the worker, followed on the job's page."""
        title = gettext(
            "%(action)s: %(num)s cases", action=gettext(workflow.label(action)), num=len(ids)
        )
        params = {"action": action.value, "ids": ids, "inputs": jobs.jsonable(inputs)}
        job = jobs.start(db.session, current_user.id, "case_action", title, params)
        return redirect(url_for("jobs.show", job_id=job.id))

    @expose("/job/<int:job_id>/")
    def action_report(self, job_id: int) -> Any:
        """The report of an action run as a job: how many were done, each skipped with why."""
        job = db.session.get(Job, job_id)
        if job is None or job.user_id != current_user.id or job.kind != "case_action":
            abort(404)
        if job.status != "done" or not job.result_path:
            return redirect(url_for("jobs.show", job_id=job.id))
        report = json.loads(Path(job.result_path).read_text(encoding="utf-8"))
        skipped = [
            (cid, reg, translate(Refusal(msgid, **jobs.restored(params))))
            for cid, reg, msgid, params in report["skipped"]
        ]
        return self.render(
            "admin/case_action_report.html",
            action_label=gettext(workflow.label(Action(report["action"]))),
            done=report["done"],
            skipped=skipped,
            return_url=url_for(".index_view"),
        )

    def _return_url(self, ids: list[int]) -> str:
        """Cancel goes back where the action started: the case page for one case, else the list."""
        if len(ids) == 1 and request.method == "GET" and not request.args.get("all"):
            return url_for(".details_view", id=ids[0])
        return self._list_url()

    def _report(self, action: Action, outcome: casework.Outcome) -> Any:
        """Say what was done and list every skipped case with its reason."""
        flash(
            gettext(
                "%(action)s: %(done)d done; %(skipped)d skipped.",
                action=gettext(workflow.label(action)),
                done=len(outcome.done),
                skipped=len(outcome.skipped),
            ),
            "success" if not outcome.skipped else "warning",
        )
        skipped = [(case_id, reg, translate(r)) for case_id, reg, r in outcome.skipped]
        if len(outcome.done) == 1 and not skipped:
            return redirect(url_for(".details_view", id=outcome.done[0]))
        return self.render(
            "admin/case_action_report.html",
            action_label=gettext(workflow.label(action)),
            done=len(outcome.done),
            skipped=skipped,
            return_url=self._list_url(),
        )

    def matching_ids(self) -> list[int]:
        """The ids of every case the list shows with the current filter and search (all pages)."""
        args = self._get_list_extra_args()
        sort_column = self._get_column_by_idx(args.sort)
        _count, query = self.get_list(
            None,
            sort_column[0] if sort_column else None,
            bool(args.sort_desc),
            args.search,
            args.filters,
            execute=False,
            page_size=False,
        )
        return [row[0] for row in query.with_entities(Case.id).order_by(None)]

    def _list_url(self) -> str:
        """The list page to go back to, with its filters."""
        target = request.values.get("url")
        if target and target.startswith("/admin/case/"):
            return target
        args = {k: v for k, v in request.args.items() if k != "all"}
        return url_for(".index_view", **args)

    # --- the case page ------------------------------------------------------------------------

    @expose("/details/")
    def details_view(self) -> Any:
        """The case page: one page model read by the service, so the template never queries."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        case_id = request.args.get("id", "")
        page = (
            casework.case_page(db.session, int(case_id), current_user, current_app.config)
            if case_id.isdigit()
            else None
        )
        if page is None:
            flash(admin_gettext("Record does not exist."), "error")
            return redirect(return_url)
        return self.render(
            self.details_template,
            model=page.case,
            page=page,
            action_labels={o.action: gettext(workflow.label(o.action)) for o in page.offers},
            status_css=STATUS_CSS.get(page.case.status, "secondary"),
            edit_refusal=self.edit_refusal(page.case),
            history=(),  # the timeline holds the case's record edits (they carry its case_id)
            details_columns=self._details_columns,
            get_value=self.get_detail_value,
            return_url=return_url,
        )

    @expose("/new-application/", methods=("POST",))
    def new_application_view(self) -> Any:
        """Start the new application that the re-assessment limit requires, pre-filled (2.10).
        A refusal goes back to the case page with its reason (security.py's handler)."""
        if not workflow.NEW_APPLICATION_ROLES.intersection(current_user.roles):
            abort(403)
        case = self.get_one(request.form.get("id", ""))
        if case is None:
            abort(404)
        new = casework.start_new_application_from(
            db.session, case, current_user, current_app.config
        )
        flash(gettext("New application started: %(number)s.", number=new.reg_number), "success")
        return redirect(url_for(".details_view", id=new.id))

    def _get_default_order(self) -> Iterator[tuple[Any, list, bool]]:
        """A home page's worklist lists the longest waiting first, as the home page does (by
        `ix_case_status_since`); any other list the newest first."""
        if case_step(request.args.get("worklist")) is None:
            yield from super()._get_default_order()
            return
        yield Case.status_since, [], False
        yield Case.id, [], False

    def get_query(self) -> Any:
        """The cases the user sees; on a home page's worklist, only those its step counts."""
        query = scope_cases(super().get_query(), current_user)
        condition = case_worklist(request.args.get("worklist"), current_user)
        return query if condition is None else query.filter(condition)

    def search_condition(self, word: str) -> Any:
        """Part of the applicant's name; when the word has a digit also the start of the
        registration number or of the applicant's NIK.

        The applicant's part is a subquery over the applicant table, read through its own index
        (NIK; the name's trigram index: pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite),
        rather than a join that tests every case's applicant.
        """
        dialect = db.session.get_bind().dialect.name
        name = substring_match(Applicant.full_name, APPLICANT_NAME_FTS, word, dialect)
        if not is_number(word):
            return Case.applicant_id.in_(select(Applicant.id).where(name))
        applicants = ids_matching(Applicant.id, prefix_match(Applicant.nik, word, dialect), name)
        return Case.id.in_(
            ids_matching(
                Case.id,
                prefix_match(Case.reg_number, word, dialect),
                Case.applicant_id.in_(applicants),
            )
        )

    def on_form_prefill(self, form: Any, id: Any) -> None:
        form.chosen_units.data = [cu.unit for cu in self.get_one(id).units]

    def validate_form(self, form: Any) -> bool:
        """The form's checks, then the rule on the chosen units (RULES #1) beside their field."""
        if not super().validate_form(form):
            return False
        if not hasattr(form, "chosen_units"):  # the delete and list forms choose no unit
            return True
        scheme = form.scheme.data
        units = list(form.chosen_units.data or ())
        refusal = chosen_units_refusal(
            _scheme_unit_ids(scheme.id) if scheme is not None else None,
            [(u.id, u.code) for u in units],
        )
        if refusal is None:
            return True
        form.chosen_units.errors = [*form.chosen_units.errors, translate(refusal)]
        return False

    def _on_model_change(self, form: Any, model: Case, is_created: bool) -> None:
        """The checks and the record's audit event, then the seat on the schedule the case was
        put on (a new case is flushed by then, so an override's event names it)."""
        moved = is_created or inspect(model).attrs.schedule.history.has_changes()
        super()._on_model_change(form, model, is_created)
        if moved and model.schedule is not None:
            try:
                seats.place(
                    db.session, model, current_user, form.seat_override_note.data, clock.lsp_today()
                )
            except Refusal as refusal:
                raise ValidationError(translate(refusal)) from None

    def on_model_change(self, form: Any, model: Case, is_created: bool) -> None:
        """Refuse a change after submission, give a new case its number, keep the chosen units.

        Autoflush is off while numbering: the new case is in the session without its number yet.
        """
        if not is_created and model.status not in EDITABLE_CASE_STATUSES:
            raise ValidationError(gettext(NOT_EDITABLE))
        chosen = list(form.chosen_units.data or ())
        if is_created:
            with db.session.no_autoflush:
                casework.open_draft(db.session, model, clock.lsp_today())
        keep = {u.id for u in chosen}
        model.units = [cu for cu in model.units if cu.unit_id in keep] + [
            CaseUnit(unit=u) for u in chosen if u.id not in {cu.unit_id for cu in model.units}
        ]


def _typed_date() -> date | None:
    """The assessment date typed into a posted form (licences are judged against it), if any."""
    try:
        return date.fromisoformat(request.form.get("assessment_date", ""))
    except ValueError:
        return None


def _scheme_unit_ids(scheme_id: int) -> frozenset[int]:
    """The ids of the scheme's units, the facts the chosen-units rule judges against."""
    return frozenset(
        db.session.scalars(
            select(scheme_unit.c.unit_id).where(scheme_unit.c.scheme_id == scheme_id)
        )
    )
