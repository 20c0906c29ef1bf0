"""Dashboard tables for tiers: the ladder with member counts, a tier's members, a history."""

from decimal import Decimal
from functools import cached_property

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tables2 import Column, DateTimeColumn
from oscar.templatetags.currency_filters import currency

from ..models import CustomerTier, Tier, TierChange, TierSettings
from ..utils import format_points
from .common import dashboard_url
from .tables import NUMBER_ATTRS, DashboardTable


def badge(tier: Tier | None) -> str:
    if tier is None:
        return "—"
    return render_to_string("oscar_loyalty/partials/tier_badge.html", {"tier": tier})


class QualifyingAmountMixin:
    """Tier amounts in the unit customers qualify on: money like the shop shows it
    ('£1,500.00'), or a number of points. The setting is read once per table."""

    @cached_property
    def qualifies_on_points(self) -> bool:
        return TierSettings.load().metric == TierSettings.POINTS

    def qualifying_amount(self, value: Decimal) -> str:
        if self.qualifies_on_points:
            points = int(value)
            return ngettext("%(points)s point", "%(points)s points", points) % {
                "points": format_points(points)
            }
        return currency(value)


class TierTable(QualifyingAmountMixin, DashboardTable):
    position = Column(verbose_name=_("Order"), attrs=NUMBER_ATTRS)
    name = Column(verbose_name=_("Tier"))
    threshold = Column(verbose_name=_("Threshold"), attrs=NUMBER_ATTRS)
    member_count = Column(verbose_name=_("Members"), attrs=NUMBER_ATTRS, orderable=False)
    perks = Column(verbose_name=_("Perks"), empty_values=(), orderable=False)
    actions = Column(verbose_name="", empty_values=(), orderable=False)

    icon = "fas fa-layer-group"
    caption = ngettext_lazy("%d tier", "%d tiers")

    class Meta(DashboardTable.Meta):
        model = Tier
        fields = ("position", "name", "threshold", "member_count", "perks", "actions")
        order_by = "position"

    def render_name(self, record):
        return format_html("{}", badge(record))

    def render_threshold(self, value):
        return self.qualifying_amount(value)

    def render_member_count(self, record, value):
        return format_html(
            '<a href="{}" data-loyalty="tier-members">{}</a>',
            dashboard_url("loyalty-tier-members", record.pk),
            value,
        )

    def render_perks(self, record):
        return render_to_string("oscar_loyalty/partials/tier_perks.html", {"tier": record})

    def render_actions(self, record):
        return render_to_string(
            "oscar_loyalty/dashboard/partials/row_actions.html",
            {
                "record": record,
                "actions": [
                    (dashboard_url("loyalty-tier-update", record.pk), gettext("Edit")),
                    (dashboard_url("loyalty-tier-members", record.pk), gettext("Members")),
                    (dashboard_url("loyalty-tier-delete", record.pk), gettext("Delete")),
                ],
            },
        )


class TierMemberTable(DashboardTable):
    account = Column(verbose_name=_("Customer"), order_by=("account__user__email",))
    earned_tier = Column(verbose_name=_("Earned tier"))
    pin = Column(verbose_name=_("Pinned until"), accessor="pin__ends_at")
    downgrade_due_at = DateTimeColumn(verbose_name=_("Downgrade due"), format="j M Y")

    icon = "fas fa-users"
    caption = ngettext_lazy("%d member", "%d members")

    class Meta(DashboardTable.Meta):
        model = CustomerTier
        fields = ("account", "earned_tier", "pin", "downgrade_due_at")
        order_by = "account"

    def render_account(self, record):
        return format_html(
            '<a href="{}">{}</a>',
            dashboard_url("loyalty-account-tier", record.account_id),
            record.account,
        )

    def render_earned_tier(self, record):
        return format_html("{}", badge(record.earned_tier))


class TierChangeTable(QualifyingAmountMixin, DashboardTable):
    created_at = DateTimeColumn(verbose_name=_("When"), format="j M Y H:i")
    from_tier = Column(verbose_name=_("From"), empty_values=())
    to_tier = Column(verbose_name=_("To"), empty_values=())
    reason = Column(verbose_name=_("Why"))
    note = Column(verbose_name=_("Note"))
    qualifying_value = Column(verbose_name=_("Qualifying value"), attrs=NUMBER_ATTRS)
    created_by = Column(verbose_name=_("By"))

    icon = "fas fa-history"
    caption = ngettext_lazy("%d tier change", "%d tier changes")

    class Meta(DashboardTable.Meta):
        model = TierChange
        fields = (
            "created_at",
            "from_tier",
            "to_tier",
            "reason",
            "note",
            "qualifying_value",
            "created_by",
        )
        orderable = False

    def render_from_tier(self, record):
        return format_html("{}", badge(record.from_tier))

    def render_qualifying_value(self, value):
        return self.qualifying_amount(value)

    def render_to_tier(self, record):
        return format_html("{}", badge(record.to_tier))
