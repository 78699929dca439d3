"""WSGI entry point for gunicorn (`flightbridge serve` starts it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flightbridge.settings")
application = get_wsgi_application()
