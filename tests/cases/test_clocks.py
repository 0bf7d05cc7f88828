"""The clocks' watchers: the 临期/超期 sweep and the supervisor's 督办."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.cases.clocks import clock_sweep, matter_press
from onestop.cases.models import Alert
from onestop.cases.selectors import late_by_unit, late_steps, queue, queue_counts
from onestop.cases.timeline import timeline

from .helpers import active, at, matter, submit

pytestmark = pytest.mark.django_db


def test_sweep_marks_due_soon_and_overdue_once_and_tells_the_unit(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    step = active(app, "MEDICAL")  # due 9 November
    assert clock_sweep(day=date(2026, 11, 5)) == {"due_soon": 0, "overdue": 0}
    assert clock_sweep(day=date(2026, 11, 6)) == {"due_soon": 1, "overdue": 0}
    assert clock_sweep(day=date(2026, 11, 6)) == {"due_soon": 0, "overdue": 0}
    assert clock_sweep(day=date(2026, 11, 10)) == {"due_soon": 0, "overdue": 1}
    assert clock_sweep(day=date(2026, 11, 11)) == {"due_soon": 0, "overdue": 0}
    kinds = list(Alert.objects.filter(step=step).values_list("kind", "unit_id"))
    assert kinds == [("due_soon", step.unit_id), ("overdue", step.unit_id)]
    assert any("已超期" in e.text for e in timeline(app))


def test_the_queue_and_the_supervisor_see_due_soon_as_the_sweep_does(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    step = active(app, "MEDICAL")  # due Monday 9 November
    officer = next(
        u for u in staff.values() if u.role == step.role and u.org_unit_id == step.unit_id
    )
    # Friday is one working day before Monday: due soon over the weekend, overdue on Tuesday.
    for day, due_soon, overdue in (
        (date(2026, 11, 5), 0, 0),
        (date(2026, 11, 6), 1, 0),
        (date(2026, 11, 9), 1, 0),
        (date(2026, 11, 10), 0, 1),
    ):
        with at(day):
            counts = queue_counts(officer)
            assert (counts["due_soon"], counts["overdue"]) == (due_soon, overdue), day
            assert list(queue(officer, "due_soon")) == [step] * due_soon
            late = list(late_by_unit(staff["supervisor"]))
            assert [(r["due_soon"], r["overdue"]) for r in late] == (
                [(due_soon, overdue)] if due_soon or overdue else []
            )
            assert list(late_steps(staff["supervisor"])) == [step] * (due_soon + overdue)


def test_a_supervisor_without_a_unit_sees_no_late_steps(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    assert active(app, "MEDICAL").due_date == date(2026, 11, 9)
    nowhere = StaffUser.objects.create_user("c_nounit_sup", role=Role.SUPERVISOR)
    with at(date(2026, 11, 10)):
        assert list(late_steps(staff["supervisor"])) != []
        assert list(late_steps(nowhere)) == [] and list(late_by_unit(nowhere)) == []


def test_the_periodic_sweep_runs(staff, applicant):
    from onestop.cases.tasks import clock_sweep_periodic

    submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    with at(date(2026, 11, 20)):
        assert clock_sweep_periodic.call_local() == {"due_soon": 0, "overdue": 1}


def test_supervisor_presses_and_the_officer_sees_it(staff, applicant):
    app = submit(staff, applicant, matters=["PENSION"])
    with pytest.raises(PermissionDenied):
        matter_press(actor=staff["clerk"], matter=matter(app, "PENSION"), message="请加快")
    alert = matter_press(
        actor=staff["supervisor"], matter=matter(app, "PENSION"), message="请今天办结"
    )
    assert alert.unit.name == "海拉尔区人力资源和社会保障局"
    from onestop.cases.selectors import queue

    assert [s.pk for s in queue(staff["hrss"], "pressed")] == [active(app, "PENSION").pk]
    assert matter(app, "PENSION").pressed_count == 1
    assert any("督办" in e.text and "请今天办结" in e.text for e in timeline(app))
