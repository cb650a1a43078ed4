"""One clock: every "now" and "today" of the portal is read through `portal.clock`."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from portal import clock

PORTAL = Path(__file__).resolve().parent.parent / "portal"
OWN_CLOCK = re.compile(r"\b(date\.today|datetime\.(now|utcnow|today))\(")


def test_no_module_but_the_clock_reads_the_system_clock():
    offenders = [
        f"{path.relative_to(PORTAL)}:{n}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py"))
        if path.name != "clock.py" or path.parent != PORTAL
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OWN_CLOCK.search(line)
    ]
    assert offenders == []


def test_the_grep_finds_a_system_clock_call():
    assert OWN_CLOCK.search("    today = date.today()")
    assert OWN_CLOCK.search("stamp = datetime.now().timetuple()")
    assert not OWN_CLOCK.search("at = clock.now()")


def test_moving_the_clock_moves_today():
    before = clock.today()
    with clock.moved_by(timedelta(days=3)):
        assert clock.today() == before + timedelta(days=3)
    assert clock.today() == before
    assert isinstance(clock.lsp_today(), date)
