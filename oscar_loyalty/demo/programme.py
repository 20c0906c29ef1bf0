"""A ready-made loyalty programme for the demo shop, so the sandbox shows points at once."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from oscar.core.loading import get_model

from ..models import (
    AmountOffReward,
    FreeShippingReward,
    GiftReward,
    PercentageOffReward,
    RedemptionSettings,
    ReferralSettings,
    ReviewRule,
    SignupRule,
    SpendRule,
    Tier,
    TierSettings,
)
from .offers import set_up_demo_offers

Product = get_model("catalogue", "Product")


def set_up_demo_programme() -> list[str]:
    """Create the demo rules, redemption settings and rewards that are missing. Idempotent:
    everything is looked up by name first. Returns what was created."""
    currency = settings.OSCAR_DEFAULT_CURRENCY
    created = []

    def ensure(model, name: str, **fields) -> None:
        if not model.objects.filter(name=name).exists():
            model.objects.create(name=name, **fields)
            created.append(name)

    ensure(SpendRule, "1 point per pound", points_per_unit=Decimal("1"), currency=currency)
    ensure(SignupRule, "Welcome bonus", points=100)
    ensure(ReviewRule, "Review a product", points=25, limit_count=5, limit_period="month")
    if not RedemptionSettings.objects.filter(currency=currency).exists():
        # Points pay for shipping too, so the sandbox's charged delivery shows that feature.
        RedemptionSettings.objects.create(
            currency=currency, points_per_unit=100, max_order_share=50, pay_shipping=True
        )
        created.append("Redemption settings")
    ensure(AmountOffReward, "£5 off your order", points_cost=500, amount=Decimal("5.00"))
    ensure(PercentageOffReward, "10% off your order", points_cost=1500, percentage=Decimal("10"))
    ensure(FreeShippingReward, "Free shipping", points_cost=300)
    gift = Product.objects.filter(title__icontains="tin").order_by("pk").first()
    if gift is not None:
        ensure(
            GiftReward,
            f"Collectible gift: {gift.title}"[:128],
            points_cost=800,
            product=gift,
            stock=50,
        )
    referrals = ReferralSettings.load()
    if not referrals.is_enabled:
        referrals.is_enabled = True
        # The friend's first order must be worth something after their £10 off, or a £10
        # basket would earn the referrer 1000 points for nothing.
        referrals.min_first_order_value = referrals.min_first_order_value or Decimal("20.00")
        referrals.save()  # creates the friend's first-order offer
        created.append("Referrals (give £10, get 1000 points; first orders from £20)")
    created += set_up_demo_offers()
    created += set_up_demo_tiers()
    return created


DEMO_TIERS = [
    {
        "name": "Friends",
        "position": 1,
        "threshold": Decimal("0"),
        "badge_colour": "#6c757d",
        "badge_icon": "fas fa-user-friends",
    },
    {
        "name": "Family",
        "position": 2,
        "threshold": Decimal("500"),
        "badge_colour": "#2a7ab0",
        "badge_icon": "fas fa-home",
        "points_multiplier": Decimal("1.25"),
        "entry_bonus": 100,
        "discount_percentage": Decimal("5"),
        "free_shipping": Tier.SHIPPING_ABOVE,
        "free_shipping_threshold": Decimal("50"),
    },
    {
        "name": "VIP",
        "position": 3,
        "threshold": Decimal("1500"),
        "badge_colour": "#c9a227",
        "badge_icon": "fas fa-crown",
        "points_multiplier": Decimal("2"),
        "entry_bonus": 300,
        "birthday_bonus": 200,
        "discount_percentage": Decimal("10"),
        "free_shipping": Tier.SHIPPING_ALWAYS,
    },
]


def set_up_demo_tiers() -> list[str]:
    """Friends, Family (£500) and VIP (£1,500) on lifetime spend: whatever window the demo
    orders span (a year ending yesterday, or 2010-2011 with ``--original-dates``), every demo
    customer with spend gets the tier it earned. Placing them sends no welcome email: the
    points for past orders come from ``backfill_orders``, whose upgrades are quiet."""
    if Tier.objects.exists():
        return []
    settings = TierSettings.load()
    settings.metric, settings.window = TierSettings.SPEND, TierSettings.LIFETIME
    settings.save()
    for fields in DEMO_TIERS:
        Tier.objects.create(**fields)  # saving creates the tier's offers
    return [f"Tier {fields['name']}" for fields in DEMO_TIERS]
