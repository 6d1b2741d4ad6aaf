"""WSGI entry point: `gunicorn msp_sop.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msp_sop.settings")

application = get_wsgi_application()
