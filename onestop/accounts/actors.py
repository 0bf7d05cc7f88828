"""Who performs an action: the one type every service's ``actor`` takes."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import StaffUser

# A staff member at a screen, or a department system through its API key's service account
# (also a StaffUser, bound to the key's unit); None when the applicant acts through the portal or
# the platform acts by itself (the worker, the sweep, management commands, the demo data).
Actor: TypeAlias = StaffUser | None

# Whom a staff-visible read is scoped to: the request's user, which outside a signed-in page is
# anonymous and then sees nothing.
Viewer: TypeAlias = StaffUser | AnonymousUser


def staff_of(request: HttpRequest) -> StaffUser:
    """The signed-in staff member behind a staff-only page (the admin, the workbench)."""
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied("请先以工作人员身份登录。")
    return user
