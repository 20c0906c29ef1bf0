"""A shop developer's existing stock Oscar project, plus exactly the README's install steps."""

import os

import oscar
from oscar.defaults import *  # noqa: F403

SECRET_KEY = "install-check"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.install_project.urls"
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["INSTALL_CHECK_DB"]}
}
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Install step: our two apps, above oscar.config.Shop.
INSTALLED_APPS = [
    "oscar_loyalty.apps.LoyaltyConfig",
    "oscar_loyalty.dashboard.apps.LoyaltyDashboardConfig",
    *oscar.INSTALLED_APPS,
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    # Install step: remembers ?ref=CODE referral links.
    "oscar_loyalty.referrals.capture.ReferralMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ]
        },
    }
]

# Install step: the loyalty section in the dashboard menu.
from oscar_loyalty.dashboard.nav import LOYALTY_NAVIGATION  # noqa: E402

OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, LOYALTY_NAVIGATION]  # noqa: F405
