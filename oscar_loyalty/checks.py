"""System checks that catch the installation mistakes a shop developer is likely to make."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Tags, Warning, register


def _app_index(label: str) -> int | None:
    for index, config in enumerate(apps.get_app_configs()):
        if config.label == label:
            return index
    return None


@register(Tags.templates)
def check_app_order(app_configs, **kwargs) -> list[Warning]:
    """Our template overrides extend Oscar's of the same name, so we must come first."""
    ours, oscar = _app_index("oscar_loyalty"), _app_index("oscar")
    if ours is not None and oscar is not None and ours > oscar:
        return [
            Warning(
                "oscar_loyalty is listed after oscar.config.Shop in INSTALLED_APPS.",
                hint="Move 'oscar_loyalty.apps.LoyaltyConfig' above 'oscar.config.Shop' so the "
                "Rewards tab and basket blocks show.",
                id="oscar_loyalty.W001",
            )
        ]
    return []


def _nav_url_names(nodes) -> set[str]:
    names = set()
    for node in nodes:
        if node.get("url_name"):
            names.add(node["url_name"])
        names |= _nav_url_names(node.get("children", []))
    return names


@register()
def check_dashboard_navigation(app_configs, **kwargs) -> list[Warning]:
    """Without the nav entry, staff cannot reach the loyalty dashboard from Oscar's menu."""
    if _app_index("oscar_loyalty_dashboard") is None:
        return []
    nav = getattr(settings, "OSCAR_DASHBOARD_NAVIGATION", [])
    if "oscar_loyalty_dashboard:loyalty-index" not in _nav_url_names(nav):
        return [
            Warning(
                "The loyalty dashboard is not in OSCAR_DASHBOARD_NAVIGATION.",
                hint="from oscar_loyalty.dashboard.nav import LOYALTY_NAVIGATION; "
                "OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, LOYALTY_NAVIGATION]",
                id="oscar_loyalty.W002",
            )
        ]
    return []


REFERRAL_MIDDLEWARE = "oscar_loyalty.referrals.capture.ReferralMiddleware"


@register()
def check_referral_middleware(app_configs, **kwargs) -> list[Warning]:
    """Without the middleware, ``?ref=CODE`` links are not remembered (codes typed at sign-up
    and checkout still work)."""
    if REFERRAL_MIDDLEWARE not in getattr(settings, "MIDDLEWARE", []):
        return [
            Warning(
                "Referral links (?ref=CODE) are not remembered: the referral middleware is "
                "missing.",
                hint=f"Add '{REFERRAL_MIDDLEWARE}' to MIDDLEWARE after Oscar's BasketMiddleware.",
                id="oscar_loyalty.W003",
            )
        ]
    return []
