from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from onestop.accounts.services import staff_language_set
from onestop.core.language import remember
from onestop.core.views import safe_next
from onestop.people.services import person_language_set

from .catalog import CHINESE


@require_POST
def choose(request: HttpRequest) -> HttpResponse:
    """The language chosen on any page, remembered in a cookie, back to the same page. Works
    without JavaScript: the switch is a form with one button per language."""
    language = request.POST.get("language", "")
    response = redirect(safe_next(request) or "/")
    if language in dict(settings.LANGUAGES):
        remember(response, language)
        reading = "" if language == CHINESE else language
        phone = request.session.get("citizen_phone")
        if phone:  # signed in on the portal: their notices follow the choice too
            person_language_set(actor=None, phone=phone, language=reading)
        if request.user.is_authenticated:  # a staff member: their profile keeps it
            staff_language_set(actor=request.user, language=reading)
    return response
