"""The referral list of the dashboard: status, the rules that fired and the first order."""

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_tables2 import Column, DateTimeColumn, TemplateColumn
from oscar.templatetags.currency_filters import currency

from ..models import Referral
from .common import dashboard_url
from .tables import DashboardTable

STATUS_COLOURS = {
    Referral.WAITING: "secondary",
    Referral.ORDERED: "info",
    Referral.REVIEW: "warning",
    Referral.REWARDED: "success",
    Referral.CANCELLED: "secondary",
    Referral.REJECTED: "danger",
    Referral.REVERSED: "dark",
}


class ReferralTable(DashboardTable):
    created_at = DateTimeColumn(verbose_name=_("Referred"), format="SHORT_DATETIME_FORMAT")
    referrer = Column(verbose_name=_("Referrer"), accessor="referrer__email")
    friend = Column(verbose_name=_("Friend"), empty_values=(), orderable=False)
    source = Column(verbose_name=_("Source"))
    status = Column(verbose_name=_("Status"))
    fired_rules = Column(verbose_name=_("Rules that fired"), orderable=False)
    order_number = Column(verbose_name=_("First order"))
    reward = TemplateColumn(
        '{% include "oscar_loyalty/referrals/referrer_reward.html" with referral=record %}',
        verbose_name=_("Referrer's reward"),
        orderable=False,
    )
    actions = Column(verbose_name="", empty_values=(), orderable=False)

    icon = "fas fa-user-friends"
    caption = ngettext_lazy("%d referral", "%d referrals")

    class Meta(DashboardTable.Meta):
        model = Referral
        fields = ()
        sequence = (
            "created_at",
            "referrer",
            "friend",
            "source",
            "status",
            "fired_rules",
            "order_number",
            "reward",
            "actions",
        )
        order_by = ("-created_at",)

    def render_friend(self, record: Referral) -> str:
        if record.friend_id:
            return record.friend.email
        return record.friend_email or _("Guest (basket %(id)s)") % {"id": record.basket_id}

    def render_status(self, record: Referral) -> str:
        colour = STATUS_COLOURS.get(record.status, "secondary")
        return format_html(
            '<span class="badge badge-{}">{}</span>', colour, record.get_status_display()
        )

    def render_fired_rules(self, record: Referral) -> str:
        if not record.fired_rules:
            return "—"
        return format_html(
            '<ul class="list-unstyled mb-0 small">{}</ul>',
            format_html_join(
                "", "<li>{}</li>", ((reason,) for reason in record.fired_rule_reasons)
            ),
        )

    def render_order_number(self, record: Referral) -> str:
        """The first order's number, linked, and its total in its own currency (annotated by
        the list's query); just the number if the order is gone."""
        if record.first_order_total is None:
            return record.order_number
        return format_html(
            '<a href="{}">{}</a> &middot; <span data-loyalty="first-order-total">{}</span>',
            reverse("dashboard:order-detail", kwargs={"number": record.order_number}),
            record.order_number,
            currency(record.first_order_total, record.first_order_currency),
        )

    def render_actions(self, record: Referral) -> str:
        label = _("Review") if record.status == Referral.REVIEW else _("View")
        return format_html(
            '<a class="btn btn-sm btn-secondary" href="{}">{}</a>',
            dashboard_url("loyalty-referral-detail", record.pk),
            label,
        )
