from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils.translation import gettext

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.language import READING_LANGUAGES
from onestop.regions.models import OrgUnit

from .actors import staff_of
from .models import StaffUser
from .roles import Role, placement_error


class LoginRefused(Exception):
    """Login did not succeed; the message is safe to show."""


BAD_CREDENTIALS = "用户名或密码不正确。"


def _check_admin_scope(actor: StaffUser | None, unit: OrgUnit | None) -> None:
    if actor is None:
        return
    if (
        unit is None
        or not actor.is_admin_role
        or actor.scope is None
        or not actor.scope.contains(unit.region)
    ):
        raise PermissionDenied(gettext("您无权管理该单位的工作人员。"))


def _check_placement(role: str, unit: OrgUnit | None) -> OrgUnit:
    if role not in Role.values:
        raise ValidationError({"role": gettext("请选择有效的角色。")})
    if unit is None:
        raise ValidationError({"org_unit": gettext("请选择所属单位。")})
    problem = placement_error(role, unit.department, unit.region.level)
    if problem:
        raise ValidationError({"org_unit": problem})
    return unit


def staff_user_check(
    *, actor: StaffUser | None, role: str, org_unit: OrgUnit | None, user: StaffUser | None = None
) -> OrgUnit:
    """Whether ``actor`` may place a user (new, or ``user``) in this role and unit; the unit."""
    unit = _check_placement(role, org_unit)
    if user is not None:
        _check_admin_scope(actor, user.org_unit)
    _check_admin_scope(actor, unit)
    return unit


def staff_user_create(
    *,
    actor: StaffUser | None,
    username: str,
    display_name: str,
    role: str,
    org_unit: OrgUnit | None,
    password: str,
) -> StaffUser:
    username = username.strip()
    display_name = display_name.strip()
    if not username:
        raise ValidationError({"username": gettext("请填写用户名。")})
    if not display_name:
        raise ValidationError({"display_name": gettext("请填写姓名。")})
    org_unit = staff_user_check(actor=actor, role=role, org_unit=org_unit)
    user = StaffUser(
        username=username,
        display_name=display_name,
        role=role,
        org_unit=org_unit,
        is_staff=role == Role.ADMIN,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    with transaction.atomic():
        if StaffUser.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": gettext("该用户名已被使用。")})
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.STAFF_CREATE,
            subject=user,
            detail={"username": username, "role": role, "org_unit": org_unit.code},
        )
    return user


def staff_user_update(
    *,
    actor: StaffUser | None,
    user: StaffUser,
    display_name: str,
    role: str,
    org_unit: OrgUnit | None,
    is_active: bool,
    password: str = "",
) -> StaffUser:
    staff_user_check(actor=actor, role=role, org_unit=org_unit, user=user)
    if not display_name.strip():
        raise ValidationError({"display_name": gettext("请填写姓名。")})
    if actor is not None and actor.pk == user.pk and (not is_active or role != Role.ADMIN):
        raise ValidationError({"role": gettext("不能停用自己的账号或取消自己的管理员角色。")})
    changes = {}
    for field, value in (
        ("display_name", display_name.strip()),
        ("role", role),
        ("org_unit", org_unit),
        ("is_active", is_active),
    ):
        if getattr(user, field) != value:
            changes[field] = str(value.code if isinstance(value, OrgUnit) else value)
            setattr(user, field, value)
    user.is_staff = role == Role.ADMIN
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        changes["password"] = "reset"  # noqa: S105 - a marker, not a password
    if not is_active:
        user.locked_until = None
        user.failed_login_count = 0
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action=AuditAction.STAFF_UPDATE, subject=user, detail=changes)
    return user


