from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "onestop.workbench"
    label = "workbench"
    verbose_name = "工作台"
