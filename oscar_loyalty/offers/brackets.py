"""Progressive spend: one offer, any number of brackets, the best bracket reached wins.

"5 % off from R$ 100, 10 % from R$ 200, 15 % from R$ 300" is ONE Oscar offer whose benefit is a
:class:`SpendBracketsBenefit` row (a "Custom incentive" in Oscar's offer dashboard); its
brackets are :class:`~oscar_loyalty.models.SpendBracket` rows on that benefit, edited in the
loyalty dashboard. Pair it with any condition: "Any basket" for everybody, or a customer
condition for a "second order" or VIP version.

The spend is what Oscar's value condition counts: the discountable lines of the benefit's range
(every product when it has none) at their effective price, less items other offers took under
Oscar's exclusivity rules. A percentage is rounded to the currency (Oscar's ``Benefit.round``,
so ``OSCAR_OFFER_ROUNDING_FUNCTION`` applies) and then spread over the lines like Oscar's
absolute discount, so the total shown is exactly the total recorded on the order.

The brackets of every offer are cached together (see ``caching``); each application records
the spend it saw on the basket so the basket page can say what the next bracket needs without
computing anything again (:func:`bracket_progress`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class
from oscar.templatetags.currency_filters import currency

from oscar_loyalty import caching
from oscar_loyalty.models.offers import SpendBracket

AbsoluteDiscountBenefit = get_class("offer.benefits", "AbsoluteDiscountBenefit")
ZERO_DISCOUNT = get_class("offer.results", "ZERO_DISCOUNT")
unit_price = get_class("offer.utils", "unit_price")

CACHE_NAME = "spend_brackets"
PROGRESS_ATTRIBUTE = "_loyalty_bracket_progress"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bracket:
    threshold: Decimal
    kind: str
    value: Decimal

    @property
    def is_percentage(self) -> bool:
        return self.kind == SpendBracket.PERCENTAGE

    def discount_label(self, currency_code: str | None = None) -> str:
        """'10 % off' or '£5.00 off', for hints and discount lines."""
        if self.is_percentage:
            return gettext("%(percent)s %% off") % {"percent": f"{self.value.normalize():f}"}
        return gettext("%(amount)s off") % {"amount": currency(self.value, currency_code)}

    def describe(self, currency_code: str | None = None) -> str:
        return gettext("%(discount)s from %(threshold)s") % {
            "discount": self.discount_label(currency_code),
            "threshold": currency(self.threshold, currency_code),
        }


def load_brackets() -> dict[int, tuple[Bracket, ...]]:
    """Every benefit's brackets, lowest threshold first, in one query."""
    table: dict[int, list[Bracket]] = {}
    rows = SpendBracket.objects.order_by("benefit_id", "threshold").values_list(
        "benefit_id", "threshold", "kind", "value"
    )
    for benefit_id, threshold, kind, value in rows:
        table.setdefault(benefit_id, []).append(Bracket(threshold, kind, value))
    return {benefit_id: tuple(brackets) for benefit_id, brackets in table.items()}


def brackets_for(benefit_id: int | None) -> tuple[Bracket, ...]:
    return caching.cached(CACHE_NAME, load_brackets).get(benefit_id, ())


def forget_brackets() -> None:
    caching.forget(CACHE_NAME)


def best_reached(brackets: tuple[Bracket, ...], spend: Decimal) -> Bracket | None:
    reached = [bracket for bracket in brackets if spend >= bracket.threshold]
    return reached[-1] if reached else None


def next_bracket(brackets: tuple[Bracket, ...], spend: Decimal) -> Bracket | None:
    return next((bracket for bracket in brackets if spend < bracket.threshold), None)


@dataclass(frozen=True)
class BracketProgress:
    """Where a basket stands in one offer's brackets (recorded when the offer was applied)."""

    offer_id: int
    offer_name: str
    currency: str
    spend: Decimal
    reached: Bracket | None
    next: Bracket | None

    @property
    def missing(self) -> Decimal:
        return self.next.threshold - self.spend if self.next else ZERO


def bracket_progress(basket) -> list[BracketProgress]:
    """The bracket offers applied to ``basket`` in this request, in offer order."""
    return list(getattr(basket, PROGRESS_ATTRIBUTE, {}).values())


class SpendBracketsBenefit(AbsoluteDiscountBenefit):
    """The best bracket reached, as a discount on the basket (see the module docstring)."""

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Progressive spend brackets")

    @property
    def name(self) -> str:
        brackets = brackets_for(self.pk)
        if not brackets:
            return gettext("Spend brackets #%(id)s (no brackets yet)") % {"id": self.pk}
        steps = ", ".join(bracket.describe() for bracket in brackets)
        return gettext("Spend brackets #%(id)s: %(steps)s") % {"id": self.pk, "steps": steps}

    @property
    def description(self) -> str:
        return self.name

    def get_applicable_lines(self, offer, basket, range=None):  # noqa: A002 (Oscar's name)
        """Without a range every discountable product counts, and no range query is run."""
        if range is not None or self.range_id is not None:
            return super().get_applicable_lines(offer, basket, range)
        lines = []
        for line in basket.all_lines():
            if self.can_apply_benefit(line):
                price = unit_price(offer, line)
                if price:
                    lines.append((price, line))
        return sorted(lines, key=lambda pair: pair[0])

    def apply(self, basket, condition, offer, **kwargs):
        lines = self.get_applicable_lines(offer, basket)
        spend = sum(
            (price * line.quantity_without_offer_discount(offer) for price, line in lines), ZERO
        )
        brackets = brackets_for(self.pk)
        bracket = best_reached(brackets, spend)
        if not any(line.discounts.num_consumed(offer) for _price, line in lines):
            # First application in this pass (later ones see their own items consumed).
            self._record_progress(basket, offer, spend, brackets, bracket)
        if bracket is None:
            return ZERO_DISCOUNT
        if bracket.is_percentage:
            amount = self.round(bracket.value / Decimal(100) * spend, basket.currency)
        else:
            amount = bracket.value
        result = super().apply(basket, condition, offer, discount_amount=amount)
        if result.is_successful:
            result.description = bracket.describe(basket.currency)
        return result

    def _record_progress(self, basket, offer, spend, brackets, bracket) -> None:
        progress = getattr(basket, PROGRESS_ATTRIBUTE, None)
        if progress is None:
            progress = {}
            setattr(basket, PROGRESS_ATTRIBUTE, progress)
        progress[offer.pk] = BracketProgress(
            offer_id=offer.pk,
            offer_name=offer.name,
            currency=basket.currency or settings.OSCAR_DEFAULT_CURRENCY,
            spend=spend,
            reached=bracket,
            next=next_bracket(brackets, spend),
        )
