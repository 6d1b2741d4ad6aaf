from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Benchmark and corpus tools: installed only when SOP_DEVTOOLS is on, never in production."""

    name = "devtools"
    verbose_name = "Development tools"
