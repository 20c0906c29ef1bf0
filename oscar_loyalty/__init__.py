"""Loyalty points, VIP tiers, checkout offers, referrals and recommendations for django-oscar."""

__version__ = "0.1.0"
