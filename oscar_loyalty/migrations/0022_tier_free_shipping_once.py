"""Tiers' free-shipping offers stand aside when another offer already discounts the shipping
(``offers.free_shipping``): their benefits switch to that class and the offers run just after
the shop's own. Reversible: the rows go back to Oscar's benefit and priority 0."""

from django.db import migrations

PATH = "oscar_loyalty.offers.free_shipping.FreeShippingBenefit"
PRIORITY = -1


def _tier_shipping_offers(apps):
    Tier = apps.get_model("oscar_loyalty", "Tier")
    ConditionalOffer = apps.get_model("offer", "ConditionalOffer")
    ids = Tier.objects.exclude(shipping_offer=None).values_list("shipping_offer_id", flat=True)
    return ConditionalOffer.objects.filter(pk__in=list(ids))


def to_once(apps, schema_editor):
    Benefit = apps.get_model("offer", "Benefit")
    offers = _tier_shipping_offers(apps)
    Benefit.objects.filter(offers__in=offers, proxy_class__isnull=True).update(proxy_class=PATH)
    offers.update(priority=PRIORITY)


def to_stock(apps, schema_editor):
    Benefit = apps.get_model("offer", "Benefit")
    Benefit.objects.filter(proxy_class=PATH).update(proxy_class=None)
    _tier_shipping_offers(apps).filter(priority=PRIORITY).update(priority=0)


class Migration(migrations.Migration):

    dependencies = [
        ("offer", "0001_initial"),  # not the latest: forked offer apps still migrate
        ("oscar_loyalty", "0021_referral_reward_terms"),
    ]

    operations = [
        migrations.CreateModel(
            name="FreeShippingBenefit",
            fields=[],
            options={
                "verbose_name": "Shipping discount (unless shipping is already discounted)",
                "verbose_name_plural": "Shipping discounts (unless shipping is already discounted)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("offer.shippingpercentagediscountbenefit",),
        ),
        migrations.RunPython(to_once, to_stock),
    ]
