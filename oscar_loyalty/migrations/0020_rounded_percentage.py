"""Our percentage offers switch to the benefit that rounds per line (``offers.percentage``).

Only the benefits of offers this package created are converted, found through our own rows:
tier discounts (``Tier.discount_offer``), reward vouchers (``RewardRedemption.offer_id``), the
referred friend's offer (its condition is ours) and referrer vouchers
(``Referral.referrer_voucher``), and the sandbox's demo "second order" offer by its name.
Merchants' own percentage offers keep Oscar's class. Reversible: the rows go back to Oscar's.
"""

from django.db import migrations
from django.db.models import Q

PATH = "oscar_loyalty.offers.percentage.RoundedPercentageBenefit"
PERCENTAGE = "Percentage"
FRIEND_CONDITION = "oscar_loyalty.offers.referrals.ReferredFriendCondition"
DEMO_OFFER = "Thank you for coming back: 10 % off your second order"


def our_offer_ids(apps) -> set:
    Tier = apps.get_model("oscar_loyalty", "Tier")
    RewardRedemption = apps.get_model("oscar_loyalty", "RewardRedemption")
    Referral = apps.get_model("oscar_loyalty", "Referral")
    ConditionalOffer = apps.get_model("offer", "ConditionalOffer")
    ids = set(Tier.objects.exclude(discount_offer=None).values_list("discount_offer_id", flat=True))
    ids |= set(RewardRedemption.objects.exclude(offer_id=None).values_list("offer_id", flat=True))
    ids |= set(
        ConditionalOffer.objects.filter(
            Q(condition__proxy_class=FRIEND_CONDITION) | Q(name=DEMO_OFFER)
        ).values_list("pk", flat=True)
    )
    vouchers = Referral.objects.exclude(referrer_voucher=None).values("referrer_voucher_id")
    ids |= set(
        ConditionalOffer.objects.filter(vouchers__in=vouchers).values_list("pk", flat=True)
    )
    return ids


def to_rounded(apps, schema_editor):
    Benefit = apps.get_model("offer", "Benefit")
    offers = our_offer_ids(apps)
    Benefit.objects.filter(
        offers__in=offers, type=PERCENTAGE, proxy_class__isnull=True
    ).update(proxy_class=PATH)


def to_stock(apps, schema_editor):
    Benefit = apps.get_model("offer", "Benefit")
    Benefit.objects.filter(proxy_class=PATH, type=PERCENTAGE).update(proxy_class=None)


class Migration(migrations.Migration):

    dependencies = [
        ("offer", "0001_initial"),  # not the latest: forked offer apps still migrate
        ("oscar_loyalty", "0019_referrer_voucher"),
        ("voucher", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoundedPercentageBenefit",
            fields=[],
            options={
                "verbose_name": "Percentage discount (rounded per line)",
                "verbose_name_plural": "Percentage discounts (rounded per line)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("offer.percentagediscountbenefit",),
        ),
        migrations.RunPython(to_rounded, to_stock),
    ]
