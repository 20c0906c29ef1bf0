"""The site offer that turns a shopper's points hold into a basket discount.

Lowest priority and not exclusive, so it pays for what is left after every other offer. Admins
see it in Oscar's offer dashboard like any other offer (suspend it there to stop points being
used); it must never be deleted once orders reference it.
"""

from django.db import migrations

OFFER_NAME = "Pay with your points"
CONDITION = "oscar_loyalty.offers.conditions.PointsAppliedCondition"
BENEFIT = "oscar_loyalty.offers.benefits.PointsDiscountBenefit"


def create_offer(apps, schema_editor):
    ConditionalOffer = apps.get_model("offer", "ConditionalOffer")
    Condition = apps.get_model("offer", "Condition")
    Benefit = apps.get_model("offer", "Benefit")
    if ConditionalOffer.objects.filter(benefit__proxy_class=BENEFIT).exists():
        return
    ConditionalOffer.objects.create(
        name=OFFER_NAME,
        slug="pay-with-your-points",
        description="Loyalty points applied on the basket page pay for part of the order.",
        offer_type="Site",
        exclusive=False,
        priority=-1000,
        condition=Condition.objects.create(proxy_class=CONDITION),
        benefit=Benefit.objects.create(proxy_class=BENEFIT),
    )


class Migration(migrations.Migration):
    dependencies = [("oscar_loyalty", "0006_offer_proxies"), ("offer", "0001_initial")]

    operations = [migrations.RunPython(create_offer, migrations.RunPython.noop)]
