"""The imports as jobs: the check of a large upload and every commit run on the worker.

The functions here take a session and the uploaded bytes (no request). A job's result is its
report, kept as JSON in the job's result file: the preview's rows (for a check) or what the
commit did (cases made, rows refused, numbers recorded), which the exchange screens render.
A refused file is a report too (its reason is shown in the reader's language), not a failure.
The commit stays all or nothing: it is the same one-transaction write as before, and it stores
its report on the job in that transaction, so a run of the job after a worker was killed past
the commit hands back the first run's report instead of importing again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..casework import Settings
from ..casework.imports import IntakeResult, import_applications, record_bnsp_numbers
from ..models import Job, User
from ..rules.identity import Message
from ..rules.vocabulary import N_
from ..rules.workflow import Refusal
from ..transactions import writing
from . import bnsp_numbers, intake, pending, reading, template

CHECK, COMMIT = "import_check", "import_commit"
INTAKE, NUMBERS = "intake", "numbers"
REPORT_NAME = "report.json"
Progress = Callable[[int, int], None]
Receipt = Callable[[dict[str, Any]], None]


def check_intake(
    session: Session, data: bytes, filename: str, today: date, progress: Progress
) -> intake.IntakePreview:
    """Read and check an intake file (raises reading.FileRefused)."""
    table = reading.read(data, filename, _max_rows(), sheet=template.DATA)
    return intake.preview(session, table, today, progress)


def check_numbers(
    session: Session, data: bytes, filename: str, today: date, progress: Progress
) -> bnsp_numbers.NumberPreview:
    """Read and check a file of BNSP numbers (raises reading.FileRefused)."""
    table = reading.read(data, filename, _max_rows())
    progress(0, len(table.rows))
    return bnsp_numbers.preview(session, table, today)


def commit_intake(
    session: Session,
    actor: User,
    data: bytes,
    filename: str,
    accepted: list[int],
    today: date,
    progress: Progress,
    receipt: Receipt,
) -> dict[str, Any]:
    """Check the file again and import its valid rows; what was made and every row refused
    (also handed to `receipt` inside the import's transaction)."""
    checked = check_intake(session, data, filename, today, progress)
    names = {row.row: row.name for row in checked.rows}

    def report(result: IntakeResult) -> dict[str, Any]:
        refused = [(row.row, row.name, row.errors) for row in checked.invalid]
        refused += [(n, names.get(n, ""), {"": reason}) for n, reason in result.refused]
        return {
            "made": result.made,
            "updated": result.updated,
            "refused": [
                (n, name, {c: asdict(m) for c, m in errors.items()})
                for n, name, errors in sorted(refused, key=lambda r: r[0])
            ],
        }

    applications = checked.applications(accepted)
    result = import_applications(
        session, actor, applications, filename, today, lambda made: receipt(report(made))
    )
    progress(len(checked.rows), len(checked.rows))
    return report(result)


def commit_numbers(
    session: Session,
    actor: User,
    data: bytes,
    filename: str,
    today: date,
    progress: Progress,
    receipt: Receipt,
) -> dict[str, Any]:
    """Check the file again and record its numbers: all, or none when any row has an error
    (the count also handed to `receipt` inside the import's transaction)."""
    checked = check_numbers(session, data, filename, today, progress)
    if checked.errors:
        refusal = Message(N_("Nothing was recorded: the file has rows with errors."))
        return {"recorded": 0, "refusal": asdict(refusal), "rows": _number_rows(checked)}
    try:
        done = record_bnsp_numbers(
            session,
            actor,
            checked.to_commit(),
            filename,
            lambda recorded: receipt({"recorded": recorded}),
        )
    except Refusal as refused:
        return {"recorded": 0, "refusal": {"msgid": refused.msgid, "params": refused.params}}
    progress(len(checked.rows), len(checked.rows))
    return {"recorded": done}


def run(session: Session, job: Job, progress: Progress, out: Path) -> str:
    """The worker's side of an import job: check or commit the kept upload, keep the report.

    A commit whose report is already on the job (an earlier run was killed after committing)
    returns that report: the rows were imported once, and the person reads what that did.
    """
    if job.kind == CHECK:
        text = json.dumps(_check(session, job, progress), default=str)
    else:
        text = job.report or _commit_once(session, job, progress)
        progress(job.total, job.total)
        pending.remove(job.params["token"])  # consumed: its report is committed
    out.write_text(text, encoding="utf-8")
    return REPORT_NAME


def _commit_once(session: Session, job: Job, progress: Progress) -> str:
    """Import the upload, its report stored with it. When another run of the job (started
    meanwhile, its lease run out) stored one first, this import rolls back: that report."""
    receipt = _Receipt(session, job.id)
    try:
        return receipt.keep(_commit(session, job, progress, receipt))
    except _Committed:
        return session.scalar(select(Job.report).where(Job.id == receipt.job_id)) or ""


def _check(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """The preview's report of a large upload."""
    kind, filename = job.params["kind"], job.params["filename"]
    report: dict[str, Any] = {"kind": kind, "filename": filename}
    today = Settings.of(current_app.config).today
    try:
        data = _upload(job)
        if kind == INTAKE:
            report["rows"] = _intake_rows(check_intake(session, data, filename, today, progress))
        else:
            report["rows"] = _number_rows(check_numbers(session, data, filename, today, progress))
    except reading.FileRefused as refused:
        report["file_refused"] = asdict(refused.message)
    return report


def _commit(session: Session, job: Job, progress: Progress, receipt: Receipt) -> dict[str, Any]:
    """Import the upload; what it did, as the report."""
    kind, filename = job.params["kind"], job.params["filename"]
    report: dict[str, Any] = {"kind": kind, "filename": filename}
    today = Settings.of(current_app.config).today
    actor = session.get(User, job.user_id)

    def with_head(done: dict[str, Any]) -> None:
        receipt({**report, **done})

    try:
        data = _upload(job)
        if kind == INTAKE:
            accepted = job.params.get("updates", [])
            report.update(
                commit_intake(session, actor, data, filename, accepted, today, progress, with_head)
            )
        else:
            report.update(
                commit_numbers(session, actor, data, filename, today, progress, with_head)
            )
    except reading.FileRefused as refused:
        report["file_refused"] = asdict(refused.message)
    return report


def _upload(job: Job) -> bytes:
    data = pending.read(job.params["token"])
    if data is None:
        raise reading.FileRefused(N_("The upload has expired: upload the file again."))
    return data


class _Committed(Exception):
    """Another run of the job stored its report first."""


class _Receipt:
    """Stores a commit's report on its job: inside the import's transaction when it writes, in a
    transaction of its own when it writes nothing (a refusal, nothing to import)."""

    def __init__(self, session: Session, job_id: int) -> None:
        self.session, self.job_id = session, job_id
        self.text = ""

    def __call__(self, report: dict[str, Any]) -> None:
        text = json.dumps(report, default=str)
        first = update(Job).where(Job.id == self.job_id, Job.report.is_(None))
        if not self.session.execute(first.values(report=text)).rowcount:
            raise _Committed  # rolls this run's transaction back, with its rows
        self.text = text

    def keep(self, report: dict[str, Any]) -> str:
        """The stored report: stored now unless the import's transaction did."""
        if not self.text:
            with writing(self.session):
                self(report)
        return self.text


def load(path: str) -> dict[str, Any]:
    """A kept report, its messages and rows as the screens use them."""
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("file_refused", "refusal"):
        if key in report:
            report[key] = Message(**report[key])
    if "refused" in report:
        report["refused"] = [(n, name, _messages(e)) for n, name, e in report["refused"]]
    if report["kind"] == INTAKE and "rows" in report:
        report["preview"] = intake.IntakePreview([_intake_row(r) for r in report.pop("rows")])
    elif "rows" in report:
        rows = [_number_row(r) for r in report.pop("rows")]
        report["preview"] = bnsp_numbers.NumberPreview(rows)
    return report


def _max_rows() -> int:
    return current_app.config["IMPORT_MAX_ROWS"]


def _intake_rows(checked: intake.IntakePreview) -> list[dict[str, Any]]:
    """The rows as the preview shows them (without the data the commit reads again)."""
    return [asdict(replace(row, applicant={}, application=None)) for row in checked.rows]


def _number_rows(checked: bnsp_numbers.NumberPreview) -> list[dict[str, Any]]:
    return [asdict(row) for row in checked.rows]


def _messages(errors: dict[str, dict]) -> dict[str, Message]:
    return {column: Message(**message) for column, message in errors.items()}


def _intake_row(data: dict[str, Any]) -> intake.IntakeRow:
    row = intake.IntakeRow(**data)
    row.errors = _messages(data["errors"])
    row.notes = [Message(**note) for note in data["notes"]]
    row.changes = {attr: tuple(change) for attr, change in data["changes"].items()}
    return row


def _number_row(data: dict[str, Any]) -> bnsp_numbers.NumberRow:
    row = bnsp_numbers.NumberRow(**data)
    row.errors = _messages(data["errors"])
    return row
