"""VIP tiers: qualification, perks and re-evaluation.

* :mod:`.qualification` -- qualifying values over the window, in grouped queries per batch;
* :mod:`.activity` -- what a confirmed order counts (spend on the earn base, points earned);
* :mod:`.changes` -- upgrades at confirmation, downgrades after a grace period, entry bonuses,
  emails; every change of tier is a ``TierChange`` row;
* :mod:`.pins` -- staff pins with a reason and an end date;
* :mod:`.perks` -- multiplier, birthday bonus, the tier offers (discount, free shipping) and
  exclusive rewards;
* :mod:`.progress` -- what the shopper is shown.
"""

from .activity import record_order_activity
from .changes import qualify_account, quiet_upgrades, reevaluate_all, upgrades_are_quiet
from .perks import (
    award_tier_birthday_bonuses,
    points_multiplier,
    rewards_for_tier,
    suspend_tier_offers,
    sync_tier_offers,
    tier_for_basket,
    tier_for_user,
)
from .pins import PinError, end_expired_pins, pin_customer, remove_pin

__all__ = [
    "PinError",
    "award_tier_birthday_bonuses",
    "end_expired_pins",
    "pin_customer",
    "points_multiplier",
    "qualify_account",
    "quiet_upgrades",
    "record_order_activity",
    "reevaluate_all",
    "remove_pin",
    "rewards_for_tier",
    "suspend_tier_offers",
    "sync_tier_offers",
    "tier_for_basket",
    "tier_for_user",
    "upgrades_are_quiet",
]
