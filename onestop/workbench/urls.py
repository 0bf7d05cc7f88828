from django.urls import path

from onestop.documents import views as document_views

from . import application, handovers, intake, matter, queue, ratings, supervision, views

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
    path("queue/", queue.queue_page, name="queue"),
    path("search/", queue.search, name="search"),
    path("applications/<int:pk>/", application.application_page, name="application"),
    path("applications/<int:pk>/receipt/", intake.receipt, name="receipt"),
    path(
        "applications/<int:pk>/documents/<str:kind>/",
        document_views.staff_document,
        name="document",
    ),
    path("applications/<int:pk>/accept/", application.accept, name="accept"),
    path("applications/<int:pk>/refuse/", application.refuse, name="refuse"),
    path("handovers/<int:pk>/pickup/", handovers.handover_pickup, name="handover_pickup"),
    path("handovers/<int:pk>/post/", handovers.handover_post, name="handover_post"),
    path("handovers/<int:pk>/track/", handovers.handover_track, name="handover_track"),
    path("applications/<int:pk>/reveal/", application.reveal, name="application_reveal"),
    path("matters/<int:pk>/", matter.matter_page, name="matter"),
    path("matters/<int:pk>/decide/", matter.decide, name="decide"),
    path("matters/<int:pk>/claim/", matter.claim, name="claim"),
    path("matters/<int:pk>/supply/", matter.supply, name="supply"),
    path("matters/<int:pk>/press/", matter.press, name="press"),
    path("materials/<int:pk>/", application.material, name="material"),
    path("supervise/", supervision.supervise, name="supervise"),
    path("ratings/", ratings.rating_list, name="ratings"),
    path("ratings/<int:pk>/", ratings.rating_page, name="rating"),
    path("ratings/<int:pk>/<str:action>/", ratings.rating_act, name="rating_act"),
    path("applications/<int:pk>/window-rating/", ratings.window_rating, name="window_rating"),
]
