"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Import every view (pandas and Bokeh among them) while the server starts, not in the first request
# it takes after a start or a recycle (gunicorn's max_requests): Django loads the URLconf lazily, and
# that request waited about 2.8 s here for the imports (issue 22).
from django.urls import get_resolver  # noqa: E402

get_resolver().check()  # resolves the patterns, so every urls.py and its views are imported
