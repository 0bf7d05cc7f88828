from django import template

from onestop.cases.models import Application
from onestop.delivery.places import delivery_text as _delivery_text
from onestop.delivery.places import window

register = template.Library()


@register.filter
def delivery_text(application: Application) -> str:
    """Where the application's results go, in full sentences."""
    return _delivery_text(application)


@register.filter
def window_name(application: Application) -> str:
    """The name of the window that serves the application's county."""
    return window(application).name
