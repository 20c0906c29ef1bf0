"""From the friend's first order to the referrer's reward, and back when things go wrong.

* an order is created -> :func:`claim_first_order`, inside Oscar's order transaction: the
  first order placed claims the referral, so a second order (another basket or device, or
  placed before the task below ran) neither counts nor keeps the friend's discount
  (:func:`check_friend_discount` stops it);
* first order placed -> :func:`record_first_order` (fraud rules; ORDERED or REVIEW);
* return window over (``confirm_due_points`` sweep) or a confirming status ->
  :func:`pay_referrer`: points through the ledger (key ``referral:<id>:reward``) or, if the
  settings said so at the first order (``reward_terms``), a single-use voucher only the
  referrer can use (``referrer_voucher``);
* cancelled, or fully refunded, before that -> CANCELLED, nothing paid;
* refunded after -> reversed as the refund policy says: points by a ledger reversal (key
  ``referral:<id>:reward:reverse``), an unused voucher by ending it; a used one cannot be
  taken back, which is recorded (``reward_kept_at``) for staff.

Every step locks the referral row and checks its status, and the ledger keys make replays
(retried tasks, repeated signals, two sweeps at once) post nothing twice. Under a monthly
limit, paying also locks the referrer's row, so their referrals are counted one at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class

from .. import ledger
from ..models import LedgerEntry, ProgramSettings, Referral, ReferralSettings
from ..offers.referrals import (
    friend_discount_on,
    is_friend_offer,
    issue_referrer_voucher,
    retire_voucher,
)
from ..utils import batched_by_pk
from .codes import normalise_email
from .fraud import (
    approve_fired,
    below_minimum_after_refunds,
    referrals_were_off,
    rules_at_first_order,
    rules_at_reward,
    unapproved,
)

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")


class ReviewError(Exception):
    """A message for staff: the referral is no longer waiting for review."""


def reward_key(referral: Referral) -> str:
    return f"referral:{referral.pk}:reward"


def _locked(referral_id: int) -> Referral | None:
    return Referral.objects.select_for_update().filter(pk=referral_id).first()


def _friend_lookup(order) -> Q:
    """The referral of the shopper who placed ``order``: by basket (a guest) or account."""
    lookup = Q(basket_id=order.basket_id) if order.basket_id else Q(pk__in=[])
    if order.user_id:
        lookup |= Q(friend_id=order.user_id)
    return lookup


def claim_first_order(order) -> Referral | None:
    """Inside the order's transaction: tie the friend's referral to the first order placed.

    The row lock and the ``order_number=""`` filter make two orders placed at once claim it
    once (PostgreSQL re-checks the filter after waiting for the lock). The fraud rules run later
    in :func:`record_first_order`: they need the payment sources, saved after the order."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .filter(
                _friend_lookup(order),
                order_number="",
                status__in=(Referral.WAITING, Referral.REVIEW),
            )
            .first()
        )
        if referral is not None:
            referral.order_number = str(order.number)
            referral.save(update_fields=["order_number"])
    return referral


def check_friend_discount(discount) -> None:
    """Inside the order's transaction: an order may keep the friend's discount only if it
    claimed the referral. Raises ``UnableToPlaceOrder`` (the checkout shows the message and
    gives the basket back, which is then priced without the discount)."""
    if not is_friend_offer(discount.offer_id):
        return
    if not Referral.objects.filter(order_number=discount.order.number).exists():
        raise UnableToPlaceOrder(
            gettext(
                "The referral discount on your first order was already used for another "
                "order. Please check your basket and try again."
            )
        )


