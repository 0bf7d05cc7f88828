from django import template
from django.utils.translation import gettext

from onestop.cases.models import Application
from onestop.delivery.places import delivery_text as _delivery_text
from onestop.delivery.places import window_name as _window_name

register = template.Library()


@register.filter
def delivery_text(application: Application) -> str:
    """Where the application's results go, in full sentences, in the reader's language."""
    return _delivery_text(application, gettext)


@register.filter
def window_name(application: Application) -> str:
    """The name of the window that serves the application's county."""
    return _window_name(application, gettext)
