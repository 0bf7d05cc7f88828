from django.urls import path

from onestop.documents import views as document_views

from . import casework, intake, ratings, supervision, views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("intake/", intake.start, name="intake"),
    path("intake/register/", intake.register, name="intake_register"),
    path("intake/<int:person_id>/", intake.application_form, name="intake_form"),
    path("window/", supervision.window, name="window"),
    path("notices/<int:pk>/done/", supervision.notice_done, name="notice_done"),
    path("notices/<int:pk>/print/", supervision.notice_print, name="notice_print"),
    path("queue/", casework.queue_page, name="queue"),
    path("search/", casework.search, name="search"),
    path("applications/<int:pk>/", casework.application_page, name="application"),
    path("applications/<int:pk>/receipt/", intake.receipt, name="receipt"),
    path(
        "applications/<int:pk>/documents/<str:kind>/",
        document_views.staff_document,
        name="document",
    ),
    path("applications/<int:pk>/accept/", casework.accept, name="accept"),
    path("applications/<int:pk>/refuse/", casework.refuse, name="refuse"),
    path("handovers/<int:pk>/pickup/", casework.handover_pickup, name="handover_pickup"),
    path("handovers/<int:pk>/post/", casework.handover_post, name="handover_post"),
    path("handovers/<int:pk>/track/", casework.handover_track, name="handover_track"),
    path("applications/<int:pk>/reveal/", casework.reveal, name="application_reveal"),
    path("matters/<int:pk>/", casework.matter_page, name="matter"),
    path("matters/<int:pk>/decide/", casework.decide, name="decide"),
    path("matters/<int:pk>/claim/", casework.claim, name="claim"),
    path("matters/<int:pk>/supply/", casework.supply, name="supply"),
    path("matters/<int:pk>/press/", casework.press, name="press"),
    path("materials/<int:pk>/", casework.material, name="material"),
    path("supervise/", supervision.supervise, name="supervise"),
    path("ratings/", ratings.rating_list, name="ratings"),
    path("ratings/<int:pk>/", ratings.rating_page, name="rating"),
    path("ratings/<int:pk>/<str:action>/", ratings.rating_act, name="rating_act"),
    path("applications/<int:pk>/window-rating/", ratings.window_rating, name="window_rating"),
]
