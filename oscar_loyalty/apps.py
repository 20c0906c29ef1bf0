from django.contrib.auth.decorators import login_required
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarConfig


class LoyaltyConfig(OscarConfig):
    """The storefront side of oscar_loyalty: shopper pages, signal receivers, offers.

    Mount it with ``path("loyalty/", apps.get_app_config("oscar_loyalty").urls)`` and list it
    above ``oscar.config.Shop`` in ``INSTALLED_APPS`` so its template overrides win.
    """

    name = "oscar_loyalty"
    label = "oscar_loyalty"
    verbose_name = _("Loyalty")
    namespace = "oscar_loyalty"
    hidable_feature_name = "loyalty"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks and receivers)
        from .referrals import receivers as referral_receivers  # noqa: F401

    def get_urls(self):
        from . import untrusted, views  # noqa: F401  (untrusted registers <loyalty_id:...>)
        from .referrals.views import referral_urls

        urls = [
            path("account/", login_required(views.RewardsView.as_view()), name="account"),
            path(
                "account/profile/",
                login_required(views.ProfileView.as_view()),
                name="account-profile",
            ),
            path(
                "basket/points/",
                login_required(views.RedeemPointsView.as_view()),
                name="redeem-points",
            ),
            path(
                "rewards/<loyalty_id:reward_id>/redeem/",
                login_required(views.RedeemRewardView.as_view()),
                name="reward-redeem",
            ),
            path(
                "rewards/mine/<loyalty_id:redemption_id>/apply/",
                login_required(views.ApplyRewardView.as_view()),
                name="reward-apply",
            ),
            path(
                "follow/<loyalty_id:rule_id>/",
                login_required(views.SocialFollowView.as_view()),
                name="social-follow",
            ),
            *referral_urls(),
        ]
        return self.post_process_urls(urls)
