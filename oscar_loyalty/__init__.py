"""Loyalty for django-oscar shops: points ledger, earning rules, rewards, paying with points."""

__version__ = "0.1.0"
