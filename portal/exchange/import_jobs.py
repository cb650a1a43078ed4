"""The imports as jobs: the check of a large upload and every commit run on the worker.

The functions here take a session and the uploaded bytes (no request). A job's result is its
report, kept as JSON in the job's result file: the preview's rows (for a check) or what the
commit did (cases made, rows refused, numbers recorded), which the exchange screens render.
A refused file is a report too (its reason is shown in the reader's language), not a failure.
The commit stays all or nothing: it is the same one-transaction write as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from ..casework import Settings
from ..casework.imports import import_applications, record_bnsp_numbers
from ..models import Job, User
from ..rules.identity import Message
from ..rules.vocabulary import N_
from ..rules.workflow import Refusal
from . import bnsp_numbers, intake, pending, reading, template

CHECK, COMMIT = "import_check", "import_commit"
INTAKE, NUMBERS = "intake", "numbers"
REPORT_NAME = "report.json"
Progress = Callable[[int, int], None]


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
) -> dict[str, Any]:
    """Check the file again and import its valid rows; what was made and every row refused."""
    checked = check_intake(session, data, filename, today, progress)
    result = import_applications(session, actor, checked.applications(accepted), filename, today)
    names = {row.row: row.name for row in checked.rows}
    refused = [(row.row, row.name, row.errors) for row in checked.invalid]
    refused += [(n, names.get(n, ""), {"": reason}) for n, reason in result.refused]
    progress(len(checked.rows), len(checked.rows))
    return {
        "made": result.made,
        "updated": result.updated,
        "refused": [
            (n, name, {c: asdict(m) for c, m in errors.items()})
            for n, name, errors in sorted(refused, key=lambda r: r[0])
        ],
    }


def commit_numbers(
    session: Session, actor: User, data: bytes, filename: str, today: date, progress: Progress
) -> dict[str, Any]:
    """Check the file again and record its numbers: all, or none when any row has an error."""
    checked = check_numbers(session, data, filename, today, progress)
    if checked.errors:
        refusal = Message(N_("Nothing was recorded: the file has rows with errors."))
        return {"recorded": 0, "refusal": asdict(refusal), "rows": _number_rows(checked)}
    try:
        done = record_bnsp_numbers(session, actor, checked.to_commit(), filename)
    except Refusal as refused:
        return {"recorded": 0, "refusal": {"msgid": refused.msgid, "params": refused.params}}
    progress(len(checked.rows), len(checked.rows))
    return {"recorded": done}


def run(session: Session, job: Job, progress: Progress, out: Path) -> str:
    """The worker's side of an import job: check or commit the kept upload, keep the report."""
    kind, token, filename = job.params["kind"], job.params["token"], job.params["filename"]
    today = Settings.of(current_app.config).today
    report: dict[str, Any] = {"kind": kind, "filename": filename}
    data = pending.read(token)
    try:
        if data is None:
            raise reading.FileRefused(N_("The upload has expired: upload the file again."))
        if job.kind == CHECK and kind == INTAKE:
            report["rows"] = _intake_rows(check_intake(session, data, filename, today, progress))
        elif job.kind == CHECK:
            report["rows"] = _number_rows(check_numbers(session, data, filename, today, progress))
        else:
            actor = session.get(User, job.user_id)
            if kind == INTAKE:
                accepted = job.params.get("updates", [])
                done = commit_intake(session, actor, data, filename, accepted, today, progress)
            else:
                done = commit_numbers(session, actor, data, filename, today, progress)
            report.update(done)
            pending.remove(token)
    except reading.FileRefused as refused:
        report["file_refused"] = asdict(refused.message)
    out.write_text(json.dumps(report, default=str), encoding="utf-8")
    return REPORT_NAME


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
