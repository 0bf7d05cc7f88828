from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="page"),
    path("monthly.pdf", views.monthly_pdf, name="monthly"),
]
