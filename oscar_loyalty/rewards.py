"""Buying rewards with points: each redemption issues a single-use Oscar voucher bound to the
customer (its condition checks the basket's owner), so the discount is a real Oscar offer in
basket totals and on the order."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from . import ledger
from .models import (
    AmountOffReward,
    FreeProductReward,
    FreeShippingReward,
    LedgerEntry,
    PercentageOffReward,
    PointsAccount,
    ProgramSettings,
    Referral,
    Reward,
    RewardRedemption,
)
from .offers.percentage import percentage_benefit
from .utils import batched_by_pk

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")
Voucher = get_model("voucher", "Voucher")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CUSTOMER_CONDITION = "oscar_loyalty.offers.conditions.RewardCustomerCondition"


class RewardError(Exception):
    """A message for the shopper."""


def available_rewards(at: datetime | None = None):
    """Rewards shoppers can redeem now: switched on, in their dates, in stock."""
    return Reward.objects.active(at).filter(
        Q(stock__isnull=True) | Q(redeemed_count__lt=F("stock"))
    )


def belongs_to(offer_id: int, user) -> bool:
    """Is this voucher offer a reward the user bought, or earned by referring a friend?
    (the check of :func:`issue_customer_voucher`'s condition)"""
    if RewardRedemption.objects.filter(offer_id=offer_id, account__user=user).exists():
        return True
    return Referral.objects.filter(referrer=user, referrer_voucher__offers__id=offer_id).exists()


def new_voucher_code(prefix: str = "RWD-") -> str:
    """An unused voucher code: the prefix and 8 random characters."""
    while True:
        code = prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not Voucher.objects.filter(code=code).exists():
            return code


def _range_for(reward: Reward):
    if isinstance(reward, FreeProductReward):
        product_range, created = Range.objects.get_or_create(
            name=f"Loyalty reward product {reward.product_id}"
        )
        if created:
            product_range.add_product(reward.product)
        return product_range
    return all_products_range()


def all_products_range():
    """The one range of every product, shared by reward and referral offers."""
    return Range.objects.get_or_create(
        name="Loyalty rewards: all products", defaults={"includes_all_products": True}
    )[0]


def _benefit_for(reward: Reward, product_range):
    if isinstance(reward, AmountOffReward):
        return Benefit.objects.create(type=Benefit.FIXED, value=reward.amount, range=product_range)
    if isinstance(reward, PercentageOffReward):
        return percentage_benefit(reward.percentage, product_range)
    if isinstance(reward, FreeShippingReward):
        return Benefit.objects.create(type=Benefit.SHIPPING_PERCENTAGE, value=100)
    if isinstance(reward, FreeProductReward):
        return percentage_benefit(Decimal(100), product_range, max_affected_items=1)
    raise RewardError(_("This reward can't be redeemed."))


def unique_voucher_name(name: str, code: str) -> str:
    """``name`` followed by the voucher's code: Oscar wants voucher and offer names unique, and
    shoppers see ``name`` alone (see :func:`shopper_voucher_name`), never a running number."""
    return f"{name[: 128 - len(code) - 3]} ({code})"


def issue_customer_voucher(
    name: str,
    product_range,
    benefit,
    expires_at: datetime,
    prefix: str = "RWD-",
):
    """A single-use voucher with ``benefit`` that only works in the basket of the customer it
    is for: its condition asks :func:`belongs_to`, so the caller must link the voucher (or its
    offer) to that customer in the same transaction. Voucher and offer are named ``name``
    followed by the code (:func:`unique_voucher_name`). Returns (voucher, offer)."""
    code = new_voucher_code(prefix)
    unique_name = unique_voucher_name(name, code)
    offer = ConditionalOffer.objects.create(
        name=unique_name,
        offer_type=ConditionalOffer.VOUCHER,
        exclusive=False,
        max_basket_applications=1,
        condition=Condition.objects.create(
            type=Condition.COUNT, value=1, range=product_range, proxy_class=CUSTOMER_CONDITION
        ),
        benefit=benefit,
    )
    voucher = Voucher.objects.create(
        name=unique_name,
        code=code,
        usage=Voucher.SINGLE_USE,
        start_datetime=timezone.now(),
        end_datetime=expires_at,
    )
    voucher.offers.add(offer)
    return voucher, offer


def _issue_voucher(reward: Reward, expires_at: datetime):
    product_range = _range_for(reward)
    return issue_customer_voucher(
        reward.name, product_range, _benefit_for(reward, product_range), expires_at
    )


def shopper_voucher_name(voucher) -> str:
    """The voucher's name without the code that keeps it unique (Oscar's basket prints the
    code after the name): '£5 off your order', not '£5 off your order (RWD-…) (RWD-…)'."""
    suffix = f" ({voucher.code})"
    return voucher.name.removesuffix(suffix)


def redeem_reward(account: PointsAccount, reward: Reward, *, key: str) -> RewardRedemption:
    """Spend the reward's points and issue its voucher, in one transaction. Locks the reward
    row so stock is never oversold. Idempotent per ``key`` (a double click issues one)."""
    with transaction.atomic():
        replay = LedgerEntry.objects.filter(idempotency_key=key).first()
        if replay is not None:
            return RewardRedemption.objects.get(entry=replay)
        locked = Reward.objects.non_polymorphic().select_for_update().get(pk=reward.pk)
        if not available_rewards().filter(pk=locked.pk).exists():
            raise RewardError(_("Sorry, this reward is no longer available."))
        try:
            entry = ledger.redeem(
                account,
                reward.points_cost,
                key=key,
                description=str(_("Reward: %(name)s") % {"name": reward.name}),
            )
        except ledger.LedgerError as error:
            raise RewardError(str(error)) from error
        expires_at = timezone.now() + timedelta(days=reward.voucher_valid_days)
        voucher, offer = _issue_voucher(reward, expires_at)
        Reward.objects.filter(pk=reward.pk).update(redeemed_count=F("redeemed_count") + 1)
        return RewardRedemption.objects.create(
            account=account,
            reward=reward,
            points=reward.points_cost,
            entry=entry,
            voucher=voucher,
            offer_id=offer.pk,
            expires_at=expires_at,
        )


def settle_reward_vouchers(now: datetime) -> int:
    """Periodic: mark used vouchers, expire unused ones past their date and (by programme
    setting) give their points back as new lots. Idempotent."""
    give_back = ProgramSettings.load().return_points_for_expired_rewards
    changed = 0
    issued = RewardRedemption.objects.filter(status=RewardRedemption.ISSUED).select_related(
        "voucher", "account", "reward"
    )
    for batch in batched_by_pk(issued):
        for redemption in batch:
            voucher = redemption.voucher
            if voucher is not None and voucher.num_orders > 0:
                redemption.status = RewardRedemption.USED
            elif redemption.expires_at <= now:
                redemption.status = RewardRedemption.EXPIRED
                if give_back:
                    ledger.restore(
                        redemption.account,
                        redemption.points,
                        key=f"reward:{redemption.pk}:expired",
                        description=str(
                            _("Unused reward returned: %(name)s") % {"name": redemption.reward.name}
                        ),
                    )
            else:
                continue
            redemption.save(update_fields=["status"])
            changed += 1
    return changed
