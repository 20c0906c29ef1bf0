"""The loyalty entry for ``OSCAR_DASHBOARD_NAVIGATION``.

Settings import this module, so it may import nothing but ``gettext_lazy``::

    from oscar_loyalty.dashboard.nav import LOYALTY_NAVIGATION
    OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, LOYALTY_NAVIGATION]
"""

from django.utils.translation import gettext_lazy as _

LOYALTY_NAVIGATION = {
    "label": _("Loyalty"),
    "icon": "fas fa-gift",
    "children": [
        {"label": _("Overview"), "url_name": "oscar_loyalty_dashboard:loyalty-index"},
        {"label": _("Accounts"), "url_name": "oscar_loyalty_dashboard:loyalty-account-list"},
        {"label": _("Earning rules"), "url_name": "oscar_loyalty_dashboard:loyalty-rule-list"},
        {"label": _("Rewards"), "url_name": "oscar_loyalty_dashboard:loyalty-reward-list"},
        {"label": _("Tiers"), "url_name": "oscar_loyalty_dashboard:loyalty-tier-list"},
        {
            "label": _("Offer conditions and brackets"),
            "url_name": "oscar_loyalty_dashboard:loyalty-offer-blocks",
        },
        {
            "label": _("Reward redemptions"),
            "url_name": "oscar_loyalty_dashboard:loyalty-reward-redemptions",
        },
        {
            "label": _("Paying with points"),
            "url_name": "oscar_loyalty_dashboard:loyalty-redemption-list",
        },
        {"label": _("Referrals"), "url_name": "oscar_loyalty_dashboard:loyalty-referral-list"},
        {
            "label": _("Referral report"),
            "url_name": "oscar_loyalty_dashboard:loyalty-referral-report",
        },
        {
            "label": _("Referral settings"),
            "url_name": "oscar_loyalty_dashboard:loyalty-referral-settings",
        },
        {"label": _("Settings"), "url_name": "oscar_loyalty_dashboard:loyalty-settings"},
        {
            "label": _("Recommendations"),
            "url_name": "oscar_loyalty_dashboard:loyalty-recommendations",
        },
    ],
}
