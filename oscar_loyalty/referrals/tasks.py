"""Celery tasks for referrals: thin, idempotent, safe to retry (see :mod:`.settlement`)."""

from celery import shared_task
from oscar.core.loading import get_model

from .. import conf, earning
from ..tasks import RETRY
from . import settlement

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")


@shared_task(**RETRY)
def record_referred_order(order_id: int) -> bool:
    order = Order.objects.filter(pk=order_id).first()
    return bool(order and settlement.record_first_order(order))


@shared_task(**RETRY)
def settle_referral_on_status(order_id: int, new_status: str) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    if new_status in conf.get("REVERSE_STATUSES"):
        settlement.order_reversed(order)
    elif new_status in conf.get("CONFIRM_STATUSES"):
        settlement.order_confirmed(order)


@shared_task(**RETRY)
def settle_referral_on_refund(payment_event_id: int) -> None:
    event = PaymentEvent.objects.filter(pk=payment_event_id).select_related("order").first()
    if event is None:
        return
    order = event.order
    fractions = earning.refunded_line_fractions(order, conf.get("REFUND_EVENT_TYPES"))
    settlement.order_reversed(order, earning.refunded_share(order, fractions))
