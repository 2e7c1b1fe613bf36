"""The Celery application. Embedded mode runs tasks eagerly; production uses a real broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")

app = Celery("cityops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
