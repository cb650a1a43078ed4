"""The service floor: the only code that writes workflow state and audit events.

Views, the CLI, documents and public pages call these functions with a session; none of them
imports Flask. Each module owns one thing: `facts` reads what the rules judge, `transitions`
applies the transition table set-based, `effects` creates what actions make (appeals,
certificates and their numbers, supersession), `lifecycle` follows certificates after issue,
`applications` starts new drafts, `meetings` adds the audited addenda that correct a decision
meeting's record, `audit` writes the trail, `offers` tells a page what its user may do now.
"""

from .action_pages import ActionPage, action_page
from .applications import open_draft, start_new_application_from
from .facts import load_facts
from .lifecycle import (
    change_certificates,
    expire_certificates,
    record_surveillance,
    start_recertification,
)
from .offers import CasePage, case_page
from .settings import Outcome, Settings, actor_of
from .transitions import BATCH_SIZE, apply

__all__ = [
    "ActionPage",
    "action_page",
    "BATCH_SIZE",
    "CasePage",
    "Outcome",
    "Settings",
    "actor_of",
    "apply",
    "case_page",
    "change_certificates",
    "expire_certificates",
    "load_facts",
    "open_draft",
    "record_surveillance",
    "start_new_application_from",
    "start_recertification",
]
