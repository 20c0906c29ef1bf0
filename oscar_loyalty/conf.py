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
}


def get(name: str):
    """The project's ``OSCAR_LOYALTY_<name>`` or our default."""
    return getattr(settings, f"OSCAR_LOYALTY_{name}", DEFAULTS[name])
