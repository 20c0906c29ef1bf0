"""Tables of the rewards catalogue, its redemptions and the points redemption settings."""

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tables2 import Column

from ..models import RedemptionSettings, Reward, RewardRedemption
from .common import dashboard_url
from .tables import NUMBER_ATTRS, DashboardTable, ScheduledTable, schedule_status

STATUS_COLOURS = {
    RewardRedemption.ISSUED: "info",
    RewardRedemption.USED: "success",
    RewardRedemption.EXPIRED: "secondary",
}


def points(value: int) -> str:
    return number_format(value, force_grouping=True)


def reward_status(reward: Reward) -> tuple[str, str]:
    """(label, Bootstrap colour) for whether customers can redeem the reward right now."""
    if status := schedule_status(reward):
        return status
    if not reward.in_stock:
        return _("Sold out"), "warning"
    return _("Available"), "success"


def link(url_name: str, pk: int, text) -> str:
    return format_html('<a href="{}">{}</a>', dashboard_url(url_name, pk), text)


class RewardTable(ScheduledTable):
    points_cost = Column(verbose_name=_("Points"), attrs=NUMBER_ATTRS)
    stock = Column(
        verbose_name=_("Redeemed / stock"),
        empty_values=(),
        order_by=("redeemed_count",),
        attrs=NUMBER_ATTRS,
    )

    icon = "fas fa-gift"
    caption = ngettext_lazy("%d reward", "%d rewards")
    url_prefix = "loyalty-reward"
    extra_actions = (("loyalty-reward-redemptions", _("Redemptions")),)

    class Meta(ScheduledTable.Meta):
        model = Reward
        sequence = (
            "name",
            "type_name",
            "points_cost",
            "stock",
            "status",
            "starts_at",
            "ends_at",
            "actions",
        )
        order_by = ("points_cost", "name")

    @staticmethod
    def status_of(record: Reward) -> tuple[str, str]:
        return reward_status(record)

    def render_points_cost(self, value: int) -> str:
        return points(value)

    def render_stock(self, record: Reward) -> str:
        stock = gettext("no limit") if record.stock is None else points(record.stock)
        return f"{points(record.redeemed_count)} / {stock}"


class RewardRedemptionTable(DashboardTable):
    customer = Column(verbose_name=_("Customer"), accessor="account", orderable=False)
    reward = Column(verbose_name=_("Reward"), orderable=False)
    points = Column(verbose_name=_("Points"), attrs=NUMBER_ATTRS)
    voucher = Column(verbose_name=_("Voucher code"), accessor="voucher__code", default="—")
    status = Column(verbose_name=_("Status"))
    created_at = Column(verbose_name=_("Redeemed"))
    expires_at = Column(verbose_name=_("Expires"))

    icon = "fas fa-ticket-alt"
    caption = ngettext_lazy("%d redemption", "%d redemptions")

    class Meta(DashboardTable.Meta):
        fields = ()
        order_by = ("-created_at",)

    def render_customer(self, record: RewardRedemption) -> str:
        return link("loyalty-account-detail", record.account_id, record.account)

    def render_reward(self, record: RewardRedemption) -> str:
        return link("loyalty-reward-update", record.reward_id, record.reward.name)

    def render_points(self, value: int) -> str:
        return points(value)

    def render_voucher(self, value: str) -> str:
        return format_html("<code>{}</code>", value)

    def render_status(self, record: RewardRedemption) -> str:
        return format_html(
            '<span class="badge badge-{}">{}</span>',
            STATUS_COLOURS.get(record.status, "secondary"),
            record.get_status_display(),
        )


def yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


class RedemptionSettingsTable(DashboardTable):
    currency = Column(verbose_name=_("Currency"))
    is_enabled = Column(verbose_name=_("Shoppers can pay with points"))
    points_per_unit = Column(verbose_name=_("Points worth 1.00"), attrs=NUMBER_ATTRS)
    min_points = Column(verbose_name=_("Minimum points per order"), attrs=NUMBER_ATTRS)
    max_order_share = Column(verbose_name=_("Maximum share of the order"), attrs=NUMBER_ATTRS)
    combine_with_vouchers = Column(verbose_name=_("With vouchers"))
    combine_with_offers = Column(verbose_name=_("With other discounts"))
    pay_shipping = Column(verbose_name=_("Pays shipping"))

    icon = "fas fa-coins"
    caption = ngettext_lazy("%d currency", "%d currencies")

    class Meta(DashboardTable.Meta):
        model = RedemptionSettings
        fields = ()
        order_by = ("currency",)

    def render_currency(self, record: RedemptionSettings) -> str:
        return link("loyalty-redemption-update", record.pk, record.currency)

    def render_is_enabled(self, value: bool) -> str:
        colour, label = ("success", gettext("On")) if value else ("secondary", gettext("Off"))
        return format_html('<span class="badge badge-{}">{}</span>', colour, label)

    def render_points_per_unit(self, value: int) -> str:
        return points(value)

    render_min_points = render_points_per_unit

    def render_max_order_share(self, value: int) -> str:
        return f"{value} %"

    def render_combine_with_vouchers(self, value: bool) -> str:
        return yes_no(value)

    render_combine_with_offers = render_pay_shipping = render_combine_with_vouchers
