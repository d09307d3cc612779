"""WSGI entry point (gunicorn dealtracker.wsgi). DATABASE_URL must be set."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
application = get_wsgi_application()
