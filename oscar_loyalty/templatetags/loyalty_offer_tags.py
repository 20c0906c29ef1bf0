"""Offer blocks for shop pages: ``{% load loyalty_offer_tags %}``.

Each tag is one include a shop can move or replace. They read what the offers recorded on the
basket while Oscar applied them and the cached earning rules, so they add no query of their own
on a warm cache (see ``tests/integration/test_offer_query_budget.py``).
"""

from django import template
from django.utils import timezone

from oscar_loyalty.offers import hints
from oscar_loyalty.offers.brackets import SpendBracketsBenefit, brackets_for
from oscar_loyalty.offers.customer_conditions import CustomerCondition

from .loyalty_tags import _rulebook

register = template.Library()


HINTS = "loyalty_offer_hints"


def _hints_for(context, basket) -> list:
    """Worked out once per render: the hints, with the page's ``upsell_messages`` reduced to
    the ones our hints do not replace."""
    if HINTS not in context:
        found, remaining = hints.basket_hints(
            basket, context.get("upsell_messages"), context.get("request")
        )
        context[HINTS] = found
        if "upsell_messages" in context:
            context["upsell_messages"] = remaining
    return context[HINTS]


@register.simple_tag(takes_context=True)
def loyalty_replace_upsells(context, basket=None) -> str:
    """Drop Oscar's generic upsell lines for the offers our hints phrase better ("Add £12.00
    for free shipping"). Renders nothing; must run before Oscar's basket content (our
    ``basket/basket.html`` does). Oscar's in-page quantity update re-renders only the basket
    content, where its generic line then shows beside our hint until the next page load."""
    basket = basket if basket is not None else context.get("basket")
    if basket is not None and not basket.is_empty:
        _hints_for(context, basket)
    return ""


@register.inclusion_tag("oscar_loyalty/partials/offer_hints.html", takes_context=True)
def loyalty_offer_hints(context, basket=None):
    """ "Add £23.00 to get 10 % off", "Add £12.00 for free shipping"; gone once reached."""
    basket = basket if basket is not None else context.get("basket")
    if basket is None or basket.is_empty:
        return {"hints": []}
    return {"hints": _hints_for(context, basket)}


@register.inclusion_tag("oscar_loyalty/partials/points_event.html", takes_context=True)
def loyalty_points_event(context):
    """The points multiplier event running now ("Double points until Sunday"), if any."""
    return {"event": _rulebook(context.get("request")).event_at(timezone.now())}


@register.inclusion_tag("oscar_loyalty/dashboard/partials/offer_blocks_note.html")
def loyalty_offer_blocks_note(offer):
    """On Oscar's offer page: this offer's spend brackets or customer condition, with a link to
    edit them in the loyalty dashboard."""
    benefit, condition = offer.benefit.proxy(), offer.condition.proxy()
    is_brackets = isinstance(benefit, SpendBracketsBenefit)
    return {
        "offer": offer,
        "brackets": brackets_for(benefit.pk) if is_brackets else None,
        "is_brackets": is_brackets,
        "customer_condition": condition if isinstance(condition, CustomerCondition) else None,
    }
