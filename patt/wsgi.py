"""WSGI entry point (gunicorn patt.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")
application = get_wsgi_application()
