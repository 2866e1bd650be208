from django.apps import AppConfig


class FlowdesignerConfig(AppConfig):
    name = "flowdesigner"
    verbose_name = "Flow designer"
