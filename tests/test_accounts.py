from datetime import timedelta

import pytest

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.core import clock
from onestop.regions.models import OrgUnit

from . import factories

pytestmark = pytest.mark.django_db


def test_login_page_is_served(client):
    page = client.get("/accounts/login/").content.decode()
    assert "工作人员登录" in page
    assert 'for="id_username"' in page and 'autocomplete="current-password"' in page


def test_home_requires_login(client):
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "unit", "unit_name", "scope"),
    [
        (
            Role.WINDOW_CLERK,
            "cdpf-150702",
            "海拉尔区残疾人联合会",
            "呼伦贝尔市海拉尔区（旗县市区）",
        ),
        (
            Role.TOWNSHIP_CIVIL,
            "civil-150702001",
            "正阳街道民政办",
            "呼伦贝尔市海拉尔区正阳街道（苏木乡镇（街道））",
        ),
        (Role.SUPERVISOR, "gov-150700", "呼伦贝尔市政务服务局", "呼伦贝尔市（盟市）"),
    ],
)
def test_home_shows_name_unit_and_scope(client, login, role, unit, unit_name, scope):
    user = factories.staff("someone", role, unit, name="赵敏")
    login(user)
    page = client.get("/workbench/").content.decode()
    assert "您好，赵敏" in page
    assert unit_name in page
    assert scope in page
    assert role.label in page


def test_successful_and_failed_logins_are_audited(client, hlr_clerk):
    client.post("/accounts/login/", {"username": "t_hlr_window", "password": "wrong-password"})
    client.post("/accounts/login/", {"username": "t_hlr_window", "password": factories.PASSWORD})
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN]
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert "wrong-password" not in str(failed.detail)


def test_wrong_password_gives_one_generic_message(client, hlr_clerk):
    for username in ("t_hlr_window", "nobody"):
        response = client.post("/accounts/login/", {"username": username, "password": "x" * 12})
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.content.decode()


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    client, hlr_clerk, settings
):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/accounts/login/", {"username": "t_hlr_window", "password": "bad-password"})
    response = client.post(
        "/accounts/login/", {"username": "t_hlr_window", "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    assert "已被锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).count() == 1
    # After the lock expires the right password works again.
    StaffUser.objects.filter(pk=hlr_clerk.pk).update(
        locked_until=clock.now() - timedelta(seconds=1)
    )
    response = client.post(
        "/accounts/login/", {"username": "t_hlr_window", "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, login, hlr_clerk):
    login(hlr_clerk)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/workbench/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


def test_password_change(client, login, hlr_clerk):
    login(hlr_clerk)
    weak = client.post(
        "/accounts/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "12345678901",
            "new_password2": "12345678901",
        },
    )
    assert weak.status_code == 200 and 'aria-invalid="true"' in weak.content.decode()
    new = "Another-strong-pass-7"
    ok = client.post(
        "/accounts/password/",
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert ok.status_code == 302
    assert client.get("/workbench/").status_code == 200  # still signed in
    hlr_clerk.refresh_from_db()
    assert hlr_clerk.check_password(new)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGE, actor=hlr_clerk).exists()


def test_open_redirect_after_login_is_refused(client, hlr_clerk):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {
            "username": "t_hlr_window",
            "password": factories.PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/workbench/"


# --- the admin ----------------------------------------------------------------------------------


def test_only_system_administrators_enter_the_admin(client, login, hlr_civil):
    login(hlr_civil)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "管理后台仅供系统管理员使用" in response.content.decode()


def test_admin_home_warns_about_the_missing_holiday_years(
    awkward_moment, client, login, hlbe_admin
):
    # Shipped: the State Council notices for 2025 and 2026; the warning names this Beijing year
    # and the next when they are missing.
    year = awkward_moment.year
    missing = "、".join(str(y) for y in (year, year + 1) if y not in (2025, 2026))
    login(hlbe_admin)
    page = client.get("/admin/").content.decode()
    if missing:
        assert f"尚未导入 {missing} 年的国务院节假日安排" in page
    else:
        assert "尚未导入" not in page


def test_admin_lists_only_staff_in_scope(client, login, mzl_admin, hlr_clerk):
    factories.staff("t_mzl_window", Role.WINDOW_CLERK, "cdpf-150781")
    login(mzl_admin)
    page = client.get("/admin/accounts/staffuser/").content.decode()
    assert "t_mzl_window" in page
    assert "t_hlr_window" not in page
    assert client.get(f"/admin/accounts/staffuser/{hlr_clerk.pk}/change/").status_code in (302, 404)


def test_admin_creates_a_user_through_the_service_within_scope(client, login, mzl_admin):
    login(mzl_admin)
    unit = OrgUnit.objects.get(code="civil-150781")
    form = {
        "username": "new_officer",
        "display_name": "新同事",
        "role": Role.COUNTY_CIVIL,
        "org_unit": unit.pk,
        "is_active": "on",
        "password": "Strong-pass-2026!",
    }
    response = client.post("/admin/accounts/staffuser/add/", form)
    assert response.status_code == 302, response.content.decode()
    created = StaffUser.objects.get(username="new_officer")
    assert created.org_unit == unit and created.check_password("Strong-pass-2026!")
    assert AuditEvent.objects.filter(action=AuditAction.STAFF_CREATE, actor=mzl_admin).exists()

    # A unit outside the admin's region is not even offered.
    hailar = OrgUnit.objects.get(code="civil-150702")
    response = client.post(
        "/admin/accounts/staffuser/add/", {**form, "username": "x2", "org_unit": hailar.pk}
    )
    assert response.status_code == 200
    assert not StaffUser.objects.filter(username="x2").exists()


def test_role_must_match_the_unit(client, login, mzl_admin):
    login(mzl_admin)
    form = {
        "username": "misplaced",
        "display_name": "错位",
        "role": Role.TOWNSHIP_CIVIL,
        "org_unit": OrgUnit.objects.get(code="civil-150781").pk,
        "is_active": "on",
        "password": "Strong-pass-2026!",
    }
    page = client.post("/admin/accounts/staffuser/add/", form).content.decode()
    assert "乡镇民政审核员只能设在苏木乡镇（街道）一级的单位" in page
    assert not StaffUser.objects.filter(username="misplaced").exists()
