from django.apps import AppConfig


class BaselineConfig(AppConfig):
    name = "benchmarks.baseline"
    label = "baseline"
    verbose_name = "Benchmark baselines"
    default_auto_field = "django.db.models.BigAutoField"
