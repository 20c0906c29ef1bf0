"""django-tables2 tables in Oscar's dashboard style (``DashboardTable``: caption, pagination)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tables2 import Column
from oscar.core.loading import get_class
from oscar.templatetags.currency_filters import currency

from ..models import ActionRule, EarningRule, LedgerEntry, SocialFollowRule, SpendRule
from .common import dashboard_url

DashboardTable = get_class("dashboard.tables", "DashboardTable")

NUMBER_ATTRS = {"th": {"class": "text-right"}, "td": {"class": "text-right"}}


def signed(points: int) -> str:
    """Points with their sign and thousands separators, as on a statement."""
    return ("+" if points > 0 else "") + number_format(points, force_grouping=True)


def schedule_status(obj) -> tuple[str, str] | None:
    """(label, Bootstrap colour) when a scheduled object (rule, reward) is off or outside its
    dates right now; None when it is switched on and within them."""
    now = timezone.now()
    if not obj.is_active:
        return _("Off"), "secondary"
    if obj.starts_at and obj.starts_at > now:
        return _("Scheduled"), "info"
    if obj.ends_at and obj.ends_at <= now:
        return _("Ended"), "warning"
    return None


def rule_status(rule: EarningRule) -> tuple[str, str]:
    """(label, Bootstrap colour) for whether the rule awards points right now."""
    return schedule_status(rule) or (_("Running"), "success")


def describe_rule(rule: EarningRule) -> str:
    """The parameters that matter for the rule's type, in one line for the list."""
    parts = []
    if isinstance(rule, SpendRule):
        rate = rule.points_per_unit.normalize()
        parts.append(
            ngettext(
                "%(rate)s point per %(currency)s",
                "%(rate)s points per %(currency)s",
                1 if rate == 1 else 2,  # 1.5 points, 0.5 points: plural unless exactly one
            )
            % {"rate": number_format(rate), "currency": rule.currency}
        )
        if rule.min_order_total:
            minimum = currency(rule.min_order_total, rule.currency)
            parts.append(gettext("orders from %(min)s") % {"min": minimum})
        count = getattr(rule, "multiplier_count", 0)
        if count:
            parts.append(ngettext("%(n)d multiplier", "%(n)d multipliers", count) % {"n": count})
    elif isinstance(rule, ActionRule):
        values = {
            "points": number_format(rule.points, force_grouping=True),
            "count": rule.limit_count,
            "period": rule.get_limit_period_display(),
        }
        parts.append(ngettext("%(points)s point", "%(points)s points", rule.points) % values)
        parts.append(
            ngettext(
                "at most once %(period)s", "at most %(count)s times %(period)s", rule.limit_count
            )
            % values
        )
        if isinstance(rule, SocialFollowRule):
            parts.append(rule.network)
    return ", ".join(parts)


class ScheduledTable(DashboardTable):
    """Columns shared by polymorphic, scheduled objects (rules, rewards): the name links to the
    edit page, the real type, a status badge, the dates and a menu of ``row_actions``."""

    name = Column(verbose_name=_("Name"))
    type_name = Column(verbose_name=_("Type"), empty_values=(), orderable=False)
    status = Column(verbose_name=_("Status"), accessor="is_active", order_by=("is_active",))
    starts_at = Column(verbose_name=_("Starts"), default="—")
    ends_at = Column(verbose_name=_("Ends"), default="—")
    actions = Column(verbose_name="", empty_values=(), orderable=False)

    #: The section's URL names start with this (see ``polymorphic.SectionMixin``).
    url_prefix: str
    #: (URL name, label) of menu entries between "Edit" and "Switch off or delete".
    extra_actions: tuple = ()

    class Meta(DashboardTable.Meta):
        fields = ()
        order_by = ("name",)

    @staticmethod
    def status_of(record) -> tuple[str, str]:
        return rule_status(record)

    def render_name(self, record, value: str) -> str:
        url = dashboard_url(f"{self.url_prefix}-update", record.pk)
        return format_html('<a href="{}">{}</a>', url, value)

    def render_type_name(self, record) -> str:
        return capfirst(record._meta.verbose_name)

    def render_status(self, record) -> str:
        label, colour = self.status_of(record)
        return format_html('<span class="badge badge-{}">{}</span>', colour, label)

    def render_actions(self, record) -> str:
        entries = [
            (f"{self.url_prefix}-update", _("Edit")),
            *self.extra_actions,
            (f"{self.url_prefix}-delete", _("Switch off or delete")),
        ]
        actions = [(dashboard_url(name, record.pk), label) for name, label in entries]
        return render_to_string(
            "oscar_loyalty/dashboard/partials/row_actions.html",
            {"record": record, "actions": actions},
        )


