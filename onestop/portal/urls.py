from django.urls import path

from .views import account, applications, apply, lookup, public

app_name = "portal"
urlpatterns = [
    path("", public.home, name="home"),
    path("elder/", public.toggle_elder, name="elder"),
    path("check/", public.check, name="check"),
    path("guide/<slug:slug>/", public.guide, name="guide"),
    path("accessibility/", public.accessibility, name="accessibility"),
    path("hotlines/", public.hotlines, name="hotlines"),
    path("sign-in/", account.sign_in, name="sign_in"),
    path("sign-in/code/", account.sign_in_code, name="sign_in_code"),
    path("sign-out/", account.sign_out, name="sign_out"),
    path("me/", account.me, name="me"),
    path("inbox/", account.inbox, name="inbox"),
    path("benefits/", account.benefits, name="benefits"),
    path("inbox/read/", account.inbox_read, name="inbox_read"),
    path("apply/<int:person_id>/", apply.apply, name="apply"),
    path("apply/<int:person_id>/<str:step>/", apply.apply, name="apply_step"),
    path(
        "apply/<int:person_id>/files/<int:pk>/remove/",
        apply.apply_file_remove,
        name="apply_file_remove",
    ),
    path("applications/<int:pk>/", applications.application_page, name="application"),
    path("applications/<int:pk>/supply/<int:matter_id>/", applications.supply, name="supply"),
    path("applications/<int:pk>/withdraw/", applications.withdraw, name="withdraw"),
    path("applications/<int:pk>/early/<int:matter_id>/", applications.early, name="early"),
    path("applications/<int:pk>/confirm/", applications.confirm, name="confirm"),
    path("applications/<int:pk>/rate/", applications.rate, name="rate"),
    path("applications/<int:pk>/documents/<str:kind>/", applications.document, name="document"),
    path(
        "applications/<int:pk>/ratings/<int:rating_id>/",
        applications.rate_rectification,
        name="rate_rectification",
    ),
    path("lookup/", lookup.lookup, name="lookup"),
    path("lookup/code/", lookup.lookup_code, name="lookup_code"),
    path("lookup/status/", lookup.lookup_status, name="lookup_status"),
    path("dev/outbox/", public.dev_outbox, name="dev_outbox"),
]
