import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from onestop.accounts.roles import Role
from onestop.core import clock, tablecache

from . import factories

BEIJING = ZoneInfo("Asia/Shanghai")
# Where a date computed from "now" is easiest to get wrong. Beijing is UTC+8: its midnight is
# 16:00 UTC, and a server's own date (UTC) is Beijing's yesterday until 08:00 Beijing time.
AWKWARD_MOMENTS = {
    "beijing-23h59": datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC),
    "beijing-00h00-utc-yesterday": datetime(2026, 12, 2, 16, 0, 1, tzinfo=UTC),
    "new-years-eve": datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC),
    "new-year-2027-unpublished": datetime(2026, 12, 31, 16, 0, 1, tzinfo=UTC),
    "last-working-day-before-national-day": datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC),
    "tiaoxiu-sunday-working-utc-saturday": datetime(2026, 9, 19, 23, 30, tzinfo=UTC),
}


def _suite_moment() -> datetime | None:
    """ONESTOP_TEST_NOW (ISO 8601; without an offset it is Beijing time) pins the clock."""
    value = os.environ.get("ONESTOP_TEST_NOW")
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


SUITE_MOMENT = _suite_moment()
MOMENTS = {"ONESTOP_TEST_NOW": SUITE_MOMENT} if SUITE_MOMENT else AWKWARD_MOMENTS


@pytest.fixture(autouse=True)
def _pinned_suite_clock():
    """With ONESTOP_TEST_NOW set, every test starts at that moment (a test that pins its own
    moments still does). The live server's threads and other processes keep the real clock:
    run those under faketime (see README)."""
    if SUITE_MOMENT is None:
        yield
        return
    with clock.frozen(SUITE_MOMENT):
        yield


@pytest.fixture(params=list(MOMENTS.values()), ids=list(MOMENTS))
def awkward_moment(request) -> datetime:
    """Runs the test at each of AWKWARD_MOMENTS, the clock pinned there for the whole test
    (list it first among the test's fixtures so their data is made then too). Gives the moment
    in Beijing time: ``.date()`` is the day a Beijing officer calls today."""
    with clock.frozen(request.param):
        yield request.param.astimezone(BEIJING)


@pytest.fixture(autouse=True)
def _fresh_configuration_caches():
    # Calendar and rule parameters are cached per process; a test that changes them inside a
    # rolled-back transaction must not leave its version behind for the next test.
    tablecache.reset_all()
    yield
    tablecache.reset_all()


@pytest.fixture
def tuesday():
    """10:00 in Beijing on a working Tuesday: countdowns, deadlines and the calendar's warnings
    are the same whatever day the suite runs."""
    with clock.frozen(datetime(2026, 11, 10, 2, 0, tzinfo=UTC)):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active in the thread (as in a server's worker, where the
    next request sets its own): each test starts in the default language, as a process does."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _own_rate_limits(settings):
    """Rate-limit counters live in the cache (Redis in CI, shared by runs and by the live server's
    thread): give each test its own."""
    import uuid

    settings.RATELIMIT_NAMESPACE = f"rl-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path_factory):
    """The checkpoint file outlives each test's rolled-back database: give each test its own."""
    import uuid

    base = tmp_path_factory.getbasetemp()
    settings.AUDIT_CHECKPOINT_FILE = base / f"audit-checkpoints-{uuid.uuid4().hex}.jsonl"


@pytest.fixture
def hlr_clerk(db):
    return factories.staff("t_hlr_window", Role.WINDOW_CLERK, "cdpf-150702", name="王晓梅")


@pytest.fixture
def hlr_civil(db):
    return factories.staff("t_hlr_civil", Role.COUNTY_CIVIL, "civil-150702", name="王振华")


@pytest.fixture
def mzl_civil(db):
    return factories.staff("t_mzl_civil", Role.COUNTY_CIVIL, "civil-150781", name="苏日娜")


@pytest.fixture
def hlbe_supervisor(db):
    return factories.staff("t_hlbe_sup", Role.SUPERVISOR, "gov-150700", name="张文静")


@pytest.fixture
def hlbe_admin(db):
    return factories.staff("t_hlbe_admin", Role.ADMIN, "gov-150700", name="巴特尔")


@pytest.fixture
def mzl_admin(db):
    return factories.staff("t_mzl_admin", Role.ADMIN, "gov-150781", name="满洲里管理员")


@pytest.fixture
def hlr_person(db):
    """A person with 户籍 in 正阳街道, 海拉尔区."""
    return factories.person("150702001", name="李桂兰", phone="13847000001")


@pytest.fixture
def person(db):
    """乌云, 户籍 in 海拉尔区, on urban 低保, holding a 残疾人证 (肢体一级) and a mobile."""
    return factories.holder(
        name="乌云", birth=date(1975, 3, 3), phone="13904733333", dibao_category="urban"
    )


@pytest.fixture
def login(client):
    def do(user, password=factories.PASSWORD):
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.content.decode()
        return client

    return do


REFERENCE_MIGRATIONS = [
    "onestop.regions.migrations.0002_load_inner_mongolia",
    "onestop.regions.migrations.0003_unit_window",
    "onestop.policy.migrations.0002_load_official_holidays",
    "onestop.policy.migrations.0004_inner_mongolia_default_parameters",
    "onestop.cases.migrations.0002_default_chains",
]


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests commit for real and the database is emptied after each one; put back
    the reference data the migrations load, by running those migrations' own loaders."""
    import importlib

    from django.apps import apps

    from onestop.regions.models import Region

    if not Region.objects.exists():
        for name in REFERENCE_MIGRATIONS:
            importlib.import_module(name).load(apps, None)