class EarningRuleTable(ScheduledTable):
    parameters = Column(verbose_name=_("Parameters"), empty_values=(), orderable=False)

    icon = "fas fa-star"
    caption = ngettext_lazy("%d earning rule", "%d earning rules")
    url_prefix = "loyalty-rule"

    class Meta(ScheduledTable.Meta):
        model = EarningRule
        sequence = ("name", "type_name", "status", "starts_at", "ends_at", "parameters", "actions")

    def render_parameters(self, record: EarningRule) -> str:
        return describe_rule(record)


class PointsAccountTable(DashboardTable):
    customer = Column(verbose_name=_("Customer"), accessor="pk", order_by=("user__last_name",))
    email = Column(verbose_name=_("Email"), accessor="user__email", default="—")
    owner_key = Column(verbose_name=_("Owner key"))
    available = Column(verbose_name=_("Available"), attrs=NUMBER_ATTRS)
    pending = Column(verbose_name=_("Pending"), attrs=NUMBER_ATTRS)
    held = Column(verbose_name=_("Held"), attrs=NUMBER_ATTRS)
    last_activity_at = Column(verbose_name=_("Last activity"), default="—")

    icon = "fas fa-users"
    caption = ngettext_lazy("%d account", "%d accounts")

    class Meta(DashboardTable.Meta):
        fields = ()

    def render_customer(self, record) -> str:
        url = dashboard_url("loyalty-account-detail", record.pk)
        return format_html('<a href="{}">{}</a>', url, record)

    def render_available(self, value: int) -> str:
        return number_format(value, force_grouping=True)

    render_pending = render_held = render_available


class LedgerEntryTable(DashboardTable):
    created_at = Column(verbose_name=_("Date"), orderable=False)
    kind = Column(verbose_name=_("Kind"), orderable=False)
    description = Column(verbose_name=_("Description"), orderable=False, default="")
    order_number = Column(verbose_name=_("Order"), orderable=False, default="")
    points = Column(
        verbose_name=_("Points"),
        empty_values=(),
        orderable=False,
        attrs={"th": {"class": "text-right"}, "td": {"class": "text-right text-nowrap"}},
    )
    reason = Column(verbose_name=_("Reason"), orderable=False, default="")
    created_by = Column(verbose_name=_("Staff member"), orderable=False, default="")

    icon = "fas fa-list"
    caption = ngettext_lazy("%d ledger entry", "%d ledger entries")

    class Meta(DashboardTable.Meta):
        fields = ()
        attrs = {"class": "table table-striped table-bordered table-sm"}

    def render_created_at(self, value) -> str:
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    def render_kind(self, record: LedgerEntry) -> str:
        return record.get_kind_display()

    def render_order_number(self, value: str) -> str:
        url = reverse("dashboard:order-detail", kwargs={"number": value})
        return format_html('<a href="{}">{}</a>', url, value)

    def render_points(self, record: LedgerEntry) -> str:
        points = record.points
        colour = "text-success" if points > 0 else "text-danger" if points < 0 else ""
        notes = []
        if record.pending_delta and not record.available_delta:
            notes.append(str(_("pending")))
        if record.held_delta:
            # Checkout holds move points between available and held; show the move.
            notes.append(str(_("held %(points)s") % {"points": signed(record.held_delta)}))
        return format_html(
            '<span class="{}">{}</span> <small class="text-muted">{}</small>',
            colour,
            signed(points),
            ", ".join(notes),
        )

    def render_created_by(self, value) -> str:
        return value.get_full_name() or value.email
