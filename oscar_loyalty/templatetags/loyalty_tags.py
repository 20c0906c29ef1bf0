"""Template tags that put rewards where shoppers shop: ``{% load loyalty_tags %}``.

Each tag is one include a shop can move or replace. The earning rules are loaded once per
request however many tags a page uses.
"""

import uuid
from datetime import timedelta

from django import template

from oscar_loyalty import earning, redemption, rewards
from oscar_loyalty.models import LedgerEntry, PointsAccount, ProgramSettings
from oscar_loyalty.utils import format_points, isolate

register = template.Library()


def _rulebook(request) -> earning.RuleBook:
    if request is None:
        return earning.RuleBook.cached()
    if not hasattr(request, "_loyalty_rulebook"):
        request._loyalty_rulebook = earning.RuleBook.cached()
    return request._loyalty_rulebook


def account_of(request) -> PointsAccount | None:
    """The signed-in shopper's account, fetched once per request (None for guests or when the
    shopper has no account yet)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_loyalty_account"):
        request._loyalty_account = PointsAccount.objects.filter(user=user).first()
    return request._loyalty_account


@register.inclusion_tag("oscar_loyalty/partials/product_points.html", takes_context=True)
def loyalty_product_points(context, product):
    """'Earn N points' for one unit of ``product`` at the price this shopper sees, with their
    tier multiplier and any running points event, as their basket would count it."""
    request = context.get("request")
    strategy = getattr(request, "strategy", None)
    points = 0
    if strategy is not None and not product.is_parent:
        price = strategy.fetch_for_product(product).price
        points = earning.points_for_product(
            product, price, _rulebook(request), basket=getattr(request, "basket", None)
        )
    return {"points": points}


@register.inclusion_tag("oscar_loyalty/partials/basket_points.html", takes_context=True)
def loyalty_basket_points(context, basket):
    """'You will earn N points with this order', after the basket's discounts."""
    request = context.get("request")
    points = earning.points_for_basket(basket, _rulebook(request)) if basket is not None else 0
    return {"points": points, "user": getattr(request, "user", None)}


@register.inclusion_tag("oscar_loyalty/partials/header_badge.html", takes_context=True)
def loyalty_header_badge(context):
    """The signed-in shopper's spendable balance, linking to their Rewards page."""
    return {"account": account_of(context.get("request"))}


@register.inclusion_tag("oscar_loyalty/partials/redeem_form.html", takes_context=True)
def loyalty_redeem_form(context, basket, next_url=""):
    """The 'pay with points' form: balance, the most usable now, apply / maximum / remove.
    The page's shipping method (Oscar's basket and checkout pages have one) counts when points
    may pay for shipping."""
    request = context.get("request")
    account = account_of(request)
    allowed = (
        redemption.allowance(basket, account, context.get("shipping_method"))
        if basket is not None
        else None
    )
    return {
        "request": request,
        "user": getattr(request, "user", None),
        "allowance": allowed,
        "hold": redemption.active_hold(basket),
        "token": uuid.uuid4().hex,
        "next_url": next_url or (request.get_full_path() if request else ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("oscar_loyalty/partials/order_points.html")
def loyalty_order_points(order):
    """What a placed order earns and when the points can be spent (thank-you page). Reads the
    ledger when the award is already posted, else works it out the same way the award will."""
    if order is None or not order.user_id:
        return {"points": 0}
    entry = (
        LedgerEntry.objects.filter(idempotency_key=earning.order_earn_key(order))
        .select_related("lot")
        .first()
    )
    if entry is not None:
        return {"points": entry.points, "available_at": entry.lot.available_at}
    found = earning.calculate(
        earning.order_lines(order),
        order.currency,
        earning.RuleBook.cached(),
        shipping=(order.shipping_excl_tax, order.shipping_incl_tax),
        at=order.date_placed,
    )
    window = ProgramSettings.load().return_window_days
    return {"points": found.points, "available_at": order.date_placed + timedelta(days=window)}


@register.filter
def loyalty_voucher_name(voucher) -> str:
    """A voucher's name as the basket shows it, before its code (reward vouchers carry their
    code in their unique name; this leaves it out so the code is printed once)."""
    return rewards.shopper_voucher_name(voucher)


@register.filter
def loyalty_bdi(name):
    """``{{ tier.name|loyalty_bdi }}``: a typed name isolated from the sentence around it (see
    :func:`oscar_loyalty.utils.isolate`); works inside ``blocktrans ... with``."""
    return isolate(name)


@register.filter
def loyalty_points(points) -> str:
    """``{{ balance|loyalty_points }}``: a points count grouped the active locale's way
    ('12,367'), for reading only: never for form values, ``min``/``max`` or ``data-*``."""
    return format_points(points)
