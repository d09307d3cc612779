from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Jobs run by the task queue (see the package's docstring)."""

    name = "dealtracker.tasks"
    label = "tasks"
