"""Settings of the sandbox shop: stock django-oscar 4.2 (no forked app) plus oscar_loyalty.

SQLite by default; ``DATABASE_URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/test``) switches
the database. Celery tasks run eagerly unless ``CELERY_BROKER_URL`` is set.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

from oscar_loyalty.dashboard.nav import LOYALTY_NAVIGATION

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "sandbox-only-not-a-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # oscar_loyalty sits above oscar.config.Shop so its template overrides win.
    "oscar_loyalty.apps.LoyaltyConfig",
    "oscar_loyalty.dashboard.apps.LoyaltyDashboardConfig",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    # Remembers ?ref=CODE referral links (an install step, see the README).
    "oscar_loyalty.referrals.capture.ReferralMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English")), ("nl", _("Dutch")), ("ar", _("Arabic"))]
# The sandbox's own strings (its shipping methods) are not the package's: their own catalogue.
LOCALE_PATHS = [REPO_DIR / "oscar_loyalty" / "locale", BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# Oscar 4 browses the catalogue through Haystack; Whoosh is pure Python and needs no server.
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": os.environ.get("HAYSTACK_WHOOSH_PATH", str(BASE_DIR / "whoosh_index")),
        "INCLUDE_SPELLING": False,
    }
}
# Oscar asks every backend for facets; Whoosh has none and says so on every catalogue page.
warnings.filterwarnings("ignore", message="Whoosh does not handle query faceting")
# The demo data loader rebuilds the index in one pass; shop edits update it as they happen.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"
THUMBNAIL_DEBUG = False

# Files rather than the console: loading the demo sends hundreds of tier welcome emails.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = BASE_DIR / "sent-emails"
DEFAULT_FROM_EMAIL = "shop@example.com"

# The demo data is a UK gift retailer; prices are in pounds sterling.
OSCAR_SHOP_NAME = "Loyalty Sandbox"
OSCAR_SHOP_TAGLINE = "django-oscar-loyalty demo"
OSCAR_DEFAULT_CURRENCY = "GBP"
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Complete", "Cancelled"),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_ORDER_STATUS_CASCADE = {
    "Being processed": "Being processed",
    "Complete": "Complete",
    "Cancelled": "Cancelled",
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, LOYALTY_NAVIGATION]
# Charged shipping (Standard delivery £3.95, Express £7.95) without forking Oscar's shipping app.
OSCAR_DYNAMIC_CLASS_LOADER = "sandbox.class_loading.shop_class_loader"

# Where `manage.py loyalty_load_demo_data` finds the UCI Online Retail file by default.
# The full file next to the checkout when it is there, else the 400-customer sample we ship.
_FULL_DEMO_DATA = REPO_DIR.parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"
OSCAR_LOYALTY_DEMO_DATA = os.environ.get(
    "OSCAR_LOYALTY_DEMO_DATA",
    str(
        _FULL_DEMO_DATA
        if _FULL_DEMO_DATA.is_file()
        else BASE_DIR / "demo_data" / "online_retail_sample.csv.gz"
    ),
)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "loyalty-confirm-due-points": {
        "task": "oscar_loyalty.tasks.confirm_due_points",
        "schedule": 15 * 60,
    },
    "loyalty-expire-points": {"task": "oscar_loyalty.tasks.expire_points", "schedule": 60 * 60},
    "loyalty-release-stale-holds": {
        "task": "oscar_loyalty.tasks.release_stale_holds",
        "schedule": 60 * 60,
    },
    "loyalty-settle-reward-vouchers": {
        "task": "oscar_loyalty.tasks.settle_reward_vouchers",
        "schedule": 60 * 60,
    },
    "loyalty-birthdays": {
        "task": "oscar_loyalty.tasks.award_birthday_points",
        "schedule": 24 * 3600,
    },
    "loyalty-build-recommendations": {
        "task": "oscar_loyalty.tasks.build_recommendations",
        "schedule": 24 * 3600,
    },
    "loyalty-reevaluate-tiers": {
        "task": "oscar_loyalty.tasks.reevaluate_tiers",
        "schedule": 24 * 3600,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"oscar_loyalty": {"handlers": ["console"], "level": "INFO"}},
}
