"""Every "today" and "now" in the platform comes from onestop.core.clock: Beijing's date (not the
server's, which is UTC on a server, so yesterday before 08:00), and pinnable by tests."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import onestop
from onestop.core import clock

ROOT = Path(onestop.__file__).parent
CLOCK = ROOT / "core" / "clock.py"
# A call that reads the machine's clock or date instead of asking onestop.core.clock.
FORBIDDEN = re.compile(
    r"\b(?:date\.today|datetime\.(?:now|today|utcnow)|timezone\.(?:now|localdate)|time\.time)\("
)


def test_today_and_now_come_only_from_the_platform_clock():
    offending = [
        f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}"
        for path in sorted(ROOT.rglob("*.py"))
        if path != CLOCK
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line.split("#", 1)[0])
    ]
    assert not offending, "use onestop.core.clock.now()/today() instead:\n" + "\n".join(offending)


def test_the_rule_catches_what_it_is_meant_to():
    for line in ["date.today()", "x = datetime.now(UTC)", "timezone.now()", "time.time() - t0"]:
        assert FORBIDDEN.search(line), line
    for line in ["clock.today()", "clock.now().timestamp()", "time.monotonic()", "localdate"]:
        assert not FORBIDDEN.search(line), line


def test_today_is_the_date_in_beijing():
    with clock.frozen(datetime(2026, 12, 2, 16, 0, 1, tzinfo=UTC)):  # 00:00:01 on 3 Dec there
        assert clock.today() == date(2026, 12, 3)
    with clock.frozen(datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 31)
