"""Demo checkout offers: spend brackets, a second-order thank-you, free shipping over £50 and a
double points weekend, so the sandbox shows every kind of offer this package adds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ..models import PointsEvent, SpendBracket
from ..offers.brackets import SpendBracketsBenefit
from ..offers.customer_conditions import customer_condition
from ..offers.percentage import percentage_benefit
from ..utils import local_midnight

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")
create_benefit = get_class("offer.custom", "create_benefit")

BRACKETS = [("100.00", "5"), ("200.00", "10"), ("300.00", "15")]
# The double points event runs from the start of today to midnight three days on, so the shop
# shows round dates rather than the moment the demo was loaded.
EVENT_DAYS = 3


def every_product() -> Range:
    found = Range.objects.filter(includes_all_products=True).order_by("pk").first()
    return found or Range.objects.create(name="All products", includes_all_products=True)


def _offer(name: str, condition, benefit, **fields) -> None:
    ConditionalOffer.objects.create(
        name=name,
        offer_type=ConditionalOffer.SITE,
        condition=condition,
        benefit=benefit,
        **fields,
    )


@transaction.atomic
def set_up_demo_offers() -> list[str]:
    """Create the demo offers that are missing (looked up by name). Returns what was created."""
    existing = set(ConditionalOffer.objects.values_list("name", flat=True))
    created = []

    name = "Spend more, save more"
    if name not in existing:
        benefit = create_benefit(SpendBracketsBenefit)
        SpendBracket.objects.bulk_create(
            SpendBracket(benefit=benefit, threshold=Decimal(spend), value=Decimal(percent))
            for spend, percent in BRACKETS
        )
        _offer(
            name,
            customer_condition("everyone"),
            benefit,
            description="5 % off from £100, 10 % from £200, 15 % from £300.",
            exclusive=False,
        )
        created.append(name)

    name = "Thank you for coming back: 10 % off your second order"
    if name not in existing:
        benefit = percentage_benefit(Decimal("10"), every_product())
        _offer(
            name,
            customer_condition("exact-orders", 1),
            benefit,
            max_user_applications=1,
            exclusive=False,  # on top of the spend brackets
        )
        created.append(name)

    name = "Free shipping over £50"
    if name not in existing:
        condition = Condition.objects.create(
            range=every_product(), type=Condition.VALUE, value=Decimal("50")
        )
        benefit = Benefit.objects.create(type=Benefit.SHIPPING_PERCENTAGE, value=Decimal("100"))
        _offer(name, condition, benefit, exclusive=False)
        created.append(name)

    name = "Double points weekend"
    if not PointsEvent.objects.filter(name=name).exists():
        today = timezone.localdate()
        PointsEvent.objects.create(
            name=name,
            multiplier=Decimal("2"),
            starts_at=local_midnight(today),
            ends_at=local_midnight(today + timedelta(days=EVENT_DAYS)),
        )
        created.append(name)
    return created
