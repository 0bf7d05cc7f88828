"""schemathesis against the served OpenAPI schema, every phase (examples, coverage, fuzzing and
stateful) and every default check: no 5xx, no answer outside the schema, no schema-valid request
refused and no schema-invalid one accepted.

ONESTOP_SCHEMATHESIS_EXAMPLES sets the depth (examples per operation in the fuzzing phase and
scenarios in the stateful one): small for `make test`, 200 on the PostgreSQL leg of `.ci/run`.
ONESTOP_SCHEMATHESIS_RANDOM=1 draws new examples each run instead of the fixed ones."""

import os
import secrets
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.core import clock
from onestop.exchange.models import ApiKey
from onestop.exchange.services import _key_hash, api_key_create
from onestop.regions.models import OrgUnit
from onestop.wsgi import application

from . import factories

EXAMPLES = int(os.environ.get("ONESTOP_SCHEMATHESIS_EXAMPLES", "25"))
# The same examples on every run unless ONESTOP_SCHEMATHESIS_RANDOM=1 (to explore further), so a
# red CI run always means a change in the code, never an unlucky draw.
DEPTH = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("ONESTOP_SCHEMATHESIS_RANDOM") != "1",
    database=None,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# What JSON Schema cannot say, by operation: the fields a schema-valid request may still be refused
# on (422), each a rule on the facts. Pre-screening: facts against each other and the division
# registry (a birth date after the assessment day, an unknown or non-county region). Decisions: the
# step's own rules (which outcomes it allows, a reason to reject, the amount or assessment it
# records). Documents: the file's content (JPG, PNG or PDF, by its bytes; at most 10 MB).
REFUSED_ON_THE_FACTS = {
    "/prescreen": {"region", "facts.birth_date", "facts.hukou_region"},
    "/decision": {"outcome", "reason", "missing_materials", "transfer_to", "assessment", "amount"},
    "/documents": {"materials"},
}


@schemathesis.check
def schema_valid_request_accepted(ctx, response, case):
    """positive_data_acceptance, except a 422 naming only the fields above."""
    path = case.operation.path
    allowed = next((f for tail, f in REFUSED_ON_THE_FACTS.items() if path.endswith(tail)), set())
    if response.status_code == 422 and {d["field"] for d in response.json()["detail"]} <= allowed:
        return None
    return positive_data_acceptance(ctx, response, case)


schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])

# Known when schemathesis builds the explicit examples, at collection, before any fixture runs.
KEY = f"os_fuzz0000_{secrets.token_urlsafe(32)}"


@schema.auth()
class DepartmentKeyAuth:
    """Declared as the run's auth, so the auth checks know the key is meant to be valid."""

    def get(self, case, ctx):
        return KEY

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def in_test_transaction():
    """The WSGI app closes the database connection after each request (as in production);
    keep it open, as Django's own test client does, so the test's transaction survives."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def department_key(db, settings, in_test_transaction):
    settings.PRESCREEN_ANON_PER_MINUTE = 1_000_000  # fuzzing is not the abuse the limit is for
    api_key, _ = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="medical-150702"),
        role=Role.MEDICAL_OFFICER,
        name="模糊测试",
    )
    ApiKey.objects.filter(pk=api_key.pk).update(prefix="fuzz0000", key_hash=_key_hash(KEY))
    # Matters open at the key's unit, for the stateful phase to follow from the list into.
    clerk = factories.staff("fuzz_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    with clock.frozen(datetime(2026, 10, 9, 10, 0, tzinfo=UTC)):
        for n in range(3):
            person = factories.certified_person(
                fact="resident_medical", name="其木格一二三"[: n + 3]
            )
            app = application_submit(
                actor=clerk,
                channel="window",
                applicant=person,
                matters=["MEDICAL"],
                delivery="pickup",
                consent_given=True,
                sensitive_consent_given=True,
                answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "3000"}]},
            )
            application_accept(actor=clerk, application=app)


@schema.parametrize()
@DEPTH
def test_every_operation_answers_within_its_schema(case, department_key):
    # A schema-valid request may still be refused on the facts (an unknown region, a matter of
    # another unit: 404, 409): what must hold is what schemathesis checks by default.
    case.call_and_validate()


def test_every_sequence_of_calls_answers_within_its_schema(department_key):
    """Stateful: calls chained by the links schemathesis infers (a listed matter's id into the
    matter's operations, a page's next_cursor into the next page)."""

    schema.as_state_machine().run(settings=DEPTH)
