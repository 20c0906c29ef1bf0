from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class


class LoyaltyDashboardConfig(OscarDashboardConfig):
    """The loyalty section of Oscar's dashboard (staff only; URL names prefixed ``loyalty-``).

    Mount it with ``path("dashboard/loyalty/", apps.get_app_config(label).urls)`` where the
    label is ``oscar_loyalty_dashboard``.
    """

    name = "oscar_loyalty.dashboard"
    label = "oscar_loyalty_dashboard"
    verbose_name = _("Loyalty dashboard")
    namespace = "oscar_loyalty_dashboard"
    default_permissions = ["is_staff"]

    def configure_permissions(self) -> None:
        """Changing a balance needs a real model permission on top of staff status, so a shop
        can let support staff look up customers without letting them hand out points."""
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        self.permissions_map = {
            "loyalty-account-adjust": [
                *DashboardPermission.staff,
                *DashboardPermission.get("oscar_loyalty", "add_ledgerentry"),
            ],
        }

    def ready(self) -> None:
        self.configure_permissions()

    def get_urls(self):
        from . import rule_views, views

        urls = [
            path("", views.IndexView.as_view(), name="loyalty-index"),
            path("settings/", views.ProgramSettingsView.as_view(), name="loyalty-settings"),
            # Earning rules: choose a type, then fill in that type's form.
            path("rules/", rule_views.RuleListView.as_view(), name="loyalty-rule-list"),
            path("rules/new/", rule_views.RuleTypeSelectView.as_view(), name="loyalty-rule-create"),
            path(
                "rules/new/<slug:rule_type>/",
                rule_views.RuleCreateView.as_view(),
                name="loyalty-rule-create-type",
            ),
            path(
                "rules/<int:pk>/", rule_views.RuleUpdateView.as_view(), name="loyalty-rule-update"
            ),
            path(
                "rules/<int:pk>/delete/",
                rule_views.RuleDeleteView.as_view(),
                name="loyalty-rule-delete",
            ),
            # Customer accounts.
            path("accounts/", views.AccountListView.as_view(), name="loyalty-account-list"),
            path(
                "accounts/<int:pk>/",
                views.AccountDetailView.as_view(),
                name="loyalty-account-detail",
            ),
            path(
                "accounts/<int:pk>/adjust/",
                views.AccountAdjustView.as_view(),
                name="loyalty-account-adjust",
            ),
            path(
                "accounts/<int:pk>/ledger.csv",
                views.AccountLedgerCsvView.as_view(),
                name="loyalty-account-ledger-csv",
            ),
        ]
        return self.post_process_urls(urls)
