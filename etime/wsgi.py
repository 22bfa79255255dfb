from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etime.settings")

application = get_wsgi_application()

# gunicorn does not run Django's system checks; refuse unsafe settings here (DESIGN §2).
from etime import checks  # noqa: E402

checks.enforce()
