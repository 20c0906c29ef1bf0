"""What a tier gives: extra points, entry and birthday bonuses, a discount and free shipping as
real Oscar site offers, and rewards only its members see."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from .. import caching, ledger
from ..models import CustomerProfile, CustomerTier, LedgerEntry, Tier
from ..offers import free_shipping
from ..offers.facts import customer_facts, register_fact
from ..offers.percentage import PATH as ROUNDED_PERCENTAGE
from ..periodic import birthday_days
from ..utils import batched_by_pk
from .qualification import Ladder

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")

TIER_CONDITION = "oscar_loyalty.offers.tier_conditions.CustomerInTierCondition"
ONE = Decimal("1")
TIER_FACT = "tier"
BIRTHDAY_LINE = gettext_lazy("Happy birthday from %(tier)s")  # read back by ``history``


# --- whose tier -------------------------------------------------------------------------------


def tier_for_user(user) -> Tier | None:
    """The customer's current tier (pins included), in one query; the entry tier while none is
    recorded; None for guests."""
    if user is None or not getattr(user, "pk", None) or not user.is_authenticated:
        return None
    status = CustomerTier.objects.filter(account__user=user).select_related("tier").first()
    if status is not None and status.tier is not None:
        return status.tier
    return Ladder.cached().entry_tier


def tier_for_basket(basket) -> Tier | None:
    """The basket owner's tier, as a customer fact (``offers.facts``): loaded once per basket
    however many offers and page blocks ask (Oscar re-applies offers several times per
    request), and not at all when the shop has no tiers or the basket has no owner."""
    if not Ladder.cached().tiers:
        return None
    return customer_facts(basket).get(TIER_FACT)


register_fact(TIER_FACT, tier_for_user)


def points_multiplier(tier: Tier | None) -> Decimal:
    return tier.points_multiplier if tier is not None else ONE


def tier_by_condition() -> dict[int, tuple[int, str]]:
    """Tier id and name for each offer condition row that stands for a tier (cached)."""

    def load():
        found = {}
        for tier in Tier.objects.all():
            for condition_id in (tier.condition_id, tier.shipping_condition_id):
                if condition_id:
                    found[condition_id] = (tier.pk, tier.name)
        return found

    return caching.cached("tier_conditions", load)


# --- rewards ----------------------------------------------------------------------------------


def rewards_for_tier(rewards: QuerySet, tier: Tier | None) -> QuerySet:
    """Rewards open to everyone, plus those exclusive to ``tier``."""
    visible = Q(exclusive_to_tiers=None)
    if tier is not None:
        visible |= Q(exclusive_to_tiers=tier)
    return rewards.filter(visible).distinct()


# --- offers -----------------------------------------------------------------------------------


def _all_products():
    return Range.objects.get_or_create(
        name="Loyalty tiers: all products", defaults={"includes_all_products": True}
    )[0]


def _set_offer(
    offer, *, name: str, condition, wanted: bool, benefit_fields: dict, priority: int = 0
):
    """Create, update, or suspend (never delete: orders reference it) one tier offer."""
    if offer is None:
        if not wanted:
            return None
        return ConditionalOffer.objects.create(
            name=name[:128],
            offer_type=ConditionalOffer.SITE,
            exclusive=False,
            max_basket_applications=1,
            priority=priority,
            condition=condition,
            benefit=Benefit.objects.create(**benefit_fields),
        )
    Benefit.objects.filter(pk=offer.benefit_id).update(**benefit_fields)
    offer.condition = condition
    offer.priority = priority
    offer.status = ConditionalOffer.OPEN if wanted else ConditionalOffer.SUSPENDED
    offer.save(update_fields=["condition", "priority", "status"])
    return offer


def sync_tier_offers(tier: Tier) -> None:
    """Make the tier's Oscar rows match its perks: the "customer is in tier" condition (always,
    so admins can use it in their own offers), a percentage-off site offer and a free-shipping
    site offer (its own condition carries the minimum basket value) that stands aside when
    another offer already discounts the shipping (``offers.free_shipping``)."""
    if tier.condition_id is None:
        tier.condition = Condition.objects.create(proxy_class=TIER_CONDITION)
    above = tier.free_shipping == Tier.SHIPPING_ABOVE
    if above:
        if tier.shipping_condition_id is None:
            tier.shipping_condition = Condition.objects.create(proxy_class=TIER_CONDITION)
        Condition.objects.filter(pk=tier.shipping_condition_id).update(
            value=tier.free_shipping_threshold or 0
        )
    tier.discount_offer = _set_offer(
        tier.discount_offer,
        name=_("%(tier)s tier discount") % {"tier": tier.name},
        condition=tier.condition,
        wanted=tier.discount_percentage > 0,
        benefit_fields={
            "type": Benefit.PERCENTAGE,
            "proxy_class": ROUNDED_PERCENTAGE,  # re-syncing converts older stock benefits
            "value": tier.discount_percentage or 0,
            "range": _all_products(),
        },
    )
    tier.shipping_offer = _set_offer(
        tier.shipping_offer,
        name=_("%(tier)s tier free shipping") % {"tier": tier.name},
        condition=tier.shipping_condition if above else tier.condition,
        wanted=bool(tier.free_shipping),
        benefit_fields={
            "type": Benefit.SHIPPING_PERCENTAGE,
            "proxy_class": free_shipping.PATH,
            "value": 100,
        },
        priority=free_shipping.PRIORITY,
    )
    Tier.objects.filter(pk=tier.pk).update(
        condition=tier.condition,
        shipping_condition=tier.shipping_condition,
        discount_offer=tier.discount_offer,
        shipping_offer=tier.shipping_offer,
    )
    caching.forget("tier_conditions")


def suspend_tier_offers(tier: Tier) -> None:
    """A deleted tier's offers stop applying (they stay: orders reference them)."""
    ids = [pk for pk in (tier.discount_offer_id, tier.shipping_offer_id) if pk]
    ConditionalOffer.objects.filter(pk__in=ids).update(status=ConditionalOffer.SUSPENDED)


# --- birthdays --------------------------------------------------------------------------------


def award_tier_birthday_bonuses(now: datetime) -> int:
    """The tier's birthday bonus for members born today, once per year (29 February is
    celebrated on the 28th in other years)."""
    today = timezone.localdate(now)
    profiles = CustomerProfile.objects.filter(
        birth_date__month=today.month,
        birth_date__day__in=birthday_days(today),
        account__tier_status__tier__birthday_bonus__gt=0,
    ).select_related("account__tier_status__tier")
    awarded = 0
    for batch in batched_by_pk(profiles):
        for profile in batch:
            tier = profile.account.tier_status.tier
            ledger.earn(
                profile.account,
                tier.birthday_bonus,
                key=f"tier:{profile.account_id}:birthday:{today.year}",
                kind=LedgerEntry.BONUS,
                description=BIRTHDAY_LINE % {"tier": tier.name},
                detail={"tier": tier.pk},
                at=now,
            )
            awarded += 1
    return awarded
