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
        RedemptionSettings.objects.create(
            currency=currency, points_per_unit=100, max_order_share=50
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
        referrals.save()  # creates the friend's first-order offer
        created.append("Referrals (give £10, get 1000 points)")
    created += set_up_demo_offers()
    return created