def record_first_order(order) -> Referral | None:
    """Run the first-order rules on the order that claimed the friend's referral (or, for an
    order placed before claims existed, the referral still free). Idempotent: a referral
    records one order."""
    found = (
        Referral.objects.filter(
            Q(order_number=order.number) | (_friend_lookup(order) & Q(order_number=""))
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        return None
    settings = ReferralSettings.load()
    window = ProgramSettings.load().return_window_days
    with transaction.atomic():
        referral = _locked(found)
        if (
            referral.ordered_at is not None
            or referral.order_number not in ("", str(order.number))
            or referral.status not in (Referral.WAITING, Referral.REVIEW)
        ):
            return referral
        referral.order_number = order.number
        referral.ordered_at = order.date_placed
        # Held against the minimum: what the friend bought, not what their own discount
        # left of it (a £10 welcome discount must not push a £25 order below £20).
        referral.order_value = order.basket_total_incl_tax + friend_discount_on(order)
        referral.confirm_at = order.date_placed + timedelta(days=window)
        referral.reward_terms = settings.referrer_reward_terms()
        if not referral.friend_email:
            referral.friend_email = normalise_email(order.email)
        if not settings.is_enabled:
            # No friend's discount was on offer, so nothing was earned.
            referral.fired_rules = [*referral.fired_rules, referrals_were_off()]
            referral.status = Referral.REJECTED
            referral.save()
            return referral
        fired = unapproved(referral, rules_at_first_order(referral, order, settings))
        if fired:
            referral.fired_rules = [*referral.fired_rules, *fired]
            referral.status = Referral.REVIEW
        elif referral.status == Referral.WAITING:
            referral.status = Referral.ORDERED
        referral.save()
    return referral


def pay_referrer(referral_id: int, *, at: datetime | None = None) -> Referral | None:
    """Pay the referrer for a confirmed first order (points or a voucher, as the settings
    said when the first order was placed: ``reward_terms``), unless a rule at reward time
    sends it to review. Switching referrals off later does not stop it: the friend already had
    their discount. Returns the referral when it was paid now, else None. The row lock and
    the status check make replays pay once."""
    settings = ReferralSettings.load()
    at = at or timezone.now()
    with transaction.atomic():
        referral = _locked(referral_id)
        if referral is None or referral.status != Referral.ORDERED:
            return None
        if settings.max_rewarded_per_month:
            _lock_referrer(referral)
        fired = unapproved(referral, rules_at_reward(referral, settings))
        if fired:
            referral.fired_rules = [*referral.fired_rules, *fired]
            referral.status = Referral.REVIEW
            referral.save(update_fields=["fired_rules", "status"])
            return None
        terms = referral.reward_terms or settings.referrer_reward_terms()
        if terms["type"] == ReferralSettings.VOUCHER:
            referral.referrer_voucher = issue_referrer_voucher(
                terms["discount_type"], Decimal(terms["discount_value"])
            )
        else:
            referral.reward_entry = ledger.earn(
                ledger.account_for_user(referral.referrer),
                terms["points"],
                key=reward_key(referral),
                kind=LedgerEntry.BONUS,
                description=str(_("Referral: your friend's first order was confirmed")),
                order_number=referral.order_number,
                detail={"referral": referral.pk},
                at=at,
            )
        referral.status = Referral.REWARDED
        referral.rewarded_at = at
        referral.save(update_fields=["status", "reward_entry", "referrer_voucher", "rewarded_at"])
    return referral


def _lock_referrer(referral: Referral) -> None:
    """Pay one referrer's referrals one at a time: each referral's own row lock would let two
    of them pass the monthly count at once. Taken after the referral's lock, always in that
    order, so two payments cannot deadlock."""
    list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk=referral.referrer_id)
        .values_list("pk", flat=True)
    )


def settle_due_referrals(now: datetime) -> int:
    """Periodic (inside ``confirm_due_points``): pay for first orders whose return window is
    over. Safe to run twice at once."""
    due = Referral.objects.filter(status=Referral.ORDERED, confirm_at__lte=now)
    paid = 0
    for batch in batched_by_pk(due.only("pk")):
        paid += sum(1 for referral in batch if pay_referrer(referral.pk, at=now))
    return paid


def _for_order(order) -> Referral | None:
    return Referral.objects.filter(order_number=order.number).first()


def order_confirmed(order) -> Referral | None:
    """The first order reached a confirming status: the return window no longer matters."""
    referral = _for_order(order)
    if referral is None:
        return None
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk, confirm_at__gt=now).update(confirm_at=now)
    return pay_referrer(referral.pk, at=now)


