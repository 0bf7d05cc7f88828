"""schemathesis against the served OpenAPI schema: no 5xx, no answer outside the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onestop.accounts.roles import Role
from onestop.exchange.services import api_key_create
from onestop.regions.models import OrgUnit
from onestop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


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
    settings.PRESCREEN_ANON_PER_MINUTE = 100_000  # fuzzing is not the abuse the limit is for
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="medical-150702"),
        role=Role.MEDICAL_OFFICER,
        name="模糊测试",
    )
    return key


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, department_key):
    # A schema-valid request may still be refused on the facts (an unknown region, a matter of
    # another unit): what must hold is no server error and every answer as documented.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {department_key}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
