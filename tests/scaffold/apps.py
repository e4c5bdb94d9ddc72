from django.apps import AppConfig


class ScaffoldConfig(AppConfig):
    name = "tests.scaffold"
    label = "scaffold"
