from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("elder/", views.toggle_elder, name="elder"),
    path("check/", views.check, name="check"),
    path("guide/<slug:slug>/", views.guide, name="guide"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("hotlines/", views.hotlines, name="hotlines"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("me/", views.me, name="me"),
    path("inbox/", views.inbox, name="inbox"),
    path("apply/<int:person_id>/", views.apply, name="apply"),
    path("apply/<int:person_id>/<str:step>/", views.apply, name="apply_step"),
    path(
        "apply/<int:person_id>/files/<int:pk>/remove/",
        views.apply_file_remove,
        name="apply_file_remove",
    ),
    path("applications/<int:pk>/", views.application_page, name="application"),
    path("applications/<int:pk>/supply/<int:matter_id>/", views.supply, name="supply"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/early/<int:matter_id>/", views.early, name="early"),
    path("applications/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("applications/<int:pk>/rate/", views.rate, name="rate"),
    path("applications/<int:pk>/documents/<str:kind>/", views.document, name="document"),
    path(
        "applications/<int:pk>/ratings/<int:rating_id>/",
        views.rate_rectification,
        name="rate_rectification",
    ),
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/code/", views.lookup_code, name="lookup_code"),
    path("lookup/status/", views.lookup_status, name="lookup_status"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
