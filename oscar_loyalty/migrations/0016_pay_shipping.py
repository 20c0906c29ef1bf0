"""Points may pay for shipping: the redemption setting, and the "Pay shipping with your points"
site offer that applies it (one priority below "Pay with your points", so the items are paid
first). Like that offer, it must never be deleted once orders reference it: suspend it instead.
"""

from django.db import migrations, models

OFFER_NAME = "Pay shipping with your points"
CONDITION = "oscar_loyalty.offers.conditions.PointsAppliedCondition"
BENEFIT = "oscar_loyalty.offers.shipping.PointsShippingBenefit"


def create_offer(apps, schema_editor):
    ConditionalOffer = apps.get_model("offer", "ConditionalOffer")
    Condition = apps.get_model("offer", "Condition")
    Benefit = apps.get_model("offer", "Benefit")
    if ConditionalOffer.objects.filter(benefit__proxy_class=BENEFIT).exists():
        return
    ConditionalOffer.objects.create(
        name=OFFER_NAME,
        slug="pay-shipping-with-your-points",
        description="Loyalty points the items did not use pay for shipping, where the points "
        "redemption settings allow it.",
        offer_type="Site",
        exclusive=False,
        priority=-1001,
        condition=Condition.objects.create(proxy_class=CONDITION),
        benefit=Benefit.objects.create(proxy_class=BENEFIT),
    )


class Migration(migrations.Migration):
    dependencies = [
        # 0001 rather than the latest: shops that fork Oscar's offer app keep migrating.
        ("offer", "0001_initial"),
        ("oscar_loyalty", "0015_referral_vouchers"),
    ]

    operations = [
        migrations.CreateModel(
            name="PointsShippingBenefit",
            fields=[],
            options={
                "verbose_name": "Loyalty points shipping discount",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("offer.shippingbenefit",),
        ),
        migrations.AddField(
            model_name="redemptionsettings",
            name="pay_shipping",
            field=models.BooleanField(default=False, verbose_name="points can pay for shipping"),
        ),
        migrations.RunPython(create_offer, migrations.RunPython.noop),
    ]
