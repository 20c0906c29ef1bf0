"""Celery tasks: thin, idempotent wrappers around the domain modules, safe to retry.

The project owns the Celery app (``app.autodiscover_tasks()`` finds these); checkout never waits
on the broker because receivers enqueue after the order's transaction commits.
"""

from decimal import Decimal

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone
from oscar.core.loading import get_model

from . import conf, earning, periodic, redemption, rewards, tiers
from .referrals.settlement import settle_due_referrals

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def award_order_points(order_id: int) -> int:
    """Points for a placed order (pending for the return window) and any first-order bonus."""
    order = Order.objects.filter(pk=order_id).select_related("user").first()
    if order is None:
        return 0
    entry = earning.award_points_for_order(order)
    bonuses = earning.award_first_order_bonus(order)
    return (entry.points if entry else 0) + sum(bonus.points for bonus in bonuses)


@shared_task(**RETRY)
def handle_order_status(order_id: int, new_status: str) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    if new_status in conf.get("REVERSE_STATUSES"):
        earning.reverse_points_for_order(order, key_suffix=f"status:{new_status}")
        redemption.restore_points_for_order(
            order, Decimal(1), key=f"order:{order.number}:restore:status:{new_status}"
        )
    elif new_status in conf.get("CONFIRM_STATUSES"):
        earning.confirm_points_for_order(order)


@shared_task(**RETRY)
def reverse_refunded_points(payment_event_id: int) -> int:
    event = PaymentEvent.objects.filter(pk=payment_event_id).select_related("order").first()
    if event is None:
        return 0
    order = event.order
    fractions = earning.refunded_line_fractions(order, conf.get("REFUND_EVENT_TYPES"))
    lines_seen = event.line_quantities.count()
    entry = earning.reverse_points_for_refunded_lines(
        order, fractions, key=f"refund:{event.pk}:{lines_seen}"
    )
    redemption.restore_points_for_order(
        order,
        earning.refunded_share(order, fractions),
        key=f"refund:{event.pk}:{lines_seen}:restore",
    )
    return -entry.points if entry else 0


@shared_task(**RETRY)
def confirm_due_points() -> int:
    """Periodic: pending points whose return window is over become spendable, and referrers
    are paid for friends' first orders whose return window is over."""
    now = timezone.now()
    return periodic.confirm_due_lots(now) + settle_due_referrals(now)


@shared_task(**RETRY)
def expire_points() -> int:
    """Periodic: warn about points expiring soon, then expire lots and inactive balances."""
    now = timezone.now()
    periodic.send_expiry_warnings(now)
    return periodic.expire_due(now)


@shared_task(**RETRY)
def award_birthday_points() -> int:
    """Periodic (daily): birthday bonus for customers whose birthday is today (rules and
    their tier's bonus)."""
    now = timezone.now()
    return periodic.award_birthdays(now) + tiers.award_tier_birthday_bonuses(now)


@shared_task(**RETRY)
def release_stale_holds() -> int:
    """Periodic: give back points held for baskets that were abandoned or emptied."""
    return periodic.release_stale_holds(timezone.now())


@shared_task(**RETRY)
def settle_reward_vouchers() -> int:
    """Periodic: mark reward vouchers used, or expire them and give points back per policy."""
    return rewards.settle_reward_vouchers(timezone.now())


@shared_task(**RETRY)
def build_recommendations() -> int:
    """Periodic and on demand: rebuild product neighbours from all orders; returns the build id."""
    from .recommendations.build import build_recommendations as build

    return build().pk


@shared_task(**RETRY)
def evaluate_recommendations() -> dict:
    """On demand: the quality report on the shop's own orders, kept for the dashboard."""
    from .recommendations.report import evaluate_shop

    return evaluate_shop()[0].as_dict()


@shared_task(**RETRY)
def qualify_for_tier(account_id: int, order_number: str, email: bool = True) -> int:
    """An order's points were confirmed (or reversed): count it towards tiers and upgrade the
    customer at once if it lifts them (``email=False``: quietly, for backfilled orders).
    Downgrades wait for :func:`reevaluate_tiers`."""
    tiers.record_order_activity(account_id, order_number)
    return sum(tiers.qualify_account(account_id, email=email).values())


@shared_task(**RETRY)
def reevaluate_tiers() -> dict:
    """Periodic (daily): expired pins, downgrade notices, downgrades after the grace period."""
    return dict(tiers.reevaluate_all())
