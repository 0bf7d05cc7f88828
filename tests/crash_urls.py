"""The platform's URLs and one view that fails, to see what a person gets when something breaks."""

from django.urls import path

from onestop.urls import handler500
from onestop.urls import urlpatterns as platform


def fail(request):
    raise RuntimeError("a fault nobody foresaw")


urlpatterns = [path("fail/", fail), *platform]
__all__ = ["handler500", "urlpatterns"]