def order_reversed(order, refunded_share: Decimal = Decimal(1)) -> Referral | None:
    """The first order was cancelled (share 1) or refunded (its refunded share, 0..1).

    Before the reward: a cancellation, a full refund or a refund the policy would take the
    reward back for ends the referral with nothing paid; a partial refund that leaves the
    order below the minimum first order value sends it to review. After it: the reward is
    taken back if the refund policy says so.
    """
    referral = _for_order(order)
    if referral is None or refunded_share <= 0:
        return referral
    settings = ReferralSettings.load()
    with transaction.atomic():
        referral = _locked(referral.pk)
        # WAITING: the order claimed the referral but its first-order task has not run yet.
        waiting = (Referral.WAITING, Referral.ORDERED, Referral.REVIEW)
        if referral.status in waiting and (
            refunded_share >= 1 or _policy_reverses(settings, refunded_share)
        ):
            # What the policy would take back after the reward is never paid before it.
            referral.status = Referral.CANCELLED
            referral.save(update_fields=["status"])
        elif referral.status in waiting:
            fired = unapproved(
                referral, below_minimum_after_refunds(referral, refunded_share, settings)
            )
            if fired:
                referral.fired_rules = [*referral.fired_rules, *fired]
                referral.status = Referral.REVIEW
                referral.save(update_fields=["fired_rules", "status"])
        elif (
            referral.status == Referral.REWARDED
            and referral.reward_kept_at is None
            and _policy_reverses(settings, refunded_share)
        ):
            if _take_reward_back(referral):
                referral.status = Referral.REVERSED
            else:
                referral.reward_kept_at = timezone.now()
            referral.save(update_fields=["status", "reward_kept_at"])
    return referral


def _take_reward_back(referral: Referral) -> bool:
    """Reverse the points or end the unused voucher; False when the voucher was used."""
    if referral.reward_entry_id:
        ledger.reverse(
            referral.reward_entry,
            key=f"{reward_key(referral)}:reverse",
            description=str(_("Referral reward taken back: the order was refunded")),
        )
        return True
    if referral.referrer_voucher_id:
        return retire_voucher(referral.referrer_voucher)
    return True  # the voucher was deleted by staff: nothing is left to take back


def _policy_reverses(settings: ReferralSettings, refunded_share: Decimal) -> bool:
    if settings.refund_policy == ReferralSettings.REVERSE_ANY:
        return refunded_share > 0
    if settings.refund_policy == ReferralSettings.REVERSE_FULL:
        return refunded_share >= 1
    return False


# --- staff review ------------------------------------------------------------------------------


def approve(referral: Referral, staff_user, note: str = "") -> Referral:
    """Clear a flagged referral: it goes on as if the rules that fired so far had not (and is
    paid at once when its first order is already confirmed, unless a rule that had not fired
    yet, such as the monthly limit, now does)."""
    with transaction.atomic():
        locked = _review(referral, staff_user, note)
        locked.approved = True
        approve_fired(locked)
        locked.status = Referral.ORDERED if locked.order_number else Referral.WAITING
        locked.save()
    if locked.status == Referral.ORDERED and locked.confirm_at <= timezone.now():
        pay_referrer(locked.pk)
    elif locked.status == Referral.WAITING:
        from .capture import give_friend_voucher

        give_friend_voucher(locked)
    locked.refresh_from_db()
    return locked


def reject(referral: Referral, staff_user, note: str = "") -> Referral:
    with transaction.atomic():
        locked = _review(referral, staff_user, note)
        locked.status = Referral.REJECTED
        locked.save()
    return locked


def add_note(referral: Referral, staff_user, note: str) -> Referral:
    with transaction.atomic():
        locked = _locked(referral.pk)
        locked.review_note = _append_note(locked.review_note, staff_user, note)
        locked.reviewed_by = staff_user
        locked.save(update_fields=["review_note", "reviewed_by"])
    return locked


def _review(referral: Referral, staff_user, note: str) -> Referral:
    locked = _locked(referral.pk)
    if locked.status != Referral.REVIEW:
        raise ReviewError(_("This referral is no longer waiting for review."))
    locked.reviewed_by = staff_user
    if note.strip():
        locked.review_note = _append_note(locked.review_note, staff_user, note)
    return locked


def _append_note(existing: str, staff_user, note: str) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    line = f"{stamp} {staff_user.email}: {note.strip()}"
    return f"{existing}\n{line}".strip()
