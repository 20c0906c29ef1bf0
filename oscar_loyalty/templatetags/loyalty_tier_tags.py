"""Tier blocks for shop pages: ``{% load loyalty_tier_tags %}``. Each tag is one include a
shop can move or replace; none costs a query when the shop has no tiers."""

from django import template
from django.utils.translation import ngettext
from oscar.templatetags.currency_filters import currency

from oscar_loyalty import earning
from oscar_loyalty.tiers import perks
from oscar_loyalty.tiers.activity import earn_base
from oscar_loyalty.tiers.progress import progress_for, would_reach
from oscar_loyalty.tiers.qualification import Ladder
from oscar_loyalty.utils import format_points

from .loyalty_tags import _rulebook, account_of

register = template.Library()


@register.inclusion_tag("oscar_loyalty/partials/tier_badge.html")
def loyalty_tier_badge(tier):
    """A tier's name in its badge colour and icon."""
    return {"tier": tier}


@register.inclusion_tag("oscar_loyalty/partials/tier_status.html", takes_context=True)
def loyalty_tier_status(context):
    """The shopper's tier, its perks, progress to the next one, what happens when the window
    ends, and every tier with its perks (Rewards page)."""
    if not Ladder.cached().tiers:
        return {"progress": None}
    request = context.get("request")
    progress = progress_for(account_of(request))
    texts = {
        "missing": amount_text(progress, progress.missing),
        "keep": amount_text(progress, progress.keep_missing) if progress.keep_missing else "",
    }
    return {"progress": progress, "texts": texts, "request": request}


def amount_text(progress, amount) -> str:
    """An amount towards a tier as shoppers read it: money, or a number of points."""
    if progress.is_points:
        points = int(amount)
        return ngettext("%(points)s point", "%(points)s points", points) % {
            "points": format_points(points)
        }
    return currency(amount)


@register.inclusion_tag("oscar_loyalty/partials/tier_nudge.html", takes_context=True)
def loyalty_tier_nudge(context, basket):
    """'This order takes you to VIP' on the basket page, when it would."""
    request = context.get("request")
    account = account_of(request)
    if basket is None or basket.is_empty or account is None or not Ladder.cached().tiers:
        return {"tier": None}
    progress = progress_for(account)
    if progress.next_tier is None:
        return {"tier": None}
    found = earning.calculate(
        earning.basket_lines(basket),
        basket.currency,
        _rulebook(request),
        tier_multiplier=perks.points_multiplier(perks.tier_for_basket(basket)),
    )
    value = found.points if progress.is_points else earn_base(found.rules)
    return {"tier": would_reach(progress, value), "progress": progress}


@register.filter
def whole(value) -> int:
    """A qualifying amount as whole points (for plural forms)."""
    return int(value or 0)
