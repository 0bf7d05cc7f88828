"""Who performs an action: the one type every service's ``actor`` takes."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from .models import StaffUser

# A staff member at a screen, or a department system through its API key's service account
# (also a StaffUser, bound to the key's unit); None when the applicant acts through the portal or
# the platform acts by itself (the worker, the sweep, management commands, the demo data).
Actor: TypeAlias = StaffUser | None

# Whom a staff-visible read is scoped to: the request's user, which outside a signed-in page is
# anonymous and then sees nothing.
Viewer: TypeAlias = StaffUser | AnonymousUser
