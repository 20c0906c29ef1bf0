"""Oscar's signals -> our tasks. Thin on purpose: each receiver only enqueues, after commit,
so checkout and dashboard actions never wait on the broker or on our work."""

import logging
from functools import partial

from celery.result import EagerResult
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from . import actions, caching, conf, ledger, tasks, tiers
from .models import (
    EarningRule,
    LedgerEntry,
    RedemptionSettings,
    ReviewRule,
    RuleMultiplier,
    SignupRule,
    SpendBracket,
    Tier,
    TierSettings,
)
from .offers import brackets

order_placed = get_class("order.signals", "order_placed")
order_status_changed = get_class("order.signals", "order_status_changed")
user_registered = get_class("customer.signals", "user_registered")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
ProductReview = get_model("reviews", "ProductReview")
ConditionalOffer = get_model("offer", "ConditionalOffer")
logger = logging.getLogger(__name__)


def enqueue(task, *args) -> EagerResult | None:
    """Send the task to the project's Celery workers; if the project has no broker configured,
    or it cannot be reached, run the task here instead, so an order never loses its points and
    checkout never fails because of us.

    Returns the result when the task ran here (so a page can say it is done, or failed), None
    when a worker will run it."""
    app = task.app
    if app.conf.task_always_eager or not app.conf.broker_url:
        return task.apply(args=args)
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001  (any broker failure: kombu raises many kinds)
        logger.exception(
            "Could not enqueue %s%r; running it in the request instead", task.name, args
        )
        return task.apply(args=args)
    return None


def enqueue_after_commit(task, *args) -> None:
    transaction.on_commit(partial(enqueue, task, *args))


@receiver(order_placed, dispatch_uid="oscar_loyalty.order_placed")
def award_points_on_order_placed(sender, order, **kwargs):
    enqueue_after_commit(tasks.award_order_points, order.pk)


@receiver(order_status_changed, dispatch_uid="oscar_loyalty.order_status_changed")
def settle_points_on_status_change(sender, order, old_status, new_status, **kwargs):
    watched = [*conf.get("CONFIRM_STATUSES"), *conf.get("REVERSE_STATUSES")]
    if new_status in watched:
        enqueue_after_commit(tasks.handle_order_status, order.pk, new_status)


def _is_refund(event) -> bool:
    return event.event_type.code in conf.get("REFUND_EVENT_TYPES")


@receiver(post_save, sender=PaymentEvent, dispatch_uid="oscar_loyalty.refund_event")
def reverse_points_on_refund(sender, instance, created, **kwargs):
    # Oscar adds the refunded line quantities after saving the event; the task runs after
    # commit and again for each quantity, and only ever tops reversals up to what is owed.
    if created and _is_refund(instance):
        enqueue_after_commit(tasks.reverse_refunded_points, instance.pk)


@receiver(post_save, sender=PaymentEventQuantity, dispatch_uid="oscar_loyalty.refund_line")
def reverse_points_on_refunded_line(sender, instance, created, **kwargs):
    if created and _is_refund(instance.event):
        enqueue_after_commit(tasks.reverse_refunded_points, instance.event_id)


@receiver(user_registered, dispatch_uid="oscar_loyalty.user_registered")
def award_signup_on_registration(sender, user, **kwargs):
    actions.award_action(ledger.account_for_user(user), SignupRule, reference="signup")


@receiver(post_save, sender=get_user_model(), dispatch_uid="oscar_loyalty.user_created")
def award_signup_on_user_created(sender, instance, created, raw=False, **kwargs):
    # Admin and social sign-ups do not send Oscar's user_registered; the reference makes the
    # two receivers award once between them.
    if created and not raw and SignupRule.objects.active().exists():
        actions.award_action(ledger.account_for_user(instance), SignupRule, reference="signup")


@receiver(post_save, sender=ProductReview, dispatch_uid="oscar_loyalty.review_saved")
def award_points_for_approved_review(sender, instance, raw=False, **kwargs):
    if raw or instance.user_id is None or instance.status != ProductReview.APPROVED:
        return
    if ReviewRule.objects.active().exists():
        actions.award_action(
            ledger.account_for_user(instance.user),
            ReviewRule,
            reference=f"review:{instance.pk}",
            description=_("Review of %(product)s") % {"product": instance.product.get_title()},
        )


@receiver([post_save, post_delete], dispatch_uid="oscar_loyalty.configuration_changed")
def forget_cached_configuration(sender, **kwargs):
    if issubclass(sender, (EarningRule, RuleMultiplier)):
        caching.forget("rulebook")
    elif issubclass(sender, RedemptionSettings):
        caching.forget("redemption")
    elif sender is ConditionalOffer:
        caching.forget("points_offers")
    elif issubclass(sender, SpendBracket):
        brackets.forget_brackets()
    elif sender is Tier:
        caching.forget("tier_conditions", "tier_ladder")
    elif sender is TierSettings:
        caching.forget("tier_settings")


def _counts_for_tiers(entry) -> bool:
    """Order points that became (or stopped being) confirmed: confirmations, reversals, and
    earns spendable at once (backfilled orders past their return window)."""
    if not entry.order_number:
        return False
    immediate = entry.kind == LedgerEntry.EARN and entry.pending_delta == 0
    return immediate or entry.kind in (LedgerEntry.CONFIRM, LedgerEntry.REVERSE)


@receiver(post_save, sender=LedgerEntry, dispatch_uid="oscar_loyalty.tier_activity")
def qualify_for_tier_on_confirmed_points(sender, instance, created, raw=False, **kwargs):
    if created and not raw and _counts_for_tiers(instance):
        email = not tiers.upgrades_are_quiet()  # read now: the task may run after the backfill
        enqueue_after_commit(
            tasks.qualify_for_tier, instance.account_id, instance.order_number, email
        )


@receiver(post_save, sender=Tier, dispatch_uid="oscar_loyalty.tier_saved")
def sync_offers_on_tier_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        tiers.sync_tier_offers(instance)


@receiver(post_delete, sender=Tier, dispatch_uid="oscar_loyalty.tier_deleted")
def suspend_offers_on_tier_deleted(sender, instance, **kwargs):
    tiers.suspend_tier_offers(instance)


@receiver(order_placed, dispatch_uid="oscar_loyalty.recommendations_order_placed")
def forget_recommendations_on_order_placed(sender, order, **kwargs):
    # "Buy it again" must show what was just bought, "Recommended for you" no longer show it.
    if order.user_id:
        from .recommendations.serving import forget_customer

        forget_customer(order.user_id)
