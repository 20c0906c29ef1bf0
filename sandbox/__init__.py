"""The sandbox shop: stock django-oscar 4.2 with oscar_loyalty installed."""

from .celery_app import app as celery_app

__all__ = ["celery_app"]
