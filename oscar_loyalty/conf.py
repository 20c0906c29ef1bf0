"""oscar_loyalty's Django settings, each ``OSCAR_LOYALTY_<NAME>``, with documented defaults.

Amounts and periods that store admins change live in the dashboard (``ProgramSettings``); these
are the things a shop developer decides once, such as the names of the shop's order statuses.
"""

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Order statuses (OSCAR_ORDER_STATUS_PIPELINE names) that make pending points spendable at
    # once, before the return window is over.
    "CONFIRM_STATUSES": ["Complete"],
    # Order statuses that take back everything the order earned.
    "REVERSE_STATUSES": ["Cancelled"],
    # PaymentEventType codes that count as refunds (codes are slugs of the type's name).
    "REFUND_EVENT_TYPES": ["refund", "refunded"],
    # The UCI Online Retail file that ``loyalty_load_demo_data`` reads by default.
    "DEMO_DATA": None,
    # Shopper history pages: entries per page.
    "HISTORY_PER_PAGE": 20,
    # Referrals: the link's query parameter and the cookie that remembers it.
    "REFERRAL_QUERY_PARAMETER": "ref",
    "REFERRAL_COOKIE_NAME": "loyalty_ref",
    # Referral code lookups (links, registration, checkout) per client IP per hour.
    "REFERRAL_LOOKUPS_PER_HOUR": 20,
    # "Invite by email" messages per customer per day.
    "REFERRAL_INVITES_PER_DAY": 10,
    # Email normalisation for the self-referral and new-customer rules.
    "EMAIL_DOMAIN_ALIASES": {"googlemail.com": "gmail.com"},
    "EMAIL_DOTS_IGNORED_DOMAINS": ["gmail.com"],
    "EMAIL_PLUS_TAG_DOMAINS": [
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "fastmail.com",
        "proton.me",
        "protonmail.com",
    ],
    # A function(order) -> set of strings identifying how it was paid (e.g. a card fingerprint
    # from your payment provider); the default uses the labels of the order's payment sources.
    "PAYMENT_FINGERPRINTS": "oscar_loyalty.referrals.fraud.payment_source_labels",
    # On PostgreSQL, earn and redeem run as hand-written SQL (oscar_loyalty/ledger/pgsql.py):
    # same rows and guarantees as the ORM path, about ten times less CPU per posting.
    "LEDGER_SQL_FAST_PATH": True,
    # Recommendations: neighbours stored per product, the half-life (days) after which a past
    # purchase counts half in a customer's profile, products shown per block, and how long (s)
    # a customer's or product's list stays cached (a new order or a new build drops it sooner).
    "RECOMMENDATIONS_NEIGHBOURS": 50,
    "RECOMMENDATIONS_HALF_LIFE_DAYS": 180,
    # The model solves exactly for this many of the most-bought products (memory and time grow
    # with its square and cube: 8,000 take ~0.8 GB and a few seconds); rarer ones get cosine links.
    "RECOMMENDATIONS_DENSE_PRODUCTS": 8000,
    "RECOMMENDATIONS_BLOCK_SIZE": 4,
    "RECOMMENDATIONS_CACHE_TIMEOUT": 6 * 3600,
    # Reuse a block's rendered HTML while its products' stock records, products and images are
    # unchanged (read on every render). The key holds the strategy's class but not the user or
    # the request: turn it off if your strategy prices or stocks per shopper or per request.
    "RECOMMENDATIONS_CACHE_BLOCKS": True,
    # "Popular now" looks at the orders of this many days before the newest order.
    "RECOMMENDATIONS_RECENT_DAYS": 30,
}


def get(name: str):
    """The project's ``OSCAR_LOYALTY_<name>`` or our default."""
    return getattr(settings, f"OSCAR_LOYALTY_{name}", DEFAULTS[name])
