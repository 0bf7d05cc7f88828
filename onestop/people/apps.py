from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "onestop.people"
    label = "people"
    verbose_name = "人员信息"
