"""The friend's reward: an automatic Oscar site offer on a referred friend's first order.

It is a real offer (Oscar's offer list, basket totals, order discounts) whose condition checks
that the basket belongs to a referred friend (by account, or by basket for guests) who has not
ordered yet. Its benefit is a percentage (rounded per line, see ``offers.percentage``) or
Oscar's amount discount, kept in step with the referral settings by :func:`sync_friend_offer`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model
from oscar.templatetags.currency_filters import currency

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.offers.percentage import PATH as ROUNDED_PERCENTAGE
from oscar_loyalty.rewards import all_products_range, issue_customer_voucher, unique_voucher_name
from oscar_loyalty.rewards import new_voucher_code as _new_code

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Voucher = get_model("voucher", "Voucher")
OrderLineDiscount = get_model("order", "OrderLineDiscount")
CountCondition = get_class("offer.conditions", "CountCondition")

FRIEND_CONDITION = "oscar_loyalty.offers.referrals.ReferredFriendCondition"
OFFER_SLUG = "loyalty-referred-friend-first-order"
VOUCHER_VALID_DAYS = 365
CENT = Decimal("0.01")


def _basket_referrals(basket) -> dict[str, Referral]:
    """The basket's referrals before a first order, by status (waiting, or in review since
    sign-up), in one query per basket object."""
    if not hasattr(basket, "_loyalty_referrals"):
        lookup = Q(basket_id=basket.id) if basket.id else Q(pk__in=[])
        owner = getattr(basket, "owner", None)
        if owner is not None and owner.pk:
            lookup |= Q(friend_id=owner.pk)
        before_order = Q(status__in=[Referral.WAITING, Referral.REVIEW], order_number="")
        basket._loyalty_referrals = {
            referral.status: referral
            for referral in Referral.objects.filter(lookup, before_order).select_related("referrer")
        }
    return basket._loyalty_referrals


def referral_for_basket(basket) -> Referral | None:
    """The referral waiting for this basket's first order (what the friend's offer needs)."""
    return _basket_referrals(basket).get(Referral.WAITING)


def referral_in_review(basket) -> Referral | None:
    """A referral flagged at sign-up and not reviewed yet: the friend is told to wait."""
    return _basket_referrals(basket).get(Referral.REVIEW)


class ReferredFriendCondition(CountCondition):
    """Satisfied by the first order of a friend who came with a referral code or link."""

    @property
    def name(self) -> str:
        return str(_("A referred friend's first order"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Referred friend's first order")

    def is_satisfied(self, offer, basket) -> bool:
        if referral_for_basket(basket) is None:
            return False
        return super().is_satisfied(offer, basket)

    def is_partially_satisfied(self, offer, basket) -> bool:
        """No "spend more" upsell for shoppers who were not referred (and none of the range
        queries Oscar's upsell check would run on every basket page)."""
        if referral_for_basket(basket) is None:
            return False
        return super().is_partially_satisfied(offer, basket)


def _discount(kind: str, value) -> str:
    if kind == ReferralSettings.PERCENTAGE:
        return f"{value.normalize():f}%"
    return currency(value)


def _benefit_fields(kind: str) -> dict:
    """Type and proxy class of a benefit for a referral discount of ``kind``."""
    if kind == ReferralSettings.PERCENTAGE:
        return {"type": Benefit.PERCENTAGE, "proxy_class": ROUNDED_PERCENTAGE}
    return {"type": Benefit.FIXED, "proxy_class": None}


def discount_label(settings: ReferralSettings) -> str:
    """'10%' or '£10.00': what the friend gets, for messages and the offer's name."""
    return _discount(settings.friend_discount_type, settings.friend_discount_value)


def referrer_discount_label(settings: ReferralSettings) -> str:
    """'10%' or '£10.00': the referrer's voucher discount in voucher mode."""
    return _discount(settings.referrer_discount_type, settings.referrer_discount_value)


def referrer_voucher_label(settings: ReferralSettings) -> str:
    """'a voucher for £10.00 off your next order': what the referrer gets in voucher mode."""
    return gettext("a voucher for %(discount)s off your next order") % {
        "discount": referrer_discount_label(settings)
    }


def friend_offer():
    return ConditionalOffer.objects.filter(condition__proxy_class=FRIEND_CONDITION).first()


def is_friend_offer(offer_id: int | None) -> bool:
    return (
        offer_id is not None
        and ConditionalOffer.objects.filter(
            pk=offer_id, condition__proxy_class=FRIEND_CONDITION
        ).exists()
    )


def friend_discount_on(order) -> Decimal:
    """What the friend's own discount (offer or voucher: one offer) took off ``order``, tax
    included as in its ``basket_total_incl_tax``: a tax-exclusive shop discounts before tax,
    so each line's share gets that line's rate of tax back."""
    friend_offers = ConditionalOffer.objects.filter(condition__proxy_class=FRIEND_CONDITION)
    shares = OrderLineDiscount.objects.filter(
        order_discount__order=order, order_discount__offer_id__in=friend_offers.values("pk")
    ).select_related("line")
    total = Decimal(0)
    for share in shares:
        line = share.line
        if share.is_incl_tax or not line.line_price_before_discounts_excl_tax:
            total += share.amount
        else:
            total += (
                share.amount
                * line.line_price_before_discounts_incl_tax
                / line.line_price_before_discounts_excl_tax
            )
    return total.quantize(CENT)


def sync_friend_offer(settings: ReferralSettings):
    """Create, update or suspend the friend's offer to match the settings. Idempotent."""
    offer = friend_offer()
    if not settings.is_enabled:
        if offer is not None and offer.status != ConditionalOffer.SUSPENDED:
            offer.status = ConditionalOffer.SUSPENDED
            offer.save(update_fields=["status"])
        return offer
    all_products = all_products_range()
    fields = _benefit_fields(settings.friend_discount_type)
    name = gettext("Referral: %(reward)s off your first order") % {
        "reward": discount_label(settings)
    }
    if offer is None:
        offer = ConditionalOffer(
            slug=OFFER_SLUG,
            exclusive=False,
            max_basket_applications=1,
            condition=Condition.objects.create(
                type=Condition.COUNT, value=1, range=all_products, proxy_class=FRIEND_CONDITION
            ),
            benefit=Benefit.objects.create(value=1, range=all_products, **fields),
        )
    benefit = offer.benefit
    benefit.type, benefit.proxy_class = fields["type"], fields["proxy_class"]
    benefit.value, benefit.range = settings.friend_discount_value, all_products
    benefit.save()
    offer.name = name[:128]
    offer.description = gettext(
        "Customers who came with a referral code or link get this on their first order."
    )
    # A voucher offer applies only through the friends' single-use voucher codes.
    offer.offer_type = (
        ConditionalOffer.VOUCHER if settings.friend_reward_as_voucher else ConditionalOffer.SITE
    )
    offer.status = ConditionalOffer.OPEN
    offer.save()
    return offer


def issue_friend_voucher(referral: Referral, settings: ReferralSettings):
    """In voucher mode, the friend's single-use code (once per referral). Its offer's condition
    still checks the basket is this friend's first order, so a shared code is worth nothing."""
    if not settings.friend_reward_as_voucher or referral.voucher_code:
        return None
    offer = friend_offer()
    if offer is None:
        return None
    code = _new_code("REF-")
    voucher = Voucher.objects.create(
        name=unique_voucher_name(offer.name, code),
        code=code,
        usage=Voucher.SINGLE_USE,
        start_datetime=timezone.now(),
        end_datetime=timezone.now() + timedelta(days=VOUCHER_VALID_DAYS),
    )
    voucher.offers.add(offer)
    Referral.objects.filter(pk=referral.pk).update(voucher_code=voucher.code)
    referral.voucher_code = voucher.code
    return voucher


def issue_referrer_voucher(discount_type: str, discount_value: Decimal):
    """The referrer's reward in voucher mode: a single-use code for the discount (from the
    referral's reward terms), which works only in the referrer's own basket (the reward
    vouchers' customer condition finds it through ``Referral.referrer_voucher``, which the
    caller sets under the referral's row lock)."""
    all_products = all_products_range()
    benefit = Benefit.objects.create(
        value=discount_value, range=all_products, **_benefit_fields(discount_type)
    )
    voucher, _offer = issue_customer_voucher(
        gettext("Referral reward: %(discount)s off")
        % {"discount": _discount(discount_type, benefit.value)},
        all_products,
        benefit,
        timezone.now() + timedelta(days=VOUCHER_VALID_DAYS),
    )
    return voucher


def retire_voucher(voucher) -> bool:
    """Take back an unused voucher by ending it now: Oscar then calls it expired at the basket
    and no longer applies it to baskets that already hold it. False when an order already
    used it: a discount already given cannot be taken back. Locks the voucher row."""
    with transaction.atomic():
        locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
        if locked.num_orders > 0 or locked.applications.exists():
            return False
        locked.end_datetime = timezone.now()
        locked.save(update_fields=["end_datetime"])
    return True