def _unlocked(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def _attempt_take(account: StaffUser, now: datetime) -> bool:
    """Count an attempt before its password is checked, so that however many run at once in
    however many processes, at most LOGIN_MAX_FAILURES passwords are tried before the lock."""
    accounts = StaffUser.objects.filter(pk=account.pk)
    accounts.filter(locked_until__lte=now).update(locked_until=None, failed_login_count=0)
    return bool(
        accounts.filter(
            locked_until__isnull=True, failed_login_count__lt=settings.LOGIN_MAX_FAILURES
        ).update(failed_login_count=F("failed_login_count") + 1)
    )


def _lock_if_used_up(account: StaffUser, now: datetime, ip: str) -> None:
    # Conditional, so of all the requests that see the attempts used up only one locks and
    # records it.
    locked = (
        StaffUser.objects.filter(_unlocked(now))
        .filter(pk=account.pk, failed_login_count__gte=settings.LOGIN_MAX_FAILURES)
        .update(locked_until=now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES))
    )
    if locked:
        audit_record(
            actor=None,
            action=AuditAction.ACCOUNT_LOCKED,
            subject=account,
            detail={"minutes": settings.LOGIN_LOCK_MINUTES, "ip": ip},
        )


def _refuse_locked(account: StaffUser, username: str, ip: str) -> LoginRefused:
    now = clock.now()
    with transaction.atomic():
        _lock_if_used_up(account, now, ip)
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            subject=account,
            detail={"username": username, "reason": "locked", "ip": ip},
        )
    locked_until = StaffUser.objects.values_list("locked_until", flat=True).get(pk=account.pk)
    minutes = max(1, int(((locked_until or now) - now).total_seconds() // 60) + 1)
    return LoginRefused(
        gettext(
            "该账号因连续输错密码已被锁定，请 {minutes} 分钟后再试，或联系系统管理员解锁。"
        ).format(minutes=minutes)
    )


def staff_login(*, request: HttpRequest, username: str, password: str) -> StaffUser:
    """Authenticate with lockout after repeated failures; every attempt is audited."""
    username = username.strip()
    ip = request.META.get("REMOTE_ADDR", "")
    account = StaffUser.objects.filter(username__iexact=username).first()
    if account is not None and not _attempt_take(account, clock.now()):
        raise _refuse_locked(account, username, ip)

    user = auth.authenticate(
        request, username=account.username if account else username, password=password
    )
    if user is None:
        with transaction.atomic():
            audit_record(
                actor=None,
                action=AuditAction.LOGIN_FAILED,
                subject=account,
                detail={"username": username, "reason": "bad_credentials", "ip": ip},
            )
            if account is not None:
                _lock_if_used_up(account, clock.now(), ip)
        raise LoginRefused(BAD_CREDENTIALS)

    with transaction.atomic():
        # Locked by parallel wrong attempts while this password was checked: still refused.
        reset = (
            StaffUser.objects.filter(_unlocked(clock.now()))
            .filter(pk=user.pk)
            .update(failed_login_count=0, locked_until=None)
        )
        if reset:
            auth.login(request, user)
            audit_record(actor=user, action=AuditAction.LOGIN, subject=user, detail={"ip": ip})
    if not reset:
        raise _refuse_locked(user, username, ip)
    return user


def staff_logout(*, request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            audit_record(actor=user, action=AuditAction.LOGOUT, subject=user)
        auth.logout(request)


def staff_password_change(*, request: HttpRequest, new_password: str) -> None:
    """Set the signed-in user's own password (already validated by the form) and keep them in."""
    user = staff_of(request)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action=AuditAction.PASSWORD_CHANGE, subject=user)
    auth.update_session_auth_hash(request, user)


def staff_language_set(*, actor: StaffUser, language: str) -> bool:
    """The language a staff member chose for their pages ("" is Chinese), kept on their profile
    so it comes back at their next login; whether it changed."""
    if language not in {code for code, _ in READING_LANGUAGES}:
        raise ValidationError({"language": gettext("不支持这种语言。")})
    with transaction.atomic():
        changed = (
            StaffUser.objects.filter(pk=actor.pk)
            .exclude(language=language)
            .update(language=language)
        )
        if changed:
            actor.language = language
            audit_record(
                actor=actor,
                action=AuditAction.STAFF_LANGUAGE,
                subject=actor,
                detail={"language": language},
            )
    return bool(changed)
