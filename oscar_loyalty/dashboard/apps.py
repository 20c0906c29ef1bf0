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
            "loyalty-referral-review": [
                *DashboardPermission.staff,
                *DashboardPermission.get("oscar_loyalty", "change_referral"),
            ],
            "loyalty-account-pin": [
                *DashboardPermission.staff,
                *DashboardPermission.get("oscar_loyalty", "add_tierpin"),
            ],
        }

    def ready(self) -> None:
        self.configure_permissions()

    def get_urls(self):
        from .. import untrusted  # noqa: F401  (registers the <loyalty_id:...> converter)
        from . import (
            offer_views,
            recommendation_views,
            redemption_views,
            referral_views,
            reward_views,
            rule_views,
            tier_views,
            views,
        )
        from .polymorphic import section_urls

        urls = [
            path("", views.IndexView.as_view(), name="loyalty-index"),
            path("settings/", views.ProgramSettingsView.as_view(), name="loyalty-settings"),
            # Earning rules and rewards: choose a type, then fill in that type's form.
            *section_urls(
                "rules/",
                list_view=rule_views.RuleListView,
                type_select_view=rule_views.RuleTypeSelectView,
                create_view=rule_views.RuleCreateView,
                update_view=rule_views.RuleUpdateView,
                delete_view=rule_views.RuleDeleteView,
            ),
            *section_urls(
                "rewards/",
                list_view=reward_views.RewardListView,
                type_select_view=reward_views.RewardTypeSelectView,
                create_view=reward_views.RewardCreateView,
                update_view=reward_views.RewardUpdateView,
                delete_view=reward_views.RewardDeleteView,
            ),
            # One name, two addresses: every redemption, or one reward's.
            path(
                "rewards/redemptions/",
                reward_views.RewardRedemptionListView.as_view(),
                name="loyalty-reward-redemptions",
            ),
            path(
                "rewards/<loyalty_id:pk>/redemptions/",
                reward_views.RewardRedemptionListView.as_view(),
                name="loyalty-reward-redemptions",
            ),
            path(
                "rewards/product-lookup/",
                reward_views.RewardProductLookupView.as_view(),
                name="loyalty-product-lookup",
            ),
            # Paying with points: one row of settings per currency.
            path(
                "redemption/",
                redemption_views.RedemptionSettingsListView.as_view(),
                name="loyalty-redemption-list",
            ),
            path(
                "redemption/new/",
                redemption_views.RedemptionSettingsCreateView.as_view(),
                name="loyalty-redemption-create",
            ),
            path(
                "redemption/<loyalty_id:pk>/",
                redemption_views.RedemptionSettingsUpdateView.as_view(),
                name="loyalty-redemption-update",
            ),
            # Offer building blocks for Oscar's offer dashboard.
            path("offers/", offer_views.OfferBlocksView.as_view(), name="loyalty-offer-blocks"),
            path(
                "offers/brackets/new/",
                offer_views.BracketsEditView.as_view(),
                name="loyalty-brackets-create",
            ),
            path(
                "offers/brackets/<loyalty_id:pk>/",
                offer_views.BracketsEditView.as_view(),
                name="loyalty-brackets-update",
            ),
            # Customer accounts.
            path("accounts/", views.AccountListView.as_view(), name="loyalty-account-list"),
            path(
                "accounts/<loyalty_id:pk>/",
                views.AccountDetailView.as_view(),
                name="loyalty-account-detail",
            ),
            path(
                "accounts/<loyalty_id:pk>/adjust/",
                views.AccountAdjustView.as_view(),
                name="loyalty-account-adjust",
            ),
            path(
                "accounts/<loyalty_id:pk>/ledger.csv",
                views.AccountLedgerCsvView.as_view(),
                name="loyalty-account-ledger-csv",
            ),
            # Referrals: settings, the list (with its review queue) and the funnel report.
            path(
                "referrals/",
                referral_views.ReferralListView.as_view(),
                name="loyalty-referral-list",
            ),
            path(
                "referrals/<loyalty_id:pk>/",
                referral_views.ReferralDetailView.as_view(),
                name="loyalty-referral-detail",
            ),
            path(
                "referrals/<loyalty_id:pk>/review/",
                referral_views.ReferralReviewView.as_view(),
                name="loyalty-referral-review",
            ),
            path(
                "referrals/settings/",
                referral_views.ReferralSettingsView.as_view(),
                name="loyalty-referral-settings",
            ),
            path(
                "referrals/report/",
                referral_views.ReferralReportView.as_view(),
                name="loyalty-referral-report",
            ),
            # Recommendations: model, quality report, explorer.
            path(
                "recommendations/",
                recommendation_views.RecommendationsView.as_view(),
                name="loyalty-recommendations",
            ),
            path(
                "recommendations/action/",
                recommendation_views.RecommendationsActionView.as_view(),
                name="loyalty-recommendations-action",
            ),
            *tier_urls(tier_views),
        ]
        return self.post_process_urls(urls)


def tier_urls(tier_views) -> list:
    """Tiers: the ladder, its settings, members per tier, a customer's history and pins."""
    return [
        path("tiers/", tier_views.TierListView.as_view(), name="loyalty-tier-list"),
        path("tiers/new/", tier_views.TierCreateView.as_view(), name="loyalty-tier-create"),
        path(
            "tiers/<loyalty_id:pk>/",
            tier_views.TierUpdateView.as_view(),
            name="loyalty-tier-update",
        ),
        path(
            "tiers/<loyalty_id:pk>/delete/",
            tier_views.TierDeleteView.as_view(),
            name="loyalty-tier-delete",
        ),
        path(
            "tiers/<loyalty_id:pk>/members/",
            tier_views.TierMembersView.as_view(),
            name="loyalty-tier-members",
        ),
        path(
            "tiers/settings/", tier_views.TierSettingsView.as_view(), name="loyalty-tier-settings"
        ),
        path(
            "accounts/<loyalty_id:pk>/tier/",
            tier_views.AccountTierView.as_view(),
            name="loyalty-account-tier",
        ),
        path(
            "accounts/<loyalty_id:pk>/tier/pin/",
            tier_views.AccountPinView.as_view(),
            name="loyalty-account-pin",
        ),
    ]
