"""Test settings: the sandbox shop, fast hashing, in-memory email, eager Celery.

``DATABASE_URL`` selects the database (SQLite in memory when unset), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pytest``.
"""

import os
import tempfile

import dj_database_url

from sandbox.settings import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Oscar's own loader and its free-only shipping: tests choose their shipping methods
# (tests/checkout.py's offer_shipping), not the sandbox's charged ones.
OSCAR_DYNAMIC_CLASS_LOADER = "oscar.core.loading.default_class_loader"

# Each test run indexes into its own throwaway Whoosh folder.
HAYSTACK_CONNECTIONS["default"]["PATH"] = tempfile.mkdtemp(prefix="loyalty-whoosh-")  # noqa: F405
