"""Applications through the case actions, as the tests of each family build them."""

from datetime import UTC, date, datetime, time

from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Matter, Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock

ALL = ["CERT", "LIVING", "NURSING", "MEDICAL", "PENSION"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(day: date, hour: int = 10):
    return clock.frozen(datetime.combine(day, time(hour), tzinfo=UTC))


def submit(staff, applicant, matters=ALL, day=date(2026, 9, 30), accept=True, **kw):
    with at(day):
        app = application_submit(
            actor=kw.pop("actor", staff["clerk"]),
            channel=kw.pop("channel", "window"),
            applicant=applicant,
            matters=matters,
            delivery=kw.pop("delivery", "pickup"),
            consent_given=True,
            sensitive_consent_given=True,
            answers=kw.pop(
                "answers", {"medical_bills": [{"day": "2026-09-01", "policy_self_pay": "3000"}]}
            ),
            materials=kw.pop("materials", [MaterialIn("photo", content=PNG, filename="photo.png")]),
            **kw,
        )
        if accept:
            app = application_accept(actor=staff["clerk"], application=app)
    return app


def matter(app, kind) -> Matter:
    return Matter.objects.get(application=app, kind=kind)


def active(app, kind) -> Step:
    return Step.objects.get(matter__application=app, matter__kind=kind, status=Step.Status.ACTIVE)


def decide(user, app, kind, day, outcome=Outcome.APPROVE, **kw) -> Step:
    with at(day):
        return step_decide(actor=user, step=active(app, kind), decision=Decision(outcome, **kw))
