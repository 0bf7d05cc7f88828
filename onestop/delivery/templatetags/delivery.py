from django import template

from onestop.delivery.places import delivery_text as _delivery_text

register = template.Library()


@register.filter
def delivery_text(application) -> str:
    """Where the application's results go, in full sentences."""
    return _delivery_text(application)
