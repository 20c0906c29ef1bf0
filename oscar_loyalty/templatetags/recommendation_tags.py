"""Recommendation blocks a shop can place on any page: ``{% load recommendation_tags %}``.

Each tag renders ``oscar_loyalty/recommendations/block.html`` (one include a shop can replace)
and renders nothing when there is nothing good to show. On a warm cache a block costs at most
two queries (the basket's products and the candidates' stock records) and reuses the HTML
rendered for the same products, prices and stock (see ``recommendations.blocks``).
"""

from django import template
from django.utils.translation import gettext_lazy as _

from oscar_loyalty import conf
from oscar_loyalty.recommendations import blocks, display, serving

register = template.Library()


def _block(context, kind: str, title, product_ids, exclude=(), limit=None):
    size = int(limit or conf.get("RECOMMENDATIONS_BLOCK_SIZE"))
    return blocks.render_block(context.get("request"), kind, title, product_ids, size, exclude)


def _signed_in(context):
    user = getattr(context.get("request"), "user", None)
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def loyalty_buy_it_again(context, limit=None):
    """The signed-in shopper's own repeat purchases, most likely next first."""
    user = _signed_in(context)
    ids = serving.lists_for_customer(user.pk).buy_again if user else []
    return _block(context, "buy-it-again", _("Buy it again"), ids, limit=limit)


@register.simple_tag(takes_context=True)
def loyalty_recommended_for_you(context, limit=None):
    """New products that fit the shopper's history; "popular now" for guests and newcomers.

    Products the shopper already bought are never shown here (that is "Buy it again").
    """
    user = _signed_in(context)
    lists = serving.lists_for_customer(user.pk) if user else None
    if lists and lists.discover:
        ids, bought = lists.discover, lists.buy_again
        return _block(context, "for-you", _("Recommended for you"), ids, bought, limit)
    exclude = lists.buy_again if lists else ()
    return _block(context, "popular", _("Popular now"), serving.popular_now(), exclude, limit)


@register.simple_tag(takes_context=True)
def loyalty_bought_together(context, product, limit=None):
    """ "Frequently bought together" on a product page (the product's category's best sellers
    when the product is too new to have neighbours)."""
    ids = serving.bought_together(product.pk) if product is not None else []
    title = _("Frequently bought together")
    return _block(context, "bought-together", title, ids, [product.pk] if product else (), limit)


@register.simple_tag(takes_context=True)
def loyalty_basket_also_bought(context, basket, limit=None):
    """ "Customers who bought these also bought", for the basket's products."""
    request = context.get("request")
    in_basket = display.basket_product_ids(request) if request is not None else set()
    if not in_basket and basket is not None and basket.id is not None:
        in_basket = {line.product_id for line in basket.all_lines()}
    ids = serving.bought_with(in_basket)
    title = _("Customers who bought these also bought")
    return _block(context, "also-bought", title, ids, in_basket, limit)
