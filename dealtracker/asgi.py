"""ASGI entry point. DATABASE_URL must be set."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
application = get_asgi_application()
