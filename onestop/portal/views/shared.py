"""What every signed-in portal page needs: the signed-in number, and its persons and applications
(anything not theirs is not found, never forbidden: its existence is not given away)."""

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from onestop.cases.models import Application
from onestop.people.models import Person

from .. import selectors

ELDER_COOKIE = "onestop_elder"


def citizen_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        phone = request.session.get("citizen_phone")
        if not phone:
            return redirect(f"{reverse('portal:sign_in')}?next={request.get_full_path()}")
        request.citizen_phone = phone
        return view(request, *args, **kwargs)

    return wrapped


def person_or_404(request, person_id: int) -> Person:
    person = selectors.person_for(request.citizen_phone, person_id)
    if person is None:
        raise Http404(gettext("没有找到这个人。"))
    return person


def application_or_404(request, pk: int) -> Application:
    application = selectors.application_for(request.citizen_phone, pk)
    if application is None:
        raise Http404
    return application
